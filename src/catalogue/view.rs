//! Needs and offers as the API shows them to one reader: the fields as their organisation
//! writes them (`validate`'s inputs), their state, and anonymity applied.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::catalogue::model::{
    Audience, Cost, DeliveryMode, Need, NeedStatus, NeedVisibility, Offer, OfferKind, OfferStatus,
    OfferVisibility, Region, RequesterKind, Sector, SectorRule, Urgency,
};
use crate::catalogue::validate::{NeedInput, OfferInput};
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

    /// Everything, as the owner, coordinators and the audit log see it: the fields as its
    /// organisation writes them, and its state.
    pub fn full(need: &Need) -> Self {
        let input = NeedInput::from(&need.fields);
        Self {
            id: need.id,
            organisation_id: Some(need.organisation_id),
            title: input.title,
            description: input.description,
            themes: input.themes,
            country: input.country,
            languages: input.languages,
            delivery_modes: input.delivery_modes,
            urgency: input.urgency,
            quantity: need.fields.quantity,
            quantity_covered: need.quantity_covered,
            wanted_from: input.wanted_from,
            wanted_by: input.wanted_by,
            budget_amount: input.budget_amount,
            budget_currency: input.budget_currency,
            visibility: input.visibility,
            anonymous: input.anonymous,
            sector: input.sector,
            after_incident: input.after_incident,
            costs: input.costs,
            audiences: input.audiences,
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
    /// Only these kinds of requester may use it; empty: any. Set for help that is by its nature
    /// one kind of body's work; an offer for public or private bodies in general states
    /// `sector` instead.
    pub requester_kinds: Vec<RequesterKind>,
    /// Only public or private institutions, or either; null: not stated. Ministries and health
    /// agencies are public by their kind.
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

/// The fields as its organisation writes them, and its state.
impl From<&Offer> for OfferView {
    fn from(offer: &Offer) -> Self {
        let input = OfferInput::from(&offer.fields);
        Self {
            id: offer.id,
            organisation_id: offer.organisation_id,
            kind: input.kind,
            title: input.title,
            description: input.description,
            themes: input.themes,
            countries: input.countries,
            regions: input.regions,
            global: input.global,
            languages: input.languages,
            delivery_modes: input.delivery_modes,
            capacity: offer.fields.capacity,
            capacity_left: offer.capacity_left,
            available_from: input.available_from,
            available_until: input.available_until,
            funding_amount: input.funding_amount,
            funding_currency: input.funding_currency,
            visibility: input.visibility,
            requester_kinds: input.requester_kinds,
            sector: input.sector,
            only_after_incident: input.only_after_incident,
            eligible_costs: input.eligible_costs,
            audiences: input.audiences,
            status: offer.status,
            version: offer.version,
            created_at: offer.created_at,
            updated_at: offer.updated_at,
        }
    }
}
