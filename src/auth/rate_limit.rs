//! Per-minute rate limits on the credential endpoints, keyed by client IP or by account.
//! Kept in memory: each instance limits on its own (docs/ARCHITECTURE.md says why).

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::RateLimits;
use crate::error::ApiError;

/// Past this many remembered keys, keys whose quota has fully refilled are forgotten.
const MAX_REMEMBERED_KEYS: usize = 10_000;

pub struct Limiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl Limiter {
    fn per_minute(requests: u32) -> Self {
        let requests = NonZeroU32::new(requests).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(requests)),
        }
    }

    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        if self.limiter.len() > MAX_REMEMBERED_KEYS {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                ApiError::TooManyRequests {
                    retry_after_seconds: wait.as_secs().max(1),
                }
            })
    }
}

/// The limiters of every credential endpoint, shared by all workers.
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
}

impl RateLimiters {
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            login_per_ip: Limiter::per_minute(limits.login_per_ip),
            login_per_account: Limiter::per_minute(limits.login_per_account),
            register_per_ip: Limiter::per_minute(limits.register_per_ip),
            refresh_per_ip: Limiter::per_minute(limits.refresh_per_ip),
            invitations_per_user: Limiter::per_minute(limits.invitations_per_user),
            invitations_per_organisation: Limiter::per_minute(limits.invitations_per_organisation),
            verification_emails_per_user: Limiter::per_minute(limits.verification_emails_per_user),
        }
    }
}

/// The key for per-IP limits: the TCP peer. Forwarded-for headers are not trusted, since any
/// client could set them to dodge the limit.
pub fn client_ip(request: &HttpRequest) -> String {
    request
        .peer_addr()
        .map(|addr| addr.ip())
        .map_or_else(|| "unknown".to_owned(), |ip: IpAddr| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_quota_with_a_wait() {
        let limiter = Limiter::per_minute(2);
        assert!(limiter.check("10.0.0.1").is_ok());
        assert!(limiter.check("10.0.0.1").is_ok());
        match limiter.check("10.0.0.1") {
            Err(ApiError::TooManyRequests {
                retry_after_seconds,
            }) => assert!((1..=60).contains(&retry_after_seconds)),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert!(
            limiter.check("10.0.0.2").is_ok(),
            "other keys keep their own quota"
        );
    }
}
