//! The webhook worker: claims due deliveries, checks each endpoint's address again (SSRF),
//! signs and posts the message to the address it checked, and records the outcome; parks a
//! delivery after its last attempt and turns off an endpoint that keeps failing, with an
//! email to its organisation's admins. Runs beside the email worker (inside `serve`, or in
//! `clearinghouse worker`); any number may share one database.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::accounts::credentials;
use crate::config::WebhookSettings;
use crate::db::{self, Database, StoreError};
use crate::notify::{EventKind, Notifier, Recipient};
use crate::queue::runner::{
    queue_settings, ClaimDue, LeasedWork, QueueSettings, Release, WorkerHandle,
};
use crate::queue::AfterFailure;
use crate::webhooks::model::signature;
use crate::webhooks::ssrf::{EgressPolicy, Target};
use crate::webhooks::store::{self, ClaimedDelivery, DeliveryQueue};

/// The handle of a running webhook worker (the queue's own).
pub type WebhookWorkerHandle = WorkerHandle;

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    pub queue: QueueSettings,
    pub timeout: Duration,
    pub response_limit: usize,
    pub disable_after_failed_messages: i32,
    pub disable_after_failing: chrono::Duration,
}

impl DeliverySettings {
    pub fn from_config(settings: &WebhookSettings) -> Self {
        let queue = queue_settings!(settings);
        let lease = queue.lease;
        Self {
            queue,
            // An attempt ends well inside its lease, so that no other worker takes the
            // delivery while it is still in flight.
            timeout: Duration::from_millis(settings.timeout_ms).min(lease / 3),
            response_limit: settings.response_limit_bytes,
            disable_after_failed_messages: settings.disable_after_failed_messages as i32,
            disable_after_failing: chrono::Duration::hours(
                settings.disable_after_failing_hours.into(),
            ),
        }
    }
}

/// Why an attempt failed: the answer's status if there was one, and a sentence.
#[derive(Debug)]
struct Failure {
    status: Option<u16>,
    error: String,
}

pub struct WebhookWorker {
    db: Database,
    notifier: Arc<Notifier>,
    egress: EgressPolicy,
    settings: DeliverySettings,
    /// One client per (host, checked address), so that connections are reused while the
    /// address each connects to stays the one the rule admitted.
    clients: Mutex<HashMap<(String, SocketAddr), reqwest::Client>>,
}

impl WebhookWorker {
    pub fn new(
        db: Database,
        notifier: Arc<Notifier>,
        egress: EgressPolicy,
        settings: DeliverySettings,
    ) -> Self {
        Self {
            db,
            notifier,
            egress,
            settings,
            clients: Mutex::new(HashMap::new()),
        }
    }

    pub fn from_config(
        config: &crate::config::Config,
        db: Database,
        notifier: Arc<Notifier>,
    ) -> Self {
        Self::new(
            db,
            notifier,
            config.webhooks.egress(),
            DeliverySettings::from_config(&config.webhooks),
        )
    }

    /// Runs the worker on the current (actix) runtime until its handle stops it.
    pub fn spawn(self) -> WorkerHandle {
        WorkerHandle::spawn(self)
    }

    fn client_for(&self, target: &Target) -> Result<reqwest::Client, Failure> {
        let key = (target.host.clone(), target.address);
        let mut clients = self.clients.lock().map_err(|_| Failure {
            status: None,
            error: "the client cache is poisoned".into(),
        })?;
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let client = reqwest::Client::builder()
            // Connect to the address that was checked, whatever DNS says now.
            .resolve(&target.host, target.address)
            // A redirect would lead somewhere the rule never saw.
            .redirect(reqwest::redirect::Policy::none())
            // An environment proxy would connect elsewhere than the checked address.
            .no_proxy()
            .timeout(self.settings.timeout)
            .connect_timeout(self.settings.timeout)
            .user_agent(concat!(
                "clearinghouse-webhooks/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|error| Failure {
                status: None,
                error: format!("building the HTTP client: {error}"),
            })?;
        if clients.len() >= 1024 {
            clients.clear();
        }
        clients.insert(key, client.clone());
        Ok(client)
    }

    /// One attempt: the address checked again, the message signed for this moment, and at
    /// most `response_limit` bytes of the answer read.
    async fn attempt(&self, delivery: &ClaimedDelivery) -> Result<u16, Failure> {
        let refused = |error: String| Failure {
            status: None,
            error,
        };
        let url = url::Url::parse(&delivery.url).map_err(|e| refused(format!("the URL: {e}")))?;
        let target = self
            .egress
            .check(&url)
            .await
            .map_err(|refusal| refused(format!("the URL {refusal}")))?;
        let client = self.client_for(&target)?;
        let timestamp = chrono::Utc::now().timestamp();
        let signed = signature(
            &delivery.secret,
            &delivery.message_id,
            timestamp,
            &delivery.body,
        )
        .ok_or_else(|| refused("the stored signing secret is not whsec_<base64>".into()))?;
        let mut response = client
            .post(target.url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(delivery.body.clone())
            .send()
            .await
            .map_err(|error| refused(describe(error)))?;
        let status = response.status().as_u16();
        let mut read = 0usize;
        // The answer is read only so that the connection can be reused; a receiver that
        // talks on is cut off at the limit.
        while read < self.settings.response_limit {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) => break,
                Err(_) => break,
            }
        }
        if (200..300).contains(&status) {
            Ok(status)
        } else {
            Err(Failure {
                status: Some(status),
                error: format!("the endpoint answered {status}"),
            })
        }
    }

    async fn record(&self, delivery: ClaimedDelivery) -> Result<(), StoreError> {
        let outcome = self.attempt(&delivery).await;
        match outcome {
            Ok(status) => {
                tracing::info!(delivery_id = %delivery.id, message_id = %delivery.message_id, status, "webhook delivered");
                let kept = self
                    .db
                    .write(move |conn| store::mark_delivered(conn, &delivery, status))
                    .await?;
                if !kept {
                    tracing::warn!("a webhook claim ran out before its outcome was recorded");
                }
            }
            Err(failure) => {
                let after = self
                    .settings
                    .queue
                    .retry
                    .after_failure(delivery.attempts, rand::random::<f64>());
                let retry_at = match after {
                    AfterFailure::RetryIn(wait) => Some(
                        db::now()
                            + chrono::Duration::from_std(wait)
                                .unwrap_or(chrono::Duration::hours(6)),
                    ),
                    AfterFailure::Dead => None,
                };
                tracing::warn!(delivery_id = %delivery.id, attempts = delivery.attempts, error = %failure.error, parked = retry_at.is_none(), "webhook attempt failed");
                let (notifier, settings) = (self.notifier.clone(), self.settings.clone());
                self.db
                    .write(move |conn| {
                        let recorded = store::mark_failed(
                            conn,
                            &delivery,
                            failure.status,
                            &failure.error,
                            retry_at,
                        )?;
                        if !recorded.kept {
                            return Ok(());
                        }
                        let failing_too_long = recorded.failing_since.is_some_and(|since| {
                            db::now() - since >= settings.disable_after_failing
                        });
                        let reason =
                            if recorded.failed_messages >= settings.disable_after_failed_messages {
                                format!(
                                    "{} messages in a row could not be delivered",
                                    recorded.failed_messages
                                )
                            } else if failing_too_long {
                                format!(
                                    "every attempt has failed for {} hours",
                                    settings.disable_after_failing.num_hours()
                                )
                            } else {
                                return Ok(());
                            };
                        if store::disable(conn, delivery.webhook_id, &reason)? {
                            tell_admins(
                                conn,
                                &notifier,
                                delivery.webhook_id,
                                &reason,
                                &failure.error,
                            )?;
                        }
                        Ok(())
                    })
                    .await?;
            }
        }
        Ok(())
    }
}

impl LeasedWork for WebhookWorker {
    type Item = ClaimedDelivery;
    const NAME: &'static str = "webhooks";
    const CLAIM_DUE: ClaimDue<ClaimedDelivery> = store::claim_due;
    const RELEASE: Release<ClaimedDelivery> =
        |conn, delivery| DeliveryQueue::release(conn, delivery.id, &delivery.claim_token);

    fn queue(&self) -> (&Database, &QueueSettings) {
        (&self.db, &self.settings.queue)
    }

    fn margin(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.timeout).unwrap_or_default()
    }

    fn lease_until(delivery: &ClaimedDelivery) -> chrono::NaiveDateTime {
        delivery.lease_until
    }

    /// Receivers recognise a repeated delivery by its `webhook-id`.
    async fn settle(&self, delivery: ClaimedDelivery) {
        let id = delivery.id;
        if let Err(error) = self.record(delivery).await {
            tracing::error!(delivery_id = %id, %error, "recording a webhook outcome failed; it is sent again after its lease");
        }
    }
}

/// A sentence for a request that got no answer, without the URL (it is in the log already).
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer before the timeout".into()
    } else if error.is_connect() {
        "could not connect".into()
    } else {
        format!("the request failed: {}", error.without_url())
    }
}

/// The email to the organisation's admins: which endpoint was turned off, and why.
fn tell_admins(
    conn: &mut crate::db::Conn<'_>,
    notifier: &Notifier,
    webhook_id: uuid::Uuid,
    reason: &str,
    last_error: &str,
) -> Result<(), StoreError> {
    let Some(webhook) = store::find(conn, webhook_id)? else {
        return Ok(());
    };
    tracing::warn!(%webhook_id, reason, "webhook turned off after repeated failures");
    let admins: Vec<Recipient> = credentials::org_admins(conn, webhook.organisation_id)?
        .iter()
        .map(Recipient::from)
        .collect();
    notifier.notify(
        conn,
        EventKind::WebhookDisabled,
        &admins,
        json!({
            "webhook_url": webhook.url,
            "reason": reason,
            "last_error": last_error,
            "link": notifier.link("organisation/webhooks", None),
        }),
    )
}
