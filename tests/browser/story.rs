//! The whole story in a browser, as the people it is for would walk it, by labels and
//! buttons only: a hospital registers and confirms its address from the `.eml` file's link,
//! then posts a need; an NGO does the same and posts an offer; a coordinator verifies both
//! organisations; both publish; the hospital proposes the match from its candidates; the
//! coordinator approves it; the NGO accepts; the hospital completes it and reports the
//! outcome. Every page it meets is checked with axe-core and photographed.

use crate::chromium::Browser;
use crate::harness::{TestApp, PASSWORD};

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

/// The link to `prefix` (a path) in the email to `to`, read from the mail folder as a
/// person on the embedded default would open the `.eml` file.
async fn emailed_link(app: &TestApp, to: &str, prefix: &str) -> String {
    app.emailed_link(to, &app.url(prefix)).await
}

/// What a person does to one field of a form, found by its label.
enum Field<'a> {
    Fill(&'a str, &'a str),
    Date(&'a str, chrono::NaiveDate),
    Choose(&'a str, &'a str),
    Check(&'a str),
}
use Field::{Check, Choose, Date, Fill};

/// Fills in a form's `fields` in order, as a person goes down the page.
async fn fill_in(browser: &Browser, fields: &[Field<'_>]) {
    for field in fields {
        match *field {
            Fill(label, text) => browser.fill(label, text).await,
            Date(label, date) => browser.fill_date(label, date).await,
            Choose(label, option) => browser.choose(label, option).await,
            Check(label) => browser.check(label).await,
        }
    }
}

/// Opens the form behind `link` on the `list` page, fills in `fields` and saves the draft,
/// which then shows its `title`; each page is a step named after `step`.
async fn post_a_draft(
    app: &TestApp,
    browser: &Browser,
    (list, link, step): (&str, &str, &str),
    title: &str,
    fields: &[Field<'_>],
) {
    browser.open(&app.url(list)).await;
    browser.step(&format!("{step}-browses")).await;
    browser.press_link(link).await;
    browser.step(&format!("{step}-form")).await;
    fill_in(browser, fields).await;
    browser.screenshot(&format!("{step}-filled-in")).await;
    let draft = format!("{step}-draft");
    browser
        .press_and_see("Save as a draft", &draft, title)
        .await;
}

async fn register_and_confirm(app: &TestApp, browser: &Browser, person: &Person, step: &str) {
    browser.open(&app.url("/")).await;
    browser.step(&format!("{step}-home")).await;
    browser.press_link("Register your organisation").await;
    browser.step(&format!("{step}-register")).await;
    fill_in(
        browser,
        &[
            Fill("Organisation name", person.organisation),
            Check(person.kind),
            Choose("Country", person.country),
            Fill("Your full name", person.name),
            Fill("Email address", person.email),
            Fill("Password", PASSWORD),
        ],
    )
    .await;
    let check_your_email = format!("{step}-check-your-email");
    browser
        .press_and_see("Register", &check_your_email, "Check your email")
        .await;

    let link = emailed_link(app, person.email, "/verify-email?token=").await;
    browser.open(&link).await;
    browser.step(&format!("{step}-confirm-email")).await;
    let confirmed = format!("{step}-email-confirmed");
    browser
        .press_and_see("Confirm my email address", &confirmed, "is confirmed")
        .await;
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
    let wanted_by = chrono::Utc::now().date_naive() + chrono::Duration::days(120);
    let description =
        "Our backups were never tested. We need hands-on restore drills for 20 IT staff.";
    post_a_draft(
        app,
        browser,
        ("/needs", "Post a need", "hospital-need"),
        NEED_TITLE,
        &[
            Fill("Title", NEED_TITLE),
            Fill("Description", description),
            Check("Backup and recovery"),
            Choose("Country", "Kenya"),
            Check("English"),
            Check("Remotely"),
            Check("High"),
            Fill("How much is needed", "20"),
            Date("Wanted by", wanted_by),
            Check("Everyone"),
        ],
    )
    .await;
}

/// The NGO's offer, as its programme officer writes it.
async fn post_the_offer(app: &TestApp, browser: &Browser) {
    let description =
        "Three remote sessions in which hospital IT staff restore real systems from backup.";
    post_a_draft(
        app,
        browser,
        ("/offers", "Post an offer", "ngo-offer"),
        OFFER_TITLE,
        &[
            Check("Training"),
            Fill("Title", OFFER_TITLE),
            Fill("Description", description),
            Check("Backup and recovery"),
            Choose("Countries you serve", "Kenya"),
            Check("English"),
            Check("Remotely"),
            Fill("Capacity", "30"),
            Check("Everyone"),
        ],
    )
    .await;
}

/// Opens the organisation's own item from its "my ..." list and presses Publish.
async fn publish_own(app: &TestApp, browser: &Browser, mine: &str, title: &str, step: &str) {
    browser.open(&app.url(mine)).await;
    browser.step(&format!("{step}-mine")).await;
    browser.press_link(title).await;
    let published = format!("{step}-published");
    browser.press_and_see("Publish", &published, "Open").await;
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
    // An unverified organisation cannot publish.
    browser
        .press_and_see(
            "Publish",
            "hospital-publish-refused-while-unverified",
            "has not verified your organisation",
        )
        .await;
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
    browser
        .press_and_see(
            "Propose this match",
            "hospital-proposed",
            "The match is proposed",
        )
        .await;
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
    browser
        .press_and_see(
            "Complete the match",
            "ngo-completed",
            "The match is completed",
        )
        .await;
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
    browser
        .press_and_see(
            "Send the report",
            "hospital-reported",
            "Your report is recorded",
        )
        .await;

    // The need is fulfilled: its page says so.
    browser.open(&app.url("/my/needs")).await;
    browser.step("hospital-needs-at-the-end").await;
    assert!(
        browser.text().await.contains("Fulfilled"),
        "{}",
        browser.text().await
    );
}
