//! Candidates and the match workflow over HTTP.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{need_input, offer_input, with, Response, Session, TestApp};

fn id(item: &Value) -> String {
    item["id"].as_str().unwrap().to_owned()
}

async fn act(
    app: &TestApp,
    session: &Session,
    match_id: &str,
    action: &str,
    body: Value,
) -> Response {
    app.post(
        &format!("/api/v1/matches/{match_id}/{action}"),
        session.token(),
        &body,
    )
    .await
}

pub async fn a_need_gets_ranked_explained_candidates(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let ngo = app.verified_org("ngo", "FR").await;
    let need = app
        .publish_need(
            &hospital,
            &with(
                need_input("Restore drills after ransomware"),
                json!({"themes": ["ransomware.backup_recovery"], "quantity": 10}),
            ),
        )
        .await;
    let exact = app
        .publish_offer(
            &ngo,
            &with(
                offer_input("Backup and restore clinic"),
                json!({"themes": ["ransomware.backup_recovery"], "countries": ["KE"]}),
            ),
        )
        .await;
    let regional = app
        .publish_offer(
            &ngo,
            &with(
                offer_input("Ransomware readiness for East Africa"),
                json!({"themes": ["ransomware"], "countries": [], "regions": ["eastern_africa"]}),
            ),
        )
        .await;
    let other_theme = app
        .publish_offer(
            &ngo,
            &with(
                offer_input("Board cyber literacy"),
                json!({"themes": ["workforce.leadership"], "global": true}),
            ),
        )
        .await;
    let french_only = app
        .publish_offer(
            &ngo,
            &with(
                offer_input("Sauvegardes et restauration"),
                json!({"themes": ["ransomware.backup_recovery"], "languages": ["fr"]}),
            ),
        )
        .await;
    let hidden = app
        .publish_offer(
            &ngo,
            &with(
                offer_input("Confidential backup programme"),
                json!({"themes": ["ransomware.backup_recovery"], "visibility": "coordinators"}),
            ),
        )
        .await;

    let page = app
        .get(
            &format!("/api/v1/needs/{}/candidates", id(&need)),
            hospital.token(),
        )
        .await;
    page.assert_status(StatusCode::OK);
    let items = page.body["items"].as_array().unwrap();
    let ranked: Vec<String> = items.iter().map(|c| id(&c["offer"])).collect();
    assert_eq!(ranked, [id(&exact), id(&regional)], "{}", page.text);
    for excluded in [&other_theme, &french_only, &hidden] {
        assert!(!page.text.contains(&id(excluded)));
    }
    let best = &items[0];
    assert!(best["score"].as_f64().unwrap() > items[1]["score"].as_f64().unwrap());
    let factors: Vec<&str> = best["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["factor"].as_str().unwrap())
        .collect();
    assert_eq!(
        factors,
        [
            "theme",
            "geography",
            "language",
            "timing",
            "urgency",
            "capacity",
            "funding"
        ]
    );
    assert_eq!(best["explanation"][1]["reason"], "serves Kenya by name");
    assert_eq!(
        items[1]["explanation"][1]["reason"],
        "serves the region eastern_africa that Kenya is in"
    );

    // A coordinator sees the hidden offer as a candidate too; other organisations see nothing.
    let coordinator = app.coordinator().await;
    let all = app
        .get(
            &format!("/api/v1/needs/{}/candidates", id(&need)),
            coordinator.token(),
        )
        .await;
    assert!(all.text.contains(&id(&hidden)));
    app.get(
        &format!("/api/v1/needs/{}/candidates", id(&need)),
        ngo.token(),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
    let limited = app
        .get(
            &format!("/api/v1/needs/{}/candidates?limit=1", id(&need)),
            hospital.token(),
        )
        .await;
    let next = limited.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(
            &format!(
                "/api/v1/needs/{}/candidates?limit=1&cursor={next}",
                id(&need)
            ),
            hospital.token(),
        )
        .await;
    assert_eq!(id(&second.body["items"][0]["offer"]), id(&regional));
}

pub async fn a_hidden_need_is_never_a_providers_candidate(app: TestApp) {
    let hospital = app.verified_org("hospital", "UG").await;
    let ngo = app.verified_org("ngo", "UG").await;
    let public = app
        .publish_need(
            &hospital,
            &with(need_input("Public backup need"), json!({"country": "UG"})),
        )
        .await;
    let anonymous = app
        .publish_need(
            &hospital,
            &with(
                need_input("Anonymous backup need"),
                json!({"country": "UG", "anonymous": true}),
            ),
        )
        .await;
    let secret = app
        .publish_need(
            &hospital,
            &with(
                need_input("Secret backup need"),
                json!({"country": "UG", "visibility": "coordinators"}),
            ),
        )
        .await;
    let offer = app
        .publish_offer(
            &ngo,
            &with(
                offer_input("Backup help for Uganda"),
                json!({"themes": ["ransomware.backup_recovery"], "countries": ["UG"]}),
            ),
        )
        .await;
    let page = app
        .get(
            &format!("/api/v1/offers/{}/candidates", id(&offer)),
            ngo.token(),
        )
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.text.contains(&id(&public)) && page.text.contains(&id(&anonymous)));
    assert!(
        !page.text.contains(&id(&secret)),
        "a need for coordinators only is nobody else's candidate"
    );
    let shown = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| id(&c["need"]) == id(&anonymous))
        .unwrap();
    assert!(
        shown["need"]["organisation_id"].is_null(),
        "anonymity holds in candidate lists"
    );
    // Nor can a provider propose a match with a need it cannot see.
    let refused = app
        .post(
            "/api/v1/matches",
            ngo.token(),
            &json!({"need_id": id(&secret), "offer_id": id(&offer)}),
        )
        .await;
    refused.assert_problem(StatusCode::NOT_FOUND);
}

pub async fn a_match_goes_from_proposal_to_completion(app: TestApp) {
    let hospital = app.verified_org("hospital", "GH").await;
    let ngo = app.verified_org("ngo", "GH").await;
    let need = app
        .publish_need(
            &hospital,
            &with(
                need_input("Incident response for Accra hospitals"),
                json!({"country": "GH", "quantity": 8}),
            ),
        )
        .await;
    let offer = app
        .publish_offer(&ngo, &with(offer_input("Backup training for West Africa"), json!({"themes": ["ransomware.backup_recovery"], "countries": ["GH"], "capacity": 20})))
        .await;
    let proposed = app
        .post(
            "/api/v1/matches",
            hospital.token(),
            &json!({"need_id": id(&need), "offer_id": id(&offer), "note": "They train in English"}),
        )
        .await;
    proposed.assert_status(StatusCode::CREATED);
    let match_id = id(&proposed.body);
    assert_eq!(
        proposed.header("location").unwrap(),
        format!("/api/v1/matches/{match_id}")
    );
    assert_eq!(
        (
            proposed.body["status"].as_str(),
            proposed.body["proposed_by"].as_str()
        ),
        (Some("proposed"), Some("requester"))
    );
    assert_eq!(
        (
            proposed.body["requester_accepted"].as_bool(),
            proposed.body["provider_accepted"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert!(proposed.body["score"].as_f64().unwrap() > 0.5);

    act(&app, &ngo, &match_id, "approve", json!({}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let coordinator = app.coordinator().await;
    act(&app, &coordinator, &match_id, "accept", json!({}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let approved = act(&app, &coordinator, &match_id, "approve", json!({})).await;
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(
        approved.body["decided_by"],
        coordinator.account.user_id.as_str()
    );
    act(&app, &hospital, &match_id, "accept", json!({}))
        .await
        .assert_problem(StatusCode::CONFLICT);

    let active = act(&app, &ngo, &match_id, "accept", json!({})).await;
    assert_eq!(
        (
            active.body["status"].as_str(),
            active.body["reserved_quantity"].as_i64()
        ),
        (Some("active"), Some(8))
    );
    let offer_now = app
        .get(&format!("/api/v1/offers/{}", id(&offer)), None)
        .await;
    assert_eq!(offer_now.body["capacity_left"], 12);
    let need_now = app.get(&format!("/api/v1/needs/{}", id(&need)), None).await;
    assert_eq!(need_now.body["status"], "matched");

    let bad_outcome = act(
        &app,
        &ngo,
        &match_id,
        "complete",
        json!({"delivered_quantity": 9, "rating": 6}),
    )
    .await;
    bad_outcome.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad_outcome.invalid_fields(),
        ["delivered_quantity", "rating", "outcome"]
    );
    let completed = act(
        &app,
        &ngo,
        &match_id,
        "complete",
        json!({"delivered_quantity": 8, "rating": 5, "outcome": "Eight IT staff trained; restore drills now monthly."}),
    )
    .await;
    completed.assert_status(StatusCode::OK);
    assert_eq!(
        (
            completed.body["status"].as_str(),
            completed.body["delivered_quantity"].as_i64()
        ),
        (Some("completed"), Some(8))
    );
    let fulfilled = app.get(&format!("/api/v1/needs/{}", id(&need)), None).await;
    assert_eq!(
        (
            fulfilled.body["status"].as_str(),
            fulfilled.body["quantity_covered"].as_i64()
        ),
        (Some("fulfilled"), Some(8))
    );
    act(
        &app,
        &ngo,
        &match_id,
        "cancel",
        json!({"reason": "too late"}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT);

    let listed = app.get("/api/v1/matches", hospital.token()).await;
    assert_eq!(listed.body["items"][0]["id"], match_id.as_str());
    let stranger = app.verified_org("hospital", "GH").await;
    assert!(
        app.get("/api/v1/matches", stranger.token()).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    app.get(&format!("/api/v1/matches/{match_id}"), stranger.token())
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let log = app
        .get(
            &format!("/api/v1/audit?entity=match&entity_id={match_id}"),
            coordinator.token(),
        )
        .await;
    let actions: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["complete", "accept", "approve", "create"]);

    // The gap report counts the delivery, and the need nobody meets.
    let unmet = app.publish_need(&hospital, &with(need_input("Unmet need for a forensic lab"), json!({"country": "GH", "themes": ["incident_response.forensics"], "urgency": "critical"}))).await;
    app.get("/api/v1/reports/gaps", hospital.token())
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let report = app.get("/api/v1/reports/gaps", coordinator.token()).await;
    report.assert_status(StatusCode::OK);
    let summary = &report.body["summary"];
    assert_eq!(
        (
            summary["published_needs"].as_i64(),
            summary["needs_matched"].as_i64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(
        (
            summary["matches_completed"].as_i64(),
            summary["quantity_delivered"].as_i64()
        ),
        (Some(1), Some(8))
    );
    assert_eq!(summary["average_rating"].as_f64(), Some(5.0));
    // Completed by the provider: the hospital has not reported yet.
    assert_eq!(summary["average_requester_rating"], Value::Null);
    assert!(summary["median_days_to_match"].as_f64().is_some());
    let first = &report.body["rows"][0];
    assert_eq!(
        (
            first["theme"].as_str(),
            first["country"].as_str(),
            first["urgency"].as_str()
        ),
        (
            Some("incident_response.forensics"),
            Some("GH"),
            Some("critical")
        )
    );
    assert_eq!(
        (
            first["open_needs"].as_i64(),
            first["unmatched_needs"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert!(
        !report.text.contains(&id(&unmet)),
        "the report aggregates; it names no need"
    );
}

pub async fn bad_match_requests_are_refused_and_change_nothing(app: TestApp) {
    let hospital = app.verified_org("hospital", "SN").await;
    let ngo = app.verified_org("ngo", "SN").await;
    let need = app
        .publish_need(
            &hospital,
            &with(
                need_input("Besoin de sauvegardes"),
                json!({"country": "SN", "languages": ["fr"]}),
            ),
        )
        .await;
    let english = app
        .publish_offer(
            &ngo,
            &with(
                offer_input("English-only backup training"),
                json!({"themes": ["ransomware.backup_recovery"], "countries": ["SN"]}),
            ),
        )
        .await;
    let french = app
        .publish_offer(&ngo, &with(offer_input("Formation sauvegardes"), json!({"themes": ["ransomware.backup_recovery"], "countries": ["SN"], "languages": ["fr"]})))
        .await;
    let unmatchable = app
        .post(
            "/api/v1/matches",
            hospital.token(),
            &json!({"need_id": id(&need), "offer_id": id(&english)}),
        )
        .await;
    let detail = unmatchable.assert_problem(StatusCode::CONFLICT);
    assert!(detail.contains("share no language"), "{detail}");

    let first = app
        .post(
            "/api/v1/matches",
            ngo.token(),
            &json!({"need_id": id(&need), "offer_id": id(&french)}),
        )
        .await;
    first.assert_status(StatusCode::CREATED);
    let twice = app
        .post(
            "/api/v1/matches",
            hospital.token(),
            &json!({"need_id": id(&need), "offer_id": id(&french)}),
        )
        .await;
    assert!(twice
        .assert_problem(StatusCode::CONFLICT)
        .contains("already exists"));
    let match_id = id(&first.body);
    let coordinator = app.coordinator().await;
    act(&app, &coordinator, &match_id, "reject", json!({}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    act(
        &app,
        &hospital,
        &match_id,
        "complete",
        json!({"delivered_quantity": 1, "rating": 3, "outcome": "x"}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT);
    act(
        &app,
        &hospital,
        &match_id,
        "accept",
        json!({"unexpected": true}),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.post(
        &format!("/api/v1/matches/{match_id}/dance"),
        hospital.token(),
        &json!({}),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST);
    let unchanged = app
        .get(&format!("/api/v1/matches/{match_id}"), hospital.token())
        .await;
    assert_eq!(
        (
            unchanged.body["status"].as_str(),
            unchanged.body["version"].as_i64()
        ),
        (Some("proposed"), Some(1))
    );

    let rejected = act(
        &app,
        &coordinator,
        &match_id,
        "reject",
        json!({"reason": "Another programme fits better"}),
    )
    .await;
    assert_eq!(
        (
            rejected.body["status"].as_str(),
            rejected.body["reason"].as_str()
        ),
        (Some("rejected"), Some("Another programme fits better"))
    );
    // Once no match for the pair is live, it may be proposed again.
    app.post(
        "/api/v1/matches",
        hospital.token(),
        &json!({"need_id": id(&need), "offer_id": id(&french)}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    app.post(
        "/api/v1/matches",
        None,
        &json!({"need_id": id(&need), "offer_id": id(&french)}),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED);
}

pub async fn racing_accepts_for_the_last_seat_have_one_winner(app: TestApp) {
    let first_hospital = app.verified_org("hospital", "TZ").await;
    let second_hospital = app.verified_org("hospital", "TZ").await;
    let ngo = app.verified_org("ngo", "TZ").await;
    let offer = app
        .publish_offer(&ngo, &with(offer_input("One expert, one hospital"), json!({"themes": ["ransomware.backup_recovery"], "countries": ["TZ"], "capacity": 1})))
        .await;
    let coordinator = app.coordinator().await;
    let mut match_ids = Vec::new();
    for hospital in [&first_hospital, &second_hospital] {
        let need = app
            .publish_need(
                hospital,
                &with(
                    need_input("One expert needed for backups"),
                    json!({"country": "TZ", "quantity": 1}),
                ),
            )
            .await;
        let proposed = app
            .post(
                "/api/v1/matches",
                hospital.token(),
                &json!({"need_id": id(&need), "offer_id": id(&offer)}),
            )
            .await;
        let match_id = id(&proposed.body);
        act(&app, &coordinator, &match_id, "approve", json!({}))
            .await
            .assert_status(StatusCode::OK);
        match_ids.push(match_id);
    }
    let (a, b) = tokio::join!(
        act(&app, &ngo, &match_ids[0], "accept", json!({})),
        act(&app, &ngo, &match_ids[1], "accept", json!({}))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.text,
        b.text
    );
    let loser = if a.status == StatusCode::CONFLICT {
        &a
    } else {
        &b
    };
    assert!(loser
        .assert_problem(StatusCode::CONFLICT)
        .contains("no capacity left"));
    let offer_now = app
        .get(&format!("/api/v1/offers/{}", id(&offer)), ngo.token())
        .await;
    assert_eq!(
        (
            offer_now.body["capacity_left"].as_i64(),
            offer_now.body["status"].as_str()
        ),
        (Some(0), Some("exhausted"))
    );
    let active = app
        .get(
            &format!("/api/v1/matches?status=active&offer_id={}", id(&offer)),
            coordinator.token(),
        )
        .await;
    assert_eq!(active.body["items"].as_array().unwrap().len(), 1);

    // Cancelling the active match gives the seat back.
    let winner = if a.status == StatusCode::OK {
        &match_ids[0]
    } else {
        &match_ids[1]
    };
    act(
        &app,
        &coordinator,
        winner,
        "cancel",
        json!({"reason": "The hospital postponed"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let reopened = app
        .get(&format!("/api/v1/offers/{}", id(&offer)), ngo.token())
        .await;
    assert_eq!(
        (
            reopened.body["capacity_left"].as_i64(),
            reopened.body["status"].as_str()
        ),
        (Some(1), Some("open"))
    );
    // Its need is open again, and so a candidate again.
    let cancelled = app
        .get(&format!("/api/v1/matches/{winner}"), coordinator.token())
        .await;
    let need_id = cancelled.body["need_id"].as_str().unwrap();
    let need = app
        .get(&format!("/api/v1/needs/{need_id}"), coordinator.token())
        .await;
    assert_eq!(need.body["status"], "open", "{}", need.text);
}

pub async fn the_allocation_covers_the_most_urgent_need_first(app: TestApp) {
    let ngo = app.verified_org("ngo", "MW").await;
    let calm = app.verified_org("hospital", "MW").await;
    let burning = app.verified_org("hospital", "MW").await;
    let offer = app
        .publish_offer(&ngo, &with(offer_input("A single incident responder"), json!({"themes": ["ransomware.backup_recovery"], "countries": ["MW"], "capacity": 1})))
        .await;
    let low = app
        .publish_need(
            &calm,
            &with(
                need_input("Backups someday"),
                json!({"country": "MW", "quantity": 1, "urgency": "low"}),
            ),
        )
        .await;
    let critical = app
        .publish_need(
            &burning,
            &with(
                need_input("Backups destroyed by ransomware"),
                json!({"country": "MW", "quantity": 1, "urgency": "critical"}),
            ),
        )
        .await;
    let coordinator = app.coordinator().await;
    app.get("/api/v1/allocation", ngo.token())
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let plan = app.get("/api/v1/allocation", coordinator.token()).await;
    plan.assert_status(StatusCode::OK);
    let rows = plan.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", plan.text);
    assert_eq!(
        (rows[0]["need_id"].as_str(), rows[0]["offer_id"].as_str()),
        (Some(id(&critical).as_str()), Some(id(&offer).as_str()))
    );
    assert!(rows[0]["reason"]
        .as_str()
        .unwrap()
        .contains("critical need"));
    assert!(!plan.text.contains(&format!("\"need_id\":\"{}\"", id(&low))));
    let everything = &plan.body["coverage"][0];
    assert_eq!(
        (
            everything["needs"].as_i64(),
            everything["units_allocated"].as_i64()
        ),
        (Some(2), Some(1))
    );

    // One call turns the row into a proposed match.
    let proposed = app
        .post(
            "/api/v1/matches",
            coordinator.token(),
            &json!({"need_id": rows[0]["need_id"], "offer_id": rows[0]["offer_id"]}),
        )
        .await;
    proposed.assert_status(StatusCode::CREATED);
    assert_eq!(proposed.body["proposed_by"], "coordinator");
}
