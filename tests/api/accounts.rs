//! The organisation directory, who sees what in it, and verification by coordinators.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{item_ids, strings_at, Response, TestApp};

fn ids(page: &Response) -> HashSet<String> {
    item_ids(page).into_iter().collect()
}

pub async fn directory_shows_verified_organisations_and_ones_own(app: TestApp) {
    let verified = app.verified_org("ngo", "KE").await;
    let unverified = app.register("hospital", "KE").await;
    let unverified_session = app.sign_in(&unverified).await;
    let outsider = app.sign_in(&app.register("company", "DE").await).await;
    let coordinator = app.coordinator().await;

    let anonymous = ids(&app.get("/api/v1/organisations", None).await);
    assert!(anonymous.contains(&verified.account.organisation_id));
    assert!(!anonymous.contains(&unverified.organisation_id));

    let own = ids(&unverified_session.get("/api/v1/organisations").await);
    assert!(
        own.contains(&unverified.organisation_id)
            && own.contains(&verified.account.organisation_id)
    );

    let other = ids(&outsider.get("/api/v1/organisations").await);
    assert!(!other.contains(&unverified.organisation_id));

    let all = ids(&coordinator.get("/api/v1/organisations").await);
    assert!(
        all.contains(&unverified.organisation_id)
            && all.contains(&outsider.account.organisation_id)
    );

    let queue = coordinator
        .get("/api/v1/organisations?verified=false")
        .await;
    let queue_ids = ids(&queue);
    assert!(queue_ids.contains(&unverified.organisation_id));
    assert!(!queue_ids.contains(&verified.account.organisation_id));
    assert!(queue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["verified"] == false));
}

pub async fn directory_filters_and_pages_without_gaps_or_repeats(app: TestApp) {
    let coordinator = app.coordinator().await;
    let mut hospitals_in_kenya = HashSet::new();
    for _ in 0..5 {
        hospitals_in_kenya.insert(app.register("hospital", "KE").await.organisation_id);
    }
    app.register("hospital", "TZ").await;
    app.register("ngo", "KE").await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/v1/organisations?kind=hospital&country=ke&limit=2".to_owned();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = coordinator.get(&path).await;
        page.assert_status(StatusCode::OK);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        for item in items {
            assert_eq!(
                (item["kind"].as_str(), item["country"].as_str()),
                (Some("hospital"), Some("KE"))
            );
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "every match once: {seen:?}");
    assert_eq!(
        seen.iter().cloned().collect::<HashSet<_>>(),
        hospitals_in_kenya
    );

    // Newest first.
    let page = coordinator.get("/api/v1/organisations?limit=100").await;
    let created = strings_at(&page.body["items"], "created_at");
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted);
}

pub async fn directory_rejects_bad_queries(app: TestApp) {
    for (query, status) in [
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("limit=101", StatusCode::UNPROCESSABLE_ENTITY),
        ("limit=-1", StatusCode::BAD_REQUEST),
        ("country=XX", StatusCode::UNPROCESSABLE_ENTITY),
        ("kind=clinic", StatusCode::BAD_REQUEST),
        ("verified=maybe", StatusCode::BAD_REQUEST),
        ("cursor=bm90LWEtY3Vyc29y", StatusCode::BAD_REQUEST),
        ("cursor=%%%", StatusCode::BAD_REQUEST),
        ("colour=blue", StatusCode::BAD_REQUEST),
    ] {
        let response = app
            .get(&format!("/api/v1/organisations?{query}"), None)
            .await;
        assert_eq!(response.status, status, "{query}: {}", response.text);
        response.assert_problem(status);
    }
}

pub async fn hidden_organisations_answer_not_found(app: TestApp) {
    let unverified = app.register("ministry", "PE").await;
    let path = format!("/api/v1/organisations/{}", unverified.organisation_id);
    let outsider = app.sign_in(&app.register("ngo", "PE").await).await;
    let member = app.sign_in(&unverified).await;
    let coordinator = app.coordinator().await;

    let hidden = app.get(&path, None).await;
    hidden.assert_problem(StatusCode::NOT_FOUND);
    let missing = app
        .get(
            &format!("/api/v1/organisations/{}", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    missing.assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(
        hidden.body, missing.body,
        "a hidden organisation looks exactly like a missing one"
    );
    outsider
        .get(&path)
        .await
        .assert_problem(StatusCode::NOT_FOUND);

    let own = member.get(&path).await;
    own.assert_status(StatusCode::OK);
    assert_eq!(own.body["kind"], "ministry");
    coordinator.get(&path).await.assert_status(StatusCode::OK);
    app.get("/api/v1/organisations/not-a-uuid", None)
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
}

pub async fn only_coordinators_verify_and_only_once(app: TestApp) {
    let applicant = app.register("health_agency", "NG").await;
    let admin = app.sign_in(&applicant).await;
    let verify = format!("/api/v1/organisations/{}/verify", applicant.organisation_id);

    app.post(&verify, None, &json!({}))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    admin
        .post(&verify, &json!({}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let still = admin
        .get(&format!(
            "/api/v1/organisations/{}",
            applicant.organisation_id
        ))
        .await;
    assert_eq!(
        still.body["verified"], false,
        "a refused verification changes nothing"
    );

    let coordinator = app.coordinator().await;
    let verified = coordinator.post(&verify, &json!({})).await;
    verified.assert_status(StatusCode::OK);
    assert_eq!(verified.body["verified"], true);
    let public = app
        .get(
            &format!("/api/v1/organisations/{}", applicant.organisation_id),
            None,
        )
        .await;
    public.assert_status(StatusCode::OK);
    assert_eq!(public.body["verified"], true);

    let again = coordinator.post(&verify, &json!({})).await;
    let detail = again.assert_problem(StatusCode::CONFLICT);
    assert!(detail.contains("already verified"), "{detail}");
    coordinator
        .post(
            &format!("/api/v1/organisations/{}/verify", uuid::Uuid::new_v4()),
            &json!({}),
        )
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    coordinator
        .post("/api/v1/organisations/42/verify", &json!({}))
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
}
