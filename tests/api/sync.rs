//! Incremental sync (docs/API.md, "Incremental sync"): `sort=updated` and `updated_since` on
//! the needs, offers and matches lists. A partner polls from the cursor it kept and sees each
//! change once; an item that left its view is a tombstone, and only if it could once see it.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{
    id, need_input, need_with, offer_input, version_tag, ItemStep, Need, TestApp,
};

/// One sync page after `cursor` (or from `query` alone): its entries and its cursor, which a
/// sync list always has.
async fn page(
    app: &TestApp,
    list: &str,
    token: Option<&str>,
    query: &str,
    cursor: Option<&str>,
) -> (Vec<Value>, String) {
    let mut path = format!("/api/v1/{list}?sort=updated&{query}");
    if let Some(cursor) = cursor {
        path.push_str(&format!("&cursor={cursor}"));
    }
    let response = app.get(&path, token).await;
    response.assert_status(StatusCode::OK);
    let cursor = response.body["next_cursor"]
        .as_str()
        .expect("a sync list always has a cursor")
        .to_owned();
    assert!(cursor.starts_with("c."), "{cursor}");
    (response.body["items"].as_array().unwrap().clone(), cursor)
}

/// Every entry after `cursor`, two at a time, as a partner polls: pages until a short one.
/// Answers the entries and the cursor to keep.
async fn poll(
    app: &TestApp,
    list: &str,
    token: Option<&str>,
    cursor: Option<&str>,
) -> (Vec<Value>, String) {
    let (mut all, mut cursor) = page(app, list, token, "limit=2", cursor).await;
    let mut last = all.len();
    while last == 2 {
        let (more, next) = page(app, list, token, "limit=2", Some(&cursor)).await;
        last = more.len();
        all.extend(more);
        cursor = next;
    }
    (all, cursor)
}

fn ids(entries: &[Value]) -> Vec<String> {
    entries.iter().map(id).collect()
}

/// The ids of `entries`, each once: a poll that repeats one fails here.
fn once(entries: &[Value]) -> Vec<String> {
    let all = ids(entries);
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "an entry repeats: {all:?}");
    all
}

pub async fn a_poll_sees_each_change_once_across_pages_and_polls(app: TestApp) {
    let (hospital, ngo, coordinator) = app.cast().await;
    let reader = ngo.token();

    // The first poll of an empty list still answers where to continue.
    let (nothing, start) = poll(&app, "needs", reader, None).await;
    assert!(nothing.is_empty());

    let first = hospital.publish_need(&need_input("Backup drills")).await;
    let mut published = vec![id(&first)];
    for title in ["Tabletop exercise", "Playbooks", "Awareness"] {
        published.push(id(&hospital.publish_need(&need_input(title)).await));
    }
    let draft = hospital.create_need(&need_input("Not yet")).await;
    // Two changes of one need between polls: the poll shows it once, as it is now.
    hospital
        .change_need(&first, 2, &json!({"quantity": 25}))
        .await
        .assert_status(StatusCode::OK);

    let (changes, cursor) = poll(&app, "needs", reader, Some(&start)).await;
    let mut seen = once(&changes);
    seen.sort();
    let mut expected = published.clone();
    expected.sort();
    assert_eq!(seen, expected, "the published needs, and not the draft");
    assert!(!seen.contains(&id(&draft)));
    // The edit is the last change, so the edited need comes last, as edited.
    let last = changes.last().unwrap();
    assert_eq!(id(last), id(&first));
    assert_eq!(last["quantity"], 25);

    // Nothing changed: nothing to see, and the cursor holds.
    let (again, same) = poll(&app, "needs", reader, Some(&cursor)).await;
    assert!(again.is_empty(), "{again:?}");

    // A close is a change a partner must see, though the need is no longer open.
    let closed = hospital
        .step(&format!("/api/v1/needs/{}", published[1]), ItemStep::Close)
        .await;
    closed.assert_status(StatusCode::OK);
    let (changes, cursor) = poll(&app, "needs", reader, Some(&same)).await;
    assert_eq!(ids(&changes), [published[1].clone()]);
    assert_eq!(changes[0]["status"], "closed");

    // A match moving: each step is one change on the match list of each side, and
    // completing it changes the need it delivered to.
    let offer = ngo.publish_offer(&offer_input("IR training")).await;
    let need = hospital
        .publish_need(&need_with(
            "Incident response",
            json!({"themes": ["incident_response.playbooks"], "languages": ["en"], "delivery_modes": ["remote"]}),
        ))
        .await;
    let (_, need_cursor) = poll(&app, "needs", reader, Some(&cursor)).await;
    let (_, offer_cursor) = poll(&app, "offers", hospital.token(), None).await;
    let (_, hospital_matches) = poll(&app, "matches", hospital.token(), None).await;
    let proposed = hospital.propose(&need, &offer).await;
    proposed.assert_status(StatusCode::CREATED);
    let match_id = id(&proposed.body);
    let (changes, ngo_matches) = poll(&app, "matches", ngo.token(), None).await;
    assert_eq!(ids(&changes), [match_id.as_str()]);
    let (changes, hospital_matches) =
        poll(&app, "matches", hospital.token(), Some(&hospital_matches)).await;
    assert_eq!(ids(&changes), [match_id.as_str()]);
    assert_eq!(changes[0]["status"], "proposed");

    coordinator
        .approve(&match_id)
        .await
        .assert_status(StatusCode::OK);
    let (changes, hospital_matches) =
        poll(&app, "matches", hospital.token(), Some(&hospital_matches)).await;
    assert_eq!(ids(&changes), [match_id.as_str()]);
    assert_eq!(changes[0]["status"], "approved");
    // The hospital proposed, which is its acceptance; the provider's makes it active.
    ngo.accept(&match_id).await.assert_status(StatusCode::OK);
    let (changes, _) = poll(&app, "matches", ngo.token(), Some(&ngo_matches)).await;
    assert_eq!(ids(&changes), [match_id.as_str()], "two steps, one entry");
    assert_eq!(changes[0]["status"], "active");
    // Activation holds offer capacity: the offer changed.
    let (changes, offer_cursor) = poll(&app, "offers", hospital.token(), Some(&offer_cursor)).await;
    assert_eq!(ids(&changes), [id(&offer)]);

    ngo.complete(
        &match_id,
        &json!({"delivered_quantity": 20, "rating": 5, "outcome": "Twenty staff trained."}),
    )
    .await
    .assert_status(StatusCode::OK);
    let (changes, _) = poll(&app, "matches", hospital.token(), Some(&hospital_matches)).await;
    assert_eq!(ids(&changes), [match_id.as_str()]);
    assert_eq!(changes[0]["status"], "completed");
    let (changes, _) = poll(&app, "needs", reader, Some(&need_cursor)).await;
    assert_eq!(ids(&changes), [id(&need)]);
    assert_eq!(changes[0]["status"], "fulfilled");
    // All it held was delivered, so completing did not change the offer: nothing to see.
    let (changes, _) = poll(&app, "offers", hospital.token(), Some(&offer_cursor)).await;
    assert!(changes.is_empty(), "{changes:?}");

    // Another organisation's poll of matches sees none of this.
    let other = app.verified_org("ngo", "UG").await;
    let (changes, _) = poll(&app, "matches", other.token(), None).await;
    assert!(changes.is_empty(), "{changes:?}");
}

pub async fn a_need_that_leaves_the_public_view_is_a_tombstone_to_outsiders(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let withdrawn = hospital.publish_need(&need_input("Withdrawn soon")).await;
    let narrowed = hospital
        .publish_need(&need_input("Made confidential"))
        .await;
    let (seen, cursor) = poll(&app, "needs", None, None).await;
    assert_eq!(once(&seen).len(), 2);

    hospital
        .withdraw(Need(&withdrawn))
        .await
        .assert_status(StatusCode::OK);
    hospital
        .change_need(&narrowed, 2, &json!({"visibility": "coordinators"}))
        .await
        .assert_status(StatusCode::OK);

    let (changes, _) = poll(&app, "needs", None, Some(&cursor)).await;
    assert_eq!(ids(&changes), [id(&withdrawn), id(&narrowed)]);
    for (entry, status) in changes.iter().zip(["withdrawn", "open"]) {
        let mut keys: Vec<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        assert_eq!(keys, ["id", "removed", "status", "updated_at"], "{entry}");
        assert_eq!(entry["removed"], true);
        assert_eq!(entry["status"], status);
    }
    // The owner still reads both, whole.
    let (own, _) = poll(&app, "needs", hospital.token(), None).await;
    assert!(own
        .iter()
        .all(|entry| entry.get("removed").is_none() && entry["title"].is_string()));
    assert_eq!(own.len(), 2);
    // A reader who starts syncing only now learns that they left, and nothing of them:
    // both were public once, so anyone could have read them.
    let (fresh, _) = poll(&app, "needs", None, None).await;
    assert!(fresh.iter().all(|entry| entry["removed"] == true));
}

pub async fn a_draft_never_appears_to_others(app: TestApp) {
    let (hospital, ngo, coordinator) = app.cast().await;
    let draft = hospital.create_need(&need_input("Drafted")).await;
    hospital
        .change_need(&draft, 1, &json!({"title": "Drafted again"}))
        .await
        .assert_status(StatusCode::OK);
    hospital
        .withdraw(Need(&draft))
        .await
        .assert_status(StatusCode::OK);
    let other_hospital = app.verified_org("hospital", "UG").await;
    for token in [None, ngo.token(), other_hospital.token()] {
        let (changes, _) = poll(&app, "needs", token, None).await;
        assert!(changes.is_empty(), "{changes:?}");
        let since = app
            .get("/api/v1/needs?updated_since=2000-01-01T00:00:00Z", token)
            .await;
        since.assert_status(StatusCode::OK);
        assert_eq!(since.body["items"], json!([]));
    }
    for session in [&hospital, &coordinator] {
        let (changes, _) = poll(&app, "needs", session.token(), None).await;
        assert_eq!(ids(&changes), [id(&draft)]);
        assert_eq!(changes[0]["status"], "withdrawn");
        assert_eq!(changes[0]["title"], "Drafted again");
    }
}

pub async fn a_restricted_need_never_appears_to_a_reader_who_cannot_see_it(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let verified = app.verified_org("ngo", "KE").await;
    let unverified = app
        .sign_in(&app.register_confirmed("ngo", "KE").await)
        .await;
    let [for_providers, confidential] = hospital
        .publish_needs([
            (
                "Providers only",
                json!({"visibility": "verified_providers"}),
            ),
            ("Coordinators only", json!({"visibility": "coordinators"})),
        ])
        .await;
    let (seen, _) = poll(&app, "needs", verified.token(), None).await;
    assert_eq!(ids(&seen), [id(&for_providers)]);

    for need in [&for_providers, &confidential] {
        hospital
            .withdraw(Need(need))
            .await
            .assert_status(StatusCode::OK);
    }
    // The verified provider could read one of them: it learns that one left, nothing more.
    let (changes, _) = poll(&app, "needs", verified.token(), None).await;
    assert_eq!(ids(&changes), [id(&for_providers)]);
    assert_eq!(changes[0]["removed"], true);
    assert!(changes[0].get("title").is_none());
    // Readers who could read neither never hear of either, not even as a tombstone.
    for token in [None, unverified.token()] {
        let (changes, _) = poll(&app, "needs", token, None).await;
        assert!(changes.is_empty(), "{changes:?}");
    }
}

pub async fn updated_since_is_an_inclusive_entry_point(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let before = hospital.publish_need(&need_input("Before")).await;
    let after = hospital.publish_need(&need_input("After")).await;
    let hidden = hospital
        .publish_need(&need_with("Hidden", json!({"visibility": "coordinators"})))
        .await;
    let since = after["updated_at"].as_str().unwrap();
    assert!(since.ends_with('Z'), "{since}");

    // `updated_since` alone is the sync list: the change at that very time included, the
    // earlier one not, the hidden one never, and a cursor to continue from.
    let listed = app
        .get(&format!("/api/v1/needs?updated_since={since}"), None)
        .await;
    listed.assert_status(StatusCode::OK);
    assert_eq!(ids(listed.body["items"].as_array().unwrap()), [id(&after)]);
    let cursor = listed.body["next_cursor"].as_str().unwrap().to_owned();
    assert!(cursor.starts_with("c."));
    let own = app
        .get(
            &format!("/api/v1/needs?updated_since={since}"),
            hospital.token(),
        )
        .await;
    assert_eq!(
        ids(own.body["items"].as_array().unwrap()),
        [id(&after), id(&hidden)]
    );

    // A later change of the earlier need shows on the next poll, from the cursor alone.
    hospital
        .change_need(&before, 2, &json!({"quantity": 3}))
        .await
        .assert_status(StatusCode::OK);
    let (changes, _) = poll(&app, "needs", None, Some(&cursor)).await;
    assert_eq!(ids(&changes), [id(&before)]);

    // With another order it is a filter by time of an ordinary list (open items, no cursor
    // on the last page).
    let newest = app
        .get(
            &format!("/api/v1/needs?sort=newest&updated_since={since}"),
            None,
        )
        .await;
    newest.assert_status(StatusCode::OK);
    assert_eq!(
        ids(newest.body["items"].as_array().unwrap()),
        [id(&after), id(&before)]
    );
    assert!(newest.body["next_cursor"].is_null());
    // Offers and matches take it too.
    for list in ["offers", "matches"] {
        let response = app
            .get(
                &format!("/api/v1/{list}?updated_since={since}"),
                hospital.token(),
            )
            .await;
        response.assert_status(StatusCode::OK);
        assert!(response.body["next_cursor"]
            .as_str()
            .unwrap()
            .starts_with("c."));
    }
}

pub async fn a_bad_updated_since_or_sync_cursor_is_refused_as_documented(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    for list in ["needs", "offers", "matches"] {
        for bad in [
            "yesterday",
            "2026-12-15",
            "2026-12-15%2010:00:00Z",
            "2026-12-15T10:00:00",
            "2026-13-01T00:00:00Z",
        ] {
            app.get(
                &format!("/api/v1/{list}?updated_since={bad}"),
                hospital.token(),
            )
            .await
            .assert_problem(StatusCode::BAD_REQUEST);
        }
        for bad in ["c.x.00000000-0000-0000-0000-000000000000", "c.1", "c.-1.x"] {
            app.get(&format!("/api/v1/{list}?cursor={bad}"), hospital.token())
                .await
                .assert_problem(StatusCode::BAD_REQUEST);
        }
    }
    // What the document says of it.
    let document = app.get("/api/v1/openapi.json", None).await;
    let parameters = &document.body["paths"]["/api/v1/needs"]["get"]["parameters"];
    let parameter = |name: &str| {
        parameters
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(parameter("updated_since")["schema"]["format"], "date-time");
    assert!(parameter("cursor")["schema"]["pattern"]
        .as_str()
        .unwrap()
        .contains(r"c\.[0-9]{1,18}"));
    let responses = &document.body["paths"]["/api/v1/needs"]["get"]["responses"];
    assert!(responses.get("400").is_some());
    let sorts = &document.body["components"]["schemas"]["NeedSort"];
    assert!(sorts.to_string().contains("\"updated\""), "{sorts}");
}

/// A change whose transaction began first but commits last is not skipped: the partner
/// that already read a later-started change still sees it on the next poll. Change numbers
/// are taken at commit, in commit order (the `sync` migration says how). PostgreSQL runs
/// the two writers side by side; SQLite has one writer, so there the second write waits for
/// the first to commit, and the test checks the same outcome in that order.
pub async fn a_change_committed_late_is_not_skipped(app: TestApp) {
    use clearinghouse::db::StoreError;
    use diesel::prelude::*;

    let hospital = app.verified_org("hospital", "KE").await;
    let slow = hospital.publish_need(&need_input("Slow writer")).await;
    let quick = hospital.publish_need(&need_input("Quick writer")).await;
    let (_, cursor) = poll(&app, "needs", None, None).await;

    // A transaction that changes `slow` and then waits, uncommitted, until told to commit.
    let (written, is_written) = tokio::sync::oneshot::channel::<()>();
    let (commit, may_commit) = std::sync::mpsc::channel::<()>();
    let database = app.database();
    let slow_id = id(&slow);
    let writer = std::thread::spawn(move || {
        database.write_blocking(move |conn| {
            let sql = format!(
                "UPDATE needs SET quantity = 7, version = version + 1 WHERE id = '{slow_id}'"
            );
            clearinghouse::dispatch!(conn, |c| diesel::sql_query(&sql).execute(c))?;
            written.send(()).expect("the test waits");
            may_commit.recv().expect("the test says when");
            Ok::<_, StoreError>(())
        })
    });
    is_written.await.expect("the slow writer wrote");

    let quick_path = format!("/api/v1/needs/{}", id(&quick));
    let cursor = if app.engine == crate::harness::Engine::Postgres {
        // The quick change commits while the slow one is still open, and is read.
        hospital
            .patch(&quick_path, &version_tag(2), &json!({"quantity": 3}))
            .await
            .assert_status(StatusCode::OK);
        let (changes, cursor) = poll(&app, "needs", None, Some(&cursor)).await;
        assert_eq!(ids(&changes), [id(&quick)]);
        commit.send(()).unwrap();
        writer.join().unwrap().expect("the slow writer commits");
        cursor
    } else {
        commit.send(()).unwrap();
        writer.join().unwrap().expect("the slow writer commits");
        hospital
            .patch(&quick_path, &version_tag(2), &json!({"quantity": 3}))
            .await
            .assert_status(StatusCode::OK);
        let (changes, _) = poll(&app, "needs", None, Some(&cursor)).await;
        assert_eq!(ids(&changes), [id(&slow), id(&quick)]);
        return;
    };
    // The slow change committed after the poll: the next poll from its cursor has it.
    let (changes, _) = poll(&app, "needs", None, Some(&cursor)).await;
    assert_eq!(ids(&changes), [id(&slow)]);
    assert_eq!(changes[0]["quantity"], 7);
}
