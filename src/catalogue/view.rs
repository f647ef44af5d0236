//! Needs and offers as the API shows them to one reader: anonymity applied.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::catalogue::model::{
    country_codes, language_codes, Audience, Cost, DeliveryMode, Need, NeedStatus, NeedVisibility,
    Offer, OfferKind, OfferStatus, OfferVisibility, Region, RequesterKind, Sector, SectorRule,
    Urgency,
};
use crate::visibility::{reveals_need_owner, Reader};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedView {
    pub id: Uuid,
    /// Null when the need is anonymous and the reader is neither its organisation nor a coordinator.
    pub organisation_id: Option<Uuid>,
    pub title: String,
    pub description: String,
    pub themes: Vec<String>,
    #[schema(example = "SN")]
    pub country: String,
    #[schema(example = json!(["fr"]))]
    pub languages: Vec<String>,
    pub delivery_modes: Vec<DeliveryMode>,
    pub urgency: Urgency,
    pub quantity: i32,
    /// How much completed matches have delivered so far.
    pub quantity_covered: i32,
    pub wanted_from: Option<NaiveDate>,
    pub wanted_by: NaiveDate,
    pub budget_amount: Option<i64>,
    pub budget_currency: Option<String>,
    pub visibility: NeedVisibility,
    pub anonymous: bool,
    /// Public or private, as the need states it; null: not stated.
    pub sector: Option<Sector>,
    /// The need follows an incident the organisation has had.
    pub after_incident: bool,
    /// The costs the need asks money for.
    pub costs: Vec<Cost>,
    /// Who the help is for.
    pub audiences: Vec<Audience>,
    pub status: NeedStatus,
    /// Send it back as `If-Match: "<version>"` to change the need.
    pub version: i32,
    pub reconfirmed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl NeedView {
    pub fn for_reader(need: &Need, reader: &Reader) -> Self {
        let mut view = Self::full(need);
        if !reveals_need_owner(reader, need.organisation_id, need.fields.anonymous) {
            view.organisation_id = None;
        }
        view
    }

    /// Everything, as the owner, coordinators and the audit log see it.
    pub fn full(need: &Need) -> Self {
        let fields = &need.fields;
        Self {
            id: need.id,
            organisation_id: Some(need.organisation_id),
            title: fields.title.clone(),
            description: fields.description.clone(),
            themes: fields.themes.clone(),
            country: fields.country.alpha2().to_owned(),
            languages: language_codes(&fields.languages),
            delivery_modes: fields.delivery_modes.clone(),
            urgency: fields.urgency,
            quantity: fields.quantity,
            quantity_covered: need.quantity_covered,
            wanted_from: fields.wanted_from,
            wanted_by: fields.wanted_by,
            budget_amount: fields.budget.as_ref().map(|m| m.amount),
            budget_currency: fields.budget.as_ref().map(|m| m.currency.clone()),
            visibility: fields.visibility,
            anonymous: fields.anonymous,
            sector: fields.eligibility.sector,
            after_incident: fields.eligibility.after_incident,
            costs: fields.eligibility.costs.clone(),
            audiences: fields.eligibility.audiences.clone(),
            status: need.status,
            version: need.version,
            reconfirmed_at: need.reconfirmed_at,
            created_at: need.created_at,
            updated_at: need.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferView {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub kind: OfferKind,
    pub title: String,
    pub description: String,
    pub themes: Vec<String>,
    pub countries: Vec<String>,
    pub regions: Vec<Region>,
    pub global: bool,
    pub languages: Vec<String>,
    pub delivery_modes: Vec<DeliveryMode>,
    pub capacity: i32,
    pub capacity_left: i32,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
    pub funding_amount: Option<i64>,
    pub funding_currency: Option<String>,
    pub visibility: OfferVisibility,
    /// Only these kinds of requester may use it; empty: any.
    pub requester_kinds: Vec<RequesterKind>,
    /// Only public or private institutions, or either; null: not stated.
    pub sector: Option<SectorRule>,
    /// Only for an organisation that has had an incident.
    pub only_after_incident: bool,
    /// Funding: the costs it pays for; empty: not stated.
    pub eligible_costs: Vec<Cost>,
    /// Who it is made for; empty: not stated.
    pub audiences: Vec<Audience>,
    pub status: OfferStatus,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Offer> for OfferView {
    fn from(offer: &Offer) -> Self {
        let fields = &offer.fields;
        Self {
            id: offer.id,
            organisation_id: offer.organisation_id,
            kind: fields.kind,
            title: fields.title.clone(),
            description: fields.description.clone(),
            themes: fields.themes.clone(),
            countries: country_codes(&fields.coverage.countries),
            regions: fields.coverage.regions.clone(),
            global: fields.coverage.global,
            languages: language_codes(&fields.languages),
            delivery_modes: fields.delivery_modes.clone(),
            capacity: fields.capacity,
            capacity_left: offer.capacity_left,
            available_from: fields.available_from,
            available_until: fields.available_until,
            funding_amount: fields.funding.as_ref().map(|m| m.amount),
            funding_currency: fields.funding.as_ref().map(|m| m.currency.clone()),
            visibility: fields.visibility,
            requester_kinds: fields.eligibility.requester_kinds.clone(),
            sector: fields.eligibility.sector,
            only_after_incident: fields.eligibility.only_after_incident,
            eligible_costs: fields.eligibility.eligible_costs.clone(),
            audiences: fields.eligibility.audiences.clone(),
            status: offer.status,
            version: offer.version,
            created_at: offer.created_at,
            updated_at: offer.updated_at,
        }
    }
}
