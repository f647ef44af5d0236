//! Per-minute rate limits on the credential endpoints, keyed by client IP or by account.
//! Counted in the database, so that every instance sharing it enforces one limit
//! (docs/ARCHITECTURE.md, "Rate limits in the database", says why and how).

use std::sync::Arc;

use diesel::dsl::case_when;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::RateLimits;
use crate::db::schema::rate_limits;
use crate::db::{Conn, Database, StoreError};
use crate::dispatch;
use crate::error::ApiError;

const MICROS_PER_MINUTE: i64 = 60_000_000;

/// Turns a key (an address, an email) into what the table stores: a SHA-256 digest under a
/// secret every instance shares, so that an operator reading the table cannot recover the
/// keys by hashing every IPv4 address or a list of emails.
#[derive(Clone)]
pub struct KeyDigest {
    secret: Arc<[u8; 32]>,
}

impl KeyDigest {
    /// Derived from the server's signing secret, which every instance already shares, under a
    /// label of its own so that the digest reveals nothing about that secret's other use.
    pub fn from_secret(secret: &[u8]) -> Self {
        let derived = Sha256::new()
            .chain_update(b"clearinghouse rate-limit keys\0")
            .chain_update(secret)
            .finalize();
        Self {
            secret: Arc::new(derived.into()),
        }
    }

    fn digest(&self, limit: &str, key: &str) -> String {
        let digest = Sha256::new()
            .chain_update(self.secret.as_slice())
            .chain_update(limit.as_bytes())
            .chain_update([0])
            .chain_update(key.as_bytes())
            .finalize();
        digest.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// One named limit: `requests` per minute as a burst, refilling evenly (GCRA, as governor
/// counted before: after the burst, one more request every `60 / requests` seconds).
pub struct Limiter {
    name: &'static str,
    /// Microseconds between two requests at the sustained rate.
    emission_interval: i64,
    /// How far ahead of now the theoretical arrival time may be and still allow a request.
    tolerance: i64,
    keys: KeyDigest,
}

/// What one check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Refused; the next request of this key is allowed after this many microseconds.
    Refused {
        wait_micros: i64,
    },
}

impl Limiter {
    pub fn per_minute(name: &'static str, requests: u32, keys: KeyDigest) -> Self {
        let requests = i64::from(requests.max(1));
        let emission_interval = MICROS_PER_MINUTE / requests;
        Self {
            name,
            emission_interval,
            tolerance: emission_interval * (requests - 1),
            keys,
        }
    }

    /// Counts one request of `key`: `None` when allowed, else the seconds to wait. For use
    /// cases that answer with their own error.
    pub async fn count(&self, db: &Database, key: &str) -> Result<Option<u64>, StoreError> {
        let (name, key_hash) = (self.name, self.keys.digest(self.name, key));
        let (interval, tolerance) = (self.emission_interval, self.tolerance);
        // One statement, so no transaction: it is atomic on its own on both engines.
        let decision = db
            .query(move |conn| decide(conn, name, &key_hash, interval, tolerance, now_micros()))
            .await?;
        Ok(match decision {
            Decision::Allowed => None,
            // Rounded up, so that a client waiting as told is not refused again.
            Decision::Refused { wait_micros } => Some(
                u64::try_from(wait_micros.max(0))
                    .unwrap_or(0)
                    .div_ceil(1_000_000)
                    .max(1),
            ),
        })
    }

    /// Counts one request of `key`; past the limit, a 429 with the seconds to wait.
    pub async fn check(&self, db: &Database, key: &str) -> Result<(), ApiError> {
        match self.count(db, key).await? {
            None => Ok(()),
            Some(retry_after_seconds) => Err(ApiError::TooManyRequests {
                retry_after_seconds,
            }),
        }
    }
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// The GCRA step as one upsert: a new key starts at `now + interval`; a known key is allowed
/// when its theoretical arrival time (TAT) is at most `now + tolerance`, and then moves to
/// `max(TAT, now) + interval`; a refusal leaves the TAT and counts the refusal. PostgreSQL
/// locks the row for the statement and SQLite has one writer, so two instances checking the
/// same key at once are counted one after the other.
pub fn decide(
    conn: &mut Conn<'_>,
    name: &str,
    key_hash: &str,
    interval: i64,
    tolerance: i64,
    now: i64,
) -> Result<Decision, StoreError> {
    use rate_limits::dsl::{key_hash as key_col, limit_name, refused, tat_micros};
    let over = tat_micros.gt(now + tolerance);
    let (tat, refusals): (i64, i32) = dispatch!(conn, |c| diesel::insert_into(rate_limits::table)
        .values((
            limit_name.eq(name),
            key_col.eq(key_hash),
            tat_micros.eq(now + interval),
            refused.eq(0),
        ))
        .on_conflict((limit_name, key_col))
        .do_update()
        .set((
            tat_micros.eq(case_when(over, tat_micros)
                .when(tat_micros.gt(now), tat_micros + interval)
                .otherwise(now + interval)),
            refused.eq(case_when(over, refused + 1).otherwise(0)),
        ))
        .returning((tat_micros, refused))
        .get_result(c))?;
    Ok(if refusals == 0 {
        Decision::Allowed
    } else {
        Decision::Refused {
            wait_micros: tat - tolerance - now,
        }
    })
}

/// Forgets the keys whose quota has fully refilled: their rows say no more than no row.
pub fn forget_refilled(conn: &mut Conn<'_>) -> Result<usize, StoreError> {
    let now = now_micros();
    Ok(dispatch!(conn, |c| diesel::delete(
        rate_limits::table.filter(rate_limits::tat_micros.le(now))
    )
    .execute(c))?)
}

/// The limiters of every credential endpoint, shared by all workers; their counts live in the
/// database, shared by all instances.
pub struct RateLimiters {
    pub login_per_ip: Limiter,
    pub login_per_account: Limiter,
    pub register_per_ip: Limiter,
    pub refresh_per_ip: Limiter,
    /// Keyed by the inviting user's id: invitations email addresses nobody vouched for.
    pub invitations_per_user: Limiter,
    /// Keyed by the organisation's id, so that several admins together stay within one quota.
    pub invitations_per_organisation: Limiter,
    /// Keyed by the user's id: a new verification email goes to the same address again.
    pub verification_emails_per_user: Limiter,
    /// The OAuth 2.0 token endpoint, by client IP and by the client id it names.
    pub oauth_token_per_ip: Limiter,
    pub oauth_token_per_client: Limiter,
}

impl RateLimiters {
    pub fn new(limits: &RateLimits, keys: KeyDigest) -> Self {
        // Each limit's name is its setting's, and the first part of its rows' key.
        let limiter = |name, requests| Limiter::per_minute(name, requests, keys.clone());
        Self {
            login_per_ip: limiter("login_per_ip", limits.login_per_ip),
            login_per_account: limiter("login_per_account", limits.login_per_account),
            register_per_ip: limiter("register_per_ip", limits.register_per_ip),
            refresh_per_ip: limiter("refresh_per_ip", limits.refresh_per_ip),
            invitations_per_user: limiter("invitations_per_user", limits.invitations_per_user),
            invitations_per_organisation: limiter(
                "invitations_per_organisation",
                limits.invitations_per_organisation,
            ),
            verification_emails_per_user: limiter(
                "verification_emails_per_user",
                limits.verification_emails_per_user,
            ),
            oauth_token_per_ip: limiter("oauth_token_per_ip", limits.oauth_token_per_ip),
            oauth_token_per_client: limiter(
                "oauth_token_per_client",
                limits.oauth_token_per_client,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_hide_the_key_and_depend_on_the_secret_and_the_limit() {
        let keys = KeyDigest::from_secret(b"one secret");
        let digest = keys.digest("login_per_ip", "10.0.0.1");
        assert_eq!(digest.len(), 64);
        assert!(!digest.contains("10.0.0.1"));
        assert_eq!(digest, keys.digest("login_per_ip", "10.0.0.1"));
        assert_ne!(digest, keys.digest("register_per_ip", "10.0.0.1"));
        assert_ne!(
            digest,
            KeyDigest::from_secret(b"another secret").digest("login_per_ip", "10.0.0.1")
        );
    }

    #[test]
    fn the_burst_and_the_rate_follow_the_quota() {
        let limiter = Limiter::per_minute("test", 4, KeyDigest::from_secret(b"s"));
        assert_eq!(limiter.emission_interval, 15_000_000);
        assert_eq!(limiter.tolerance, 45_000_000);
        let one = Limiter::per_minute("test", 1, KeyDigest::from_secret(b"s"));
        assert_eq!(one.tolerance, 0);
    }
}
