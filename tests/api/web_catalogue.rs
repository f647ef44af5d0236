//! The catalogue's pages over HTTP, as a browser meets them: browse lists and item pages
//! that show only what the visitor may see (anonymity included), filters, paging and bad
//! filters, the need and offer forms with their field errors, the lifecycle buttons and
//! their versions, candidates with their sentences, strangers and forged forms refused,
//! the home page's figures.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::browser::{Browser, Page};
use crate::harness::{assert_mentions, need_input, offer_input, with, Response, Session, TestApp};

fn id(item: &Value) -> &str {
    item["id"].as_str().expect("an id")
}

/// The titles of the cards a list page shows.
fn card_titles(page: &Page) -> Vec<String> {
    page.texts(".card-title a")
}

/// What every catalogue page must be: `lang`, light with its stylesheet, each id once, and
/// each label naming a control that exists.
async fn assert_light(browser: &Browser, page: &Page, path: &str) {
    let html = page.html();
    let with_id = scraper::Selector::parse("[id]").unwrap();
    let mut ids: Vec<&str> = html
        .select(&with_id)
        .filter_map(|element| element.value().attr("id"))
        .collect();
    ids.sort_unstable();
    let count = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), count, "{path} repeats an id");
    let labels = scraper::Selector::parse("label[for]").unwrap();
    for label in html.select(&labels) {
        let target = label.value().attr("for").unwrap_or_default();
        assert!(
            ids.binary_search(&target).is_ok(),
            "{path}: a label for a missing #{target}"
        );
    }
    let lang = scraper::Selector::parse("html[lang=en]").unwrap();
    assert!(html.select(&lang).next().is_some(), "{path} has no lang");
    let href = page
        .attribute("link[rel=stylesheet]", "href")
        .expect("a stylesheet");
    let css = browser.get(&href).await;
    let weight = page.body.len() + css.body.len();
    assert!(weight < 100 * 1024, "{path} weighs {weight} bytes");
}

fn the_need_form(title: &str) -> Vec<(&'static str, String)> {
    let wanted_by = (chrono::Utc::now().date_naive() + chrono::Duration::days(90)).to_string();
    vec![
        ("title", title.to_owned()),
        (
            "description",
            "Our three district hospitals need help to restore systems from backups after ransomware."
                .to_owned(),
        ),
        ("themes", "ransomware.backup_recovery".to_owned()),
        ("country", "KE".to_owned()),
        ("languages", "en".to_owned()),
        ("languages", "sw".to_owned()),
        ("other_languages", String::new()),
        ("delivery_modes", "remote".to_owned()),
        ("urgency", "high".to_owned()),
        ("quantity", "12".to_owned()),
        ("wanted_from", String::new()),
        ("wanted_by", wanted_by),
        ("budget_amount", "5,000".to_owned()),
        ("budget_currency", "usd".to_owned()),
        ("visibility", "public".to_owned()),
    ]
}

/// Submits `form`, a need form posting to `action`, filled in as `the_need_form(title)`.
async fn submit_need_form(browser: &Browser, form: &Page, action: &str, title: &str) -> Page {
    browser
        .submit(form, action, &fields(&the_need_form(title)))
        .await
}

fn fields<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

/// The need's state as the API tells its owner.
/// The needs `session`'s organisation holds as drafts, read through the API.
async fn drafts_of(session: &Session) -> Response {
    session
        .get(&format!(
            "/api/v1/needs?organisation={}&status=draft",
            session.account.organisation_id
        ))
        .await
}

async fn need_status(app: &TestApp, session: &Session, need_id: &str) -> Value {
    app.get(&format!("/api/v1/needs/{need_id}"), session.token())
        .await
        .body
        .clone()
}

pub async fn browse_lists_and_item_pages_show_only_what_the_visitor_may_see(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let public = hospital
        .publish_need(&with(
            need_input("Public anonymous need"),
            json!({"anonymous": true}),
        ))
        .await;
    let providers_only = hospital
        .publish_need(&with(
            need_input("Need for verified providers"),
            json!({"visibility": "verified_providers"}),
        ))
        .await;
    let coordinators_only = hospital
        .publish_need(&with(
            need_input("Need for coordinators only"),
            json!({"visibility": "coordinators"}),
        ))
        .await;
    let organisation_name = "A hospital in KE";

    let anonymous = Browser::new(&app);
    let list = anonymous.get("/needs").await;
    list.assert_status(StatusCode::OK);
    assert_eq!(card_titles(&list), ["Public anonymous need"]);
    assert!(list.body.contains("A hospital in Kenya"), "{}", list.body);
    assert!(!list.body.contains(organisation_name));
    assert_light(&anonymous, &list, "/needs").await;
    let page = anonymous.get(&format!("/needs/{}", id(&public))).await;
    page.assert_status(StatusCode::OK);
    assert!(page.body.contains("A hospital in Kenya"));
    assert!(!page.body.contains(organisation_name));
    assert!(page.texts("form button").iter().all(|b| b != "Publish"));
    assert_light(&anonymous, &page, "/needs/{id}").await;
    anonymous
        .get(&format!("/needs/{}", id(&providers_only)))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    let ngo = app.verified_org("ngo", "KE").await;
    let provider = Browser::signed_in(&app, &ngo.account).await;
    let list = provider.get("/needs").await;
    let mut titles = card_titles(&list);
    titles.sort();
    assert_eq!(
        titles,
        ["Need for verified providers", "Public anonymous need"]
    );
    let hidden = provider
        .get(&format!("/needs/{}", id(&coordinators_only)))
        .await;
    hidden.assert_status(StatusCode::NOT_FOUND);
    assert!(!hidden.body.contains("Need for coordinators only"));
    // The owner's name shows on the need that is not anonymous.
    let named = provider
        .get(&format!("/needs/{}", id(&providers_only)))
        .await;
    assert!(named.body.contains(organisation_name), "{}", named.body);

    let coordinator = app.coordinator().await;
    let secretariat = Browser::signed_in(&app, &coordinator.account).await;
    let list = secretariat.get("/needs").await;
    assert_eq!(card_titles(&list).len(), 3);
    let page = secretariat
        .get(&format!("/needs/{}", id(&coordinators_only)))
        .await;
    page.assert_status(StatusCode::OK);
    let page = secretariat.get(&format!("/needs/{}", id(&public))).await;
    assert!(
        page.body.contains(organisation_name),
        "coordinators see who"
    );

    // Offers list the same way.
    let offer = ngo
        .publish_offer(&offer_input("Backup drills for hospitals"))
        .await;
    let list = anonymous.get("/offers").await;
    assert_eq!(card_titles(&list), ["Backup drills for hospitals"]);
    let page = anonymous.get(&format!("/offers/{}", id(&offer))).await;
    page.assert_status(StatusCode::OK);
    assert!(page.body.contains("A ngo in KE"));
    assert_light(&anonymous, &page, "/offers/{id}").await;
    anonymous
        .get("/needs/not-an-id")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

pub async fn filters_page_by_cursor_and_bad_filters_are_422_pages(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    for index in 0..21 {
        let urgency = if index == 0 { "critical" } else { "low" };
        hospital
            .publish_need(&with(
                need_input(&format!("Need number {index}")),
                json!({"urgency": urgency}),
            ))
            .await;
    }
    hospital.publish_need(&with(
            need_input("Phishing drills in Uganda"),
            json!({"country": "UG", "themes": ["workforce.awareness"], "description": "Staff keep clicking on phishing links; we want regular drills."}),
        ),
    )
    .await;
    let browser = Browser::new(&app);

    let first = browser.get("/needs").await;
    first.assert_status(StatusCode::OK);
    assert_eq!(card_titles(&first).len(), 20);
    let next = first
        .attribute("a[rel=next]", "href")
        .expect("a next page link");
    assert_eq!(first.texts("a[rel=next]"), ["Next page"]);
    let second = browser.get(&next).await;
    second.assert_status(StatusCode::OK);
    assert_eq!(card_titles(&second).len(), 2);
    assert!(second.texts("a[rel=next]").is_empty());
    let mut seen: Vec<String> = card_titles(&first);
    seen.extend(card_titles(&second));
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 22, "no gaps, no repeats");

    let critical = browser.get("/needs?urgency=critical").await;
    assert_eq!(card_titles(&critical), ["Need number 0"]);
    let uganda = browser.get("/needs?country=UG&theme=workforce").await;
    assert_eq!(card_titles(&uganda), ["Phishing drills in Uganda"]);
    let searched = browser.get("/needs?q=phishing+drills").await;
    assert_eq!(card_titles(&searched), ["Phishing drills in Uganda"]);
    // The form keeps what was chosen.
    assert_eq!(
        uganda.value_of("#country option[selected]").as_deref(),
        Some("UG")
    );
    let sorted = browser.get("/needs?sort=urgency").await;
    assert_eq!(card_titles(&sorted)[0], "Need number 0");

    for (path, field) in [
        ("/needs?country=XX", "country"),
        ("/needs?theme=no.such.theme", "theme"),
        ("/needs?language=zz", "language"),
        ("/needs?urgency=extreme", "urgency"),
        ("/needs?sort=loudest", "sort"),
        ("/needs?q=%21%21%21", "q"),
        ("/offers?kind=magic", "kind"),
        ("/needs?cursor=garbage", "sort"),
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(
            page.texts(&format!("#{field}-error")).len(),
            1,
            "{path}: {}",
            page.body
        );
        assert_eq!(page.texts(".error-summary a").len(), 1, "{path}");
    }
}

pub async fn a_requester_posts_publishes_edits_and_withdraws_a_need_through_the_forms(
    app: TestApp,
) {
    let hospital = app.verified_org("hospital", "KE").await;
    let browser = Browser::signed_in(&app, &hospital.account).await;
    let form = browser.get("/needs/new").await;
    form.assert_status(StatusCode::OK);
    for label in ["Title", "Description", "How urgent is it?", "Wanted by"] {
        assert!(
            form.texts("label, legend").iter().any(|text| text == label),
            "no {label}"
        );
    }
    assert_light(&browser, &form, "/needs/new").await;

    // A missing title: the form again, the error beside the field, the input kept.
    let mut typed = the_need_form("");
    typed.retain(|(name, _)| *name != "urgency");
    let refused = browser.submit(&form, "/needs/new", &fields(&typed)).await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.texts("#title-error").len(), 1, "{}", refused.body);
    assert_eq!(refused.texts("#urgency-error").len(), 1);
    assert!(refused.texts(".error-summary a").len() >= 2);
    assert!(refused
        .texts("#description")
        .iter()
        .any(|text| text.contains("three district hospitals")));
    assert!(refused
        .html()
        .select(
            &scraper::Selector::parse("input[value='ransomware.backup_recovery'][checked]")
                .unwrap()
        )
        .next()
        .is_some());
    let mine = drafts_of(&hospital).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 0);

    let created = submit_need_form(&browser, &form, "/needs/new", "Backup recovery help").await;
    created.assert_status(StatusCode::SEE_OTHER);
    let location = created.location().unwrap().to_owned();
    let need_id = location.trim_start_matches("/needs/").to_owned();
    let page = browser.get(&location).await;
    page.assert_status(StatusCode::OK);
    assert!(page.body.contains("Backup recovery help"));
    assert!(page.body.contains("5,000 USD"), "{}", page.body);
    assert!(page.body.contains("Swahili"));
    let buttons = page.texts("form button[type=submit]");
    assert!(buttons.contains(&"Publish".to_owned()), "{buttons:?}");
    assert!(
        !buttons.contains(&"Close".to_owned()),
        "a draft cannot be closed"
    );

    // Publish by the button.
    let published = browser
        .submit(&page, &format!("/needs/{need_id}/publish"), &[])
        .await;
    published.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        need_status(&app, &hospital, &need_id).await["status"],
        "open"
    );

    // Two edit forms opened; the second saves; the first is stale and changes nothing.
    let edit = format!("/needs/{need_id}/edit");
    let stale = browser.get(&edit).await;
    stale.assert_status(StatusCode::OK);
    assert_eq!(
        stale.value_of("#title").as_deref(),
        Some("Backup recovery help")
    );
    let fresh = browser.get(&edit).await;
    let saved = submit_need_form(&browser, &fresh, &edit, "Backup recovery help, renamed").await;
    saved.assert_status(StatusCode::SEE_OTHER);
    let refused = submit_need_form(&browser, &stale, &edit, "An older title").await;
    refused.assert_status(StatusCode::CONFLICT);
    assert!(refused.body.contains("changed since you opened it"));
    assert_eq!(
        need_status(&app, &hospital, &need_id).await["title"],
        "Backup recovery help, renamed"
    );

    // A stale button changes nothing either.
    let old_page = page;
    let refused = browser
        .submit(&old_page, &format!("/needs/{need_id}/withdraw"), &[])
        .await;
    refused.assert_status(StatusCode::CONFLICT);
    assert!(refused.body.contains("changed since you opened it"));
    assert_eq!(
        need_status(&app, &hospital, &need_id).await["status"],
        "open"
    );

    let page = browser.get(&format!("/needs/{need_id}")).await;
    let withdrawn = browser
        .submit_and_follow(&page, &format!("/needs/{need_id}/withdraw"), &[])
        .await;
    withdrawn.assert_status(StatusCode::OK);
    assert_eq!(
        need_status(&app, &hospital, &need_id).await["status"],
        "withdrawn"
    );
    assert!(withdrawn
        .texts("form button[type=submit]")
        .iter()
        .all(|b| b != "Withdraw"));

    let mine = browser.get("/my/needs").await;
    mine.assert_status(StatusCode::OK);
    assert_eq!(card_titles(&mine), ["Backup recovery help, renamed"]);
    assert!(mine.body.contains("Withdrawn"));
    assert_light(&browser, &mine, "/my/needs").await;
    // A requester has no offers of its own.
    browser
        .get("/my/offers")
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // An unverified organisation's draft cannot be published: the page says why.
    let newcomer = app.register_confirmed("hospital", "UG").await;
    let browser = Browser::signed_in(&app, &newcomer).await;
    let form = browser.get("/needs/new").await;
    let created = submit_need_form(&browser, &form, "/needs/new", "A first need").await;
    let location = created.location().unwrap().to_owned();
    let page = browser.get(&location).await;
    let refused = browser
        .submit(&page, &format!("{location}/publish"), &[])
        .await;
    refused.assert_status(StatusCode::CONFLICT);
    assert_mentions(&refused.body, "not verified your organisation");
}

pub async fn a_provider_posts_an_offer_and_sees_ranked_candidates(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let need = hospital
        .publish_need(&need_input("Ransomware recovery for district hospitals"))
        .await;
    let ngo = app.verified_org("ngo", "KE").await;
    let browser = Browser::signed_in(&app, &ngo.account).await;
    let form = browser.get("/offers/new").await;
    form.assert_status(StatusCode::OK);
    assert_light(&browser, &form, "/offers/new").await;
    let offer_form = [
        ("kind", "training"),
        ("title", "Backup and restore training"),
        (
            "description",
            "Two days of hands-on training on restoring hospital systems from backups.",
        ),
        ("themes", "ransomware.backup_recovery"),
        ("countries", "KE"),
        ("countries", "UG"),
        ("languages", "en"),
        ("delivery_modes", "remote"),
        ("capacity", "10"),
        ("visibility", "public"),
    ];
    // Without a place served: the error is beside the countries.
    let without: Vec<_> = offer_form
        .iter()
        .copied()
        .filter(|(name, _)| *name != "countries")
        .collect();
    let refused = browser.submit(&form, "/offers/new", &without).await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.texts("#countries-error").len(),
        1,
        "{}",
        refused.body
    );
    assert_eq!(
        refused.value_of("#title").as_deref(),
        Some("Backup and restore training")
    );

    let created = browser.submit(&form, "/offers/new", &offer_form).await;
    created.assert_status(StatusCode::SEE_OTHER);
    let location = created.location().unwrap().to_owned();
    let offer_id = location.trim_start_matches("/offers/").to_owned();
    let page = browser.get(&location).await;
    assert!(page.body.contains("Kenya, Uganda"), "{}", page.body);
    browser
        .submit(&page, &format!("/offers/{offer_id}/publish"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // The provider reads the need and may propose its offer for it.
    let need_page = browser.get(&format!("/needs/{}", id(&need))).await;
    need_page.assert_status(StatusCode::OK);
    assert_eq!(
        need_page
            .value_of("form[action='/matches/propose'] input[name=need_id]")
            .as_deref(),
        Some(id(&need))
    );
    assert_eq!(
        need_page.texts("#offer_id option"),
        ["Backup and restore training"]
    );
    assert!(need_page
        .texts("button")
        .contains(&"Propose a match".to_owned()));

    // The requester sees the offer among its need's candidates, with why it fits.
    let requester = Browser::signed_in(&app, &hospital.account).await;
    let candidates = requester
        .get(&format!("/needs/{}/candidates", id(&need)))
        .await;
    candidates.assert_status(StatusCode::OK);
    assert_eq!(card_titles(&candidates), ["Backup and restore training"]);
    assert!(candidates.texts(".score")[0].ends_with('%'));
    let reasons = candidates.texts(".reasons li");
    assert!(reasons.len() >= 3, "{reasons:?}");
    assert!(reasons.iter().all(|reason| !reason.is_empty()));
    assert_eq!(
        candidates.value_of("input[name=offer_id]").as_deref(),
        Some(offer_id.as_str())
    );
    assert!(candidates
        .texts("button")
        .contains(&"Propose this match".to_owned()));
    assert_light(&requester, &candidates, "/needs/{id}/candidates").await;
    // And the provider sees the need among its offer's.
    let candidates = browser.get(&format!("/offers/{offer_id}/candidates")).await;
    assert_eq!(
        card_titles(&candidates),
        ["Ransomware recovery for district hospitals"]
    );
    for path in [
        "/offers".to_owned(),
        "/my/offers".to_owned(),
        format!("/offers/{offer_id}/edit"),
        format!("/offers/{offer_id}/candidates"),
    ] {
        let page = browser.get(&path).await;
        page.assert_status(StatusCode::OK);
        assert_light(&browser, &page, &path).await;
    }
    // Nobody else sees a need's candidates.
    browser
        .get(&format!("/needs/{}/candidates", id(&need)))
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

pub async fn strangers_and_forged_forms_change_nothing(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let open = hospital.publish_need(&need_input("An open need")).await;
    let draft = hospital.create_need(&need_input("A draft need")).await;
    let other = app.verified_org("hospital", "KE").await;
    let stranger = Browser::signed_in(&app, &other.account).await;

    let page = stranger.get(&format!("/needs/{}", id(&open))).await;
    page.assert_status(StatusCode::OK);
    assert!(page
        .texts("form button[type=submit]")
        .iter()
        .all(|b| b != "Withdraw" && b != "Close"));
    assert!(page.texts("a").iter().all(|a| a != "Edit this need"));
    for (path, status) in [
        (format!("/needs/{}/edit", id(&open)), StatusCode::FORBIDDEN),
        (format!("/needs/{}", id(&draft)), StatusCode::NOT_FOUND),
        (format!("/needs/{}/edit", id(&draft)), StatusCode::NOT_FOUND),
    ] {
        let answer = stranger.get(&path).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
    }
    // A stranger's own form token does not make the button theirs.
    let csrf = page
        .value_of("input[name=csrf]")
        .expect("the sign-out form carries the token");
    stranger
        .post(
            &format!("/needs/{}/withdraw", id(&open)),
            &[("csrf", &csrf), ("version", "2")],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(
        need_status(&app, &hospital, id(&open)).await["status"],
        "open"
    );

    // The owner's own forms without their token change nothing.
    let owner = Browser::signed_in(&app, &hospital.account).await;
    owner
        .post(
            &format!("/needs/{}/withdraw", id(&open)),
            &[("version", "2")],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(
        need_status(&app, &hospital, id(&open)).await["status"],
        "open"
    );
    let form = the_need_form("Posted without a token");
    owner
        .post("/needs/new", &fields(&form))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let drafts = drafts_of(&hospital).await;
    assert_eq!(
        drafts.body["items"].as_array().unwrap().len(),
        1,
        "only the API's draft"
    );
    // A provider cannot post a need.
    let ngo = app.verified_org("ngo", "KE").await;
    Browser::signed_in(&app, &ngo.account)
        .await
        .get("/needs/new")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Signed out, the forms send people to sign in.
    let anonymous = Browser::new(&app);
    let answer = anonymous.get("/needs/new").await;
    answer.assert_status(StatusCode::SEE_OTHER);
    assert!(answer.location().unwrap().starts_with("/sign-in?next="));
}

pub async fn home_figures_count_only_visible_needs(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    hospital.publish_need(&need_input("A public need")).await;
    hospital
        .publish_need(&with(
            need_input("A coordinators-only need"),
            json!({"visibility": "coordinators", "country": "UG"}),
        ))
        .await;
    let anonymous = Browser::new(&app);
    let home = anonymous.get("/").await;
    home.assert_status(StatusCode::OK);
    assert_eq!(home.texts(".figure"), ["1", "0", "0"], "{}", home.body);
    assert!(home
        .texts(".by-theme li")
        .iter()
        .any(|line| line.contains("1 open need")));
    let coordinator = app.coordinator().await;
    let secretariat = Browser::signed_in(&app, &coordinator.account).await;
    let home = secretariat.get("/").await;
    assert_eq!(home.texts(".figure")[0], "2");
    assert_light(&anonymous, &home, "/").await;
}
