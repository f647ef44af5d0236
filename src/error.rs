//! `ApiError` and its RFC 9457 problem+json rendering: the only place that knows status codes.

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request body: where, and what is wrong with it in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's path in the request, dotted for nested objects (`organisation.country`).
    pub field: String,
    /// A machine-readable reason (`length`, `email`, `country`, `range`, ...).
    pub code: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document, as every error response carries it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The field errors of a failed validation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(flatten)]
    pub members: ProblemMembers,
}

/// Members that some problem types add for a client to act on (RFC 9457 extension
/// members); absent from the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProblemMembers {
    /// `item-has-open-match`: the matches in progress (approved or active) that hold the
    /// need or offer; each is `/api/v1/matches/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_matches: Option<Vec<uuid::Uuid>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(Cow<'static, str>),
    #[error("{0}")]
    Unauthorized(Cow<'static, str>),
    #[error("{0}")]
    Forbidden(Cow<'static, str>),
    #[error("{0}")]
    NotFound(Cow<'static, str>),
    #[error("{0}")]
    MethodNotAllowed(Cow<'static, str>),
    #[error("{0}")]
    Conflict(Cow<'static, str>),
    #[error("{0}")]
    PreconditionFailed(Cow<'static, str>),
    #[error("{0}")]
    PayloadTooLarge(Cow<'static, str>),
    #[error("{0}")]
    UnsupportedMediaType(Cow<'static, str>),
    #[error("{detail}")]
    Validation {
        detail: Cow<'static, str>,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    PreconditionRequired(Cow<'static, str>),
    #[error("too many requests; retry in {retry_after_seconds} s")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("the service is temporarily unavailable")]
    Unavailable,
    /// A fault of ours. The cause is logged by whoever builds this, never sent.
    #[error("internal error")]
    Internal,
    /// A refusal with a problem type of its own, so that a client tells it apart from the
    /// other refusals of its status; built by `ApiError::refused`.
    #[error("{detail}")]
    Refused {
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: Cow<'static, str>,
        members: ProblemMembers,
    },
}

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message).into(),
            _ => format!("{} fields are invalid", errors.len()).into(),
        };
        Self::Validation { detail, errors }
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("no {what} with that id").into())
    }

    /// A refusal of its own problem type (`/problems/{slug}`).
    pub fn refused(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::Refused {
            status,
            slug,
            title,
            detail: detail.into(),
            members: ProblemMembers::default(),
        }
    }

    /// The same refusal, carrying `members` for the client.
    pub fn with_members(self, members: ProblemMembers) -> Self {
        match self {
            Self::Refused {
                status,
                slug,
                title,
                detail,
                ..
            } => Self::Refused {
                status,
                slug,
                title,
                detail,
                members,
            },
            other => other,
        }
    }

    /// The problem `type` slug, title and status of this error.
    fn kind(&self) -> (&'static str, &'static str, StatusCode) {
        match self {
            Self::BadRequest(_) => ("bad-request", "Bad request", StatusCode::BAD_REQUEST),
            Self::Unauthorized(_) => (
                "unauthorized",
                "Authentication required",
                StatusCode::UNAUTHORIZED,
            ),
            Self::Forbidden(_) => ("forbidden", "Not allowed", StatusCode::FORBIDDEN),
            Self::NotFound(_) => ("not-found", "Not found", StatusCode::NOT_FOUND),
            Self::MethodNotAllowed(_) => (
                "method-not-allowed",
                "Method not allowed",
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            Self::Conflict(_) => ("conflict", "Conflict", StatusCode::CONFLICT),
            Self::PreconditionFailed(_) => (
                "stale-version",
                "The item has changed",
                StatusCode::PRECONDITION_FAILED,
            ),
            Self::PreconditionRequired(_) => (
                "if-match-required",
                "If-Match required",
                StatusCode::PRECONDITION_REQUIRED,
            ),
            Self::PayloadTooLarge(_) => (
                "payload-too-large",
                "Request body too large",
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            Self::UnsupportedMediaType(_) => (
                "unsupported-media-type",
                "Unsupported media type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            Self::Validation { .. } => (
                "validation",
                "The request is not valid",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Self::TooManyRequests { .. } => (
                "rate-limited",
                "Too many requests",
                StatusCode::TOO_MANY_REQUESTS,
            ),
            Self::Unavailable => (
                "unavailable",
                "Service unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            Self::Internal => (
                "internal",
                "Internal error",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
            Self::Refused {
                slug,
                title,
                status,
                ..
            } => (slug, title, *status),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title, status) = self.kind();
        let errors = match self {
            Self::Validation { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        let members = match self {
            Self::Refused { members, .. } => members.clone(),
            _ => ProblemMembers::default(),
        };
        Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            errors,
            members,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind().2
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            Self::Unauthorized(_) => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            Self::TooManyRequests {
                retry_after_seconds,
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        Self::validation(field_errors(&errors))
    }
}

/// The derive-based checks' verdict as field errors, dotted paths for nested fields, in the
/// order of their paths.
pub fn field_errors(errors: &validator::ValidationErrors) -> Vec<FieldError> {
    let mut fields = Vec::new();
    flatten_validation_errors("", errors, &mut fields);
    fields.sort_by(|a, b| a.field.cmp(&b.field));
    fields
}

fn flatten_validation_errors(
    prefix: &str,
    errors: &validator::ValidationErrors,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let message = error
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| format!("is not a valid value ({})", error.code));
                    out.push(FieldError::new(
                        path.clone(),
                        error.code.to_string(),
                        message,
                    ));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten_validation_errors(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten_validation_errors(&format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    #[actix_web::test]
    async fn renders_problem_json_with_field_errors() {
        let error = ApiError::validation(vec![FieldError::new(
            "email",
            "email",
            "is not an email address",
        )]);
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            PROBLEM_JSON
        );
        let body: serde_json::Value =
            serde_json::from_slice(&to_bytes(response.into_body()).await.unwrap()).unwrap();
        assert_eq!(body["type"], "/problems/validation");
        assert_eq!(body["status"], 422);
        assert_eq!(body["detail"], "email: is not an email address");
        assert_eq!(body["errors"][0]["field"], "email");
    }

    #[test]
    fn rate_limit_carries_retry_after() {
        let response = ApiError::TooManyRequests {
            retry_after_seconds: 7,
        }
        .error_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "7");
    }
}
