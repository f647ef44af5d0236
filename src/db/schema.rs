//! The diesel schema, shared by both engines: the two migration folders create the same
//! tables with the same column types (text ids, UTC timestamps without zone). Id columns
//! typed so far are `UuidText`: TEXT in the database, `uuid::Uuid` in Rust.

pub use super::uuid_text::UuidText;

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        country -> Text,
        verified -> Bool,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        organisation_id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        email_verified -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::table! {
    themes (code) {
        code -> Text,
        parent -> Nullable<Text>,
        name -> Text,
        description -> Text,
        version -> Integer,
        position -> Integer,
    }
}

diesel::table! {
    needs (id) {
        id -> Text,
        organisation_id -> Text,
        created_by -> Text,
        title -> Text,
        description -> Text,
        country -> Text,
        languages -> Text,
        delivery_modes -> Text,
        urgency -> Text,
        urgency_rank -> Integer,
        quantity -> Integer,
        wanted_from -> Nullable<Date>,
        wanted_by -> Date,
        budget_amount -> Nullable<BigInt>,
        budget_currency -> Nullable<Text>,
        visibility -> Text,
        anonymous -> Bool,
        status -> Text,
        version -> Integer,
        reconfirmed_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        quantity_covered -> Integer,
        sector -> Nullable<Text>,
        after_incident -> Bool,
        costs -> Text,
        audiences -> Text,
        requester_kind -> Text,
        change_seq -> BigInt,
    }
}

diesel::table! {
    need_themes (need_id, theme_code) {
        need_id -> Text,
        theme_code -> Text,
        position -> Integer,
    }
}

diesel::table! {
    offers (id) {
        id -> Text,
        organisation_id -> Text,
        created_by -> Text,
        kind -> Text,
        title -> Text,
        description -> Text,
        countries -> Text,
        regions -> Text,
        global -> Bool,
        languages -> Text,
        delivery_modes -> Text,
        capacity -> Integer,
        capacity_left -> Integer,
        available_from -> Nullable<Date>,
        available_until -> Nullable<Date>,
        funding_amount -> Nullable<BigInt>,
        funding_currency -> Nullable<Text>,
        visibility -> Text,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        requester_kinds -> Text,
        sector -> Nullable<Text>,
        only_after_incident -> Bool,
        eligible_costs -> Text,
        audiences -> Text,
        change_seq -> BigInt,
    }
}

diesel::table! {
    offer_themes (offer_id, theme_code) {
        offer_id -> Text,
        theme_code -> Text,
        position -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::UuidText;

    audit_log (id) {
        id -> UuidText,
        entity -> Text,
        entity_id -> UuidText,
        action -> Text,
        actor_user_id -> Nullable<UuidText>,
        actor_organisation_id -> Nullable<UuidText>,
        at -> Timestamp,
        actor_client_id -> Nullable<UuidText>,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
    }
}

diesel::table! {
    matches (id) {
        id -> Text,
        need_id -> Text,
        offer_id -> Text,
        score -> Double,
        explanation -> Text,
        proposed_by -> Text,
        proposed_by_user -> Nullable<Text>,
        status -> Text,
        requester_accepted -> Bool,
        provider_accepted -> Bool,
        reserved_quantity -> Integer,
        note -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        reason -> Nullable<Text>,
        delivered_quantity -> Nullable<Integer>,
        outcome -> Nullable<Text>,
        rating -> Nullable<Integer>,
        version -> Integer,
        activated_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        change_seq -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::UuidText;

    outbox (id) {
        id -> UuidText,
        message_id -> Text,
        kind -> Text,
        recipient -> Text,
        user_id -> Nullable<Text>,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        list_unsubscribe -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claim_token -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    email_tokens (id) {
        id -> Text,
        purpose -> Text,
        token_hash -> Text,
        user_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        email -> Text,
        role -> Nullable<Text>,
        created_by -> Nullable<Text>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notification_preferences (user_id, event_kind) {
        user_id -> Text,
        event_kind -> Text,
        mode -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    digest_items (id) {
        id -> Text,
        user_id -> Text,
        event_kind -> Text,
        headline -> Text,
        link -> Text,
        created_at -> Timestamp,
        outbox_id -> Nullable<Text>,
    }
}

diesel::table! {
    candidate_notices (need_id, offer_id) {
        need_id -> Text,
        offer_id -> Text,
        score -> Double,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reminders_sent (kind, subject_id, occasion) {
        kind -> Text,
        subject_id -> Text,
        occasion -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    match_reports (match_id, party) {
        match_id -> Text,
        party -> Text,
        rating -> Integer,
        outcome -> Text,
        reported_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    web_sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        csrf_secret -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (limit_name, key_hash) {
        limit_name -> Text,
        key_hash -> Text,
        tat_micros -> BigInt,
        refused -> Integer,
    }
}

diesel::table! {
    idempotency_keys (caller, idempotency_key) {
        caller -> Text,
        idempotency_key -> Text,
        fingerprint -> Text,
        claim_token -> Text,
        lease_until -> Timestamp,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Binary>,
    }
}

diesel::table! {
    sync_sequence (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::UuidText;

    webhooks (id) {
        id -> UuidText,
        organisation_id -> UuidText,
        url -> Text,
        description -> Text,
        event_types -> Text,
        enabled -> Bool,
        secret -> Text,
        failed_messages -> Integer,
        failing_since -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::UuidText;

    webhook_deliveries (id) {
        id -> UuidText,
        webhook_id -> UuidText,
        message_id -> Text,
        event_type -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claim_token -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_response_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::table! {
    sync_seen (item_id, visibility) {
        item_id -> Text,
        visibility -> Text,
    }
}

diesel::joinable!(digest_items -> users (user_id));
diesel::table! {
    use diesel::sql_types::*;
    use super::UuidText;

    api_clients (id) {
        id -> UuidText,
        organisation_id -> Text,
        name -> Text,
        scopes -> Text,
        secret_hash -> Text,
        generation -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(api_clients -> organisations (organisation_id));
diesel::joinable!(needs -> organisations (organisation_id));
diesel::joinable!(matches -> needs (need_id));
diesel::joinable!(matches -> offers (offer_id));
diesel::joinable!(match_reports -> matches (match_id));
diesel::joinable!(offers -> organisations (organisation_id));
diesel::joinable!(need_themes -> needs (need_id));
diesel::joinable!(offer_themes -> offers (offer_id));
diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    refresh_tokens,
    themes,
    needs,
    need_themes,
    offers,
    offer_themes,
    audit_log,
    matches,
    outbox,
    email_tokens,
    notification_preferences,
    digest_items,
    candidate_notices,
    reminders_sent,
    match_reports,
    web_sessions,
    rate_limits,
    idempotency_keys,
    webhooks,
    webhook_deliveries,
    sync_sequence,
    sync_seen,
    api_clients
);
