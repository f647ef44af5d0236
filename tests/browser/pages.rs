//! The pages that exist today, as a person meets them from an email's link. The whole story
//! (register, confirm, post, verify, match, report) comes when its pages do.

use crate::chromium::Browser;
use crate::harness::TestApp;

/// After `button` was pressed on a link whose token is dead: the page says so, and offers
/// no second try.
async fn assert_dead_link_refused(browser: &Browser, button: &str) {
    let text = browser.text().await;
    assert!(text.contains("does not work any more"), "{text}");
    assert!(
        !browser.has_button(button).await,
        "a dead link offers no second try: {text}"
    );
}

pub async fn the_email_confirmation_page_refuses_a_bad_link_accessibly(
    app: TestApp,
    browser: Browser,
) {
    browser.open(&app.url("/verify-email?token=x")).await;
    browser.step("confirmation-page").await;
    let text = browser.text().await;
    assert!(text.contains("Confirm your email address"), "{text}");

    browser.press("Confirm my email address").await;
    browser.step("bad-link-refused").await;
    assert_dead_link_refused(&browser, "Confirm my email address").await;
}

pub async fn the_password_reset_page_is_filled_in_by_its_label(app: TestApp, browser: Browser) {
    browser.open(&app.url("/password-reset?token=x")).await;
    browser.step("reset-page").await;

    browser
        .fill("New password", "a long enough new password")
        .await;
    browser.screenshot("password-typed").await;
    browser.press("Set my new password").await;
    browser.step("bad-link-refused").await;
    assert_dead_link_refused(&browser, "Set my new password").await;
}
