//! Webhooks for partner systems: signed deliveries a receiver verifies with the Standard
//! Webhooks library, only of what the receiving organisation may read; retries, parking,
//! turning an endpoint off; the SSRF rule; the delivery log and its replay; and no delivery
//! lost when a worker is killed mid-batch.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{
    eventually, id, need_input, need_with, Response, Session, TestApp, WorkerProcess,
};
use crate::webhook_receiver::Receiver;

const WAIT: Duration = Duration::from_secs(20);

/// What a test server needs to deliver to a receiver on 127.0.0.1 over plain http, fast.
const LOCAL_RECEIVER: [(&str, &str); 6] = [
    ("webhooks.allow_http_hosts", "127.0.0.1"),
    ("webhooks.allowed_networks", "127.0.0.1/32"),
    ("webhooks.poll_interval_ms", "20"),
    ("webhooks.retry_base_ms", "200"),
    ("webhooks.timeout_ms", "2000"),
    ("webhooks.lease_seconds", "10"),
];

async fn local_app(app: TestApp, extra: &[(&'static str, &str)]) -> TestApp {
    let mut settings: Vec<(&'static str, &str)> = LOCAL_RECEIVER.to_vec();
    settings.extend_from_slice(extra);
    TestApp::spawn_with(app.engine, &settings).await
}

fn hooks_path(session: &Session) -> String {
    session.organisation_path("webhooks")
}

/// Creates a webhook of the session's organisation; answers (its id, its secret).
async fn create_hook(session: &Session, url: &str, events: &[&str]) -> (String, String) {
    let created = session
        .post(
            &hooks_path(session),
            &json!({"url": url, "event_types": events, "description": "our portal"}),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (id(&created.body), secret)
}

/// A PATCH of a webhook with the `If-Match` of a fresh read, as a client that reads before
/// it writes sends it.
async fn patch_hook(app: &TestApp, session: &Session, hook: &str, body: &Value) -> Response {
    let path = format!("{}/{hook}", hooks_path(session));
    let read = session.get(&path).await;
    read.assert_status(StatusCode::OK);
    let tag = read
        .header("etag")
        .expect("a webhook has an ETag")
        .to_owned();
    patch_with(app, session, &path, Some(&tag), body).await
}

async fn patch_with(
    app: &TestApp,
    session: &Session,
    path: &str,
    if_match: Option<&str>,
    body: &Value,
) -> Response {
    let mut request = app
        .client
        .patch(app.url(path))
        .bearer_auth(session.token().unwrap())
        .json(body);
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    Response::from_reqwest(request.send().await.unwrap()).await
}

async fn deliveries(session: &Session, hook: &str) -> Vec<Value> {
    let log = session
        .get(&format!("{}/{hook}/deliveries", hooks_path(session)))
        .await;
    log.assert_status(StatusCode::OK);
    log.body["items"].as_array().unwrap().clone()
}

/// The delivery log once every entry is in `status`.
async fn deliveries_all(session: &Session, hook: &str, count: usize, status: &str) -> Vec<Value> {
    eventually(&format!("{count} deliveries {status}"), WAIT, || async {
        let log = deliveries(session, hook).await;
        (log.len() == count && log.iter().all(|d| d["status"] == status)).then_some(log)
    })
    .await
}

pub async fn partners_receive_signed_events_only_of_what_they_may_read(app: TestApp) {
    let app = local_app(app, &[]).await;
    let receiver = Receiver::start(&[]).await;
    let hospital = app.verified_org("hospital", "KE").await;
    let ngo = app.verified_org("ngo", "KE").await;
    let unverified = app
        .sign_in(&app.register_confirmed("ngo", "KE").await)
        .await;
    let mut secrets = HashMap::new();
    for (name, session) in [
        ("hospital", &hospital),
        ("ngo", &ngo),
        ("unverified", &unverified),
    ] {
        let (hook, secret) =
            create_hook(session, &receiver.url("/events"), &["need.published"]).await;
        secrets.insert(name, (hook, secret));
    }
    hospital.publish_need(&need_input("Open to everyone")).await;
    hospital
        .publish_need(&need_with(
            "For verified providers",
            json!({"visibility": "verified_providers"}),
        ))
        .await;
    hospital
        .publish_need(&need_with(
            "For coordinators only",
            json!({"visibility": "coordinators"}),
        ))
        .await;
    hospital
        .publish_need(&need_with("Without our name", json!({"anonymous": true})))
        .await;

    // Deliveries are written with the event: the logs already say who gets what.
    let expected = [
        ("hospital", &hospital, 4),
        ("ngo", &ngo, 3),
        ("unverified", &unverified, 2),
    ];
    for (name, session, count) in expected {
        let log = deliveries(session, &secrets[name].0).await;
        assert_eq!(log.len(), count, "{name}'s deliveries: {log:?}");
        assert!(log.iter().all(|d| d["event_type"] == "need.published"));
    }

    let received = receiver.wait_for(9, WAIT).await;
    let mut titles: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for request in &received {
        // Each delivery verifies with its own organisation's secret, through the Standard
        // Webhooks library, and with no other.
        let verified: Vec<&str> = secrets
            .iter()
            .filter(|(_, (_, secret))| request.verifies_with(secret))
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(verified.len(), 1, "verifies with exactly one secret");
        assert!(request.header("webhook-id").starts_with("msg_"));
        assert!(request.header("webhook-timestamp").parse::<i64>().is_ok());
        assert_eq!(request.header("content-type"), "application/json");
        let body = request.json();
        assert_eq!(body["type"], "need.published");
        assert!(body["timestamp"].as_str().is_some());
        let title = body["data"]["title"].as_str().unwrap().to_owned();
        if title == "Without our name" {
            let named = body["data"]["organisation_id"].as_str();
            if verified[0] == "hospital" {
                assert_eq!(named, Some(hospital.account.organisation_id.as_str()));
            } else {
                assert_eq!(
                    named, None,
                    "an anonymous need names nobody to {}",
                    verified[0]
                );
            }
        }
        titles.entry(verified[0]).or_default().insert(title);
    }
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        titles["hospital"],
        set(&[
            "Open to everyone",
            "For verified providers",
            "For coordinators only",
            "Without our name"
        ])
    );
    assert_eq!(
        titles["ngo"],
        set(&[
            "Open to everyone",
            "For verified providers",
            "Without our name"
        ])
    );
    assert_eq!(
        titles["unverified"],
        set(&["Open to everyone", "Without our name"])
    );
    // Nothing else arrives later.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 9);
}

pub async fn a_match_s_steps_reach_its_two_sides_only(app: TestApp) {
    let app = local_app(app, &[]).await;
    let receiver = Receiver::start(&[]).await;
    let proposal = app.backup_proposal(json!({})).await;
    let bystander = app.verified_org("ngo", "KE").await;
    let events = [
        "match.proposed",
        "match.approved",
        "match.accepted",
        "match.active",
    ];
    let (hospital_hook, _) = create_hook(&proposal.hospital, &receiver.url("/h"), &events).await;
    let (ngo_hook, _) = create_hook(&proposal.ngo, &receiver.url("/n"), &events).await;
    let (bystander_hook, _) = create_hook(&bystander, &receiver.url("/b"), &events).await;
    proposal
        .coordinator
        .approve(&proposal.match_id)
        .await
        .assert_status(StatusCode::OK);
    proposal
        .ngo
        .accept(&proposal.match_id)
        .await
        .assert_status(StatusCode::OK);
    let kinds = |log: &[Value]| -> BTreeSet<String> {
        log.iter()
            .map(|d| d["event_type"].as_str().unwrap().to_owned())
            .collect()
    };
    let expected: BTreeSet<String> = ["match.approved", "match.accepted", "match.active"]
        .map(String::from)
        .into();
    for (session, hook) in [
        (&proposal.hospital, &hospital_hook),
        (&proposal.ngo, &ngo_hook),
    ] {
        let log = deliveries_all(session, hook, 3, "delivered").await;
        assert_eq!(kinds(&log), expected);
    }
    assert!(deliveries(&bystander, &bystander_hook).await.is_empty());
    let received = receiver.wait_for(6, WAIT).await;
    assert!(received
        .iter()
        .all(|r| r.json()["data"]["id"] == proposal.match_id.as_str()));
}

pub async fn failed_attempts_are_retried_under_one_id_with_growing_waits(app: TestApp) {
    let app = local_app(app, &[]).await;
    let receiver = Receiver::start(&[500, 500]).await;
    let hospital = app.verified_org("hospital", "KE").await;
    let (hook, secret) = create_hook(&hospital, &receiver.url("/flaky"), &["need.published"]).await;
    hospital.publish_need(&need_input("Retried")).await;
    let received = receiver.wait_for(3, WAIT).await;
    let ids: BTreeSet<&str> = received.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), 1, "one message id on every attempt");
    assert!(received.iter().all(|r| r.verifies_with(&secret)));
    assert!(
        received.windows(2).all(|w| w[0].body == w[1].body),
        "the same body"
    );
    // Base 200 ms, doubling, the upper half random: at least 100 ms, then at least 200 ms.
    let first_wait = received[1].at - received[0].at;
    let second_wait = received[2].at - received[1].at;
    assert!(first_wait >= Duration::from_millis(100), "{first_wait:?}");
    assert!(second_wait >= Duration::from_millis(200), "{second_wait:?}");
    let log = deliveries_all(&hospital, &hook, 1, "delivered").await;
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["last_response_status"], 200);
    assert_eq!(log[0]["message_id"], *ids.iter().next().unwrap());
}

pub async fn a_failing_endpoint_is_parked_turned_off_and_its_admins_told(app: TestApp) {
    let app = local_app(
        app,
        &[
            ("webhooks.max_attempts", "2"),
            ("webhooks.disable_after_failed_messages", "1"),
        ],
    )
    .await;
    let receiver = Receiver::start(&[500, 503]).await;
    let hospital = app.verified_org("hospital", "KE").await;
    let coordinator = app.coordinator().await;
    let (hook, _) = create_hook(&hospital, &receiver.url("/down"), &["need.published"]).await;
    hospital.publish_need(&need_input("Parked")).await;
    let log = deliveries_all(&hospital, &hook, 1, "failed").await;
    assert_eq!(log[0]["attempts"], 2);
    assert_eq!(log[0]["last_response_status"], 503);
    let webhook = eventually("the webhook turned off", WAIT, || async {
        let webhook = hospital
            .get(&format!("{}/{hook}", hooks_path(&hospital)))
            .await;
        (webhook.body["enabled"] == false).then_some(webhook.body)
    })
    .await;
    assert!(webhook["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("in a row"));
    assert!(
        webhook.get("secret").is_none(),
        "the secret is shown once only"
    );
    // The admins are emailed through the outbox, in the transaction that turned it off.
    let outbox = coordinator.get("/api/v1/outbox?limit=100").await;
    assert!(outbox.body["items"].as_array().unwrap().iter().any(|m| {
        m["kind"] == "webhook_disabled" && m["recipient"] == hospital.account.email.as_str()
    }));
    // A turned-off endpoint is written no more deliveries.
    hospital.publish_need(&need_input("While it is off")).await;
    assert_eq!(deliveries(&hospital, &hook).await.len(), 1);

    // The log's replay: pending again at once (twice is a conflict), sent once it is on.
    let delivery = log[0]["id"].as_str().unwrap();
    let retry_path = format!(
        "{}/{hook}/deliveries/{delivery}/retry",
        hooks_path(&hospital)
    );
    let retried = hospital.post(&retry_path, &json!({})).await;
    retried.assert_status(StatusCode::OK);
    assert_eq!(retried.body["status"], "pending");
    assert_eq!(retried.body["attempts"], 0);
    hospital
        .post(&retry_path, &json!({}))
        .await
        .assert_problem(StatusCode::CONFLICT);
    let turned_on = patch_hook(&app, &hospital, &hook, &json!({"enabled": true})).await;
    turned_on.assert_status(StatusCode::OK);
    assert_eq!(turned_on.body["disabled_reason"], Value::Null);
    assert_eq!(turned_on.body["failed_messages"], 0);
    let log = deliveries_all(&hospital, &hook, 1, "delivered").await;
    assert_eq!(log[0]["attempts"], 1);
    let received = receiver.wait_for(3, WAIT).await;
    assert_eq!(
        received[2].header("webhook-id"),
        received[0].header("webhook-id")
    );
    // Another organisation's delivery is not found under this one's webhook.
    let other = app.verified_org("hospital", "UG").await;
    let (other_hook, _) = create_hook(&other, &receiver.url("/other"), &["need.closed"]).await;
    hospital
        .post(
            &format!(
                "{}/{other_hook}/deliveries/{delivery}/retry",
                hooks_path(&hospital)
            ),
            &json!({}),
        )
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

pub async fn webhooks_refuse_the_service_own_networks_unless_allowed(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    for url in [
        "http://example.org/not-https",
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00:ec2::254]/latest",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://100.64.0.7/hook",
        "https://user:password@example.org/hook",
        "not a url",
    ] {
        let refused = hospital
            .post(
                &hooks_path(&hospital),
                &json!({"url": url, "event_types": ["need.published"]}),
            )
            .await;
        refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.invalid_fields(), ["url"], "{url}");
    }
    let no_events = hospital
        .post(
            &hooks_path(&hospital),
            &json!({"url": "https://example.org/", "event_types": []}),
        )
        .await;
    no_events.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(hospital.get(&hooks_path(&hospital)).await.body["items"]
        .as_array()
        .unwrap()
        .is_empty());

    // An operator who allows a network (tests, an intranet) allows it, and only it.
    let allowing = local_app(app, &[]).await;
    let hospital = allowing.verified_org("hospital", "KE").await;
    let (hook, secret) =
        create_hook(&hospital, "http://127.0.0.1:9/hook", &["need.published"]).await;
    let refused = hospital
        .post(
            &hooks_path(&hospital),
            &json!({"url": "https://10.1.2.3/", "event_types": ["need.closed"]}),
        )
        .await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let moved = patch_hook(
        &allowing,
        &hospital,
        &hook,
        &json!({"url": "https://169.254.169.254/"}),
    )
    .await;
    moved.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    // Who may: the organisation's admins and coordinators; not its members, not others.
    let member = allowing.add_member(&hospital.account.organisation_id).await;
    let body = json!({"url": "http://127.0.0.1:9/m", "event_types": ["need.published"]});
    member
        .post(&hooks_path(&hospital), &body)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let other = allowing.verified_org("ngo", "KE").await;
    for (reader, path, status) in [
        (&member, hooks_path(&hospital), StatusCode::FORBIDDEN),
        (
            &other,
            format!("{}/{hook}", hooks_path(&hospital)),
            StatusCode::FORBIDDEN,
        ),
        (
            &other,
            format!("{}/{hook}", hooks_path(&other)),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let answer = reader.get(&path).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.text);
        answer.assert_problem(status);
    }
    allowing
        .post(&hooks_path(&hospital), None, &body)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let coordinator = allowing.coordinator().await;
    coordinator
        .post(&hooks_path(&hospital), &body)
        .await
        .assert_status(StatusCode::CREATED);
    assert_eq!(
        hospital.get(&hooks_path(&hospital)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A rotation shows a new secret once; a deletion removes the webhook.
    let rotated = hospital
        .post(
            &format!("{}/{hook}/rotate-secret", hooks_path(&hospital)),
            &json!({}),
        )
        .await;
    rotated.assert_status(StatusCode::OK);
    assert_ne!(rotated.body["secret"].as_str().unwrap(), secret);
    let deleted = allowing
        .request(
            Method::DELETE,
            &format!("{}/{hook}", hooks_path(&hospital)),
            hospital.token(),
            None,
        )
        .await;
    deleted.assert_status(StatusCode::NO_CONTENT);
    hospital
        .get(&format!("{}/{hook}", hooks_path(&hospital)))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

/// What a `clearinghouse worker` delivering webhooks to the local receiver runs with.
const WORKER_SETTINGS: &[(&str, &str)] = &[
    ("webhooks.allow_http_hosts", "127.0.0.1"),
    ("webhooks.allowed_networks", "127.0.0.1/32"),
    ("webhooks.poll_interval_ms", "20"),
    ("webhooks.lease_seconds", "3"),
    ("webhooks.timeout_ms", "1000"),
    ("webhooks.concurrency", "2"),
];

pub async fn no_webhook_is_lost_when_the_worker_is_killed_mid_batch(app: TestApp) {
    // The API server writes deliveries but sends none: the worker processes do.
    let app = local_app(app, &[("webhooks.worker", "false")]).await;
    let receiver = Receiver::start(&[]).await;
    receiver.hold(Some(Duration::from_secs(30)));
    let hospital = app.verified_org("hospital", "KE").await;
    let (hook, secret) = create_hook(&hospital, &receiver.url("/slow"), &["need.published"]).await;
    for n in 0..4 {
        hospital
            .publish_need(&need_input(&format!("Need {n}")))
            .await;
    }
    let mut doomed = WorkerProcess::spawn(&app, WORKER_SETTINGS);
    receiver.wait_for(1, WAIT).await;
    doomed.kill();
    let log = deliveries(&hospital, &hook).await;
    assert!(
        log.iter().any(|d| d["status"] == "sending"),
        "the dead worker still holds its claim: {log:?}"
    );
    receiver.hold(None);
    let _rescuer = WorkerProcess::spawn(&app, WORKER_SETTINGS);
    let log = deliveries_all(&hospital, &hook, 4, "delivered").await;
    let arrived: BTreeSet<String> = receiver
        .received()
        .iter()
        .filter(|r| r.verifies_with(&secret))
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    for delivery in &log {
        assert!(
            arrived.contains(delivery["message_id"].as_str().unwrap()),
            "{delivery} arrived"
        );
    }
}

pub async fn an_org_admin_manages_webhooks_and_replays_deliveries_from_the_page(app: TestApp) {
    use crate::browser::Browser;
    let app = local_app(app, &[("webhooks.max_attempts", "1")]).await;
    let receiver = Receiver::start(&[500]).await;
    let account = app.register_confirmed("hospital", "KE").await;
    app.coordinator()
        .await
        .verify(&account)
        .await
        .assert_status(StatusCode::OK);
    let admin = Browser::signed_in(&app, &account).await;
    let page = admin.get("/organisation/webhooks").await;
    page.assert_status(StatusCode::OK);
    let refused = admin
        .submit(
            &page,
            "/organisation/webhooks",
            &[
                ("url", "https://10.0.0.1/hook"),
                ("event_types", "need.published"),
            ],
        )
        .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.texts("#url-error").len(), 1);
    assert_eq!(
        refused.value_of("input[name=url]").as_deref(),
        Some("https://10.0.0.1/hook")
    );
    let url = receiver.url("/page");
    let created = admin
        .submit(
            &page,
            "/organisation/webhooks",
            &[("url", &url), ("event_types", "need.published")],
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let secret = created.texts("#webhook-secret").remove(0);
    assert!(secret.starts_with("whsec_"));
    // The page never shows the secret again.
    let listed = admin.get("/organisation/webhooks").await;
    assert!(!listed.body.contains(&secret));
    assert!(listed.body.contains(&url));

    let hospital = app.sign_in(&account).await;
    hospital.publish_need(&need_input("From the page")).await;
    let hooks = hospital.get(&hooks_path(&hospital)).await.body["items"].clone();
    let hook = hooks[0]["id"].as_str().unwrap().to_owned();
    let log = deliveries_all(&hospital, &hook, 1, "failed").await;
    let delivery = log[0]["id"].as_str().unwrap();
    let log_page = admin.get(&format!("/organisation/webhooks/{hook}")).await;
    log_page.assert_status(StatusCode::OK);
    assert!(log_page
        .body
        .contains(log[0]["message_id"].as_str().unwrap()));
    let retried = admin
        .submit(
            &log_page,
            &format!("/organisation/webhooks/{hook}/deliveries/{delivery}/retry"),
            &[],
        )
        .await;
    retried.assert_status(StatusCode::SEE_OTHER);
    deliveries_all(&hospital, &hook, 1, "delivered").await;
    let received = receiver.wait_for(2, WAIT).await;
    assert!(received[1].verifies_with(&secret));

    // Turning off and deleting, by the same forms' POSTs.
    let listed = admin.get("/organisation/webhooks").await;
    admin
        .submit(
            &listed,
            &format!("/organisation/webhooks/{hook}/enabled"),
            &[],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let webhook = hospital
        .get(&format!("{}/{hook}", hooks_path(&hospital)))
        .await;
    assert_eq!(webhook.body["enabled"], false);
    admin
        .submit(
            &listed,
            &format!("/organisation/webhooks/{hook}/delete"),
            &[],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    hospital
        .get(&format!("{}/{hook}", hooks_path(&hospital)))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    // A member is refused the page: the same rule as the API.
    let member = app.add_member(&account.organisation_id).await;
    let member_page = Browser::signed_in(&app, &member.account).await;
    let refused = member_page.get("/organisation/webhooks").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// A change names the version it was based on, as for needs and offers: without `If-Match`
/// it is refused (428), with a version changed since (another admin, or the clearing house
/// turning a failing endpoint off) it is refused (412) and nothing is written.
pub async fn a_webhook_change_needs_the_etag_it_was_based_on(app: TestApp) {
    let app = local_app(app, &[]).await;
    let hospital = app.verified_org("hospital", "KE").await;
    let (hook, _) = create_hook(&hospital, "http://127.0.0.1:9/hook", &["need.published"]).await;
    let path = format!("{}/{hook}", hooks_path(&hospital));
    let read = hospital.get(&path).await;
    let first = read.header("etag").unwrap().to_owned();
    assert_eq!(first, format!("\"{}\"", read.body["version"]));

    let body = json!({"description": "Partner portal"});
    patch_with(&app, &hospital, &path, None, &body)
        .await
        .assert_problem(StatusCode::PRECONDITION_REQUIRED);
    patch_with(&app, &hospital, &path, Some("not-an-etag"), &body)
        .await
        .assert_problem(StatusCode::BAD_REQUEST);

    let changed = patch_with(&app, &hospital, &path, Some(&first), &body).await;
    changed.assert_status(StatusCode::OK);
    assert_eq!(changed.body["description"], "Partner portal");
    let second = changed.header("etag").unwrap().to_owned();
    assert_ne!(second, first, "a change counts a new version");
    assert_eq!(
        hospital.get(&path).await.header("etag"),
        Some(second.as_str())
    );

    // A second admin's change based on the first read is stale.
    let stale = patch_with(
        &app,
        &hospital,
        &path,
        Some(&first),
        &json!({"description": "Overwritten?"}),
    )
    .await;
    stale.assert_problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        hospital.get(&path).await.body["description"],
        "Partner portal"
    );
    // `*` names whatever version is there.
    patch_with(
        &app,
        &hospital,
        &path,
        Some("*"),
        &json!({"enabled": false}),
    )
    .await
    .assert_status(StatusCode::OK);
}

/// A delivered message ends the endpoint's run of failed ones (`failed_messages` back to 0),
/// while `store::mark_delivered` leaves a healthy endpoint's row unwritten.
pub async fn a_delivered_message_ends_the_endpoint_s_run_of_failures(app: TestApp) {
    let app = local_app(
        app,
        &[
            ("webhooks.max_attempts", "1"),
            ("webhooks.disable_after_failed_messages", "5"),
        ],
    )
    .await;
    let receiver = Receiver::start(&[500]).await;
    let hospital = app.verified_org("hospital", "KE").await;
    let (hook, _) = create_hook(&hospital, &receiver.url("/flaky"), &["need.published"]).await;
    let path = format!("{}/{hook}", hooks_path(&hospital));
    hospital.publish_need(&need_input("Refused once")).await;
    deliveries_all(&hospital, &hook, 1, "failed").await;
    let failing = hospital.get(&path).await;
    assert_eq!(failing.body["failed_messages"], 1, "{}", failing.text);
    assert_eq!(failing.body["enabled"], true);

    hospital.publish_need(&need_input("Delivered")).await;
    let healthy = eventually("the run of failures ended", WAIT, || async {
        let webhook = hospital.get(&path).await;
        (webhook.body["failed_messages"] == 0).then_some(webhook.body)
    })
    .await;
    assert_eq!(healthy["enabled"], true);
    // A delivery to a healthy endpoint keeps it so.
    hospital.publish_need(&need_input("Delivered again")).await;
    receiver.wait_for(3, WAIT).await;
    eventually("the third delivery recorded", WAIT, || async {
        let log = deliveries(&hospital, &hook).await;
        (log.iter().filter(|d| d["status"] == "delivered").count() == 2).then_some(())
    })
    .await;
    assert_eq!(hospital.get(&path).await.body["failed_messages"], 0);
}
