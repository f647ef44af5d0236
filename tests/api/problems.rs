//! Problem types people can follow: every `type` is an absolute URI under the public URL whose
//! page answers, one type per distinct refusal, with the members a client needs. (Every
//! problem any test provokes also passes `Response::problem_type`, which checks it against the
//! registry.)

use clearinghouse::error::ProblemType;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{id, need_input, need_with, offer_with, MatchStep, Need, Response, TestApp};

async fn page(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

pub async fn every_problem_type_answers_its_page_and_the_list_names_them_all(app: TestApp) {
    let (status, content_type, list) = page(&app, "/problems").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    for &kind in ProblemType::ALL {
        assert!(
            list.contains(&format!("href=\"/problems/{}\"", kind.slug())),
            "the list does not link {}",
            kind.slug()
        );
        let (status, content_type, text) = page(&app, &format!("/problems/{}", kind.slug())).await;
        assert_eq!(status, StatusCode::OK, "{}", kind.slug());
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let document = scraper::Html::parse_document(&text);
        let heading = document
            .select(&scraper::Selector::parse("h1").unwrap())
            .next()
            .map(|h| h.text().collect::<String>())
            .unwrap_or_default();
        assert_eq!(heading, kind.title());
        assert!(
            text.contains(&format!("{}/problems/{}", app.base_url, kind.slug())),
            "the page shows its own URI"
        );
    }
    let (status, content_type, _) = page(&app, "/problems/no-such-problem").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(content_type.starts_with("text/html"), "{content_type}");
}

/// Sends `method path` with a bearer token, optional If-Match and a raw body.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    if_match: Option<&str>,
    body: Option<&str>,
) -> Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    Response::from_reqwest(request.send().await.unwrap()).await
}

pub async fn distinct_refusals_carry_their_own_types_and_members(app: TestApp) {
    use ProblemType::*;
    let hospital = app.verified_org("hospital", "KE").await;
    let unverified = app
        .sign_in(&app.register_confirmed("hospital", "KE").await)
        .await;
    let token = hospital.token();
    let need = hospital.publish_need(&need_input("Backup drills")).await;
    let path = format!("/api/v1/needs/{}", id(&need));

    // The request's edge.
    send(&app, Method::POST, "/api/v1/needs", token, None, Some("{"))
        .await
        .assert_problem_type(MalformedJson);
    send(&app, Method::POST, "/api/v1/needs", token, None, Some("{}"))
        .await
        .assert_problem_type(Validation);
    app.get("/api/v1/needs?cursor=bm90LWEtY3Vyc29y", None)
        .await
        .assert_problem_type(InvalidCursor);
    app.get("/api/v1/needs/not-a-uuid", None)
        .await
        .assert_problem_type(InvalidParameter);
    app.get("/api/v1/nothing-here", None)
        .await
        .assert_problem_type(NotFound);
    app.request(Method::DELETE, "/api/v1/auth/login", None, None)
        .await
        .assert_problem_type(MethodNotAllowed);

    // Who is asking.
    app.post("/api/v1/needs", None, &need_input("Anonymous"))
        .await
        .assert_problem_type(Unauthorized);
    app.login(&hospital.account.email, "not the password")
        .await
        .assert_problem_type(InvalidCredentials);
    hospital
        .get("/api/v1/audit")
        .await
        .assert_problem_type(CoordinatorsOnly);
    let draft = unverified.create_need(&need_input("Not yet")).await;
    unverified
        .publish(Need(&draft))
        .await
        .assert_problem_type(OrganisationNotVerified);

    // Versions.
    let change = r#"{"urgency": "critical"}"#;
    send(&app, Method::PATCH, &path, token, None, Some(change))
        .await
        .assert_problem_type(IfMatchRequired);
    send(
        &app,
        Method::PATCH,
        &path,
        token,
        Some("\"1\""),
        Some(change),
    )
    .await
    .assert_problem_type(StaleVersion);
    send(
        &app,
        Method::PATCH,
        &path,
        token,
        Some("nope"),
        Some(change),
    )
    .await
    .assert_problem_type(InvalidIfMatch);

    // A state that does not allow the action names what it allows, as an array.
    let withdrawn = hospital.withdraw(Need(&need)).await;
    withdrawn.assert_status(StatusCode::OK);
    let refused = hospital.publish(Need(&need)).await;
    refused.assert_problem_type(InvalidTransition);
    assert_eq!(
        refused.body["allowed_actions"],
        json!([]),
        "{}",
        refused.text
    );
    let open = hospital.publish_need(&need_input("Still open")).await;
    let refused = hospital.publish(Need(&open)).await;
    refused.assert_problem_type(InvalidTransition);
    let allowed: Vec<&str> = refused.body["allowed_actions"]
        .as_array()
        .expect("allowed_actions is an array")
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        allowed.contains(&"withdraw")
            && allowed.contains(&"close")
            && !allowed.contains(&"publish"),
        "{}",
        refused.text
    );

    // Matching: a match's state, a side that accepted already, an offer that cannot serve.
    let proposal = app.backup_proposal(json!({})).await;
    let accepted_again = proposal.hospital.accept(&proposal.match_id).await;
    accepted_again.assert_problem_type(AlreadyAccepted);
    let refused = proposal
        .coordinator
        .act(&proposal.match_id, MatchStep::Complete, &json!({}))
        .await;
    refused.assert_problem_type(InvalidTransition);
    assert_eq!(
        refused.body["allowed_actions"],
        json!(["approve", "reject", "accept", "decline", "cancel"]),
        "{}",
        refused.text
    );
    let elsewhere = app.verified_org("ngo", "KE").await;
    let french_only = elsewhere
        .publish_offer(&offer_with(
            "Only in French",
            json!({"themes": ["ransomware.backup_recovery"], "languages": ["fr"]}),
        ))
        .await;
    let need = proposal
        .hospital
        .publish_need(&need_with("Only in English", json!({"languages": ["en"]})))
        .await;
    proposal
        .hospital
        .propose(&need, &french_only)
        .await
        .assert_problem_type(Unmatchable);

    // Accounts.
    let taken = app
        .register_with(&json!({
            "email": hospital.account.email, "password": "a long enough password",
            "name": "Someone", "organisation": {"name": "Another", "kind": "ngo", "country": "KE"},
        }))
        .await;
    taken.assert_problem_type(EmailTaken);
}

/// The problem's type is under the configured public URL, not the address the server bound.
pub async fn problem_types_live_under_the_public_url(app: TestApp) {
    let proxied = TestApp::spawn_with(
        app.engine,
        &[("public_url", "https://clearinghouse.example/base/")],
    )
    .await;
    let response = proxied.get("/api/v1/nothing-here", None).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(
        response.body["type"], "https://clearinghouse.example/base/problems/not-found",
        "{}",
        response.text
    );
}
