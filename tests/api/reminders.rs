//! The event emails that follow an item's life after the change that caused them: published,
//! a match waiting for an answer, a need about to expire (with its reconfirm link), the
//! outcome report asked of the other side, and the coordinators' dead-letter summary. Time
//! passing is written into the database, as the expiry tests do; the reminder pass runs
//! every second.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::email::{
    app_with, app_with_sink, emails_to, first_email_to, outbox, token_of, well_formed_email_to,
};
use crate::harness::{
    assert_mentions, id, need_input, need_with, offer_input, Need, Proposal, Session, TestApp,
};
use crate::smtp_sink::{SinkOptions, SmtpSink};

/// Passes of the reminder task (one a second) that a test waits out to see that nothing
/// more is sent.
const A_FEW_PASSES: Duration = Duration::from_millis(2500);

/// A sink, and a server that sends to it and runs its reminder task once a second.
async fn reminding_app(app: TestApp) -> (SmtpSink, TestApp) {
    app_with_sink(app, &[("expiry_interval_seconds", "1")]).await
}

/// Time passing for one column of one row: `days` ago.
fn days_ago(days: i64) -> chrono::NaiveDateTime {
    (chrono::Utc::now() - chrono::Duration::days(days)).naive_utc()
}

/// How many messages of `kind` the outbox holds for `address`.
async fn count_of(coordinator: &Session, kind: &str, address: &str) -> usize {
    outbox(coordinator, None)
        .await
        .iter()
        .filter(|m| m["kind"] == kind && m["recipient"] == address)
        .count()
}

pub async fn publishing_tells_the_organisation_who_can_read_it(app: TestApp) {
    let (sink, app) = reminding_app(app).await;
    let hospital = app.verified_org("hospital", "KE").await;
    let ngo = app.verified_org("ngo", "KE").await;
    let member = app.add_member(&hospital.account.organisation_id).await;
    let need = hospital
        .publish_need(&need_with(
            "Backups after an attack",
            json!({"visibility": "verified_providers", "anonymous": true}),
        ))
        .await;
    let offer = ngo
        .publish_offer(&offer_input("Restore drills for hospitals"))
        .await;

    let to_hospital = &well_formed_email_to(&sink, &hospital, "Your need is published").await;
    assert!(
        to_hospital.text.contains("Backups after an attack")
            && to_hospital
                .text
                .contains("Users of verified provider organisations")
            && to_hospital.text.contains("not shown to providers"),
        "says who reads it: {}",
        to_hospital.text
    );
    assert!(to_hospital
        .text
        .contains(&app.url(&format!("/needs/{}", id(&need)))));
    assert!(to_hospital.header("list-unsubscribe").is_some());
    let to_ngo = &first_email_to(&sink, &ngo.account.email, "Your offer is published").await;
    assert!(
        to_ngo.text.contains("Restore drills for hospitals")
            && to_ngo.text.contains("Anyone can read it")
            && to_ngo
                .text
                .contains(&app.url(&format!("/offers/{}", id(&offer)))),
        "{}",
        to_ngo.text
    );
    // Org admins hear of it; a plain member does not, and the other side is not told.
    let coordinator = app.coordinator().await;
    assert_eq!(
        count_of(&coordinator, "item_published", &member.account.email).await,
        0
    );
    assert_eq!(
        count_of(&coordinator, "item_published", &ngo.account.email).await,
        1
    );
    // A change that is not a publication sends no such email.
    hospital
        .reconfirm(Need(&need))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        count_of(&coordinator, "item_published", &hospital.account.email).await,
        1
    );
}

/// A reminding server (`reminding_app`) and the proposal the reminder tests start from.
async fn reminding_proposal(app: TestApp) -> (SmtpSink, TestApp, Proposal) {
    let (sink, app) = reminding_app(app).await;
    let proposal = app.backup_proposal(json!({})).await;
    (sink, app, proposal)
}

pub async fn a_waiting_match_reminds_whoever_it_waits_for_once(app: TestApp) {
    let (sink, app, proposal) = reminding_proposal(app).await;
    let (hospital, ngo, coordinator, offer, match_id) = proposal.into_parts();

    // A proposal nobody decided on for eight days: the coordinators are reminded, once.
    crate::set_column!(app, matches.updated_at, &match_id, days_ago(8));
    let reminder =
        &well_formed_email_to(&sink, &coordinator, "Waiting for a coordinator's decision").await;
    assert!(
        reminder.text.contains("waiting 8 days")
            && reminder.text.contains("Backups after an attack")
            && reminder.text.contains(&match_id),
        "{}",
        reminder.text
    );
    tokio::time::sleep(A_FEW_PASSES).await;
    assert_eq!(
        count_of(&coordinator, "match_waiting", &coordinator.account.email).await,
        1,
        "one reminder per wait"
    );

    // Approved; the hospital proposed (so accepted); the NGO's acceptance waits.
    coordinator
        .approve(&match_id)
        .await
        .assert_status(StatusCode::OK);
    crate::set_column!(app, matches.updated_at, &match_id, days_ago(9));
    let awaited = &first_email_to(
        &sink,
        &ngo.account.email,
        "Waiting for your organisation's acceptance",
    )
    .await;
    assert_mentions(&awaited.text, "Accept it to start the work");
    tokio::time::sleep(A_FEW_PASSES).await;
    assert_eq!(
        count_of(&coordinator, "match_waiting", &hospital.account.email).await,
        0,
        "the side that accepted is not reminded"
    );
    assert_eq!(
        count_of(&coordinator, "match_waiting", &ngo.account.email).await,
        1
    );

    // A match that waits less than the configured days is left alone.
    ngo.accept(&match_id).await.assert_status(StatusCode::OK);
    let other_need = hospital.publish_need(&need_input("Phishing drills")).await;
    let fresh = hospital.propose(&other_need, &offer).await;
    fresh.assert_status(StatusCode::CREATED);
    crate::set_column!(app, matches.updated_at, &id(&fresh.body), days_ago(6));
    tokio::time::sleep(A_FEW_PASSES).await;
    assert_eq!(
        count_of(&coordinator, "match_waiting", &coordinator.account.email).await,
        1
    );
}

pub async fn a_need_about_to_expire_is_announced_with_a_link_that_reconfirms_it(app: TestApp) {
    let (sink, app) = reminding_app(app).await;
    let hospital = app.verified_org("hospital", "KE").await;
    let coordinator = app.coordinator().await;
    let [need, fresh] = hospital
        .publish_needs([
            ("Backups after an attack", json!({})),
            ("A need reconfirmed today", json!({})),
        ])
        .await;
    let path = format!("/api/v1/needs/{}", id(&need));

    // Last reconfirmed 85 days ago: it expires in five days (90), inside the week's warning.
    crate::set_column!(app, needs.reconfirmed_at, &id(&need), days_ago(85));
    let warning = &well_formed_email_to(&sink, &hospital, "Your need expires on").await;
    let expires_on = (chrono::Utc::now() + chrono::Duration::days(5))
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        warning.text.contains("Backups after an attack")
            && warning.text.contains(&expires_on)
            && warning.text.contains("reconfirmed every 90 days"),
        "{}",
        warning.text
    );
    assert!(!warning.text.contains("A need reconfirmed today"));
    let link = warning
        .link(&app.url("/needs/reconfirm?token="))
        .expect("a reconfirm link");
    assert!(warning.html.contains("reconfirm it</a>"));

    // The link opens a page that changes nothing; its button reconfirms.
    let browser = crate::browser::Browser::new(&app);
    let page = browser.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<form method=\"post\""));
    let before = hospital.get(&path).await;
    let token = token_of(&link);
    let csrf = page.value_of("input[name=csrf]").expect("a CSRF field");
    let done = browser
        .submit_and_follow(&page, "/needs/reconfirm", &[])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("stays open"), "{}", done.body);
    let after = hospital.get(&path).await;
    assert!(
        after.body["reconfirmed_at"].as_str() > before.body["reconfirmed_at"].as_str(),
        "reconfirmed: {} then {}",
        before.body["reconfirmed_at"],
        after.body["reconfirmed_at"]
    );
    assert_eq!(after.body["status"], "open");

    // A forged or foreign link changes nothing.
    for forged in ["forged", token.as_str().trim_end_matches(|c| c != '.')] {
        let refused = browser
            .post("/needs/reconfirm", &[("csrf", &csrf), ("token", forged)])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    tokio::time::sleep(A_FEW_PASSES).await;
    assert_eq!(
        count_of(&coordinator, "need_expiring", &hospital.account.email).await,
        1,
        "one warning per expiry"
    );
    // Reconfirmed, then unattended again: a new expiry, a new warning.
    crate::set_column!(app, needs.reconfirmed_at, &id(&need), days_ago(86));
    emails_to(&sink, &hospital.account.email, "Your need expires on", 2).await;
    assert_eq!(
        app.get(&format!("/api/v1/needs/{}", id(&fresh)), None)
            .await
            .body["status"],
        "open"
    );
}

pub async fn completion_asks_the_other_side_for_its_report_once(app: TestApp) {
    let (sink, app, proposal) = reminding_proposal(app).await;
    let (hospital, ngo, coordinator, _, match_id) = proposal.into_parts();
    let reports = format!("/api/v1/matches/{match_id}/reports");
    let report = json!({"rating": 4, "outcome": "Backups restored in a drill"});
    hospital
        .post(&reports, &report)
        .await
        .assert_problem(StatusCode::CONFLICT);
    coordinator
        .approve(&match_id)
        .await
        .assert_status(StatusCode::OK);
    ngo.accept(&match_id).await.assert_status(StatusCode::OK);
    ngo.complete(
        &match_id,
        &json!({"delivered_quantity": 12, "outcome": "Twelve staff trained", "rating": 5}),
    )
    .await
    .assert_status(StatusCode::OK);

    let asked = &well_formed_email_to(&sink, &hospital, "How did it go?").await;
    assert!(
        asked
            .text
            .contains("The providing organisation marked this match as completed")
            && asked.text.contains("12 delivered"),
        "{}",
        asked.text
    );
    let link = asked
        .link(&app.url("/matches/report?token="))
        .expect("a report link");
    let browser = crate::browser::Browser::new(&app);
    let page = browser.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"rating\""));

    // A bad rating shows the form again; a good report is recorded; a second is refused.
    let token = token_of(&link);
    let csrf = page.value_of("input[name=csrf]").expect("a CSRF field");
    let submit = |rating: &'static str, outcome: &'static str| {
        let fields = [
            ("csrf", csrf.as_str()),
            ("token", token.as_str()),
            ("rating", rating),
            ("outcome", outcome),
        ];
        let browser = &browser;
        async move {
            browser
                .follow(browser.post("/matches/report", &fields).await)
                .await
        }
    };
    let bad = submit("9", "x").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("name=\"rating\""));
    let good = submit("4", "Our backups were restored in a drill").await;
    assert_eq!(good.status, StatusCode::OK);
    let again = submit("4", "Twice").await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // Each side reads its own report; coordinators read both and do not write one.
    let own = hospital.get(&reports).await;
    own.assert_status(StatusCode::OK);
    assert_eq!(own.body.as_array().unwrap().len(), 1);
    assert_eq!(own.body[0]["party"], "requester");
    assert_eq!(own.body[0]["rating"], 4);
    let provider_side = ngo.get(&reports).await;
    assert_eq!(provider_side.body.as_array().unwrap().len(), 1);
    assert_eq!(provider_side.body[0]["party"], "provider");
    assert_eq!(provider_side.body[0]["outcome"], "Twelve staff trained");
    let both = coordinator.get(&reports).await;
    assert_eq!(both.body.as_array().unwrap().len(), 2);
    coordinator
        .post(&reports, &report)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    ngo.post(&reports, &report)
        .await
        .assert_problem(StatusCode::CONFLICT);
    let stranger = app.verified_org("ngo", "UG").await;
    stranger
        .get(&reports)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let invalid = hospital
        .post(&reports, &json!({"rating": 0, "outcome": " "}))
        .await;
    invalid.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    // The gap report averages what those in need said.
    let gaps = coordinator.get("/api/v1/reports/gaps").await;
    gaps.assert_status(StatusCode::OK);
    assert_eq!(
        gaps.body["summary"]["average_requester_rating"].as_f64(),
        Some(4.0)
    );

    // The side that completed was not asked: it reported with the completion.
    assert_eq!(
        count_of(&coordinator, "outcome_requested", &ngo.account.email).await,
        0
    );
    assert_eq!(
        count_of(&coordinator, "outcome_requested", &hospital.account.email).await,
        1
    );
}

pub async fn dead_letters_are_summarised_to_coordinators_once_per_period(app: TestApp) {
    let sink = SmtpSink::start(SinkOptions {
        reject_domain: Some("ngo.example".into()),
        ..SinkOptions::default()
    });
    // Two attempts, then dead; a two-second period stands in for a day.
    let app = app_with(
        app,
        Some(&sink.url(None)),
        &[
            ("outbox.retry_base_ms", "50"),
            ("outbox.max_attempts", "2"),
            ("outbox.digest_period_seconds", "2"),
        ],
    )
    .await;
    let coordinator = app.coordinator().await;
    let unreachable = app.register("ngo", "KE").await;
    let summary =
        &well_formed_email_to(&sink, &coordinator, "1 email could not be delivered").await;
    assert!(
        summary.text.contains(&unreachable.email)
            && summary.text.contains("550")
            && summary.text.contains("verify_email"),
        "{}",
        summary.text
    );
    assert!(summary.text.contains(&app.url("/coordination/outbox")));
    // Later periods saw no new death: no more summaries.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let summaries = outbox(&coordinator, None)
        .await
        .into_iter()
        .filter(|m| m["kind"] == "dead_letters")
        .count();
    assert_eq!(summaries, 1);
}

/// Two instances' passes may see the same occasion at once; the record lets one of them
/// send. (The passes' queries already skip what was reminded, so within one instance this
/// record is never the deciding check: here it is checked on its own.)
pub async fn a_reminder_occasion_is_taken_once(app: TestApp) {
    use clearinghouse::notify::reminders::{first_time, ReminderKind};
    let db = app.database();
    let occasion = days_ago(3);
    let take = |kind, subject: &'static str, at| {
        db.write_blocking(move |conn| first_time(conn, kind, subject, at))
            .unwrap()
    };
    assert!(take(ReminderKind::MatchWaiting, "a-match", occasion));
    assert!(!take(ReminderKind::MatchWaiting, "a-match", occasion));
    assert!(take(ReminderKind::MatchWaiting, "a-match", days_ago(1)));
    assert!(take(ReminderKind::NeedExpiring, "a-match", occasion));
    assert!(take(ReminderKind::MatchWaiting, "another", occasion));
}

/// A reader of the daily digest gets the reminder as one line, and the line links to what
/// the email would have asked: here, the reconfirm page.
pub async fn a_digest_line_links_to_the_action_it_asks_for(app: TestApp) {
    let sink = SmtpSink::start(SinkOptions::default());
    let app = app_with(
        app,
        Some(&sink.url(None)),
        &[
            ("expiry_interval_seconds", "1"),
            ("outbox.digest_period_seconds", "1"),
        ],
    )
    .await;
    let hospital = app.verified_org("hospital", "KE").await;
    hospital
        .set_preferences(&json!({"preferences": {"need_expiring": "daily"}}))
        .await
        .assert_status(StatusCode::OK);
    let need = hospital
        .publish_need(&need_input("Backups after an attack"))
        .await;
    crate::set_column!(app, needs.reconfirmed_at, &id(&need), days_ago(85));
    let digest =
        &first_email_to(&sink, &hospital.account.email, "Your clearing-house digest").await;
    assert!(
        digest.text.contains("Your need expires on")
            && digest.text.contains(&app.url("/needs/reconfirm?token=")),
        "{}",
        digest.text
    );
}
