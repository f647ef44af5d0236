//! Who may read and manage what: the one place that decides, used by every read path (get,
//! list, search; later candidates, exports and emails). Pure functions of the reader and
//! the item.

use uuid::Uuid;

use crate::accounts::model::{Side, Viewer};
use crate::catalogue::lifecycle::{need_is_private, offer_is_private};
use crate::catalogue::model::{NeedStatus, NeedVisibility, OfferStatus, OfferVisibility};

/// The organisation a signed-in reader belongs to, as far as reading rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderOrganisation {
    pub id: Uuid,
    pub verified: bool,
    pub side: Side,
}

/// Who is reading: anonymous, or a user with their role and organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    pub viewer: Viewer,
    pub organisation: Option<ReaderOrganisation>,
}

impl Reader {
    pub const ANONYMOUS: Reader = Reader {
        viewer: Viewer::Anonymous,
        organisation: None,
    };

    pub fn is_coordinator(&self) -> bool {
        self.viewer.is_coordinator()
    }

    pub fn organisation_id(&self) -> Option<Uuid> {
        self.organisation.map(|organisation| organisation.id)
    }

    fn is_verified(&self) -> bool {
        self.organisation
            .is_some_and(|organisation| organisation.verified)
    }

    fn is_verified_on(&self, side: Side) -> bool {
        self.organisation
            .is_some_and(|organisation| organisation.verified && organisation.side == side)
    }

    /// Whether the reader acts for `owner` (their own organisation) or oversees everything.
    pub fn may_manage(&self, owner: Uuid) -> bool {
        self.is_coordinator() || self.organisation_id() == Some(owner)
    }

    /// Posting needs is for requesters, offers for providers; any member may write a draft.
    pub fn may_post_on(&self, side: Side) -> bool {
        self.organisation
            .is_some_and(|organisation| organisation.side == side)
    }
}

/// Which items of one kind a reader may see: everything, or their own organisation's plus
/// those whose state is not private and whose visibility is among `visibilities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope<V> {
    All,
    Restricted {
        own: Option<Uuid>,
        visibilities: Vec<V>,
    },
}

impl<V: PartialEq + Copy> ReadScope<V> {
    /// The one rule, for a single item.
    pub fn admits(&self, owner: Uuid, private_state: bool, visibility: V) -> bool {
        match self {
            ReadScope::All => true,
            ReadScope::Restricted { own, visibilities } => {
                *own == Some(owner) || (!private_state && visibilities.contains(&visibility))
            }
        }
    }
}

pub fn need_scope(reader: &Reader) -> ReadScope<NeedVisibility> {
    if reader.is_coordinator() {
        return ReadScope::All;
    }
    let mut visibilities = vec![NeedVisibility::Public];
    if reader.is_verified_on(Side::Provider) {
        visibilities.push(NeedVisibility::VerifiedProviders);
    }
    ReadScope::Restricted {
        own: reader.organisation_id(),
        visibilities,
    }
}

pub fn offer_scope(reader: &Reader) -> ReadScope<OfferVisibility> {
    if reader.is_coordinator() {
        return ReadScope::All;
    }
    let mut visibilities = vec![OfferVisibility::Public];
    if reader.is_verified() {
        visibilities.push(OfferVisibility::VerifiedOrganisations);
    }
    ReadScope::Restricted {
        own: reader.organisation_id(),
        visibilities,
    }
}

pub fn may_read_need(
    reader: &Reader,
    owner: Uuid,
    status: NeedStatus,
    visibility: NeedVisibility,
) -> bool {
    need_scope(reader).admits(owner, need_is_private(status), visibility)
}

pub fn may_read_offer(
    reader: &Reader,
    owner: Uuid,
    status: OfferStatus,
    visibility: OfferVisibility,
) -> bool {
    offer_scope(reader).admits(owner, offer_is_private(status), visibility)
}

/// An anonymous need names its organisation only to that organisation and the coordinators.
pub fn reveals_need_owner(reader: &Reader, owner: Uuid, anonymous: bool) -> bool {
    !anonymous || reader.may_manage(owner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::model::Role;

    fn user(organisation: ReaderOrganisation, role: Role) -> Reader {
        Reader {
            viewer: Viewer::User {
                user_id: Uuid::new_v4(),
                organisation_id: organisation.id,
                role,
            },
            organisation: Some(organisation),
        }
    }

    fn organisation(side: Side, verified: bool) -> ReaderOrganisation {
        ReaderOrganisation {
            id: Uuid::new_v4(),
            verified,
            side,
        }
    }

    /// The whole matrix of DESIGN.md section 5 for needs: reader x visibility x state.
    #[test]
    fn need_reading_matrix() {
        use NeedVisibility::*;
        let owner = organisation(Side::Requester, true);
        let readers = [
            ("anonymous", Reader::ANONYMOUS, [true, false, false]),
            (
                "unverified provider",
                user(organisation(Side::Provider, false), Role::OrgAdmin),
                [true, false, false],
            ),
            (
                "verified provider",
                user(organisation(Side::Provider, true), Role::Member),
                [true, true, false],
            ),
            (
                "another requester",
                user(organisation(Side::Requester, true), Role::OrgAdmin),
                [true, false, false],
            ),
            (
                "owner member",
                user(owner, Role::Member),
                [true, true, true],
            ),
            (
                "owner admin",
                user(owner, Role::OrgAdmin),
                [true, true, true],
            ),
            (
                "coordinator",
                user(organisation(Side::Secretariat, true), Role::Coordinator),
                [true, true, true],
            ),
        ];
        for (who, reader, expected) in readers {
            for (visibility, allowed) in [Public, VerifiedProviders, Coordinators]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(
                    may_read_need(&reader, owner.id, NeedStatus::Open, visibility),
                    allowed,
                    "{who} x {visibility}"
                );
                let privileged = reader.may_manage(owner.id);
                assert_eq!(
                    may_read_need(&reader, owner.id, NeedStatus::Draft, visibility),
                    privileged,
                    "{who} x draft {visibility}"
                );
                assert_eq!(
                    reveals_need_owner(&reader, owner.id, true),
                    privileged,
                    "{who} anonymity"
                );
                assert!(reveals_need_owner(&reader, owner.id, false));
            }
        }
    }

    #[test]
    fn offers_for_verified_organisations_need_a_verified_reader() {
        let owner = organisation(Side::Provider, true);
        let verified_requester = user(organisation(Side::Requester, true), Role::Member);
        let unverified = user(organisation(Side::Requester, false), Role::Member);
        let visibility = OfferVisibility::VerifiedOrganisations;
        assert!(may_read_offer(
            &verified_requester,
            owner.id,
            OfferStatus::Open,
            visibility
        ));
        assert!(!may_read_offer(
            &unverified,
            owner.id,
            OfferStatus::Open,
            visibility
        ));
        assert!(!may_read_offer(
            &Reader::ANONYMOUS,
            owner.id,
            OfferStatus::Open,
            visibility
        ));
        assert!(may_read_offer(
            &Reader::ANONYMOUS,
            owner.id,
            OfferStatus::Open,
            OfferVisibility::Public
        ));
        assert!(!may_read_offer(
            &Reader::ANONYMOUS,
            owner.id,
            OfferStatus::Withdrawn,
            OfferVisibility::Public
        ));
    }

    #[test]
    fn only_the_right_side_posts() {
        let hospital = user(organisation(Side::Requester, false), Role::Member);
        assert!(hospital.may_post_on(Side::Requester));
        assert!(!hospital.may_post_on(Side::Provider));
        assert!(!Reader::ANONYMOUS.may_post_on(Side::Requester));
    }
}
