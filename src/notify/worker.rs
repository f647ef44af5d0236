//! The outbox worker: claims due messages, hands them to the transport, and records the
//! outcome; writes the digests whose window has closed. Runs inside `serve` or alone
//! (`clearinghouse worker`); any number of workers may share one database.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;

use crate::config::OutboxSettings;
use crate::db::{self, Database, StoreError};
use crate::notify::model::digest_window_start;
use crate::notify::notifier::Notifier;
use crate::notify::outbox::{self, ClaimedMessage, OutboxQueue};
use crate::notify::transport::Transport;
use crate::notify::{dead_letters, digest};
use crate::queue::runner::{queue_settings, ClaimDue, LeasedWork, QueueSettings, Release};
use crate::queue::AfterFailure;

pub use crate::queue::runner::WorkerHandle;

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub queue: QueueSettings,
    pub digest_period: Duration,
}

impl WorkerSettings {
    pub fn from_config(settings: &OutboxSettings) -> Self {
        Self {
            queue: queue_settings!(settings),
            digest_period: Duration::from_secs(settings.digest_period_seconds),
        }
    }

    /// How long one SMTP command may take: well inside the lease, so that a message is
    /// settled before another worker may take it.
    pub fn send_timeout(&self) -> Duration {
        (self.queue.lease / 3).min(Duration::from_secs(30))
    }
}

pub struct Worker {
    db: Database,
    transport: Transport,
    from: Mailbox,
    notifier: Arc<Notifier>,
    settings: WorkerSettings,
    /// The digest window whose dead-letter summary this worker has seen to, so that the
    /// database is asked once per window, not on every poll.
    summarised_window: std::sync::Mutex<Option<chrono::NaiveDateTime>>,
}

impl Worker {
    pub fn new(
        db: Database,
        transport: Transport,
        from: Mailbox,
        notifier: Arc<Notifier>,
        settings: WorkerSettings,
    ) -> Self {
        Self {
            db,
            transport,
            from,
            notifier,
            settings,
            summarised_window: std::sync::Mutex::new(None),
        }
    }

    /// Runs the worker on the current (actix) runtime until its handle stops it.
    pub fn spawn(self) -> WorkerHandle {
        tracing::info!(transport = %self.transport.describe(), "outbox worker starting");
        WorkerHandle::spawn(self)
    }

    async fn write_digests(&self) -> Result<(), StoreError> {
        let window_start = digest_window_start(db::now(), self.settings.digest_period);
        let notifier = self.notifier.clone();
        let written = self
            .db
            .write(move |conn| digest::write_due(conn, &notifier, window_start))
            .await?;
        if written > 0 {
            tracing::info!(written, "digests written");
        }
        self.summarise_dead_letters(window_start).await
    }

    async fn summarise_dead_letters(
        &self,
        window_start: chrono::NaiveDateTime,
    ) -> Result<(), StoreError> {
        let seen = |window| {
            self.summarised_window
                .lock()
                .is_ok_and(|summarised| *summarised == Some(window))
        };
        if seen(window_start) {
            return Ok(());
        }
        let (notifier, period) = (self.notifier.clone(), self.settings.digest_period);
        let reported = self
            .db
            .write(move |conn| dead_letters::summarise(conn, &notifier, window_start, period))
            .await?;
        if reported > 0 {
            tracing::warn!(reported, "dead-letter summary written for the coordinators");
        }
        if let Ok(mut summarised) = self.summarised_window.lock() {
            *summarised = Some(window_start);
        }
        Ok(())
    }

    async fn deliver(&self, message: ClaimedMessage) -> Result<(), StoreError> {
        let outcome = self.transport.send(&self.from, &message).await;
        let (id, token, attempts) = (message.id, message.claim_token.clone(), message.attempts);
        let kept = match outcome {
            Ok(()) => {
                tracing::info!(outbox_id = %id, message_id = %message.message_id, "email sent");
                self.db
                    .write(move |conn| outbox::mark_sent(conn, id, &token))
                    .await?
            }
            Err(error) => {
                let after = self
                    .settings
                    .queue
                    .retry
                    .after_failure(attempts, rand::random::<f64>());
                match after {
                    AfterFailure::Dead => {
                        tracing::error!(outbox_id = %id, attempts, %error, "email is dead")
                    }
                    AfterFailure::RetryIn(wait) => {
                        tracing::warn!(outbox_id = %id, attempts, ?wait, %error, "email failed; will retry")
                    }
                }
                let error = error.to_string();
                self.db
                    .write(move |conn| outbox::mark_failed(conn, id, &token, &error, after))
                    .await?
            }
        };
        if !kept {
            tracing::warn!(outbox_id = %id, "the claim ran out before the outcome was recorded; another worker has the message");
        }
        Ok(())
    }
}

impl LeasedWork for Worker {
    type Item = ClaimedMessage;
    const NAME: &'static str = "outbox";
    const CLAIM_DUE: ClaimDue<ClaimedMessage> = outbox::claim_due;
    const RELEASE: Release<ClaimedMessage> =
        |conn, message| OutboxQueue::release(conn, message.id, &message.claim_token);

    fn queue(&self) -> (&Database, &QueueSettings) {
        (&self.db, &self.settings.queue)
    }

    fn margin(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.send_timeout()).unwrap_or_default()
    }

    fn lease_until(message: &ClaimedMessage) -> chrono::NaiveDateTime {
        message.lease_until
    }

    async fn before_batch(&self) {
        if let Err(error) = self.write_digests().await {
            tracing::error!(%error, "writing digests failed");
        }
    }

    async fn settle(&self, message: ClaimedMessage) {
        let id = message.id;
        if let Err(error) = self.deliver(message).await {
            tracing::error!(outbox_id = %id, %error, "recording an email's outcome failed; it is sent again after its lease");
        }
    }
}
