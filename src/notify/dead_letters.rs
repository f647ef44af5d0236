//! The coordinators' summary of undeliverable email: once per digest period, the messages
//! that died in the period before, so that a broken mail server or a bad address does not
//! go unnoticed until someone looks at `GET /api/v1/outbox?status=dead`.

use std::time::Duration;

use chrono::NaiveDateTime;
use serde_json::json;

use crate::accounts::store as accounts;
use crate::db::{Conn, StoreError};
use crate::notify::model::EventKind;
use crate::notify::notifier::{Notifier, Recipient};
use crate::notify::outbox;
use crate::notify::reminders::{self, ReminderKind};

/// Messages named one by one in a summary; the rest are counted.
const LISTED: usize = 20;
/// The subject of the once-per-period record: the outbox as a whole.
const SUBJECT: &str = "outbox";

/// Writes the summary of the period that ended at `window_start`, if anything died in it and
/// no other worker wrote it. Returns how many messages it reports (0 when none was written).
pub fn summarise(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    window_start: NaiveDateTime,
    period: Duration,
) -> Result<i64, StoreError> {
    let from =
        window_start - chrono::Duration::from_std(period).unwrap_or(chrono::Duration::days(1));
    let (count, listed) = outbox::died_between(conn, from, window_start, LISTED)?;
    if count == 0 || !reminders::first_time(conn, ReminderKind::DeadLetters, SUBJECT, window_start)?
    {
        return Ok(0);
    }
    let coordinators: Vec<Recipient> = accounts::coordinators(conn)?
        .iter()
        .map(Recipient::from)
        .collect();
    let messages: Vec<_> = listed
        .iter()
        .map(|entry| {
            json!({
                "kind": entry.kind,
                "recipient": entry.recipient,
                "last_error": entry.last_error.as_deref().unwrap_or("no error recorded"),
            })
        })
        .collect();
    notifier.notify(
        conn,
        EventKind::DeadLetters,
        &coordinators,
        json!({
            "count": count,
            "more": count - listed.len() as i64,
            "messages": messages,
            "window_from": from.format("%Y-%m-%d %H:%M").to_string(),
            "window_to": window_start.format("%Y-%m-%d %H:%M").to_string(),
            "link": notifier.link("coordination/outbox", None),
        }),
    )?;
    Ok(count)
}
