//! People's sessions in a browser, in the database: started at sign-in, found by the
//! cookie's value, ended by sign-out, by idling, by their absolute expiry, or all at once
//! for a user whose password changes. Only the value's SHA-256 is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::accounts::store::parse_id;
use crate::auth::token::{digest, random_token};
use crate::db::schema::web_sessions;
use crate::db::{self, Conn, StoreError};
use crate::dispatch;

/// How long a session lives: idle, and at most.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub idle: chrono::Duration,
    pub absolute: chrono::Duration,
}

/// A session that is live now.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub token_hash: String,
    pub user_id: Uuid,
    pub csrf_secret: String,
    pub last_seen_at: NaiveDateTime,
}

/// Starts a session for `user_id`; returns the cookie's value (never stored).
pub fn start(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    lifetimes: Lifetimes,
) -> Result<String, StoreError> {
    let value = random_token();
    let now = db::now();
    dispatch!(conn, |c| diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::token_hash.eq(digest(&value)),
            web_sessions::user_id.eq(user_id.to_string()),
            web_sessions::csrf_secret.eq(random_token()),
            web_sessions::created_at.eq(now),
            web_sessions::last_seen_at.eq(now),
            web_sessions::expires_at.eq(now + lifetimes.absolute),
        ))
        .execute(c))?;
    Ok(value)
}

/// The live session the cookie `value` names, if any: not idle past `idle`, not past its
/// absolute expiry.
pub fn find_live(
    conn: &mut Conn<'_>,
    value: &str,
    idle: chrono::Duration,
) -> Result<Option<LiveSession>, StoreError> {
    let now = db::now();
    let row: Option<(String, String, String, NaiveDateTime)> =
        dispatch!(conn, |c| web_sessions::table
            .filter(web_sessions::token_hash.eq(digest(value)))
            .filter(web_sessions::expires_at.gt(now))
            .filter(web_sessions::last_seen_at.gt(now - idle))
            .select((
                web_sessions::token_hash,
                web_sessions::user_id,
                web_sessions::csrf_secret,
                web_sessions::last_seen_at,
            ))
            .first(c)
            .optional())?;
    row.map(|(token_hash, user_id, csrf_secret, last_seen_at)| {
        Ok(LiveSession {
            token_hash,
            user_id: parse_id(&user_id)?,
            csrf_secret,
            last_seen_at,
        })
    })
    .transpose()
}

/// Records that the session was used now, which keeps it from idling out.
pub fn touch(conn: &mut Conn<'_>, token_hash: &str) -> Result<(), StoreError> {
    let now = db::now();
    dispatch!(conn, |c| diesel::update(
        web_sessions::table.filter(web_sessions::token_hash.eq(token_hash))
    )
    .set(web_sessions::last_seen_at.eq(now))
    .execute(c))?;
    Ok(())
}

/// Ends the session the cookie `value` names (sign-out); nothing if it is unknown.
pub fn end(conn: &mut Conn<'_>, value: &str) -> Result<(), StoreError> {
    dispatch!(conn, |c| diesel::delete(
        web_sessions::table.filter(web_sessions::token_hash.eq(digest(value)))
    )
    .execute(c))?;
    Ok(())
}

/// Ends every session of `user_id`: after a password reset or change, whoever held one of
/// them must sign in again.
pub fn end_all_for_user(conn: &mut Conn<'_>, user_id: Uuid) -> Result<(), StoreError> {
    dispatch!(conn, |c| diesel::delete(
        web_sessions::table.filter(web_sessions::user_id.eq(user_id.to_string()))
    )
    .execute(c))?;
    Ok(())
}
