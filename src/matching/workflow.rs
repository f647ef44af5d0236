//! The match lifecycle as data: proposed -> approved (coordinator) or rejected; accepted by
//! both sides (the proposing side counts as accepted) -> active; declined; active ->
//! completed or cancelled. One pure function from (state, action, party) to the next state.

use serde::Serialize;

use crate::vocabulary;

vocabulary! {
    pub enum MatchStatus {
        Proposed = "proposed",
        Approved = "approved",
        Rejected = "rejected",
        Declined = "declined",
        Active = "active",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

vocabulary! {
    pub enum MatchAction {
        Approve = "approve",
        Reject = "reject",
        Accept = "accept",
        Decline = "decline",
        Complete = "complete",
        Cancel = "cancel",
    }
}

vocabulary! {
    /// On whose behalf an action is taken.
    pub enum Party {
        Requester = "requester",
        Provider = "provider",
        Coordinator = "coordinator",
        /// The matching engine, for proposals it makes.
        Engine = "engine",
    }
}

/// What the lifecycle needs to know of a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MatchState {
    pub status: MatchStatus,
    pub requester_accepted: bool,
    pub provider_accepted: bool,
}

impl MatchState {
    /// A new proposal: the side that proposes has accepted it.
    pub fn proposed_by(party: Party) -> Self {
        Self {
            status: MatchStatus::Proposed,
            requester_accepted: party == Party::Requester,
            provider_accepted: party == Party::Provider,
        }
    }

    /// Live matches hold their (need, offer) pair: there is one at most per pair.
    pub fn is_live(self) -> bool {
        matches!(
            self.status,
            MatchStatus::Proposed | MatchStatus::Approved | MatchStatus::Active
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchRefusal {
    #[error("cannot {action} a match that is {status}")]
    State {
        action: MatchAction,
        status: MatchStatus,
    },
    #[error("only {allowed} may {action} a match")]
    Party {
        action: MatchAction,
        allowed: &'static str,
    },
    #[error("the {party} side has already accepted this match")]
    AlreadyAccepted { party: Party },
}

fn may(action: MatchAction, party: Party) -> Result<(), MatchRefusal> {
    let allowed = match action {
        MatchAction::Approve | MatchAction::Reject => "coordinators",
        MatchAction::Accept | MatchAction::Decline => "the requester or the provider",
        MatchAction::Complete | MatchAction::Cancel => {
            "the requester, the provider or a coordinator"
        }
    };
    let ok = match action {
        MatchAction::Approve | MatchAction::Reject => party == Party::Coordinator,
        MatchAction::Accept | MatchAction::Decline => {
            matches!(party, Party::Requester | Party::Provider)
        }
        MatchAction::Complete | MatchAction::Cancel => party != Party::Engine,
    };
    if ok {
        Ok(())
    } else {
        Err(MatchRefusal::Party { action, allowed })
    }
}

/// The state after `party` takes `action`, or why not.
pub fn next(
    state: MatchState,
    action: MatchAction,
    party: Party,
) -> Result<MatchState, MatchRefusal> {
    use MatchAction::*;
    use MatchStatus::*;
    may(action, party)?;
    let refuse = || MatchRefusal::State {
        action,
        status: state.status,
    };
    let mut next = state;
    match (state.status, action) {
        (Proposed, Approve) => next.status = Approved,
        (Proposed, Reject) => next.status = Rejected,
        (Proposed | Approved, Accept) => {
            let flag = if party == Party::Requester {
                &mut next.requester_accepted
            } else {
                &mut next.provider_accepted
            };
            if *flag {
                return Err(MatchRefusal::AlreadyAccepted { party });
            }
            *flag = true;
        }
        (Proposed | Approved, Decline) => next.status = Declined,
        (Active, Complete) => next.status = Completed,
        (Proposed | Approved | Active, Cancel) => next.status = Cancelled,
        _ => return Err(refuse()),
    }
    // Approved by a coordinator and accepted by both sides: the work starts.
    if next.status == Approved && next.requester_accepted && next.provider_accepted {
        next.status = Active;
    }
    Ok(next)
}

/// The actions some party may take on a match in `status`: what a refusal offers instead.
/// Read off `next` itself, so that it cannot disagree with the table.
pub fn allowed_actions(status: MatchStatus) -> Vec<MatchAction> {
    let state = MatchState {
        status,
        requester_accepted: false,
        provider_accepted: false,
    };
    MatchAction::ALL
        .iter()
        .copied()
        .filter(|&action| {
            Party::ALL
                .iter()
                .any(|&party| next(state, action, party).is_ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn allowed_actions_follow_the_table() {
        use MatchAction::*;
        assert_eq!(
            allowed_actions(MatchStatus::Proposed),
            [Approve, Reject, Accept, Decline, Cancel]
        );
        assert_eq!(
            allowed_actions(MatchStatus::Approved),
            [Accept, Decline, Cancel]
        );
        assert_eq!(allowed_actions(MatchStatus::Active), [Complete, Cancel]);
        assert!(allowed_actions(MatchStatus::Completed).is_empty());
    }

    fn states() -> Vec<MatchState> {
        let mut all = Vec::new();
        for &status in MatchStatus::ALL {
            for requester_accepted in [false, true] {
                for provider_accepted in [false, true] {
                    all.push(MatchState {
                        status,
                        requester_accepted,
                        provider_accepted,
                    });
                }
            }
        }
        all
    }

    /// Every state x action x party, against the rules written out longhand.
    #[test]
    fn the_table_is_exactly_the_design() {
        use MatchAction::*;
        use MatchStatus::*;
        for state in states() {
            for &action in MatchAction::ALL {
                for &party in Party::ALL {
                    let got = next(state, action, party);
                    let party_ok = match action {
                        Approve | Reject => party == Party::Coordinator,
                        Accept | Decline => matches!(party, Party::Requester | Party::Provider),
                        Complete | Cancel => party != Party::Engine,
                    };
                    let state_ok = match action {
                        Approve | Reject => state.status == Proposed,
                        Accept | Decline => matches!(state.status, Proposed | Approved),
                        Complete => state.status == Active,
                        Cancel => matches!(state.status, Proposed | Approved | Active),
                    };
                    let already = action == Accept
                        && ((party == Party::Requester && state.requester_accepted)
                            || (party == Party::Provider && state.provider_accepted));
                    let case = format!("{state:?} x {action} by {party}");
                    if !(party_ok && state_ok && !already) {
                        assert!(got.is_err(), "{case}: {got:?}");
                        continue;
                    }
                    let after = got.unwrap_or_else(|e| panic!("{case}: {e}"));
                    let expected_status = match action {
                        Approve if state.requester_accepted && state.provider_accepted => Active,
                        Approve => Approved,
                        Reject => Rejected,
                        Decline => Declined,
                        Complete => Completed,
                        Cancel => Cancelled,
                        Accept => {
                            let both = (state.requester_accepted || party == Party::Requester)
                                && (state.provider_accepted || party == Party::Provider);
                            if state.status == Approved && both {
                                Active
                            } else {
                                state.status
                            }
                        }
                    };
                    assert_eq!(after.status, expected_status, "{case}");
                }
            }
        }
    }

    #[test]
    fn the_proposer_has_accepted() {
        assert!(MatchState::proposed_by(Party::Requester).requester_accepted);
        assert!(MatchState::proposed_by(Party::Provider).provider_accepted);
        let by_coordinator = MatchState::proposed_by(Party::Coordinator);
        assert!(!by_coordinator.requester_accepted && !by_coordinator.provider_accepted);
    }

    proptest! {
        /// Whatever happens, a match is active only if approved and accepted by both sides,
        /// and a final state never moves again.
        #[test]
        fn active_means_approved_and_accepted_by_both(steps in proptest::collection::vec((0..6usize, 0..4usize), 0..12), proposer in 0..4usize) {
            let mut state = MatchState::proposed_by(Party::ALL[proposer]);
            let mut approved = false;
            for (action, party) in steps {
                let (action, party) = (MatchAction::ALL[action], Party::ALL[party]);
                let before = state;
                if let Ok(after) = next(state, action, party) {
                    approved |= action == MatchAction::Approve;
                    prop_assert!(!matches!(before.status, MatchStatus::Rejected | MatchStatus::Declined | MatchStatus::Completed | MatchStatus::Cancelled));
                    if after.status == MatchStatus::Active {
                        prop_assert!(approved && after.requester_accepted && after.provider_accepted);
                    }
                    state = after;
                }
            }
        }
    }
}
