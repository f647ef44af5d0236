//! The catalogue's use cases, written once for needs and offers: each reads, decides with
//! the pure rules (validation, lifecycle, visibility), then writes the change, its audit
//! line and what it sets off (the "published" email, new candidates) in the caller's
//! transaction. The API's routes and the web pages call these and nothing below them.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;
use uuid::Uuid;

use crate::accounts::store as accounts;
use crate::audit::store as audit;
use crate::audit::{Actor, AuditEntry};
use crate::catalogue::figures::Figures;
use crate::catalogue::item::CatalogueItem;
use crate::catalogue::lifecycle::{Action, Refusal};
use crate::catalogue::model::{Need, Offer};
use crate::catalogue::notices;
use crate::catalogue::store::{needs, CursorOf, ItemFilter, ItemStore, PageRequest, SyncPage};
use crate::catalogue::themes::Taxonomy;
use crate::db::{ChangePosition, Conn, StoreError};
use crate::error::FieldError;
use crate::notify::Notifier;
use crate::visibility::Reader;
use crate::webhooks::events as webhooks;
use crate::webhooks::model::ItemEvent;

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("no {0} with that id")]
    NotFound(&'static str),
    #[error("sign in to do this")]
    SignedOut,
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("cannot publish: {0}")]
    NotPublishable(Unpublishable),
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("the version given does not match the current version {current}")]
    VersionMismatch { current: i32 },
    /// Publishing, like proposing and inviting, is for people whose address is confirmed.
    #[error("confirm your email address first: follow the link in the verification email")]
    EmailNotVerified,
    /// Matches in progress hold the item: it cannot be closed or withdrawn until they end.
    #[error("the {noun} has matches in progress; complete or cancel them first")]
    HasOpenMatches {
        noun: &'static str,
        matches: Vec<Uuid>,
    },
    /// A conditional write found the item changed by another request since it was read,
    /// when the caller named no version of its own.
    #[error("the {0} was changed by another request at the same time; read it again and retry")]
    ChangedMeanwhile(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for CatalogueError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
}

/// Why an item cannot be published (yet): each is its own problem type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unpublishable {
    #[error("the organisation is not verified yet; a coordinator verifies organisations before they publish")]
    OrganisationNotVerified,
    #[error("its end date has passed; change it first")]
    PastEndDate,
}

/// What matching adds to a change of an item, in its transaction: what the change sets
/// off (new candidates are announced), and what holds the item (matches in progress, which
/// keep it from ending). Matching implements it, so that the catalogue does not depend on
/// matching.
pub trait ItemChanged<K> {
    fn changed(&self, conn: &mut Conn<'_>, item: &K) -> Result<(), StoreError>;
    /// The matches in progress (approved or active) on `item`.
    fn open_matches(&self, conn: &mut Conn<'_>, item: &K) -> Result<Vec<Uuid>, StoreError>;
}

/// For callers that set nothing off (the demo data, tests of the catalogue alone): it
/// writes no matches, so none hold its items.
pub struct NothingElse;

impl<K> ItemChanged<K> for NothingElse {
    fn changed(&self, _: &mut Conn<'_>, _: &K) -> Result<(), StoreError> {
        Ok(())
    }
    fn open_matches(&self, _: &mut Conn<'_>, _: &K) -> Result<Vec<Uuid>, StoreError> {
        Ok(Vec::new())
    }
}

/// What the caller knows when it asks for a change.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub reader: Reader,
    pub today: NaiveDate,
    /// The version an `If-Match` header (or a form's hidden field) named, if any.
    pub expected_version: Option<i32>,
}

impl Request {
    fn actor(&self) -> Result<(Actor, Uuid), CatalogueError> {
        Actor::of(&self.reader.viewer).ok_or(CatalogueError::SignedOut)
    }

    /// A conditional write that found the item moved on: 412 when the caller named the
    /// version it read (it was stale), 409 when it named none (another request won a race).
    fn lost(&self, error: StoreError, noun: &'static str) -> CatalogueError {
        match error {
            StoreError::Stale if self.expected_version.is_none() => {
                CatalogueError::ChangedMeanwhile(noun)
            }
            other => other.into(),
        }
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

fn audit_change<K: CatalogueItem>(
    conn: &mut Conn<'_>,
    action: &str,
    actor: Actor,
    before: &K,
    after: &K,
) -> Result<(), StoreError> {
    audit::record(
        conn,
        AuditEntry::change(
            K::NOUN,
            before.id(),
            action,
            actor,
            &json(&before.full_view()),
            &json(&after.full_view()),
        ),
    )
}

/// Reads an item the reader may see; anything else is "not found", so hidden items do not
/// leak.
pub fn read<K: ItemStore>(
    conn: &mut Conn<'_>,
    reader: &Reader,
    id: Uuid,
) -> Result<K, CatalogueError> {
    K::find(conn, id)?
        .filter(|item| item.readable_by(reader))
        .ok_or(CatalogueError::NotFound(K::NOUN))
}

pub fn read_need(conn: &mut Conn<'_>, reader: &Reader, id: Uuid) -> Result<Need, CatalogueError> {
    read(conn, reader, id)
}

pub fn read_offer(conn: &mut Conn<'_>, reader: &Reader, id: Uuid) -> Result<Offer, CatalogueError> {
    read(conn, reader, id)
}

/// One page of the items the reader may see, matching `filter`: the same rule as `read`,
/// applied by the store in SQL.
pub fn list<K: ItemStore>(
    conn: &mut Conn<'_>,
    reader: &Reader,
    filter: &ItemFilter<K::Status, K::Only>,
    page: PageRequest<'_, K::Sort, CursorOf<K>>,
) -> Result<(Vec<K>, Option<CursorOf<K>>), CatalogueError> {
    Ok(K::list(conn, &K::scope(reader), filter, page)?)
}

/// One page of changes to the items the reader may see, in commit order after `after`, with
/// tombstones for those that left its view (docs/API.md, "Incremental sync").
pub fn sync<K: ItemStore>(
    conn: &mut Conn<'_>,
    reader: &Reader,
    filter: &ItemFilter<K::Status, K::Only>,
    after: Option<ChangePosition>,
    limit: usize,
) -> Result<SyncPage<K>, CatalogueError> {
    Ok(K::sync(conn, &K::scope(reader), filter, after, limit)?)
}

/// The home page's live figures, counted only over the needs the reader may see.
pub fn figures(
    conn: &mut Conn<'_>,
    reader: &Reader,
    taxonomy: &Taxonomy,
) -> Result<Figures, CatalogueError> {
    let counts = needs::figures(conn, &Need::scope(reader))?;
    Ok(Figures::from_counts(counts, taxonomy))
}

/// Reads an item the reader may change, held until the transaction ends (`find_locked`),
/// since the caller writes what it decides from it: hidden is 404, visible but not theirs
/// is 403.
fn manageable<K: ItemStore>(
    conn: &mut Conn<'_>,
    request: &Request,
    id: Uuid,
) -> Result<K, CatalogueError> {
    request.actor()?;
    let item: K = K::find_locked(conn, id)?
        .filter(|item| item.readable_by(&request.reader))
        .ok_or(CatalogueError::NotFound(K::NOUN))?;
    if !request.reader.may_manage(item.organisation_id()) {
        return Err(CatalogueError::Forbidden(format!(
            "only the {}'s organisation or a coordinator may change it",
            K::NOUN
        )));
    }
    request.check_version(item.version())?;
    Ok(item)
}

/// A new draft, posted by a member of an organisation on the kind's side.
pub fn create<K: ItemStore>(
    conn: &mut Conn<'_>,
    request: &Request,
    taxonomy: &Taxonomy,
    input: &K::Input,
) -> Result<K, CatalogueError> {
    let (actor, user_id) = request.actor()?;
    let organisation_id = request
        .reader
        .organisation_id()
        .ok_or(CatalogueError::SignedOut)?;
    if !request.reader.may_post_on(K::POSTED_BY) {
        return Err(CatalogueError::Forbidden(K::POSTED_BY_ONLY.to_owned()));
    }
    let fields = K::validate(input, taxonomy, request.today).map_err(CatalogueError::Invalid)?;
    let item = K::insert(conn, organisation_id, user_id, &fields)?;
    audit::record(
        conn,
        AuditEntry::creation(K::NOUN, item.id(), actor, json(&item.full_view())),
    )?;
    Ok(item)
}

/// Applies a partial change to a draft or open item, then tells `changed`.
pub fn edit<K: ItemStore>(
    conn: &mut Conn<'_>,
    request: &Request,
    taxonomy: &Taxonomy,
    changed: &dyn ItemChanged<K>,
    id: Uuid,
    patch: K::Patch,
) -> Result<K, CatalogueError> {
    let (actor, _) = request.actor()?;
    let item: K = manageable(conn, request, id)?;
    K::next_status(item.status(), Action::Edit)?;
    let merged = K::apply(patch, K::input_of(item.fields())).map_err(CatalogueError::Invalid)?;
    let fields = K::validate(&merged, taxonomy, request.today).map_err(CatalogueError::Invalid)?;
    // A patch that changes nothing is no change: the version (and so the ETag) stays, and
    // nothing is audited or announced, so that other editors' If-Match still holds.
    if &fields == item.fields() {
        return Ok(item);
    }
    let updated = K::update_fields(conn, &item, &fields).map_err(|e| request.lost(e, K::NOUN))?;
    audit_change(conn, Action::Edit.as_str(), actor, &item, &updated)?;
    webhooks::item_event(conn, ItemEvent::Changed, &updated)?;
    changed.changed(conn, &updated)?;
    Ok(updated)
}

/// Publishing, proposing and inviting act in the clearing house's name toward others: only
/// a person whose address is confirmed (the emailed link followed) may.
pub fn require_verified_email(conn: &mut Conn<'_>, user_id: Uuid) -> Result<(), CatalogueError> {
    let user = accounts::find_user(conn, user_id)?.ok_or(CatalogueError::SignedOut)?;
    if user.email_verified {
        Ok(())
    } else {
        Err(CatalogueError::EmailNotVerified)
    }
}

/// An organisation publishes only once verified, and only what is still wanted.
fn check_publishable<K: CatalogueItem>(
    conn: &mut Conn<'_>,
    item: &K,
    today: NaiveDate,
) -> Result<(), CatalogueError> {
    let organisation = accounts::find_organisation(conn, item.organisation_id())?
        .ok_or(CatalogueError::NotFound("organisation"))?;
    if !organisation.verified {
        return Err(CatalogueError::NotPublishable(
            Unpublishable::OrganisationNotVerified,
        ));
    }
    if item.last_day().is_some_and(|last| last < today) {
        return Err(CatalogueError::NotPublishable(Unpublishable::PastEndDate));
    }
    Ok(())
}

/// Moves an item through its lifecycle; publishing tells its organisation's admins, and a
/// move to open tells `changed`.
pub fn transition<K: ItemStore>(
    conn: &mut Conn<'_>,
    request: &Request,
    notifier: &Notifier,
    changed: &dyn ItemChanged<K>,
    id: Uuid,
    action: Action,
) -> Result<K, CatalogueError> {
    let (actor, user_id) = request.actor()?;
    let item: K = manageable(conn, request, id)?;
    let next = K::next_status(item.status(), action)?;
    if action == Action::Publish {
        require_verified_email(conn, user_id)?;
    }
    if next == K::OPEN && item.status() != K::OPEN {
        check_publishable(conn, &item, request.today)?;
    }
    // A match in progress holds its need and offer: ending either would strand it (its
    // completion refused, the capacity it holds never returned). The item is locked
    // (`manageable`), and a match starts only under the same lock, so none can start
    // between this check and the write.
    if matches!(action, Action::Close | Action::Withdraw) {
        let matches = changed.open_matches(conn, &item)?;
        if !matches.is_empty() {
            return Err(CatalogueError::HasOpenMatches {
                noun: K::NOUN,
                matches,
            });
        }
    }
    let updated = K::set_status(conn, &item, next, action).map_err(|e| request.lost(e, K::NOUN))?;
    audit_change(conn, action.as_str(), actor, &item, &updated)?;
    if action == Action::Publish {
        notices::published(conn, notifier, &updated)?;
    }
    webhooks::item_event(conn, item_event_of(action), &updated)?;
    changed.changed(conn, &updated)?;
    Ok(updated)
}

/// What partner systems hear of a lifecycle action.
fn item_event_of(action: Action) -> ItemEvent {
    match action {
        Action::Publish => ItemEvent::Published,
        Action::Close | Action::Withdraw | Action::Expire => ItemEvent::Closed,
        _ => ItemEvent::Changed,
    }
}

/// How many items of each kind one expiry pass handles; the next pass takes the rest.
const EXPIRY_BATCH: usize = 500;

/// Expires open items of one kind whose time has passed; returns how many.
fn expire_kind<K: ItemStore>(
    conn: &mut Conn<'_>,
    today: NaiveDate,
    stale_before: NaiveDateTime,
) -> Result<usize, CatalogueError> {
    let mut expired = 0;
    for item in K::due_for_expiry(conn, today, stale_before, EXPIRY_BATCH)? {
        let next = K::next_status(item.status(), Action::Expire)?;
        // Another instance's pass, or an owner reconfirming, got there first: leave it.
        let after = match K::set_status(conn, &item, next, Action::Expire) {
            Err(StoreError::Stale) => continue,
            other => other?,
        };
        expired += 1;
        audit_change(conn, Action::Expire.as_str(), Actor::System, &item, &after)?;
        webhooks::item_event(conn, ItemEvent::Closed, &after)?;
    }
    Ok(expired)
}

/// Expires open needs past their wanted-by date or not reconfirmed since `stale_before`, and
/// open offers past their availability. Returns how many of each.
pub fn expire_due(
    conn: &mut Conn<'_>,
    today: NaiveDate,
    stale_before: NaiveDateTime,
) -> Result<(usize, usize), CatalogueError> {
    Ok((
        expire_kind::<Need>(conn, today, stale_before)?,
        expire_kind::<Offer>(conn, today, stale_before)?,
    ))
}
