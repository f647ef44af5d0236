//! Reminders for matches that wait: a proposal no coordinator has decided on, or an approved
//! match a side has not accepted, once it has waited the configured number of days. Each
//! wait is reminded once; a match that moves and then waits again is reminded again.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::accounts::credentials;
use crate::accounts::store as accounts;
use crate::catalogue::store::{needs, offers};
use crate::db::{Conn, StoreError};
use crate::matching::notices::link;
use crate::matching::store::{self, Match};
use crate::matching::workflow::MatchStatus;
use crate::notify::reminders::{self, ReminderKind};
use crate::notify::{EventKind, Notifier, Recipient};

/// Matches looked at in one batch; the caller runs batches until one says it was the last.
pub const REMINDER_BATCH: usize = 200;

fn recipients(users: &[crate::accounts::model::User]) -> Vec<Recipient> {
    users.iter().map(Recipient::from).collect()
}

/// Reminds whoever a match has been waiting on for `wait` or longer. Looks at one batch of
/// matches after `after`; returns where the next batch starts (None when this one was the
/// last) and how many matches were reminded.
pub fn remind_waiting_matches(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    now: DateTime<Utc>,
    wait: chrono::Duration,
    after: Option<uuid::Uuid>,
) -> Result<(Option<uuid::Uuid>, usize), StoreError> {
    let waiting = store::waiting_unreminded(
        conn,
        (now - wait).naive_utc(),
        ReminderKind::MatchWaiting.as_str(),
        after,
        REMINDER_BATCH,
    )?;
    let mut reminded = 0;
    for found in &waiting {
        let occasion = found.updated_at.naive_utc();
        if !reminders::first_time(
            conn,
            ReminderKind::MatchWaiting,
            &found.id.to_string(),
            occasion,
        )? {
            continue;
        }
        remind(conn, notifier, found, (now - found.updated_at).num_days())?;
        reminded += 1;
    }
    let next = (waiting.len() == REMINDER_BATCH)
        .then(|| waiting.last().map(|found| found.id))
        .flatten();
    Ok((next, reminded))
}

fn remind(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    found: &Match,
    waiting_days: i64,
) -> Result<(), StoreError> {
    let need = needs::find(conn, found.need_id)?.ok_or(StoreError::NotFound("need"))?;
    let offer = offers::find(conn, found.offer_id)?.ok_or(StoreError::NotFound("offer"))?;
    let context = |awaited: &str, what_to_do: &str, why: &str| {
        json!({
            "need_title": need.fields.title,
            "offer_title": offer.fields.title,
            "waiting_days": waiting_days,
            "awaited": awaited,
            "what_to_do": what_to_do,
            "why": why,
            "link": link(notifier, found),
        })
    };
    if found.status == MatchStatus::Proposed {
        // Coordinators read every item.
        let coordinators = recipients(&accounts::coordinators(conn)?);
        return notifier.notify(
            conn,
            EventKind::MatchWaiting,
            &coordinators,
            context(
                "a coordinator's decision",
                "Approve it if the two fit, or reject it with a reason: both sides wait for your decision.",
                "you are a coordinator of the clearing house",
            ),
        );
    }
    // Approved: each side whose acceptance is awaited. From approval on, both sides read
    // both items (the match emails say so too).
    let awaited = [
        (!found.requester_accepted, need.organisation_id),
        (!found.provider_accepted, offer.organisation_id),
    ];
    for (_, organisation_id) in awaited.into_iter().filter(|(awaited, _)| *awaited) {
        let admins = recipients(&credentials::org_admins(conn, organisation_id)?);
        notifier.notify(
            conn,
            EventKind::MatchWaiting,
            &admins,
            context(
                "your organisation's acceptance",
                "A coordinator approved it. Accept it to start the work, or decline it with a reason so that the other side can look elsewhere.",
                "your organisation is a side of this match",
            ),
        )?;
    }
    Ok(())
}
