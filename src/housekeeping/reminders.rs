//! Writes the reminders that are due: needs about to expire, matches waiting for an answer.

use std::sync::Arc;

use crate::catalogue::notices::{warn_expiring_needs, ExpiryWarning};
use crate::db::{Conn, Database, StoreError};
use crate::matching::reminders::remind_waiting_matches;
use crate::notify::Notifier;

/// Batches one step may run per pass: a bound on one pass's work, the rest waits.
const BATCHES_PER_PASS: usize = 50;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub reconfirm_within: chrono::Duration,
    pub expiry_warning: chrono::Duration,
    pub match_waiting: chrono::Duration,
}

pub async fn run(
    db: &Database,
    notifier: &Arc<Notifier>,
    policy: Policy,
) -> Result<(), StoreError> {
    let warning = ExpiryWarning {
        reconfirm_within: policy.reconfirm_within,
        warn_within: policy.expiry_warning,
    };
    let wait = policy.match_waiting;
    let needs_warned = in_batches(db, notifier, move |conn, notifier, now, after| {
        warn_expiring_needs(conn, notifier, now, warning, after)
    })
    .await?;
    let matches_reminded = in_batches(db, notifier, move |conn, notifier, now, after| {
        remind_waiting_matches(conn, notifier, now, wait, after)
    })
    .await?;
    if needs_warned + matches_reminded > 0 {
        tracing::info!(needs_warned, matches_reminded, "reminders written");
    }
    Ok(())
}

/// Runs `step` batch after batch, each in its own transaction, from where the previous one
/// stopped, until one says it was the last or the pass has run its bound. Returns how many
/// were reminded.
async fn in_batches<F>(
    db: &Database,
    notifier: &Arc<Notifier>,
    step: F,
) -> Result<usize, StoreError>
where
    F: Fn(
            &mut Conn<'_>,
            &Notifier,
            chrono::DateTime<chrono::Utc>,
            Option<uuid::Uuid>,
        ) -> Result<(Option<uuid::Uuid>, usize), StoreError>
        + Copy
        + Send
        + 'static,
{
    let (mut reminded, mut after) = (0, None);
    for _ in 0..BATCHES_PER_PASS {
        let notifier = notifier.clone();
        let (next, sent) = db
            .transaction(move |conn| step(conn, &notifier, chrono::Utc::now(), after))
            .await?;
        reminded += sent;
        match next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(reminded)
}
