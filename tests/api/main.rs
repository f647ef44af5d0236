//! The HTTP test suite. Every case runs once per configured engine against a real server:
//! `sqlite::auth::login_returns_working_tokens`, `postgres::auth::...`. A custom harness
//! (libtest-mimic) builds that list at run time, so no engine is ever silently skipped.

mod accounts;
mod auth;
mod browser;
mod catalogue;
mod cli;
mod clients;
mod eligibility;
mod email;
mod figures;
mod gates;
mod harness;
mod hostile;
mod http;
mod idempotency;
mod integrity;
mod limits;
mod matching;
mod metrics;
mod openapi;
mod problems;
mod reminders;
mod security_headers;
mod seed;
mod smtp_sink;
mod store;
mod sync;
mod visibility;
mod web;
// catalogue pages
mod web_catalogue;
// issue 14: the org admin's API clients page
mod web_api_clients;
// match and coordination pages
mod web_matches;
// webhooks for partner systems
mod webhook_receiver;
mod webhooks;
// queue: settled queue rows past their retention
mod retention;
// reads: list and search whose cost follows the page
mod reads;
// one migration folder a change, both engines
mod schema;

use std::future::Future;
use std::pin::Pin;

use harness::{Engine, TestApp};
use libtest_mimic::{Arguments, Failed, Trial};

type Case = fn(TestApp) -> Pin<Box<dyn Future<Output = ()>>>;

/// Names each case after its module path and boxes it for the table.
macro_rules! cases {
    ($($module:ident :: $name:ident),* $(,)?) => {
        vec![$((
            concat!(stringify!($module), "::", stringify!($name)),
            (|app| Box::pin($module::$name(app))) as Case,
        )),*]
    };
}

/// Cases that need a fresh server on each engine.
fn per_engine_cases() -> Vec<(&'static str, Case)> {
    cases![
        auth::register_creates_an_unverified_org_admin_and_organisation,
        store::a_stored_id_that_is_not_a_uuid_is_a_store_error,
        auth::duplicate_registration_is_a_conflict,
        auth::invalid_registrations_name_every_bad_field_and_create_nothing,
        auth::malformed_bodies_are_problems_and_create_nothing,
        auth::login_returns_working_tokens,
        auth::unknown_email_and_wrong_password_answer_identically,
        auth::forged_and_expired_tokens_are_refused,
        auth::refresh_rotates_and_the_old_token_dies,
        auth::reusing_a_rotated_refresh_token_revokes_its_family,
        auth::racing_refreshes_of_one_token_have_one_winner,
        auth::logout_ends_the_session,
        auth::login_is_rate_limited_per_account_with_retry_after,
        auth::registration_is_rate_limited_per_ip,
        accounts::directory_shows_verified_organisations_and_ones_own,
        accounts::directory_filters_and_pages_without_gaps_or_repeats,
        accounts::directory_rejects_bad_queries,
        accounts::hidden_organisations_answer_not_found,
        accounts::only_coordinators_verify_and_only_once,
        cli::create_coordinator_makes_a_verified_secretariat_once,
        cli::create_coordinator_refuses_bad_input,
        http::health_and_readiness,
        http::unknown_routes_and_methods_are_problems,
        http::every_response_carries_a_request_id,
        openapi::every_documented_operation_is_routed,
        catalogue::themes_form_a_tree_of_the_taxonomy,
        catalogue::a_requester_posts_publishes_edits_and_withdraws_a_need,
        catalogue::a_provider_posts_and_closes_an_offer,
        catalogue::only_the_right_side_posts_and_only_verified_organisations_publish,
        catalogue::invalid_needs_name_every_bad_field_and_create_nothing,
        catalogue::versions_guard_every_change,
        catalogue::others_cannot_change_what_is_not_theirs,
        catalogue::lists_filter_search_sort_and_page,
        catalogue::the_audit_log_records_who_changed_what,
        catalogue::unconfirmed_needs_expire_and_can_be_reconfirmed,
        figures::figures_count_only_what_the_reader_may_see,
        visibility::need_visibility_matrix,
        visibility::offer_visibility_follows_verification,
        matching::a_need_gets_ranked_explained_candidates,
        matching::a_hidden_need_is_never_a_providers_candidate,
        matching::a_match_goes_from_proposal_to_completion,
        matching::bad_match_requests_are_refused_and_change_nothing,
        matching::racing_accepts_for_the_last_seat_have_one_winner,
        web::every_page_answers_in_the_layout_and_stays_light,
        web::a_person_registers_confirms_the_email_and_signs_in,
        web::wrong_password_and_unknown_account_get_the_same_page,
        web::signing_out_ends_the_session,
        web::a_password_reset_ends_every_web_session,
        web::forms_without_the_right_csrf_token_change_nothing,
        web::sign_in_returns_only_to_local_paths,
        web::bearer_tokens_never_open_pages_and_cookies_never_open_the_api,
        web::refused_fields_are_shown_beside_their_inputs_with_the_input_kept,
        web::unknown_paths_get_the_not_found_page_and_the_api_keeps_problems,
        web::an_org_admin_invites_a_colleague_who_joins_through_the_link,
        web::an_https_public_url_gets_host_cookies_and_hsts,
        web::sessions_end_when_idle_or_too_old,
        web::sign_in_shares_the_api_rate_limit_per_account,
        // catalogue pages
        web_catalogue::browse_lists_and_item_pages_show_only_what_the_visitor_may_see,
        web_catalogue::filters_page_by_cursor_and_bad_filters_are_422_pages,
        web_catalogue::a_requester_posts_publishes_edits_and_withdraws_a_need_through_the_forms,
        web_catalogue::a_provider_posts_an_offer_and_sees_ranked_candidates,
        web_catalogue::strangers_and_forged_forms_change_nothing,
        web_catalogue::home_figures_count_only_visible_needs,
        matching::the_allocation_covers_the_most_urgent_need_first,
        seed::seed_demo_fills_an_empty_database_for_a_first_look,
        seed::seed_demo_twice_adds_nothing,
        seed::seed_demo_takes_sizes_and_refuses_bad_ones,
        email::registration_emails_a_verification_link_that_verifies,
        email::a_newcomer_finds_the_email_as_a_file_and_is_verified,
        email::password_reset_is_single_use_and_ends_every_session,
        email::invitations_email_a_link_that_creates_a_verified_member,
        email::a_refused_acceptance_leaves_the_invitation_unused,
        email::organisation_verified_tells_its_admins_with_one_click_unsubscribe,
        email::preferences_turn_events_off_or_into_a_daily_digest,
        email::preferences_refuse_unknown_kinds_modes_and_strangers,
        email::smtp_down_then_up_delivers_every_message_once_with_backoff,
        email::a_killed_worker_s_messages_are_delivered_after_its_lease,
        email::two_workers_never_send_a_message_twice,
        email::bad_credentials_retry_then_die_visibly_and_can_be_retried,
        email::a_stopped_worker_finishes_its_message_and_gives_the_rest_back,
        email::a_match_s_steps_email_the_people_they_concern,
        email::new_candidates_are_announced_once_to_who_may_read_them,
        email::a_need_s_announcement_sees_the_offers_as_committed_before_it,
        email::email_goes_over_starttls_and_tls_trusting_a_private_ca,
        reminders::publishing_tells_the_organisation_who_can_read_it,
        reminders::a_waiting_match_reminds_whoever_it_waits_for_once,
        reminders::a_need_about_to_expire_is_announced_with_a_link_that_reconfirms_it,
        reminders::completion_asks_the_other_side_for_its_report_once,
        reminders::dead_letters_are_summarised_to_coordinators_once_per_period,
        reminders::a_reminder_occasion_is_taken_once,
        reminders::a_digest_line_links_to_the_action_it_asks_for,
        // match and coordination pages
        web_matches::a_form_proposes_a_match_and_a_refusal_says_why,
        web_matches::a_match_walks_from_approval_to_reports_on_its_pages,
        web_matches::a_side_cannot_approve_and_a_stranger_sees_no_match,
        web_matches::an_anonymous_requester_is_named_only_once_the_work_starts,
        web_matches::the_queue_verifies_organisations_and_decides_proposals,
        web_matches::the_allocation_page_proposes_a_row,
        web_matches::the_gap_page_draws_unmet_needs_with_their_numbers,
        web_matches::a_dead_email_is_retried_from_the_outbox_page,
        web_matches::the_audit_page_filters_by_entity_and_id,
        web_matches::coordination_is_for_coordinators_and_forms_need_their_token,
        // issue 12 item 8 (part A): what a hostile client found
        hostile::a_token_of_a_user_that_does_not_exist_acts_nowhere,
        hostile::a_token_s_claims_never_outrank_the_user_s_current_role,
        hostile::secured_operations_answer_401_before_reading_the_body,
        hostile::an_outcome_never_reaches_the_other_side,
        hostile::null_patches_are_refused_and_empty_patches_change_no_version,
        hostile::control_characters_are_refused_by_name_and_forged_cursors_are_400,
        // contract-b: secured operations refuse a missing token before reading anything else
        openapi::a_secured_operation_without_a_token_is_401_whatever_else_it_sends,
        // contract-a: problem types, security headers and CORS
        problems::every_problem_type_answers_its_page_and_the_list_names_them_all,
        problems::distinct_refusals_carry_their_own_types_and_members,
        problems::problem_types_live_under_the_public_url,
        security_headers::cors_admits_configured_origins_and_no_other,
        security_headers::hsts_is_sent_only_when_the_public_url_is_https,
        security_headers::the_documentation_has_a_policy_that_forbids_framing,
        // issue 12, item 8 (part B): races, held items, invitations, unconfirmed addresses
        integrity::a_close_racing_an_accept_never_strands_the_match,
        integrity::an_approval_racing_a_close_has_one_consistent_outcome,
        integrity::racing_completions_of_one_need_count_every_delivery,
        integrity::closing_an_item_a_match_holds_is_refused_naming_the_match,
        gates::an_unconfirmed_address_cannot_publish_propose_or_invite,
        gates::only_a_verified_organisation_invites_and_within_its_quotas,
        // issue 12 items 4 and 5: shared rate limits, trusted proxies, metrics
        limits::two_instances_on_one_database_enforce_one_limit,
        limits::refilled_keys_are_forgotten_and_others_kept,
        limits::forwarded_for_counts_only_from_a_trusted_proxy,
        metrics::metrics_need_the_token_and_count_by_route_template,
        metrics::metrics_do_not_exist_without_a_token,
        metrics::the_outbox_gauge_moves_when_registration_queues_an_email,
        // JSON numbers as JSON means them
        http::integral_numbers_written_as_floats_are_read_as_integers,
        // issue 12: the document is valid OpenAPI 3.1 and states what the server accepts
        openapi::the_served_document_is_valid_openapi_3_1,
        matching::each_match_action_states_its_own_body,
        // issue 14 item 3: Idempotency-Key on writes
        idempotency::a_retried_post_is_replayed_and_creates_nothing_new,
        idempotency::a_patch_retried_with_its_key_is_replayed_not_refused,
        idempotency::the_same_key_with_another_request_is_422,
        idempotency::keys_are_per_caller,
        idempotency::a_refusal_is_replayed,
        idempotency::a_key_in_flight_is_409_until_its_lease_runs_out,
        idempotency::racing_requests_with_one_key_create_one_need,
        idempotency::expired_keys_are_forgotten_and_may_be_used_again,
        idempotency::a_bad_key_is_400_and_changes_nothing,
        // webhooks for partner systems (issue 14, item 5)
        webhooks::partners_receive_signed_events_only_of_what_they_may_read,
        webhooks::a_match_s_steps_reach_its_two_sides_only,
        webhooks::failed_attempts_are_retried_under_one_id_with_growing_waits,
        webhooks::a_failing_endpoint_is_parked_turned_off_and_its_admins_told,
        webhooks::webhooks_refuse_the_service_own_networks_unless_allowed,
        webhooks::no_webhook_is_lost_when_the_worker_is_killed_mid_batch,
        webhooks::an_org_admin_manages_webhooks_and_replays_deliveries_from_the_page,
        // issue 15: structured eligibility on offers
        eligibility::offers_and_needs_carry_eligibility_through_create_patch_and_read,
        eligibility::unknown_eligibility_values_are_refused_and_change_nothing,
        eligibility::an_ineligible_requester_never_sees_the_offer_and_explanations_name_the_rule,
        eligibility::a_grant_paying_for_none_of_the_costs_asked_is_not_a_candidate,
        // issue 14 item 4: incremental sync (sort=updated, updated_since, tombstones)
        sync::a_poll_sees_each_change_once_across_pages_and_polls,
        sync::a_need_that_leaves_the_public_view_is_a_tombstone_to_outsiders,
        sync::a_draft_never_appears_to_others,
        sync::a_restricted_need_never_appears_to_a_reader_who_cannot_see_it,
        sync::updated_since_is_an_inclusive_entry_point,
        sync::a_bad_updated_since_or_sync_cursor_is_refused_as_documented,
        sync::a_change_committed_late_is_not_skipped,
        // issue 14 items 1, 2: API clients and OAuth 2.0 client credentials
        clients::a_partner_gets_a_token_by_basic_or_in_the_body_and_writes_with_it,
        clients::every_token_refusal_is_an_rfc_6749_error,
        clients::a_token_acts_only_within_its_scopes,
        clients::a_client_token_sees_what_a_member_of_its_organisation_sees,
        clients::revoked_and_rotated_clients_stop_working_at_once,
        clients::only_the_organisation_s_admins_and_coordinators_manage_its_clients,
        clients::the_token_endpoint_is_rate_limited,
        clients::the_document_describes_the_oauth2_flow_and_the_scopes,
        clients::a_client_with_webhooks_manage_manages_its_own_webhooks_only,
        web_api_clients::an_org_admin_creates_rotates_and_revokes_a_client_on_the_page,
        web_api_clients::the_api_clients_page_is_for_org_admins_only,
        // issue 13: candidate lists from the held open offers
        matching::candidates_follow_offers_changed_through_another_instance,
        // queue: one leased queue; retention of settled rows; If-Match on webhooks
        retention::sent_emails_and_delivered_webhooks_are_deleted_after_their_retention,
        webhooks::a_webhook_change_needs_the_etag_it_was_based_on,
        webhooks::a_delivered_message_ends_the_endpoint_s_run_of_failures,
        // theme order: the first theme is the main one
        catalogue::themes_keep_the_order_they_were_given_in,
        // reads: list and search whose cost follows the page (issue 13 item 1)
        reads::a_search_mostly_hidden_from_the_reader_pages_through_what_it_may_see,
        reads::a_search_with_filters_pages_in_list_order,
        reads::an_item_whose_text_changes_is_found_by_its_new_words_only,
        reads::needs_created_in_one_microsecond_page_by_id,
        reads::a_short_word_is_matched_whole,
        // one migration folder a change: the history reverts and applies again on each engine
        schema::the_history_reverts_to_nothing_and_applies_again_to_the_same_schema,
        // the planner's statistics after a bulk load (issue 13: PostgreSQL's search plans)
        seed::seed_demo_leaves_the_planner_statistics_current,
        seed::a_search_of_thousands_lists_every_match_newest_first,
    ]
}

fn run_case(engine: Engine, case: Case) -> Result<(), Failed> {
    actix_web::rt::System::new().block_on(async move {
        let app = TestApp::spawn(engine).await;
        case(app).await;
    });
    Ok(())
}

fn main() {
    let arguments = Arguments::from_args();
    let engines = harness::engines();
    let mut trials = Vec::new();
    for &engine in engines {
        for (name, case) in per_engine_cases() {
            trials.push(Trial::test(
                format!("{}::{name}", engine.name()),
                move || run_case(engine, case),
            ));
        }
    }
    // Cases about the binary and the contract, independent of the engine.
    let independent: [(&'static str, fn()); 7] = [
        (
            "openapi::document_matches_the_snapshot",
            openapi::document_matches_the_snapshot,
        ),
        (
            "openapi::the_document_is_valid_openapi_3_1",
            openapi::the_document_is_valid_openapi_3_1,
        ),
        (
            "openapi::every_reference_resolves",
            openapi::every_reference_resolves,
        ),
        (
            "openapi::the_contract_paths_are_documented",
            openapi::the_contract_paths_are_documented,
        ),
        (
            "cli::a_bad_setting_stops_the_start_naming_it",
            cli::a_bad_setting_stops_the_start_naming_it,
        ),
        (
            "cli::serve_starts_on_an_embedded_database",
            cli::serve_starts_on_an_embedded_database,
        ),
        // contract-b: the refusals of an operation's shape, documented in one place
        (
            "openapi::every_operation_documents_the_refusals_of_its_shape",
            openapi::every_operation_documents_the_refusals_of_its_shape,
        ),
    ];
    for (name, case) in independent {
        trials.push(Trial::test(name, move || {
            case();
            Ok(())
        }));
    }
    let conclusion = libtest_mimic::run(&arguments, trials);
    harness::drop_postgres_template();
    conclusion.exit();
}
