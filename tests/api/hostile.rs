//! What a hostile client found (issue 12, item 8), each finding as a case that failed before
//! its fix: tokens of users who do not exist, bodies read before authentication, outcomes
//! leaking to the other side, control characters in text, and `null` patches.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};

use crate::harness::{id, need_input, strings_at, ItemStep, Need, Session, TestApp, JWT_SECRET};

/// An offer that meets `need_input`'s need.
fn matching_offer() -> Value {
    crate::harness::offer_with(
        "Backup clinic",
        json!({"themes": ["ransomware.backup_recovery"]}),
    )
}

/// A token signed with the server's own key for whatever identity the attacker names.
fn forge(app: &TestApp, user_id: uuid::Uuid, organisation_id: &str, role: &str) -> String {
    use clearinghouse::accounts::model::Role;
    let role = match role {
        "coordinator" => Role::Coordinator,
        "org_admin" => Role::OrgAdmin,
        _ => Role::Member,
    };
    clearinghouse::auth::token::AccessTokens::new(
        &SecretString::from(JWT_SECRET),
        format!("{}/", app.base_url),
        Duration::from_secs(600),
    )
    .issue(user_id, organisation_id.parse().unwrap(), role)
    .unwrap()
}

/// A validly signed token for a real organisation but a user that does not exist acts
/// nowhere: every use is a 401, reads included, and nothing is created.
pub async fn a_token_of_a_user_that_does_not_exist_acts_nowhere(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let ngo = app.verified_org("ngo", "KE").await;
    let need = hospital.publish_need(&need_input("Restore drills")).await;
    let offer = ngo
        .publish_offer(&crate::harness::offer_input("Backup clinic"))
        .await;
    let ghost = forge(
        &app,
        uuid::Uuid::new_v4(),
        &hospital.account.organisation_id,
        "org_admin",
    );
    let attempts = [
        (
            Method::POST,
            "/api/v1/matches".to_owned(),
            Some(json!({"need_id": need["id"], "offer_id": offer["id"]})),
        ),
        (
            Method::POST,
            "/api/v1/needs".to_owned(),
            Some(need_input("A ghost's need")),
        ),
        (
            Method::POST,
            Need(&need).step_path(ItemStep::Withdraw),
            Some(json!({})),
        ),
        (Method::GET, "/api/v1/me".to_owned(), None),
        (Method::GET, "/api/v1/matches".to_owned(), None),
        (Method::GET, format!("/api/v1/needs/{}", id(&need)), None),
        (Method::GET, "/api/v1/organisations".to_owned(), None),
    ];
    for (method, path, body) in &attempts {
        let response = app
            .request(method.clone(), path, Some(&ghost), body.as_ref())
            .await;
        response.assert_problem(StatusCode::UNAUTHORIZED);
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }
    let matches = hospital.get("/api/v1/matches").await;
    assert_eq!(matches.body["items"], json!([]), "no match was created");
    let still_open = app.get(&format!("/api/v1/needs/{}", id(&need)), None).await;
    assert_eq!(still_open.body["status"], "open");
}

/// The identity is the user's current role and organisation, not what the token claims: a
/// token claiming `coordinator` for an org admin, or another organisation, grants neither.
pub async fn a_token_s_claims_never_outrank_the_user_s_current_role(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let other = app.verified_org("hospital", "GH").await;
    let need = other.create_need(&need_input("Someone else's draft")).await;
    let user_id = hospital.account.user_id.parse().unwrap();
    let promoted = forge(
        &app,
        user_id,
        &hospital.account.organisation_id,
        "coordinator",
    );
    app.get("/api/v1/audit", Some(&promoted))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let me = app.get("/api/v1/me", Some(&promoted)).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["role"], "org_admin");
    let moved = forge(&app, user_id, &other.account.organisation_id, "org_admin");
    app.get(&format!("/api/v1/needs/{}", id(&need)), Some(&moved))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

/// Every operation the document marks as needing a bearer token answers 401 before it
/// reads the body: without a token, or with a ghost's, a body of the wrong shape, of the
/// wrong type, or not JSON at all is never judged (no 400, 413, 415 or 422 first).
pub async fn secured_operations_answer_401_before_reading_the_body(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let ghost = forge(
        &app,
        uuid::Uuid::new_v4(),
        &hospital.account.organisation_id,
        "org_admin",
    );
    let document: Value = app.get("/api/v1/openapi.json", None).await.body;
    let mut secured = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            // Required: some requirement, none of them the empty one (a person's bearer
            // token, or an API client's OAuth 2.0 token beside it).
            let required = operation["security"]
                .as_array()
                .is_some_and(|requirements| {
                    !requirements.is_empty()
                        && requirements
                            .iter()
                            .all(|r| r.as_object().is_some_and(|r| !r.is_empty()))
                });
            if !required {
                continue;
            }
            secured += 1;
            let concrete = path
                .replace("{id}", &uuid::Uuid::new_v4().to_string())
                .replace("{client_id}", &uuid::Uuid::new_v4().to_string())
                .replace("{action}", "complete");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let bodies: [(&str, Vec<u8>); 3] = [
                ("application/json", br#"{"unexpected": [1, 2, 3]}"#.to_vec()),
                ("application/json", b"{not json".to_vec()),
                ("text/plain", vec![b'x'; 3 * 1024 * 1024]),
            ];
            for token in [None, Some(ghost.as_str())] {
                for (content_type, body) in &bodies {
                    let mut request = app
                        .client
                        .request(method.clone(), app.url(&concrete))
                        .header("content-type", *content_type)
                        .body(body.clone());
                    if let Some(token) = token {
                        request = request.bearer_auth(token);
                    }
                    let response = crate::harness::Response::from_reqwest(
                        request.send().await.expect("the server answers"),
                    )
                    .await;
                    assert_eq!(
                        response.status,
                        StatusCode::UNAUTHORIZED,
                        "{method} {path} ({content_type}, token: {}): {}",
                        token.is_some(),
                        response.text
                    );
                    response.assert_problem(StatusCode::UNAUTHORIZED);
                }
            }
            let documented = operation["responses"]["401"].is_object();
            assert!(
                documented,
                "{method} {path} answers 401 but does not say so"
            );
        }
    }
    assert!(secured > 20, "only {secured} secured operations were tried");
}

/// After the provider completes a match with its words and rating, the requester reads
/// neither, on the match, in the list or on the match page; the provider reads its own,
/// coordinators read the match as completed, and the requester later reads only its own.
pub async fn an_outcome_never_reaches_the_other_side(app: TestApp) {
    let proposal = app
        .proposal(need_input("Restore drills"), matching_offer())
        .await;
    let (hospital, ngo, coordinator) = (&proposal.hospital, &proposal.ngo, &proposal.coordinator);
    let match_id = proposal.match_id.as_str();
    coordinator
        .approve(match_id)
        .await
        .assert_status(StatusCode::OK);
    ngo.accept(match_id).await.assert_status(StatusCode::OK);
    let words = "The hospital's staff skipped two sessions";
    let completed = ngo
        .complete(
            match_id,
            &json!({"delivered_quantity": 5, "rating": 2, "outcome": words}),
        )
        .await;
    completed.assert_status(StatusCode::OK);
    assert_eq!(
        (
            completed.body["outcome"].as_str(),
            completed.body["rating"].as_i64()
        ),
        (Some(words), Some(2))
    );

    let path = format!("/api/v1/matches/{match_id}");
    let one = hospital.get(&path).await;
    one.assert_status(StatusCode::OK);
    assert_eq!(
        (&one.body["outcome"], &one.body["rating"]),
        (&Value::Null, &Value::Null),
        "{}",
        one.text
    );
    let listed = hospital.get("/api/v1/matches").await;
    assert_eq!(listed.body["items"][0]["id"], match_id);
    assert_eq!(
        (
            &listed.body["items"][0]["outcome"],
            &listed.body["items"][0]["rating"]
        ),
        (&Value::Null, &Value::Null)
    );
    assert!(!one.text.contains(words) && !listed.text.contains(words));
    let page = crate::browser::Browser::signed_in(&app, &hospital.account)
        .await
        .get(&format!("/matches/{match_id}"))
        .await;
    page.assert_status(StatusCode::OK);
    assert!(!page.body.contains("skipped two sessions"), "{}", page.body);

    for (who, session) in [("provider", ngo), ("coordinator", coordinator)] {
        let one = session.get(&path).await;
        assert_eq!(
            (one.body["outcome"].as_str(), one.body["rating"].as_i64()),
            (Some(words), Some(2)),
            "{who}"
        );
        let listed = session.get("/api/v1/matches").await;
        assert_eq!(
            listed.body["items"][0]["outcome"].as_str(),
            Some(words),
            "{who}"
        );
    }

    hospital
        .post(
            &format!("{path}/reports"),
            &json!({"rating": 5, "outcome": "Restores now take an hour"}),
        )
        .await
        .assert_status(StatusCode::CREATED);
    let own = hospital.get(&path).await;
    assert_eq!(
        (own.body["outcome"].as_str(), own.body["rating"].as_i64()),
        (Some("Restores now take an hour"), Some(5))
    );
    let provider_now = ngo.get(&path).await;
    assert_eq!(
        provider_now.body["outcome"].as_str(),
        Some(words),
        "the provider still reads only its own"
    );
}

/// `null` for a field a need or an offer requires is a 422 naming it, and changes nothing;
/// a patch that changes nothing keeps the version and the ETag and writes no audit line.
pub async fn null_patches_are_refused_and_empty_patches_change_no_version(app: TestApp) {
    let (hospital, ngo, coordinator) = app.cast().await;
    let need = hospital.create_need(&need_input("Restore drills")).await;
    let path = format!("/api/v1/needs/{}", id(&need));
    let etag = "\"1\"";
    let required = [
        "title",
        "description",
        "themes",
        "country",
        "languages",
        "delivery_modes",
        "urgency",
        "quantity",
        "wanted_by",
        "visibility",
        "anonymous",
    ];
    assert_each_null_is_refused(&hospital, &path, etag, &required).await;
    // A nullable field may still be cleared.
    let cleared = hospital
        .patch(
            &path,
            etag,
            &json!({"budget_amount": null, "budget_currency": null}),
        )
        .await;
    cleared.assert_status(StatusCode::OK);
    assert_eq!(
        cleared.header("etag"),
        Some(etag),
        "clearing what is empty changes nothing"
    );
    let same = hospital
        .patch(
            &path,
            etag,
            &json!({"title": need["title"], "quantity": need["quantity"]}),
        )
        .await;
    same.assert_status(StatusCode::OK);
    assert_eq!(
        (same.header("etag"), same.body["version"].as_i64()),
        (Some(etag), Some(1))
    );
    let now = app.get(&path, hospital.token()).await;
    assert_eq!(now.body["version"], 1);
    assert_eq!(now.body["title"], need["title"]);
    let log = coordinator.audit("need", &id(&need)).await;
    let actions = strings_at(&log.body["items"], "action");
    assert_eq!(
        actions,
        ["create"],
        "no audit line for what changed nothing"
    );
    // A real change still moves the version.
    let changed = hospital
        .patch(&path, etag, &json!({"title": "Restore drills, monthly"}))
        .await;
    changed.assert_status(StatusCode::OK);
    assert_eq!(changed.header("etag"), Some("\"2\""));

    let offer = ngo
        .create_offer(&crate::harness::offer_input("Backup clinic"))
        .await;
    let offer_path = format!("/api/v1/offers/{}", id(&offer));
    let required = [
        "kind",
        "title",
        "themes",
        "countries",
        "regions",
        "global",
        "capacity",
        "visibility",
    ];
    assert_each_null_is_refused(&ngo, &offer_path, etag, &required).await;
    let untouched = app.get(&offer_path, ngo.token()).await;
    assert_eq!(untouched.body["version"], 1);
}

/// A patch of `path` setting one of `fields` to null is refused naming that field, each.
async fn assert_each_null_is_refused(editor: &Session, path: &str, etag: &str, fields: &[&str]) {
    for &field in fields {
        let refused = editor.patch(path, etag, &json!({ field: null })).await;
        refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.invalid_fields(), [field], "{field}");
    }
}

/// A cursor as this server encodes them (base64url JSON), holding whatever a forger likes.
fn forged_cursor(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A NUL byte (or another control character) in any text field is a 422 naming the field,
/// signed in or not; a forged cursor or id with one is a 400; nothing is ever a 500.
pub async fn control_characters_are_refused_by_name_and_forged_cursors_are_400(app: TestApp) {
    let nul = "Restore\u{0} drills";
    let login = app.login("a\u{0}@x.example", "whatever-it-is").await;
    login.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(login.invalid_fields(), ["email"]);
    let reset = app.request_password_reset("a\u{0}@x.example").await;
    reset.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reset.invalid_fields(), ["email"]);
    let register = app
        .register_with(&json!({"email": "new@x.example", "password": crate::harness::PASSWORD, "name": "Ama\u{0}",
                    "organisation": {"name": "A \u{1b}[31mhospital", "kind": "hospital", "country": "KE"}}))
        .await;
    register.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(register.invalid_fields(), ["name", "organisation.name"]);

    let proposal = app
        .proposal(need_input("Restore drills"), matching_offer())
        .await;
    let (hospital, ngo, coordinator) = (&proposal.hospital, &proposal.ngo, &proposal.coordinator);
    for (field, path, session) in [
        ("title", "/api/v1/needs", hospital),
        ("description", "/api/v1/needs", hospital),
        ("title", "/api/v1/offers", ngo),
    ] {
        let base = if path.ends_with("needs") {
            need_input("Restore drills")
        } else {
            crate::harness::offer_input("Backup clinic")
        };
        let body = crate::harness::with(
            base,
            json!({ field: format!("{nul} and more words to be long enough") }),
        );
        let refused = session.post(path, &body).await;
        refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.invalid_fields(), [field], "{path}");
    }
    let need = hospital.create_need(&need_input("A draft to patch")).await;
    let patched = hospital
        .patch(
            &format!("/api/v1/needs/{}", id(&need)),
            "\"1\"",
            &json!({"title": nul}),
        )
        .await;
    patched.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(patched.invalid_fields(), ["title"]);
    // Line breaks and tabs are text.
    let fine = hospital
        .patch(
            &format!("/api/v1/needs/{}", id(&need)),
            "\"1\"",
            &json!({"description": "Two lines:\r\n\tbackups, then restore drills."}),
        )
        .await;
    fine.assert_status(StatusCode::OK);
    let note = hospital
        .post(
            "/api/v1/matches",
            &json!({"need_id": need["id"], "offer_id": proposal.offer["id"], "note": "why\u{0}"}),
        )
        .await;
    note.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(note.invalid_fields(), ["note"]);
    let reason = coordinator.reject(&proposal.match_id, "no\u{0}").await;
    reason.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reason.invalid_fields(), ["reason"]);
    let search = app.get("/api/v1/needs?q=ransom%00ware", None).await;
    search.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(search.invalid_fields(), ["q"]);
    coordinator
        .get("/api/v1/audit?entity_id=a%00")
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
    let entity = coordinator.get("/api/v1/audit?entity=ne%00ed").await;
    entity.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(entity.invalid_fields(), ["entity"]);

    let at = "2026-11-24T10:00:00Z";
    let keyset = [
        json!([at, "a\u{0}"]),
        json!(["-200000-01-01T00:00:00Z", uuid::Uuid::new_v4()]),
    ];
    let catalogue = [
        json!({"Newest": [ "2026-11-24T10:00:00", "a\u{0}"]}),
        json!({"Newest": [ "-200000-01-01T00:00:00", uuid::Uuid::new_v4()]}),
        json!({"WantedBy": ["-200000-01-01", uuid::Uuid::new_v4()]}),
    ];
    let lists: [(&str, Option<&crate::harness::Session>, &[Value]); 7] = [
        ("/api/v1/needs", None, &catalogue),
        ("/api/v1/needs?sort=wanted_by", None, &catalogue),
        ("/api/v1/offers", None, &catalogue),
        ("/api/v1/organisations", None, &keyset),
        ("/api/v1/matches", Some(hospital), &keyset),
        ("/api/v1/audit", Some(coordinator), &keyset),
        ("/api/v1/outbox", Some(coordinator), &keyset),
    ];
    for (path, session, cursors) in lists {
        for cursor in cursors {
            let separator = if path.contains('?') { '&' } else { '?' };
            let url = format!("{path}{separator}cursor={}", forged_cursor(cursor));
            let response = app
                .get(&url, session.map(|s| s.access_token.as_str()))
                .await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "{path} with {cursor}: {}",
                response.text
            );
        }
    }
}
