//! DESIGN.md section 5 over HTTP: every reader x visibility x anonymity x read path.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{need_input, with, Session, TestApp};

struct Reader {
    name: &'static str,
    session: Option<Session>,
    /// May see a need of each visibility: public, verified_providers, coordinators.
    sees: [bool; 3],
    /// Sees who posted an anonymous need.
    sees_owner: bool,
}

pub async fn need_visibility_matrix(app: TestApp) {
    let owner = app.verified_org("hospital", "UG").await;
    let owner_member = app.add_member(&owner.account.organisation_id).await;
    let unverified = app.sign_in(&app.register("ngo", "UG").await).await;
    let verified_provider = app.verified_org("company", "DE").await;
    let another_requester = app.verified_org("ministry", "UG").await;
    let coordinator = app.coordinator().await;
    let (none, some, all) = (
        [true, false, false],
        [true, true, false],
        [true, true, true],
    );
    let readers = [
        ("anonymous", None, none, false),
        ("unverified provider", Some(unverified), none, false),
        ("verified provider", Some(verified_provider), some, false),
        ("another requester", Some(another_requester), none, false),
        ("owner member", Some(owner_member), all, true),
        ("owner admin", Some(owner.clone()), all, true),
        ("coordinator", Some(coordinator), all, true),
    ]
    .map(|(name, session, sees, sees_owner)| Reader {
        name,
        session,
        sees,
        sees_owner,
    });

    let mut cases = Vec::new();
    for (index, visibility) in ["public", "verified_providers", "coordinators"]
        .into_iter()
        .enumerate()
    {
        for anonymous in [false, true] {
            // A word no other need has, so that search finds exactly this one.
            let word = format!("zq{}x{}", visibility.replace('_', ""), anonymous);
            let need = owner
                .publish_need(&with(
                    need_input(&format!("Need {word} for the matrix")),
                    json!({"visibility": visibility, "anonymous": anonymous}),
                ))
                .await;
            cases.push((
                index,
                visibility,
                anonymous,
                word,
                need["id"].as_str().unwrap().to_owned(),
            ));
        }
    }
    let by_organisation = format!(
        "/api/v1/needs?limit=100&organisation={}",
        owner.account.organisation_id
    );
    for reader in &readers {
        let token = reader.session.as_ref().map(|s| s.access_token.as_str());
        let listed_page = app.get("/api/v1/needs?limit=100", token).await;
        let listed = listed_page.text.clone();
        let listed_by_owner = app.get(&by_organisation, token).await.text;
        for (index, visibility, anonymous, word, need_id) in &cases {
            let visible = reader.sees[*index];
            let case = format!("{} x {visibility} x anonymous={anonymous}", reader.name);

            let got = app.get(&format!("/api/v1/needs/{need_id}"), token).await;
            if visible {
                got.assert_status(StatusCode::OK);
                let owner_shown = got.body["organisation_id"].as_str()
                    == Some(owner.account.organisation_id.as_str());
                assert_eq!(
                    owner_shown,
                    !anonymous || reader.sees_owner,
                    "{case}: organisation shown"
                );
            } else {
                got.assert_problem(StatusCode::NOT_FOUND);
            }
            assert_eq!(listed.contains(need_id.as_str()), visible, "{case}: list");
            let searched = app.get(&format!("/api/v1/needs?q={word}"), token).await;
            assert_eq!(
                searched.text.contains(need_id.as_str()),
                visible,
                "{case}: search"
            );
            // Filtering by organisation must not unmask an anonymous need.
            let expected_by_owner = visible && (!anonymous || reader.sees_owner);
            assert_eq!(
                listed_by_owner.contains(need_id.as_str()),
                expected_by_owner,
                "{case}: by organisation"
            );
            if let Some(item) = listed_page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == need_id.as_str())
            {
                let owner_shown = item["organisation_id"].as_str()
                    == Some(owner.account.organisation_id.as_str());
                assert_eq!(
                    owner_shown,
                    !anonymous || reader.sees_owner,
                    "{case}: organisation shown in the list"
                );
            }
        }
    }
}

pub async fn offer_visibility_follows_verification(app: TestApp) {
    let ngo = app.verified_org("ngo", "CH").await;
    let [members_only, secret] = ngo
        .publish_offers([
            (
                "Offer for verified organisations",
                json!({"visibility": "verified_organisations"}),
            ),
            (
                "Offer for coordinators only",
                json!({"visibility": "coordinators"}),
            ),
        ])
        .await;
    let verified_hospital = app.verified_org("hospital", "KE").await;
    let unverified_hospital = app.sign_in(&app.register("hospital", "KE").await).await;
    let coordinator = app.coordinator().await;
    for (who, token, sees_members_only, sees_secret) in [
        ("anonymous", None, false, false),
        (
            "unverified hospital",
            unverified_hospital.token(),
            false,
            false,
        ),
        ("verified hospital", verified_hospital.token(), true, false),
        ("owner", ngo.token(), true, true),
        ("coordinator", coordinator.token(), true, true),
    ] {
        for (offer, visible) in [(&members_only, sees_members_only), (&secret, sees_secret)] {
            let offer_id = offer["id"].as_str().unwrap();
            let got = app.get(&format!("/api/v1/offers/{offer_id}"), token).await;
            assert_eq!(
                got.status == StatusCode::OK,
                visible,
                "{who}: get {offer_id}"
            );
            let listed = app.get("/api/v1/offers?limit=100", token).await;
            assert_eq!(listed.text.contains(offer_id), visible, "{who}: list");
        }
    }
}
