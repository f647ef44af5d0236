//! Reminders and summaries go out once per occasion: a match waiting since a moment, a need
//! due to expire at a moment, a window of dead emails. The first pass to record the occasion
//! sends; every later pass, on this instance or another, finds it recorded and does not.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::reminders_sent;
use crate::db::{self, Conn, StoreError};
use crate::dispatch;

/// What a reminder is about: one name per kind of reminder, stored with each occasion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderKind {
    /// A proposed match waits for a coordinator, or an approved one for a side.
    MatchWaiting,
    /// An open need expires soon.
    NeedExpiring,
    /// Coordinators hear of the emails that died in a window.
    DeadLetters,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MatchWaiting => "match_waiting",
            Self::NeedExpiring => "need_expiring",
            Self::DeadLetters => "dead_letters",
        }
    }
}

/// Records the occasion; true only for the first caller. Call inside the transaction that
/// writes the reminder's emails, so that a failed send leaves the occasion unrecorded.
pub fn first_time(
    conn: &mut Conn<'_>,
    kind: ReminderKind,
    subject_id: &str,
    occasion: NaiveDateTime,
) -> Result<bool, StoreError> {
    let row = (
        reminders_sent::kind.eq(kind.as_str()),
        reminders_sent::subject_id.eq(subject_id),
        reminders_sent::occasion.eq(occasion),
        reminders_sent::created_at.eq(db::now()),
    );
    let inserted = dispatch!(conn, |c| diesel::insert_into(reminders_sent::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Marks an occasion recorded earlier as seen again now, so that a query that skips items
/// reminded since their last change skips this one too.
pub fn touch(
    conn: &mut Conn<'_>,
    kind: ReminderKind,
    subject_id: &str,
    occasion: NaiveDateTime,
) -> Result<(), StoreError> {
    dispatch!(conn, |c| diesel::update(
        reminders_sent::table
            .filter(reminders_sent::kind.eq(kind.as_str()))
            .filter(reminders_sent::subject_id.eq(subject_id))
            .filter(reminders_sent::occasion.eq(occasion))
    )
    .set(reminders_sent::created_at.eq(db::now()))
    .execute(c))?;
    Ok(())
}
