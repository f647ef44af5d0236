//! Organisations, users and roles as the domain sees them: pure types and rules, no I/O.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::FieldError;

/// What an organisation is; its kind decides which side of the clearing house it stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Ministry,
    HealthAgency,
    Hospital,
    Ngo,
    Company,
    Donor,
    Academia,
    Intergovernmental,
    Secretariat,
}

/// The side an organisation's users act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Posts needs.
    Requester,
    /// Posts offers.
    Provider,
    /// Runs the clearing house.
    Secretariat,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 9] = [
        Self::Ministry,
        Self::HealthAgency,
        Self::Hospital,
        Self::Ngo,
        Self::Company,
        Self::Donor,
        Self::Academia,
        Self::Intergovernmental,
        Self::Secretariat,
    ];

    pub fn side(self) -> Side {
        match self {
            Self::Ministry | Self::HealthAgency | Self::Hospital => Side::Requester,
            Self::Ngo | Self::Company | Self::Donor | Self::Academia | Self::Intergovernmental => {
                Side::Provider
            }
            Self::Secretariat => Side::Secretariat,
        }
    }

    /// Anyone may register a requester or provider organisation; the secretariat is created
    /// by an operator (`clearinghouse create-coordinator`), never over the API.
    pub fn may_self_register(self) -> bool {
        self.side() != Side::Secretariat
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ministry => "ministry",
            Self::HealthAgency => "health_agency",
            Self::Hospital => "hospital",
            Self::Ngo => "ngo",
            Self::Company => "company",
            Self::Donor => "donor",
            Self::Academia => "academia",
            Self::Intergovernmental => "intergovernmental",
            Self::Secretariat => "secretariat",
        }
    }
}

impl fmt::Display for OrganisationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrganisationKind {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// What a user may do within (and, for coordinators, beyond) their organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    /// Manages its organisation's users and API clients.
    OrgAdmin,
    /// A secretariat user: verifies organisations and decides on matches.
    Coordinator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::OrgAdmin => "org_admin",
            Self::Coordinator => "coordinator",
        }
    }
}

impl FromStr for Role {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Member, Self::OrgAdmin, Self::Coordinator]
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// A stored value that no variant names: the database holds something the code does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown value `{0}`")]
pub struct UnknownValue(pub String);

/// An ISO 3166-1 alpha-2 country code that exists in the standard's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[schema(value_type = String, example = "KE")]
pub struct Country(#[serde(serialize_with = "serialize_country")] isocountry::CountryCode);

fn serialize_country<S: serde::Serializer>(
    code: &isocountry::CountryCode,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.alpha2())
}

impl Country {
    /// Accepts the code in either case, as people type it.
    pub fn parse(code: &str) -> Option<Self> {
        if code.len() != 2 {
            return None;
        }
        isocountry::CountryCode::for_alpha2_caseless(code)
            .ok()
            .map(Self)
    }

    /// `parse`, with the field error a request gets for a code that names no country.
    pub fn parse_field(code: &str, field: &str) -> Result<Self, FieldError> {
        Self::parse(code).ok_or_else(|| {
            FieldError::new(
                field,
                "country",
                "is not an ISO 3166-1 alpha-2 country code",
            )
        })
    }

    pub fn alpha2(self) -> &'static str {
        self.0.alpha2()
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

/// A code that names no country in ISO 3166-1 alpha-2.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an ISO 3166-1 alpha-2 country code")]
pub struct UnknownCountry(pub String);

impl FromStr for Country {
    type Err = UnknownCountry;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownCountry(s.to_owned()))
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.alpha2())
    }
}

/// An email address as the clearing house keeps it: trimmed and lower-cased (people paste
/// addresses with stray spaces and capitals, and two spellings must not make two accounts),
/// checked once by `validator`'s address rule and at most 254 characters (RFC 5321's limit
/// on a path). Past `parse`, nobody re-checks or re-normalises.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

/// Why a string is not an [`Email`], as a field error names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("is not an email address")]
    NotAnAddress,
    #[error("must be at most {} characters", Email::MAX_CHARS)]
    TooLong,
    /// The text rule (`crate::text`): a control character is never part of an address.
    #[error("must not contain control characters")]
    ControlCharacter,
}

impl EmailError {
    /// The machine-readable reason a field error carries (as the derive-based checks named it).
    pub fn code(self) -> &'static str {
        match self {
            Self::NotAnAddress => "email",
            Self::TooLong => "length",
            Self::ControlCharacter => crate::text::CODE,
        }
    }

    /// This reason as the error of the request field `field`.
    pub fn at(self, field: &str) -> FieldError {
        FieldError::new(field, self.code(), self.to_string())
    }
}

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(input: &str) -> Result<Self, EmailError> {
        if crate::text::forbidden_character(input).is_some() {
            return Err(EmailError::ControlCharacter);
        }
        let normalised = input.trim().to_lowercase();
        if normalised.chars().count() > Self::MAX_CHARS {
            return Err(EmailError::TooLong);
        }
        if !validator::ValidateEmail::validate_email(&normalised) {
            return Err(EmailError::NotAnAddress);
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    pub country: Country,
    pub verified: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub organisation_id: Uuid,
    pub email_verified: bool,
}

/// Who is asking: the identity an access token carries, or nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    User {
        user_id: Uuid,
        organisation_id: Uuid,
        role: Role,
    },
    /// A partner system's API client, acting for its organisation as an ordinary member
    /// would (never as an org admin or a coordinator: docs/SECURITY.md says why).
    /// `accountable_user` is the org admin who created it: the person the columns that name
    /// a user (`created_by`, a proposer) point at, while the audit log names the client.
    Client {
        client_id: Uuid,
        organisation_id: Uuid,
        accountable_user: Uuid,
    },
}

impl Viewer {
    pub fn is_coordinator(&self) -> bool {
        matches!(
            self,
            Viewer::User {
                role: Role::Coordinator,
                ..
            }
        )
    }

    pub fn organisation_id(&self) -> Option<Uuid> {
        match self {
            Viewer::Anonymous => None,
            Viewer::User {
                organisation_id, ..
            }
            | Viewer::Client {
                organisation_id, ..
            } => Some(*organisation_id),
        }
    }

    /// The role the viewer acts with: a client reads and writes as a member.
    pub fn role(&self) -> Option<Role> {
        match self {
            Viewer::Anonymous => None,
            Viewer::User { role, .. } => Some(*role),
            Viewer::Client { .. } => Some(Role::Member),
        }
    }
}

/// Which organisations a viewer may see in the directory. Verified organisations are public
/// (they are the clearing house's members); an unverified one is seen only by its own users
/// and by coordinators, who review it. Every organisation read applies this rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationScope {
    All,
    VerifiedOr(Option<Uuid>),
}

impl OrganisationScope {
    pub fn for_viewer(viewer: &Viewer) -> Self {
        if viewer.is_coordinator() {
            Self::All
        } else {
            Self::VerifiedOr(viewer.organisation_id())
        }
    }

    pub fn admits(self, organisation: &Organisation) -> bool {
        match self {
            Self::All => true,
            Self::VerifiedOr(own) => organisation.verified || own == Some(organisation.id),
        }
    }
}

/// A refused organisation verification, in the words a coordinator sees.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyRefusal {
    #[error("the organisation is already verified")]
    AlreadyVerified,
}

/// Verifying is a one-way step: an unverified organisation becomes verified, once.
pub fn verify(organisation: &Organisation) -> Result<(), VerifyRefusal> {
    if organisation.verified {
        Err(VerifyRefusal::AlreadyVerified)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn organisation(verified: bool) -> Organisation {
        Organisation {
            id: Uuid::new_v4(),
            name: "Kenyatta National Hospital".into(),
            kind: OrganisationKind::Hospital,
            country: Country::parse("KE").unwrap(),
            verified,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in OrganisationKind::ALL {
            assert_eq!(kind.as_str().parse::<OrganisationKind>().unwrap(), kind);
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.as_str());
        }
        assert!("clinic".parse::<OrganisationKind>().is_err());
    }

    #[test]
    fn sides_follow_the_design() {
        use OrganisationKind::*;
        for kind in [Ministry, HealthAgency, Hospital] {
            assert_eq!(kind.side(), Side::Requester);
        }
        for kind in [Ngo, Company, Donor, Academia, Intergovernmental] {
            assert_eq!(kind.side(), Side::Provider);
        }
        assert!(!Secretariat.may_self_register());
    }

    #[test]
    fn emails_are_trimmed_lower_cased_and_checked() {
        let email = Email::parse("  Amina@Hospital.Example ").unwrap();
        assert_eq!(email.as_str(), "amina@hospital.example");
        assert_eq!(email.to_string(), "amina@hospital.example");
        assert_eq!(
            "AMINA@hospital.example".parse::<Email>().unwrap(),
            email,
            "two spellings are one address"
        );
        for bad in [
            "",
            "   ",
            "not-an-email",
            "@hospital.example",
            "amina@",
            "a b@c.example",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::NotAnAddress), "{bad:?}");
        }
        let address = |last_label: usize| {
            let b = |n: usize| "b".repeat(n);
            format!(
                "{}@{}.{}.{}.example",
                "a".repeat(64),
                b(60),
                b(60),
                b(last_label)
            )
        };
        let longest = address(59);
        assert_eq!(longest.len(), 254);
        assert!(Email::parse(&longest).is_ok());
        let too_long = address(60);
        assert_eq!(Email::parse(&too_long), Err(EmailError::TooLong));
        assert_eq!(
            serde_json::to_value(&email).unwrap(),
            "amina@hospital.example"
        );
    }

    proptest::proptest! {
        /// Parsing what was parsed changes nothing: a stored address reads back as itself.
        #[test]
        fn parsing_any_string_is_idempotent(input in "\\PC{0,40}") {
            if let Ok(once) = Email::parse(&input) {
                proptest::prop_assert_eq!(Email::parse(&once.to_string()), Ok(once));
            }
        }

        /// The same for addresses as people type them, which must parse in the first place.
        #[test]
        fn parsing_a_typed_address_is_idempotent(
            input in "[ \t]{0,2}[A-Za-z0-9._%+-]{1,20}@[A-Za-z0-9]{1,15}(\\.[A-Za-z]{2,6}){1,2}[ \t]{0,2}"
        ) {
            let once = Email::parse(&input);
            proptest::prop_assert!(once.is_ok(), "{input:?}: {once:?}");
            let once = once.unwrap();
            proptest::prop_assert_eq!(once.as_str(), input.trim().to_lowercase());
            proptest::prop_assert_eq!(Email::parse(&once.to_string()), Ok(once));
        }
    }

    #[test]
    fn countries_come_from_the_iso_list() {
        assert_eq!(Country::parse("ke").unwrap().alpha2(), "KE");
        assert_eq!(Country::parse("FR").unwrap().name(), "France");
        for bad in ["", "K", "XX", "ZZ", "KEN", "12", "k\u{e9}"] {
            assert!(Country::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn unverified_organisations_are_seen_by_their_own_users_and_coordinators_only() {
        let unverified = organisation(false);
        let verified = organisation(true);
        let outsider = Viewer::User {
            user_id: Uuid::new_v4(),
            organisation_id: Uuid::new_v4(),
            role: Role::OrgAdmin,
        };
        let insider = Viewer::User {
            user_id: Uuid::new_v4(),
            organisation_id: unverified.id,
            role: Role::Member,
        };
        let coordinator = Viewer::User {
            user_id: Uuid::new_v4(),
            organisation_id: Uuid::new_v4(),
            role: Role::Coordinator,
        };
        for viewer in [Viewer::Anonymous, outsider, insider, coordinator] {
            assert!(OrganisationScope::for_viewer(&viewer).admits(&verified));
        }
        assert!(!OrganisationScope::for_viewer(&Viewer::Anonymous).admits(&unverified));
        assert!(!OrganisationScope::for_viewer(&outsider).admits(&unverified));
        assert!(OrganisationScope::for_viewer(&insider).admits(&unverified));
        assert!(OrganisationScope::for_viewer(&coordinator).admits(&unverified));
    }

    #[test]
    fn verification_happens_once() {
        assert_eq!(verify(&organisation(false)), Ok(()));
        assert_eq!(
            verify(&organisation(true)),
            Err(VerifyRefusal::AlreadyVerified)
        );
    }
}
