//! The match and coordination pages over HTTP, as a browser meets them: proposing from a
//! form, the whole walk of a match by its buttons, refusals shown on the page and changing
//! nothing, anonymity until the work starts, and the coordinators' queue, allocation, gap
//! picture, outbox and audit log.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::browser::{Browser, Page};
use crate::email::{retrying_app, sink_refusing_the_password};
use crate::harness::eventually;
use crate::harness::{
    assert_mentions, id, need_input, need_with, offer_with, Session, TestApp, PASSWORD,
};
use crate::web::email_to;

const WAIT: Duration = Duration::from_secs(20);

/// An offer that can meet `need_input`'s need.
fn fitting_offer(title: &str) -> Value {
    offer_with(title, json!({"themes": ["ransomware.backup_recovery"]}))
}

/// The form token of a signed-in page (the sign-out form carries it on every page).
fn csrf_of(page: &Page) -> String {
    page.hidden_fields("/sign-out")
        .into_iter()
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value)
        .expect("a form token")
}

fn assert_light_page(page: &Page, path: &str) {
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    assert!(
        page.body.len() < 100 * 1024,
        "{path} weighs {}",
        page.body.len()
    );
    assert!(page.body.contains("<html lang=\"en\">"), "{path}");
}

async fn match_status(coordinator: &Session, match_id: &str) -> String {
    let found = coordinator
        .get(&format!("/api/v1/matches/{match_id}"))
        .await;
    found.assert_status(StatusCode::OK);
    found.body["status"].as_str().unwrap().to_owned()
}

pub async fn a_form_proposes_a_match_and_a_refusal_says_why(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let ngo = app.verified_org("ngo", "KE").await;
    let need = hospital
        .publish_need(&need_input("Recover from ransomware"))
        .await;
    let [offer, far] = ngo
        .publish_offers([
            (
                "Backup and recovery coaching",
                json!({"themes": ["ransomware.backup_recovery"]}),
            ),
            (
                "Backup coaching in Peru",
                json!({"themes": ["ransomware.backup_recovery"], "countries": ["PE"]}),
            ),
        ])
        .await;
    let browser = Browser::signed_in(&app, &hospital.account).await;
    let csrf = csrf_of(&browser.get("/matches").await);
    let post = |offer: &Value| {
        let fields = [
            ("csrf", csrf.clone()),
            ("need_id", id(&need)),
            ("offer_id", id(offer)),
            ("note", "They coach in English".to_owned()),
        ];
        let browser = &browser;
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            browser.post("/matches/propose", &refs).await
        }
    };
    let answer = post(&offer).await;
    answer.assert_status(StatusCode::SEE_OTHER);
    let location = answer.location().unwrap().to_owned();
    assert!(location.starts_with("/matches/"), "{location}");
    let match_id = location
        .trim_start_matches("/matches/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let shown = browser.follow(answer).await;
    shown.assert_status(StatusCode::OK);
    assert_mentions(&shown.body, "Recover from ransomware");
    assert!(shown.body.contains("Backup and recovery coaching"));
    assert!(shown.body.contains("They coach in English"));
    let proposed = hospital.get(&format!("/api/v1/matches/{match_id}")).await;
    assert_eq!(proposed.body["status"], "proposed");
    assert_eq!(proposed.body["proposed_by"], "requester");

    // The same pair again: a live match exists; nothing new.
    let again = post(&offer).await;
    again.assert_status(StatusCode::CONFLICT);
    assert!(again.body.contains("already under way"), "{}", again.body);
    assert!(again.body.contains(&format!("/needs/{}", id(&need))));
    // An offer that cannot meet the need says why.
    let refused = post(&far).await;
    refused.assert_status(StatusCode::CONFLICT);
    assert_mentions(&refused.body, "does not serve the need");
    let listed = hospital.get("/api/v1/matches").await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    // Every coordinator hears of it, with a link to the match's page.
    let coordinator = app.coordinator().await;
    let third = ngo
        .publish_offer(&offer_with(
            "Third offer",
            json!({"themes": ["ransomware.backup_recovery"]}),
        ))
        .await;
    let answer = post(&third).await;
    answer.assert_status(StatusCode::SEE_OTHER);
    let third_id = answer
        .location()
        .unwrap()
        .trim_start_matches("/matches/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let email = email_to(&app, &coordinator.account.email, "").await;
    assert_eq!(
        email.link(&app.url("/matches/")),
        Some(app.url(&format!("/matches/{third_id}"))),
        "{}",
        email.text
    );
}

pub async fn a_match_walks_from_approval_to_reports_on_its_pages(app: TestApp) {
    let (hospital, ngo, coordinator) = app.cast().await;
    let need = hospital
        .publish_need(&need_input("Ransomware recovery help"))
        .await;
    let offer = ngo
        .publish_offer(&offer_with(
            "Recovery coaching",
            json!({"themes": ["ransomware.backup_recovery"]}),
        ))
        .await;
    let proposed = coordinator.propose(&need, &offer).await;
    proposed.assert_status(StatusCode::CREATED);
    let match_id = id(&proposed.body);
    let path = format!("/matches/{match_id}");

    // The coordinator follows the email's link signed out, signs in, and comes back.
    let desk = Browser::new(&app);
    let away = desk.get(&path).await;
    away.assert_status(StatusCode::SEE_OTHER);
    let sign_in = desk.follow(away).await;
    sign_in.assert_status(StatusCode::OK);
    let answer = desk
        .submit(
            &sign_in,
            "/sign-in",
            &[
                ("email", &coordinator.account.email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(answer.location(), Some(path.as_str()));
    let page = desk.follow(answer).await;
    page.assert_status(StatusCode::OK);
    assert!(page
        .texts("button")
        .iter()
        .any(|b| b == "Approve the match"));
    assert!(!page.texts("button").iter().any(|b| b == "Accept the match"));
    let approved = desk
        .submit_and_follow(&page, &format!("{path}/approve"), &[])
        .await;
    approved.assert_status(StatusCode::OK);
    assert_mentions(&approved.body, "The match is approved");
    assert_eq!(match_status(&coordinator, &match_id).await, "approved");

    let requester = Browser::signed_in(&app, &hospital.account).await;
    let page = requester.get(&path).await;
    assert!(
        !page.body.contains("Contacts"),
        "no contacts before the work starts"
    );
    requester
        .submit_and_follow(&page, &format!("{path}/accept"), &[])
        .await
        .assert_status(StatusCode::OK);
    let provider = Browser::signed_in(&app, &ngo.account).await;
    let page = provider.get(&path).await;
    let active = provider
        .submit_and_follow(&page, &format!("{path}/accept"), &[])
        .await;
    active.assert_status(StatusCode::OK);
    assert_eq!(match_status(&coordinator, &match_id).await, "active");
    // Contacts cross now: the provider reads the hospital's admin.
    assert_mentions(&active.body, &hospital.account.email);

    // The provider completes with the form; a bad rating is refused beside its field first.
    let complete = format!("{path}/complete");
    let report = |outcome: &'static str, rating: &'static str| {
        [
            ("delivered_quantity", "15"),
            ("outcome", outcome),
            ("rating", rating),
        ]
    };
    let refused = provider
        .submit(&active, &complete, &report("Two drills ran", "9"))
        .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_mentions(&refused.body, "id=\"rating-error\"");
    assert!(refused.body.contains("Two drills ran"), "the input is kept");
    assert_eq!(match_status(&coordinator, &match_id).await, "active");
    let told = report("Two recovery drills ran with the IT team", "4");
    let completed = provider.submit_and_follow(&active, &complete, &told).await;
    completed.assert_status(StatusCode::OK);
    assert_eq!(match_status(&coordinator, &match_id).await, "completed");
    assert!(
        !completed
            .texts("button")
            .iter()
            .any(|b| b == "Send the report"),
        "the completing side has reported"
    );

    // The hospital reports on the page; the provider's words stay hidden from it.
    let page = requester.get(&path).await;
    assert!(page.texts("button").iter().any(|b| b == "Send the report"));
    assert!(
        !page.body.contains("Two recovery drills ran"),
        "{}",
        page.body
    );
    let reported = requester
        .submit_and_follow(
            &page,
            &format!("{path}/report"),
            &[
                ("rating", "5"),
                ("outcome", "Our backups now restore in an hour"),
            ],
        )
        .await;
    reported.assert_status(StatusCode::OK);
    assert!(reported.body.contains("Our backups now restore in an hour"));
    assert!(!reported
        .texts("button")
        .iter()
        .any(|b| b == "Send the report"));
    let reports = coordinator
        .get(&format!("/api/v1/matches/{match_id}/reports"))
        .await;
    assert_eq!(reports.body.as_array().unwrap().len(), 2);
    let provider_page = provider.get(&path).await;
    assert!(
        !provider_page.body.contains("Our backups now restore"),
        "the other side's report is not shown"
    );
    // A second report is refused on the page and changes nothing.
    let twice = requester
        .submit(
            &page,
            &format!("{path}/report"),
            &[("rating", "1"), ("outcome", "Again")],
        )
        .await;
    twice.assert_status(StatusCode::CONFLICT);
    let reports = coordinator
        .get(&format!("/api/v1/matches/{match_id}/reports"))
        .await;
    assert_eq!(reports.body.as_array().unwrap().len(), 2);

    // The list shows it, filtered by status.
    let list = requester.get("/matches?status=completed").await;
    assert_light_page(&list, "/matches");
    assert!(list.body.contains(&path));
    let none = requester.get("/matches?status=proposed").await;
    assert!(!none.body.contains(&path));
}

pub async fn a_side_cannot_approve_and_a_stranger_sees_no_match(app: TestApp) {
    let proposal = app
        .proposal(need_input("Help needed"), fitting_offer("Training offered"))
        .await;
    let path = format!("/matches/{}", proposal.match_id);
    let provider = Browser::signed_in(&app, &proposal.ngo.account).await;
    let page = provider.get(&path).await;
    page.assert_status(StatusCode::OK);
    assert!(!page
        .texts("button")
        .iter()
        .any(|b| b == "Approve the match"));
    let csrf = csrf_of(&page);
    let refused = provider
        .post(&format!("{path}/approve"), &[("csrf", &csrf)])
        .await;
    refused.assert_status(StatusCode::FORBIDDEN);
    assert_mentions(&refused.body, "Nothing was changed");
    assert_eq!(
        match_status(&proposal.coordinator, &proposal.match_id).await,
        "proposed"
    );

    let stranger = app.verified_org("ngo", "KE").await;
    let outsider = Browser::signed_in(&app, &stranger.account).await;
    let hidden = outsider.get(&path).await;
    hidden.assert_status(StatusCode::NOT_FOUND);
    assert!(hidden.body.contains("Page not found"));
    let page = outsider.get("/matches").await;
    let csrf = csrf_of(&page);
    outsider
        .post(
            &format!("{path}/cancel"),
            &[("csrf", &csrf), ("reason", "mine now")],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(
        !page.body.contains(&path),
        "a stranger's list does not show it"
    );
    assert_eq!(
        match_status(&proposal.coordinator, &proposal.match_id).await,
        "proposed"
    );
}

pub async fn an_anonymous_requester_is_named_only_once_the_work_starts(app: TestApp) {
    let proposal = app
        .proposal(
            need_with("Quiet help after an attack", json!({"anonymous": true})),
            fitting_offer("Incident coaching"),
        )
        .await;
    let path = format!("/matches/{}", proposal.match_id);
    let provider = Browser::signed_in(&app, &proposal.ngo.account).await;
    let before = provider.get(&path).await;
    before.assert_status(StatusCode::OK);
    assert_mentions(&before.body, "a hospital in Kenya");
    assert!(!before.body.contains("A hospital in KE"), "{}", before.body);
    assert!(!before.body.contains(&proposal.hospital.account.email));

    proposal
        .coordinator
        .approve(&proposal.match_id)
        .await
        .assert_status(StatusCode::OK);
    let approved = provider.get(&path).await;
    assert!(
        approved.body.contains("a hospital in Kenya"),
        "still unnamed until active"
    );
    assert!(!approved.body.contains("A hospital in KE"));
    proposal
        .ngo
        .accept(&proposal.match_id)
        .await
        .assert_status(StatusCode::OK);
    let active = provider.get(&path).await;
    assert!(active.body.contains("A hospital in KE"), "{}", active.body);
    assert!(active.body.contains(&proposal.hospital.account.email));
}

pub async fn the_queue_verifies_organisations_and_decides_proposals(app: TestApp) {
    let newcomer = app.register("hospital", "GH").await;
    let coordinator = app.coordinator().await;
    let desk = Browser::signed_in(&app, &coordinator.account).await;
    let queue = desk.get("/coordination").await;
    assert_light_page(&queue, "/coordination");
    assert!(queue.body.contains("A hospital in GH"), "{}", queue.body);
    let action = format!(
        "/coordination/organisations/{}/verify",
        newcomer.organisation_id
    );
    let answer = desk.submit(&queue, &action, &[]).await;
    answer.assert_status(StatusCode::SEE_OTHER);
    let after = desk.follow(answer).await;
    assert!(after.body.contains("The organisation is verified"));
    assert!(!after.body.contains(&action));
    let organisation = coordinator
        .get(&format!(
            "/api/v1/organisations/{}",
            newcomer.organisation_id
        ))
        .await;
    assert_eq!(organisation.body["verified"], true);
    email_to(&app, &newcomer.email, "verified").await;

    // A proposal waits in the queue; rejecting it asks for a reason first.
    let proposal = app
        .proposal(need_input("Need a plan"), fitting_offer("Plans made"))
        .await;
    let queue = desk.get("/coordination").await;
    let path = format!("/matches/{}", proposal.match_id);
    assert!(queue.body.contains(&path));
    let reject = format!("{path}/reject");
    let refused = desk.submit(&queue, &reject, &[("reason", "  ")]).await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_mentions(&refused.body, "Say why you reject the match");
    assert_eq!(
        match_status(&coordinator, &proposal.match_id).await,
        "proposed"
    );
    let answer = desk
        .submit(
            &queue,
            &reject,
            &[("reason", "The offer is for another audience")],
        )
        .await;
    assert_eq!(answer.location(), Some("/coordination"));
    assert_eq!(
        match_status(&coordinator, &proposal.match_id).await,
        "rejected"
    );
    let page = desk.get(&path).await;
    assert!(
        page.body.contains("The offer is for another audience"),
        "the history keeps the reason"
    );

    // An approved match that waited too long for a side is listed.
    let waiting = app
        .proposal(need_input("Waiting need"), fitting_offer("Waiting offer"))
        .await;
    coordinator
        .approve(&waiting.match_id)
        .await
        .assert_status(StatusCode::OK);
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(30)).naive_utc();
    crate::set_column!(app, matches.updated_at, &waiting.match_id, long_ago);
    let queue = desk.get("/coordination").await;
    let waiting_section = queue
        .body
        .split("id=\"waiting\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        waiting_section.contains(&format!("/matches/{}", waiting.match_id)),
        "{}",
        queue.body
    );
    assert!(waiting_section.contains("The providing organisation to accept"));
}

pub async fn the_allocation_page_proposes_a_row(app: TestApp) {
    let (hospital, ngo, coordinator) = app.cast().await;
    let need = hospital.publish_need(&need_input("Allocated need")).await;
    ngo.publish_offer(&offer_with(
        "Allocated offer",
        json!({"themes": ["ransomware.backup_recovery"]}),
    ))
    .await;
    let desk = Browser::signed_in(&app, &coordinator.account).await;
    let page = desk.get("/coordination/allocation").await;
    assert_light_page(&page, "/coordination/allocation");
    assert!(page.body.contains("Allocated need") && page.body.contains("Allocated offer"));
    let html = page.html();
    let form = scraper::Selector::parse("form[action='/matches/propose']").unwrap();
    let input = scraper::Selector::parse("input").unwrap();
    let row = html.select(&form).next().expect("a Propose form");
    let fields: Vec<(String, String)> = row
        .select(&input)
        .map(|i| {
            (
                i.value().attr("name").unwrap().to_owned(),
                i.value().attr("value").unwrap().to_owned(),
            )
        })
        .collect();
    assert!(fields
        .iter()
        .any(|(n, v)| n == "need_id" && *v == id(&need)));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = desk.post("/matches/propose", &refs).await;
    answer.assert_status(StatusCode::SEE_OTHER);
    let listed = coordinator.get("/api/v1/matches").await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["proposed_by"], "coordinator");
    assert_eq!(items[0]["need_id"], need["id"]);
}

pub async fn the_gap_page_draws_unmet_needs_with_their_numbers(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let coordinator = app.coordinator().await;
    hospital.publish_need(&need_input("Unmet one")).await;
    hospital
        .publish_need(&need_with("Unmet two", json!({"urgency": "critical"})))
        .await;
    let desk = Browser::signed_in(&app, &coordinator.account).await;
    let page = desk.get("/coordination/gaps").await;
    assert_light_page(&page, "/coordination/gaps");
    let svg = page.texts("svg[role=img] title");
    assert_eq!(svg.len(), 1, "{}", page.body);
    let labelled_by = page
        .attribute("svg[role=img]", "aria-labelledby")
        .expect("aria-labelledby");
    for id in labelled_by.split_whitespace() {
        let target = page.texts(&format!("#{id}"));
        assert_eq!(target.len(), 1, "#{id} exists");
    }
    let text = page.texts("#gaps-chart-text").join(" ");
    assert!(text.contains("2 open needs have no match"), "{text}");
    // The country x theme table: Kenya's cell counts both, shaded as the most urgent.
    let cells = page.texts("td.urgency-critical");
    assert_eq!(cells.len(), 1, "{}", page.body);
    assert!(cells[0].starts_with('2'), "{cells:?}");
    assert!(page.body.contains("Kenya"));
}

pub async fn a_dead_email_is_retried_from_the_outbox_page(app: TestApp) {
    let (_sink, url) = sink_refusing_the_password();
    // At least a second between attempts: a retried message is not dead again at once.
    let (app, coordinator) = retrying_app(app, &url, "2000", "2").await;
    let account = app.register("hospital", "NG").await;
    let dead = |coordinator: Session| async move {
        coordinator.get("/api/v1/outbox?status=dead").await.body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let items = eventually("a dead message", WAIT, || {
        let coordinator = coordinator.clone();
        async move {
            let items = dead(coordinator).await;
            (!items.is_empty()).then_some(items)
        }
    })
    .await;
    let desk = Browser::signed_in(&app, &coordinator.account).await;
    let page = desk.get("/coordination/outbox").await;
    assert_light_page(&page, "/coordination/outbox");
    assert!(page.body.contains(&account.email));
    assert!(page.body.contains("535"), "the last error: {}", page.body);
    let action = format!(
        "/coordination/outbox/{}/retry",
        items[0]["id"].as_str().unwrap()
    );
    let answer = desk.submit(&page, &action, &[]).await;
    assert_eq!(answer.location(), Some("/coordination/outbox?done=retried"));
    assert!(dead(coordinator.clone()).await.is_empty(), "pending again");
    // A message that is not dead cannot be retried again.
    let again = desk.submit(&page, &action, &[]).await;
    again.assert_status(StatusCode::CONFLICT);
}

pub async fn the_audit_page_filters_by_entity_and_id(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let coordinator = app.coordinator().await;
    let need = hospital.publish_need(&need_input("Audited need")).await;
    let desk = Browser::signed_in(&app, &coordinator.account).await;
    let page = desk.get("/coordination/audit?entity=organisation").await;
    assert_light_page(&page, "/coordination/audit");
    let entities = page.texts("tbody tr td:nth-child(2)");
    assert!(!entities.is_empty());
    assert!(entities.iter().all(|e| e == "organisation"), "{entities:?}");
    let page = desk
        .get(&format!(
            "/coordination/audit?entity=need&entity_id={}",
            id(&need)
        ))
        .await;
    let ids = page.texts("tbody tr td:nth-child(3)");
    assert!(ids.len() >= 2, "created and published: {ids:?}");
    assert!(ids.iter().all(|found| *found == id(&need)));
    assert_eq!(page.value_of("#entity_id"), Some(id(&need)));
}

pub async fn coordination_is_for_coordinators_and_forms_need_their_token(app: TestApp) {
    let proposal = app
        .proposal(need_input("A need"), fitting_offer("An offer"))
        .await;
    let newcomer = app.register("ngo", "UG").await;
    let requester = Browser::signed_in(&app, &proposal.hospital.account).await;
    for path in [
        "/coordination",
        "/coordination/allocation",
        "/coordination/gaps",
        "/coordination/outbox",
        "/coordination/audit",
    ] {
        let page = requester.get(path).await;
        page.assert_status(StatusCode::FORBIDDEN);
        assert!(page.body.contains("You cannot do this"), "{path}");
    }
    let page = requester.get("/matches").await;
    let csrf = csrf_of(&page);
    requester
        .post(
            &format!(
                "/coordination/organisations/{}/verify",
                newcomer.organisation_id
            ),
            &[("csrf", &csrf)],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // Without the token nothing changes, for a side or a coordinator.
    let path = format!("/matches/{}", proposal.match_id);
    requester
        .post(&format!("{path}/cancel"), &[("reason", "forged")])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let desk = Browser::signed_in(&app, &proposal.coordinator.account).await;
    desk.post(&format!("{path}/approve"), &[])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    desk.post(
        &format!(
            "/coordination/organisations/{}/verify",
            newcomer.organisation_id
        ),
        &[("csrf", "forged")],
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(
        match_status(&proposal.coordinator, &proposal.match_id).await,
        "proposed"
    );
    let organisation = proposal
        .coordinator
        .get(&format!(
            "/api/v1/organisations/{}",
            newcomer.organisation_id
        ))
        .await;
    assert_eq!(organisation.body["verified"], false);

    // Every page of this area is light and in the layout.
    for path in [
        "/matches",
        path.as_str(),
        "/coordination",
        "/coordination/allocation",
        "/coordination/gaps",
        "/coordination/outbox",
        "/coordination/audit",
    ] {
        let page = desk.get(path).await;
        assert_light_page(&page, path);
    }
    // Signed out, the match pages ask to sign in and come back.
    let anonymous = Browser::new(&app);
    let away = anonymous.get(&path).await;
    away.assert_status(StatusCode::SEE_OTHER);
    assert!(away.location().unwrap().starts_with("/sign-in?next="));
}
