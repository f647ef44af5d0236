//! The outbox worker: claims due messages, hands them to the transport, and records the
//! outcome; writes the digests whose window has closed. Runs inside `serve` or alone
//! (`clearinghouse worker`); any number of workers may share one database.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lettre::message::Mailbox;
use tokio::sync::watch;

use crate::config::OutboxSettings;
use crate::db::{self, Database, StoreError};
use crate::notify::model::{digest_window_start, AfterFailure, RetryPolicy};
use crate::notify::notifier::Notifier;
use crate::notify::outbox::{self, ClaimedMessage};
use crate::notify::transport::Transport;
use crate::notify::{dead_letters, digest};

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub poll_interval: Duration,
    pub batch_size: usize,
    pub concurrency: usize,
    pub lease: Duration,
    pub retry: RetryPolicy,
    pub digest_period: Duration,
}

impl WorkerSettings {
    pub fn from_config(settings: &OutboxSettings) -> Self {
        Self {
            poll_interval: Duration::from_millis(settings.poll_interval_ms),
            batch_size: settings.batch_size as usize,
            concurrency: settings.concurrency.max(1) as usize,
            lease: Duration::from_secs(settings.lease_seconds),
            retry: RetryPolicy {
                base: Duration::from_millis(settings.retry_base_ms),
                cap: Duration::from_secs(settings.retry_cap_seconds),
                max_attempts: settings.max_attempts,
            },
            digest_period: Duration::from_secs(settings.digest_period_seconds),
        }
    }

    /// How long one SMTP command may take: well inside the lease, so that a message is
    /// settled before another worker may take it.
    pub fn send_timeout(&self) -> Duration {
        (self.lease / 3).min(Duration::from_secs(30))
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

/// A running worker: `stop` lets it finish the message in hand, give back the rest of its
/// batch, and end.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    done: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.done.await;
    }
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
        let (stop, stopped) = watch::channel(false);
        let done = actix_web::rt::spawn(self.run(stopped));
        WorkerHandle { stop, done }
    }

    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(transport = %self.transport.describe(), "outbox worker started");
        loop {
            if let Err(error) = self.write_digests().await {
                tracing::error!(%error, "writing digests failed");
            }
            let full_batch = match self.deliver_batch(&stop).await {
                Ok(claimed) => claimed == self.settings.batch_size,
                Err(error) => {
                    tracing::error!(%error, "outbox batch failed");
                    false
                }
            };
            if *stop.borrow() {
                break;
            }
            // A full batch suggests more is due: go on at once.
            if !full_batch {
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                }
            }
        }
        tracing::info!("outbox worker stopped");
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

    /// Claims one batch and settles each message; returns how many were claimed.
    async fn deliver_batch(&self, stop: &watch::Receiver<bool>) -> Result<usize, StoreError> {
        let limit = self.settings.batch_size;
        let lease =
            chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::minutes(5));
        let max_attempts = self.settings.retry.max_attempts;
        let claimed = self
            .db
            .write(move |conn| outbox::claim_due(conn, limit, lease, max_attempts))
            .await?;
        let count = claimed.len();
        let margin = chrono::Duration::from_std(self.settings.send_timeout()).unwrap_or_default();
        let given_back = std::sync::Mutex::new(Vec::new());
        // Up to `concurrency` messages in flight, each recorded on its own as soon as its
        // outcome is known, so that a crash repeats at most the messages in flight.
        futures_util::stream::iter(claimed)
            .for_each_concurrent(self.settings.concurrency, |message| {
                let given_back = &given_back;
                async move {
                    // Stopping, or too little lease left to finish before another worker
                    // may take the message: give it back untried.
                    if *stop.borrow() || db::now() + margin > message.lease_until {
                        if let Ok(mut given_back) = given_back.lock() {
                            given_back.push(message);
                        }
                        return;
                    }
                    let id = message.id;
                    if let Err(error) = self.deliver(message).await {
                        tracing::error!(outbox_id = %id, %error, "recording an email's outcome failed; it is sent again after its lease");
                    }
                }
            })
            .await;
        let given_back = given_back.into_inner().unwrap_or_default();
        if !given_back.is_empty() {
            self.release(given_back).await?;
        }
        Ok(count)
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

    async fn release(&self, messages: Vec<ClaimedMessage>) -> Result<(), StoreError> {
        self.db
            .write(move |conn| {
                for message in &messages {
                    outbox::release(conn, message.id, &message.claim_token)?;
                }
                Ok(())
            })
            .await
    }
}
