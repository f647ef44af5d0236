//! Notification preferences in the database: one delivery mode per user and event kind; a
//! kind without a row has its default.

use std::collections::BTreeMap;

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::notification_preferences as prefs;
use crate::db::{self, Conn, StoreError};
use crate::dispatch;
use crate::notify::model::{DeliveryMode, EventKind};

/// Every event kind with the user's mode for it.
pub fn modes(
    conn: &mut Conn<'_>,
    user_id: Uuid,
) -> Result<BTreeMap<EventKind, DeliveryMode>, StoreError> {
    let rows: Vec<(String, String)> = dispatch!(conn, |c| prefs::table
        .filter(prefs::user_id.eq(user_id.to_string()))
        .select((prefs::event_kind, prefs::mode))
        .load(c))?;
    let mut modes: BTreeMap<_, _> = EventKind::ALL
        .into_iter()
        .map(|kind| (kind, kind.default_mode()))
        .collect();
    for (kind, mode) in rows {
        // A kind that no longer exists is ignored; a mode we cannot read is our fault.
        if let Ok(kind) = kind.parse::<EventKind>() {
            let mode = db::parse_stored("delivery mode", &mode)?;
            modes.insert(kind, mode);
        }
    }
    Ok(modes)
}

pub fn mode(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    kind: EventKind,
) -> Result<DeliveryMode, StoreError> {
    Ok(modes(conn, user_id)?
        .get(&kind)
        .copied()
        .unwrap_or(kind.default_mode()))
}

/// Sets the modes of the kinds in `changes`; the others keep theirs. Run in a transaction.
pub fn set(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    changes: &BTreeMap<EventKind, DeliveryMode>,
) -> Result<(), StoreError> {
    let now = db::now();
    let user = user_id.to_string();
    for (kind, mode) in changes {
        dispatch!(conn, |c| diesel::delete(
            prefs::table
                .filter(prefs::user_id.eq(&user))
                .filter(prefs::event_kind.eq(kind.as_str()))
        )
        .execute(c))?;
        dispatch!(conn, |c| diesel::insert_into(prefs::table)
            .values((
                prefs::user_id.eq(&user),
                prefs::event_kind.eq(kind.as_str()),
                prefs::mode.eq(mode.as_str()),
                prefs::updated_at.eq(now),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Applies an unsubscribe link: one kind off, or (for the digest) every kind now in the
/// digest off.
pub fn unsubscribe(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    what: crate::notify::signed_links::Unsubscribe,
) -> Result<(), StoreError> {
    use crate::notify::signed_links::Unsubscribe;
    let changes: BTreeMap<EventKind, DeliveryMode> = match what {
        Unsubscribe::Event(kind) => [(kind, DeliveryMode::Off)].into(),
        Unsubscribe::Digest => modes(conn, user_id)?
            .into_iter()
            .filter(|(_, mode)| *mode == DeliveryMode::Daily)
            .map(|(kind, _)| (kind, DeliveryMode::Off))
            .collect(),
    };
    set(conn, user_id, &changes)
}
