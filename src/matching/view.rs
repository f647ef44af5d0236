//! What of a match a viewer reads: the one rule for a match's outcome words and ratings,
//! used by the API (`GET /matches`, `GET /matches/{id}`, the actions' answers, `/reports`)
//! and by the match pages.
//!
//! Coordinators read every side's outcome. A side reads only its own: the other side's words
//! and rating are for the clearing house (the outcome email promises the other side will not
//! see them). The outcome and rating stored on a match are the completing side's report, so a
//! side sees them on the match only as its own report says them, and nothing until it reports.

use crate::matching::store::{Match, OutcomeReport};
use crate::matching::workflow::Party;

/// Whether `viewer` may read a report written for `author`.
pub fn reads_report(viewer: Party, author: Party) -> bool {
    viewer == Party::Coordinator || viewer == author
}

/// `found` as `viewer` may read it; `reports` are the reports on it (others are ignored).
pub fn match_for(found: Match, viewer: Party, reports: &[OutcomeReport]) -> Match {
    if viewer == Party::Coordinator {
        return found;
    }
    let own = reports
        .iter()
        .find(|report| report.match_id == found.id && report.party == viewer);
    Match {
        outcome: own.map(|report| report.outcome.clone()),
        rating: own.map(|report| report.rating),
        ..found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completed(outcome: &str, rating: i32) -> Match {
        let now = chrono::Utc::now();
        Match {
            id: uuid::Uuid::new_v4(),
            need_id: uuid::Uuid::new_v4(),
            offer_id: uuid::Uuid::new_v4(),
            score: 0.5,
            explanation: serde_json::json!([]),
            proposed_by: Party::Requester,
            status: crate::matching::workflow::MatchStatus::Completed,
            requester_accepted: true,
            provider_accepted: true,
            reserved_quantity: 3,
            note: None,
            decided_by: None,
            reason: None,
            delivered_quantity: Some(3),
            outcome: Some(outcome.to_owned()),
            rating: Some(rating),
            version: 5,
            activated_at: Some(now),
            completed_at: Some(now),
            created_at: now,
            updated_at: now,
        }
    }

    fn report(on: &Match, party: Party, outcome: &str, rating: i32) -> OutcomeReport {
        OutcomeReport::now(
            on.id,
            party,
            rating,
            outcome.to_owned(),
            uuid::Uuid::new_v4(),
        )
    }

    #[test]
    fn each_side_reads_only_its_own_outcome_and_coordinators_read_the_match() {
        let found = completed("the provider's words", 2);
        let provider = report(&found, Party::Provider, "the provider's words", 2);
        let reports = [provider];
        let requester_view = match_for(found.clone(), Party::Requester, &reports);
        assert_eq!(
            (requester_view.outcome, requester_view.rating),
            (None, None)
        );
        let provider_view = match_for(found.clone(), Party::Provider, &reports);
        assert_eq!(
            (provider_view.outcome.as_deref(), provider_view.rating),
            (Some("the provider's words"), Some(2))
        );
        assert_eq!(
            match_for(found.clone(), Party::Coordinator, &reports),
            found
        );

        let requester = report(&found, Party::Requester, "ours", 5);
        let both = [reports[0].clone(), requester];
        let requester_view = match_for(found, Party::Requester, &both);
        assert_eq!(
            (requester_view.outcome.as_deref(), requester_view.rating),
            (Some("ours"), Some(5))
        );
    }

    #[test]
    fn reports_are_read_by_their_side_and_coordinators() {
        for author in [Party::Requester, Party::Provider] {
            assert!(reads_report(Party::Coordinator, author));
            assert!(reads_report(author, author));
        }
        assert!(!reads_report(Party::Requester, Party::Provider));
        assert!(!reads_report(Party::Provider, Party::Requester));
    }
}
