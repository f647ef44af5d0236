//! The pure rules of idempotent requests: what a key may be, what makes two requests "the
//! same", and which answers are kept for replay.

use sha2::{Digest, Sha256};

/// The name of the request header.
pub const HEADER: &str = "Idempotency-Key";
/// The header a replayed answer carries (Stripe's name), so that a client can tell.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// How long an answer is kept and replayed (the draft's and Stripe's 24 hours).
pub const RETENTION: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// How long a claim holds its key while the request runs. A request takes well under a
/// second (a pooled connection is waited for 5 s at most); a claim older than this was left
/// by a process that died, and the next request with the key takes it over.
pub const LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
pub const MAX_KEY_LENGTH: usize = 255;
/// The pattern the document states: printable ASCII. Spaces at either end are trimmed by
/// HTTP on the way (` k` arrives as `k`, the same key), which the pattern does not forbid so
/// that a client sending one is not told it broke the document.
pub const KEY_PATTERN: &str = "^[ -~]+$";

/// An `Idempotency-Key` as a client sent it: 1 to 255 printable ASCII characters. The
/// draft's structured-field form (`"abc"`) is a key like any other: its quotes are part of it,
/// and a client that always sends the same form always names the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &[u8]) -> Result<Self, &'static str> {
        if raw.is_empty() || raw.len() > MAX_KEY_LENGTH {
            return Err("an Idempotency-Key has 1 to 255 characters");
        }
        if !raw.iter().all(|byte| (0x20..=0x7e).contains(byte)) {
            return Err(
                "an Idempotency-Key is printable ASCII (no control or non-ASCII characters)",
            );
        }
        // Checked just above: every byte is ASCII.
        Ok(Self(String::from_utf8_lossy(raw).into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What makes a repeat the same request: the method, the path with its query, and the bytes
/// of the body (a digest of them), so that a key reused for another request is recognised.
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut digest = Sha256::new();
    for part in [method.as_bytes(), path_and_query.as_bytes()] {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part);
    }
    digest.update(body);
    format!("{:x}", digest.finalize())
}

/// What becomes of a claimed key once its request has answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// The answer is the request's result: kept and replayed for every repeat.
    Keep,
    /// The answer says "try again" (a 5xx, a rate limit, a change that raced): the key is
    /// freed, so that the client's retry with the same key runs the request again rather than
    /// meeting the same temporary refusal for 24 hours.
    Free,
}

/// Which answers are kept: 2xx and 4xx are what the request decided (created, or refused for
/// a reason a retry does not change), so a retry gets them again; a 5xx is our failure and
/// nothing was committed (a refusal never commits), a 429 and a `changed-meanwhile` conflict
/// ask the client to come back, so those free the key. `retry_later` names the last two.
pub fn settle(status: u16, retry_later: bool) -> Settle {
    match status {
        200..=299 => Settle::Keep,
        429 => Settle::Free,
        400..=499 if !retry_later => Settle::Keep,
        _ => Settle::Free,
    }
}

/// The response headers a replay repeats: what a client reads besides the body.
pub const KEPT_HEADERS: [&str; 4] = ["content-type", "location", "etag", "allow"];

/// A kept answer, as replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_printable_ascii_characters() {
        assert!(IdempotencyKey::parse(b"8e03978e-40d5-43e8-bc93-6894a57f9324").is_ok());
        assert!(IdempotencyKey::parse(b"\"quoted\" with spaces").is_ok());
        assert!(IdempotencyKey::parse(&[b'k'; 255]).is_ok());
        assert!(IdempotencyKey::parse(&[b'k'; 256]).is_err());
        assert!(IdempotencyKey::parse(b"").is_err());
        assert!(IdempotencyKey::parse(b"tab\there").is_err());
        assert!(IdempotencyKey::parse("clé".as_bytes()).is_err());
    }

    #[test]
    fn the_fingerprint_separates_method_path_and_body() {
        let base = fingerprint("POST", "/api/v1/needs", b"{}");
        assert_eq!(base, fingerprint("POST", "/api/v1/needs", b"{}"));
        assert_ne!(base, fingerprint("PATCH", "/api/v1/needs", b"{}"));
        assert_ne!(base, fingerprint("POST", "/api/v1/offers", b"{}"));
        assert_ne!(base, fingerprint("POST", "/api/v1/needs", b"{ }"));
        // The lengths are part of it: moving bytes between path and body is another request.
        assert_ne!(
            fingerprint("POST", "/a", b"b"),
            fingerprint("POST", "/ab", b"")
        );
    }

    #[test]
    fn decisions_are_kept_and_failures_free_the_key() {
        assert_eq!(settle(201, false), Settle::Keep);
        assert_eq!(settle(200, false), Settle::Keep);
        assert_eq!(settle(404, false), Settle::Keep);
        assert_eq!(settle(422, false), Settle::Keep);
        assert_eq!(settle(409, false), Settle::Keep);
        assert_eq!(settle(409, true), Settle::Free);
        assert_eq!(settle(429, false), Settle::Free);
        assert_eq!(settle(500, false), Settle::Free);
        assert_eq!(settle(503, false), Settle::Free);
    }
}
