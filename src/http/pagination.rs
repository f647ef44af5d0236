//! Keyset pagination: a `limit` with a default and a ceiling, and an opaque cursor that
//! encodes where the next page starts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, FieldError, ProblemType};

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
        .ok_or_else(|| {
            ApiError::refused(
                ProblemType::InvalidCursor,
                "the cursor is not one this server issued",
            )
        })
}

/// Where a newest-first keyset page starts, as its cursor carries it: the time and the id
/// of the last item seen. The time travels as RFC 3339 UTC so that a cursor reads the same
/// whatever the engine.
#[derive(Serialize, Deserialize)]
struct KeysetPosition<Id>(DateTime<Utc>, Id);

/// The (time, id) after which a newest-first page starts: `None` for the first page.
pub fn keyset_after<Id: DeserializeOwned>(
    cursor: Option<&str>,
) -> Result<Option<(NaiveDateTime, Id)>, ApiError> {
    let position = cursor
        .map(decode_cursor::<KeysetPosition<Id>>)
        .transpose()?;
    Ok(position.map(|KeysetPosition(at, id)| (at.naive_utc(), id)))
}

/// The cursor of the page after the one whose last item is `next` (`None`: the last page).
pub fn keyset_cursor<Id: Serialize>(next: Option<(NaiveDateTime, Id)>) -> Option<String> {
    next.map(|(at, id)| encode_cursor(&KeysetPosition(at.and_utc(), id)))
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

    #[test]
    fn keyset_cursors_round_trip_as_a_time_and_an_id() {
        let at = DateTime::parse_from_rfc3339("2026-11-24T10:00:00.123456Z")
            .unwrap()
            .naive_utc();
        let cursor = keyset_cursor(Some((at, "abc".to_owned()))).unwrap();
        let raw: (String, String) = decode_cursor(&cursor).unwrap();
        assert_eq!(
            raw,
            ("2026-11-24T10:00:00.123456Z".to_owned(), "abc".to_owned())
        );
        assert_eq!(
            keyset_after(Some(&cursor)).unwrap(),
            Some((at, "abc".to_owned()))
        );
        assert_eq!(keyset_after::<String>(None).unwrap(), None);
        assert_eq!(keyset_cursor::<String>(None), None);
        assert!(keyset_after::<String>(Some("garbage")).is_err());
    }
}
