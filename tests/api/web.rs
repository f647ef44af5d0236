//! The web application over HTTP, as a browser meets it: every page in the layout, the
//! account journeys through their forms and email links, sessions that sign-out and a
//! password reset end, CSRF and open-redirect refusals, security headers, field errors.

use std::time::Duration;

use reqwest::StatusCode;

use crate::browser::{Browser, Page};
use crate::email::app_with;
use crate::harness::eventually;
use crate::harness::{Account, TestApp, PASSWORD};
use crate::smtp_sink::Email;

const WAIT: Duration = Duration::from_secs(20);

/// The email to `address` whose subject has `subject`, from the mail folder.
pub(crate) async fn email_to(app: &TestApp, address: &str, subject: &str) -> Email {
    let folder = app.data_dir.path().join("mail");
    eventually(&format!("an email to {address}"), WAIT, || {
        let folder = folder.clone();
        async move {
            std::fs::read_dir(&folder)
                .ok()?
                .filter_map(Result::ok)
                .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                .map(|raw| Email::parse(&raw))
                .find(|email| {
                    email.header("to").is_some_and(|to| to.contains(address))
                        && email
                            .header("subject")
                            .is_some_and(|found| found.contains(subject))
                })
        }
    })
    .await
}

/// Signs `account` in through the sign-in page; returns the answer to the form.
async fn sign_in(browser: &Browser, email: &str, password: &str, next: Option<&str>) -> Page {
    let path = match next {
        Some(next) => format!("/sign-in?next={}", urlencode(next)),
        None => "/sign-in".to_owned(),
    };
    let page = browser.get(&path).await;
    page.assert_status(StatusCode::OK);
    browser
        .submit(
            &page,
            "/sign-in",
            &[("email", email), ("password", password)],
        )
        .await
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

async fn signed_in(app: &TestApp, account: &Account) -> Browser {
    let browser = Browser::new(app);
    let answer = sign_in(&browser, &account.email, PASSWORD, None).await;
    answer.assert_status(StatusCode::SEE_OTHER);
    browser
}

/// The parts every page has: `lang`, the skip link to `main`, the header's navigation, the
/// footer, and the stylesheet.
fn assert_layout(page: &Page) {
    let html = page.html();
    let one = |selector: &str| {
        let parsed = scraper::Selector::parse(selector).unwrap();
        assert!(
            html.select(&parsed).next().is_some(),
            "{selector} missing in {}",
            page.body
        );
    };
    one("html[lang=en]");
    one("a.skip-link[href='#main']");
    one("header nav a");
    one("main#main");
    one("footer");
    one("link[rel=stylesheet][href^='/static/site.']");
    assert!(page
        .header("content-type")
        .is_some_and(|value| value.starts_with("text/html")));
}

fn assert_security_headers(page: &Page) {
    let csp = page.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert!(page.header("referrer-policy").is_some());
}

pub async fn every_page_answers_in_the_layout_and_stays_light(app: TestApp) {
    let account = app.register("hospital", "KE").await;
    let anonymous = Browser::new(&app);
    let member = signed_in(&app, &account).await;
    let stylesheet_path = anonymous
        .get("/")
        .await
        .attribute("link[rel=stylesheet]", "href")
        .expect("a stylesheet link");
    let stylesheet = anonymous.get(&stylesheet_path).await;
    stylesheet.assert_status(StatusCode::OK);
    assert!(stylesheet
        .header("cache-control")
        .is_some_and(|value| value.contains("immutable")));
    assert!(stylesheet
        .header("content-type")
        .is_some_and(|value| value.starts_with("text/css")));

    let pages = [
        "/",
        "/sign-in",
        "/register",
        "/register/check-email",
        "/password-reset",
        "/password-reset/sent",
        "/password-reset?token=from-an-email",
        "/verify-email?token=from-an-email",
        "/invitations/accept?token=from-an-email",
        "/unsubscribe?token=from-an-email",
        "/needs/reconfirm?token=from-an-email",
        "/matches/report?token=from-an-email",
        "/verify-email/done",
        "/password-reset/done",
        "/invitations/accepted",
        "/needs/reconfirm/done",
        "/matches/report/done",
    ];
    for path in pages {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert_layout(&page);
        assert_security_headers(&page);
        let weight = page.body.len() + stylesheet.body.len();
        assert!(weight < 100 * 1024, "{path} weighs {weight} bytes");
        if path.contains("token=") {
            assert_eq!(
                page.header("referrer-policy"),
                Some("no-referrer"),
                "{path}"
            );
        } else {
            assert_eq!(
                page.header("referrer-policy"),
                Some("same-origin"),
                "{path}"
            );
        }
    }
    // A link without its token says so.
    let incomplete = anonymous.get("/verify-email").await;
    incomplete.assert_status(StatusCode::BAD_REQUEST);
    assert_layout(&incomplete);

    for path in ["/", "/organisation"] {
        let page = member.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert_layout(&page);
        assert_security_headers(&page);
        assert!(page.body.len() + stylesheet.body.len() < 100 * 1024);
        assert_eq!(page.texts("header form button"), ["Sign out"], "{path}");
        assert!(page.texts("header nav a").contains(&"My needs".to_owned()));
    }
    // Signed out, the header offers the ways in.
    let home = anonymous.get("/").await;
    assert!(home.texts("header nav a").contains(&"Sign in".to_owned()));
    assert!(home.texts("header nav a").contains(&"Register".to_owned()));
    assert_eq!(home.value_of("form[action='/needs'] input[name=q]"), None);
    assert!(home.body.contains("action=\"/needs\""));
    // No HSTS over a plain-http public URL.
    assert!(home.header("strict-transport-security").is_none());
}

pub async fn a_person_registers_confirms_the_email_and_signs_in(app: TestApp) {
    let app = app_with(app, None, &[]).await;
    let browser = Browser::new(&app);
    let form = browser.get("/register").await;
    form.assert_status(StatusCode::OK);
    assert!(form
        .texts("select#organisation_country option")
        .contains(&"Kenya".to_owned()));
    assert!(
        form.texts("#organisation_kind-hint").len() == 1,
        "the kind has a hint"
    );
    let email = format!("it-lead-{}@hospital.example", uuid::Uuid::new_v4().simple());
    let answer = browser
        .submit(
            &form,
            "/register",
            &[
                ("organisation_name", "Kisumu County Hospital"),
                ("organisation_kind", "hospital"),
                ("organisation_country", "KE"),
                ("name", "Achieng Otieno"),
                ("email", &email),
                ("password", PASSWORD),
            ],
        )
        .await;
    answer.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), Some("/register/check-email"));
    let check = browser.follow(answer).await;
    assert!(check.body.contains("Check your email"));

    let verification = email_to(&app, &email, "Confirm").await;
    let link = verification
        .link(&format!("{}/verify-email?token=", app.base_url))
        .expect("a link to the verify page");
    let page = browser.get(&link).await;
    page.assert_status(StatusCode::OK);
    let done = browser.submit_and_follow(&page, "/verify-email", &[]).await;
    done.assert_status(StatusCode::OK);
    assert!(done.body.contains("is confirmed"));

    let signed_in = sign_in(&browser, &email, PASSWORD, None).await;
    signed_in.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(signed_in.location(), Some("/"));
    let cookie = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("session="))
        .expect("a session cookie")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let value = browser.cookie("session").unwrap();
    assert!(value.len() >= 43, "256 random bits: {value}");

    let organisation = browser.get("/organisation").await;
    organisation.assert_status(StatusCode::OK);
    assert_eq!(organisation.texts("h1"), ["Kisumu County Hospital"]);
    assert!(organisation.body.contains("Not verified yet"));
    assert!(organisation.body.contains("Hospital or clinic"));
    assert!(organisation.body.contains("Kenya"));
    assert!(organisation.texts("table td").contains(&email));
    // The API agrees: the address is verified.
    let session = app
        .sign_in(&Account {
            email: email.clone(),
            user_id: String::new(),
            organisation_id: String::new(),
        })
        .await;
    assert_eq!(
        app.get("/api/v1/me", session.token()).await.body["email_verified"],
        true
    );
}

pub async fn wrong_password_and_unknown_account_get_the_same_page(app: TestApp) {
    let account = app.register("ngo", "GH").await;
    let browser = Browser::new(&app);
    let wrong = sign_in(&browser, &account.email, "not the password at all", None).await;
    let unknown = sign_in(&browser, "nobody@nowhere.example", PASSWORD, None).await;
    wrong.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    unknown.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong.texts(".error-summary"),
        unknown.texts(".error-summary")
    );
    assert_eq!(
        wrong.texts(".error-message"),
        unknown.texts(".error-message")
    );
    assert!(browser.cookie("session").is_none());
    // The email is kept, the password never.
    assert_eq!(
        wrong.value_of("input[name=email]").as_deref(),
        Some(account.email.as_str())
    );
    assert_eq!(wrong.value_of("input[name=password]"), None);
}

pub async fn signing_out_ends_the_session(app: TestApp) {
    let account = app.register("hospital", "UG").await;
    let browser = signed_in(&app, &account).await;
    let value = browser.cookie("session").expect("signed in");
    let home = browser.get("/").await;
    let out = browser.submit(&home, "/sign-out", &[]).await;
    out.assert_status(StatusCode::SEE_OTHER);
    assert!(
        browser.cookie("session").is_none(),
        "the browser forgets it"
    );
    // The old cookie, replayed, signs nobody in.
    let replay = Browser::new(&app);
    replay.set_cookie("session", &value);
    let page = replay.get("/organisation").await;
    page.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/sign-in?next=%2Forganisation"));
    // A form sent after the session ended changes nothing and leads to sign-in, then home
    // (a form's target is not a page to come back to).
    let late = replay
        .post(
            "/organisation/invitations",
            &[("email", "late@example.org"), ("role", "member")],
        )
        .await;
    late.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(late.location(), Some("/sign-in?next=%2F"));
}

pub async fn a_password_reset_ends_every_web_session(app: TestApp) {
    let app = app_with(app, None, &[]).await;
    let account = app.register("ministry", "RW").await;
    let elsewhere = signed_in(&app, &account).await;
    elsewhere
        .get("/organisation")
        .await
        .assert_status(StatusCode::OK);

    let browser = Browser::new(&app);
    let form = browser.get("/password-reset").await;
    let sent = browser
        .submit_and_follow(&form, "/password-reset", &[("email", &account.email)])
        .await;
    sent.assert_status(StatusCode::OK);
    assert!(sent.body.contains("Check your email"));
    let reset = email_to(&app, &account.email, "Reset").await;
    let link = reset
        .link(&format!("{}/password-reset?token=", app.base_url))
        .expect("a reset link");
    let page = browser.get(&link).await;
    page.assert_status(StatusCode::OK);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    let short = browser
        .submit(&page, "/password-reset", &[("new_password", "short")])
        .await;
    short.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        short.texts(".error-summary a"),
        ["Enter a password of 12 to 128 characters."]
    );
    let new_password = "a brand new passphrase";
    let done = browser
        .submit_and_follow(&short, "/password-reset", &[("new_password", new_password)])
        .await;
    done.assert_status(StatusCode::OK);
    assert!(done.body.contains("signed out everywhere"));

    let page = elsewhere.get("/organisation").await;
    page.assert_status(StatusCode::SEE_OTHER);
    sign_in(&browser, &account.email, new_password, None)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

pub async fn forms_without_the_right_csrf_token_change_nothing(app: TestApp) {
    let browser = Browser::new(&app);
    let form = browser.get("/register").await;
    let email = format!("csrf-{}@ngo.example", uuid::Uuid::new_v4().simple());
    let fields = [
        ("organisation_name", "A careful NGO"),
        ("organisation_kind", "ngo"),
        ("organisation_country", "SN"),
        ("name", "Awa Ndiaye"),
        ("email", email.as_str()),
        ("password", PASSWORD),
    ];
    let csrf = form.value_of("input[name=csrf]").expect("a CSRF field");
    let missing = browser.post("/register", &fields).await;
    let mut wrong_fields = fields.to_vec();
    wrong_fields.push(("csrf", "forged"));
    let wrong = browser.post("/register", &wrong_fields).await;
    let mut right_fields = fields.to_vec();
    right_fields.push(("csrf", csrf.as_str()));
    let cross_site = browser
        .post_with(
            "/register",
            &right_fields,
            &[("origin", "https://evil.example")],
        )
        .await;
    let fetch_cross_site = browser
        .post_with(
            "/register",
            &right_fields,
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    for refused in [&missing, &wrong, &cross_site, &fetch_cross_site] {
        refused.assert_status(StatusCode::FORBIDDEN);
        assert_layout(refused);
        assert!(refused.body.contains("Nothing was changed"));
    }
    // A cookie from another visitor does not help either.
    let other = Browser::new(&app);
    other.get("/register").await;
    let borrowed = other.post("/register", &right_fields).await;
    borrowed.assert_status(StatusCode::FORBIDDEN);
    // Nothing was registered: the address is still free.
    let api = app
        .register_with(
            &serde_json::json!({"email": email, "password": PASSWORD, "name": "Awa",
                "organisation": {"name": "A careful NGO", "kind": "ngo", "country": "SN"}}),
        )
        .await;
    api.assert_status(StatusCode::CREATED);

    // Signed in, the token is the session's: an old signed-out token no longer works.
    let account = app.register("hospital", "TZ").await;
    let member = signed_in(&app, &account).await;
    let organisation = member.get("/organisation").await;
    let forged = member
        .post(
            "/organisation/notifications",
            &[("csrf", csrf.as_str()), ("mode_match_proposed", "off")],
        )
        .await;
    forged.assert_status(StatusCode::FORBIDDEN);
    let session = app.sign_in(&account).await;
    let preferences = app
        .get("/api/v1/me/notification-preferences", session.token())
        .await;
    assert_eq!(
        preferences.body["preferences"]["match_proposed"],
        "immediate"
    );
    // With the page's own token, the same form works.
    let saved = member
        .submit_and_follow(
            &organisation,
            "/organisation/notifications",
            &[("mode_match_proposed", "off"), ("mode_digest_typo", "off")],
        )
        .await;
    saved.assert_status(StatusCode::BAD_REQUEST);
    let saved = member
        .submit_and_follow(
            &organisation,
            "/organisation/notifications",
            &[
                ("mode_match_proposed", "off"),
                ("mode_match_updated", "daily"),
            ],
        )
        .await;
    saved.assert_status(StatusCode::OK);
    assert!(saved.body.contains("Your choices are saved"));
    let preferences = app
        .get("/api/v1/me/notification-preferences", session.token())
        .await;
    assert_eq!(preferences.body["preferences"]["match_proposed"], "off");
    assert_eq!(preferences.body["preferences"]["match_updated"], "daily");
}

pub async fn sign_in_returns_only_to_local_paths(app: TestApp) {
    let account = app.register("company", "IN").await;
    let browser = Browser::new(&app);
    let sent_away = browser.get("/organisation").await;
    sent_away.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(sent_away.location(), Some("/sign-in?next=%2Forganisation"));
    let page = browser.get(sent_away.location().unwrap()).await;
    assert_eq!(
        page.value_of("input[name=next]").as_deref(),
        Some("/organisation")
    );
    let back = browser
        .submit(
            &page,
            "/sign-in",
            &[("email", &account.email), ("password", PASSWORD)],
        )
        .await;
    back.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(back.location(), Some("/organisation"));

    for foreign in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let answer = sign_in(&Browser::new(&app), &account.email, PASSWORD, Some(foreign)).await;
        answer.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(answer.location(), Some("/"), "{foreign}");
        // Even a hand-made form is not followed off the site.
        let browser = Browser::new(&app);
        let page = browser.get("/sign-in").await;
        let csrf = page.value_of("input[name=csrf]").unwrap();
        let answer = browser
            .post(
                "/sign-in",
                &[
                    ("csrf", &csrf),
                    ("email", &account.email),
                    ("password", PASSWORD),
                    ("next", foreign),
                ],
            )
            .await;
        assert_eq!(answer.location(), Some("/"), "{foreign}");
    }
}

pub async fn bearer_tokens_never_open_pages_and_cookies_never_open_the_api(app: TestApp) {
    let account = app.register("donor", "DE").await;
    let session = app.sign_in(&account).await;
    let bearer = format!("Bearer {}", session.token().unwrap());
    let page = Browser::new(&app)
        .get_with("/organisation", &[("authorization", &bearer)])
        .await;
    page.assert_status(StatusCode::SEE_OTHER);
    assert!(page.location().unwrap().starts_with("/sign-in"));

    let browser = signed_in(&app, &account).await;
    let me = browser.get("/api/v1/me").await;
    me.assert_status(StatusCode::UNAUTHORIZED);
    assert!(me
        .header("content-type")
        .is_some_and(|value| value.starts_with("application/problem+json")));
}

pub async fn refused_fields_are_shown_beside_their_inputs_with_the_input_kept(app: TestApp) {
    let browser = Browser::new(&app);
    let form = browser.get("/register").await;
    let refused = browser
        .submit(
            &form,
            "/register",
            &[
                ("organisation_name", "Mulago Hospital"),
                ("organisation_country", "UG"),
                ("name", "Sarah Nakato"),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_layout(&refused);
    let summary_links: Vec<String> = {
        let html = refused.html();
        let links = scraper::Selector::parse(".error-summary a").unwrap();
        html.select(&links)
            .filter_map(|link| link.value().attr("href").map(str::to_owned))
            .collect()
    };
    for field in ["#email", "#password", "#organisation_kind"] {
        assert!(
            summary_links.contains(&field.to_owned()),
            "{field}: {summary_links:?}"
        );
    }
    assert_eq!(
        refused.texts("#email-error"),
        ["Error: Enter an email address like name@example.org."]
    );
    assert_eq!(refused.texts("#password-error").len(), 1);
    assert_eq!(refused.texts("#organisation_kind-error").len(), 1);
    assert!(refused.texts("#organisation_name-error").is_empty());
    assert_eq!(
        refused.value_of("input[name=organisation_name]").as_deref(),
        Some("Mulago Hospital")
    );
    assert_eq!(
        refused.value_of("input[name=email]").as_deref(),
        Some("not-an-email")
    );
    assert_eq!(refused.value_of("input[name=password]"), None);
    assert!(refused.body.contains("<option value=\"UG\" selected>"));
    // The error is tied to its input for screen readers.
    assert!(refused
        .body
        .contains("aria-describedby=\"email-hint email-error\""));
    // Nothing was created.
    let browser_again = Browser::new(&app);
    let refused_login = sign_in(&browser_again, "not-an-email", "short", None).await;
    refused_login.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
}

pub async fn unknown_paths_get_the_not_found_page_and_the_api_keeps_problems(app: TestApp) {
    let browser = Browser::new(&app);
    let page = browser.get("/no/such/page").await;
    page.assert_status(StatusCode::NOT_FOUND);
    assert_layout(&page);
    assert_security_headers(&page);
    assert_eq!(page.texts("h1"), ["Page not found"]);
    let api = browser.get("/api/v1/no/such/thing").await;
    api.assert_status(StatusCode::NOT_FOUND);
    assert!(api
        .header("content-type")
        .is_some_and(|value| value.starts_with("application/problem+json")));
    let wrong_method = browser.post("/health", &[]).await;
    wrong_method.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method
        .header("content-type")
        .unwrap()
        .starts_with("application/problem+json"));
}

pub async fn an_org_admin_invites_a_colleague_who_joins_through_the_link(app: TestApp) {
    let app = app_with(app, None, &[]).await;
    let account = app.register_confirmed("health_agency", "NG").await;
    app.coordinator()
        .await
        .verify(&account)
        .await
        .assert_status(StatusCode::OK);
    let admin = signed_in(&app, &account).await;
    let page = admin.get("/organisation").await;
    let colleague = format!("colleague-{}@agency.example", uuid::Uuid::new_v4().simple());
    let bad = admin
        .submit(
            &page,
            "/organisation/invitations",
            &[("email", "nope"), ("role", "member")],
        )
        .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.value_of("input[name=email]").as_deref(), Some("nope"));
    assert_eq!(bad.texts("#email-error").len(), 1);
    let sent = admin
        .submit_and_follow(
            &page,
            "/organisation/invitations",
            &[("email", &colleague), ("role", "member")],
        )
        .await;
    sent.assert_status(StatusCode::OK);
    assert!(sent.body.contains("The invitation is sent"));

    let invitation = email_to(&app, &colleague, "").await;
    let link = invitation
        .link(&format!("{}/invitations/accept?token=", app.base_url))
        .expect("an invitation link");
    let newcomer = Browser::new(&app);
    let form = newcomer.get(&link).await;
    form.assert_status(StatusCode::OK);
    let joined = newcomer
        .submit_and_follow(
            &form,
            "/invitations/accept",
            &[("name", "Chidi Okafor"), ("password", PASSWORD)],
        )
        .await;
    joined.assert_status(StatusCode::OK);
    assert!(joined.body.contains("Your account is ready"));
    sign_in(&newcomer, &colleague, PASSWORD, None)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // A member sees the organisation, not its members or the invitation form.
    let seen = newcomer.get("/organisation").await;
    seen.assert_status(StatusCode::OK);
    assert!(!seen.body.contains("/organisation/invitations"));
    // Their own notification preferences are theirs to set.
    newcomer
        .submit(&seen, "/organisation/notifications", &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let refused = {
        let csrf = seen.value_of("input[name=csrf]").unwrap();
        newcomer
            .post(
                "/organisation/invitations",
                &[
                    ("csrf", &csrf),
                    ("email", "x@y.example"),
                    ("role", "member"),
                ],
            )
            .await
    };
    refused.assert_status(StatusCode::FORBIDDEN);
    assert_layout(&refused);
    // The admin's page lists both.
    let members = admin.get("/organisation").await;
    assert!(members.texts("table td").contains(&colleague));
}

pub async fn an_https_public_url_gets_host_cookies_and_hsts(app: TestApp) {
    let app = TestApp::spawn_with(
        app.engine,
        &[("public_url", "https://clearinghouse.example/")],
    )
    .await;
    let account = app.register("academia", "BR").await;
    let browser = Browser::new(&app);
    let page = browser.get("/sign-in").await;
    assert!(page
        .header("strict-transport-security")
        .is_some_and(|value| value.contains("max-age=")));
    let csrf_cookie = page.header("set-cookie").expect("a CSRF cookie").to_owned();
    assert!(csrf_cookie.starts_with("__Host-csrf=") && csrf_cookie.contains("Secure"));
    let answer = browser
        .submit(
            &page,
            "/sign-in",
            &[("email", &account.email), ("password", PASSWORD)],
        )
        .await;
    answer.assert_status(StatusCode::SEE_OTHER);
    let cookie = answer.header("set-cookie").expect("a session cookie");
    assert!(cookie.starts_with("__Host-session="), "{cookie}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
}

/// Moves every session of the test database back in time, as if it had idled or aged.
fn age_sessions(app: &TestApp, idle_for: chrono::Duration, expired: bool) {
    use clearinghouse::db::schema::web_sessions;
    use diesel::prelude::*;
    let now = chrono::Utc::now().naive_utc();
    app.database()
        .write_blocking(move |conn| {
            clearinghouse::dispatch!(conn, |c| diesel::update(web_sessions::table)
                .set(web_sessions::last_seen_at.eq(now - idle_for))
                .execute(c))?;
            if expired {
                clearinghouse::dispatch!(conn, |c| diesel::update(web_sessions::table)
                    .set(web_sessions::expires_at.eq(now - chrono::Duration::minutes(1)))
                    .execute(c))?;
            }
            Ok::<_, clearinghouse::db::StoreError>(())
        })
        .unwrap();
}

pub async fn sessions_end_when_idle_or_too_old(app: TestApp) {
    let account = app.register("hospital", "ZM").await;
    let browser = signed_in(&app, &account).await;
    // Used almost two hours ago: still live, and this use is recorded (at most once a
    // minute), which keeps it from idling out.
    age_sessions(&app, chrono::Duration::minutes(119), false);
    browser
        .get("/organisation")
        .await
        .assert_status(StatusCode::OK);
    let last_seen = {
        use clearinghouse::db::schema::web_sessions;
        use diesel::prelude::*;
        app.database()
            .read_blocking(|conn| {
                clearinghouse::dispatch!(conn, |c| web_sessions::table
                    .select(web_sessions::last_seen_at)
                    .first::<chrono::NaiveDateTime>(c))
                .map_err(clearinghouse::db::StoreError::from)
            })
            .unwrap()
    };
    assert!(
        chrono::Utc::now().naive_utc() - last_seen < chrono::Duration::minutes(1),
        "last seen {last_seen}"
    );
    // Idle past the default two hours: gone.
    age_sessions(&app, chrono::Duration::minutes(121), false);
    browser
        .get("/organisation")
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // Busy, but past its absolute expiry: gone too.
    let browser = signed_in(&app, &account).await;
    browser
        .get("/organisation")
        .await
        .assert_status(StatusCode::OK);
    age_sessions(&app, chrono::Duration::zero(), true);
    browser
        .get("/organisation")
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

pub async fn sign_in_shares_the_api_rate_limit_per_account(app: TestApp) {
    let app = TestApp::spawn_with(app.engine, &[("rate_limits.login_per_account", "2")]).await;
    let account = app.register("ngo", "KE").await;
    let browser = Browser::new(&app);
    for _ in 0..2 {
        sign_in(&browser, &account.email, "a wrong password", None)
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let limited = sign_in(&browser, &account.email, PASSWORD, None).await;
    limited.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_layout(&limited);
    assert!(limited.header("retry-after").is_some());
    // The API counts the same attempts.
    app.login(&account.email, PASSWORD)
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    // A page address that is not well formed is a page too, not a problem document.
    let bad_query = browser.get("/sign-in?next=a&next=b").await;
    bad_query.assert_status(StatusCode::BAD_REQUEST);
    assert_layout(&bad_query);
}
