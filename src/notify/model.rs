//! The pure rules of email: which emails exist, which a user may turn off, how delivery
//! modes are chosen, and the digest's windows. How long a failed message waits before its
//! next attempt is the leased queue's rule (`crate::queue::schedule`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::vocabulary;

/// Emails about the account itself. They are sent whatever the preferences say and carry no
/// unsubscribe header: a user cannot turn off their own password reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountEmail {
    VerifyEmail,
    PasswordReset,
    Invitation,
}

impl AccountEmail {
    pub const ALL: [AccountEmail; 3] = [Self::VerifyEmail, Self::PasswordReset, Self::Invitation];

    /// The template folder under `templates/email/`.
    pub fn template(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::PasswordReset => "password_reset",
            Self::Invitation => "invitation",
        }
    }
}

/// Events a user may receive immediately, in the daily digest, or not at all. Each has a
/// template folder named like its JSON value. Later areas (needs, offers, matches) add theirs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The user's organisation was verified by a coordinator (sent to its org admins).
    OrganisationVerified,
    /// A match was proposed and waits for a decision (sent to coordinators).
    MatchProposed,
    /// A match was approved, rejected, accepted by both, declined, completed or cancelled
    /// (sent to the org admins of both sides).
    MatchUpdated,
    /// New candidates for one of the organisation's needs or offers (to its org admins).
    NewCandidates,
    /// One of the organisation's needs or offers was published (to its org admins).
    ItemPublished,
    /// A match has waited days for the recipient's answer: a coordinator's decision, or a
    /// side's acceptance (sent once per wait).
    MatchWaiting,
    /// One of the organisation's open needs expires soon (to its org admins, with a link to
    /// reconfirm it).
    NeedExpiring,
    /// A match was completed: the recipient's side is asked how it went.
    OutcomeRequested,
    /// Emails that could not be delivered in the last period (to coordinators).
    DeadLetters,
    /// One of the organisation's webhooks kept failing and was turned off (to its org admins).
    WebhookDisabled,
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
        Self::OrganisationVerified,
        Self::MatchProposed,
        Self::MatchUpdated,
        Self::NewCandidates,
        Self::ItemPublished,
        Self::MatchWaiting,
        Self::NeedExpiring,
        Self::OutcomeRequested,
        Self::DeadLetters,
        Self::WebhookDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrganisationVerified => "organisation_verified",
            Self::MatchProposed => "match_proposed",
            Self::MatchUpdated => "match_updated",
            Self::NewCandidates => "new_candidates",
            Self::ItemPublished => "item_published",
            Self::MatchWaiting => "match_waiting",
            Self::NeedExpiring => "need_expiring",
            Self::OutcomeRequested => "outcome_requested",
            Self::DeadLetters => "dead_letters",
            Self::WebhookDisabled => "webhook_disabled",
        }
    }

    /// The template folder under `templates/email/`.
    pub fn template(self) -> &'static str {
        self.as_str()
    }

    /// What a user gets when they have said nothing.
    pub fn default_mode(self) -> DeliveryMode {
        DeliveryMode::Immediate
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
            .ok_or(())
    }
}

vocabulary! {
    /// How a user wants one kind of event.
    pub enum DeliveryMode {
        /// One email per event, as it happens.
        Immediate = "immediate",
        /// Gathered into one email a day.
        Daily = "daily",
        /// Not emailed.
        Off = "off",
    }
}

vocabulary! {
    /// Where an outbox row is in its life.
    pub enum OutboxStatus {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// Claimed by a worker, until its lease runs out.
        Sending = "sending",
        /// Accepted by the mail server (or written to the mail folder).
        Sent = "sent",
        /// Failed `max_attempts` times; a coordinator may retry it.
        Dead = "dead",
    }
}

/// An outbox message as coordinators see it: where it goes and how its delivery went, but
/// never its body (which may hold a single-use token).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxEntry {
    pub id: uuid::Uuid,
    /// The `Message-ID` header, the same on every attempt.
    pub message_id: String,
    /// The template: `verify_email`, `password_reset`, `invitation`, `digest` or an event kind.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The start of the digest window that `now` falls in: windows are `period` long and aligned
/// on the Unix epoch (a daily period starts at 00:00 UTC).
pub fn digest_window_start(now: chrono::NaiveDateTime, period: Duration) -> chrono::NaiveDateTime {
    let period_micros = (period.as_micros().max(1)) as i64;
    let micros = now.and_utc().timestamp_micros();
    let start = micros - micros.rem_euclid(period_micros);
    chrono::DateTime::from_timestamp_micros(start)
        .map(|start| start.naive_utc())
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn digest_windows_contain_their_instant(seconds in 0i64..4_000_000_000, period in 1u64..200_000) {
            let now = chrono::DateTime::from_timestamp(seconds, 0).unwrap().naive_utc();
            let start = digest_window_start(now, Duration::from_secs(period));
            prop_assert!(start <= now);
            prop_assert!(now - start < chrono::Duration::seconds(period as i64));
            prop_assert_eq!(start.and_utc().timestamp() % period as i64, 0);
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
        }
        for &mode in DeliveryMode::ALL {
            assert_eq!(mode.as_str().parse::<DeliveryMode>().ok(), Some(mode));
        }
        for &status in OutboxStatus::ALL {
            assert_eq!(status.as_str().parse::<OutboxStatus>().ok(), Some(status));
        }
    }
}
