//! The pure rules of webhooks: which events exist, what an endpoint is, how a message is
//! signed (Standard Webhooks), and where a delivery is in its life.

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::vocabulary;

vocabulary! {
    /// What a partner system may be told. Items: published, changed (fields or status),
    /// closed (closed, withdrawn or expired); new candidates for one of the organisation's
    /// items; each step of a match.
    pub enum EventType {
        #[serde(rename = "need.published")]
        NeedPublished = "need.published",
        #[serde(rename = "need.changed")]
        NeedChanged = "need.changed",
        #[serde(rename = "need.closed")]
        NeedClosed = "need.closed",
        #[serde(rename = "offer.published")]
        OfferPublished = "offer.published",
        #[serde(rename = "offer.changed")]
        OfferChanged = "offer.changed",
        #[serde(rename = "offer.closed")]
        OfferClosed = "offer.closed",
        #[serde(rename = "candidates.found")]
        CandidatesFound = "candidates.found",
        #[serde(rename = "match.proposed")]
        MatchProposed = "match.proposed",
        #[serde(rename = "match.approved")]
        MatchApproved = "match.approved",
        #[serde(rename = "match.rejected")]
        MatchRejected = "match.rejected",
        #[serde(rename = "match.accepted")]
        MatchAccepted = "match.accepted",
        #[serde(rename = "match.declined")]
        MatchDeclined = "match.declined",
        #[serde(rename = "match.active")]
        MatchActive = "match.active",
        #[serde(rename = "match.completed")]
        MatchCompleted = "match.completed",
        #[serde(rename = "match.cancelled")]
        MatchCancelled = "match.cancelled",
    }
}

/// What happened to a need or an offer, whichever it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemEvent {
    Published,
    Changed,
    Closed,
}

impl EventType {
    /// The event of a need (`noun` "need") or an offer.
    pub fn of_item(noun: &str, event: ItemEvent) -> Self {
        match (noun == "need", event) {
            (true, ItemEvent::Published) => Self::NeedPublished,
            (true, ItemEvent::Changed) => Self::NeedChanged,
            (true, ItemEvent::Closed) => Self::NeedClosed,
            (false, ItemEvent::Published) => Self::OfferPublished,
            (false, ItemEvent::Changed) => Self::OfferChanged,
            (false, ItemEvent::Closed) => Self::OfferClosed,
        }
    }
}

vocabulary! {
    /// Where a delivery is in its life.
    pub enum DeliveryStatus {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// Claimed by a worker, until its lease runs out.
        Sending = "sending",
        /// The endpoint answered 2xx.
        Delivered = "delivered",
        /// Parked after `webhooks.max_attempts` failed attempts; the organisation may retry it.
        Failed = "failed",
    }
}

/// An organisation's endpoint, as its admins read it: never the secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    pub organisation_id: Uuid,
    #[schema(example = "https://portal.example/clearinghouse-events")]
    pub url: String,
    pub description: String,
    pub event_types: Vec<EventType>,
    pub enabled: bool,
    /// Why the clearing house turned the endpoint off (repeated failures); null otherwise.
    pub disabled_reason: Option<String>,
    /// Failed messages in a row (parked after every attempt), reset by a delivered one.
    pub failed_messages: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Counts changes; also the `ETag`, which a change names in `If-Match`.
    pub version: i32,
}

/// One delivery of one event to one endpoint, as the delivery log shows it (not the body).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The `webhook-id` header: the same on every attempt and on a replay.
    #[schema(example = "msg_2b0c9a5c6f2f4b0e9d1a7c3e5f8a1b2c")]
    pub message_id: String,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// The HTTP status of the last answer; null when there was none (refused, timed out).
    pub last_response_status: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Bytes of randomness in a signing secret (Standard Webhooks asks for 24 to 64).
pub const SECRET_BYTES: usize = 32;

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A message id for the `webhook-id` header.
pub fn new_message_id() -> String {
    format!("msg_{}", Uuid::new_v4().simple())
}

/// The `webhook-signature` value for one attempt: `v1,` and the base64 of
/// HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}"). `None` for a secret that is not
/// `whsec_<base64>` (a stored value we did not write).
pub fn signature(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", engine.encode(mac.finalize().into_bytes())))
}

/// The body of a message: `{type, timestamp, data}`.
pub fn body(event: EventType, at: DateTime<Utc>, data: &serde_json::Value) -> String {
    serde_json::json!({
        "type": event.as_str(),
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": data,
    })
    .to_string()
}

/// Event types stored as `,a,b,` (one LIKE finds an endpoint that wants one).
pub fn encode_event_types(types: &[EventType]) -> String {
    let mut sorted: Vec<EventType> = types.to_vec();
    sorted.sort();
    sorted.dedup();
    let names: Vec<&str> = sorted.iter().map(|t| t.as_str()).collect();
    format!(",{},", names.join(","))
}

pub fn decode_event_types(stored: &str) -> Result<Vec<EventType>, String> {
    stored
        .split(',')
        .filter(|name| !name.is_empty())
        .map(|name| {
            name.parse()
                .map_err(|_| format!("stored event type `{name}`"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's test vectors.
    #[test]
    fn signs_as_the_specification_says() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let signed = signature(
            secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signed.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn secrets_carry_at_least_24_random_bytes() {
        let secret = new_secret();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        assert!(raw.len() >= 24);
        assert_ne!(secret, new_secret());
    }

    #[test]
    fn event_types_round_trip_and_name_their_item() {
        for &event in EventType::ALL {
            assert_eq!(event.as_str().parse::<EventType>().ok(), Some(event));
            assert_eq!(
                serde_json::to_value(event).unwrap(),
                serde_json::json!(event.as_str())
            );
        }
        let stored = encode_event_types(&[EventType::MatchActive, EventType::NeedPublished]);
        assert_eq!(stored, ",need.published,match.active,");
        assert_eq!(
            decode_event_types(&stored).unwrap(),
            [EventType::NeedPublished, EventType::MatchActive]
        );
        assert_eq!(
            EventType::of_item("offer", ItemEvent::Closed),
            EventType::OfferClosed
        );
    }
}

/// A new endpoint, as a client or a form sends it.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// An https URL (plain http only to hosts the operator allows).
    #[schema(
        example = "https://portal.example/clearinghouse-events",
        max_length = 2000
    )]
    pub url: String,
    /// What the endpoint is for, for the organisation's own people.
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// At least one.
    #[schema(min_items = 1)]
    pub event_types: Vec<EventType>,
    /// Default true.
    pub enabled: Option<bool>,
}

/// A change to an endpoint: the fields given are replaced, the others kept.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    #[schema(min_items = 1)]
    pub event_types: Option<Vec<EventType>>,
    /// Turning an endpoint on again forgives the failures that turned it off.
    pub enabled: Option<bool>,
}

/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 2000;
/// Longest description accepted, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 200;
/// Endpoints one organisation may have: every event is written once per endpoint.
pub const MAX_WEBHOOKS_PER_ORGANISATION: i64 = 10;

/// The URL's form (its address is checked by `ssrf`), the description and the event types.
pub fn check_fields(
    url: Option<&str>,
    description: Option<&str>,
    event_types: Option<&[EventType]>,
) -> Result<Option<url::Url>, Vec<crate::error::FieldError>> {
    use crate::error::FieldError;
    let mut errors = Vec::new();
    let mut parsed = None;
    if let Some(url) = url {
        if url.len() > MAX_URL_LEN {
            errors.push(FieldError::new(
                "url",
                "length",
                format!("must be at most {MAX_URL_LEN} characters"),
            ));
        } else {
            match url::Url::parse(url.trim()) {
                Ok(url) => parsed = Some(url),
                Err(_) => errors.push(FieldError::new("url", "format", "must be an absolute URL")),
            }
        }
    }
    if let Some(description) = description {
        if let Err(error) = crate::text::check("description", description) {
            errors.push(error);
        } else if description.chars().count() > MAX_DESCRIPTION_LEN {
            errors.push(FieldError::new(
                "description",
                "length",
                format!("must be at most {MAX_DESCRIPTION_LEN} characters"),
            ));
        }
    }
    if event_types.is_some_and(<[EventType]>::is_empty) {
        errors.push(FieldError::new(
            "event_types",
            "required",
            "name at least one event type",
        ));
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}
