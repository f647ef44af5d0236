//! What the sync lists (`sort=updated`, docs/API.md "Incremental sync") read from a query:
//! `updated_since`, an RFC 3339 timestamp, read exactly as the document's `format:
//! date-time` states it.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

/// `updated_since`: an inclusive entry point by time. A value that is not an RFC 3339
/// date-time is a query that does not parse (400), as the document says of any parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdatedSince(pub DateTime<Utc>);

impl UpdatedSince {
    /// As stored: UTC without zone (times are kept to the microsecond, so a finer `since`
    /// compares correctly as it is).
    pub fn naive_utc(self) -> NaiveDateTime {
        self.0.naive_utc()
    }

    /// RFC 3339 section 5.6 `date-time`, nothing laxer: chrono's parser also takes a space
    /// for the `T`, which JSON Schema's `date-time` does not.
    pub fn parse(text: &str) -> Option<Self> {
        let separator = text.as_bytes().get(10).copied();
        if !matches!(separator, Some(b'T' | b't')) {
            return None;
        }
        let at = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
        Some(Self(at))
    }
}

impl<'de> Deserialize<'de> for UpdatedSince {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom("updated_since must be an RFC 3339 date-time"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc3339_and_nothing_laxer() {
        let at = UpdatedSince::parse("2026-12-15T10:00:00.123456+01:00").unwrap();
        assert_eq!(at.0.to_rfc3339(), "2026-12-15T09:00:00.123456+00:00");
        assert!(UpdatedSince::parse("2026-12-15t10:00:00z").is_some());
        for bad in [
            "",
            "2026-12-15",
            "2026-12-15 10:00:00Z",
            "2026-12-15T10:00:00",
            "2026-13-15T10:00:00Z",
            "yesterday",
            "1765792800",
        ] {
            assert_eq!(UpdatedSince::parse(bad), None, "{bad:?}");
        }
    }
}
