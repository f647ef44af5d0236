//! The catalogue's use cases: each reads, decides with the pure rules (validation,
//! lifecycle, visibility), then writes the change and its audit line in the caller's
//! transaction. Routes call these inside `Database::write` or `read`.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;
use uuid::Uuid;

use crate::accounts::model::Side;
use crate::accounts::store as accounts;
use crate::audit::store as audit;
use crate::audit::{Actor, AuditEntry};
use crate::catalogue::lifecycle::{next_need_status, next_offer_status, Action, Refusal};
use crate::catalogue::model::{Need, NeedStatus, Offer, OfferStatus};
use crate::catalogue::notices;
use crate::catalogue::store::{needs, offers};
use crate::catalogue::themes::Taxonomy;
use crate::catalogue::validate::{
    validate_need, validate_offer, NeedInput, NeedPatch, OfferInput, OfferPatch,
};
use crate::catalogue::view::{NeedView, OfferView};
use crate::db::{Conn, StoreError};
use crate::error::FieldError;
use crate::notify::Notifier;
use crate::visibility::{may_read_need, may_read_offer, Reader};

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("no {0} with that id")]
    NotFound(&'static str),
    #[error("sign in to do this")]
    SignedOut,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("{0}")]
    NotPublishable(String),
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("the version given does not match the current version {current}")]
    VersionMismatch { current: i32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for CatalogueError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
}

/// What the caller knows when it asks for a change.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub reader: Reader,
    pub today: NaiveDate,
    /// The version an `If-Match` header named, if any.
    pub expected_version: Option<i32>,
}

impl Request {
    fn actor(&self) -> Result<(Actor, Uuid), CatalogueError> {
        Actor::of(&self.reader.viewer).ok_or(CatalogueError::SignedOut)
    }

    fn check_version(&self, current: i32) -> Result<(), CatalogueError> {
        match self.expected_version {
            Some(expected) if expected != current => {
                Err(CatalogueError::VersionMismatch { current })
            }
            _ => Ok(()),
        }
    }
}

fn json(view: &impl serde::Serialize) -> Value {
    serde_json::to_value(view).unwrap_or(Value::Null)
}

/// Reads a need the reader may see; anything else is "not found", so hidden needs do not leak.
pub fn read_need(conn: &mut Conn<'_>, reader: &Reader, id: Uuid) -> Result<Need, CatalogueError> {
    needs::find(conn, id)?
        .filter(|need| {
            may_read_need(
                reader,
                need.organisation_id,
                need.status,
                need.fields.visibility,
            )
        })
        .ok_or(CatalogueError::NotFound("need"))
}

/// Reads a need the reader may change: hidden is 404, visible but not theirs is 403.
fn manageable_need(
    conn: &mut Conn<'_>,
    request: &Request,
    id: Uuid,
) -> Result<Need, CatalogueError> {
    request.actor()?;
    let need = read_need(conn, &request.reader, id)?;
    if !request.reader.may_manage(need.organisation_id) {
        return Err(CatalogueError::Forbidden(
            "only the need's organisation or a coordinator may change it",
        ));
    }
    request.check_version(need.version)?;
    Ok(need)
}

pub fn create_need(
    conn: &mut Conn<'_>,
    request: &Request,
    taxonomy: &Taxonomy,
    input: &NeedInput,
) -> Result<Need, CatalogueError> {
    let (actor, user_id) = request.actor()?;
    let organisation_id = request
        .reader
        .organisation_id()
        .ok_or(CatalogueError::SignedOut)?;
    if !request.reader.may_post_on(Side::Requester) {
        return Err(CatalogueError::Forbidden(
            "needs are posted by ministries, health agencies and hospitals",
        ));
    }
    let fields = validate_need(input, taxonomy, request.today).map_err(CatalogueError::Invalid)?;
    let need = needs::insert(conn, organisation_id, user_id, &fields)?;
    audit::record(
        conn,
        AuditEntry::creation("need", need.id, actor, json(&NeedView::full(&need))),
    )?;
    Ok(need)
}

pub fn edit_need(
    conn: &mut Conn<'_>,
    request: &Request,
    taxonomy: &Taxonomy,
    id: Uuid,
    patch: NeedPatch,
) -> Result<Need, CatalogueError> {
    let (actor, _) = request.actor()?;
    let need = manageable_need(conn, request, id)?;
    next_need_status(need.status, Action::Edit)?;
    let merged = patch.apply_to(NeedInput::from(&need.fields));
    let fields =
        validate_need(&merged, taxonomy, request.today).map_err(CatalogueError::Invalid)?;
    let updated = needs::update_fields(conn, &need, &fields)?;
    audit::record(
        conn,
        AuditEntry::change(
            "need",
            id,
            "edit",
            actor,
            &json(&NeedView::full(&need)),
            &json(&NeedView::full(&updated)),
        ),
    )?;
    Ok(updated)
}

/// An organisation publishes only once verified, and only what is still wanted.
fn check_publishable(
    conn: &mut Conn<'_>,
    organisation_id: Uuid,
    wanted_until: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), CatalogueError> {
    let organisation = accounts::find_organisation(conn, organisation_id)?
        .ok_or(CatalogueError::NotFound("organisation"))?;
    if !organisation.verified {
        return Err(CatalogueError::NotPublishable(
            "the organisation is not verified yet; a coordinator verifies organisations before they publish".into(),
        ));
    }
    if wanted_until.is_some_and(|until| until < today) {
        return Err(CatalogueError::NotPublishable(
            "its end date has passed; change it first".into(),
        ));
    }
    Ok(())
}

/// Moves a need through its lifecycle; publishing tells its organisation's admins.
pub fn transition_need(
    conn: &mut Conn<'_>,
    request: &Request,
    notifier: &Notifier,
    id: Uuid,
    action: Action,
) -> Result<Need, CatalogueError> {
    let (actor, _) = request.actor()?;
    let need = manageable_need(conn, request, id)?;
    let next = next_need_status(need.status, action)?;
    if next == NeedStatus::Open && need.status != NeedStatus::Open {
        check_publishable(
            conn,
            need.organisation_id,
            Some(need.fields.wanted_by),
            request.today,
        )?;
    }
    let updated = needs::set_status(
        conn,
        &need,
        next,
        matches!(action, Action::Reconfirm | Action::Publish),
    )?;
    audit::record(
        conn,
        AuditEntry::change(
            "need",
            id,
            action.as_str(),
            actor,
            &json(&NeedView::full(&need)),
            &json(&NeedView::full(&updated)),
        ),
    )?;
    if action == Action::Publish {
        notices::published_need(conn, notifier, &updated)?;
    }
    Ok(updated)
}

pub fn read_offer(conn: &mut Conn<'_>, reader: &Reader, id: Uuid) -> Result<Offer, CatalogueError> {
    offers::find(conn, id)?
        .filter(|offer| {
            may_read_offer(
                reader,
                offer.organisation_id,
                offer.status,
                offer.fields.visibility,
            )
        })
        .ok_or(CatalogueError::NotFound("offer"))
}

fn manageable_offer(
    conn: &mut Conn<'_>,
    request: &Request,
    id: Uuid,
) -> Result<Offer, CatalogueError> {
    request.actor()?;
    let offer = read_offer(conn, &request.reader, id)?;
    if !request.reader.may_manage(offer.organisation_id) {
        return Err(CatalogueError::Forbidden(
            "only the offer's organisation or a coordinator may change it",
        ));
    }
    request.check_version(offer.version)?;
    Ok(offer)
}

pub fn create_offer(
    conn: &mut Conn<'_>,
    request: &Request,
    taxonomy: &Taxonomy,
    input: &OfferInput,
) -> Result<Offer, CatalogueError> {
    let (actor, user_id) = request.actor()?;
    let organisation_id = request
        .reader
        .organisation_id()
        .ok_or(CatalogueError::SignedOut)?;
    if !request.reader.may_post_on(Side::Provider) {
        return Err(CatalogueError::Forbidden(
            "offers are posted by NGOs, companies, donors, academia and intergovernmental organisations",
        ));
    }
    let fields = validate_offer(input, taxonomy, request.today).map_err(CatalogueError::Invalid)?;
    let offer = offers::insert(conn, organisation_id, user_id, &fields)?;
    audit::record(
        conn,
        AuditEntry::creation("offer", offer.id, actor, json(&OfferView::from(&offer))),
    )?;
    Ok(offer)
}

pub fn edit_offer(
    conn: &mut Conn<'_>,
    request: &Request,
    taxonomy: &Taxonomy,
    id: Uuid,
    patch: OfferPatch,
) -> Result<Offer, CatalogueError> {
    let (actor, _) = request.actor()?;
    let offer = manageable_offer(conn, request, id)?;
    next_offer_status(offer.status, Action::Edit)?;
    let merged = patch.apply_to(OfferInput::from(&offer.fields));
    let fields =
        validate_offer(&merged, taxonomy, request.today).map_err(CatalogueError::Invalid)?;
    let updated = offers::update_fields(conn, &offer, &fields)?;
    audit::record(
        conn,
        AuditEntry::change(
            "offer",
            id,
            "edit",
            actor,
            &json(&OfferView::from(&offer)),
            &json(&OfferView::from(&updated)),
        ),
    )?;
    Ok(updated)
}

/// Moves an offer through its lifecycle; publishing tells its organisation's admins.
pub fn transition_offer(
    conn: &mut Conn<'_>,
    request: &Request,
    notifier: &Notifier,
    id: Uuid,
    action: Action,
) -> Result<Offer, CatalogueError> {
    let (actor, _) = request.actor()?;
    let offer = manageable_offer(conn, request, id)?;
    let next = next_offer_status(offer.status, action)?;
    if next == OfferStatus::Open && offer.status != OfferStatus::Open {
        check_publishable(
            conn,
            offer.organisation_id,
            offer.fields.available_until,
            request.today,
        )?;
    }
    let updated = offers::set_status(conn, &offer, next)?;
    audit::record(
        conn,
        AuditEntry::change(
            "offer",
            id,
            action.as_str(),
            actor,
            &json(&OfferView::from(&offer)),
            &json(&OfferView::from(&updated)),
        ),
    )?;
    if action == Action::Publish {
        notices::published_offer(conn, notifier, &updated)?;
    }
    Ok(updated)
}

/// How many items one expiry pass handles; the next pass takes the rest.
const EXPIRY_BATCH: usize = 500;

/// Expires open needs past their wanted-by date or not reconfirmed since `stale_before`, and
/// open offers past their availability. Returns how many of each.
pub fn expire_due(
    conn: &mut Conn<'_>,
    today: NaiveDate,
    stale_before: NaiveDateTime,
) -> Result<(usize, usize), CatalogueError> {
    let due_needs = needs::due_for_expiry(conn, today, stale_before, EXPIRY_BATCH)?;
    let mut expired_needs = 0;
    for need in &due_needs {
        let next = next_need_status(need.status, Action::Expire)?;
        // Another instance's pass, or an owner reconfirming, got there first: leave it.
        let expired = match needs::set_status(conn, need, next, false) {
            Err(StoreError::Stale) => continue,
            other => other?,
        };
        expired_needs += 1;
        audit::record(
            conn,
            AuditEntry::change(
                "need",
                need.id,
                "expire",
                Actor::System,
                &json(&NeedView::full(need)),
                &json(&NeedView::full(&expired)),
            ),
        )?;
    }
    let due_offers = offers::due_for_expiry(conn, today, EXPIRY_BATCH)?;
    let mut expired_offers = 0;
    for offer in &due_offers {
        let next = next_offer_status(offer.status, Action::Expire)?;
        let expired = match offers::set_status(conn, offer, next) {
            Err(StoreError::Stale) => continue,
            other => other?,
        };
        expired_offers += 1;
        audit::record(
            conn,
            AuditEntry::change(
                "offer",
                offer.id,
                "expire",
                Actor::System,
                &json(&OfferView::from(offer)),
                &json(&OfferView::from(&expired)),
            ),
        )?;
    }
    Ok((expired_needs, expired_offers))
}
