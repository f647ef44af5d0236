//! Rate limits shared by every instance on one database, and the client's address behind
//! trusted proxies (issue 12, item 4).

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Response, TestApp, PASSWORD};

/// A login attempt from `forwarded_for` (sent as `X-Forwarded-For`, when given).
async fn login_from(app: &TestApp, email: &str, forwarded_for: Option<&str>) -> Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "not the password"}));
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    Response::from_reqwest(request.send().await.expect("the server answers")).await
}

fn stranger() -> String {
    format!("nobody-{}@example.org", uuid::Uuid::new_v4().simple())
}

pub async fn two_instances_on_one_database_enforce_one_limit(app: TestApp) {
    let limits = [("rate_limits.login_per_account", "3")];
    let first = TestApp::spawn_with(app.engine, &limits).await;
    let second = first.another_instance(&limits).await;
    let account = first.register("hospital", "KE").await;
    // Three attempts in all, spread over both instances, use up the account's minute.
    for instance in [&first, &second, &first] {
        login_from(instance, &account.email, None)
            .await
            .assert_problem(StatusCode::UNAUTHORIZED);
    }
    for instance in [&second, &first] {
        let limited = instance.login(&account.email, PASSWORD).await;
        limited.assert_problem(StatusCode::TOO_MANY_REQUESTS);
        let retry_after = limited.retry_after();
        assert!((1..=60).contains(&retry_after), "{retry_after}");
    }
    // The table an operator can read holds digests, never the address or the email.
    let rows: Vec<(String, String)> = first
        .database()
        .read_blocking(|conn| {
            use clearinghouse::db::schema::rate_limits::dsl::*;
            use diesel::prelude::*;
            Ok(clearinghouse::dispatch!(conn, |c| rate_limits
                .select((limit_name, key_hash))
                .load(c))?)
        })
        .unwrap();
    assert!(rows.iter().any(|(name, _)| name == "login_per_account"));
    for (_, key) in &rows {
        assert_eq!(key.len(), 64, "a SHA-256 digest: {key}");
        assert!(!key.contains('@') && !key.contains("127.0.0.1"), "{key}");
    }
}

pub async fn refilled_keys_are_forgotten_and_others_kept(app: TestApp) {
    // Slow limits, so that the rows take seconds to refill, not the test defaults' microseconds.
    let slow = [
        ("rate_limits.login_per_ip", "5"),
        ("rate_limits.login_per_account", "5"),
    ];
    let app = TestApp::spawn_with(app.engine, &slow).await;
    login_from(&app, &stranger(), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let db = app.database();
    let count = |db: &clearinghouse::db::Database| -> i64 {
        db.read_blocking(|conn| {
            use clearinghouse::db::schema::rate_limits::dsl::*;
            use diesel::prelude::*;
            Ok(clearinghouse::dispatch!(conn, |c| rate_limits
                .count()
                .get_result(c))?)
        })
        .unwrap()
    };
    // Two limits counted the attempt (per IP, per account); both are still refilling.
    assert_eq!(count(&db), 2);
    db.write_blocking(clearinghouse::auth::rate_limit::forget_refilled)
        .unwrap();
    assert_eq!(count(&db), 2, "a key still refilling is kept");
    // A minute later (the per-IP row made old), that row is forgotten and the other kept.
    db.write_blocking(|conn| {
        use clearinghouse::db::schema::rate_limits::dsl::*;
        use diesel::prelude::*;
        Ok::<_, clearinghouse::db::StoreError>(clearinghouse::dispatch!(conn, |c| diesel::update(
            rate_limits.filter(limit_name.eq("login_per_ip"))
        )
        .set(tat_micros.eq(0_i64))
        .execute(c))?)
    })
    .unwrap();
    assert_eq!(
        db.write_blocking(clearinghouse::auth::rate_limit::forget_refilled)
            .unwrap(),
        1
    );
    assert_eq!(count(&db), 1);
}

pub async fn forwarded_for_counts_only_from_a_trusted_proxy(app: TestApp) {
    // No trusted proxy (the default): every claim is ignored, the peer is the client.
    let direct = TestApp::spawn_with(app.engine, &[("rate_limits.login_per_ip", "2")]).await;
    for claimed in ["203.0.113.1", "203.0.113.2"] {
        login_from(&direct, &stranger(), Some(claimed))
            .await
            .assert_problem(StatusCode::UNAUTHORIZED);
    }
    login_from(&direct, &stranger(), Some("203.0.113.3"))
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS);

    // Behind a trusted proxy (the test client's loopback), the proxy's word is taken.
    let proxied = TestApp::spawn_with(
        app.engine,
        &[
            ("rate_limits.login_per_ip", "2"),
            ("trusted_proxies", "127.0.0.0/8,::1"),
        ],
    )
    .await;
    for _ in 0..2 {
        login_from(&proxied, &stranger(), Some("203.0.113.1"))
            .await
            .assert_problem(StatusCode::UNAUTHORIZED);
    }
    // What the client wrote left of the proxy's entry changes nothing: still 203.0.113.1.
    login_from(&proxied, &stranger(), Some("198.51.100.7, 203.0.113.1"))
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy has its own limit.
    login_from(&proxied, &stranger(), Some("203.0.113.2"))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    // With no header at all, the proxy itself is the client, with a limit of its own.
    login_from(&proxied, &stranger(), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}
