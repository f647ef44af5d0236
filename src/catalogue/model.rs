//! Needs and offers as the domain sees them: their vocabularies and validated fields. Pure.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::model::{Country, OrganisationKind};
use crate::vocabulary;

vocabulary! {
    /// How soon help is needed.
    pub enum Urgency { Low = "low", Medium = "medium", High = "high", Critical = "critical" }
}

impl Urgency {
    /// 0 for low up to 3 for critical: the order the urgency sort uses.
    pub fn rank(self) -> i32 {
        match self {
            Urgency::Low => 0,
            Urgency::Medium => 1,
            Urgency::High => 2,
            Urgency::Critical => 3,
        }
    }
}

vocabulary! {
    /// How help can be delivered.
    pub enum DeliveryMode { Remote = "remote", OnSite = "on_site", Hybrid = "hybrid" }
}

vocabulary! {
    /// Who may read a need besides its own organisation and the coordinators.
    pub enum NeedVisibility {
        /// Anyone, anonymous readers included.
        Public = "public",
        /// Users of verified provider organisations.
        VerifiedProviders = "verified_providers",
        /// Nobody else.
        Coordinators = "coordinators",
    }
}

vocabulary! {
    /// Who may read an offer besides its own organisation and the coordinators.
    pub enum OfferVisibility {
        Public = "public",
        /// Users of any verified organisation.
        VerifiedOrganisations = "verified_organisations",
        Coordinators = "coordinators",
    }
}

vocabulary! {
    /// What an offer provides.
    pub enum OfferKind {
        Training = "training",
        ExpertSupport = "expert_support",
        Assessment = "assessment",
        Exercise = "exercise",
        Tooling = "tooling",
        Funding = "funding",
    }
}

vocabulary! {
    pub enum NeedStatus {
        Draft = "draft",
        Open = "open",
        Matched = "matched",
        InProgress = "in_progress",
        Fulfilled = "fulfilled",
        Withdrawn = "withdrawn",
        Closed = "closed",
        Expired = "expired",
    }
}

vocabulary! {
    pub enum OfferStatus {
        Draft = "draft",
        Open = "open",
        Committed = "committed",
        Exhausted = "exhausted",
        Withdrawn = "withdrawn",
        Closed = "closed",
        Expired = "expired",
    }
}

vocabulary! {
    /// Regions an offer may serve instead of (or besides) named countries: UN M49 regions
    /// and sub-regions.
    pub enum Region {
        Africa = "africa",
        NorthernAfrica = "northern_africa",
        EasternAfrica = "eastern_africa",
        MiddleAfrica = "middle_africa",
        SouthernAfrica = "southern_africa",
        WesternAfrica = "western_africa",
        Americas = "americas",
        LatinAmericaCaribbean = "latin_america_caribbean",
        NorthernAmerica = "northern_america",
        Asia = "asia",
        CentralAsia = "central_asia",
        EasternAsia = "eastern_asia",
        SouthEasternAsia = "south_eastern_asia",
        SouthernAsia = "southern_asia",
        WesternAsia = "western_asia",
        Europe = "europe",
        EasternEurope = "eastern_europe",
        NorthernEurope = "northern_europe",
        SouthernEurope = "southern_europe",
        WesternEurope = "western_europe",
        Oceania = "oceania",
    }
}

vocabulary! {
    /// The kinds of organisation that post needs, as an offer's eligibility names them.
    pub enum RequesterKind { Ministry = "ministry", HealthAgency = "health_agency", Hospital = "hospital" }
}

impl RequesterKind {
    /// The requester kind of an organisation kind, if it posts needs.
    pub fn of(kind: OrganisationKind) -> Option<Self> {
        match kind {
            OrganisationKind::Ministry => Some(Self::Ministry),
            OrganisationKind::HealthAgency => Some(Self::HealthAgency),
            OrganisationKind::Hospital => Some(Self::Hospital),
            _ => None,
        }
    }

    /// Ministries and health agencies are public bodies; a hospital may be either.
    pub fn implied_sector(self) -> Option<Sector> {
        match self {
            Self::Ministry | Self::HealthAgency => Some(Sector::Public),
            Self::Hospital => None,
        }
    }
}

vocabulary! {
    /// Whether a requester is a public or a private institution.
    pub enum Sector { Public = "public", Private = "private" }
}

vocabulary! {
    /// Which sector an offer is for.
    pub enum SectorRule {
        Public = "public",
        Private = "private",
        /// Stated: public and private institutions alike.
        Either = "either",
    }
}

vocabulary! {
    /// What money is spent on: the costs a grant pays for, and those a need asks it for.
    pub enum Cost {
        /// Courses, certification, trainers' fees.
        Training = "training",
        /// Hardware: servers, storage, network devices.
        Equipment = "equipment",
        /// Software licences and subscriptions.
        Licences = "licences",
        /// Consultants, assessments, audits, managed services.
        Services = "services",
        /// Salaries of the requester's own staff.
        Staff = "staff",
        /// Recovery after an incident: restoring systems and data.
        Recovery = "recovery",
        /// Cyber insurance premiums.
        Insurance = "insurance",
    }
}

vocabulary! {
    /// Who a training (or other help) is made for.
    pub enum Audience {
        /// IT, security and CSIRT staff.
        TechnicalStaff = "technical_staff",
        /// Doctors, nurses and other care staff.
        Clinicians = "clinicians",
        /// Executives, boards, managers and policy makers.
        Management = "management",
        /// People who will train others.
        Trainers = "trainers",
        /// Every member of staff, whatever their role.
        AllStaff = "all_staff",
    }
}

/// Who may use an offer, as its provider states it. Every part is optional: empty, `None`
/// or `false` means no restriction stated. The matcher applies the rules as hard filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferEligibility {
    /// Only these kinds of requester; empty: any. For help that is by its nature one kind of
    /// body's work; who may apply by sector (public hospitals, ministries and public hospitals:
    /// public health bodies, health agencies among them) is `sector`'s to say.
    pub requester_kinds: Vec<RequesterKind>,
    pub sector: Option<SectorRule>,
    /// Only for a requester that has had an incident.
    pub only_after_incident: bool,
    /// Funding only: the costs it pays for; empty: not stated.
    pub eligible_costs: Vec<Cost>,
    /// Who it is made for; empty: not stated. A factor, not a rule.
    pub audiences: Vec<Audience>,
}

/// What a need says that offers' eligibility reads. Optional like the offer's side: a rule
/// that needs an answer the need does not give is not met (an incident) or not settled (a
/// hospital's sector).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeedEligibility {
    /// Public or private; for ministries and health agencies public is implied.
    pub sector: Option<Sector>,
    /// The need follows an incident the requester has had.
    pub after_incident: bool,
    /// The costs the need asks money for; empty: not stated.
    pub costs: Vec<Cost>,
    /// Who the help is for; empty: not stated.
    pub audiences: Vec<Audience>,
}

/// An ISO 639-1 language code that exists in the standard.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[schema(value_type = String, example = "fr")]
pub struct Language(String);

impl Language {
    pub fn parse(code: &str) -> Option<Self> {
        let code = code.trim().to_ascii_lowercase();
        (code.len() == 2 && isolang::Language::from_639_1(&code).is_some()).then_some(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The codes of `languages`, as the API writes them.
pub fn language_codes(languages: &[Language]) -> Vec<String> {
    languages.iter().map(|l| l.as_str().to_owned()).collect()
}

/// The alpha-2 codes of `countries`, as the API writes them.
pub fn country_codes(countries: &[Country]) -> Vec<String> {
    countries.iter().map(|c| c.alpha2().to_owned()).collect()
}

/// An amount in whole units of an ISO 4217 currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: i64,
    pub currency: String,
}

impl Money {
    pub fn currency_is_valid(code: &str) -> bool {
        code.len() == 3 && code.parse::<iso_currency::Currency>().is_ok()
    }
}

/// The validated fields of a need: everything its organisation writes.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedFields {
    pub title: String,
    pub description: String,
    pub themes: Vec<String>,
    pub country: Country,
    pub languages: Vec<Language>,
    pub delivery_modes: Vec<DeliveryMode>,
    pub urgency: Urgency,
    pub quantity: i32,
    pub wanted_from: Option<NaiveDate>,
    pub wanted_by: NaiveDate,
    pub budget: Option<Money>,
    pub visibility: NeedVisibility,
    pub anonymous: bool,
    pub eligibility: NeedEligibility,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// The kind of its organisation: what offers' requester kinds are checked against.
    pub requester_kind: RequesterKind,
    pub fields: NeedFields,
    /// How much of `quantity` completed matches have delivered.
    pub quantity_covered: i32,
    pub status: NeedStatus,
    pub version: i32,
    pub reconfirmed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where an offer can be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub countries: Vec<Country>,
    pub regions: Vec<Region>,
    pub global: bool,
}

/// The validated fields of an offer.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferFields {
    pub kind: OfferKind,
    pub title: String,
    pub description: String,
    pub themes: Vec<String>,
    pub coverage: Coverage,
    pub languages: Vec<Language>,
    pub delivery_modes: Vec<DeliveryMode>,
    pub capacity: i32,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
    pub funding: Option<Money>,
    pub visibility: OfferVisibility,
    pub eligibility: OfferEligibility,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub fields: OfferFields,
    pub capacity_left: i32,
    pub status: OfferStatus,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip_through_text_and_json() {
        for status in NeedStatus::ALL {
            assert_eq!(status.as_str().parse::<NeedStatus>().unwrap(), *status);
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for mode in DeliveryMode::ALL {
            assert_eq!(serde_json::to_value(mode).unwrap(), mode.as_str());
        }
        assert!("onsite".parse::<DeliveryMode>().is_err());
    }

    #[test]
    fn urgency_ranks_in_order() {
        let ranks: Vec<i32> = Urgency::ALL.iter().map(|u| u.rank()).collect();
        assert_eq!(ranks, [0, 1, 2, 3]);
    }

    #[test]
    fn languages_and_currencies_come_from_their_standards() {
        assert_eq!(Language::parse("FR").unwrap().as_str(), "fr");
        assert!(Language::parse("sw").is_some());
        for bad in ["", "f", "fra", "xx", "zz"] {
            assert!(Language::parse(bad).is_none(), "{bad}");
        }
        assert!(Money::currency_is_valid("USD") && Money::currency_is_valid("KES"));
        assert!(!Money::currency_is_valid("usd") && !Money::currency_is_valid("XYZ"));
    }
}
