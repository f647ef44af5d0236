//! Keyset pagination: a `limit` with a default and a ceiling, and an opaque cursor that
//! encodes where the next page starts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ApiError, FieldError};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// The page size asked for, or the default; outside 1..=MAX_LIMIT is a validation error.
pub fn page_limit(requested: Option<u32>) -> Result<usize, ApiError> {
    match requested.unwrap_or(DEFAULT_LIMIT) {
        limit @ 1..=MAX_LIMIT => Ok(limit as usize),
        _ => Err(ApiError::validation(vec![FieldError::new(
            "limit",
            "range",
            format!("must be between 1 and {MAX_LIMIT}"),
        )])),
    }
}

/// Cursors are base64url JSON: opaque to clients, readable to us, and cheap to check.
pub fn encode_cursor(position: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

pub fn decode_cursor<T: DeserializeOwned>(cursor: &str) -> Result<T, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| ApiError::BadRequest("the cursor is not one this server issued".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_have_a_default_and_a_ceiling() {
        assert_eq!(page_limit(None).unwrap(), DEFAULT_LIMIT as usize);
        assert_eq!(page_limit(Some(100)).unwrap(), 100);
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(101)).is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = encode_cursor(&(1_700_000_000_123_456_i64, "abc"));
        let decoded: (i64, String) = decode_cursor(&cursor).unwrap();
        assert_eq!(decoded, (1_700_000_000_123_456, "abc".to_owned()));
        assert!(decode_cursor::<(i64, String)>("not-a-cursor!").is_err());
        assert!(decode_cursor::<(i64, String)>(&encode_cursor(&"wrong shape")).is_err());
    }
}
