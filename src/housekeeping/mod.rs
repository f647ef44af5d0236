//! The periodic work of `serve`: expires needs and offers whose time has passed, then writes
//! the reminders that are due (needs about to expire, matches waiting for an answer),
//! forgets refilled rate-limit keys and expired idempotency keys, and deletes sent emails and
//! delivered webhook messages past their retention. One job a file; every job is safe to run
//! on several instances at once.

mod expiry;
mod idempotency_keys;
mod queue_retention;
mod rate_limits;
mod reminders;

use std::sync::Arc;

use crate::config::{Config, RetentionSettings};
use crate::db::Database;
use crate::notify::Notifier;

/// The schedule and what its jobs need.
pub struct Housekeeping {
    db: Database,
    notifier: Arc<Notifier>,
    interval: std::time::Duration,
    reconfirm_within: chrono::Duration,
    expiry_warning: chrono::Duration,
    match_waiting: chrono::Duration,
    retention: RetentionSettings,
}

impl Housekeeping {
    pub fn new(config: &Config, db: Database, notifier: Arc<Notifier>) -> Self {
        Self {
            db,
            notifier,
            interval: std::time::Duration::from_secs(config.expiry_interval_seconds),
            reconfirm_within: chrono::Duration::days(config.need_reconfirm_days.into()),
            expiry_warning: chrono::Duration::days(
                config.reminders.need_expiry_warning_days.into(),
            ),
            match_waiting: chrono::Duration::days(config.reminders.match_waiting_days.into()),
            retention: config.retention,
        }
    }

    /// Runs every job at each tick, for ever; the caller aborts the task to stop it.
    pub async fn run(self) {
        let mut ticks = tokio::time::interval(self.interval);
        loop {
            ticks.tick().await;
            // A failed job is retried at the next tick; nothing was half-written.
            if let Err(error) = expiry::run(&self.db, self.reconfirm_within).await {
                tracing::warn!(%error, "the expiry pass failed");
            }
            let policy = reminders::Policy {
                reconfirm_within: self.reconfirm_within,
                expiry_warning: self.expiry_warning,
                match_waiting: self.match_waiting,
            };
            if let Err(error) = reminders::run(&self.db, &self.notifier, policy).await {
                tracing::warn!(%error, "the reminder pass failed");
            }
            if let Err(error) = rate_limits::run(&self.db).await {
                tracing::warn!(%error, "forgetting refilled rate-limit keys failed");
            }
            if let Err(error) = idempotency_keys::run(&self.db).await {
                tracing::warn!(%error, "forgetting expired idempotency keys failed");
            }
            if let Err(error) = queue_retention::run(&self.db, self.retention).await {
                tracing::warn!(%error, "deleting settled queue rows failed");
            }
        }
    }
}
