//! The outbox table: messages are enqueued inside the transaction of the change that causes
//! them, claimed by workers under a lease, and marked sent, retried later, or dead. The
//! claim, release, retry and counts are the leased queue's (`crate::queue`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::outbox;
use crate::db::{self, Conn, Id, StoreError};
use crate::dispatch;
use crate::notify::model::{OutboxEntry, OutboxStatus};
use crate::notify::templates::RenderedEmail;
use crate::queue::AfterFailure;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
struct OutboxRow {
    id: Id,
    message_id: String,
    kind: String,
    recipient: String,
    user_id: Option<String>,
    subject: String,
    body_text: String,
    body_html: String,
    list_unsubscribe: Option<String>,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    claim_token: Option<String>,
    lease_until: Option<NaiveDateTime>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

impl TryFrom<OutboxRow> for OutboxEntry {
    type Error = StoreError;

    fn try_from(row: OutboxRow) -> Result<Self, StoreError> {
        Ok(OutboxEntry {
            id: row.id.0,
            status: db::parse_stored("outbox status", &row.status)?,
            message_id: row.message_id,
            kind: row.kind,
            recipient: row.recipient,
            subject: row.subject,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at.and_utc(),
            last_error: row.last_error,
            created_at: row.created_at.and_utc(),
            sent_at: row.sent_at.map(|at| at.and_utc()),
        })
    }
}

/// A message to write to the outbox.
pub struct NewEmail {
    /// The template it was rendered from.
    pub kind: String,
    pub recipient: String,
    pub user_id: Option<Uuid>,
    pub rendered: RenderedEmail,
    /// The one-click unsubscribe URL, for event emails.
    pub list_unsubscribe: Option<String>,
}

/// Writes a message, due now. `domain` is the right-hand side of its Message-ID.
pub fn enqueue(conn: &mut Conn<'_>, new: NewEmail, domain: &str) -> Result<Uuid, StoreError> {
    let now = db::now();
    let id = Uuid::new_v4();
    let row = OutboxRow {
        id: Id(id),
        message_id: format!("<{}@{domain}>", id.simple()),
        kind: new.kind,
        recipient: new.recipient,
        user_id: new.user_id.map(|id| id.to_string()),
        subject: new.rendered.subject,
        body_text: new.rendered.text,
        body_html: new.rendered.html,
        list_unsubscribe: new.list_unsubscribe,
        status: OutboxStatus::Pending.as_str().to_owned(),
        attempts: 0,
        next_attempt_at: now,
        claim_token: None,
        lease_until: None,
        last_error: None,
        created_at: now,
        sent_at: None,
        updated_at: now,
    };
    dispatch!(conn, |c| diesel::insert_into(outbox::table)
        .values(&row)
        .execute(c))?;
    Ok(id)
}

/// A message a worker holds until `lease_until`.
#[derive(Debug, Clone)]
pub struct ClaimedMessage {
    pub id: Uuid,
    pub message_id: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub list_unsubscribe: Option<String>,
    /// Attempts so far, this one included.
    pub attempts: u32,
    pub claim_token: String,
    pub lease_until: NaiveDateTime,
}

crate::leased_table! {
    /// The outbox as a leased queue: a dead message is a parked one.
    pub struct OutboxQueue for outbox {
        pending: OutboxStatus::Pending.as_str(),
        sending: OutboxStatus::Sending.as_str(),
        done: OutboxStatus::Sent.as_str(),
        parked: OutboxStatus::Dead.as_str(),
        lost: "the worker holding the message stopped before it was sent",
    }
}

/// Claims up to `limit` due messages for `lease` (see `OutboxQueue::claim`), with what the
/// transport needs to send them. Run inside a write transaction.
pub fn claim_due(
    conn: &mut Conn<'_>,
    limit: usize,
    lease: chrono::Duration,
    max_attempts: u32,
) -> Result<Vec<ClaimedMessage>, StoreError> {
    let Some(claim) = OutboxQueue::claim(conn, limit, lease, max_attempts)? else {
        return Ok(Vec::new());
    };
    let rows: Vec<OutboxRow> = dispatch!(conn, |c| outbox::table
        .filter(outbox::claim_token.eq(&claim.token))
        .order(outbox::next_attempt_at.asc())
        .select(OutboxRow::as_select())
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|row| ClaimedMessage {
            id: row.id.0,
            message_id: row.message_id,
            recipient: row.recipient,
            subject: row.subject,
            body_text: row.body_text,
            body_html: row.body_html,
            list_unsubscribe: row.list_unsubscribe,
            attempts: row.attempts.max(0) as u32,
            claim_token: claim.token.clone(),
            lease_until: claim.lease_until,
        })
        .collect())
}

/// Marks a claimed message sent and drops its bodies (they may hold single-use tokens).
/// False when the claim was lost: the lease ran out and another worker took the message.
pub fn mark_sent(conn: &mut Conn<'_>, id: Uuid, claim_token: &str) -> Result<bool, StoreError> {
    let now = db::now();
    let updated = dispatch!(conn, |c| diesel::update(
        outbox::table
            .find(Id(id))
            .filter(outbox::claim_token.eq(claim_token))
    )
    .set((
        outbox::status.eq(OutboxStatus::Sent.as_str()),
        outbox::sent_at.eq(Some(now)),
        outbox::body_text.eq(""),
        outbox::body_html.eq(""),
        outbox::claim_token.eq(None::<String>),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
        outbox::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(updated == 1)
}

/// Records a failed attempt: the message waits for its next attempt, or is dead.
pub fn mark_failed(
    conn: &mut Conn<'_>,
    id: Uuid,
    claim_token: &str,
    error: &str,
    after: AfterFailure,
) -> Result<bool, StoreError> {
    let now = db::now();
    let (status, next_attempt_at) = match after {
        AfterFailure::RetryIn(wait) => (
            OutboxStatus::Pending,
            now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(6)),
        ),
        AfterFailure::Dead => (OutboxStatus::Dead, now),
    };
    let error: String = error.chars().take(1000).collect();
    let updated = dispatch!(conn, |c| diesel::update(
        outbox::table
            .find(Id(id))
            .filter(outbox::claim_token.eq(claim_token))
    )
    .set((
        outbox::status.eq(status.as_str()),
        outbox::next_attempt_at.eq(next_attempt_at),
        outbox::claim_token.eq(None::<String>),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(Some(&error)),
        outbox::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(updated == 1)
}

/// Where a page of the outbox starts: after this (created_at, id), newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxCursor {
    pub created_at: NaiveDateTime,
    pub id: Uuid,
}

/// One page of messages, newest first, optionally of one status, and the next page's cursor.
pub fn list(
    conn: &mut Conn<'_>,
    status: Option<OutboxStatus>,
    after: Option<&OutboxCursor>,
    limit: usize,
) -> Result<(Vec<OutboxEntry>, Option<OutboxCursor>), StoreError> {
    let after = after.map(|cursor| (cursor.created_at, Id(cursor.id)));
    let rows: Vec<OutboxRow> = dispatch!(conn, |c| {
        let mut query = outbox::table.select(OutboxRow::as_select()).into_boxed();
        if let Some(status) = status {
            query = query.filter(outbox::status.eq(status.as_str()));
        }
        if let Some((created_at, id)) = &after {
            query = query.filter(
                outbox::created_at
                    .lt(*created_at)
                    .or(outbox::created_at.eq(*created_at).and(outbox::id.lt(*id))),
            );
        }
        query
            .order((outbox::created_at.desc(), outbox::id.desc()))
            .limit(limit as i64 + 1)
            .load(c)
    })?;
    let (rows, next) = db::keyset_page(rows, limit, |last| OutboxCursor {
        created_at: last.created_at,
        id: last.id.0,
    });
    let items = rows
        .into_iter()
        .map(OutboxEntry::try_from)
        .collect::<Result<_, _>>()?;
    Ok((items, next))
}

pub fn find(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<OutboxEntry>, StoreError> {
    let row: Option<OutboxRow> = dispatch!(conn, |c| outbox::table
        .find(Id(id))
        .select(OutboxRow::as_select())
        .first(c)
        .optional())?;
    row.map(OutboxEntry::try_from).transpose()
}

/// Gives a dead message a fresh set of attempts, due now. None when there is no such
/// message; Err(Conflict) when it is not dead.
pub fn retry(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<OutboxEntry>, StoreError> {
    let Some(entry) = find(conn, id)? else {
        return Ok(None);
    };
    if entry.status != OutboxStatus::Dead {
        return Err(StoreError::Conflict(format!(
            "only a dead message can be retried; this one is {}",
            entry.status.as_str()
        )));
    }
    OutboxQueue::retry(conn, id, OutboxStatus::Dead.as_str())?;
    find(conn, id)
}

/// Messages that died in `[from, to)`: how many, and the first `limit` of them, oldest first.
pub fn died_between(
    conn: &mut Conn<'_>,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: usize,
) -> Result<(i64, Vec<OutboxEntry>), StoreError> {
    let dead = outbox::status
        .eq(OutboxStatus::Dead.as_str())
        .and(outbox::updated_at.ge(from))
        .and(outbox::updated_at.lt(to));
    let count: i64 = dispatch!(conn, |c| outbox::table.filter(dead).count().get_result(c))?;
    if count == 0 {
        return Ok((0, Vec::new()));
    }
    let rows: Vec<OutboxRow> = dispatch!(conn, |c| outbox::table
        .filter(dead)
        .order((outbox::updated_at, outbox::id))
        .limit(limit as i64)
        .select(OutboxRow::as_select())
        .load(c))?;
    let entries = rows
        .into_iter()
        .map(OutboxEntry::try_from)
        .collect::<Result<_, _>>()?;
    Ok((count, entries))
}

/// What waits in the outbox, for the operators' gauges: counts of the statuses that do not
/// grow for ever (sent rows do), and when the longest-waiting due message became due. Each
/// is read through the `(status, next_attempt_at)` index.
#[derive(Debug, Clone, Default)]
pub struct OutboxDepth {
    pub pending: i64,
    pub sending: i64,
    pub dead: i64,
    pub oldest_due_since: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn depth(conn: &mut Conn<'_>) -> Result<OutboxDepth, StoreError> {
    Ok(OutboxDepth {
        pending: OutboxQueue::count(conn, OutboxStatus::Pending.as_str())?,
        sending: OutboxQueue::count(conn, OutboxStatus::Sending.as_str())?,
        dead: OutboxQueue::count(conn, OutboxStatus::Dead.as_str())?,
        oldest_due_since: OutboxQueue::oldest_due(conn)?.map(|at| at.and_utc()),
    })
}

/// Deletes up to `limit` messages sent before `before` (housekeeping's retention).
pub fn prune_sent(
    conn: &mut Conn<'_>,
    before: NaiveDateTime,
    limit: usize,
) -> Result<usize, StoreError> {
    OutboxQueue::prune(conn, before, limit)
}
