//! Keyset pagination: a `limit` with a default and a ceiling, and a typed cursor that says
//! where the next page starts.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::db::ChangePosition;
use crate::error::{ApiError, FieldError, ProblemType};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// The page size asked for, or the default; outside 1..=MAX_LIMIT is a validation error.
pub fn page_limit(requested: Option<u32>) -> Result<usize, ApiError> {
    match requested.unwrap_or(DEFAULT_LIMIT) {
        limit @ 1..=MAX_LIMIT => Ok(limit as usize),
        _ => Err(FieldError::new(
            "limit",
            "range",
            format!("must be between 1 and {MAX_LIMIT}"),
        )
        .into()),
    }
}

/// A UUID as the cursors and the document write it (hyphenated, either case).
macro_rules! uuid_pattern {
    () => {
        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    };
}
pub(crate) use uuid_pattern;

/// Cursors are short typed text rather than opaque blobs, so that the document can state
/// their exact form (a `pattern`) and every string of that form is a position the server
/// accepts: a client or a fuzzer that follows the document never meets a refusal it could
/// not foresee. Anything else is a 400. A newest-first keyset cursor is the time of the last
/// item seen, in microseconds since 1970, and its id: `1764584400123456.<uuid>`.
pub const KEYSET_CURSOR_PATTERN: &str = concat!(r"^[0-9]{1,16}\.", uuid_pattern!(), "$");

/// A cursor of a list computed whole (candidates): the position of the next item.
pub const OFFSET_CURSOR_PATTERN: &str = "^[0-9]{1,9}$";

/// A sync cursor (`sort=updated`): the change number of the last item seen and its id,
/// `c.<change_seq>.<uuid>`. Change numbers are stamped at commit in commit order (the
/// `sync` migration says how), so the page after a cursor holds every later change.
pub const CHANGE_CURSOR_FORM: &str = r"c\.[0-9]{1,18}";

/// `c.<seq>.<uuid>` as a position (`None`: not of that form).
pub fn parse_change_cursor(text: &str) -> Option<ChangePosition> {
    let rest = text.strip_prefix("c.")?;
    let (seq, id) = rest.split_once('.')?;
    Some((digits(seq, 18)?, uuid_part(id)?))
}

pub fn change_cursor_text((seq, id): ChangePosition) -> String {
    format!("c.{seq}.{id}")
}

/// `text` as a number of at most `max_digits` ASCII digits (no sign, no spaces).
pub fn digits(text: &str, max_digits: usize) -> Option<i64> {
    let fits = (1..=max_digits).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    fits.then(|| text.parse().ok()).flatten()
}

/// `text` as a hyphenated UUID, the only form the cursors' pattern allows.
pub fn uuid_part(text: &str) -> Option<uuid::Uuid> {
    (text.len() == 36)
        .then(|| uuid::Uuid::try_parse(text).ok())
        .flatten()
}

/// A time written as microseconds since 1970 (at most 16 digits, so always in range).
pub fn micros_part(text: &str) -> Option<NaiveDateTime> {
    DateTime::<Utc>::from_timestamp_micros(digits(text, 16)?).map(|at| at.naive_utc())
}

pub fn micros_text(at: NaiveDateTime) -> String {
    at.and_utc().timestamp_micros().to_string()
}

/// A date written as days since 1 January of year 1 (at most 7 digits), as the catalogue's
/// date cursors carry it.
pub fn days_part(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_num_days_from_ce_opt(i32::try_from(digits(text, 7)?).ok()?)
}

pub fn days_text(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    day.num_days_from_ce().to_string()
}

fn bad_cursor() -> ApiError {
    ApiError::refused(
        ProblemType::InvalidCursor,
        "the cursor is not one this server issued",
    )
}

/// Parses a cursor with `parse`, or answers 400.
pub fn parse_cursor<T>(cursor: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(cursor).ok_or_else(bad_cursor)
}

/// The (time, id) after which a newest-first page starts: `None` for the first page.
pub fn keyset_after<Id: From<uuid::Uuid>>(
    cursor: Option<&str>,
) -> Result<Option<(NaiveDateTime, Id)>, ApiError> {
    cursor
        .map(|cursor| {
            parse_cursor(cursor, |text| {
                let (at, id) = text.split_once('.')?;
                Some((micros_part(at)?, Id::from(uuid_part(id)?)))
            })
        })
        .transpose()
}

/// Years both engines store as dates and timestamps (PostgreSQL starts in 4713 BC, chrono
/// reaches far beyond): what a cursor this server issued can hold.
const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Whether a cursor's time is one the server could have issued.
pub fn plausible_time(at: NaiveDateTime) -> bool {
    plausible_date(at.date())
}

/// Whether a cursor's date is one the server could have issued.
pub fn plausible_date(day: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    PLAUSIBLE_YEARS.contains(&day.year())
}

/// The cursor of the page after the one whose last item is `next` (`None`: the last page).
pub fn keyset_cursor<Id: std::fmt::Display>(next: Option<(NaiveDateTime, Id)>) -> Option<String> {
    next.map(|(at, id)| format!("{}.{id}", micros_text(at)))
}

/// Where a page of a list computed whole starts (0 without a cursor).
pub fn offset_after(cursor: Option<&str>) -> Result<usize, ApiError> {
    cursor
        .map(|cursor| parse_cursor(cursor, |text| digits(text, 9).map(|n| n as usize)))
        .transpose()
        .map(Option::unwrap_or_default)
}

pub fn offset_cursor(next: usize) -> String {
    next.to_string()
}

/// The schema of a `cursor` query parameter of the given form.
pub fn cursor_schema(pattern: &str) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(pattern))
        .description(Some(
            "Where the page starts: the `next_cursor` of the page before, as sent",
        ))
        .build()
}

pub fn keyset_cursor_schema() -> utoipa::openapi::Object {
    cursor_schema(KEYSET_CURSOR_PATTERN)
}

pub fn offset_cursor_schema() -> utoipa::openapi::Object {
    cursor_schema(OFFSET_CURSOR_PATTERN)
}

/// The query of a newest-first list: the list's own filters, then `limit` and `cursor` as
/// every such list documents them.
macro_rules! keyset_query {
    (
        $(#[$doc:meta])*
        pub struct $query:ident { $($(#[$field_doc:meta])* pub $field:ident: $type:ty,)* }
    ) => {
        $(#[$doc])*
        #[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $query {
            $($(#[$field_doc])* pub $field: $type,)*
            /// Page size, 1 to 100 (default 20).
            #[param(minimum = 1, maximum = 100)]
            pub limit: Option<u32>,
            /// `next_cursor` of the previous page.
            #[param(schema_with = $crate::http::pagination::keyset_cursor_schema)]
            pub cursor: Option<String>,
        }

        impl $query {
            /// The page size asked for and where the page starts: the limit checked first,
            /// then the cursor.
            // Not every list calls it: the organisation directory checks its country filter
            // between the limit and the cursor, and keeps that order of refusals.
            #[allow(dead_code)]
            pub fn window<Id: From<uuid::Uuid>>(
                &self,
            ) -> Result<(usize, Option<(chrono::NaiveDateTime, Id)>), $crate::error::ApiError>
            {
                let limit = $crate::http::pagination::page_limit(self.limit)?;
                let after = $crate::http::pagination::keyset_after(self.cursor.as_deref())?;
                Ok((limit, after))
            }
        }
    };
}
pub(crate) use keyset_query;

/// One page of a newest-first list of `$item`, and where the next starts.
macro_rules! keyset_page {
    ($page:ident of $item:ty) => {
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            pub items: Vec<$item>,
            /// Pass as `cursor` for the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }

        impl $page {
            /// The page of `items`, the next one starting after `next`.
            pub fn new<Id: std::fmt::Display>(
                items: Vec<$item>,
                next: Option<(chrono::NaiveDateTime, Id)>,
            ) -> Self {
                Self {
                    items,
                    next_cursor: $crate::http::pagination::keyset_cursor(next),
                }
            }
        }
    };
}
pub(crate) use keyset_page;

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
    fn change_cursors_round_trip_and_reject_anything_else() {
        let id = uuid::Uuid::new_v4();
        let text = change_cursor_text((42, id));
        assert_eq!(text, format!("c.42.{id}"));
        assert_eq!(parse_change_cursor(&text), Some((42, id)));
        for bad in [
            "c.",
            "c.-1.{id}",
            "c.1234567890123456789.{id}",
            "n.1.{id}",
            "c.1{id}",
        ] {
            let bad = bad.replace("{id}", &id.to_string());
            assert_eq!(parse_change_cursor(&bad), None, "{bad:?}");
        }
        let end = (0, crate::db::MAX_ID);
        assert_eq!(parse_change_cursor(&change_cursor_text(end)), Some(end));
    }

    #[test]
    fn offset_cursors_round_trip_and_reject_anything_else() {
        assert_eq!(offset_after(None).unwrap(), 0);
        assert_eq!(offset_after(Some(&offset_cursor(40))).unwrap(), 40);
        for bad in ["", "-1", "+1", " 1", "1.0", "1234567890", "x"] {
            assert!(offset_after(Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn keyset_cursors_round_trip_as_a_time_and_an_id() {
        let at = DateTime::parse_from_rfc3339("2026-11-24T10:00:00.123456Z")
            .unwrap()
            .naive_utc();
        let id = "0b5c7a52-4f7e-4d6b-9a39-3f5e2f1c9d10";
        let cursor = keyset_cursor(Some((at, id.to_owned()))).unwrap();
        assert_eq!(cursor, format!("1795514400123456.{id}"));
        assert_eq!(
            keyset_after(Some(&cursor)).unwrap(),
            Some((at, id.to_owned()))
        );
        assert_eq!(keyset_after::<String>(None).unwrap(), None);
        assert_eq!(keyset_cursor::<String>(None), None);
        let simple = id.replace('-', "");
        for bad in [
            "garbage",
            "",
            "1.x",
            "-1.{id}",
            "12345678901234567.{id}",
            "1.{simple}",
            "1{id}",
        ] {
            let bad = bad.replace("{id}", id).replace("{simple}", &simple);
            assert!(keyset_after::<String>(Some(&bad)).is_err(), "{bad:?}");
        }
    }
}
