//! The lifecycles of needs and offers as data: one function each from (state, action) to
//! the next state or a refusal that names what is allowed instead.

use serde::Serialize;

use crate::catalogue::model::{NeedStatus, OfferStatus};
use crate::vocabulary;

vocabulary! {
    /// What an owner (or a coordinator, or the expiry task) can do to a need or an offer.
    pub enum Action {
        Edit = "edit",
        Publish = "publish",
        Withdraw = "withdraw",
        Close = "close",
        Reconfirm = "reconfirm",
        Expire = "expire",
        /// A match for the item became active (system).
        Engage = "engage",
        /// Delivered quantity covers the need, or capacity is used up (system).
        Fulfil = "fulfil",
        /// The need's last active match ended without covering it: it is open again (system).
        Release = "release",
    }
}

/// An action the current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("cannot {action} a {entity} that is {state}; allowed: {}", allowed_list(.allowed))]
pub struct Refusal {
    pub entity: &'static str,
    pub state: &'static str,
    pub action: Action,
    pub allowed: Vec<Action>,
}

fn allowed_list(allowed: &[Action]) -> String {
    if allowed.is_empty() {
        "nothing, the state is final".to_owned()
    } else {
        allowed
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The states every catalogue item has, whatever its kind, for the moves both kinds share.
pub trait ItemStatus: Copy + Eq {
    const DRAFT: Self;
    const OPEN: Self;
    const WITHDRAWN: Self;
    const CLOSED: Self;
    const EXPIRED: Self;
}

impl ItemStatus for NeedStatus {
    const DRAFT: Self = NeedStatus::Draft;
    const OPEN: Self = NeedStatus::Open;
    const WITHDRAWN: Self = NeedStatus::Withdrawn;
    const CLOSED: Self = NeedStatus::Closed;
    const EXPIRED: Self = NeedStatus::Expired;
}

impl ItemStatus for OfferStatus {
    const DRAFT: Self = OfferStatus::Draft;
    const OPEN: Self = OfferStatus::Open;
    const WITHDRAWN: Self = OfferStatus::Withdrawn;
    const CLOSED: Self = OfferStatus::Closed;
    const EXPIRED: Self = OfferStatus::Expired;
}

/// The rows both tables have: a draft is edited, published or withdrawn; an open item is
/// edited, withdrawn, closed, or expires.
fn shared_table<S: ItemStatus>(status: S, action: Action) -> Option<S> {
    let (draft, open) = (status == S::DRAFT, status == S::OPEN);
    match action {
        Action::Edit if draft || open => Some(status),
        Action::Publish if draft => Some(S::OPEN),
        Action::Withdraw if draft || open => Some(S::WITHDRAWN),
        Action::Close if open => Some(S::CLOSED),
        Action::Expire if open => Some(S::EXPIRED),
        _ => None,
    }
}

/// The table of needs: the state after `action`, if `status` allows it. A need is also
/// reconfirmed, and matches move it (engaged, released, fulfilled).
fn need_table(status: NeedStatus, action: Action) -> Option<NeedStatus> {
    use Action::*;
    use NeedStatus::*;
    shared_table(status, action).or(match (status, action) {
        (Open, Reconfirm) => Some(Open),
        // A need that lapsed can be brought back by its owner while it is still wanted.
        (Expired, Reconfirm) => Some(Open),
        (Matched | InProgress, Close) => Some(Closed),
        (Open | Matched, Engage) => Some(Matched),
        (Matched, Release) => Some(Open),
        (Open | Matched | InProgress, Fulfil) => Some(Fulfilled),
        _ => None,
    })
}

/// The table of offers: matches use up their capacity.
fn offer_table(status: OfferStatus, action: Action) -> Option<OfferStatus> {
    use Action::*;
    use OfferStatus::*;
    shared_table(status, action).or(match (status, action) {
        (Committed | Exhausted, Close) => Some(Closed),
        (Open, Engage) => Some(Open),
        (Open | Committed, Fulfil) => Some(Exhausted),
        _ => None,
    })
}

pub fn next_need_status(status: NeedStatus, action: Action) -> Result<NeedStatus, Refusal> {
    next("need", need_table, status, status.as_str(), action)
}

pub fn next_offer_status(status: OfferStatus, action: Action) -> Result<OfferStatus, Refusal> {
    next("offer", offer_table, status, status.as_str(), action)
}

/// The state `table` gives after `action`, or a refusal that lists what `status` allows.
fn next<S: Copy>(
    entity: &'static str,
    table: fn(S, Action) -> Option<S>,
    status: S,
    state: &'static str,
    action: Action,
) -> Result<S, Refusal> {
    table(status, action).ok_or_else(|| Refusal {
        entity,
        state,
        action,
        allowed: Action::ALL
            .iter()
            .copied()
            .filter(|a| table(status, *a).is_some())
            .collect(),
    })
}

/// States in which only the owner and coordinators may see an item, whatever its visibility.
pub fn is_private<S: ItemStatus>(status: S) -> bool {
    status == S::DRAFT || status == S::WITHDRAWN
}

pub fn need_is_private(status: NeedStatus) -> bool {
    is_private(status)
}

pub fn offer_is_private(status: OfferStatus) -> bool {
    is_private(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every state x every action, against the lifecycle DESIGN.md draws.
    #[test]
    fn need_lifecycle_table_is_exactly_the_design() {
        use Action::*;
        use NeedStatus::*;
        let expected = |status, action| -> Option<NeedStatus> {
            match (status, action) {
                (Draft, Edit) => Some(Draft),
                (Draft, Publish) => Some(Open),
                (Draft, Withdraw) | (Open, Withdraw) => Some(Withdrawn),
                (Open, Edit) | (Open, Reconfirm) | (Expired, Reconfirm) => Some(Open),
                (Open, Close) | (Matched, Close) | (InProgress, Close) => Some(Closed),
                (Open, Expire) => Some(Expired),
                (Open, Engage) | (Matched, Engage) => Some(Matched),
                (Matched, Release) => Some(Open),
                (Open, Fulfil) | (Matched, Fulfil) | (InProgress, Fulfil) => Some(Fulfilled),
                _ => None,
            }
        };
        for &status in NeedStatus::ALL {
            for &action in Action::ALL {
                match (next_need_status(status, action), expected(status, action)) {
                    (Ok(next), Some(want)) => assert_eq!(next, want, "{status} x {action}"),
                    (Err(refusal), None) => {
                        assert_eq!(refusal.state, status.as_str());
                        assert!(!refusal.allowed.contains(&action));
                        for allowed in &refusal.allowed {
                            assert!(next_need_status(status, *allowed).is_ok());
                        }
                        assert!(refusal.to_string().contains(status.as_str()), "{refusal}");
                    }
                    (got, want) => panic!("{status} x {action}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn offer_lifecycle_table_is_exactly_the_design() {
        use Action::*;
        use OfferStatus::*;
        let expected = |status, action| -> Option<OfferStatus> {
            match (status, action) {
                (Draft, Edit) => Some(Draft),
                (Draft, Publish) | (Open, Edit) => Some(Open),
                (Draft, Withdraw) | (Open, Withdraw) => Some(Withdrawn),
                (Open, Close) | (Committed, Close) | (Exhausted, Close) => Some(Closed),
                (Open, Expire) => Some(Expired),
                (Open, Engage) => Some(Open),
                (Open, Fulfil) | (Committed, Fulfil) => Some(Exhausted),
                _ => None,
            }
        };
        for &status in OfferStatus::ALL {
            for &action in Action::ALL {
                match (next_offer_status(status, action), expected(status, action)) {
                    (Ok(next), Some(want)) => assert_eq!(next, want, "{status} x {action}"),
                    (Err(refusal), None) => assert!(!refusal.allowed.contains(&action)),
                    (got, want) => panic!("{status} x {action}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn final_states_allow_nothing_and_say_so() {
        for status in [
            NeedStatus::Fulfilled,
            NeedStatus::Withdrawn,
            NeedStatus::Closed,
        ] {
            let refusal = next_need_status(status, Action::Publish).unwrap_err();
            assert!(refusal.allowed.is_empty());
            assert!(refusal.to_string().contains("final"));
        }
    }
}
