//! The operators' `/metrics` (issue 12, item 5): behind its token, by route template, and
//! with outbox gauges read from the database at scrape time.

use reqwest::StatusCode;

use crate::harness::{Response, TestApp};

const TOKEN: &str = "a-scraper-token-of-enough-length";

async fn scrape(app: &TestApp, token: Option<&str>) -> Response {
    let mut request = app.client.get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Response::from_reqwest(request.send().await.expect("the server answers")).await
}

/// The value of the sample line that starts with `series` (name and labels, exactly).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.trim().parse().expect("a number"))
}

pub async fn metrics_need_the_token_and_count_by_route_template(app: TestApp) {
    let app = TestApp::spawn_with(app.engine, &[("metrics.token", TOKEN)]).await;
    scrape(&app, None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    scrape(&app, Some("a-scraper-token-of-enough-lengtH"))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let need = uuid::Uuid::new_v4();
    for _ in 0..2 {
        app.get(&format!("/api/v1/needs/{need}"), None)
            .await
            .assert_problem(StatusCode::NOT_FOUND);
    }
    let answered = scrape(&app, Some(TOKEN)).await;
    answered.assert_status(StatusCode::OK);
    assert!(answered
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = answered.text.clone();
    assert_eq!(
        sample(
            &text,
            r#"clearinghouse_http_requests_total{method="GET",route="/api/v1/needs/{id}",status="404"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert!(!text.contains(&need.to_string()), "no id in any label");
    assert!(text.contains(
        r#"clearinghouse_http_request_duration_seconds_count{method="GET",route="/api/v1/needs/{id}",status="404"} 2"#
    ));
    assert!(text.contains("clearinghouse_db_pool_connections"), "{text}");
    assert!(
        text.contains("clearinghouse_db_pool_max_connections 4"),
        "{text}"
    );
    // The refused scrapes are counted too, under their own template.
    assert!(
        text.contains(r#"{method="GET",route="/metrics",status="401"} 2"#),
        "{text}"
    );
}

pub async fn metrics_do_not_exist_without_a_token(app: TestApp) {
    let answered = scrape(&app, Some(TOKEN)).await;
    answered.assert_status(StatusCode::NOT_FOUND);
}

pub async fn the_outbox_gauge_moves_when_registration_queues_an_email(app: TestApp) {
    // No worker, so the verification email stays pending for the scrape to see.
    let app = TestApp::spawn_with(
        app.engine,
        &[("metrics.token", TOKEN), ("outbox.worker", "false")],
    )
    .await;
    let pending = r#"clearinghouse_outbox_messages{status="pending"}"#;
    let before = scrape(&app, Some(TOKEN)).await.text;
    assert_eq!(sample(&before, pending), Some(0.0), "{before}");
    assert_eq!(
        sample(&before, "clearinghouse_outbox_oldest_due_age_seconds"),
        Some(0.0)
    );
    app.register("hospital", "KE").await;
    let after = scrape(&app, Some(TOKEN)).await.text;
    assert_eq!(sample(&after, pending), Some(1.0), "{after}");
    assert_eq!(
        sample(&after, r#"clearinghouse_outbox_messages{status="dead"}"#),
        Some(0.0)
    );
    let age = sample(&after, "clearinghouse_outbox_oldest_due_age_seconds").unwrap();
    assert!((0.0..60.0).contains(&age), "{age}");
}
