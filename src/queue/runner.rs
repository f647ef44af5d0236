//! The worker loop of a leased queue: claim a batch, settle up to `concurrency` items at
//! once, each recorded on its own as soon as its outcome is known (a crash repeats at most
//! the items in flight), give back what there was no time or leave for, and poll again.

use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::watch;

use crate::db::{self, Conn, Database, StoreError};
use crate::queue::schedule::{give_back, RetryPolicy};

/// How often and how much one worker takes.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub poll_interval: Duration,
    pub batch_size: usize,
    pub concurrency: usize,
}

/// What every leased queue is run by: its pace, how long a claim lasts, and its retries.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    pub poll_interval: Duration,
    pub batch_size: usize,
    pub concurrency: usize,
    pub lease: Duration,
    pub retry: RetryPolicy,
}

/// The `QueueSettings` of a queue's configuration section (`outbox.*` and `webhooks.*` name
/// these numbers alike).
macro_rules! queue_settings {
    ($config:expr) => {{
        let config = $config;
        $crate::queue::runner::QueueSettings {
            poll_interval: std::time::Duration::from_millis(config.poll_interval_ms),
            batch_size: config.batch_size as usize,
            concurrency: config.concurrency.max(1) as usize,
            lease: std::time::Duration::from_secs(config.lease_seconds),
            retry: $crate::queue::RetryPolicy {
                base: std::time::Duration::from_millis(config.retry_base_ms),
                cap: std::time::Duration::from_secs(config.retry_cap_seconds),
                max_attempts: config.max_attempts,
            },
        }
    }};
}
pub(crate) use queue_settings;

/// A store's `release`: the item given back on its claim.
pub type Release<T> = fn(&mut Conn<'_>, &T) -> Result<(), StoreError>;

/// What one kind of queue does with its items; the loop is the same for all.
// The futures run on actix's single-threaded runtime (`spawn_local`), so they need not be
// `Send`, which is what the lint warns about.
#[allow(async_fn_in_trait)]
pub trait LeasedWork {
    type Item: Send + 'static;

    /// For the log lines.
    const NAME: &'static str;

    /// The store's `claim_due`, which `claim` runs.
    const CLAIM_DUE: ClaimDue<Self::Item>;

    /// The table's `release`, which `give_back` runs on each item.
    const RELEASE: Release<Self::Item>;

    /// The database the queue lives in, and its settings.
    fn queue(&self) -> (&Database, &QueueSettings);

    fn pace(&self) -> Pace {
        let (_, settings) = self.queue();
        Pace {
            poll_interval: settings.poll_interval,
            batch_size: settings.batch_size,
            concurrency: settings.concurrency,
        }
    }

    /// The longest one attempt may take: an item with less lease left is given back.
    fn margin(&self) -> chrono::Duration;

    fn lease_until(item: &Self::Item) -> chrono::NaiveDateTime;

    /// Work done before each batch (the outbox writes its digests).
    async fn before_batch(&self) {}

    /// Up to a batch of due items, each held for the lease, in one write transaction.
    async fn claim(&self) -> Result<Vec<Self::Item>, StoreError> {
        let (db, settings) = self.queue();
        // The configuration allows a lease of a day at most, which always fits.
        let lease =
            chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::minutes(5));
        let (batch_size, max_attempts) = (settings.batch_size, settings.retry.max_attempts);
        let claim_due = Self::CLAIM_DUE;
        db.write(move |conn| claim_due(conn, batch_size, lease, max_attempts))
            .await
    }

    /// Tries the item and records the outcome.
    async fn settle(&self, item: Self::Item);

    /// Gives back untried items: due at once, the claim not counted; all in one write
    /// transaction.
    async fn give_back(&self, items: Vec<Self::Item>) -> Result<(), StoreError> {
        let release = Self::RELEASE;
        self.queue()
            .0
            .write(move |conn| items.iter().try_for_each(|item| release(conn, item)))
            .await
    }
}

/// Runs until `stop` turns true; the items in hand are settled, the rest given back.
pub async fn run<W: LeasedWork>(work: W, mut stop: watch::Receiver<bool>) {
    tracing::info!(queue = W::NAME, "worker started");
    let pace = work.pace();
    loop {
        work.before_batch().await;
        let full_batch = match run_batch(&work, &stop).await {
            Ok(claimed) => claimed == pace.batch_size,
            Err(error) => {
                tracing::error!(queue = W::NAME, %error, "batch failed");
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
                _ = tokio::time::sleep(pace.poll_interval) => {}
            }
        }
    }
    tracing::info!(queue = W::NAME, "worker stopped");
}

/// Claims one batch and settles each item; returns how many were claimed.
pub async fn run_batch<W: LeasedWork>(
    work: &W,
    stop: &watch::Receiver<bool>,
) -> Result<usize, StoreError> {
    let claimed = work.claim().await?;
    let count = claimed.len();
    let margin = work.margin();
    let given_back = Mutex::new(Vec::new());
    futures_util::stream::iter(claimed)
        .for_each_concurrent(work.pace().concurrency.max(1), |item| {
            let given_back = &given_back;
            async move {
                if give_back(*stop.borrow(), db::now(), margin, W::lease_until(&item)) {
                    if let Ok(mut given_back) = given_back.lock() {
                        given_back.push(item);
                    }
                    return;
                }
                work.settle(item).await;
            }
        })
        .await;
    let given_back = given_back.into_inner().unwrap_or_default();
    if !given_back.is_empty() {
        work.give_back(given_back).await?;
    }
    Ok(count)
}

/// A store's `claim_due`: up to `limit` due items, each held for `lease`, an item past
/// `max_attempts` parked instead.
pub type ClaimDue<T> =
    fn(&mut Conn<'_>, usize, chrono::Duration, u32) -> Result<Vec<T>, StoreError>;

/// A running worker: `stop` lets it finish the items in flight, give back the rest of its
/// batch, and end.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    done: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Runs `work` on the current (actix) runtime until the handle stops it.
    pub fn spawn<W: LeasedWork + 'static>(work: W) -> Self {
        let (stop, stopped) = watch::channel(false);
        let done = actix_web::rt::spawn(run(work, stopped));
        Self { stop, done }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.done.await;
    }
}
