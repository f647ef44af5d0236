//! The webhooks and their deliveries in the database. Deliveries are a leased queue like the
//! email outbox (`crate::queue`): a claim is a lease, and recording an outcome is
//! conditional on it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{webhook_deliveries as deliveries, webhooks};
use crate::db::{self, Conn, Id, StoreError};
use crate::dispatch;
use crate::webhooks::model::{
    decode_event_types, encode_event_types, new_message_id, Delivery, DeliveryStatus, EventType,
    Webhook,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
struct WebhookRow {
    id: Uuid,
    organisation_id: Uuid,
    url: String,
    description: String,
    event_types: String,
    enabled: bool,
    failed_messages: i32,
    disabled_reason: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

#[derive(Insertable)]
#[diesel(table_name = webhooks)]
struct NewWebhookRow<'a> {
    id: Id,
    organisation_id: Id,
    url: &'a str,
    description: &'a str,
    event_types: String,
    enabled: bool,
    secret: &'a str,
    failed_messages: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = StoreError;

    fn try_from(row: WebhookRow) -> Result<Self, StoreError> {
        Ok(Webhook {
            id: row.id,
            organisation_id: row.organisation_id,
            url: row.url,
            description: row.description,
            event_types: decode_event_types(&row.event_types).map_err(StoreError::Query)?,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            failed_messages: row.failed_messages,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
struct DeliveryRow {
    id: Uuid,
    webhook_id: Uuid,
    message_id: String,
    event_type: String,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    last_response_status: Option<i32>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    delivered_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;

    fn try_from(row: DeliveryRow) -> Result<Self, StoreError> {
        let status: DeliveryStatus = db::parse_stored("delivery status", &row.status)?;
        Ok(Delivery {
            id: row.id,
            webhook_id: row.webhook_id,
            message_id: row.message_id,
            event_type: db::parse_stored("event type", &row.event_type)?,
            status,
            attempts: row.attempts,
            last_response_status: row.last_response_status,
            last_error: row.last_error,
            next_attempt_at: matches!(status, DeliveryStatus::Pending)
                .then(|| row.next_attempt_at.and_utc()),
            created_at: row.created_at.and_utc(),
            delivered_at: row.delivered_at.map(|at| at.and_utc()),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// A checked new endpoint.
pub struct NewWebhook<'a> {
    pub organisation_id: Uuid,
    pub url: &'a str,
    pub description: &'a str,
    pub event_types: &'a [EventType],
    pub enabled: bool,
    pub secret: &'a str,
}

pub fn insert(conn: &mut Conn<'_>, new: NewWebhook<'_>) -> Result<Webhook, StoreError> {
    let now = db::now();
    let id = Uuid::new_v4();
    let row = NewWebhookRow {
        id: Id(id),
        organisation_id: Id(new.organisation_id),
        url: new.url,
        description: new.description,
        event_types: encode_event_types(new.event_types),
        enabled: new.enabled,
        secret: new.secret,
        failed_messages: 0,
        created_at: now,
        updated_at: now,
    };
    dispatch!(conn, |c| diesel::insert_into(webhooks::table)
        .values(&row)
        .execute(c))?;
    find(conn, id)?.ok_or(StoreError::NotFound("webhook"))
}

pub fn find(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<Webhook>, StoreError> {
    let row: Option<WebhookRow> = dispatch!(conn, |c| webhooks::table
        .filter(webhooks::id.eq(Id(id)))
        .select(WebhookRow::as_select())
        .first(c)
        .optional())?;
    row.map(Webhook::try_from).transpose()
}

/// An organisation's endpoints, oldest first.
pub fn list_for(conn: &mut Conn<'_>, organisation_id: Uuid) -> Result<Vec<Webhook>, StoreError> {
    let rows: Vec<WebhookRow> = dispatch!(conn, |c| webhooks::table
        .filter(webhooks::organisation_id.eq(Id(organisation_id)))
        .order((webhooks::created_at.asc(), webhooks::id.asc()))
        .select(WebhookRow::as_select())
        .load(c))?;
    rows.into_iter().map(Webhook::try_from).collect()
}

pub fn count_for(conn: &mut Conn<'_>, organisation_id: Uuid) -> Result<i64, StoreError> {
    Ok(dispatch!(conn, |c| webhooks::table
        .filter(webhooks::organisation_id.eq(Id(organisation_id)))
        .count()
        .get_result(c))?)
}

/// A change to an endpoint; `None` keeps a field.
#[derive(Debug, Default, Clone)]
pub struct WebhookChange {
    /// The version the change was based on (`If-Match`); `None` changes any version.
    pub expected_version: Option<i32>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub enabled: Option<bool>,
    pub secret: Option<String>,
}

#[derive(AsChangeset)]
#[diesel(table_name = webhooks)]
struct WebhookChangeset {
    url: Option<String>,
    description: Option<String>,
    event_types: Option<String>,
    enabled: Option<bool>,
    secret: Option<String>,
    updated_at: NaiveDateTime,
}

/// Applies `change` and counts a new version. None when there is no such endpoint;
/// Err(Stale) when it is not at `expected_version` any more.
pub fn update(
    conn: &mut Conn<'_>,
    id: Uuid,
    change: WebhookChange,
) -> Result<Option<Webhook>, StoreError> {
    let turned_on = change.enabled == Some(true);
    let expected = change.expected_version;
    let changes = WebhookChangeset {
        url: change.url,
        description: change.description,
        event_types: change.event_types.as_deref().map(encode_event_types),
        enabled: change.enabled,
        secret: change.secret,
        updated_at: db::now(),
    };
    let updated = dispatch!(conn, |c| {
        let mut target = diesel::update(webhooks::table)
            .filter(webhooks::id.eq(Id(id)))
            .into_boxed();
        if let Some(expected) = expected {
            target = target.filter(webhooks::version.eq(expected));
        }
        target
            .set((&changes, webhooks::version.eq(webhooks::version + 1)))
            .execute(c)
    })?;
    if updated == 0 {
        return match find(conn, id)? {
            Some(_) => Err(StoreError::Stale),
            None => Ok(None),
        };
    }
    if turned_on {
        // Turned on again by a person: the failures that turned it off are forgiven.
        dispatch!(conn, |c| diesel::update(
            webhooks::table.filter(webhooks::id.eq(Id(id)))
        )
        .set((
            webhooks::failed_messages.eq(0),
            webhooks::failing_since.eq(None::<NaiveDateTime>),
            webhooks::disabled_reason.eq(None::<String>),
        ))
        .execute(c))?;
    }
    find(conn, id)
}

pub fn delete(conn: &mut Conn<'_>, id: Uuid) -> Result<bool, StoreError> {
    let deleted = dispatch!(conn, |c| diesel::delete(
        webhooks::table.filter(webhooks::id.eq(Id(id)))
    )
    .execute(c))?;
    Ok(deleted == 1)
}

/// The enabled endpoints that want `event`, each with its organisation; only those of
/// `organisations` when given.
pub fn subscribed(
    conn: &mut Conn<'_>,
    event: EventType,
    organisations: Option<&[Uuid]>,
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let pattern = format!("%,{},%", event.as_str());
    let organisations: Option<Vec<Id>> =
        organisations.map(|ids| ids.iter().copied().map(Id).collect());
    Ok(dispatch!(conn, |c| {
        let mut query = webhooks::table
            .filter(webhooks::enabled.eq(true))
            .filter(webhooks::event_types.like(pattern.clone()))
            .select((webhooks::id, webhooks::organisation_id))
            .into_boxed();
        if let Some(organisations) = &organisations {
            query = query.filter(webhooks::organisation_id.eq_any(organisations.clone()));
        }
        query.load::<(Uuid, Uuid)>(c)
    })?)
}

/// Writes a delivery, due now: inside the transaction of the event.
pub fn enqueue(
    conn: &mut Conn<'_>,
    webhook_id: Uuid,
    event: EventType,
    body: &str,
) -> Result<Uuid, StoreError> {
    let now = db::now();
    let id = Uuid::new_v4();
    dispatch!(conn, |c| diesel::insert_into(deliveries::table)
        .values((
            deliveries::id.eq(Id(id)),
            deliveries::webhook_id.eq(Id(webhook_id)),
            deliveries::message_id.eq(new_message_id()),
            deliveries::event_type.eq(event.as_str()),
            deliveries::body.eq(body),
            deliveries::status.eq(DeliveryStatus::Pending.as_str()),
            deliveries::attempts.eq(0),
            deliveries::next_attempt_at.eq(now),
            deliveries::created_at.eq(now),
            deliveries::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(id)
}

/// A delivery a worker holds until `lease_until`, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub message_id: String,
    pub body: String,
    pub url: String,
    pub secret: String,
    /// Attempts so far, this one included.
    pub attempts: u32,
    pub claim_token: String,
    pub lease_until: NaiveDateTime,
}

crate::leased_table! {
    /// The deliveries as a leased queue: only those of enabled endpoints are claimed (a
    /// disabled endpoint's deliveries wait until it is turned on again).
    pub struct DeliveryQueue for webhook_deliveries {
        pending: DeliveryStatus::Pending.as_str(),
        sending: DeliveryStatus::Sending.as_str(),
        done: DeliveryStatus::Delivered.as_str(),
        parked: DeliveryStatus::Failed.as_str(),
        lost: "the worker sending it stopped before the answer",
        eligible: |query| query.filter(
            webhook_deliveries::webhook_id.eq_any(
                webhooks::table.filter(webhooks::enabled.eq(true)).select(webhooks::id),
            ),
        ),
    }
}

/// Claims up to `limit` due deliveries of enabled endpoints (see `DeliveryQueue::claim`),
/// each with its endpoint's URL and secret. Run inside a write transaction.
pub fn claim_due(
    conn: &mut Conn<'_>,
    limit: usize,
    lease: chrono::Duration,
    max_attempts: u32,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let Some(claim) = DeliveryQueue::claim(conn, limit, lease, max_attempts)? else {
        return Ok(Vec::new());
    };
    let (claim_token, lease_until) = (claim.token, claim.lease_until);
    let rows: Vec<(Uuid, Uuid, String, String, i32, String, String)> =
        dispatch!(conn, |c| deliveries::table
            .inner_join(webhooks::table)
            .filter(deliveries::claim_token.eq(&claim_token))
            .order(deliveries::next_attempt_at.asc())
            .select((
                deliveries::id,
                deliveries::webhook_id,
                deliveries::message_id,
                deliveries::body,
                deliveries::attempts,
                webhooks::url,
                webhooks::secret,
            ))
            .load(c))?;
    Ok(rows
        .into_iter()
        .map(
            |(id, webhook_id, message_id, body, attempts, url, secret)| ClaimedDelivery {
                id,
                webhook_id,
                message_id,
                body,
                url,
                secret,
                attempts: attempts.max(0) as u32,
                claim_token: claim_token.clone(),
                lease_until,
            },
        )
        .collect())
}

/// Records a 2xx answer; the endpoint's failures are forgiven. False when the claim was lost.
pub fn mark_delivered(
    conn: &mut Conn<'_>,
    claimed: &ClaimedDelivery,
    response_status: u16,
) -> Result<bool, StoreError> {
    let now = db::now();
    let updated = dispatch!(conn, |c| diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(Id(claimed.id)))
            .filter(deliveries::claim_token.eq(&claimed.claim_token))
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Delivered.as_str()),
        deliveries::delivered_at.eq(Some(now)),
        deliveries::last_response_status.eq(Some(i32::from(response_status))),
        deliveries::last_error.eq(None::<String>),
        deliveries::claim_token.eq(None::<String>),
        deliveries::lease_until.eq(None::<NaiveDateTime>),
        deliveries::updated_at.eq(now),
    ))
    .execute(c))?;
    // Only an endpoint that was failing is written: a healthy one's row is neither locked
    // nor rewritten, so concurrent deliveries to one endpoint do not queue on it (on
    // PostgreSQL each would wait for the previous one's commit; docs/PERFORMANCE.md,
    // "Webhook deliveries").
    dispatch!(conn, |c| diesel::update(
        webhooks::table
            .filter(webhooks::id.eq(Id(claimed.webhook_id)))
            .filter(
                webhooks::failed_messages
                    .ne(0)
                    .or(webhooks::failing_since.is_not_null())
            )
    )
    .set((
        webhooks::failed_messages.eq(0),
        webhooks::failing_since.eq(None::<NaiveDateTime>),
    ))
    .execute(c))?;
    Ok(updated == 1)
}

/// What a failed attempt did to the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRecorded {
    /// The claim still held (false: another worker has the delivery now).
    pub kept: bool,
    /// Messages in a row parked as failed, this one included if it was parked.
    pub failed_messages: i32,
    /// The first failed attempt since the last delivered message.
    pub failing_since: Option<NaiveDateTime>,
}

/// Records a failed attempt: due again at `retry_at`, or parked when `None`.
pub fn mark_failed(
    conn: &mut Conn<'_>,
    claimed: &ClaimedDelivery,
    response_status: Option<u16>,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<FailureRecorded, StoreError> {
    let now = db::now();
    let status = if retry_at.is_some() {
        DeliveryStatus::Pending
    } else {
        DeliveryStatus::Failed
    };
    let error: String = error.chars().take(1000).collect();
    let updated = dispatch!(conn, |c| diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(Id(claimed.id)))
            .filter(deliveries::claim_token.eq(&claimed.claim_token))
    )
    .set((
        deliveries::status.eq(status.as_str()),
        deliveries::next_attempt_at.eq(retry_at.unwrap_or(now)),
        deliveries::last_response_status.eq(response_status.map(i32::from)),
        deliveries::last_error.eq(Some(&error)),
        deliveries::claim_token.eq(None::<String>),
        deliveries::lease_until.eq(None::<NaiveDateTime>),
        deliveries::updated_at.eq(now),
    ))
    .execute(c))?;
    let kept = updated == 1;
    let parked = i32::from(kept && retry_at.is_none());
    let target = webhooks::table.filter(webhooks::id.eq(Id(claimed.webhook_id)));
    if kept {
        dispatch!(conn, |c| diesel::update(target)
            .set(webhooks::failed_messages.eq(webhooks::failed_messages + parked))
            .execute(c))?;
        dispatch!(conn, |c| diesel::update(
            target.filter(webhooks::failing_since.is_null())
        )
        .set(webhooks::failing_since.eq(Some(now)))
        .execute(c))?;
    }
    let (failed_messages, failing_since): (i32, Option<NaiveDateTime>) =
        dispatch!(conn, |c| target
            .select((webhooks::failed_messages, webhooks::failing_since))
            .first(c)
            .optional())?
        .unwrap_or((0, None));
    Ok(FailureRecorded {
        kept,
        failed_messages,
        failing_since,
    })
}

/// Turns an endpoint off for `reason`; true for the one call that did (the email is sent
/// once).
pub fn disable(conn: &mut Conn<'_>, webhook_id: Uuid, reason: &str) -> Result<bool, StoreError> {
    let now = db::now();
    let updated = dispatch!(conn, |c| diesel::update(
        webhooks::table
            .filter(webhooks::id.eq(Id(webhook_id)))
            .filter(webhooks::enabled.eq(true))
    )
    .set((
        webhooks::enabled.eq(false),
        webhooks::disabled_reason.eq(Some(reason)),
        webhooks::updated_at.eq(now),
        // A PATCH based on what was read before must not turn it back on unawares.
        webhooks::version.eq(webhooks::version + 1),
    ))
    .execute(c))?;
    Ok(updated == 1)
}

/// Where a page of a delivery log starts: after this (created_at, id), newest first.
pub type DeliveryCursor = (NaiveDateTime, Uuid);

/// One page of an endpoint's deliveries, newest first, and the next page's (created_at, id).
pub fn list_deliveries(
    conn: &mut Conn<'_>,
    webhook_id: Uuid,
    status: Option<DeliveryStatus>,
    after: Option<DeliveryCursor>,
    limit: usize,
) -> Result<(Vec<Delivery>, Option<DeliveryCursor>), StoreError> {
    let rows: Vec<DeliveryRow> = dispatch!(conn, |c| {
        let mut query = deliveries::table
            .filter(deliveries::webhook_id.eq(Id(webhook_id)))
            .select(DeliveryRow::as_select())
            .into_boxed();
        if let Some(status) = status {
            query = query.filter(deliveries::status.eq(status.as_str()));
        }
        if let Some((created_at, id)) = after {
            query = query.filter(
                deliveries::created_at
                    .lt(created_at)
                    .or(deliveries::created_at
                        .eq(created_at)
                        .and(deliveries::id.lt(Id(id)))),
            );
        }
        query
            .order((deliveries::created_at.desc(), deliveries::id.desc()))
            .limit(limit as i64 + 1)
            .load(c)
    })?;
    let (rows, next) = db::keyset_page(rows, limit, |last| (last.created_at, last.id));
    let items = rows
        .into_iter()
        .map(Delivery::try_from)
        .collect::<Result<_, _>>()?;
    Ok((items, next))
}

pub fn find_delivery(
    conn: &mut Conn<'_>,
    webhook_id: Uuid,
    id: Uuid,
) -> Result<Option<Delivery>, StoreError> {
    let row: Option<DeliveryRow> = dispatch!(conn, |c| deliveries::table
        .filter(deliveries::id.eq(Id(id)))
        .filter(deliveries::webhook_id.eq(Id(webhook_id)))
        .select(DeliveryRow::as_select())
        .first(c)
        .optional())?;
    row.map(Delivery::try_from).transpose()
}

/// Sends a delivered or parked message again with a fresh set of attempts, due now, under
/// the same `webhook-id`. Err(Conflict) while it is still pending or being sent.
pub fn retry_delivery(
    conn: &mut Conn<'_>,
    webhook_id: Uuid,
    id: Uuid,
) -> Result<Option<Delivery>, StoreError> {
    let Some(found) = find_delivery(conn, webhook_id, id)? else {
        return Ok(None);
    };
    if matches!(
        found.status,
        DeliveryStatus::Pending | DeliveryStatus::Sending
    ) {
        return Err(StoreError::Conflict(format!(
            "the delivery is {} already; only a delivered or failed one is sent again",
            found.status
        )));
    }
    DeliveryQueue::retry(conn, id, found.status.as_str())?;
    find_delivery(conn, webhook_id, id)
}

/// Deletes up to `limit` deliveries delivered before `before` (housekeeping's retention).
pub fn prune_delivered(
    conn: &mut Conn<'_>,
    before: NaiveDateTime,
    limit: usize,
) -> Result<usize, StoreError> {
    DeliveryQueue::prune(conn, before, limit)
}
