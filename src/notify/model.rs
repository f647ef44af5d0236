//! The pure rules of email: which emails exist, which a user may turn off, how delivery
//! modes are chosen, and how long a failed message waits before its next attempt.

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

/// The retry policy: exponential backoff with jitter, capped, and a number of attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
}

/// What a failed attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    RetryIn(Duration),
    Dead,
}

impl RetryPolicy {
    /// After the `attempts`-th failed attempt (1 for the first): dead when the attempts are
    /// used up, else a wait of `base * 2^(attempts-1)`, capped, of which the upper half is
    /// random (`jitter` in [0, 1]) so that messages that failed together do not retry together.
    pub fn after_failure(&self, attempts: u32, jitter: f64) -> AfterFailure {
        if attempts >= self.max_attempts {
            return AfterFailure::Dead;
        }
        let exponent = attempts.saturating_sub(1).min(40);
        let full = self
            .base
            .checked_mul(1u32 << exponent.min(31))
            .unwrap_or(self.cap)
            .min(self.cap);
        let half = full / 2;
        AfterFailure::RetryIn(half + half.mul_f64(jitter.clamp(0.0, 1.0)))
    }
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

    const POLICY: RetryPolicy = RetryPolicy {
        base: Duration::from_secs(60),
        cap: Duration::from_secs(6 * 60 * 60),
        max_attempts: 8,
    };

    #[test]
    fn waits_double_from_one_minute_and_stop_at_the_cap() {
        let waits: Vec<_> = (1..8)
            .map(|attempt| match POLICY.after_failure(attempt, 1.0) {
                AfterFailure::RetryIn(wait) => wait.as_secs(),
                AfterFailure::Dead => panic!("attempt {attempt} is not the last"),
            })
            .collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3840]);
        let capped = RetryPolicy {
            max_attempts: 50,
            ..POLICY
        };
        assert_eq!(
            capped.after_failure(30, 1.0),
            AfterFailure::RetryIn(Duration::from_secs(6 * 60 * 60))
        );
    }

    #[test]
    fn the_last_attempt_makes_the_message_dead() {
        assert_eq!(POLICY.after_failure(8, 0.5), AfterFailure::Dead);
        assert_eq!(POLICY.after_failure(9, 0.5), AfterFailure::Dead);
    }

    proptest! {
        #[test]
        fn jitter_keeps_the_wait_between_half_and_full(attempt in 1u32..100, jitter in 0.0f64..=1.0) {
            let policy = RetryPolicy { max_attempts: 100, ..POLICY };
            if let AfterFailure::RetryIn(wait) = policy.after_failure(attempt, jitter) {
                let full = POLICY.base.saturating_mul(1 << (attempt - 1).min(31)).min(POLICY.cap);
                prop_assert!(wait >= full / 2 && wait <= full, "{wait:?} vs {full:?}");
            }
        }

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
