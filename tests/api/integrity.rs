//! What a hostile client tried with timing and order: a close racing an accept or an
//! approval, two completions of one need at once, and closing a need or an offer while a
//! match holds it. Races are fired many times; what is asserted is the invariant every
//! outcome must keep (a closed item holds no match in progress, capacity held equals what
//! the active matches reserved, coverage counts every delivery), never a timing.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::browser::Browser;
use crate::harness::{
    assert_mentions, id, need_with, offer_with, Need, Offer, Response, Session, TestApp,
};

const ROUNDS: usize = 20;

/// A need and an offer that match, in Kenya: `quantity` wanted, `capacity` offered.
fn pair(round: usize, quantity: i64, capacity: i64) -> (Value, Value) {
    (
        need_with(
            &format!("Backup recovery for district hospitals, round {round}"),
            json!({"quantity": quantity}),
        ),
        offer_with(
            &format!("Backup recovery drills, round {round}"),
            json!({"themes": ["ransomware.backup_recovery"], "countries": ["KE"], "capacity": capacity}),
        ),
    )
}

/// The problem's type as its path, `/problems/{slug}` (the harness checks the URI is
/// absolute and the slug registered).
fn problem_type(response: &Response) -> String {
    format!("/problems/{}", response.problem_type().slug())
}

/// Round `round`'s need (4 wanted) and offer (10 offered), published, and the hospital's
/// proposal to match them.
/// At most one of two racing steps of `round` succeeded.
#[track_caller]
fn assert_not_both_won(round: usize, one: &Response, other: &Response) {
    assert!(
        !(one.status.is_success() && other.status.is_success()),
        "round {round}: both won: {} / {}",
        one.text,
        other.text
    );
}

/// The need, the match and the offer of a race as they are after it, read by their sides.
async fn now(
    hospital: &Session,
    ngo: &Session,
    (need, match_id, offer): (&Value, &str, &Value),
) -> (Value, Value, Value) {
    (
        hospital.read(&format!("/api/v1/needs/{}", id(need))).await,
        hospital.read(&format!("/api/v1/matches/{match_id}")).await,
        ngo.read(&format!("/api/v1/offers/{}", id(offer))).await,
    )
}

async fn proposed(hospital: &Session, ngo: &Session, round: usize) -> (Value, Value, String) {
    let (need, offer) = pair(round, 4, 10);
    let need = hospital.publish_need(&need).await;
    let offer = ngo.publish_offer(&offer).await;
    let match_id = hospital.propose_match(&need, &offer).await;
    (need, offer, match_id)
}

/// A refusal a racing client may get: a 409 that says which rule held, never a 500 or a
/// silent 200.
#[track_caller]
fn assert_lost_cleanly(response: &Response, allowed: &[&str]) {
    response.assert_problem(StatusCode::CONFLICT);
    assert!(
        allowed.contains(&problem_type(response).as_str()),
        "a loser says why ({allowed:?}): {}",
        response.text
    );
}

/// The work started in round `round`: the match is active, its need matched, and the
/// four seats it asked for are held of the offer's ten.
#[track_caller]
fn assert_work_started(round: usize, need_now: &Value, match_now: &Value, offer_now: &Value) {
    assert_eq!(match_now["status"], "active", "round {round}");
    assert_eq!(need_now["status"], "matched", "round {round}");
    assert_eq!(offer_now["capacity_left"], 6, "round {round}");
}

/// The close won round `round`: it succeeded, the write it raced (`lost`) is a 409, and
/// the offer holds none of its ten seats.
#[track_caller]
fn assert_close_won(round: usize, closed: &Response, lost: &Response, offer_now: &Value) {
    assert!(closed.status.is_success(), "round {round}: {}", closed.text);
    lost.assert_problem(StatusCode::CONFLICT);
    assert_eq!(offer_now["capacity_left"], 10, "round {round}");
}

/// The race: with an approved match, the provider's accept and the requester's
/// close sent together. Before, both answered 200 and the need ended `matched` (or
/// `closed` with the match active and the capacity held).
pub async fn a_close_racing_an_accept_never_strands_the_match(app: TestApp) {
    let (hospital, ngo, coordinator) = app.cast().await;
    for round in 0..ROUNDS {
        let (need, offer, match_id) = proposed(&hospital, &ngo, round).await;
        coordinator
            .approve(&match_id)
            .await
            .assert_status(StatusCode::OK);

        let (accepted, closed) = tokio::join!(ngo.accept(&match_id), hospital.close(Need(&need)));
        assert_not_both_won(round, &accepted, &closed);
        let (need_now, match_now, offer_now) =
            now(&hospital, &ngo, (&need, &match_id, &offer)).await;
        if accepted.status.is_success() {
            // The work started; the close is refused because the match holds the need.
            assert_lost_cleanly(&closed, &["/problems/item-has-open-match"]);
            assert_work_started(round, &need_now, &match_now, &offer_now);
        } else {
            // The need was closed first: the accept is refused and nothing is held.
            assert_close_won(round, &closed, &accepted, &offer_now);
            assert_eq!(need_now["status"], "closed", "round {round}");
            assert_ne!(match_now["status"], "active", "round {round}");
        }
    }
}

/// The same race where the write at stake is the coordinator's approval, the step that
/// turns a match both sides accepted into work (and writes the need and the offer), against
/// a close of the need (even rounds) or of the offer (odd rounds).
pub async fn an_approval_racing_a_close_has_one_consistent_outcome(app: TestApp) {
    let (hospital, ngo, coordinator) = app.cast().await;
    for round in 0..ROUNDS {
        let (need, offer, match_id) = proposed(&hospital, &ngo, round).await;
        // Accepted by both sides while proposed: the approval starts the work.
        ngo.accept(&match_id).await.assert_status(StatusCode::OK);

        let closing_need = round % 2 == 0;
        let close = async {
            if closing_need {
                hospital.close(Need(&need)).await
            } else {
                ngo.close(Offer(&offer)).await
            }
        };
        let (approved, closed) = tokio::join!(coordinator.approve(&match_id), close);
        assert_not_both_won(round, &approved, &closed);
        let (need_now, match_now, offer_now) =
            now(&hospital, &ngo, (&need, &match_id, &offer)).await;
        if approved.status.is_success() {
            assert_lost_cleanly(
                &closed,
                &[
                    "/problems/item-has-open-match",
                    "/problems/changed-meanwhile",
                ],
            );
            assert_work_started(round, &need_now, &match_now, &offer_now);
            assert_eq!(offer_now["status"], "open", "round {round}");
        } else {
            assert_close_won(round, &closed, &approved, &offer_now);
            assert_eq!(match_now["status"], "proposed", "round {round}");
            let (closed_item, other) = if closing_need {
                (&need_now, &offer_now)
            } else {
                (&offer_now, &need_now)
            };
            assert_eq!(closed_item["status"], "closed", "round {round}");
            assert_eq!(other["status"], "open", "round {round}");
        }
    }
}

/// Two matches deliver to one need at once. Before, each computed the need's next state
/// from what it read before the other wrote: together they covered it, and it stayed
/// `matched` instead of `fulfilled`.
pub async fn racing_completions_of_one_need_count_every_delivery(app: TestApp) {
    let (hospital, ngo, coordinator) = app.cast().await;
    for round in 0..ROUNDS {
        let (need, _) = pair(round, 10, 5);
        let need = hospital.publish_need(&need).await;
        let mut matches = Vec::new();
        for half in ["first", "second"] {
            let (_, offer) = pair(round, 10, 5);
            let offer = ngo
                .publish_offer(&with_title(offer, &format!("{half} half, round {round}")))
                .await;
            let match_id = hospital.propose_match(&need, &offer).await;
            coordinator
                .approve(&match_id)
                .await
                .assert_status(StatusCode::OK);
            matches.push(match_id);
        }
        // Proposed while the need is open; once one starts it is matched, and the other may
        // still start beside it.
        for match_id in &matches {
            ngo.accept(match_id).await.assert_status(StatusCode::OK);
        }
        let report = json!({"delivered_quantity": 5, "rating": 4, "outcome": "Twenty staff restored backups in a drill."});
        let (first, second) = tokio::join!(
            ngo.complete(&matches[0], &report),
            hospital.complete(&matches[1], &report)
        );
        let mut delivered = 0;
        for answer in [&first, &second] {
            if answer.status.is_success() {
                delivered += 5;
            } else {
                assert_lost_cleanly(answer, &["/problems/changed-meanwhile"]);
            }
        }
        let need_now = hospital.read(&format!("/api/v1/needs/{}", id(&need))).await;
        assert_eq!(
            need_now["quantity_covered"], delivered,
            "round {round}: {need_now}"
        );
        let expected = if delivered >= 10 {
            "fulfilled"
        } else {
            "matched"
        };
        assert_eq!(need_now["status"], expected, "round {round}: {need_now}");
    }
}

fn with_title(mut item: Value, title: &str) -> Value {
    item["title"] = json!(title);
    item
}

/// The lead's rule: while a match is in progress (approved or active) neither its need nor
/// its offer can be closed; the refusal names the matches, and the page links to them.
/// Before, the close answered 200 and the match could then never complete, its capacity
/// held for good.
pub async fn closing_an_item_a_match_holds_is_refused_naming_the_match(app: TestApp) {
    let (hospital, ngo, coordinator) = app.cast().await;
    let (need, offer) = pair(0, 4, 10);
    let need = hospital.publish_need(&need).await;
    let offer = ngo.publish_offer(&offer).await;
    let match_id = hospital.propose_match(&need, &offer).await;

    // Approved, not yet active: it already holds both.
    coordinator
        .approve(&match_id)
        .await
        .assert_status(StatusCode::OK);
    for (session, item) in [(&hospital, Need(&need)), (&ngo, Offer(&offer))] {
        let refused = session.close(item).await;
        let detail = refused.assert_problem(StatusCode::CONFLICT);
        assert!(detail.contains("matches in progress"), "{detail}");
        assert_eq!(problem_type(&refused), "/problems/item-has-open-match");
        assert_eq!(refused.body["open_matches"], json!([match_id]));
    }
    // Active: still held, on the pages too, which link to the match.
    ngo.accept(&match_id).await.assert_status(StatusCode::OK);
    coordinator
        .close(Need(&need))
        .await
        .assert_problem(StatusCode::CONFLICT);
    let browser = Browser::signed_in(&app, &hospital.account).await;
    let need_page = format!("/needs/{}", id(&need));
    let refused = browser.press(&need_page, "close").await;
    refused.assert_status(StatusCode::CONFLICT);
    assert_mentions(&refused.body, "matches are in progress");
    assert!(
        refused
            .body
            .contains(&format!("href=\"/matches/{match_id}\"")),
        "{}",
        refused.body
    );
    assert_eq!(
        hospital.read(&format!("/api/v1/needs/{}", id(&need))).await["status"],
        "matched"
    );

    // Once the match ends, the need can close, and the capacity it did not use is back.
    hospital
        .complete(
            &match_id,
            &json!({"delivered_quantity": 2, "rating": 5, "outcome": "Two teams trained."}),
        )
        .await
        .assert_status(StatusCode::OK);
    hospital
        .close(Need(&need))
        .await
        .assert_status(StatusCode::OK);
    let offer_now = ngo.read(&format!("/api/v1/offers/{}", id(&offer))).await;
    assert_eq!(offer_now["capacity_left"], 8);
    ngo.close(Offer(&offer)).await.assert_status(StatusCode::OK);
}
