//! Candidates and the match workflow over HTTP.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{
    candidate_offer_ids, id, need_with, offer_with, strings_at, MatchStep, Offer, TestApp,
};

pub async fn a_need_gets_ranked_explained_candidates(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let ngo = app.verified_org("ngo", "FR").await;
    let need = hospital
        .publish_need(&need_with(
            "Restore drills after ransomware",
            json!({"themes": ["ransomware.backup_recovery"], "quantity": 10}),
        ))
        .await;
    let [exact, regional, other_theme, french_only, hidden] = ngo
        .publish_offers([
            (
                "Backup and restore clinic",
                json!({"themes": ["ransomware.backup_recovery"], "countries": ["KE"]}),
            ),
            (
                "Ransomware readiness for East Africa",
                json!({"themes": ["ransomware"], "countries": [], "regions": ["eastern_africa"]}),
            ),
            (
                "Board cyber literacy",
                json!({"themes": ["workforce.leadership"], "global": true}),
            ),
            (
                "Sauvegardes et restauration",
                json!({"themes": ["ransomware.backup_recovery"], "languages": ["fr"]}),
            ),
            (
                "Confidential backup programme",
                json!({"themes": ["ransomware.backup_recovery"], "visibility": "coordinators"}),
            ),
        ])
        .await;

    let page = hospital
        .get(&format!("/api/v1/needs/{}/candidates", id(&need)))
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
    let factors = strings_at(&best["explanation"], "factor");
    assert_eq!(
        factors,
        [
            "theme",
            "text",
            "geography",
            "language",
            "timing",
            "capacity",
            "delivery",
            "funding",
            "urgency",
            "format",
            "eligibility",
            "audience",
        ]
    );
    assert_eq!(best["explanation"][2]["reason"], "serves Kenya by name");
    assert_eq!(
        items[1]["explanation"][2]["reason"],
        "serves the region eastern_africa that Kenya is in"
    );

    // A coordinator sees the hidden offer as a candidate too; other organisations see nothing.
    let coordinator = app.coordinator().await;
    let all = coordinator
        .get(&format!("/api/v1/needs/{}/candidates", id(&need)))
        .await;
    assert!(all.text.contains(&id(&hidden)));
    ngo.get(&format!("/api/v1/needs/{}/candidates", id(&need)))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let limited = hospital
        .get(&format!("/api/v1/needs/{}/candidates?limit=1", id(&need)))
        .await;
    let next = limited.body["next_cursor"].as_str().unwrap();
    let second = hospital
        .get(&format!(
            "/api/v1/needs/{}/candidates?limit=1&cursor={next}",
            id(&need)
        ))
        .await;
    assert_eq!(id(&second.body["items"][0]["offer"]), id(&regional));
}

pub async fn a_hidden_need_is_never_a_providers_candidate(app: TestApp) {
    let hospital = app.verified_org("hospital", "UG").await;
    let ngo = app.verified_org("ngo", "UG").await;
    let [public, anonymous, secret] = hospital
        .publish_needs([
            ("Public backup need", json!({"country": "UG"})),
            (
                "Anonymous backup need",
                json!({"country": "UG", "anonymous": true}),
            ),
            (
                "Secret backup need",
                json!({"country": "UG", "visibility": "coordinators"}),
            ),
        ])
        .await;
    let offer = ngo
        .publish_offer(&offer_with(
            "Backup help for Uganda",
            json!({"themes": ["ransomware.backup_recovery"], "countries": ["UG"]}),
        ))
        .await;
    let page = ngo
        .get(&format!("/api/v1/offers/{}/candidates", id(&offer)))
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
    let refused = ngo.propose(&secret, &offer).await;
    refused.assert_problem(StatusCode::NOT_FOUND);
}

pub async fn a_match_goes_from_proposal_to_completion(app: TestApp) {
    let hospital = app.verified_org("hospital", "GH").await;
    let ngo = app.verified_org("ngo", "GH").await;
    let need = hospital
        .publish_need(&need_with(
            "Incident response for Accra hospitals",
            json!({"country": "GH", "quantity": 8}),
        ))
        .await;
    let offer = ngo
        .publish_offer(&offer_with(
            "Backup training for West Africa",
            json!({"themes": ["ransomware.backup_recovery"], "countries": ["GH"], "capacity": 20}),
        ))
        .await;
    let proposed = hospital
        .post(
            "/api/v1/matches",
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

    ngo.approve(&match_id)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let coordinator = app.coordinator().await;
    coordinator
        .accept(&match_id)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let approved = coordinator.approve(&match_id).await;
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(
        approved.body["decided_by"],
        coordinator.account.user_id.as_str()
    );
    hospital
        .accept(&match_id)
        .await
        .assert_problem(StatusCode::CONFLICT);

    let active = ngo.accept(&match_id).await;
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

    let bad_outcome = ngo
        .complete(&match_id, &json!({"delivered_quantity": 9, "rating": 6}))
        .await;
    bad_outcome.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad_outcome.invalid_fields(),
        ["delivered_quantity", "rating", "outcome"]
    );
    let completed = ngo.complete(&match_id, &json!({"delivered_quantity": 8, "rating": 5, "outcome": "Eight IT staff trained; restore drills now monthly."}))
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
    ngo.cancel(&match_id, "too late")
        .await
        .assert_problem(StatusCode::CONFLICT);

    let listed = hospital.get("/api/v1/matches").await;
    assert_eq!(listed.body["items"][0]["id"], match_id.as_str());
    let stranger = app.verified_org("hospital", "GH").await;
    assert!(stranger.get("/api/v1/matches").await.body["items"]
        .as_array()
        .unwrap()
        .is_empty());
    stranger
        .get(&format!("/api/v1/matches/{match_id}"))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let log = coordinator.audit("match", &match_id).await;
    let actions = strings_at(&log.body["items"], "action");
    assert_eq!(actions, ["complete", "accept", "approve", "create"]);

    // The gap report counts the delivery, and the need nobody meets.
    let unmet = hospital.publish_need(&need_with("Unmet need for a forensic lab", json!({"country": "GH", "themes": ["incident_response.forensics"], "urgency": "critical"}))).await;
    hospital
        .get("/api/v1/reports/gaps")
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let report = coordinator.get("/api/v1/reports/gaps").await;
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
    let need = hospital
        .publish_need(&need_with(
            "Besoin de sauvegardes",
            json!({"country": "SN", "languages": ["fr"]}),
        ))
        .await;
    let [english, french] = ngo
        .publish_offers([
            (
                "English-only backup training",
                json!({"themes": ["ransomware.backup_recovery"], "countries": ["SN"]}),
            ),
            (
                "Formation sauvegardes",
                json!({"themes": ["ransomware.backup_recovery"], "countries": ["SN"], "languages": ["fr"]}),
            ),
        ])
        .await;
    let unmatchable = hospital.propose(&need, &english).await;
    let detail = unmatchable.assert_problem(StatusCode::CONFLICT);
    assert!(detail.contains("share no language"), "{detail}");

    let first = ngo.propose(&need, &french).await;
    first.assert_status(StatusCode::CREATED);
    let twice = hospital.propose(&need, &french).await;
    assert!(twice
        .assert_problem(StatusCode::CONFLICT)
        .contains("already exists"));
    let match_id = id(&first.body);
    let coordinator = app.coordinator().await;
    coordinator
        .act(&match_id, MatchStep::Reject, &json!({}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    hospital
        .complete(
            &match_id,
            &json!({"delivered_quantity": 1, "rating": 3, "outcome": "x"}),
        )
        .await
        .assert_problem(StatusCode::CONFLICT);
    hospital
        .act(&match_id, MatchStep::Accept, &json!({"unexpected": true}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    hospital
        .post(&format!("/api/v1/matches/{match_id}/dance"), &json!({}))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let unchanged = hospital.get(&format!("/api/v1/matches/{match_id}")).await;
    assert_eq!(
        (
            unchanged.body["status"].as_str(),
            unchanged.body["version"].as_i64()
        ),
        (Some("proposed"), Some(1))
    );

    let rejected = coordinator
        .reject(&match_id, "Another programme fits better")
        .await;
    assert_eq!(
        (
            rejected.body["status"].as_str(),
            rejected.body["reason"].as_str()
        ),
        (Some("rejected"), Some("Another programme fits better"))
    );
    // Once no match for the pair is live, it may be proposed again.
    hospital
        .propose(&need, &french)
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
    let offer = ngo
        .publish_offer(&offer_with(
            "One expert, one hospital",
            json!({"themes": ["ransomware.backup_recovery"], "countries": ["TZ"], "capacity": 1}),
        ))
        .await;
    let coordinator = app.coordinator().await;
    let mut match_ids = Vec::new();
    for hospital in [&first_hospital, &second_hospital] {
        let need = hospital
            .publish_need(&need_with(
                "One expert needed for backups",
                json!({"country": "TZ", "quantity": 1}),
            ))
            .await;
        let proposed = hospital.propose(&need, &offer).await;
        let match_id = id(&proposed.body);
        coordinator
            .approve(&match_id)
            .await
            .assert_status(StatusCode::OK);
        match_ids.push(match_id);
    }
    let (a, b) = tokio::join!(ngo.accept(&match_ids[0]), ngo.accept(&match_ids[1]));
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
    let offer_now = ngo.get(&format!("/api/v1/offers/{}", id(&offer))).await;
    assert_eq!(
        (
            offer_now.body["capacity_left"].as_i64(),
            offer_now.body["status"].as_str()
        ),
        (Some(0), Some("exhausted"))
    );
    let active = coordinator
        .get(&format!(
            "/api/v1/matches?status=active&offer_id={}",
            id(&offer)
        ))
        .await;
    assert_eq!(active.body["items"].as_array().unwrap().len(), 1);

    // Cancelling the active match gives the seat back.
    let winner = if a.status == StatusCode::OK {
        &match_ids[0]
    } else {
        &match_ids[1]
    };
    coordinator
        .cancel(winner, "The hospital postponed")
        .await
        .assert_status(StatusCode::OK);
    let reopened = ngo.get(&format!("/api/v1/offers/{}", id(&offer))).await;
    assert_eq!(
        (
            reopened.body["capacity_left"].as_i64(),
            reopened.body["status"].as_str()
        ),
        (Some(1), Some("open"))
    );
    // Its need is open again, and so a candidate again.
    let cancelled = coordinator.get(&format!("/api/v1/matches/{winner}")).await;
    let need_id = cancelled.body["need_id"].as_str().unwrap();
    let need = coordinator.get(&format!("/api/v1/needs/{need_id}")).await;
    assert_eq!(need.body["status"], "open", "{}", need.text);
}

pub async fn the_allocation_covers_the_most_urgent_need_first(app: TestApp) {
    let ngo = app.verified_org("ngo", "MW").await;
    let calm = app.verified_org("hospital", "MW").await;
    let burning = app.verified_org("hospital", "MW").await;
    let offer = ngo
        .publish_offer(&offer_with(
            "A single incident responder",
            json!({"themes": ["ransomware.backup_recovery"], "countries": ["MW"], "capacity": 1}),
        ))
        .await;
    let low = calm
        .publish_need(&need_with(
            "Backups someday",
            json!({"country": "MW", "quantity": 1, "urgency": "low"}),
        ))
        .await;
    let critical = burning
        .publish_need(&need_with(
            "Backups destroyed by ransomware",
            json!({"country": "MW", "quantity": 1, "urgency": "critical"}),
        ))
        .await;
    let coordinator = app.coordinator().await;
    ngo.get("/api/v1/allocation")
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let plan = coordinator.get("/api/v1/allocation").await;
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
    let proposed = coordinator
        .post(
            "/api/v1/matches",
            &json!({"need_id": rows[0]["need_id"], "offer_id": rows[0]["offer_id"]}),
        )
        .await;
    proposed.assert_status(StatusCode::CREATED);
    assert_eq!(proposed.body["proposed_by"], "coordinator");
}

/// Each match action is its own documented operation with its own body: a reason is
/// required (and bounded) to reject or cancel, the optional note of the others may be
/// absent or `null`, and a refused action changes nothing.
pub async fn each_match_action_states_its_own_body(app: TestApp) {
    let document: Value = app.get("/api/v1/openapi.json", None).await.body;
    let paths = document["paths"].as_object().unwrap();
    assert!(!paths.contains_key("/api/v1/matches/{id}/{action}"));
    for (action, body) in [
        ("approve", None),
        ("reject", Some("ActionReason")),
        ("accept", None),
        ("decline", None),
        ("complete", Some("CompletionReport")),
        ("cancel", Some("ActionReason")),
    ] {
        let operation = &paths[&format!("/api/v1/matches/{{id}}/{action}")]["post"];
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        match body {
            Some(name) => assert_eq!(
                schema["$ref"],
                format!("#/components/schemas/{name}"),
                "{action}"
            ),
            None => assert!(schema["oneOf"].is_array(), "{action}: an optional note"),
        }
    }
    let reason = &document["components"]["schemas"]["ActionReason"];
    assert_eq!(reason["required"], json!(["reason"]));
    assert_eq!(reason["properties"]["reason"]["maxLength"], 2000);

    let proposal = app.backup_proposal(json!({})).await;
    let coordinator = &proposal.coordinator;
    let match_id = &proposal.match_id;
    for body in [
        json!({}),
        json!({"reason": " \n "}),
        json!({"reason": "x".repeat(2001)}),
    ] {
        let refused = coordinator.act(match_id, MatchStep::Reject, &body).await;
        refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.invalid_fields(), ["reason"], "{body}");
    }
    let unchanged = coordinator
        .get(&format!("/api/v1/matches/{match_id}"))
        .await;
    assert_eq!(unchanged.body["status"], "proposed");
    coordinator
        .act(match_id, MatchStep::Approve, &Value::Null)
        .await
        .assert_status(StatusCode::OK);
    proposal
        .ngo
        .act(
            match_id,
            MatchStep::Cancel,
            &json!({"reason": "y".repeat(2000)}),
        )
        .await
        .assert_status(StatusCode::OK);
}

/// The ids of a need's candidates as `reader` gets them from `instance`.
async fn candidate_ids(instance: &TestApp, need: &Value, token: Option<&str>) -> Vec<String> {
    let page = instance
        .get(&format!("/api/v1/needs/{}/candidates", id(need)), token)
        .await;
    page.assert_status(StatusCode::OK);
    candidate_offer_ids(&page)
}

/// Candidate lists read the open offers from memory (`matching::open_offers`); what another
/// instance sharing the database writes must show in the next list all the same: a new
/// offer, a changed one (its themes, then its version in the answer), and a closed one.
pub async fn candidates_follow_offers_changed_through_another_instance(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    let ngo = app.verified_org("ngo", "FR").await;
    let other = app.another_instance(&[]).await;
    // The same provider, signed in on the other instance.
    let ngo_there = other.sign_in(&ngo.account).await;
    let need = hospital
        .publish_need(&need_with(
            "Restore drills after ransomware",
            json!({"themes": ["ransomware.backup_recovery"]}),
        ))
        .await;
    let first = ngo
        .publish_offer(&offer_with(
            "Backup and restore clinic",
            json!({"themes": ["ransomware.backup_recovery"], "countries": ["KE"]}),
        ))
        .await;
    // This instance now holds the open offers.
    assert_eq!(
        candidate_ids(&app, &need, hospital.token()).await,
        [id(&first)]
    );

    let created = ngo_there
        .post(
            "/api/v1/offers",
            &offer_with(
                "Incident response retainer",
                json!({"themes": ["ransomware.backup_recovery"], "countries": ["KE"]}),
            ),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let second = created.body.clone();
    ngo_there
        .publish(Offer(&second))
        .await
        .assert_status(StatusCode::OK);
    let mut seen = candidate_ids(&app, &need, hospital.token()).await;
    seen.sort();
    let mut both = vec![id(&first), id(&second)];
    both.sort();
    assert_eq!(
        seen, both,
        "an offer published through another instance is a candidate"
    );

    let path = format!("/api/v1/offers/{}", id(&first));
    let current = ngo_there.get(&path).await;
    let moved = other
        .client
        .patch(other.url(&path))
        .bearer_auth(ngo_there.token().unwrap())
        .header("if-match", current.header("etag").unwrap())
        .json(&json!({"themes": ["workforce.leadership"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    assert_eq!(
        candidate_ids(&app, &need, hospital.token()).await,
        [id(&second)],
        "an offer whose themes moved away is no longer a candidate"
    );

    ngo_there
        .close(Offer(&second))
        .await
        .assert_status(StatusCode::OK);
    assert!(
        candidate_ids(&app, &need, hospital.token())
            .await
            .is_empty(),
        "a closed offer is no longer a candidate"
    );
}
