//! Who may make the clearing house speak to others: publishing, proposing and inviting
//! need the person's address confirmed; inviting needs the organisation verified by a
//! coordinator, and stays within per-user and per-organisation quotas. Before, a newly
//! registered, unverified admin sent 25 invitations in a row to arbitrary addresses, and
//! an address nobody confirmed could publish and propose.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::harness::{assert_mentions, id, need_input, offer_with, Need, Response, TestApp};

#[track_caller]
fn assert_refused_as(response: &Response, status: StatusCode, slug: &str) {
    response.assert_problem(status);
    assert_eq!(response.problem_type().slug(), slug, "{}", response.text);
}

pub async fn an_unconfirmed_address_cannot_publish_propose_or_invite(app: TestApp) {
    let coordinator = app.coordinator().await;
    let ngo = app.verified_org("ngo", "KE").await;
    let offer = ngo
        .publish_offer(&offer_with(
            "Backup recovery drills",
            json!({"themes": ["ransomware.backup_recovery"], "countries": ["KE"]}),
        ))
        .await;
    // A verified organisation, but its admin never followed the emailed link.
    let account = app.register("hospital", "KE").await;
    coordinator
        .verify(&account)
        .await
        .assert_status(StatusCode::OK);
    let hospital = app.sign_in(&account).await;
    let draft = hospital
        .create_need(&need_input("Backups after ransomware"))
        .await;
    let refused = hospital.publish(Need(&draft)).await;
    assert_refused_as(&refused, StatusCode::FORBIDDEN, "email-not-verified");
    assert_eq!(
        hospital
            .get(&format!("/api/v1/needs/{}", id(&draft)))
            .await
            .body["status"],
        "draft"
    );
    assert_refused_as(
        &hospital
            .invite("colleague@hospital.example", "member")
            .await,
        StatusCode::FORBIDDEN,
        "email-not-verified",
    );
    // A coordinator may publish it for them (their address is confirmed); proposing the
    // open need is then the hospital's own step, and the gate is the same.
    coordinator
        .publish(Need(&draft))
        .await
        .assert_status(StatusCode::OK);
    let need = hospital
        .get(&format!("/api/v1/needs/{}", id(&draft)))
        .await
        .body;
    assert_refused_as(
        &hospital.propose(&need, &offer).await,
        StatusCode::FORBIDDEN,
        "email-not-verified",
    );

    // The page says it in words, with a way to get a new link.
    let second_draft = hospital
        .create_need(&need_input("Backups for the second district"))
        .await;
    let browser = Browser::signed_in(&app, &account).await;
    let need_page = format!("/needs/{}", id(&second_draft));
    let refused = browser.press(&need_page, "publish").await;
    refused.assert_status(StatusCode::FORBIDDEN);
    assert_mentions(&refused.body, "First confirm your email address");
    assert!(refused.body.contains("href=\"/verify-email/resend\""));
    let resend = browser.get("/verify-email/resend").await;
    resend.assert_status(StatusCode::OK);
    let sent = browser
        .submit_and_follow(&resend, "/verify-email/resend", &[])
        .await;
    sent.assert_status(StatusCode::OK);
    assert_mentions(&sent.body, "a new link is on its way");

    // Following the emailed link opens every gate.
    app.confirm_email(&account).await;
    hospital
        .propose(&need, &offer)
        .await
        .assert_status(StatusCode::CREATED);
    hospital
        .invite("colleague@hospital.example", "member")
        .await
        .assert_status(StatusCode::CREATED);
    hospital
        .publish(Need(&second_draft))
        .await
        .assert_status(StatusCode::OK);
    // The API's own resend says there is nothing to do now.
    hospital
        .post("/api/v1/auth/verify-email/resend", &json!({}))
        .await
        .assert_status(StatusCode::NO_CONTENT);
}

pub async fn only_a_verified_organisation_invites_and_within_its_quotas(app: TestApp) {
    let app = TestApp::spawn_with(
        app.engine,
        &[
            ("rate_limits.invitations_per_user", "3"),
            ("rate_limits.invitations_per_organisation", "4"),
        ],
    )
    .await;
    // Registered and confirmed, not verified: the name it chose is nobody's word yet.
    let newcomer = app
        .sign_in(&app.register_confirmed("hospital", "KE").await)
        .await;
    for n in 0..3 {
        assert_refused_as(
            &newcomer
                .invite(&format!("stranger-{n}@elsewhere.example"), "member")
                .await,
            StatusCode::FORBIDDEN,
            "organisation-not-verified",
        );
    }

    let admin = app.verified_org("hospital", "UG").await;
    let second_admin_address = format!("second-{}@hospital.example", uuid::Uuid::new_v4().simple());
    admin
        .invite(&second_admin_address, "org_admin")
        .await
        .assert_status(StatusCode::CREATED);
    for n in 0..2 {
        admin
            .invite(&format!("colleague-{n}@hospital.example"), "member")
            .await
            .assert_status(StatusCode::CREATED);
    }
    // The user's quota (3 a minute) is spent.
    let limited = admin
        .invite("one-too-many@hospital.example", "member")
        .await;
    limited.assert_problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").is_some());

    // The second admin joins through the emailed link; the organisation's quota (4) has
    // one left between them.
    let link = app
        .emailed_link(
            &second_admin_address,
            &format!("{}/invitations/accept?token=", app.base_url),
        )
        .await;
    let token = url::Url::parse(&link)
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.into_owned())
        .unwrap();
    let joined = app.accept_invitation(&token, "Second Admin").await;
    joined.assert_status(StatusCode::CREATED);
    let second = app
        .sign_in(&crate::harness::Account {
            email: second_admin_address.clone(),
            user_id: joined.body["id"].as_str().unwrap().to_owned(),
            organisation_id: admin.account.organisation_id.clone(),
        })
        .await;
    second
        .invite("colleague-3@hospital.example", "member")
        .await
        .assert_status(StatusCode::CREATED);
    second
        .invite("colleague-4@hospital.example", "member")
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS);
}
