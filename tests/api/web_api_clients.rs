//! The org admin's API clients page, through the real server as a browser meets it: create
//! with a name and scopes, the secret shown once, rotate, revoke with a confirmation, the
//! same authorisation as the API and CSRF like every other form.

use reqwest::StatusCode;
use serde_json::Value;

use crate::browser::{Browser, Page};
use crate::harness::TestApp;

/// The client id and secret the page shows once.
fn shown_secret(page: &Page) -> (String, String) {
    let one = |selector: &str| {
        page.texts(selector)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{selector} in {}", page.body))
    };
    (one("#client-id"), one("#client-secret"))
}

async fn token_status(app: &TestApp, client_id: &str, secret: &str) -> StatusCode {
    app.client
        .post(app.url("/api/v1/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

pub async fn an_org_admin_creates_rotates_and_revokes_a_client_on_the_page(app: TestApp) {
    let admin = app.verified_org("ngo", "KE").await;
    let browser = Browser::signed_in(&app, &admin.account).await;
    let organisation = browser.get("/organisation").await;
    assert!(organisation.body.contains("/organisation/api-clients"));

    let page = browser.get("/organisation/api-clients").await;
    page.assert_status(StatusCode::OK);
    // Nothing chosen: the form comes back with each field's message.
    let refused = browser
        .submit(&page, "/organisation/api-clients", &[("name", " ")])
        .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.texts("#name-error").len(), 1);
    assert_eq!(refused.texts("#scopes-error").len(), 1);

    let created = browser
        .submit(
            &page,
            "/organisation/api-clients",
            &[
                ("name", "Grants system"),
                ("scopes", "offers:read"),
                ("scopes", "offers:write"),
            ],
        )
        .await;
    created.assert_status(StatusCode::OK);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let (client_id, secret) = shown_secret(&created);
    assert!(secret.starts_with("chs_"));
    assert_eq!(
        token_status(&app, &client_id, &secret).await,
        StatusCode::OK
    );

    // The list names it, and never shows the secret again.
    let listed = browser.get("/organisation/api-clients").await;
    assert!(listed.body.contains("Grants system"));
    assert!(listed.body.contains(&client_id));
    assert!(listed.body.contains("offers:read offers:write"));
    assert!(!listed.body.contains(&secret));
    let api: Value = admin
        .get(&admin.organisation_path("api-clients"))
        .await
        .body;
    assert_eq!(api["items"][0]["name"], "Grants system");

    let rotate = format!("/organisation/api-clients/{client_id}/rotate");
    let rotated = browser.submit(&listed, &rotate, &[]).await;
    rotated.assert_status(StatusCode::OK);
    let (_, new_secret) = shown_secret(&rotated);
    assert_ne!(new_secret, secret);
    assert_eq!(
        token_status(&app, &client_id, &secret).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        token_status(&app, &client_id, &new_secret).await,
        StatusCode::OK
    );

    // Revoking asks first; the GET changes nothing.
    let revoke = format!("/organisation/api-clients/{client_id}/revoke");
    let confirm = browser.get(&revoke).await;
    confirm.assert_status(StatusCode::OK);
    assert_eq!(
        token_status(&app, &client_id, &new_secret).await,
        StatusCode::OK
    );
    // Without the form's token, nothing happens.
    browser
        .post(&revoke, &[])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(
        token_status(&app, &client_id, &new_secret).await,
        StatusCode::OK
    );
    let done = browser.submit_and_follow(&confirm, &revoke, &[]).await;
    done.assert_status(StatusCode::OK);
    assert!(done.body.contains("The client is revoked"));
    assert_eq!(
        token_status(&app, &client_id, &new_secret).await,
        StatusCode::UNAUTHORIZED
    );
}

/// The page follows the API's rule: a member of the organisation is refused, and a forged
/// form with an unknown scope creates nothing.
pub async fn the_api_clients_page_is_for_org_admins_only(app: TestApp) {
    let admin = app.verified_org("hospital", "KE").await;
    let member = app.add_member(&admin.account.organisation_id).await;
    let browser = Browser::signed_in(&app, &member.account).await;
    browser
        .get("/organisation/api-clients")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let organisation = browser.get("/organisation").await;
    assert!(!organisation.body.contains("/organisation/api-clients"));

    let admin_browser = Browser::signed_in(&app, &admin.account).await;
    let page = admin_browser.get("/organisation/api-clients").await;
    // Posting the member's way (their own session's token) is refused the same.
    let member_page = browser.get("/organisation").await;
    let hidden = member_page.hidden_fields("/organisation/notifications");
    let csrf = hidden
        .iter()
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.as_str())
        .expect("the member's form token");
    browser
        .post(
            "/organisation/api-clients",
            &[("csrf", csrf), ("name", "x"), ("scopes", "needs:read")],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    admin_browser
        .submit(
            &page,
            "/organisation/api-clients",
            &[("name", "x"), ("scopes", "everything")],
        )
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    let listed: Value = admin
        .get(&admin.organisation_path("api-clients"))
        .await
        .body;
    assert_eq!(listed["items"], serde_json::json!([]));
}
