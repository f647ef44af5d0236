//! Needs and offers over HTTP: the journeys, the lifecycle, validation, versions, search.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{need_input, offer_input, with, Response, TestApp};

fn id(item: &Value) -> &str {
    item["id"].as_str().unwrap()
}

fn ids(page: &Response) -> Vec<String> {
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| id(i).to_owned())
        .collect()
}

async fn patch(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    if_match: Option<&str>,
    body: &Value,
) -> Response {
    let mut request = app.client.patch(app.url(path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    Response::from_reqwest(request.send().await.unwrap()).await
}

pub async fn themes_form_a_tree_of_the_taxonomy(app: TestApp) {
    let tree = app.get("/api/v1/themes", None).await;
    tree.assert_status(StatusCode::OK);
    assert_eq!(tree.body["version"], 1);
    let mut codes = Vec::new();
    fn walk(nodes: &Value, parent: Option<&str>, codes: &mut Vec<String>) {
        for node in nodes.as_array().unwrap() {
            assert_eq!(node["parent"].as_str(), parent);
            codes.push(node["code"].as_str().unwrap().to_owned());
            walk(&node["children"], node["code"].as_str(), codes);
        }
    }
    walk(&tree.body["items"], None, &mut codes);
    assert!((25..=40).contains(&codes.len()), "{} codes", codes.len());
    for code in [
        "incident_response.csirt_setup",
        "ransomware.backup_recovery",
        "clinical_systems.medical_devices",
    ] {
        assert!(codes.contains(&code.to_owned()), "{code}");
    }
}

pub async fn a_requester_posts_publishes_edits_and_withdraws_a_need(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let created = app
        .post(
            "/api/v1/needs",
            hospital.token(),
            &need_input("Backup recovery after ransomware"),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let need = created.body.clone();
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(
        created.header("location").unwrap(),
        format!("/api/v1/needs/{}", id(&need))
    );
    assert_eq!(need["status"], "draft");
    assert_eq!(
        need["organisation_id"],
        hospital.account.organisation_id.as_str()
    );
    assert_eq!(need["languages"], json!(["en", "sw"]));
    let path = format!("/api/v1/needs/{}", id(&need));

    // A draft is its organisation's alone.
    app.get(&path, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let published = app
        .post(&format!("{path}/publish"), hospital.token(), &json!({}))
        .await;
    published.assert_status(StatusCode::OK);
    assert_eq!(published.body["status"], "open");
    assert_eq!(published.header("etag"), Some("\"2\""));
    let public = app.get(&path, None).await;
    public.assert_status(StatusCode::OK);
    assert_eq!(public.header("etag"), Some("\"2\""));

    let edited = patch(
        &app,
        &path,
        hospital.token(),
        Some("\"2\""),
        &json!({"quantity": 25, "wanted_from": null}),
    )
    .await;
    edited.assert_status(StatusCode::OK);
    assert_eq!(
        (
            edited.body["quantity"].as_i64(),
            edited.body["version"].as_i64()
        ),
        (Some(25), Some(3))
    );
    assert_eq!(
        edited.body["title"], need["title"],
        "a patch changes only what it names"
    );

    let withdrawn = app
        .post(&format!("{path}/withdraw"), hospital.token(), &json!({}))
        .await;
    assert_eq!(withdrawn.body["status"], "withdrawn");
    let again = app
        .post(&format!("{path}/publish"), hospital.token(), &json!({}))
        .await;
    let detail = again.assert_problem(StatusCode::CONFLICT);
    assert!(
        detail.contains("withdrawn") && detail.contains("final"),
        "{detail}"
    );
    app.get(&path, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

pub async fn a_provider_posts_and_closes_an_offer(app: TestApp) {
    let donor = app.verified_org("donor", "US").await;
    let funding = with(
        offer_input("Grants for hospital backup systems"),
        json!({"kind": "funding", "funding_amount": 250000, "funding_currency": "USD", "global": true, "countries": []}),
    );
    let offer = app.publish_offer(&donor, &funding).await;
    assert_eq!(
        (offer["status"].as_str(), offer["capacity_left"].as_i64()),
        (Some("open"), Some(30))
    );
    assert_eq!(offer["funding_currency"], "USD");
    let found = app
        .get("/api/v1/offers?kind=funding&country=SN", None)
        .await;
    assert!(
        ids(&found).contains(&id(&offer).to_owned()),
        "a global offer serves every country"
    );
    let closed = app
        .post(
            &format!("/api/v1/offers/{}/close", id(&offer)),
            donor.token(),
            &json!({}),
        )
        .await;
    assert_eq!(closed.body["status"], "closed");
    let open = app.get("/api/v1/offers", None).await;
    assert!(!ids(&open).contains(&id(&offer).to_owned()));

    let not_funding = with(
        offer_input("Training with money attached"),
        json!({"funding_amount": 5, "funding_currency": "EUR"}),
    );
    let refused = app
        .post("/api/v1/offers", donor.token(), &not_funding)
        .await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.invalid_fields(), ["funding_amount"]);
}

pub async fn only_the_right_side_posts_and_only_verified_organisations_publish(app: TestApp) {
    let ngo = app.verified_org("ngo", "FR").await;
    let hospital = app.sign_in(&app.register("hospital", "CM").await).await;
    app.post(
        "/api/v1/needs",
        None,
        &need_input("Anonymous posting attempt"),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED);
    app.post(
        "/api/v1/needs",
        ngo.token(),
        &need_input("A provider posting a need"),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
    app.post(
        "/api/v1/offers",
        hospital.token(),
        &offer_input("A hospital posting an offer"),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);

    let draft = app
        .create_need(&hospital, &need_input("Draft from an unverified hospital"))
        .await;
    let refused = app
        .post(
            &format!("/api/v1/needs/{}/publish", id(&draft)),
            hospital.token(),
            &json!({}),
        )
        .await;
    let detail = refused.assert_problem(StatusCode::CONFLICT);
    assert!(detail.contains("not verified"), "{detail}");
    let still = app
        .get(&format!("/api/v1/needs/{}", id(&draft)), hospital.token())
        .await;
    assert_eq!(
        (
            still.body["status"].as_str(),
            still.body["version"].as_i64()
        ),
        (Some("draft"), Some(1))
    );
}

pub async fn invalid_needs_name_every_bad_field_and_create_nothing(app: TestApp) {
    let hospital = app.verified_org("hospital", "GH").await;
    let bad = with(
        need_input("Bad"),
        json!({
            "description": "too short",
            "themes": ["ransomware", "no.such.theme"],
            "country": "XX",
            "languages": ["xx"],
            "delivery_modes": [],
            "quantity": 0,
            "wanted_from": "2099-01-01",
            "wanted_by": "2020-01-01",
            "budget_amount": -5,
            "budget_currency": "ABC",
        }),
    );
    let response = app.post("/api/v1/needs", hospital.token(), &bad).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: HashSet<String> = response.invalid_fields().into_iter().collect();
    for field in [
        "title",
        "description",
        "themes[1]",
        "country",
        "languages[0]",
        "delivery_modes",
        "quantity",
        "wanted_from",
        "wanted_by",
        "budget_amount",
        "budget_currency",
    ] {
        assert!(fields.contains(field), "{field} missing from {fields:?}");
    }
    for (body, status) in [
        (
            with(
                need_input("Unknown urgency"),
                json!({"urgency": "yesterday"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            with(need_input("Unknown field"), json!({"priority": 1})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            with(need_input("Bad date"), json!({"wanted_by": "next spring"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            with(
                need_input("Money without currency"),
                json!({"budget_amount": 100}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        app.post("/api/v1/needs", hospital.token(), &body)
            .await
            .assert_problem(status);
    }
    let mine = app
        .get(
            &format!(
                "/api/v1/needs?status=draft&organisation={}",
                hospital.account.organisation_id
            ),
            hospital.token(),
        )
        .await;
    assert!(ids(&mine).is_empty(), "nothing was created: {}", mine.text);
}

pub async fn versions_guard_every_change(app: TestApp) {
    let hospital = app.verified_org("hospital", "NG").await;
    let need = app
        .publish_need(&hospital, &need_input("Medical-device inventory help"))
        .await;
    let path = format!("/api/v1/needs/{}", id(&need));
    let change = json!({"urgency": "critical"});
    patch(&app, &path, hospital.token(), None, &change)
        .await
        .assert_problem(StatusCode::PRECONDITION_REQUIRED);
    patch(&app, &path, hospital.token(), Some("\"1\""), &change)
        .await
        .assert_problem(StatusCode::PRECONDITION_FAILED);
    patch(&app, &path, hospital.token(), Some("not-an-etag"), &change)
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
    let unchanged = app.get(&path, None).await;
    assert_eq!(
        (
            unchanged.body["urgency"].as_str(),
            unchanged.body["version"].as_i64()
        ),
        (Some("high"), Some(2))
    );

    // Two editors who read the same version: one wins, the other is told, nothing is lost.
    let (more, elsewhere) = (json!({"quantity": 30}), json!({"country": "GH"}));
    let (a, b) = tokio::join!(
        patch(&app, &path, hospital.token(), Some("\"2\""), &more),
        patch(&app, &path, hospital.token(), Some("\"2\""), &elsewhere),
    );
    let statuses: HashSet<StatusCode> = [a.status, b.status].into_iter().collect();
    assert_eq!(
        statuses,
        HashSet::from([StatusCode::OK, StatusCode::PRECONDITION_FAILED]),
        "{} / {}",
        a.text,
        b.text
    );
    let after = app.get(&path, None).await;
    assert_eq!(after.body["version"], 3);
    let winner = if a.status == StatusCode::OK { &a } else { &b };
    assert_eq!(after.body, winner.body);

    let stale_transition = app
        .client
        .post(app.url(&format!("{path}/close")))
        .bearer_auth(&hospital.access_token)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale_transition.status(), StatusCode::PRECONDITION_FAILED);
}

pub async fn others_cannot_change_what_is_not_theirs(app: TestApp) {
    let owner = app.verified_org("hospital", "RW").await;
    let other = app.verified_org("hospital", "RW").await;
    let public = app
        .publish_need(&owner, &need_input("Public need of another hospital"))
        .await;
    let hidden = app
        .publish_need(
            &owner,
            &with(
                need_input("Confidential need of another hospital"),
                json!({"visibility": "coordinators"}),
            ),
        )
        .await;
    let public_path = format!("/api/v1/needs/{}", id(&public));
    patch(
        &app,
        &public_path,
        other.token(),
        Some("\"2\""),
        &json!({"quantity": 1}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
    app.post(&format!("{public_path}/close"), other.token(), &json!({}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let hidden_path = format!("/api/v1/needs/{}", id(&hidden));
    app.post(&format!("{hidden_path}/close"), other.token(), &json!({}))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    patch(
        &app,
        &hidden_path,
        other.token(),
        Some("\"2\""),
        &json!({"quantity": 1}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);

    // A coordinator may act on any need.
    let coordinator = app.coordinator().await;
    let closed = app
        .post(
            &format!("{hidden_path}/close"),
            coordinator.token(),
            &json!({}),
        )
        .await;
    assert_eq!(closed.body["status"], "closed");
    app.request(Method::DELETE, &public_path, owner.token(), None)
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED);
}

pub async fn lists_filter_search_sort_and_page(app: TestApp) {
    let kenya = app.verified_org("hospital", "KE").await;
    let peru = app.verified_org("ministry", "PE").await;
    let a = app
        .publish_need(
            &kenya,
            &with(
                need_input("Segmenting the imaging network"),
                json!({"themes": ["clinical_systems.pacs"], "urgency": "low"}),
            ),
        )
        .await;
    let b = app
        .publish_need(
            &kenya,
            &with(
                need_input("Securing infusion pumps"),
                json!({"themes": ["clinical_systems.medical_devices"], "urgency": "critical"}),
            ),
        )
        .await;
    let c = app
        .publish_need(
            &peru,
            &with(
                need_input("Formación en respuesta a incidentes"),
                json!({"themes": ["incident_response.playbooks"], "country": "PE", "languages": ["es"], "urgency": "medium",
                       "description": "Capacitación para el equipo de TI de hospitales regionales en respuesta a incidentes."}),
            ),
        )
        .await;
    let listed = |query: &'static str| {
        let app = &app;
        async move { ids(&app.get(&format!("/api/v1/needs?{query}"), None).await) }
    };
    let mut parent = listed("theme=clinical_systems").await;
    parent.sort();
    let mut expected = vec![id(&a).to_owned(), id(&b).to_owned()];
    expected.sort();
    assert_eq!(parent, expected, "a parent theme matches its children");
    assert_eq!(listed("country=pe").await, [id(&c)]);
    assert_eq!(listed("language=es").await, [id(&c)]);
    assert_eq!(listed("urgency=critical").await, [id(&b)]);
    assert_eq!(listed("q=infusion").await, [id(&b)]);
    assert_eq!(
        listed("q=INFUS").await,
        [id(&b)],
        "words match as prefixes, in any case"
    );
    assert_eq!(listed("q=respuesta%20incidentes").await, [id(&c)]);
    assert!(listed("q=ransomware%20pacs%20nowhere").await.is_empty());
    assert_eq!(listed("sort=urgency").await, [id(&b), id(&c), id(&a)]);
    assert_eq!(
        listed(Box::leak(
            format!("organisation={}", peru.account.organisation_id).into_boxed_str()
        ))
        .await,
        [id(&c)]
    );

    let mut seen = Vec::new();
    let mut cursor = None::<String>;
    loop {
        let mut path = "/api/v1/needs?sort=wanted_by&limit=1".to_owned();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = app.get(&path, None).await;
        seen.extend(ids(&page));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 3, "no repeats");

    for (query, status) in [
        ("theme=no.such", StatusCode::UNPROCESSABLE_ENTITY),
        ("country=ZZ", StatusCode::UNPROCESSABLE_ENTITY),
        ("language=qq", StatusCode::UNPROCESSABLE_ENTITY),
        ("q=%21%21%21", StatusCode::UNPROCESSABLE_ENTITY),
        ("sort=random", StatusCode::BAD_REQUEST),
        ("status=sleeping", StatusCode::BAD_REQUEST),
        ("limit=1000", StatusCode::UNPROCESSABLE_ENTITY),
        ("cursor=garbage", StatusCode::BAD_REQUEST),
    ] {
        app.get(&format!("/api/v1/needs?{query}"), None)
            .await
            .assert_problem(status);
    }
    let newest_cursor = app.get("/api/v1/needs?limit=1", None).await.body["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(
        &format!("/api/v1/needs?sort=urgency&cursor={newest_cursor}"),
        None,
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST);
}

pub async fn the_audit_log_records_who_changed_what(app: TestApp) {
    let hospital = app.verified_org("hospital", "TZ").await;
    let need = app
        .publish_need(&hospital, &need_input("Audit trail need"))
        .await;
    let path = format!("/api/v1/needs/{}", id(&need));
    patch(
        &app,
        &path,
        hospital.token(),
        Some("\"2\""),
        &json!({"urgency": "critical"}),
    )
    .await
    .assert_status(StatusCode::OK);

    let coordinator = app.coordinator().await;
    let log = app
        .get(
            &format!("/api/v1/audit?entity=need&entity_id={}", id(&need)),
            coordinator.token(),
        )
        .await;
    log.assert_status(StatusCode::OK);
    let items = log.body["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["edit", "publish", "create"], "newest first");
    let edit = &items[0];
    assert_eq!(edit["actor_user_id"], hospital.account.user_id.as_str());
    assert_eq!(
        edit["actor_organisation_id"],
        hospital.account.organisation_id.as_str()
    );
    assert_eq!(
        (
            edit["before"]["urgency"].as_str(),
            edit["after"]["urgency"].as_str()
        ),
        (Some("high"), Some("critical"))
    );
    assert!(
        edit["before"].get("title").is_none(),
        "only changed fields: {}",
        edit["before"]
    );
    assert_eq!(items[1]["after"]["status"], "open");

    let verification = app
        .get(
            &format!(
                "/api/v1/audit?entity=organisation&entity_id={}",
                hospital.account.organisation_id
            ),
            coordinator.token(),
        )
        .await;
    let line = &verification.body["items"][0];
    assert_eq!(
        (line["action"].as_str(), line["after"]["verified"].as_bool()),
        (Some("verify"), Some(true))
    );
    assert!(
        line["actor_user_id"].is_string(),
        "the coordinator who verified: {line}"
    );

    app.get("/api/v1/audit", hospital.token())
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    app.get("/api/v1/audit", None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

pub async fn unconfirmed_needs_expire_and_can_be_reconfirmed(app: TestApp) {
    let app = TestApp::spawn_with(app.engine, &[("expiry_interval_seconds", "1")]).await;
    let hospital = app.verified_org("hospital", "ZM").await;
    let need = app
        .publish_need(&hospital, &need_input("A need nobody reconfirmed"))
        .await;
    let fresh = app
        .publish_need(&hospital, &need_input("A need reconfirmed recently"))
        .await;
    let path = format!("/api/v1/needs/{}", id(&need));
    // Time passing: the need was last reconfirmed 91 days ago.
    {
        use clearinghouse::db::schema::needs;
        use diesel::prelude::*;
        let long_ago = (chrono::Utc::now() - chrono::Duration::days(91)).naive_utc();
        let need_id = id(&need).to_owned();
        app.database()
            .write_blocking(|conn| {
                clearinghouse::dispatch!(conn, |c| diesel::update(needs::table.find(&need_id))
                    .set(needs::reconfirmed_at.eq(long_ago))
                    .execute(c))?;
                Ok::<_, clearinghouse::db::StoreError>(())
            })
            .unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let expired = loop {
        let current = app.get(&path, hospital.token()).await;
        if current.body["status"] == "expired" {
            break current;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the need did not expire: {}",
            current.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(
        app.get(&format!("/api/v1/needs/{}", id(&fresh)), None)
            .await
            .body["status"],
        "open"
    );
    let coordinator = app.coordinator().await;
    let log = app
        .get(
            &format!("/api/v1/audit?entity=need&entity_id={}", id(&need)),
            coordinator.token(),
        )
        .await;
    assert_eq!(log.body["items"][0]["action"], "expire");
    assert!(
        log.body["items"][0]["actor_user_id"].is_null(),
        "the service itself expired it"
    );

    let reconfirmed = app
        .post(&format!("{path}/reconfirm"), hospital.token(), &json!({}))
        .await;
    reconfirmed.assert_status(StatusCode::OK);
    assert_eq!(reconfirmed.body["status"], "open");
    assert!(reconfirmed.body["reconfirmed_at"].as_str() > expired.body["reconfirmed_at"].as_str());
}
