//! The diesel schema, shared by both engines: the two migration folders create the same
//! tables with the same column types (text ids, UTC timestamps without zone).

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
diesel::allow_tables_to_appear_in_same_query!(organisations, users, refresh_tokens);

diesel::table! {
    outbox (id) {
        id -> Text,
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

diesel::joinable!(digest_items -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(digest_items, users);
