//! Needs and offers over HTTP: the journeys, the lifecycle, validation, versions, search.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{
    id, item_ids, need_input, need_with, offer_input, offer_with, ItemStep, Need, Offer, TestApp,
};

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
    let created = hospital
        .post(
            "/api/v1/needs",
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
    let published = hospital.publish(Need(&need)).await;
    published.assert_status(StatusCode::OK);
    assert_eq!(published.body["status"], "open");
    assert_eq!(published.header("etag"), Some("\"2\""));
    let public = app.get(&path, None).await;
    public.assert_status(StatusCode::OK);
    assert_eq!(public.header("etag"), Some("\"2\""));

    let edited = hospital
        .patch(
            &path,
            "\"2\"",
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

    let withdrawn = hospital.withdraw(Need(&need)).await;
    assert_eq!(withdrawn.body["status"], "withdrawn");
    let again = hospital.publish(Need(&need)).await;
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
    let funding = offer_with(
        "Grants for hospital backup systems",
        json!({"kind": "funding", "funding_amount": 250000, "funding_currency": "USD", "global": true, "countries": []}),
    );
    let offer = donor.publish_offer(&funding).await;
    assert_eq!(
        (offer["status"].as_str(), offer["capacity_left"].as_i64()),
        (Some("open"), Some(30))
    );
    assert_eq!(offer["funding_currency"], "USD");
    let found = app
        .get("/api/v1/offers?kind=funding&country=SN", None)
        .await;
    assert!(
        item_ids(&found).contains(&id(&offer).to_owned()),
        "a global offer serves every country"
    );
    let closed = donor.close(Offer(&offer)).await;
    assert_eq!(closed.body["status"], "closed");
    let open = app.get("/api/v1/offers", None).await;
    assert!(!item_ids(&open).contains(&id(&offer).to_owned()));

    let not_funding = offer_with(
        "Training with money attached",
        json!({"funding_amount": 5, "funding_currency": "EUR"}),
    );
    let refused = donor.post("/api/v1/offers", &not_funding).await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.invalid_fields(), ["funding_amount"]);
}

pub async fn only_the_right_side_posts_and_only_verified_organisations_publish(app: TestApp) {
    let ngo = app.verified_org("ngo", "FR").await;
    let hospital = app
        .sign_in(&app.register_confirmed("hospital", "CM").await)
        .await;
    app.post(
        "/api/v1/needs",
        None,
        &need_input("Anonymous posting attempt"),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED);
    ngo.post("/api/v1/needs", &need_input("A provider posting a need"))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    hospital
        .post(
            "/api/v1/offers",
            &offer_input("A hospital posting an offer"),
        )
        .await
        .assert_problem(StatusCode::FORBIDDEN);

    let draft = hospital
        .create_need(&need_input("Draft from an unverified hospital"))
        .await;
    let refused = hospital.publish(Need(&draft)).await;
    let detail = refused.assert_problem(StatusCode::FORBIDDEN);
    assert!(detail.contains("not verified"), "{detail}");
    assert!(
        refused.body["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("/problems/organisation-not-verified")),
        "{}",
        refused.text
    );
    let still = hospital.get(&format!("/api/v1/needs/{}", id(&draft))).await;
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
    let bad = need_with(
        "Bad",
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
    let response = hospital.post("/api/v1/needs", &bad).await;
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
            need_with("Unknown urgency", json!({"urgency": "yesterday"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            need_with("Unknown field", json!({"priority": 1})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            need_with("Bad date", json!({"wanted_by": "next spring"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            need_with("Money without currency", json!({"budget_amount": 100})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        hospital
            .post("/api/v1/needs", &body)
            .await
            .assert_problem(status);
    }
    let mine = hospital
        .get(&format!(
            "/api/v1/needs?status=draft&organisation={}",
            hospital.account.organisation_id
        ))
        .await;
    assert!(
        item_ids(&mine).is_empty(),
        "nothing was created: {}",
        mine.text
    );
}

pub async fn versions_guard_every_change(app: TestApp) {
    let hospital = app.verified_org("hospital", "NG").await;
    let need = hospital
        .publish_need(&need_input("Medical-device inventory help"))
        .await;
    let path = format!("/api/v1/needs/{}", id(&need));
    let change = json!({"urgency": "critical"});
    app.patch(&path, hospital.token(), None, &change)
        .await
        .assert_problem(StatusCode::PRECONDITION_REQUIRED);
    hospital
        .patch(&path, "\"1\"", &change)
        .await
        .assert_problem(StatusCode::PRECONDITION_FAILED);
    hospital
        .patch(&path, "not-an-etag", &change)
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
        hospital.patch(&path, "\"2\"", &more),
        hospital.patch(&path, "\"2\"", &elsewhere),
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
        .post(app.url(&format!("{path}/{}", ItemStep::Close.name())))
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
    let public = owner
        .publish_need(&need_input("Public need of another hospital"))
        .await;
    let hidden = owner
        .publish_need(&need_with(
            "Confidential need of another hospital",
            json!({"visibility": "coordinators"}),
        ))
        .await;
    let public_path = format!("/api/v1/needs/{}", id(&public));
    other
        .patch(&public_path, "\"2\"", &json!({"quantity": 1}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    other
        .close(Need(&public))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let hidden_path = format!("/api/v1/needs/{}", id(&hidden));
    other
        .close(Need(&hidden))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    other
        .patch(&hidden_path, "\"2\"", &json!({"quantity": 1}))
        .await
        .assert_problem(StatusCode::NOT_FOUND);

    // A coordinator may act on any need.
    let coordinator = app.coordinator().await;
    let closed = coordinator.close(Need(&hidden)).await;
    assert_eq!(closed.body["status"], "closed");
    app.request(Method::DELETE, &public_path, owner.token(), None)
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED);
}

pub async fn lists_filter_search_sort_and_page(app: TestApp) {
    let kenya = app.verified_org("hospital", "KE").await;
    let peru = app.verified_org("ministry", "PE").await;
    let [a, b] = kenya
        .publish_needs([
            (
                "Segmenting the imaging network",
                json!({"themes": ["clinical_systems.pacs"], "urgency": "low"}),
            ),
            (
                "Securing infusion pumps",
                json!({"themes": ["clinical_systems.medical_devices"], "urgency": "critical"}),
            ),
        ])
        .await;
    let c = peru.publish_need(&need_with("Formación en respuesta a incidentes", json!({"themes": ["incident_response.playbooks"], "country": "PE", "languages": ["es"], "urgency": "medium",
                       "description": "Capacitación para el equipo de TI de hospitales regionales en respuesta a incidentes."}),
            ),
        )
        .await;
    let listed = |query: &'static str| {
        let app = &app;
        async move { item_ids(&app.get(&format!("/api/v1/needs?{query}"), None).await) }
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
        seen.extend(item_ids(&page));
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
    // A cursor continues the list it came from, in its order, whatever `sort` says now:
    // every cursor of the documented form is a page (docs/API.md).
    let continued = app
        .get(
            &format!("/api/v1/needs?sort=urgency&limit=1&cursor={newest_cursor}"),
            None,
        )
        .await;
    assert_eq!(continued.status, StatusCode::OK, "{}", continued.text);
    let newest_second = app
        .get(
            &format!("/api/v1/needs?limit=1&cursor={newest_cursor}"),
            None,
        )
        .await;
    assert_eq!(continued.body["items"], newest_second.body["items"]);
}

pub async fn the_audit_log_records_who_changed_what(app: TestApp) {
    let hospital = app.verified_org("hospital", "TZ").await;
    let need = hospital.publish_need(&need_input("Audit trail need")).await;
    let path = format!("/api/v1/needs/{}", id(&need));
    hospital
        .patch(&path, "\"2\"", &json!({"urgency": "critical"}))
        .await
        .assert_status(StatusCode::OK);

    let coordinator = app.coordinator().await;
    let log = coordinator.audit("need", &id(&need)).await;
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

    let verification = coordinator
        .audit("organisation", &hospital.account.organisation_id)
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

    app.assert_coordinators_only(&hospital, "/api/v1/audit")
        .await;
}

pub async fn unconfirmed_needs_expire_and_can_be_reconfirmed(app: TestApp) {
    let app = TestApp::spawn_with(app.engine, &[("expiry_interval_seconds", "1")]).await;
    let hospital = app.verified_org("hospital", "ZM").await;
    let [need, fresh] = hospital
        .publish_needs([
            ("A need nobody reconfirmed", json!({})),
            ("A need reconfirmed recently", json!({})),
        ])
        .await;
    let path = format!("/api/v1/needs/{}", id(&need));
    // Time passing: the need was last reconfirmed 91 days ago.
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(91)).naive_utc();
    crate::set_column!(app, needs.reconfirmed_at, id(&need), long_ago);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let expired = loop {
        let current = hospital.get(&path).await;
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
    let log = coordinator.audit("need", &id(&need)).await;
    assert_eq!(log.body["items"][0]["action"], "expire");
    assert!(
        log.body["items"][0]["actor_user_id"].is_null(),
        "the service itself expired it"
    );

    let reconfirmed = hospital.reconfirm(Need(&need)).await;
    reconfirmed.assert_status(StatusCode::OK);
    assert_eq!(reconfirmed.body["status"], "open");
    assert!(reconfirmed.body["reconfirmed_at"].as_str() > expired.body["reconfirmed_at"].as_str());
}

/// A need's and an offer's themes read back in the order they were given: the first is the
/// main one, which the matcher weighs most, so an order by code would change the ranking.
pub async fn themes_keep_the_order_they_were_given_in(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let ngo = app.verified_org("ngo", "KE").await;
    let main_last_by_code = json!(["workforce.it_staff_training", "incident_response.playbooks"]);
    let need = hospital
        .create_need(&need_with(
            "Train our IT staff",
            json!({"themes": main_last_by_code}),
        ))
        .await;
    assert_eq!(need["themes"], main_last_by_code);
    let path = format!("/api/v1/needs/{}", id(&need));
    assert_eq!(hospital.read(&path).await["themes"], main_last_by_code);
    let reordered = json!([
        "ransomware.backup_recovery",
        "incident_response.playbooks",
        "clinical_systems.pacs"
    ]);
    hospital
        .patch(&path, "\"1\"", &json!({"themes": reordered}))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(hospital.read(&path).await["themes"], reordered);

    let offer = ngo
        .create_offer(&offer_with(
            "IT staff courses",
            json!({"themes": main_last_by_code}),
        ))
        .await;
    let path = format!("/api/v1/offers/{}", id(&offer));
    assert_eq!(ngo.read(&path).await["themes"], main_last_by_code);
}
