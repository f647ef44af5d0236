//! The daily digest: events of users who chose `daily` wait in `digest_items`; once their
//! digest window has closed, one email per user gathers them.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::accounts::store as accounts;
use crate::db::schema::digest_items;
use crate::db::{self, Conn, StoreError};
use crate::dispatch;
use crate::notify::model::EventKind;
use crate::notify::notifier::Notifier;

/// How many waiting events one pass gathers at most; the rest wait for the next pass.
const PASS_LIMIT: i64 = 2000;

#[derive(Debug, Clone, Serialize)]
pub struct DigestItem {
    pub kind: String,
    pub headline: String,
    pub link: String,
}

pub fn add_item(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    kind: EventKind,
    headline: &str,
    link: &str,
) -> Result<(), StoreError> {
    let now = db::now();
    dispatch!(conn, |c| diesel::insert_into(digest_items::table)
        .values((
            digest_items::id.eq(Uuid::new_v4().to_string()),
            digest_items::user_id.eq(user_id.to_string()),
            digest_items::event_kind.eq(kind.as_str()),
            digest_items::headline.eq(headline),
            digest_items::link.eq(link),
            digest_items::created_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Writes one digest email for each user with events from before `window_start` that no
/// digest carries yet, and marks those events as carried. Returns how many digests were
/// written. Run inside a write transaction: on PostgreSQL the events are locked, so two
/// workers never write the same digest twice.
pub fn write_due(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    window_start: NaiveDateTime,
) -> Result<usize, StoreError> {
    type Waiting = (String, String, String, String, String);
    let waiting = digest_items::outbox_id
        .is_null()
        .and(digest_items::created_at.lt(window_start));
    let columns = (
        digest_items::id,
        digest_items::user_id,
        digest_items::event_kind,
        digest_items::headline,
        digest_items::link,
    );
    let rows: Vec<Waiting> = match conn {
        Conn::Postgres(c) => digest_items::table
            .filter(waiting)
            .order((digest_items::created_at.asc(), digest_items::id.asc()))
            .select(columns)
            .limit(PASS_LIMIT)
            .for_update()
            .load(*c)?,
        Conn::Sqlite(c) => digest_items::table
            .filter(waiting)
            .order((digest_items::created_at.asc(), digest_items::id.asc()))
            .select(columns)
            .limit(PASS_LIMIT)
            .load(*c)?,
    };
    let mut by_user: BTreeMap<String, (Vec<String>, Vec<DigestItem>)> = BTreeMap::new();
    for (id, user_id, kind, headline, link) in rows {
        let entry = by_user.entry(user_id).or_default();
        entry.0.push(id);
        entry.1.push(DigestItem {
            kind,
            headline,
            link,
        });
    }
    let mut written = 0;
    for (user_id, (ids, items)) in by_user {
        let user_id = accounts::parse_id(&user_id)?;
        let outbox_id = match accounts::find_user(conn, user_id)? {
            Some(user) => Some(notifier.enqueue_digest(conn, &user, &items)?),
            None => None,
        };
        let carried_by = outbox_id.map_or_else(|| "none".to_owned(), |id| id.to_string());
        dispatch!(conn, |c| diesel::update(
            digest_items::table.filter(digest_items::id.eq_any(&ids))
        )
        .set(digest_items::outbox_id.eq(Some(&carried_by)))
        .execute(c))?;
        written += usize::from(outbox_id.is_some());
    }
    Ok(written)
}
