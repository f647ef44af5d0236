//! The browser helpers themselves, on pages written here: a check that cannot fail, or a
//! label that finds the wrong field, would make every page test worthless.

use crate::chromium::Browser;

/// A page as a `data:` address, so that these checks need no server.
fn page(html: &str) -> String {
    let mut url = "data:text/html;charset=utf-8,".to_owned();
    for byte in html.bytes() {
        if byte.is_ascii_alphanumeric() {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

pub async fn axe_fails_a_page_with_violations_naming_each(browser: Browser) {
    browser
        .open(&page(
            "<!DOCTYPE html><html><head><title>Bad</title></head>\
             <body><main><input id=name type=text></main></body></html>",
        ))
        .await;
    let message = browser.accessibility_violations().await.join("\n");
    for expected in ["html-has-lang", "label (critical)", "#name"] {
        assert!(message.contains(expected), "{expected} in: {message}");
    }
}

pub async fn fields_are_found_by_their_label_and_buttons_by_their_text(browser: Browser) {
    browser
        .open(&page(
            "<!DOCTYPE html><html lang=en><head><title>Form</title></head><body><main>\
             <form><label for=org>Organisation's name</label><input id=org>\
             <label>Country <input name=country></label>\
             <button type=button>Save</button><input type=submit value=Send></form>\
             </main></body></html>",
        ))
        .await;
    browser.assert_accessible().await;
    browser.fill("Organisation's name", "Hospital").await;
    browser.fill("Country", "KE").await;
    let organisation = browser.field("Organisation's name").await;
    assert_eq!(
        organisation.prop("value").await.unwrap().as_deref(),
        Some("Hospital")
    );
    let country = browser.field("Country").await;
    assert_eq!(
        country.attr("name").await.unwrap().as_deref(),
        Some("country")
    );
    assert_eq!(country.prop("value").await.unwrap().as_deref(), Some("KE"));
    assert!(browser.has_button("Save").await && browser.has_button("Send").await);
    assert!(!browser.has_button("Delete").await);
    let missing = browser.find_field("Email").await.err().unwrap_or_default();
    assert!(missing.contains("no label \"Email\""), "{missing}");
}
