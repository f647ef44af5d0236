//! Structured eligibility over HTTP: offers state who may use them, needs state what those
//! rules read, and the candidate lists apply the rules as hard filters (issue 15).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{
    assert_mentions, candidate_offer_ids, id, need_with, offer_with, version_tag, TestApp,
};

pub async fn offers_and_needs_carry_eligibility_through_create_patch_and_read(app: TestApp) {
    let ngo = app.verified_org("ngo", "KE").await;
    let created = ngo
        .post(
            "/api/v1/offers",
            &offer_with(
                "Recovery grants after an incident",
                json!({
                    "kind": "funding",
                    "funding_amount": 20000,
                    "funding_currency": "USD",
                    "requester_kinds": ["hospital", "ministry", "hospital"],
                    "sector": "public",
                    "only_after_incident": true,
                    "eligible_costs": ["recovery", "equipment"],
                    "audiences": ["technical_staff"],
                }),
            ),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let offer = &created.body;
    // Stored each once, in the vocabulary's order.
    assert_eq!(offer["requester_kinds"], json!(["ministry", "hospital"]));
    assert_eq!(offer["sector"], "public");
    assert_eq!(offer["only_after_incident"], true);
    assert_eq!(offer["eligible_costs"], json!(["equipment", "recovery"]));
    assert_eq!(offer["audiences"], json!(["technical_staff"]));

    let path = format!("/api/v1/offers/{}", id(offer));
    let version = offer["version"].as_i64().unwrap();
    let patched = ngo
        .patch(
            &path,
            &version_tag(version),
            &json!({"sector": null, "requester_kinds": [], "audiences": ["trainers", "all_staff"]}),
        )
        .await;
    patched.assert_status(StatusCode::OK);
    let read = ngo.get(&path).await;
    read.assert_status(StatusCode::OK);
    assert_eq!(read.body["sector"], Value::Null, "null clears the sector");
    assert_eq!(read.body["requester_kinds"], json!([]));
    assert_eq!(read.body["only_after_incident"], true, "left out, kept");
    assert_eq!(
        read.body["eligible_costs"],
        json!(["equipment", "recovery"])
    );
    assert_eq!(read.body["audiences"], json!(["trainers", "all_staff"]));

    // An offer that states nothing has no restriction.
    let plain = ngo
        .post(
            "/api/v1/offers",
            &offer_with("Incident response course", json!({})),
        )
        .await;
    plain.assert_status(StatusCode::CREATED);
    assert_eq!(plain.body["requester_kinds"], json!([]));
    assert_eq!(plain.body["sector"], Value::Null);
    assert_eq!(plain.body["only_after_incident"], false);

    let hospital = app.verified_org("hospital", "KE").await;
    let need = hospital
        .create_need(&need_with(
            "Rebuilding after the ransomware attack",
            json!({"sector": "private", "after_incident": true, "costs": ["recovery"], "audiences": ["clinicians"]}),
        ))
        .await;
    assert_eq!(need["sector"], "private");
    assert_eq!(need["after_incident"], true);
    assert_eq!(need["costs"], json!(["recovery"]));
    assert_eq!(need["audiences"], json!(["clinicians"]));
    let need_path = format!("/api/v1/needs/{}", id(&need));
    let patched = hospital
        .patch(
            &need_path,
            &version_tag(need["version"].as_i64().unwrap()),
            &json!({"sector": "public", "costs": []}),
        )
        .await;
    patched.assert_status(StatusCode::OK);
    let read = hospital.get(&need_path).await;
    assert_eq!(read.body["sector"], "public");
    assert_eq!(read.body["costs"], json!([]));
    assert_eq!(read.body["after_incident"], true);
}

pub async fn unknown_eligibility_values_are_refused_and_change_nothing(app: TestApp) {
    let ngo = app.verified_org("ngo", "KE").await;
    for (field, value) in [
        ("requester_kinds", json!(["ngo"])),
        ("requester_kinds", json!(["clinic"])),
        ("sector", json!("mixed")),
        ("eligible_costs", json!(["yachts"])),
        ("audiences", json!(["patients"])),
        ("only_after_incident", json!("yes")),
    ] {
        let refused = ngo
            .post(
                "/api/v1/offers",
                &offer_with(
                    "Grants",
                    json!({"kind": "funding", "funding_amount": 1000, "funding_currency": "USD", field: value}),
                ),
            )
            .await;
        refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        // The problem names the value it could not read.
        let bad = value.to_string().replace(['[', ']', '"'], "");
        assert!(refused.text.contains(&bad), "{field}: {}", refused.text);
    }
    // Eligible costs belong to funding offers only.
    let training = ngo
        .post(
            "/api/v1/offers",
            &offer_with("Course with costs", json!({"eligible_costs": ["training"]})),
        )
        .await;
    training.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(training.invalid_fields(), ["eligible_costs"]);

    let hospital = app.verified_org("hospital", "KE").await;
    for (field, value) in [
        ("sector", json!("either")),
        ("costs", json!(["yachts"])),
        ("audiences", json!(["everyone"])),
    ] {
        let refused = hospital
            .post(
                "/api/v1/needs",
                &need_with("Backups", json!({field: value})),
            )
            .await;
        refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        // The problem names the value it could not read.
        let bad = value.to_string().replace(['[', ']', '"'], "");
        assert!(refused.text.contains(&bad), "{field}: {}", refused.text);
    }
    let need = hospital
        .create_need(&need_with("Backups for the wards", json!({})))
        .await;
    let path = format!("/api/v1/needs/{}", id(&need));
    let refused = hospital
        .patch(
            &path,
            &version_tag(need["version"].as_i64().unwrap()),
            &json!({"audiences": null}),
        )
        .await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let read = hospital.get(&path).await;
    assert_eq!(read.body["version"], need["version"], "nothing changed");

    let offers = ngo.get("/api/v1/offers?limit=100").await;
    assert_eq!(
        offers.body["items"].as_array().unwrap().len(),
        0,
        "nothing created"
    );
}

pub async fn an_ineligible_requester_never_sees_the_offer_and_explanations_name_the_rule(
    app: TestApp,
) {
    let ngo = app.verified_org("ngo", "KE").await;
    let theme = json!(["incident_response.csirt_setup"]);
    let [for_ministries, private_only, after_incident, open] = ngo
        .publish_offers([
            (
                "Sectoral CSIRT programme for ministries of health",
                json!({"themes": theme, "requester_kinds": ["ministry", "health_agency"]}),
            ),
            (
                "CSIRT set-up coaching for private hospitals",
                json!({"themes": theme, "sector": "private"}),
            ),
            (
                "CSIRT support after a confirmed incident",
                json!({"themes": theme, "only_after_incident": true}),
            ),
            (
                "CSIRT set-up coaching for any health organisation",
                json!({"themes": theme}),
            ),
        ])
        .await;

    let hospital = app.verified_org("hospital", "KE").await;
    let hospital_need = hospital
        .publish_need(&need_with(
            "An incident response team for our hospital",
            json!({"themes": theme, "sector": "public"}),
        ))
        .await;
    let page = hospital
        .get(&format!("/api/v1/needs/{}/candidates", id(&hospital_need)))
        .await;
    page.assert_status(StatusCode::OK);
    assert_eq!(candidate_offer_ids(&page), [id(&open)], "{}", page.text);
    for excluded in [&for_ministries, &private_only, &after_incident] {
        assert!(!page.text.contains(&id(excluded)));
    }
    // Nor does the hospital's need appear among those offers' candidates.
    for excluded in [&for_ministries, &private_only, &after_incident] {
        let needs = ngo
            .get(&format!("/api/v1/offers/{}/candidates", id(excluded)))
            .await;
        needs.assert_status(StatusCode::OK);
        assert!(!needs.text.contains(&id(&hospital_need)), "{}", needs.text);
    }
    // Proposing it anyway is refused with the rule's reason.
    let refused = hospital.propose(&hospital_need, &for_ministries).await;
    refused.assert_problem(StatusCode::CONFLICT);
    assert_mentions(&refused.text, "other kinds of organisation");

    // A ministry that follows an incident meets the ministry and incident rules, and the
    // explanation names each.
    let ministry = app.verified_org("ministry", "KE").await;
    let ministry_need = ministry
        .publish_need(&need_with(
            "A sectoral CSIRT after the attack on our hospitals",
            json!({"themes": theme, "after_incident": true}),
        ))
        .await;
    let page = ministry
        .get(&format!("/api/v1/needs/{}/candidates", id(&ministry_need)))
        .await;
    page.assert_status(StatusCode::OK);
    let mut seen = candidate_offer_ids(&page);
    seen.sort();
    let mut expected = vec![id(&for_ministries), id(&after_incident), id(&open)];
    expected.sort();
    assert_eq!(seen, expected, "{}", page.text);
    let reason = |offer: &Value| -> String {
        let item = page.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["offer"]["id"] == offer["id"])
            .unwrap();
        item["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["factor"] == "eligibility")
            .unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        reason(&for_ministries).contains("open only to requesters of kind ministry, health agency"),
        "{}",
        reason(&for_ministries)
    );
    assert!(
        reason(&after_incident).contains("only after an incident (the offer's rule)"),
        "{}",
        reason(&after_incident)
    );
    assert_eq!(reason(&open), "states no restriction of who may apply");
    // A private-only offer stays out: a ministry is public by its kind.
    assert!(!page.text.contains(&id(&private_only)));
}

pub async fn a_grant_paying_for_none_of_the_costs_asked_is_not_a_candidate(app: TestApp) {
    let donor = app.verified_org("donor", "KE").await;
    let grant = |title: &str, costs: Value| {
        offer_with(
            title,
            json!({
                "kind": "funding", "funding_amount": 40000, "funding_currency": "USD",
                "themes": ["funding.grants"], "eligible_costs": costs,
            }),
        )
    };
    let training_only = donor
        .publish_offer(&grant("Grants for training costs", json!(["training"])))
        .await;
    let equipment = donor
        .publish_offer(&grant(
            "Grants for equipment and licences",
            json!(["equipment", "licences"]),
        ))
        .await;
    let hospital = app.verified_org("hospital", "KE").await;
    let need = hospital
        .publish_need(&need_with(
            "Money for backup servers and a firewall",
            json!({"themes": ["funding.grants"], "costs": ["equipment"],
                   "budget_amount": 40000, "budget_currency": "USD"}),
        ))
        .await;
    let page = hospital
        .get(&format!("/api/v1/needs/{}/candidates", id(&need)))
        .await;
    page.assert_status(StatusCode::OK);
    assert_eq!(
        candidate_offer_ids(&page),
        [id(&equipment)],
        "{}",
        page.text
    );
    assert!(!page.text.contains(&id(&training_only)));
    assert!(
        page.text
            .contains("pays for 1 of the 1 kinds of cost the need asks money for"),
        "{}",
        page.text
    );
}
