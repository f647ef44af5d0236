//! Email: every message the users need, read from a real SMTP server (tests/api/smtp_sink.rs)
//! or from the mail folder; delivery through outages, crashes, competing workers and bad
//! credentials; preferences, digests and the coordinators' view of dead messages.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use clearinghouse::error::ProblemType;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{
    assert_mentions, eventually, need_input, need_with, offer_with, Offer, Proposal, Session,
    TestApp, WorkerProcess, PASSWORD,
};
use crate::smtp_sink::{free_port, Email, Received, SinkOptions, SinkTls, SmtpSink};

pub(crate) const WAIT: Duration = Duration::from_secs(20);

/// A test server that delivers to `smtp_url` (the mail folder when None), polling fast.
pub(crate) async fn app_with(
    app: TestApp,
    smtp_url: Option<&str>,
    extra: &[(&'static str, &str)],
) -> TestApp {
    let mut settings: Vec<(&'static str, &str)> = vec![("outbox.poll_interval_ms", "50")];
    if let Some(url) = smtp_url {
        settings.push(("smtp_url", url));
    }
    settings.extend_from_slice(extra);
    TestApp::spawn_with(app.engine, &settings).await
}

/// A test SMTP sink, and a server (`app_with` and `extra`) that sends to it.
pub(crate) async fn app_with_sink(
    app: TestApp,
    extra: &[(&'static str, &str)],
) -> (SmtpSink, TestApp) {
    let sink = SmtpSink::start(SinkOptions::default());
    let app = app_with(app, Some(&sink.url(None)), extra).await;
    (sink, app)
}

/// A server sending to `smtp_url` that waits `retry_base_ms` (doubling) before a failed
/// message's next attempt and gives it up after `max_attempts`, and its coordinator.
pub(crate) async fn retrying_app(
    app: TestApp,
    smtp_url: &str,
    retry_base_ms: &str,
    max_attempts: &str,
) -> (TestApp, Session) {
    let settings = [
        ("outbox.retry_base_ms", retry_base_ms),
        ("outbox.max_attempts", max_attempts),
    ];
    let app = app_with(app, Some(smtp_url), &settings).await;
    let coordinator = app.coordinator().await;
    (app, coordinator)
}

/// A sink that wants the mailer's right password, and the URL of a server that sends it a
/// wrong one: every delivery fails, as with credentials an operator mistyped.
pub(crate) fn sink_refusing_the_password() -> (SmtpSink, String) {
    let sink = SmtpSink::start(SinkOptions {
        credentials: Some(("mailer".into(), "right-password".into())),
        ..SinkOptions::default()
    });
    let url = sink.url(Some(("mailer", "wrong-password")));
    (sink, url)
}

pub(crate) fn to(messages: &[Received], address: &str) -> Vec<Email> {
    messages
        .iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .map(Received::email)
        .collect()
}

pub(crate) fn token_of(link: &str) -> String {
    let url = url::Url::parse(link).expect("a link");
    url.query_pairs()
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.into_owned())
        .expect("the link carries a token")
}

/// Every message in the outbox, as a coordinator lists it.
pub(crate) async fn outbox(coordinator: &Session, status: Option<&str>) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/v1/outbox?limit=100".to_owned();
        if let Some(status) = status {
            path.push_str(&format!("&status={status}"));
        }
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = coordinator.get(&path).await;
        page.assert_status(StatusCode::OK);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// Checks what every email must carry: sender, recipient, subject, a stable Message-ID, a
/// text and an HTML part, and why it was sent.
/// `admin` invites `invitee` as a member: the token of the link the invitation brings.
async fn invited(app: &TestApp, sink: &SmtpSink, admin: &Session, invitee: &str) -> String {
    admin
        .invite(invitee, "member")
        .await
        .assert_status(StatusCode::CREATED);
    let invitation = eventually("the invitation", WAIT, || async {
        to(&sink.messages(), invitee).into_iter().next()
    })
    .await;
    token_of(&invitation.link(&app.base_url).unwrap())
}

pub(crate) fn assert_well_formed(email: &Email, recipient: &str) {
    assert!(email
        .header("from")
        .unwrap()
        .contains("clearinghouse@localhost"));
    assert!(email.header("to").unwrap().contains(recipient));
    assert!(!email.header("subject").unwrap_or_default().is_empty());
    let message_id = email.header("message-id").unwrap();
    assert!(
        message_id.starts_with('<') && message_id.ends_with("@localhost>"),
        "{message_id}"
    );
    assert!(
        email.content_type.starts_with("multipart/alternative"),
        "{}",
        email.content_type
    );
    assert_mentions(&email.text, "Why you received this");
    assert!(
        email.html.contains("Why you received this"),
        "{}",
        email.html
    );
    assert!(email.html.contains("<a href="), "{}", email.html);
}

async fn request_reset(app: &TestApp, email: &str) {
    app.request_password_reset(email)
        .await
        .assert_status(StatusCode::ACCEPTED);
}

pub async fn registration_emails_a_verification_link_that_verifies(app: TestApp) {
    let (sink, app) = app_with_sink(app, &[]).await;
    let account = app.register("hospital", "KE").await;
    let messages = sink.wait_for(1, WAIT).await;
    let emails = to(&messages, &account.email);
    assert_eq!(emails.len(), 1);
    assert_eq!(
        messages[0].from, "clearinghouse@localhost",
        "the envelope sender"
    );
    let email = &emails[0];
    assert_well_formed(email, &account.email);
    assert!(
        email.header("list-unsubscribe").is_none(),
        "account emails cannot be unsubscribed"
    );
    let link = email
        .link(&format!("{}/verify-email?token=", app.base_url))
        .expect("a verification link for a person");
    assert!(
        email.html.contains(&link.replace('&', "&amp;")),
        "{}",
        email.html
    );
    assert!(
        email.text.contains("A hospital in KE"),
        "says which organisation: {}",
        email.text
    );

    // The link opens a page from this server; the page changes nothing by itself.
    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("<form method=\"post\""));
    let session = app.sign_in(&account).await;
    assert_eq!(
        session.get("/api/v1/me").await.body["email_verified"],
        false
    );

    let token = token_of(&link);
    app.verify_email(&token)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    assert_eq!(session.get("/api/v1/me").await.body["email_verified"], true);
    let again = app.verify_email(&token).await;
    again.assert_problem_type(ProblemType::LinkNotValid);
    app.verify_email("forged")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

/// The acceptance journey of the embedded default: no mail server, the email is a file.
pub async fn a_newcomer_finds_the_email_as_a_file_and_is_verified(app: TestApp) {
    let app = app_with(app, None, &[]).await;
    let account = app.register("ngo", "SN").await;
    let folder = app.data_dir.path().join("mail");
    let email = eventually("an .eml file in the mail folder", WAIT, || {
        let folder = folder.clone();
        async move {
            std::fs::read_dir(&folder)
                .ok()?
                .filter_map(Result::ok)
                .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
                .find_map(|entry| std::fs::read_to_string(entry.path()).ok())
        }
    })
    .await;
    let email = Email::parse(&email);
    assert_well_formed(&email, &account.email);
    let link = email
        .link(&format!("{}/verify-email?token=", app.base_url))
        .expect("a link to follow");

    // What a browser does: open the link, press the button (a form POST, its token and
    // CSRF field hidden in the form).
    let browser = crate::browser::Browser::new(&app);
    let page = browser.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(
        page.hidden_fields("/verify-email")
            .iter()
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value.clone()),
        Some(token_of(&link))
    );
    let confirmed = browser.submit_and_follow(&page, "/verify-email", &[]).await;
    assert_eq!(confirmed.status, StatusCode::OK);
    assert_mentions(&confirmed.body, "is confirmed");
    let session = app.sign_in(&account).await;
    assert_eq!(session.get("/api/v1/me").await.body["email_verified"], true);
}

pub async fn password_reset_is_single_use_and_ends_every_session(app: TestApp) {
    let (sink, app) = app_with_sink(app, &[]).await;
    let coordinator = app.coordinator().await;
    let account = app.register("ministry", "GH").await;
    let session = app.sign_in(&account).await;
    sink.wait_for(1, WAIT).await; // the verification email

    let unknown = "nobody-here@nowhere.example";
    request_reset(&app, unknown).await;
    request_reset(&app, &format!("  {}  ", account.email.to_uppercase())).await;
    let messages = sink.wait_for(2, WAIT).await;
    let resets: Vec<Email> = to(&messages, &account.email)
        .into_iter()
        .filter(|e| e.header("subject").unwrap().contains("Reset"))
        .collect();
    assert_eq!(resets.len(), 1);
    assert_well_formed(&resets[0], &account.email);
    assert!(
        outbox(&coordinator, None)
            .await
            .iter()
            .all(|m| m["recipient"] != unknown),
        "nothing is sent to an address without an account"
    );
    let link = resets[0]
        .link(&format!("{}/password-reset?token=", app.base_url))
        .expect("a reset link");
    let token = token_of(&link);

    let short = app.reset_password(&token, "short").await;
    short.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(short.invalid_fields(), ["new_password"]);

    let forged = app
        .reset_password("made-up", "a long enough passphrase")
        .await;
    forged.assert_problem_type(ProblemType::LinkNotValid);

    let new_password = "a brand new passphrase";
    app.reset_password(&token, new_password)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.refresh(&session.refresh_token)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    app.login(&account.email, PASSWORD)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    app.login(&account.email, new_password)
        .await
        .assert_status(StatusCode::OK);
    app.reset_password(&token, "yet another passphrase")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

pub async fn invitations_email_a_link_that_creates_a_verified_member(app: TestApp) {
    let (sink, app) = app_with_sink(app, &[]).await;
    let admin = app.verified_org("hospital", "UG").await;
    let outsider = app.sign_in(&app.register("ngo", "UG").await).await;
    let path = format!(
        "/api/v1/organisations/{}/invitations",
        admin.account.organisation_id
    );
    let invitee = "new.colleague@hospital.example";

    outsider
        .post(&path, &json!({"email": invitee, "role": "member"}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    app.post(&path, None, &json!({"email": invitee, "role": "member"}))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    admin
        .post(&path, &json!({"email": invitee, "role": "coordinator"}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    admin
        .post(
            &path,
            &json!({"email": outsider.account.email, "role": "member"}),
        )
        .await
        .assert_problem(StatusCode::CONFLICT);
    let created = admin
        .post(&path, &json!({"email": invitee, "role": "member"}))
        .await;
    created.assert_status(StatusCode::CREATED);
    assert_eq!(created.body["email"], invitee);
    assert!(created.body.get("token").is_none());

    // Two address verifications, the organisation's verification and the invitation.
    let messages = sink.wait_for(4, WAIT).await;
    let emails = to(&messages, invitee);
    assert_eq!(emails.len(), 1);
    assert_well_formed(&emails[0], invitee);
    assert!(
        emails[0]
            .text
            .contains("The clearing-house secretariat verified A hospital in UG"),
        "says who vouches for the name: {}",
        emails[0].text
    );
    assert!(emails[0]
        .header("subject")
        .unwrap()
        .contains("A hospital in UG"));
    assert!(
        emails[0].text.contains("Test User"),
        "says who invited: {}",
        emails[0].text
    );
    let link = emails[0]
        .link(&format!("{}/invitations/accept?token=", app.base_url))
        .expect("an invitation link");
    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    let token = token_of(&link);
    let accepted = app.accept_invitation(&token, "Grace Achieng").await;
    accepted.assert_status(StatusCode::CREATED);
    assert_eq!(
        accepted.body["organisation_id"],
        admin.account.organisation_id.as_str()
    );
    assert_eq!(accepted.body["role"], "member");
    assert_eq!(accepted.body["email_verified"], true);
    app.login(invitee, PASSWORD)
        .await
        .assert_status(StatusCode::OK);
    app.accept_invitation(&token, "Again")
        .await
        .assert_problem_type(ProblemType::LinkNotValid);
}

/// A refusal never commits: an acceptance refused because the address found an account in
/// the meantime rolls back whole, the token's use included, so the invitation still answers
/// "already has an account" rather than "used".
pub async fn a_refused_acceptance_leaves_the_invitation_unused(app: TestApp) {
    let (sink, app) = app_with_sink(app, &[]).await;
    let admin = app.verified_org("hospital", "GH").await;
    let invitee = "late.colleague@hospital.example";
    let token = invited(&app, &sink, &admin, invitee).await;
    // The invitee signs up on their own before opening the invitation.
    app.register_with(&json!({
        "email": invitee,
        "password": PASSWORD,
        "name": "Kwame Mensah",
        "organisation": {"name": "Another hospital", "kind": "hospital", "country": "GH"},
    }))
    .await
    .assert_status(StatusCode::CREATED);
    for attempt in ["first", "second"] {
        let refused = app.accept_invitation(&token, "Kwame Mensah").await;
        let detail = refused.assert_problem(StatusCode::CONFLICT);
        assert!(detail.contains("already exists"), "{attempt}: {detail}");
    }
}

pub async fn organisation_verified_tells_its_admins_with_one_click_unsubscribe(app: TestApp) {
    let (sink, app) = app_with_sink(app, &[]).await;
    let coordinator = app.coordinator().await;
    let account = app.register("health_agency", "RW").await;
    let bystander = app.register("hospital", "RW").await;
    // A member of the organisation, who is not one of its admins (an unverified
    // organisation cannot invite, so the member is added the way the harness adds one).
    app.add_member(&account.organisation_id).await;

    coordinator
        .verify(&account)
        .await
        .assert_status(StatusCode::OK);
    let messages = sink.wait_for(3, WAIT).await;
    let told: Vec<Value> = outbox(&coordinator, None)
        .await
        .into_iter()
        .filter(|m| m["kind"] == "organisation_verified")
        .collect();
    assert_eq!(told.len(), 1, "only the org admin is told: {told:?}");
    assert_eq!(told[0]["recipient"], account.email.as_str());
    let verified: Vec<Email> = to(&messages, &account.email)
        .into_iter()
        .filter(|e| e.header("subject").unwrap().contains("is now verified"))
        .collect();
    assert_eq!(verified.len(), 1);
    let email = &verified[0];
    assert_well_formed(email, &account.email);
    assert!(
        to(&messages, &bystander.email)
            .iter()
            .all(|e| !e.header("subject").unwrap().contains("verified")),
        "nobody outside the organisation hears of it"
    );
    // The organisation's page, not its JSON.
    let item = format!("{}/organisation", app.base_url);
    assert!(
        email.text.contains(&item),
        "links to the item: {}",
        email.text
    );
    let unsubscribe = email.header("list-unsubscribe").expect("List-Unsubscribe");
    assert_eq!(
        email.header("list-unsubscribe-post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let url = unsubscribe
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    assert!(
        url.starts_with(&format!("{}/unsubscribe?token=", app.base_url)),
        "{url}"
    );

    // RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` to the URL.
    let response = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let session = app.sign_in(&account).await;
    let preferences = session.get("/api/v1/me/notification-preferences").await;
    assert_eq!(
        preferences.body["preferences"]["organisation_verified"],
        "off"
    );
    let forged = app
        .client
        .post(format!("{}/unsubscribe?token=forged", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

pub async fn preferences_turn_events_off_or_into_a_daily_digest(app: TestApp) {
    let sink = SmtpSink::start(SinkOptions::default());
    // A one-second digest period stands in for a day.
    let app = app_with(
        app,
        Some(&sink.url(None)),
        &[("outbox.digest_period_seconds", "1")],
    )
    .await;
    let coordinator = app.coordinator().await;
    let quiet = app.sign_in(&app.register("hospital", "MW").await).await;
    let digest_reader = app.sign_in(&app.register("hospital", "ZM").await).await;

    let defaults = quiet.get("/api/v1/me/notification-preferences").await;
    defaults.assert_status(StatusCode::OK);
    assert_eq!(
        defaults.body,
        json!({"preferences": {
            "organisation_verified": "immediate",
            "match_proposed": "immediate",
            "match_updated": "immediate",
            "new_candidates": "immediate",
            "item_published": "immediate",
            "match_waiting": "immediate",
            "need_expiring": "immediate",
            "outcome_requested": "immediate",
            "dead_letters": "immediate",
            "webhook_disabled": "immediate",
        }})
    );
    let changed = quiet
        .set_preferences(&json!({"preferences": {"organisation_verified": "off"}}))
        .await;
    changed.assert_status(StatusCode::OK);
    assert_eq!(changed.body["preferences"]["organisation_verified"], "off");
    digest_reader
        .set_preferences(&json!({"preferences": {"organisation_verified": "daily"}}))
        .await
        .assert_status(StatusCode::OK);
    coordinator
        .verify(&quiet.account)
        .await
        .assert_status(StatusCode::OK);
    coordinator
        .verify(&digest_reader.account)
        .await
        .assert_status(StatusCode::OK);

    let digest = eventually("the digest", WAIT, || async {
        to(&sink.messages(), &digest_reader.account.email)
            .into_iter()
            .find(|e| e.header("subject").unwrap_or_default().contains("digest"))
    })
    .await;
    assert_well_formed(&digest, &digest_reader.account.email);
    assert_mentions(&digest.text, "A hospital in ZM is now verified");
    assert!(digest.header("list-unsubscribe").is_some());
    assert_eq!(
        digest.header("list-unsubscribe-post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let sent = outbox(&coordinator, None).await;
    assert!(
        sent.iter()
            .all(|m| !(m["recipient"] == quiet.account.email.as_str()
                && m["kind"] == "organisation_verified")),
        "an event turned off is not emailed"
    );
    assert!(
        sent.iter()
            .all(|m| !(m["recipient"] == digest_reader.account.email.as_str()
                && m["kind"] == "organisation_verified")),
        "a digest reader gets no immediate email"
    );
    assert_eq!(
        sent.iter().filter(|m| m["kind"] == "digest").count(),
        1,
        "one digest, carrying the event once"
    );
}

pub async fn preferences_refuse_unknown_kinds_modes_and_strangers(app: TestApp) {
    let session = app.sign_in(&app.register("hospital", "KE").await).await;
    let path = "/api/v1/me/notification-preferences";
    for body in [
        json!({"preferences": {"verify_email": "off"}}),
        json!({"preferences": {"password_reset": "off"}}),
        json!({"preferences": {"organisation_verified": "weekly"}}),
        json!({"organisation_verified": "off"}),
    ] {
        session
            .set_preferences(&body)
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    app.get(path, None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let unchanged = session.get(path).await;
    assert_eq!(
        unchanged.body["preferences"]["organisation_verified"],
        "immediate"
    );
}

pub async fn smtp_down_then_up_delivers_every_message_once_with_backoff(app: TestApp) {
    let port = free_port();
    let url = format!("smtp://127.0.0.1:{port}");
    let (app, coordinator) = retrying_app(app, &url, "400", "30").await;
    let mut addresses = Vec::new();
    for _ in 0..3 {
        addresses.push(app.register("hospital", "TZ").await.email);
    }
    // Nothing listens: every message fails, and waits longer after each failure.
    let failing = eventually("two failed attempts of each message", WAIT, || async {
        let items = outbox(&coordinator, None).await;
        (items.len() == 3
            && items
                .iter()
                .all(|m| m["attempts"].as_i64().unwrap() >= 2 && m["status"] == "pending"))
        .then_some(items)
    })
    .await;
    for item in &failing {
        assert!(
            item["last_error"].as_str().unwrap().contains("SMTP"),
            "{item}"
        );
        let created =
            chrono::DateTime::parse_from_rfc3339(item["created_at"].as_str().unwrap()).unwrap();
        let next = chrono::DateTime::parse_from_rfc3339(item["next_attempt_at"].as_str().unwrap())
            .unwrap();
        // At least half of 400 ms after the first failure, plus half of 800 ms after the second.
        assert!(
            next - created >= chrono::Duration::milliseconds(600),
            "backoff: {item}"
        );
    }

    let sink = SmtpSink::start_on(port, SinkOptions::default());
    let messages = sink.wait_for(3, WAIT).await;
    eventually("every message marked sent", WAIT, || async {
        outbox(&coordinator, Some("sent"))
            .await
            .len()
            .eq(&3)
            .then_some(())
    })
    .await;
    let messages_after = sink.messages();
    assert_eq!(messages_after.len(), 3, "each message once: {messages:?}");
    let mut ids: Vec<String> = messages_after
        .iter()
        .map(|m| m.email().header("message-id").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    for address in addresses {
        assert_eq!(to(&messages_after, &address).len(), 1);
    }
}

/// Many password-reset emails, quickly: three accounts, `count` requests spread over them.
async fn many_emails(app: &TestApp, count: usize) -> usize {
    let accounts = [
        app.register("hospital", "KE").await,
        app.register("ngo", "KE").await,
        app.register("donor", "KE").await,
    ];
    for i in 0..count {
        request_reset(app, &accounts[i % accounts.len()].email).await;
    }
    count + accounts.len() // and the three verification emails
}

fn message_ids(messages: &[Received]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for message in messages {
        *counts
            .entry(message.email().header("message-id").unwrap())
            .or_insert(0) += 1;
    }
    counts
}

/// A server whose own worker is off, with a coordinator and `count` password-reset emails
/// (and three verification emails) in its outbox, and a sink that answers after `delay`:
/// `(sink, app, coordinator, total)`, `total` being every email in the outbox.
async fn mail_waiting_for_a_worker(
    app: TestApp,
    delay: Duration,
    count: usize,
) -> (SmtpSink, TestApp, Session, usize) {
    let sink = SmtpSink::start(SinkOptions {
        delay,
        ..SinkOptions::default()
    });
    let app = app_with(app, None, &[("outbox.worker", "false")]).await;
    let coordinator = app.coordinator().await;
    let total = many_emails(&app, count).await;
    (sink, app, coordinator, total)
}

/// A worker process that sends to `sink`, polls every 50 ms and holds what it claims for
/// `lease_seconds`, with the settings of `more` on top.
fn mail_worker(
    app: &TestApp,
    sink: &SmtpSink,
    lease_seconds: &str,
    more: &[(&str, &str)],
) -> WorkerProcess {
    let smtp_url = sink.url(None);
    let mut settings = vec![
        ("smtp_url", smtp_url.as_str()),
        ("outbox.poll_interval_ms", "50"),
        ("outbox.lease_seconds", lease_seconds),
    ];
    settings.extend_from_slice(more);
    WorkerProcess::spawn(app, &settings)
}

pub async fn a_killed_worker_s_messages_are_delivered_after_its_lease(app: TestApp) {
    let (sink, app, coordinator, total) =
        mail_waiting_for_a_worker(app, Duration::from_millis(250), 5).await;
    let mut doomed = mail_worker(&app, &sink, "3", &[]);
    sink.wait_for(1, WAIT).await;
    doomed.kill();
    let killed_at = Instant::now();
    let held = outbox(&coordinator, Some("sending")).await;
    assert!(!held.is_empty(), "the dead worker still holds its claim");
    // The rescuer delivers to a sink of its own, so that what it sent cannot be confused
    // with what the dead worker had in flight.
    let rescue_sink = SmtpSink::start(SinkOptions::default());
    let _rescuer = mail_worker(&app, &rescue_sink, "3", &[]);
    let held_ids: Vec<String> = held
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().to_owned())
        .collect();
    // Every message ends up recorded sent. (A record the dead worker had already sent to the
    // database may still commit after the kill, so the rescuer need not resend all of
    // `held`: only what is still unsent when its lease runs out.)
    eventually(
        "every message marked sent",
        Duration::from_secs(60),
        || async {
            outbox(&coordinator, Some("sent"))
                .await
                .len()
                .eq(&total)
                .then_some(())
        },
    )
    .await;
    let mut everything = sink.messages();
    everything.extend(rescue_sink.messages());
    assert_eq!(
        message_ids(&everything).len(),
        total,
        "every message delivered"
    );
    // What the dead worker had in flight may have reached its sink; the rescuer sends only
    // held messages, each once, and only after the lease.
    let rescued = rescue_sink.messages();
    let ids = message_ids(&rescued);
    assert!(
        !ids.is_empty(),
        "the rescuer sent what the dead worker held"
    );
    assert!(
        ids.keys().all(|id| held_ids.contains(id)),
        "the rescuer sends only what was held: {ids:?} of {held_ids:?}"
    );
    assert!(ids.values().all(|&n| n == 1), "and each once: {ids:?}");
    for message in &rescued {
        // The lease (3 s from the claim) had to run out first.
        assert!(
            message.at.duration_since(killed_at) >= Duration::from_secs(2),
            "taken again only after the lease"
        );
    }
}

pub async fn two_workers_never_send_a_message_twice(app: TestApp) {
    let sink = SmtpSink::start(SinkOptions {
        delay: Duration::from_millis(10),
        ..SinkOptions::default()
    });
    let smtp_url = sink.url(None);
    let app = app_with(app, None, &[("outbox.worker", "false")]).await;
    let total = many_emails(&app, 40).await;
    let settings = [
        ("smtp_url", smtp_url.as_str()),
        ("outbox.poll_interval_ms", "20"),
        ("outbox.batch_size", "4"),
    ];
    let _first = WorkerProcess::spawn(&app, &settings);
    let _second = WorkerProcess::spawn(&app, &settings);
    let messages = sink.wait_for(total, Duration::from_secs(40)).await;
    let counts = message_ids(&messages);
    assert_eq!(counts.len(), total);
    assert!(
        counts.values().all(|&n| n == 1),
        "a message was sent twice: {counts:?}"
    );
}

pub async fn bad_credentials_retry_then_die_visibly_and_can_be_retried(app: TestApp) {
    let (sink, url) = sink_refusing_the_password();
    let (app, coordinator) = retrying_app(app, &url, "50", "3").await;
    let account = app.register("hospital", "NG").await;
    let dead = eventually("a dead message", WAIT, || async {
        let items = outbox(&coordinator, Some("dead")).await;
        (!items.is_empty()).then_some(items)
    })
    .await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["recipient"], account.email.as_str());
    assert_eq!(dead[0]["attempts"], 3);
    assert!(
        dead[0]["last_error"].as_str().unwrap().contains("535"),
        "{}",
        dead[0]
    );
    assert!(
        dead[0].get("body_text").is_none(),
        "coordinators never see bodies"
    );
    assert!(sink.auth_failures() >= 3);
    assert!(sink.messages().is_empty());

    // Only coordinators see the outbox; paging works like the directory's.
    let member = app.sign_in(&account).await;
    app.assert_coordinators_only(&member, "/api/v1/outbox?status=dead")
        .await;
    coordinator
        .get("/api/v1/outbox?status=lost")
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
    coordinator
        .get("/api/v1/outbox?limit=0")
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    let id = dead[0]["id"].as_str().unwrap();
    member
        .post(&format!("/api/v1/outbox/{id}/retry"), &json!({}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    coordinator
        .post(
            &format!("/api/v1/outbox/{}/retry", uuid::Uuid::new_v4()),
            &json!({}),
        )
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let retried = coordinator
        .post(&format!("/api/v1/outbox/{id}/retry"), &json!({}))
        .await;
    retried.assert_status(StatusCode::OK);
    assert_eq!(retried.body["attempts"], 0);
    let again = coordinator
        .post(&format!("/api/v1/outbox/{id}/retry"), &json!({}))
        .await;
    // Pending or already failing again: either way, not dead, so not retryable.
    if again.status != StatusCode::OK {
        again.assert_problem(StatusCode::CONFLICT);
    }
    eventually("dead again after its fresh attempts", WAIT, || async {
        let items = outbox(&coordinator, Some("dead")).await;
        (items.len() == 1 && items[0]["attempts"] == 3).then_some(())
    })
    .await;
}

pub async fn a_stopped_worker_finishes_its_message_and_gives_the_rest_back(app: TestApp) {
    let (sink, app, coordinator, total) =
        mail_waiting_for_a_worker(app, Duration::from_millis(200), 5).await;
    // A long lease: only a graceful stop can make the held emails due again soon. One at a
    // time, so that the stop surely falls mid-batch.
    let one_at_a_time = [("outbox.concurrency", "1")];
    let mut stopping = mail_worker(&app, &sink, "600", &one_at_a_time);
    sink.wait_for(1, WAIT).await;
    let signal = Command::new("kill")
        .args(["-TERM", &stopping.0.id().to_string()])
        .status()
        .expect("kill -TERM runs");
    assert!(signal.success());
    let status = eventually("the worker to exit", WAIT, || {
        let exited = stopping.0.try_wait().expect("the worker's status");
        async move { exited }
    })
    .await;
    assert!(
        status.success(),
        "a stopped worker exits cleanly: {status:?}"
    );
    assert!(
        outbox(&coordinator, Some("sending")).await.is_empty(),
        "nothing stays claimed"
    );
    let sent = outbox(&coordinator, Some("sent")).await.len();
    assert!(
        sent >= 1 && sent < total,
        "it stopped mid-batch ({sent} of {total})"
    );

    let _next = mail_worker(&app, &sink, "600", &one_at_a_time);
    let messages = eventually(
        "every email delivered well before the lease",
        WAIT,
        || async {
            let messages = sink.messages();
            (message_ids(&messages).len() == total).then_some(messages)
        },
    )
    .await;
    assert_eq!(messages.len(), total, "nothing was sent twice");
}

/// The emails of `address` whose subject starts with `prefix`, once there are `count`.
pub(crate) async fn emails_to(
    sink: &SmtpSink,
    address: &str,
    prefix: &str,
    count: usize,
) -> Vec<Email> {
    eventually(
        &format!("{count} email(s) `{prefix}` to {address}"),
        WAIT,
        || async {
            let found: Vec<Email> = to(&sink.messages(), address)
                .into_iter()
                .filter(|e| e.subject_starts_with(prefix))
                .collect();
            (found.len() >= count).then_some(found)
        },
    )
    .await
}

/// The first email of `address` whose subject starts with `prefix`, once there is one.
pub(crate) async fn first_email_to(sink: &SmtpSink, address: &str, prefix: &str) -> Email {
    let mut found = emails_to(sink, address, prefix, 1).await;
    found.remove(0)
}

/// The first email to `person` whose subject starts with `prefix`, checked well formed.
pub(crate) async fn well_formed_email_to(sink: &SmtpSink, person: &Session, prefix: &str) -> Email {
    let email = first_email_to(sink, &person.account.email, prefix).await;
    assert_well_formed(&email, &person.account.email);
    email
}

pub async fn a_match_s_steps_email_the_people_they_concern(app: TestApp) {
    let (sink, app) = app_with_sink(app, &[]).await;
    let Proposal {
        hospital,
        ngo,
        coordinator,
        match_id,
        ..
    } = app.backup_proposal(json!({"anonymous": true})).await;

    let review = &well_formed_email_to(&sink, &coordinator, "A match to review").await;
    assert_mentions(&review.text, "Backups after an attack");
    assert_mentions(&review.text, &match_id);
    assert!(review.header("list-unsubscribe").is_some());

    coordinator
        .approve(&match_id)
        .await
        .assert_status(StatusCode::OK);
    let to_provider = &first_email_to(&sink, &ngo.account.email, "Match approved").await;
    assert_mentions(&to_provider.text, "Your acceptance is awaited");
    let to_requester = &first_email_to(&sink, &hospital.account.email, "Match approved").await;
    assert!(
        to_requester
            .text
            .contains("The other side's acceptance is awaited"),
        "{}",
        to_requester.text
    );
    // The need is anonymous: until the match is active, nothing names the hospital.
    assert!(
        !to_provider.text.contains(&hospital.account.email)
            && !to_provider.text.contains("A hospital in KE")
    );

    ngo.accept(&match_id).await.assert_status(StatusCode::OK);
    let introduced = &first_email_to(&sink, &ngo.account.email, "Match active").await;
    assert!(
        introduced.text.contains(&hospital.account.email)
            && introduced.text.contains("A hospital in KE"),
        "active: the contacts cross: {}",
        introduced.text
    );
    let other_way = &first_email_to(&sink, &hospital.account.email, "Match active").await;
    assert_mentions(&other_way.text, &ngo.account.email);
    assert!(other_way
        .html
        .contains(&format!("mailto:{}", ngo.account.email)));
}

pub async fn new_candidates_are_announced_once_to_who_may_read_them(app: TestApp) {
    let (sink, app) = app_with_sink(app, &[]).await;
    let (hospital, ngo, coordinator) = app.cast().await;
    // Words that say what the offer does: announcements go to likely good fits only.
    let offer_body = offer_with(
        "Restore drills for Kenyan hospitals",
        json!({
            "themes": ["ransomware.backup_recovery"],
            "countries": ["KE"],
            "description": "Three months of restore drills and offline backups for hospital networks \
                preparing for or recovering from ransomware attacks.",
        }),
    );
    ngo.publish_offer(&offer_body).await;
    let public = hospital
        .publish_need(&crate::harness::need_input(
            "Backups rebuilt after an attack",
        ))
        .await;
    let to_hospital = &first_email_to(&sink, &hospital.account.email, "New candidate offers").await;
    assert!(
        to_hospital
            .text
            .contains("Restore drills for Kenyan hospitals"),
        "{}",
        to_hospital.text
    );
    let to_ngo = &first_email_to(&sink, &ngo.account.email, "New candidate needs").await;
    assert_mentions(&to_ngo.text, "Backups rebuilt after an attack");
    assert!(to_ngo.header("list-unsubscribe").is_some());

    // A need for coordinators only: its owner hears of the offer; the provider hears nothing.
    hospital
        .publish_need(&need_with(
            "Confidential: our PACS was breached",
            json!({"visibility": "coordinators"}),
        ))
        .await;
    emails_to(&sink, &hospital.account.email, "New candidate offers", 2).await;
    let run = coordinator.post("/api/v1/matching/run", &json!({})).await;
    run.assert_status(StatusCode::OK);
    assert_eq!(
        run.body["new_pairs_announced"], 0,
        "every pair was announced once already: {}",
        run.text
    );
    assert!(run.body["pairs_above_threshold"].as_i64().unwrap() >= 2);
    ngo.post("/api/v1/matching/run", &json!({}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);

    // A change to the need announces nothing new.
    let path = format!("/api/v1/needs/{}", public["id"].as_str().unwrap());
    let changed = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&hospital.access_token)
        .header("if-match", format!("\"{}\"", public["version"]))
        .json(&json!({"quantity": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    // Let the worker deliver anything the change might have queued, then count.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let all_to_ngo = to(&sink.messages(), &ngo.account.email);
    assert!(
        all_to_ngo.iter().all(|e| !e.text.contains("PACS")),
        "a hidden need never reaches the provider"
    );
    let announcements = all_to_ngo
        .iter()
        .filter(|e| e.subject_starts_with("New candidate"))
        .count();
    assert_eq!(announcements, 1, "once per pair");
    let to_hospital_count = to(&sink.messages(), &hospital.account.email)
        .iter()
        .filter(|e| e.subject_starts_with("New candidate"))
        .count();
    assert_eq!(to_hospital_count, 2);
}

/// A need's candidates are scored from the open offers the server holds, brought up to date
/// inside the transaction that publishes the need: an offer published after the first
/// publish read them is announced, and one closed since is not.
pub async fn a_need_s_announcement_sees_the_offers_as_committed_before_it(app: TestApp) {
    let (sink, app) = app_with_sink(app, &[]).await;
    let (hospital, ngo, _) = app.cast().await;
    // The first publish reads the open offers: none fits yet.
    hospital
        .publish_need(&need_input("Offline backups for the maternity wing"))
        .await;
    let drills = ngo
        .publish_offer(&offer_with(
            "Restore drills for Kenyan hospitals",
            json!({
                "themes": ["ransomware.backup_recovery"],
                "countries": ["KE"],
                "description": "Three months of restore drills and offline backups for hospital \
                    networks preparing for or recovering from ransomware attacks.",
            }),
        ))
        .await;
    let second = "Backups rebuilt after an attack";
    hospital.publish_need(&need_input(second)).await;
    let told = &first_email_to(
        &sink,
        &hospital.account.email,
        &format!("New candidate offers for {second}"),
    )
    .await;
    assert!(
        told.text.contains("Restore drills for Kenyan hospitals"),
        "{}",
        told.text
    );

    ngo.close(Offer(&drills))
        .await
        .assert_status(StatusCode::OK);
    let third = "Restore tests for the district hospitals";
    hospital.publish_need(&need_input(third)).await;
    // Let the worker deliver anything the publish might have queued, then look.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert!(
        to(&sink.messages(), &hospital.account.email)
            .iter()
            .all(|e| !e.subject_starts_with(&format!("New candidate offers for {third}"))),
        "a closed offer is nobody's new candidate"
    );
}

/// STARTTLS and TLS from the start, each to a server whose certificate chains to a private
/// CA given as `smtp_ca_certificate`, with credentials sent only inside TLS. Without that CA
/// the server's certificate is refused and nothing is delivered.
pub async fn email_goes_over_starttls_and_tls_trusting_a_private_ca(app: TestApp) {
    let ca = SinkTls::ca_certificate().display().to_string();
    let engine = app.engine;
    let mut app = Some(app);
    for implicit in [false, true] {
        let sink = SmtpSink::start(SinkOptions {
            credentials: Some(("mailer".into(), "secret".into())),
            tls: Some(SinkTls::new(implicit)),
            ..SinkOptions::default()
        });
        let url = sink.url(Some(("mailer", "secret")));
        let settings = [("smtp_ca_certificate", ca.as_str())];
        let served = match app.take() {
            Some(first) => app_with(first, Some(&url), &settings).await,
            None => {
                TestApp::spawn_with(
                    engine,
                    &[
                        ("outbox.poll_interval_ms", "50"),
                        ("smtp_url", &url),
                        ("smtp_ca_certificate", &ca),
                    ],
                )
                .await
            }
        };
        let account = served.register("hospital", "KE").await;
        let messages = sink.wait_for(1, WAIT).await;
        let email = &to(&messages, &account.email)[0];
        assert_well_formed(email, &account.email);
        assert!(
            email.text.contains("/verify-email?token="),
            "over TLS (implicit: {implicit}): {}",
            email.text
        );
        assert_eq!(sink.auth_failures(), 0);
    }

    // The same server, not trusted: the certificate is refused, nothing is delivered.
    let sink = SmtpSink::start(SinkOptions {
        tls: Some(SinkTls::new(false)),
        ..SinkOptions::default()
    });
    let url = sink.url(None);
    let untrusting = TestApp::spawn_with(
        engine,
        &[
            ("outbox.poll_interval_ms", "50"),
            ("outbox.retry_base_ms", "50"),
            ("outbox.max_attempts", "2"),
            ("smtp_url", &url),
        ],
    )
    .await;
    let coordinator = untrusting.coordinator().await;
    untrusting.register("hospital", "KE").await;
    let dead = eventually("the untrusted delivery to die", WAIT, || async {
        let items = outbox(&coordinator, Some("dead")).await;
        (!items.is_empty()).then_some(items)
    })
    .await;
    let error = dead[0]["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(error.contains("certificate"), "{error}");
    assert!(sink.messages().is_empty());
}
