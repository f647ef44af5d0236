//! Lists and searches whose cost follows the page (issue 13 item 1). On SQLite a newest-first
//! search walks the full-text index in created order and stops at the page, applying every
//! other filter and the visibility rule to the rows it walks; these cases pin what that walk
//! could get wrong: a page of matches the reader may not see, filters and cursors across
//! pages, a text that changes, and items created in the same microsecond.

use clearinghouse::db::StoreError;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{id, item_ids, need_with, offer_with, version_tag, TestApp};

/// Every page of `path` (which names a `limit`), following the cursors.
async fn all_pages(app: &TestApp, path: &str, token: Option<&str>) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor = None::<String>;
    for _ in 0..100 {
        let page_path = match &cursor {
            Some(cursor) => format!("{path}&cursor={cursor}"),
            None => path.to_owned(),
        };
        let page = app.get(&page_path, token).await;
        page.assert_status(StatusCode::OK);
        seen.extend(item_ids(&page));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
    panic!("{path} did not end within 100 pages");
}

/// Newest first: the reverse of the order they were published in.
fn newest_first(items: &[&Value]) -> Vec<String> {
    items.iter().rev().map(|item| id(item)).collect()
}

pub async fn a_search_mostly_hidden_from_the_reader_pages_through_what_it_may_see(app: TestApp) {
    let owner = app.verified_org("hospital", "KE").await;
    let mut published = Vec::new();
    for index in 0..12 {
        let visibility = if index % 4 == 0 {
            "public"
        } else {
            "coordinators"
        };
        published.push(
            owner
                .publish_need(&need_with(
                    &format!("Zqmostlyhidden need {index}"),
                    json!({"visibility": visibility}),
                ))
                .await,
        );
    }
    // A draft is private to its organisation.
    let draft = owner
        .create_need(&need_with("Zqmostlyhidden draft", json!({})))
        .await;
    let public: Vec<&Value> = published.iter().step_by(4).collect();
    assert_eq!(
        all_pages(&app, "/api/v1/needs?q=zqmostlyhidden&limit=1", None).await,
        newest_first(&public),
        "anonymous: the public matches, newest first, one page each, though most matches are hidden"
    );
    let everything: Vec<&Value> = published.iter().collect();
    let coordinator = app.coordinator().await;
    let seen = all_pages(
        &app,
        "/api/v1/needs?q=zqmostlyhidden&limit=5",
        coordinator.token(),
    )
    .await;
    let published_seen: Vec<String> = seen.iter().filter(|i| **i != id(&draft)).cloned().collect();
    assert_eq!(
        published_seen,
        newest_first(&everything),
        "a coordinator sees every published one"
    );
    // Lists show open needs unless asked; a draft is its organisation's alone.
    let drafts = "/api/v1/needs?q=zqmostlyhidden&status=draft&limit=1";
    assert_eq!(all_pages(&app, drafts, owner.token()).await, [id(&draft)]);
    assert!(all_pages(&app, drafts, None).await.is_empty());
}

pub async fn a_search_with_filters_pages_in_list_order(app: TestApp) {
    let kenya = app.verified_org("hospital", "KE").await;
    let peru = app.verified_org("ministry", "PE").await;
    let mut kept = Vec::new();
    for index in 0..9 {
        // Three in four carry the word; in Kenya, on the devices theme, or neither.
        let word = if index % 4 == 3 {
            "other"
        } else {
            "zqfiltered"
        };
        let (poster, country) = if index % 3 == 0 {
            (&peru, "PE")
        } else {
            (&kenya, "KE")
        };
        let theme = if index % 2 == 0 {
            "clinical_systems.medical_devices"
        } else {
            "incident_response.playbooks"
        };
        let need = poster
            .publish_need(&need_with(
                &format!("Need {index} about {word}"),
                json!({"country": country, "themes": [theme]}),
            ))
            .await;
        if word == "zqfiltered" && country == "KE" && theme.starts_with("clinical_systems") {
            kept.push(need);
        }
    }
    let kept: Vec<&Value> = kept.iter().collect();
    assert!(kept.len() >= 2, "the case pages across more than one page");
    let path = "/api/v1/needs?q=zqfiltered&country=KE&theme=clinical_systems&limit=1";
    assert_eq!(
        all_pages(&app, path, None).await,
        newest_first(&kept),
        "search, filters and cursor together"
    );
    // The other orders keep the plan that reads every match, and agree on what matches.
    let mut by_urgency = all_pages(&app, &format!("{path}&sort=urgency"), None).await;
    by_urgency.sort();
    let mut expected = newest_first(&kept);
    expected.sort();
    assert_eq!(by_urgency, expected, "sort=urgency finds the same needs");

    // Offers walk their own index the same way.
    let ngo = app.verified_org("ngo", "KE").await;
    let mut offers = Vec::new();
    for index in 0..3 {
        offers.push(
            ngo.publish_offer(&offer_with(
                &format!("Zqofferwalk offer {index}"),
                json!({}),
            ))
            .await,
        );
    }
    let offers: Vec<&Value> = offers.iter().collect();
    assert_eq!(
        all_pages(&app, "/api/v1/offers?q=zqofferwalk&limit=1", None).await,
        newest_first(&offers)
    );
}

pub async fn an_item_whose_text_changes_is_found_by_its_new_words_only(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let need = hospital
        .publish_need(&need_with("Zqbeforeedit pumps", json!({})))
        .await;
    let path = format!("/api/v1/needs/{}", id(&need));
    hospital
        .patch(
            &path,
            &version_tag(need["version"].as_i64().unwrap()),
            &json!({"title": "Zqafteredit pumps", "description": "Zqnewdescription of the pumps to segment."}),
        )
        .await
        .assert_status(StatusCode::OK);
    let found = |query: &'static str| {
        let app = &app;
        async move { item_ids(&app.get(&format!("/api/v1/needs?q={query}"), None).await) }
    };
    assert!(
        found("zqbeforeedit").await.is_empty(),
        "the old title is gone"
    );
    assert_eq!(found("zqafteredit").await, [id(&need)]);
    assert_eq!(found("zqnewdescription").await, [id(&need)]);

    let ngo = app.verified_org("ngo", "KE").await;
    let offer = ngo
        .publish_offer(&offer_with("Zqofferbefore training", json!({})))
        .await;
    let offer_path = format!("/api/v1/offers/{}", id(&offer));
    ngo.patch(
        &offer_path,
        &version_tag(offer["version"].as_i64().unwrap()),
        &json!({"title": "Zqofferafter training"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let offers = |query: &'static str| {
        let app = &app;
        async move { item_ids(&app.get(&format!("/api/v1/offers?q={query}"), None).await) }
    };
    assert!(offers("zqofferbefore").await.is_empty());
    assert_eq!(offers("zqofferafter").await, [id(&offer)]);
}

/// Needs created in the same microsecond sort by id, newest-first lists by id descending;
/// SQLite's full-text keys give them slots in the order they were written, so the walk must
/// put them back in id order, also across a page boundary inside that microsecond.
pub async fn needs_created_in_one_microsecond_page_by_id(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let mut ids = Vec::new();
    for index in 0..3 {
        let need = hospital
            .publish_need(&need_with(&format!("Zqsamemicro need {index}"), json!({})))
            .await;
        ids.push(id(&need));
    }
    let quoted: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
    let listed = quoted.join(", ");
    let at = "2026-06-01 12:00:00.123456";
    // No endpoint sets a creation time: written by hand. On SQLite the rows are written
    // again (their full-text keys come from created_at at insert), highest id first, so
    // that slot order is the opposite of id order.
    let statements: Vec<String> = match app.engine.name() {
        "sqlite" => vec![
            format!("CREATE TEMP TABLE tie AS SELECT * FROM needs WHERE id IN ({listed})"),
            format!("UPDATE tie SET created_at = '{at}'"),
            format!("DELETE FROM needs WHERE id IN ({listed})"),
            "INSERT INTO needs SELECT * FROM tie ORDER BY id DESC".to_owned(),
            "DROP TABLE tie".to_owned(),
        ],
        _ => vec![format!(
            "UPDATE needs SET created_at = '{at}' WHERE id IN ({listed})"
        )],
    };
    app.database()
        .write_blocking(move |conn| {
            for statement in &statements {
                clearinghouse::dispatch!(conn, |c| diesel::sql_query(statement.as_str())
                    .execute(c))?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("the creation times are written");
    let mut by_id = ids.clone();
    by_id.sort();
    by_id.reverse();
    for limit in [1, 2, 3] {
        assert_eq!(
            all_pages(
                &app,
                &format!("/api/v1/needs?q=zqsamemicro&limit={limit}"),
                None
            )
            .await,
            by_id,
            "limit {limit}"
        );
    }
}

/// A word of one or two letters is matched whole, a longer one as a prefix: `de` finds the
/// need that says "de", not the one that says "delivery", while `del` finds only the latter.
pub async fn a_short_word_is_matched_whole(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let spanish = hospital
        .publish_need(&need_with("Zqshortword plan de respuesta", json!({})))
        .await;
    let english = hospital
        .publish_need(&need_with("Zqshortword delivery plan", json!({})))
        .await;
    let found = |query: &'static str| {
        let app = &app;
        async move { item_ids(&app.get(&format!("/api/v1/needs?q={query}"), None).await) }
    };
    assert_eq!(found("zqshortword%20de").await, [id(&spanish)]);
    assert_eq!(found("zqshortword%20del").await, [id(&english)]);
    assert_eq!(
        found("zqshortword%20plan").await,
        [id(&english), id(&spanish)],
        "a longer word is still a prefix, newest first"
    );
}
