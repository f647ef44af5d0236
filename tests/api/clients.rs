//! Partner systems: API clients managed by an organisation's admins, OAuth 2.0 client
//! credentials exactly as RFC 6749 writes them, scopes, and a client token that reads and
//! writes as a member of its organisation, no more.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{
    assert_mentions, id, need_input, offer_input, strings_at, with, ItemStep, Need, Response,
    Session, TestApp,
};

const ALL_SCOPES: &str =
    "needs:read needs:write offers:read offers:write matches:read matches:write webhooks:manage";

/// A client of `admin`'s organisation with `scopes`: (client_id, client_secret, the answer).
async fn create_client(admin: &Session, scopes: &[&str]) -> (String, String, Value) {
    let created = admin
        .post(
            &admin.organisation_path("api-clients"),
            &json!({"name": "CSIRT portal", "scopes": scopes}),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let client_id = created.body["client_id"].as_str().unwrap().to_owned();
    let secret = created.body["client_secret"].as_str().unwrap().to_owned();
    (client_id, secret, created.body)
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// What an OAuth 2.0 library sends (RFC 6749 section 2.3.1): id and secret each
/// form-urlencoded, joined by a colon, in base64, as HTTP Basic.
fn basic(client_id: &str, secret: &str) -> String {
    let encode = |part: &str| form(&[("x", part)]).trim_start_matches("x=").to_owned();
    let joined = format!("{}:{}", encode(client_id), encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(joined)
    )
}

/// POSTs a token request: a form body, optional Basic credentials.
async fn token_request(app: &TestApp, authorization: Option<&str>, body: &str) -> Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body.to_owned());
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    Response::from_reqwest(request.send().await.expect("the server answers")).await
}

/// The client credentials grant by HTTP Basic, optionally for `scope`, answered whole.
async fn grant(app: &TestApp, client_id: &str, secret: &str, scope: Option<&str>) -> Response {
    let mut pairs = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        pairs.push(("scope", scope));
    }
    token_request(app, Some(&basic(client_id, secret)), &form(&pairs)).await
}

/// A token by HTTP Basic, optionally for `scope`.
async fn client_token(app: &TestApp, client_id: &str, secret: &str, scope: Option<&str>) -> String {
    let answer = grant(app, client_id, secret, scope).await;
    answer.assert_status(StatusCode::OK);
    answer.body["access_token"].as_str().unwrap().to_owned()
}

/// An RFC 6749 section 5.2 error: JSON (not problem+json) with `error` and a description.
fn assert_oauth_error(answer: &Response, status: StatusCode, error: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert!(
        answer
            .header("content-type")
            .is_some_and(|value| value.starts_with("application/json")),
        "{:?}",
        answer.header("content-type")
    );
    assert_eq!(answer.body["error"], error, "{}", answer.text);
    assert!(answer.body["error_description"].is_string());
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        assert!(answer
            .header("www-authenticate")
            .is_some_and(|value| value.starts_with("Basic realm=\"clearinghouse\"")));
    }
}

/// A partner obtains a token by Basic and by body credentials, exactly as RFC 6749 says,
/// and writes with it; the write's audit line names the client and its organisation.
pub async fn a_partner_gets_a_token_by_basic_or_in_the_body_and_writes_with_it(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let (client_id, secret, created) =
        create_client(&hospital, &["needs:read", "needs:write"]).await;
    assert_eq!(created["scopes"], json!(["needs:read", "needs:write"]));
    assert_eq!(created["organisation_id"], hospital.account.organisation_id);
    assert!(created["last_used_at"].is_null());

    let answer = grant(&app, &client_id, &secret, None).await;
    answer.assert_status(StatusCode::OK);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["scope"], "needs:read needs:write");
    assert!(answer.body["expires_in"].as_u64().unwrap() > 0);

    let in_body = token_request(
        &app,
        None,
        &form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("scope", "needs:read"),
        ]),
    )
    .await;
    in_body.assert_status(StatusCode::OK);
    assert_eq!(in_body.body["scope"], "needs:read");

    let token = answer.body["access_token"].as_str().unwrap();
    let created_need = app
        .post(
            "/api/v1/needs",
            Some(token),
            &need_input("Filed by the portal"),
        )
        .await;
    created_need.assert_status(StatusCode::CREATED);
    assert_eq!(
        created_need.body["organisation_id"],
        hospital.account.organisation_id
    );
    let published = app
        .post(
            &Need(&created_need.body).step_path(ItemStep::Publish),
            Some(token),
            &json!({}),
        )
        .await;
    published.assert_status(StatusCode::OK);

    let coordinator = app.coordinator().await;
    let audit = coordinator.audit("need", &id(&created_need.body)).await;
    audit.assert_status(StatusCode::OK);
    let lines = audit.body["items"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{}", audit.text);
    for line in lines {
        assert_eq!(line["actor_client_id"], client_id.as_str());
        assert_eq!(
            line["actor_organisation_id"],
            hospital.account.organisation_id
        );
        assert!(line["actor_user_id"].is_null());
    }
    // The token requests are audited too, with the client as actor.
    let uses = coordinator.audit("api_client", &client_id).await;
    let actions = strings_at(&uses.body["items"], "action");
    assert_eq!(actions, ["token", "token", "create"]);
    assert!(
        !uses.text.contains(&secret),
        "the audit log never holds the secret"
    );

    let listed = hospital
        .get(&hospital.organisation_path("api-clients"))
        .await;
    listed.assert_status(StatusCode::OK);
    assert!(
        !listed.text.contains(&secret),
        "lists never show the secret"
    );
    assert!(!listed.text.contains("secret"), "{}", listed.text);
    assert!(listed.body["items"][0]["last_used_at"].is_string());
}

/// Every refusal of the token endpoint is RFC 6749 section 5.2 JSON with its code.
pub async fn every_token_refusal_is_an_rfc_6749_error(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let (client_id, secret, _) = create_client(&hospital, &["needs:read"]).await;
    let grant = ("grant_type", "client_credentials");
    let good = basic(&client_id, &secret);

    let as_json = app
        .client
        .post(app.url("/api/v1/oauth/token"))
        .header("authorization", &good)
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    let as_json = Response::from_reqwest(as_json).await;
    assert_oauth_error(&as_json, StatusCode::BAD_REQUEST, "invalid_request");

    let cases: Vec<(Option<String>, String, StatusCode, &str)> = vec![
        (
            Some(good.clone()),
            form(&[]),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Some(good.clone()),
            form(&[("grant_type", "password")]),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            Some(good.clone()),
            form(&[grant, grant]),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Some(good.clone()),
            form(&[grant, ("client_secret", &secret)]),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            None,
            form(&[grant, ("client_secret", &secret)]),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            None,
            form(&[grant]),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            Some(basic(&client_id, "chs_not-the-secret")),
            form(&[grant]),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            Some(basic(&uuid::Uuid::new_v4().to_string(), &secret)),
            form(&[grant]),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            Some(basic("not-a-uuid", &secret)),
            form(&[grant]),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            None,
            form(&[grant, ("client_id", &client_id), ("client_secret", "wrong")]),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            Some("Basic !!!".to_owned()),
            form(&[grant]),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            Some(good.clone()),
            form(&[grant, ("scope", "needs:write")]),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            Some(good.clone()),
            form(&[grant, ("scope", "needs:read admin")]),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            Some(good.clone()),
            form(&[grant, ("scope", "needs:read  needs:read")]),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
    ];
    for (authorization, body, status, error) in cases {
        let answer = token_request(&app, authorization.as_deref(), &body).await;
        assert_oauth_error(&answer, status, error);
    }
    // None of them issued a token: only the creation is audited.
    let coordinator = app.coordinator().await;
    let uses = coordinator.audit("api_client", &client_id).await;
    assert_eq!(uses.body["items"].as_array().unwrap().len(), 1);
}

/// A token acts within its scopes: `needs:read` lists needs but cannot create one (403
/// `insufficient-scope`, with RFC 6750's challenge naming the scope), and operations for
/// people refuse client tokens whatever their scopes.
pub async fn a_token_acts_only_within_its_scopes(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let (client_id, secret, _) = create_client(&hospital, &["needs:read", "needs:write"]).await;
    let reader = client_token(&app, &client_id, &secret, Some("needs:read")).await;

    app.get("/api/v1/needs", Some(&reader))
        .await
        .assert_status(StatusCode::OK);
    let refused = app
        .post("/api/v1/needs", Some(&reader), &need_input("Not allowed"))
        .await;
    refused.assert_problem(StatusCode::FORBIDDEN);
    assert_mentions(&refused.text, "insufficient-scope");
    assert_eq!(
        refused.header("www-authenticate"),
        Some("Bearer error=\"insufficient_scope\", scope=\"needs:write\"")
    );
    // Refused before the body is read: a body of the wrong shape gets the same answer.
    app.post("/api/v1/needs", Some(&reader), &json!({"x": 1}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let matches = app.get("/api/v1/matches", Some(&reader)).await;
    matches.assert_problem(StatusCode::FORBIDDEN);
    assert!(matches.text.contains("insufficient-scope"));
    app.get("/api/v1/offers", Some(&reader))
        .await
        .assert_problem(StatusCode::FORBIDDEN);

    let everything = client_token(&app, &client_id, &secret, None).await;
    let clients_path = hospital.organisation_path("api-clients");
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/me".to_owned()),
        (reqwest::Method::GET, clients_path.clone()),
        (reqwest::Method::POST, clients_path.clone()),
        (
            reqwest::Method::POST,
            format!(
                "/api/v1/organisations/{}/invitations",
                hospital.account.organisation_id
            ),
        ),
        (reqwest::Method::GET, "/api/v1/organisations".to_owned()),
        (reqwest::Method::GET, "/api/v1/audit".to_owned()),
    ] {
        let answer = app
            .request(method.clone(), &path, Some(&everything), Some(&json!({})))
            .await;
        answer.assert_problem(StatusCode::FORBIDDEN);
        assert!(
            answer.text.contains("not-for-api-clients"),
            "{method} {path}: {}",
            answer.text
        );
    }
    app.post("/api/v1/needs", Some(&everything), &need_input("Allowed"))
        .await
        .assert_status(StatusCode::CREATED);
}

/// A provider's client token sees exactly what a member of its organisation sees: a
/// need hidden from providers stays 404, absent from lists, search and candidates.
pub async fn a_client_token_sees_what_a_member_of_its_organisation_sees(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let ngo = app.verified_org("ngo", "KE").await;
    let offer = ngo
        .publish_offer(&with(
            offer_input("Ransomware recovery zqclientoffer"),
            json!({"themes": ["ransomware.backup_recovery"]}),
        ))
        .await;
    let mut needs = Vec::new();
    for visibility in ["public", "verified_providers", "coordinators"] {
        let need = hospital
            .publish_need(&with(
                need_input(&format!(
                    "Incident response zqclient{}",
                    visibility.replace('_', "")
                )),
                json!({"visibility": visibility}),
            ))
            .await;
        needs.push((visibility, id(&need)));
    }
    let (client_id, secret, _) = create_client(&ngo, &["needs:read", "offers:read"]).await;
    let token = client_token(&app, &client_id, &secret, None).await;
    let member = app.add_member(&ngo.account.organisation_id).await;

    for who in [Some(token.as_str()), member.token()] {
        let listed = app.get("/api/v1/needs?limit=100", who).await;
        listed.assert_status(StatusCode::OK);
        let searched = app.get("/api/v1/needs?q=zqclientcoordinators", who).await;
        let candidates = app
            .get(&format!("/api/v1/offers/{}/candidates", id(&offer)), who)
            .await;
        candidates.assert_status(StatusCode::OK);
        for (visibility, need_id) in &needs {
            let visible = *visibility != "coordinators";
            let got = app.get(&format!("/api/v1/needs/{need_id}"), who).await;
            if visible {
                got.assert_status(StatusCode::OK);
            } else {
                got.assert_problem(StatusCode::NOT_FOUND);
            }
            assert_eq!(
                listed.text.contains(need_id.as_str()),
                visible,
                "{visibility}: list"
            );
            assert_eq!(
                candidates.text.contains(need_id.as_str()),
                visible,
                "{visibility}: candidates {}",
                candidates.text
            );
            if !visible {
                assert!(!searched.text.contains(need_id.as_str()), "search");
            }
        }
    }
    // The same lists, item for item.
    let by_client = app.get("/api/v1/needs?limit=100", Some(&token)).await.body;
    let by_member = app
        .get("/api/v1/needs?limit=100", member.token())
        .await
        .body;
    assert_eq!(by_client, by_member);
}

/// Revoking a client ends its existing token at once; rotating its secret ends the old
/// secret and the tokens issued with it, and the new secret works.
pub async fn revoked_and_rotated_clients_stop_working_at_once(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let org = hospital.account.organisation_id.clone();
    let (client_id, secret, _) = create_client(&hospital, &["needs:read"]).await;
    let before = client_token(&app, &client_id, &secret, None).await;
    app.get("/api/v1/needs", Some(&before))
        .await
        .assert_status(StatusCode::OK);

    let rotated = hospital
        .post(
            &format!("/api/v1/organisations/{org}/api-clients/{client_id}/rotate"),
            &json!({}),
        )
        .await;
    rotated.assert_status(StatusCode::OK);
    let new_secret = rotated.body["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated.body["rotated_at"].is_string());
    app.get("/api/v1/needs", Some(&before))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let old = grant(&app, &client_id, &secret, None).await;
    assert_oauth_error(&old, StatusCode::UNAUTHORIZED, "invalid_client");
    let after = client_token(&app, &client_id, &new_secret, None).await;
    app.get("/api/v1/needs", Some(&after))
        .await
        .assert_status(StatusCode::OK);

    let revoked = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/organisations/{org}/api-clients/{client_id}"),
            hospital.token(),
            None,
        )
        .await;
    revoked.assert_status(StatusCode::OK);
    assert!(revoked.body["revoked_at"].is_string());
    app.get("/api/v1/needs", Some(&after))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let refused = grant(&app, &client_id, &new_secret, None).await;
    assert_oauth_error(&refused, StatusCode::UNAUTHORIZED, "invalid_client");
    // A revoked client is not rotated back to life.
    hospital
        .post(
            &format!("/api/v1/organisations/{org}/api-clients/{client_id}/rotate"),
            &json!({}),
        )
        .await
        .assert_problem(StatusCode::CONFLICT);
}

/// Another organisation's admin neither sees nor manages the clients (404); a member of the
/// organisation is refused (403); a coordinator manages them.
pub async fn only_the_organisation_s_admins_and_coordinators_manage_its_clients(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let org = hospital.account.organisation_id.clone();
    let (client_id, _, _) = create_client(&hospital, &["needs:read"]).await;
    let other = app.verified_org("ngo", "KE").await;
    let member = app.add_member(&org).await;
    let base = format!("/api/v1/organisations/{org}/api-clients");
    let one = format!("{base}/{client_id}");
    let operations = [
        (reqwest::Method::GET, base.clone(), None),
        (
            reqwest::Method::POST,
            base.clone(),
            Some(json!({"name": "x", "scopes": ["needs:read"]})),
        ),
        (reqwest::Method::GET, one.clone(), None),
        (
            reqwest::Method::POST,
            format!("{one}/rotate"),
            Some(json!({})),
        ),
        (reqwest::Method::DELETE, one.clone(), None),
    ];
    for (method, path, body) in &operations {
        let outsider = app
            .request(method.clone(), path, other.token(), body.as_ref())
            .await;
        outsider.assert_problem(StatusCode::NOT_FOUND);
        let insider = app
            .request(method.clone(), path, member.token(), body.as_ref())
            .await;
        insider.assert_problem(StatusCode::FORBIDDEN);
        assert!(insider.text.contains("org-admins-only"), "{}", insider.text);
    }
    // The other organisation's own path does not reach this client either.
    other
        .get(&format!(
            "/api/v1/organisations/{}/api-clients/{client_id}",
            other.account.organisation_id
        ))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let coordinator = app.coordinator().await;
    let listed = coordinator.get(&base).await;
    listed.assert_status(StatusCode::OK);
    assert_eq!(listed.body["items"][0]["client_id"], client_id.as_str());
    // Bad input is a 422 naming the fields, and creates nothing.
    let invalid = hospital
        .post(&base, &json!({"name": " ", "scopes": []}))
        .await;
    invalid.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.invalid_fields(), ["name", "scopes"]);
    let unknown = hospital
        .post(&base, &json!({"name": "x", "scopes": ["admin"]}))
        .await;
    unknown.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        hospital.get(&base).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// The token endpoint is rate limited per client id (and per IP): past the limit, 429
/// `slow_down` with `Retry-After`, before the secret is checked.
pub async fn the_token_endpoint_is_rate_limited(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let (client_id, secret, _) = create_client(&hospital, &["needs:read"]).await;
    let (other_id, other_secret, _) = create_client(&hospital, &["needs:read"]).await;
    // Instances on the same database, as behind one load balancer: one limit for all.
    let per_client = app
        .another_instance(&[("rate_limits.oauth_token_per_client", "2")])
        .await;
    client_token(&per_client, &client_id, &secret, None).await;
    client_token(&per_client, &client_id, &secret, None).await;
    let limited = grant(&per_client, &client_id, &secret, None).await;
    assert_oauth_error(&limited, StatusCode::TOO_MANY_REQUESTS, "slow_down");
    assert!(limited
        .header("retry-after")
        .is_some_and(|value| value.parse::<u64>().is_ok_and(|s| s >= 1)));
    // Before the secret is checked: a wrong one is refused the same way, not judged.
    let guessing = grant(&per_client, &client_id, "chs_guess", None).await;
    assert_oauth_error(&guessing, StatusCode::TOO_MANY_REQUESTS, "slow_down");
    // Another client is counted apart.
    client_token(&per_client, &other_id, &other_secret, None).await;

    let per_ip = app
        .another_instance(&[("rate_limits.oauth_token_per_ip", "1")])
        .await;
    grant(&per_ip, &other_id, &other_secret, None).await;
    let limited = grant(&per_ip, &other_id, &other_secret, None).await;
    assert_oauth_error(&limited, StatusCode::TOO_MANY_REQUESTS, "slow_down");
}

/// The document names the `oauth2` scheme with the client credentials flow and every scope,
/// and each catalogue operation lists the scope it requires beside the bearer scheme.
pub async fn the_document_describes_the_oauth2_flow_and_the_scopes(app: TestApp) {
    let document = app.get("/api/v1/openapi.json", None).await.body;
    let scheme = &document["components"]["securitySchemes"]["oauth2"];
    assert_eq!(scheme["type"], "oauth2");
    let flow = &scheme["flows"]["clientCredentials"];
    assert_eq!(flow["tokenUrl"], "/api/v1/oauth/token");
    let scopes: Vec<&str> = flow["scopes"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: Vec<&str> = ALL_SCOPES.split(' ').collect();
    expected.sort();
    let mut scopes = scopes;
    scopes.sort();
    assert_eq!(scopes, expected);
    assert_eq!(
        document["paths"]["/api/v1/needs"]["post"]["security"],
        json!([{"bearer": []}, {"oauth2": ["needs:write"]}])
    );
    assert_eq!(
        document["paths"]["/api/v1/me"]["get"]["security"],
        json!([{"bearer": []}])
    );
    let token = &document["paths"]["/api/v1/oauth/token"]["post"];
    assert!(token["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object());
    for status in ["200", "400", "401", "429"] {
        assert!(token["responses"][status].is_object(), "{status}");
    }
}

/// A partner system manages its own organisation's webhooks with a token that has
/// `webhooks:manage`, and only those: without the scope it is 403 `insufficient-scope`,
/// and another organisation's webhooks are refused as they are to that organisation's
/// members.
pub async fn a_client_with_webhooks_manage_manages_its_own_webhooks_only(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let other = app.verified_org("ngo", "KE").await;
    let (client_id, secret, _) = create_client(&hospital, &["needs:read", "webhooks:manage"]).await;
    let manager = client_token(&app, &client_id, &secret, Some("webhooks:manage")).await;
    let reader = client_token(&app, &client_id, &secret, Some("needs:read")).await;
    let own = format!(
        "/api/v1/organisations/{}/webhooks",
        hospital.account.organisation_id
    );

    app.get(&own, Some(&manager))
        .await
        .assert_status(StatusCode::OK);
    let refused = app.get(&own, Some(&reader)).await;
    refused.assert_problem(StatusCode::FORBIDDEN);
    assert_mentions(&refused.text, "insufficient-scope");
    let foreign = format!(
        "/api/v1/organisations/{}/webhooks",
        other.account.organisation_id
    );
    let answer = app.get(&foreign, Some(&manager)).await;
    assert!(
        answer.status == StatusCode::FORBIDDEN || answer.status == StatusCode::NOT_FOUND,
        "another organisation's webhooks: {}",
        answer.text
    );
}
