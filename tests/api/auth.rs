//! Registration, sign-in, tokens and their failure modes.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{TestApp, JWT_SECRET, PASSWORD};

fn registration(email: &str) -> Value {
    json!({
        "email": email,
        "password": PASSWORD,
        "name": "Amina Njoroge",
        "organisation": {"name": "Kenyatta National Hospital", "kind": "hospital", "country": "KE"},
    })
}

/// How many organisations a coordinator sees: the measure of "nothing was created".
async fn organisation_count(app: &TestApp) -> usize {
    let coordinator = app.coordinator().await;
    let page = coordinator.get("/api/v1/organisations?limit=100").await;
    page.assert_status(StatusCode::OK);
    page.body["items"].as_array().unwrap().len()
}

pub async fn register_creates_an_unverified_org_admin_and_organisation(app: TestApp) {
    let response = app
        .register_with(&registration("Amina@Hospital.example "))
        .await;
    response.assert_status(StatusCode::CREATED);
    let organisation_id = response.body["organisation"]["id"].as_str().unwrap();
    assert_eq!(
        response.header("location"),
        Some(format!("/api/v1/organisations/{organisation_id}").as_str())
    );
    let user = &response.body["user"];
    assert_eq!(
        user["email"], "amina@hospital.example",
        "emails are stored normalised"
    );
    assert_eq!(user["role"], "org_admin");
    assert_eq!(user["email_verified"], false);
    assert_eq!(user["organisation_id"], organisation_id);
    assert!(user.get("password_hash").is_none() && !response.text.contains("argon2"));
    let organisation = &response.body["organisation"];
    assert_eq!(organisation["kind"], "hospital");
    assert_eq!(organisation["country"], "KE");
    assert_eq!(organisation["verified"], false);

    let session = app.login("amina@hospital.example", PASSWORD).await;
    session.assert_status(StatusCode::OK);
    let me = app
        .get("/api/v1/me", session.body["access_token"].as_str())
        .await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body, *user);
}

pub async fn duplicate_registration_is_a_conflict(app: TestApp) {
    app.register_with(&registration("dup@hospital.example"))
        .await
        .assert_status(StatusCode::CREATED);
    let before = organisation_count(&app).await;
    for email in ["dup@hospital.example", "DUP@hospital.example"] {
        let response = app.register_with(&registration(email)).await;
        let detail = response.assert_problem(StatusCode::CONFLICT);
        assert!(detail.contains("already exists"), "{detail}");
    }
    assert_eq!(
        organisation_count(&app).await,
        before,
        "a refused registration leaves no organisation"
    );
}

pub async fn invalid_registrations_name_every_bad_field_and_create_nothing(app: TestApp) {
    let before = organisation_count(&app).await;
    let cases = [
        (json!({"email": "not-an-email"}), "email"),
        (json!({"password": "too short"}), "password"),
        (json!({"password": "x".repeat(129)}), "password"),
        (json!({"name": "   "}), "name"),
        (
            json!({"organisation": {"name": "A hospital", "kind": "hospital", "country": "XX"}}),
            "organisation.country",
        ),
        (
            json!({"organisation": {"name": "A hospital", "kind": "hospital", "country": "KEN"}}),
            "organisation.country",
        ),
        (
            json!({"organisation": {"name": "The secretariat", "kind": "secretariat", "country": "NL"}}),
            "organisation.kind",
        ),
        (
            json!({"organisation": {"name": "", "kind": "ngo", "country": "NL"}}),
            "organisation.name",
        ),
    ];
    for (change, field) in cases {
        let mut body = registration(&format!("{}@bad.example", uuid::Uuid::new_v4().simple()));
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let response = app.register_with(&body).await;
        response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            response.body["type"],
            format!("{}/problems/validation", app.base_url)
        );
        let mut fields = response.invalid_fields();
        fields.dedup();
        assert_eq!(fields, vec![field.to_owned()], "{}", response.text);
    }
    let everything_wrong = json!({
        "email": "nope", "password": "short", "name": "",
        "organisation": {"name": "x", "kind": "secretariat", "country": "ZZ"},
    });
    let response = app.register_with(&everything_wrong).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields = response.invalid_fields();
    for field in [
        "email",
        "password",
        "name",
        "organisation.name",
        "organisation.kind",
        "organisation.country",
    ] {
        assert!(
            fields.contains(&field.to_owned()),
            "{field} missing from {fields:?}"
        );
    }
    assert_eq!(organisation_count(&app).await, before);
}

pub async fn malformed_bodies_are_problems_and_create_nothing(app: TestApp) {
    let before = organisation_count(&app).await;
    let url = app.url("/api/v1/auth/register");
    let send = |body: String, content_type: &'static str| {
        app.client
            .post(url.clone())
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let valid = registration("shape@hospital.example");
    let mut unknown_field = valid.clone();
    unknown_field["is_coordinator"] = json!(true);
    let mut wrong_type = valid.clone();
    wrong_type["organisation"]["country"] = json!(404);
    let mut missing = valid.clone();
    missing.as_object_mut().unwrap().remove("password");
    let mut unknown_kind = valid.clone();
    unknown_kind["organisation"]["kind"] = json!("clinic");
    let cases = [
        ("{\"email\": ".to_owned(), "application/json", StatusCode::BAD_REQUEST),
        ("not json at all".to_owned(), "application/json", StatusCode::BAD_REQUEST),
        (valid.to_string(), "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (unknown_field.to_string(), "application/json", StatusCode::UNPROCESSABLE_ENTITY),
        (wrong_type.to_string(), "application/json", StatusCode::UNPROCESSABLE_ENTITY),
        (missing.to_string(), "application/json", StatusCode::UNPROCESSABLE_ENTITY),
        (unknown_kind.to_string(), "application/json", StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"email": "big@hospital.example", "password": PASSWORD, "name": "x".repeat(300 * 1024),
                   "organisation": valid["organisation"].clone()})
            .to_string(),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (body, content_type, expected) in cases {
        let response =
            crate::harness::Response::from_reqwest(send(body, content_type).await.unwrap()).await;
        response.assert_problem(expected);
    }
    assert_eq!(organisation_count(&app).await, before);
}

pub async fn login_returns_working_tokens(app: TestApp) {
    let account = app.register("ngo", "FR").await;
    let response = app.login(&account.email.to_uppercase(), PASSWORD).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.body["token_type"], "Bearer");
    assert_eq!(response.body["expires_in"], 900);
    let refresh = response.body["refresh_token"].as_str().unwrap();
    assert!(refresh.len() >= 43, "256 bits of refresh token");
    let me = app
        .get("/api/v1/me", response.body["access_token"].as_str())
        .await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["email"], account.email);
    assert_eq!(me.body["id"], account.user_id.as_str());

    app.get("/api/v1/me", None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

pub async fn unknown_email_and_wrong_password_answer_identically(app: TestApp) {
    let account = app.register("hospital", "GH").await;
    let wrong_password = app.login(&account.email, "not the right password").await;
    let unknown_email = app
        .login("nobody-here@nowhere.example", "not the right password")
        .await;
    wrong_password.assert_problem(StatusCode::UNAUTHORIZED);
    unknown_email.assert_problem(StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.body, unknown_email.body);
    let comparable = |response: &crate::harness::Response| {
        let mut headers: Vec<(String, String)> = response
            .headers
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id"))
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        headers
    };
    assert_eq!(comparable(&wrong_password), comparable(&unknown_email));
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    sub: &'a str,
    org: &'a str,
    role: &'a str,
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
}

pub async fn forged_and_expired_tokens_are_refused(app: TestApp) {
    let account = app.register("hospital", "KE").await;
    let now = chrono::Utc::now().timestamp();
    let issuer = format!("{}/", app.base_url);
    let claims = |role, aud, iss, exp| Claims {
        sub: &account.user_id,
        org: &account.organisation_id,
        role,
        iss,
        aud,
        iat: now - 10,
        nbf: now - 10,
        exp,
    };
    let sign = |claims: &Claims, secret: &str, algorithm| {
        jsonwebtoken::encode(
            &Header::new(algorithm),
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    // The genuine article works, so the refusals below are about what was changed.
    let genuine = sign(
        &claims("org_admin", "clearinghouse-api", &issuer, now + 600),
        JWT_SECRET,
        Algorithm::HS256,
    );
    app.get("/api/v1/me", Some(&genuine))
        .await
        .assert_status(StatusCode::OK);

    let unsigned = {
        use base64::Engine;
        let encode = |value: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
        };
        let header = encode(&json!({"alg": "none", "typ": "JWT"}));
        let payload = encode(
            &serde_json::to_value(claims(
                "coordinator",
                "clearinghouse-api",
                &issuer,
                now + 600,
            ))
            .unwrap(),
        );
        format!("{header}.{payload}.")
    };
    let forgeries = [
        ("alg none", unsigned),
        (
            "wrong key",
            sign(
                &claims("coordinator", "clearinghouse-api", &issuer, now + 600),
                "another-secret-another-secret-0123456",
                Algorithm::HS256,
            ),
        ),
        (
            "other algorithm",
            sign(
                &claims("org_admin", "clearinghouse-api", &issuer, now + 600),
                JWT_SECRET,
                Algorithm::HS512,
            ),
        ),
        (
            "expired",
            sign(
                &claims("org_admin", "clearinghouse-api", &issuer, now - 60),
                JWT_SECRET,
                Algorithm::HS256,
            ),
        ),
        (
            "wrong audience",
            sign(
                &claims("org_admin", "another-api", &issuer, now + 600),
                JWT_SECRET,
                Algorithm::HS256,
            ),
        ),
        (
            "wrong issuer",
            sign(
                &claims(
                    "org_admin",
                    "clearinghouse-api",
                    "https://evil.example/",
                    now + 600,
                ),
                JWT_SECRET,
                Algorithm::HS256,
            ),
        ),
        ("garbage", "this.is.not-a-jwt".to_owned()),
        ("empty segments", "..".to_owned()),
    ];
    for (what, token) in forgeries {
        let response = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {}",
            response.text
        );
        response.assert_problem(StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer"),
            "{what}"
        );
    }
    let not_bearer = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", format!("Basic {genuine}"))
        .send()
        .await
        .unwrap();
    assert_eq!(not_bearer.status(), StatusCode::UNAUTHORIZED);
    // A bad token on a page anonymous readers may see is still refused, not read as anonymous.
    app.get("/api/v1/organisations", Some("garbage"))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

pub async fn refresh_rotates_and_the_old_token_dies(app: TestApp) {
    let account = app.register("donor", "US").await;
    let session = app.sign_in(&account).await;
    let rotated = app.refresh(&session.refresh_token).await;
    rotated.assert_status(StatusCode::OK);
    let new_refresh = rotated.body["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, session.refresh_token);
    app.get("/api/v1/me", rotated.body["access_token"].as_str())
        .await
        .assert_status(StatusCode::OK);
    app.refresh(new_refresh).await.assert_status(StatusCode::OK);
    app.refresh("never-issued")
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

pub async fn reusing_a_rotated_refresh_token_revokes_its_family(app: TestApp) {
    let account = app.register("academia", "BR").await;
    let stolen = app.sign_in(&account).await;
    let other_login = app.sign_in(&account).await;
    let legitimate = app.refresh(&stolen.refresh_token).await;
    legitimate.assert_status(StatusCode::OK);
    let current = legitimate.body["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    app.refresh(&stolen.refresh_token)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    app.refresh(&current)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    // Another login of the same user is another family and lives on.
    app.refresh(&other_login.refresh_token)
        .await
        .assert_status(StatusCode::OK);
}

pub async fn racing_refreshes_of_one_token_have_one_winner(app: TestApp) {
    let account = app.register("company", "IN").await;
    let session = app.sign_in(&account).await;
    let (a, b) = tokio::join!(
        app.refresh(&session.refresh_token),
        app.refresh(&session.refresh_token)
    );
    let winners = [&a, &b]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(
        winners, 1,
        "one success and one refusal: {} / {}",
        a.text, b.text
    );
    for response in [&a, &b] {
        assert!(
            matches!(response.status, StatusCode::OK | StatusCode::UNAUTHORIZED),
            "{}",
            response.text
        );
    }
}

pub async fn logout_ends_the_session(app: TestApp) {
    let account = app.register("ngo", "SN").await;
    let session = app.sign_in(&account).await;
    let body = json!({"refresh_token": session.refresh_token});
    app.post("/api/v1/auth/logout", None, &body)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.refresh(&session.refresh_token)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    // Logging out twice, or with a token that never existed, changes nothing and says so quietly.
    app.post("/api/v1/auth/logout", None, &body)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.logout("unknown")
        .await
        .assert_status(StatusCode::NO_CONTENT);
}

pub async fn login_is_rate_limited_per_account_with_retry_after(app: TestApp) {
    let app = TestApp::spawn_with(app.engine, &[("rate_limits.login_per_account", "3")]).await;
    let account = app.register("hospital", "UG").await;
    for _ in 0..3 {
        app.login(&account.email, "wrong password, again")
            .await
            .assert_problem(StatusCode::UNAUTHORIZED);
    }
    let limited = app.login(&account.email, PASSWORD).await;
    limited.assert_problem(StatusCode::TOO_MANY_REQUESTS);
    let retry_after = limited.retry_after();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Another account from the same address is not held back by this one's limit.
    let other = app.register("hospital", "UG").await;
    app.login(&other.email, PASSWORD)
        .await
        .assert_status(StatusCode::OK);
}

pub async fn registration_is_rate_limited_per_ip(app: TestApp) {
    let app = TestApp::spawn_with(app.engine, &[("rate_limits.register_per_ip", "2")]).await;
    app.register("ngo", "KE").await;
    app.register("ngo", "KE").await;
    let limited = app
        .register_with(&registration("third@hospital.example"))
        .await;
    limited.assert_problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").is_some());
}
