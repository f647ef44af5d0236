//! The pages that exist today, as a person meets them from an email's link. The whole story
//! (register, confirm, post, verify, match, report) comes when its pages do.

use crate::chromium::Browser;
use crate::harness::TestApp;

pub async fn the_email_confirmation_page_refuses_a_bad_link_accessibly(
    app: TestApp,
    browser: Browser,
) {
    browser.open(&app.url("/verify-email?token=x")).await;
    browser.screenshot("confirmation-page").await;
    browser.assert_accessible().await;
    assert!(
        browser.text().await.contains("Confirm your email address"),
        "{}",
        browser.text().await
    );

    browser.press("Confirm my email address").await;
    browser.screenshot("bad-link-refused").await;
    browser.assert_accessible().await;
    assert!(
        browser.text().await.contains("invalid"),
        "{}",
        browser.text().await
    );
    assert!(
        !browser.has_button("Confirm my email address").await,
        "a dead link offers no second try: {}",
        browser.text().await
    );
}

pub async fn the_password_reset_page_is_filled_in_by_its_label(app: TestApp, browser: Browser) {
    browser.open(&app.url("/password-reset?token=x")).await;
    browser.screenshot("reset-page").await;
    browser.assert_accessible().await;

    browser
        .fill(
            "New password (12 to 128 characters)",
            "a long enough new password",
        )
        .await;
    browser.screenshot("password-typed").await;
    browser.press("Set my new password").await;
    browser.screenshot("bad-link-refused").await;
    browser.assert_accessible().await;
    assert!(
        browser.text().await.contains("invalid"),
        "{}",
        browser.text().await
    );
    assert!(
        !browser.has_button("Set my new password").await,
        "a dead link offers no second try: {}",
        browser.text().await
    );
}
