//! Idempotency-Key on writes (issue 14, item 3): a retry is answered with the first answer
//! and creates nothing new; a key reused for another request, a key in flight and a bad key
//! are refused; keys are per caller and expire.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{id, need_input, ItemStep, Need, Response, Session, TestApp};
use clearinghouse::error::ProblemType;

/// `session` posts `body` to `path` with `key`.
async fn post_with_key(session: &Session, path: &str, key: &str, body: &Value) -> Response {
    session
        .send(Method::POST, path, &[("Idempotency-Key", key)], Some(body))
        .await
}

/// `session` patches `path` with `body`, `key` and the `If-Match` tag `tag`.
async fn patch_with_key(
    session: &Session,
    path: &str,
    key: &str,
    tag: &str,
    body: &Value,
) -> Response {
    session
        .send(
            Method::PATCH,
            path,
            &[("Idempotency-Key", key), ("If-Match", tag)],
            Some(body),
        )
        .await
}

/// How many needs the database holds (what a duplicate would add to).
fn count_needs(app: &TestApp) -> i64 {
    app.database()
        .read_blocking(|conn| {
            use clearinghouse::db::schema::needs::dsl::*;
            use diesel::prelude::*;
            Ok(clearinghouse::dispatch!(conn, |c| needs
                .count()
                .get_result(c))?)
        })
        .unwrap()
}

fn replayed(response: &Response) -> bool {
    response.header("idempotent-replayed") == Some("true")
}

fn fresh_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub async fn a_retried_post_is_replayed_and_creates_nothing_new(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let key = fresh_key();
    let body = need_input("Ransomware recovery drills");
    let first = post_with_key(&hospital, "/api/v1/needs", &key, &body).await;
    first.assert_status(StatusCode::CREATED);
    assert!(!replayed(&first));
    let before = count_needs(&app);
    for _ in 0..3 {
        let again = post_with_key(&hospital, "/api/v1/needs", &key, &body).await;
        again.assert_status(StatusCode::CREATED);
        assert!(replayed(&again), "a replay says so");
        assert_eq!(again.text, first.text, "the same body");
        for header in ["location", "etag", "content-type"] {
            assert!(first.header(header).is_some(), "{header}");
            assert_eq!(again.header(header), first.header(header), "{header}");
        }
    }
    assert_eq!(count_needs(&app), before, "no second need");
    // A lifecycle action is a POST as well: publishing twice with one key is one publication.
    let publish = Need(&first.body).step_path(ItemStep::Publish);
    let published = post_with_key(&hospital, &publish, "publish-1", &json!({})).await;
    published.assert_status(StatusCode::OK);
    let again = post_with_key(&hospital, &publish, "publish-1", &json!({})).await;
    again.assert_status(StatusCode::OK);
    assert!(replayed(&again));
    assert_eq!(again.body, published.body);
    // Without the key the repeat is a new request, refused by the lifecycle.
    hospital
        .publish(Need(&first.body))
        .await
        .assert_problem_type(ProblemType::InvalidTransition);
}

pub async fn a_patch_retried_with_its_key_is_replayed_not_refused(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let need = hospital.create_need(&need_input("Backup audit")).await;
    let path = format!("/api/v1/needs/{}", id(&need));
    let change = json!({"title": "Backup audit for six hospitals"});
    let tag = format!("\"{}\"", need["version"]);
    let first = patch_with_key(&hospital, &path, "edit-1", &tag, &change).await;
    first.assert_status(StatusCode::OK);
    // The version moved, so the same If-Match alone would now be 412; with its key the
    // client's retry reads the answer it missed.
    let again = patch_with_key(&hospital, &path, "edit-1", &tag, &change).await;
    again.assert_status(StatusCode::OK);
    assert!(replayed(&again));
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("etag"), first.header("etag"));
    patch_with_key(&hospital, &path, "edit-2", &tag, &change)
        .await
        .assert_problem(StatusCode::PRECONDITION_FAILED);
}

pub async fn the_same_key_with_another_request_is_422(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let key = fresh_key();
    post_with_key(&hospital, "/api/v1/needs", &key, &need_input("First"))
        .await
        .assert_status(StatusCode::CREATED);
    let before = count_needs(&app);
    let other_body = post_with_key(&hospital, "/api/v1/needs", &key, &need_input("Second")).await;
    other_body.assert_problem_type(ProblemType::IdempotencyKeyReused);
    // Another path with the same key is another request too.
    let offer_path = post_with_key(&hospital, "/api/v1/offers", &key, &need_input("First")).await;
    offer_path.assert_problem_type(ProblemType::IdempotencyKeyReused);
    assert_eq!(count_needs(&app), before, "nothing created");
}

pub async fn keys_are_per_caller(app: TestApp) {
    let first = app.verified_org("hospital", "KE").await;
    let second = app.verified_org("hospital", "UG").await;
    let body = need_input("Incident response plan");
    let mine = post_with_key(&first, "/api/v1/needs", "shared-key", &body).await;
    mine.assert_status(StatusCode::CREATED);
    let theirs = post_with_key(&second, "/api/v1/needs", "shared-key", &body).await;
    theirs.assert_status(StatusCode::CREATED);
    assert!(!replayed(&theirs), "another caller's key is their own");
    assert_ne!(id(&theirs.body), id(&mine.body));
    assert_eq!(
        theirs.body["organisation_id"],
        second.account.organisation_id.as_str()
    );
    // Even a different body is theirs to send under the same key.
    post_with_key(&second, "/api/v1/needs", "shared-key", &body)
        .await
        .assert_status(StatusCode::CREATED);
}

pub async fn a_refusal_is_replayed(app: TestApp) {
    // An organisation not yet verified may write a draft but not publish it: a 403.
    let account = app.register_confirmed("hospital", "KE").await;
    let hospital = app.sign_in(&account).await;
    let need = hospital.create_need(&need_input("Tabletop exercise")).await;
    let publish = Need(&need).step_path(ItemStep::Publish);
    let refused = post_with_key(&hospital, &publish, "publish-early", &json!({})).await;
    let detail = refused
        .assert_problem_type(ProblemType::OrganisationNotVerified)
        .to_owned();
    app.coordinator()
        .await
        .verify(&account)
        .await
        .assert_status(StatusCode::OK);
    // The verdict was the request's result: the same key answers it again, as the client
    // read it (problem+json, its type under the public URL).
    let again = post_with_key(&hospital, &publish, "publish-early", &json!({})).await;
    assert!(replayed(&again));
    assert_eq!(
        again.assert_problem_type(ProblemType::OrganisationNotVerified),
        detail
    );
    assert_eq!(again.text, refused.text);
    // A new key is a new request, which now succeeds.
    post_with_key(&hospital, &publish, "publish-verified", &json!({}))
        .await
        .assert_status(StatusCode::OK);
}

/// Claims `key` for `session` as a request that is still running would have.
fn claim_as_if_in_flight(app: &TestApp, session: &Session, key: &str, body: &Value) {
    use clearinghouse::idempotency::{model, store};
    let caller = format!("user:{}", session.account.user_id);
    let fingerprint =
        model::fingerprint("POST", "/api/v1/needs", &serde_json::to_vec(body).unwrap());
    let key = key.to_owned();
    let claim = app
        .database()
        .write_blocking(move |conn| {
            store::claim(conn, &caller, &key, &fingerprint, clearinghouse::db::now())
        })
        .unwrap();
    assert!(matches!(claim, store::Claim::Claimed { .. }), "{claim:?}");
}

/// Time passing for every claim: its lease ended `lease_ended` ago, and it was made
/// `made` ago.
fn age_claims(app: &TestApp, lease_ended: chrono::Duration, made: chrono::Duration) {
    let now = clearinghouse::db::now();
    let (lease_until, created_at) = (now - lease_ended, now - made);
    app.database()
        .write_blocking(move |conn| {
            use clearinghouse::db::schema::idempotency_keys::dsl as keys;
            use diesel::prelude::*;
            Ok::<_, clearinghouse::db::StoreError>(clearinghouse::dispatch!(conn, |c| {
                diesel::update(keys::idempotency_keys)
                    .set((
                        keys::lease_until.eq(lease_until),
                        keys::created_at.eq(created_at),
                    ))
                    .execute(c)
            })?)
        })
        .unwrap();
}

pub async fn a_key_in_flight_is_409_until_its_lease_runs_out(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let body = need_input("Medical device inventory");
    claim_as_if_in_flight(&app, &hospital, "in-flight", &body);
    let before = count_needs(&app);
    let busy = post_with_key(&hospital, "/api/v1/needs", "in-flight", &body).await;
    busy.assert_problem_type(ProblemType::IdempotencyRequestInFlight);
    let retry_after = busy.retry_after();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Another body under the key is still a reuse, in flight or not.
    post_with_key(
        &hospital,
        "/api/v1/needs",
        "in-flight",
        &need_input("Other"),
    )
    .await
    .assert_problem_type(ProblemType::IdempotencyKeyReused);
    assert_eq!(count_needs(&app), before);
    // The claim's process died: once its lease has run out, the retry takes the key over.
    age_claims(
        &app,
        chrono::Duration::seconds(1),
        chrono::Duration::seconds(61),
    );
    let taken_over = post_with_key(&hospital, "/api/v1/needs", "in-flight", &body).await;
    taken_over.assert_status(StatusCode::CREATED);
    assert!(!replayed(&taken_over));
    let replay = post_with_key(&hospital, "/api/v1/needs", "in-flight", &body).await;
    assert!(replayed(&replay));
    assert_eq!(replay.text, taken_over.text);
    assert_eq!(count_needs(&app), before + 1);
}

pub async fn racing_requests_with_one_key_create_one_need(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let before = count_needs(&app);
    let rounds = 12;
    let (mut in_flight, mut replays) = (0, 0);
    for round in 0..rounds {
        let key = format!("race-{round}");
        let body = need_input(&format!("Race {round}"));
        let (one, other) = tokio::join!(
            post_with_key(&hospital, "/api/v1/needs", &key, &body),
            post_with_key(&hospital, "/api/v1/needs", &key, &body),
        );
        let mut answers = [one, other];
        answers.sort_by_key(|answer| (replayed(answer), answer.status.as_u16() != 201));
        let [first, second] = answers;
        first.assert_status(StatusCode::CREATED);
        assert!(!replayed(&first), "one of the two ran");
        if second.status == StatusCode::CONFLICT {
            second.assert_problem_type(ProblemType::IdempotencyRequestInFlight);
            in_flight += 1;
        } else {
            second.assert_status(StatusCode::CREATED);
            assert!(replayed(&second), "round {round}: the other is a replay");
            assert_eq!(second.text, first.text);
            replays += 1;
        }
    }
    assert_eq!(count_needs(&app), before + rounds, "one need per key");
    assert_eq!(in_flight + replays, rounds);
}

pub async fn expired_keys_are_forgotten_and_may_be_used_again(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let body = need_input("Awareness training");
    let first = post_with_key(&hospital, "/api/v1/needs", "daily", &body).await;
    first.assert_status(StatusCode::CREATED);
    let db = app.database();
    let forget = |db: &clearinghouse::db::Database| {
        db.write_blocking(|conn| {
            clearinghouse::idempotency::store::forget_expired(conn, clearinghouse::db::now())
        })
        .unwrap()
    };
    assert_eq!(forget(&db), 0, "a fresh key is kept");
    let more_than_a_day = chrono::Duration::hours(25);
    age_claims(&app, more_than_a_day, more_than_a_day);
    // Until the housekeeping has run, an expired record is not replayed either.
    let after_a_day = post_with_key(&hospital, "/api/v1/needs", "daily", &body).await;
    after_a_day.assert_status(StatusCode::CREATED);
    assert!(!replayed(&after_a_day));
    assert_ne!(id(&after_a_day.body), id(&first.body));
    age_claims(&app, more_than_a_day, more_than_a_day);
    assert_eq!(forget(&db), 1, "the day-old key is forgotten");
    let rows: i64 = db
        .read_blocking(|conn| {
            use clearinghouse::db::schema::idempotency_keys::dsl::*;
            use diesel::prelude::*;
            Ok(clearinghouse::dispatch!(conn, |c| idempotency_keys
                .count()
                .get_result(c))?)
        })
        .unwrap();
    assert_eq!(rows, 0);
}

pub async fn a_bad_key_is_400_and_changes_nothing(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let before = count_needs(&app);
    let body = need_input("Bad keys");
    let too_long = "k".repeat(256);
    for key in [
        too_long.as_bytes(),
        b"tab\there".as_slice(),
        "cl\u{e9}".as_bytes(),
    ] {
        post_with_raw_keys(&app, Some(&hospital), &[key], &body)
            .await
            .assert_problem_type(ProblemType::InvalidIdempotencyKey);
    }
    post_with_raw_keys(&app, Some(&hospital), &[b"one", b"two"], &body)
        .await
        .assert_problem_type(ProblemType::InvalidIdempotencyKey);
    assert_eq!(count_needs(&app), before);
    // Without a token the key is never looked at: 401 first.
    let far_too_long = "k".repeat(300);
    post_with_raw_keys(&app, None, &[far_too_long.as_bytes()], &body)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

/// A need posted by `author` (or nobody) with one `Idempotency-Key` header per entry of
/// `keys`, as raw bytes: what the harness's string headers cannot send.
async fn post_with_raw_keys(
    app: &TestApp,
    author: Option<&Session>,
    keys: &[&[u8]],
    body: &Value,
) -> Response {
    let mut request = app.client.post(app.url("/api/v1/needs"));
    if let Some(author) = author {
        request = request.bearer_auth(&author.access_token);
    }
    for key in keys {
        let value = reqwest::header::HeaderValue::from_bytes(key).unwrap();
        request = request.header("Idempotency-Key", value);
    }
    Response::from_reqwest(request.json(body).send().await.unwrap()).await
}
