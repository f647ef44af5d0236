//! Deletes sent emails and delivered webhook messages older than their retention
//! (`retention.*`): the leased queues would otherwise keep every settled row for ever. Dead
//! and failed rows stay until a person retries them.

use crate::config::RetentionSettings;
use crate::db::{Database, StoreError};
use crate::notify::outbox::prune_sent;
use crate::webhooks::store::prune_delivered;

/// Rows one transaction deletes: a long backlog (the first pass after an upgrade) is cut in
/// short transactions that do not hold the SQLite writer for long.
const BATCH: usize = 500;
/// Batches one pass runs at most; the rest waits for the next pass.
const BATCHES_PER_PASS: usize = 100;

pub async fn run(db: &Database, retention: RetentionSettings) -> Result<(), StoreError> {
    let now = crate::db::now();
    let sent_before = now - retention.sent_emails();
    let delivered_before = now - retention.delivered_webhooks();
    let emails = in_batches(db, move |conn| prune_sent(conn, sent_before, BATCH)).await?;
    let deliveries = in_batches(db, move |conn| {
        prune_delivered(conn, delivered_before, BATCH)
    })
    .await?;
    if emails + deliveries > 0 {
        tracing::info!(
            emails,
            deliveries,
            "settled queue rows past their retention deleted"
        );
    }
    Ok(())
}

async fn in_batches<F>(db: &Database, step: F) -> Result<usize, StoreError>
where
    F: Fn(&mut crate::db::Conn<'_>) -> Result<usize, StoreError> + Copy + Send + 'static,
{
    let mut deleted = 0;
    for _ in 0..BATCHES_PER_PASS {
        let batch = db.write(step).await?;
        deleted += batch;
        if batch < BATCH {
            break;
        }
    }
    Ok(deleted)
}
