//! The pure rules of a leased queue: how long a failed item waits before its next attempt,
//! when it is parked instead, and when a worker gives a claimed item back untried.

use std::time::Duration;

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
    /// The attempts are used up: the item is parked (a dead email, a failed delivery) until
    /// a person retries it.
    Dead,
}

impl RetryPolicy {
    /// After the `attempts`-th failed attempt (1 for the first): dead when the attempts are
    /// used up, else a wait of `base * 2^(attempts-1)`, capped, of which the upper half is
    /// random (`jitter` in [0, 1]) so that items that failed together do not retry together.
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

/// Whether a claimed item is given back untried: the worker is stopping, or too little of
/// the lease is left (`margin`, the longest an attempt may take) to settle it before another
/// worker may take it. Either way the item is due again at once and the claim is not counted.
pub fn give_back(
    stopping: bool,
    now: chrono::NaiveDateTime,
    margin: chrono::Duration,
    lease_until: chrono::NaiveDateTime,
) -> bool {
    stopping || now + margin > lease_until
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
    fn the_last_attempt_parks_the_item() {
        assert_eq!(POLICY.after_failure(8, 0.5), AfterFailure::Dead);
        assert_eq!(POLICY.after_failure(9, 0.5), AfterFailure::Dead);
        let once = RetryPolicy {
            max_attempts: 1,
            ..POLICY
        };
        assert_eq!(once.after_failure(1, 0.0), AfterFailure::Dead);
    }

    #[test]
    fn no_jitter_waits_half_the_full_wait() {
        assert_eq!(
            POLICY.after_failure(3, 0.0),
            AfterFailure::RetryIn(Duration::from_secs(120))
        );
        // Jitter outside [0, 1] is clamped, not trusted.
        assert_eq!(
            POLICY.after_failure(3, 7.0),
            AfterFailure::RetryIn(Duration::from_secs(240))
        );
    }

    #[test]
    fn an_item_is_given_back_when_stopping_or_short_of_lease() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc();
        let margin = chrono::Duration::seconds(10);
        let lease_until = now + chrono::Duration::seconds(60);
        assert!(!give_back(false, now, margin, lease_until));
        assert!(give_back(true, now, margin, lease_until));
        assert!(give_back(
            false,
            now + chrono::Duration::seconds(51),
            margin,
            lease_until
        ));
        assert!(!give_back(
            false,
            now + chrono::Duration::seconds(50),
            margin,
            lease_until
        ));
    }

    proptest! {
        #[test]
        fn jitter_keeps_the_wait_between_half_and_full(attempt in 1u32..100, jitter in 0.0f64..=1.0) {
            let policy = RetryPolicy { max_attempts: 100, ..POLICY };
            match policy.after_failure(attempt, jitter) {
                AfterFailure::RetryIn(wait) => {
                    let full = POLICY.base.saturating_mul(1 << (attempt - 1).min(31)).min(POLICY.cap);
                    prop_assert!(wait >= full / 2 && wait <= full, "{wait:?} vs {full:?}");
                }
                AfterFailure::Dead => prop_assert!(false, "attempt {attempt} of 100 parked"),
            }
        }

        #[test]
        fn waits_never_pass_the_cap_and_never_shrink(
            attempt in 1u32..60,
            base_ms in 1u64..600_000,
            cap_s in 1u64..200_000,
        ) {
            let policy = RetryPolicy {
                base: Duration::from_millis(base_ms),
                cap: Duration::from_secs(cap_s),
                max_attempts: 1000,
            };
            let wait = |attempt| match policy.after_failure(attempt, 1.0) {
                AfterFailure::RetryIn(wait) => wait,
                AfterFailure::Dead => Duration::MAX,
            };
            prop_assert!(wait(attempt) <= policy.cap);
            prop_assert!(wait(attempt) <= wait(attempt + 1));
        }

        #[test]
        fn an_item_is_parked_exactly_from_its_last_attempt(max in 1u32..50, attempt in 1u32..100, jitter in 0.0f64..=1.0) {
            let policy = RetryPolicy { max_attempts: max, ..POLICY };
            let parked = policy.after_failure(attempt, jitter) == AfterFailure::Dead;
            prop_assert_eq!(parked, attempt >= max);
        }
    }
}
