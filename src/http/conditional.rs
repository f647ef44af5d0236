//! Versions as ETags, and `If-Match`: a change names the version it read, so that a change
//! made meanwhile is refused rather than overwritten unseen.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;

use crate::error::{ApiError, ProblemType};

/// The ETag of a version: strong, quoted.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// The version `If-Match` names: `None` for `*`; 428 when the header is missing.
pub fn required_if_match(request: &HttpRequest) -> Result<Option<i32>, ApiError> {
    optional_if_match(request)?.ok_or_else(|| {
        ApiError::PreconditionRequired(
            "send If-Match with the ETag you read, so that concurrent changes are not lost".into(),
        )
    })
}

/// `Some(None)` for `*`, `Some(Some(v))` for a version, `None` without the header.
pub fn optional_if_match(request: &HttpRequest) -> Result<Option<Option<i32>>, ApiError> {
    let Some(value) = request.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::refused(ProblemType::InvalidIfMatch, "If-Match is not readable"))?
        .trim();
    if value == "*" {
        return Ok(Some(None));
    }
    // Exactly the form IF_MATCH_PATTERN states, so that what the document allows is read.
    let version = value.strip_prefix("W/").unwrap_or(value);
    version
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .and_then(|digits| crate::http::pagination::digits(digits, 9))
        .and_then(|version| i32::try_from(version).ok())
        .map(|version| Some(Some(version)))
        .ok_or_else(|| {
            ApiError::refused(
                ProblemType::InvalidIfMatch,
                "If-Match must be an ETag this server sent, e.g. \"3\"",
            )
        })
}

/// `body` answered through `answer` (its status, perhaps a `Location`), its version as the
/// ETag.
pub fn versioned(
    mut answer: HttpResponseBuilder,
    version: i32,
    body: impl Serialize,
) -> HttpResponse {
    answer.insert_header(etag(version)).json(body)
}
