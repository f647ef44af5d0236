//! Refresh tokens in the database: issued in families, rotated once, revoked as a family.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::accounts::store::parse_id;
use crate::auth::token::{digest, random_token};
use crate::db::schema::refresh_tokens;
use crate::db::{self, Conn, StoreError};
use crate::dispatch;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshTokenRow {
    id: String,
    user_id: String,
    family_id: String,
    token_hash: String,
    issued_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    rotated_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

/// What presenting a refresh token led to.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live: here is its successor, for this user.
    Rotated { user_id: Uuid, token: String },
    /// Unknown, expired or revoked: nothing changed.
    Refused,
    /// Already rotated: someone replayed an old token, so its whole family is now revoked.
    ReuseDetected,
}

/// Starts a new family (a login) for `user_id` and returns its first token.
pub fn issue(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    ttl: chrono::Duration,
) -> Result<String, StoreError> {
    insert(conn, user_id, Uuid::new_v4(), ttl)
}

fn insert(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    family_id: Uuid,
    ttl: chrono::Duration,
) -> Result<String, StoreError> {
    let token = random_token();
    let now = db::now();
    let row = RefreshTokenRow {
        id: Uuid::new_v4().to_string(),
        user_id: user_id.to_string(),
        family_id: family_id.to_string(),
        token_hash: digest(&token),
        issued_at: now,
        expires_at: now + ttl,
        rotated_at: None,
        revoked_at: None,
    };
    dispatch!(conn, |c| diesel::insert_into(refresh_tokens::table)
        .values(&row)
        .execute(c))?;
    Ok(token)
}

fn find(conn: &mut Conn<'_>, token: &str) -> Result<Option<RefreshTokenRow>, StoreError> {
    let hash = digest(token);
    Ok(dispatch!(conn, |c| refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(&hash))
        .select(RefreshTokenRow::as_select())
        .first(c)
        .optional())?)
}

fn revoke_family_of(conn: &mut Conn<'_>, family_id: &str) -> Result<(), StoreError> {
    let now = db::now();
    dispatch!(conn, |c| diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null())
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(c))?;
    Ok(())
}

/// Exchanges a live token for a new one of the same family. Run inside a write transaction:
/// the conditional update lets exactly one of two racing presentations of a token win; the
/// loser is treated as a replay.
pub fn rotate(
    conn: &mut Conn<'_>,
    token: &str,
    ttl: chrono::Duration,
) -> Result<Rotation, StoreError> {
    let Some(row) = find(conn, token)? else {
        return Ok(Rotation::Refused);
    };
    if row.revoked_at.is_some() {
        return Ok(Rotation::Refused);
    }
    if row.rotated_at.is_some() {
        revoke_family_of(conn, &row.family_id)?;
        return Ok(Rotation::ReuseDetected);
    }
    let now = db::now();
    if row.expires_at <= now {
        return Ok(Rotation::Refused);
    }
    let claimed = dispatch!(conn, |c| diesel::update(
        refresh_tokens::table
            .find(&row.id)
            .filter(refresh_tokens::rotated_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null())
    )
    .set(refresh_tokens::rotated_at.eq(Some(now)))
    .execute(c))?;
    if claimed == 0 {
        revoke_family_of(conn, &row.family_id)?;
        return Ok(Rotation::ReuseDetected);
    }
    let user_id = parse_id(&row.user_id)?;
    let token = insert(conn, user_id, parse_id(&row.family_id)?, ttl)?;
    Ok(Rotation::Rotated { user_id, token })
}

/// Ends the session a token belongs to (its whole family). Unknown tokens change nothing.
pub fn revoke(conn: &mut Conn<'_>, token: &str) -> Result<(), StoreError> {
    if let Some(row) = find(conn, token)? {
        revoke_family_of(conn, &row.family_id)?;
    }
    Ok(())
}
