//! The idempotency records. A claim is an INSERT on the (caller, key) primary key, so of two
//! requests with one key, on one instance or several sharing a database, exactly one inserts
//! and runs; the other reads what the winner left (in flight, or its answer). Nothing is kept
//! in process memory. The answer is recorded by an UPDATE that names the claim's token, so a
//! request whose lease ran out and was taken over cannot overwrite its successor's record.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{StoredResponse, LEASE, RETENTION};
use crate::db::schema::idempotency_keys::dsl as keys;
use crate::db::{Conn, StoreError};
use crate::dispatch;

/// What a request with a key meets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's: run it, then `complete` or `release` with the token.
    Claimed { token: String },
    /// The key already answered this request: replay that.
    Replay(StoredResponse),
    /// The key was used for another request (another method, path or body).
    Reused,
    /// A request with this key is still running; the seconds until its lease runs out.
    InFlight { retry_after_seconds: u64 },
}

type Row = (
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<i32>,
    Option<String>,
    Option<Vec<u8>>,
);

/// Claims `key` for `caller`'s request with `fingerprint`, in the caller's write
/// transaction (SQLite's `BEGIN IMMEDIATE` and PostgreSQL's unique index decide races).
///
/// A row older than the retention is treated as absent (the housekeeping may not have
/// deleted it yet), and an unanswered row whose lease has run out, for the same request, is
/// taken over: its process died or hung, and the client is retrying.
pub fn claim(
    conn: &mut Conn<'_>,
    caller: &str,
    key: &str,
    fingerprint: &str,
    now: NaiveDateTime,
) -> Result<Claim, StoreError> {
    let token = uuid::Uuid::new_v4().to_string();
    let lease_until = now + LEASE;
    let inserted = dispatch!(conn, |c| diesel::insert_into(keys::idempotency_keys)
        .values((
            keys::caller.eq(caller),
            keys::idempotency_key.eq(key),
            keys::fingerprint.eq(fingerprint),
            keys::claim_token.eq(&token),
            keys::lease_until.eq(lease_until),
            keys::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 1 {
        return Ok(Claim::Claimed { token });
    }
    let this_key = keys::caller.eq(caller).and(keys::idempotency_key.eq(key));
    let expired = keys::created_at.le(now - RETENTION);
    let abandoned = keys::completed_at
        .is_null()
        .and(keys::lease_until.le(now))
        .and(keys::fingerprint.eq(fingerprint));
    let taken_over = dispatch!(conn, |c| diesel::update(
        keys::idempotency_keys.filter(this_key.and(expired.or(abandoned)))
    )
    .set((
        keys::fingerprint.eq(fingerprint),
        keys::claim_token.eq(&token),
        keys::lease_until.eq(lease_until),
        keys::created_at.eq(now),
        keys::completed_at.eq(None::<NaiveDateTime>),
        keys::response_status.eq(None::<i32>),
        keys::response_headers.eq(None::<String>),
        keys::response_body.eq(None::<Vec<u8>>),
    ))
    .execute(c))?;
    if taken_over == 1 {
        return Ok(Claim::Claimed { token });
    }
    let row: Option<Row> = dispatch!(conn, |c| keys::idempotency_keys
        .filter(this_key)
        .select((
            keys::fingerprint,
            keys::lease_until,
            keys::completed_at,
            keys::response_status,
            keys::response_headers,
            keys::response_body,
        ))
        .first(c)
        .optional())?;
    let Some((stored_fingerprint, lease, completed, status, headers, body)) = row else {
        // The row was released between the insert and this read (its request failed): the
        // caller is told to retry, which will then claim the key.
        return Ok(Claim::InFlight {
            retry_after_seconds: 1,
        });
    };
    if stored_fingerprint != fingerprint {
        return Ok(Claim::Reused);
    }
    match (completed, status) {
        (Some(_), Some(status)) => Ok(Claim::Replay(StoredResponse {
            status: u16::try_from(status)
                .map_err(|_| StoreError::Query(format!("a stored status of {status}")))?,
            headers: headers
                .map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|error| StoreError::Query(format!("stored headers: {error}")))?
                .unwrap_or_default(),
            body: body.unwrap_or_default(),
        })),
        _ => Ok(Claim::InFlight {
            retry_after_seconds: u64::try_from((lease - now).num_seconds())
                .unwrap_or(0)
                .max(1),
        }),
    }
}

/// The key while the request holding `token` runs (no answer recorded yet): what completing
/// and releasing both act on, so that a request whose claim ran out touches nothing.
#[diesel::dsl::auto_type(no_type_alias)]
fn held<'a>(caller: &'a str, key: &'a str, token: &'a str) -> _ {
    keys::caller
        .eq(caller)
        .and(keys::idempotency_key.eq(key))
        .and(keys::claim_token.eq(token))
        .and(keys::completed_at.is_null())
}

/// Records the answer of the request holding `token`; false when it no longer holds the key.
pub fn complete(
    conn: &mut Conn<'_>,
    caller: &str,
    key: &str,
    token: &str,
    response: &StoredResponse,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let headers = serde_json::to_string(&response.headers)
        .map_err(|error| StoreError::Query(error.to_string()))?;
    let updated = dispatch!(conn, |c| diesel::update(
        keys::idempotency_keys.filter(held(caller, key, token))
    )
    .set((
        keys::completed_at.eq(Some(now)),
        keys::response_status.eq(Some(i32::from(response.status))),
        keys::response_headers.eq(Some(headers)),
        keys::response_body.eq(Some(&response.body)),
    ))
    .execute(c))?;
    Ok(updated == 1)
}

/// Frees the key held by `token` without an answer, so that a retry runs the request again.
pub fn release(
    conn: &mut Conn<'_>,
    caller: &str,
    key: &str,
    token: &str,
) -> Result<bool, StoreError> {
    let deleted = dispatch!(conn, |c| diesel::delete(
        keys::idempotency_keys.filter(held(caller, key, token))
    )
    .execute(c))?;
    Ok(deleted == 1)
}

/// Deletes the records older than the retention (what the housekeeping does at each pass).
pub fn forget_expired(conn: &mut Conn<'_>, now: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(dispatch!(conn, |c| diesel::delete(
        keys::idempotency_keys.filter(keys::created_at.le(now - RETENTION))
    )
    .execute(c))?)
}
