//! The whole story in a browser, as the people it is for would walk it, by labels and
//! buttons only: a hospital registers and confirms its address from the `.eml` file's link,
//! then posts a need; an NGO does the same and posts an offer; a coordinator verifies both
//! organisations; both publish; the hospital proposes the match from its candidates; the
//! coordinator approves it; the NGO accepts; the hospital completes it and reports the
//! outcome. Every page it meets is checked with axe-core and photographed.

use std::time::{Duration, Instant};

use crate::chromium::Browser;
use crate::harness::{TestApp, PASSWORD};
use crate::smtp_sink::Email;

/// How long an email may take to reach the mail folder (the worker polls every 50 ms here).
const MAIL_WAIT: Duration = Duration::from_secs(20);

struct Person {
    organisation: &'static str,
    kind: &'static str,
    country: &'static str,
    name: &'static str,
    email: &'static str,
}

const HOSPITAL: Person = Person {
    organisation: "Kisumu County Referral Hospital",
    kind: "Hospital or clinic",
    country: "Kenya",
    name: "Achieng Otieno",
    email: "it-lead@kisumu-hospital.example",
};

const NGO: Person = Person {
    organisation: "Health Cyber Responders",
    kind: "Non-governmental organisation",
    country: "Kenya",
    name: "Brian Mwangi",
    email: "programmes@cyber-responders.example",
};

/// The email to `to` whose text links to `prefix`, read from the mail folder as a person on
/// the embedded default would open the `.eml` file.
async fn emailed_link(app: &TestApp, to: &str, prefix: &str) -> String {
    let folder = app.data_dir.path().join("mail");
    let prefix = app.url(prefix);
    let deadline = Instant::now() + MAIL_WAIT;
    loop {
        let found = std::fs::read_dir(&folder).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
                .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                .map(|raw| Email::parse(&raw))
                .filter(|email| email.header("to").is_some_and(|header| header.contains(to)))
                .find_map(|email| email.link(&prefix))
        });
        if let Some(link) = found {
            return link;
        }
        assert!(
            Instant::now() < deadline,
            "no email to {to} linking to {prefix} in {}",
            folder.display()
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn register_and_confirm(app: &TestApp, browser: &Browser, person: &Person, step: &str) {
    browser.open(&app.url("/")).await;
    browser.step(&format!("{step}-home")).await;
    browser.press_link("Register your organisation").await;
    browser.step(&format!("{step}-register")).await;
    browser.fill("Organisation name", person.organisation).await;
    browser.check(person.kind).await;
    browser.choose("Country", person.country).await;
    browser.fill("Your full name", person.name).await;
    browser.fill("Email address", person.email).await;
    browser.fill("Password", PASSWORD).await;
    browser.press("Register").await;
    browser.step(&format!("{step}-check-your-email")).await;
    assert!(browser.text().await.contains("Check your email"));

    let link = emailed_link(app, person.email, "/verify-email?token=").await;
    browser.open(&link).await;
    browser.step(&format!("{step}-confirm-email")).await;
    browser.press("Confirm my email address").await;
    browser.step(&format!("{step}-email-confirmed")).await;
    assert!(browser.text().await.contains("is confirmed"));
}

async fn sign_in(app: &TestApp, browser: &Browser, email: &str, step: &str) {
    browser.open(&app.url("/sign-in")).await;
    browser.fill("Email address", email).await;
    browser.fill("Password", PASSWORD).await;
    browser.press("Sign in").await;
    browser.step(&format!("{step}-signed-in")).await;
}

async fn sign_out(browser: &Browser) {
    browser.press("Sign out").await;
    // The header offers "Sign in" again once the signed-out page has loaded.
    browser.wait_for_text("Sign in").await;
}

/// The hospital's need, as its IT lead writes it in the form.
async fn post_the_need(app: &TestApp, browser: &Browser) {
    browser.open(&app.url("/needs")).await;
    browser.step("hospital-browses-needs").await;
    browser.press_link("Post a need").await;
    browser.step("hospital-need-form").await;
    browser
        .fill("Title", "Restore drills after a ransomware attack")
        .await;
    browser
        .fill(
            "Description",
            "Our backups were never tested. We need hands-on restore drills for 20 IT staff.",
        )
        .await;
    browser.check("Backup and recovery").await;
    browser.choose("Country", "Kenya").await;
    browser.check("English").await;
    browser.check("Remotely").await;
    browser.check("High").await;
    browser.fill("How much is needed", "20").await;
    let wanted_by = chrono::Utc::now().date_naive() + chrono::Duration::days(120);
    browser.fill_date("Wanted by", wanted_by).await;
    browser.check("Everyone").await;
    browser.screenshot("hospital-need-filled-in").await;
    browser.press("Save as a draft").await;
    browser.step("hospital-need-draft").await;
    assert!(browser
        .text()
        .await
        .contains("Restore drills after a ransomware attack"));
}

/// The NGO's offer, as its programme officer writes it.
async fn post_the_offer(app: &TestApp, browser: &Browser) {
    browser.open(&app.url("/offers")).await;
    browser.press_link("Post an offer").await;
    browser.step("ngo-offer-form").await;
    browser.check("Training").await;
    browser
        .fill("Title", "Restore drills for hospital IT teams")
        .await;
    browser
        .fill(
            "Description",
            "Three remote sessions in which hospital IT staff restore real systems from backup.",
        )
        .await;
    browser.check("Backup and recovery").await;
    browser.choose("Countries you serve", "Kenya").await;
    browser.check("English").await;
    browser.check("Remotely").await;
    browser.fill("Capacity", "30").await;
    browser.check("Everyone").await;
    browser.screenshot("ngo-offer-filled-in").await;
    browser.press("Save as a draft").await;
    browser.step("ngo-offer-draft").await;
    assert!(browser
        .text()
        .await
        .contains("Restore drills for hospital IT teams"));
}

/// Opens the organisation's own item from its "my ..." list and presses Publish.
async fn publish_own(app: &TestApp, browser: &Browser, mine: &str, title: &str, step: &str) {
    browser.open(&app.url(mine)).await;
    browser.step(&format!("{step}-mine")).await;
    browser.press_link(title).await;
    browser.press("Publish").await;
    browser.step(&format!("{step}-published")).await;
    assert!(
        browser.text().await.contains("Open"),
        "published: {}",
        browser.text().await
    );
}

const NEED_TITLE: &str = "Restore drills after a ransomware attack";
const OFFER_TITLE: &str = "Restore drills for hospital IT teams";

/// Opens the one match the person's organisation is a side of, from the "Matches" page.
async fn open_the_match(app: &TestApp, browser: &Browser, step: &str) {
    browser.open(&app.url("/")).await;
    browser.press_link("Matches").await;
    browser.step(&format!("{step}-matches")).await;
    browser.press_link(NEED_TITLE).await;
    browser.step(&format!("{step}-match")).await;
}

pub async fn people_walk_the_whole_story_from_registration_to_outcome(
    app: TestApp,
    browser: Browser,
) {
    // The worker delivers every 50 ms here, so that the story waits for its emails briefly.
    let app = TestApp::spawn_with(app.engine, &[("outbox.poll_interval_ms", "50")]).await;
    let coordinator = app.coordinator().await;

    // A hospital registers, confirms its address from the .eml file and posts a need.
    register_and_confirm(&app, &browser, &HOSPITAL, "hospital").await;
    sign_in(&app, &browser, HOSPITAL.email, "hospital").await;
    post_the_need(&app, &browser).await;
    browser.press("Publish").await;
    browser
        .step("hospital-publish-refused-while-unverified")
        .await;
    assert!(
        browser
            .text()
            .await
            .contains("has not verified your organisation"),
        "an unverified organisation cannot publish: {}",
        browser.text().await
    );
    sign_out(&browser).await;

    // An NGO does the same and posts an offer.
    register_and_confirm(&app, &browser, &NGO, "ngo").await;
    sign_in(&app, &browser, NGO.email, "ngo").await;
    post_the_offer(&app, &browser).await;
    sign_out(&browser).await;

    // A coordinator verifies both organisations from the queue.
    sign_in(&app, &browser, &coordinator.account.email, "coordinator").await;
    browser.press_link("Coordination").await;
    browser.step("coordinator-queue").await;
    browser
        .press(&format!("Verify {}", HOSPITAL.organisation))
        .await;
    browser.step("coordinator-verified-the-hospital").await;
    browser.press(&format!("Verify {}", NGO.organisation)).await;
    browser.step("coordinator-verified-the-ngo").await;
    assert!(
        !browser.text().await.contains(NGO.organisation),
        "nobody waits for verification any more"
    );
    sign_out(&browser).await;

    // Both publish; the hospital proposes the NGO's offer from its ranked candidates.
    sign_in(&app, &browser, NGO.email, "ngo-again").await;
    publish_own(&app, &browser, "/my/offers", OFFER_TITLE, "ngo").await;
    sign_out(&browser).await;
    sign_in(&app, &browser, HOSPITAL.email, "hospital-again").await;
    publish_own(&app, &browser, "/my/needs", NEED_TITLE, "hospital").await;
    browser
        .press_link("See the offers that could meet this need")
        .await;
    browser.step("hospital-candidates").await;
    let candidates = browser.text().await;
    assert!(candidates.contains(OFFER_TITLE), "{candidates}");
    assert!(candidates.contains("Why it fits"), "{candidates}");
    browser
        .fill(
            "A note for the coordinators (optional)",
            "Exactly what we asked for.",
        )
        .await;
    browser.press("Propose this match").await;
    browser.step("hospital-proposed").await;
    assert!(browser.text().await.contains("The match is proposed"));
    sign_out(&browser).await;

    // The coordinator approves it from the queue.
    sign_in(
        &app,
        &browser,
        &coordinator.account.email,
        "coordinator-again",
    )
    .await;
    browser.press_link("Coordination").await;
    browser.step("coordinator-queue-with-a-proposal").await;
    browser.press("Approve").await;
    browser.step("coordinator-approved").await;
    sign_out(&browser).await;

    // The NGO accepts (the hospital accepted by proposing): the work starts.
    sign_in(&app, &browser, NGO.email, "ngo-accepts").await;
    open_the_match(&app, &browser, "ngo").await;
    browser.press("Accept the match").await;
    browser.step("ngo-accepted").await;
    let active = browser.text().await;
    assert!(active.contains("Active"), "{active}");
    assert!(
        active.contains(HOSPITAL.organisation),
        "once active, the sides see each other: {active}"
    );

    // The NGO delivers and completes it; the hospital reports the outcome.
    browser.fill("How many were delivered?", "20").await;
    browser.check("5: it changed a lot").await;
    browser
        .fill(
            "What changed?",
            "All 20 staff restored a server from backup.",
        )
        .await;
    browser.press("Complete the match").await;
    browser.step("ngo-completed").await;
    assert!(browser.text().await.contains("The match is completed"));
    sign_out(&browser).await;

    sign_in(&app, &browser, HOSPITAL.email, "hospital-reports").await;
    open_the_match(&app, &browser, "hospital").await;
    browser.check("5: it changed a lot").await;
    browser
        .fill(
            "What changed?",
            "We restored our records system in four hours during a drill.",
        )
        .await;
    browser.press("Send the report").await;
    browser.step("hospital-reported").await;
    assert!(browser.text().await.contains("Your report is recorded"));

    // The need is fulfilled: its page says so.
    browser.open(&app.url("/my/needs")).await;
    browser.step("hospital-needs-at-the-end").await;
    assert!(
        browser.text().await.contains("Fulfilled"),
        "{}",
        browser.text().await
    );
}
