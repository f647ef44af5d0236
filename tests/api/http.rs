//! The HTTP conventions every route shares.

use reqwest::{Method, StatusCode};

use crate::harness::TestApp;

pub async fn health_and_readiness(app: TestApp) {
    let health = app.get("/health", None).await;
    health.assert_status(StatusCode::OK);
    assert_eq!(health.body["status"], "ok");
    let ready = app.get("/ready", None).await;
    ready.assert_status(StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");
    assert_eq!(ready.body["database"], app.engine.name());
}

pub async fn unknown_routes_and_methods_are_problems(app: TestApp) {
    // Outside the API, an unknown path is a page that does not exist (tests/api/web.rs).
    let page = app.get("/nothing-here", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    for path in [
        "/api/v1/nothing-here",
        "/api/v2/needs",
        "/api/v1/organisations/x/y/z",
    ] {
        let response = app.get(path, None).await;
        response.assert_problem(StatusCode::NOT_FOUND);
    }
    let wrong_method = app
        .request(Method::DELETE, "/api/v1/auth/login", None, None)
        .await;
    wrong_method.assert_problem(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.header("allow"), Some("POST"));
    let wrong_method = app
        .request(
            Method::PUT,
            "/api/v1/organisations/7f1c8a4e-0000-4000-8000-000000000000",
            None,
            None,
        )
        .await;
    wrong_method.assert_problem(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.header("allow"), Some("GET"));
}

pub async fn every_response_carries_a_request_id(app: TestApp) {
    let mut seen = std::collections::HashSet::new();
    for response in [
        app.get("/health", None).await,
        app.get("/nothing-here", None).await,
        app.get("/api/v1/me", None).await,
        app.post("/api/v1/auth/login", None, &serde_json::json!({"email": 1}))
            .await,
    ] {
        let id = response
            .header("x-request-id")
            .expect("X-Request-Id on every response");
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        assert!(seen.insert(id.to_owned()), "ids are unique per request");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    }
}

/// JSON has one kind of number: a client writing `20.0` for an integer field means 20, as
/// JSON Schema's `integer` (what the document states) does. A fraction is still refused.
pub async fn integral_numbers_written_as_floats_are_read_as_integers(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let mut body = crate::harness::need_input("Backups written by a float-happy client");
    body["quantity"] = serde_json::json!(20.0);
    let created = hospital.post("/api/v1/needs", &body).await;
    created.assert_status(StatusCode::CREATED);
    assert_eq!(created.body["quantity"], 20, "{}", created.text);

    body["quantity"] = serde_json::json!(20.5);
    let refused = hospital.post("/api/v1/needs", &body).await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}
