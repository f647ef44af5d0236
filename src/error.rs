//! `ApiError` and its RFC 9457 problem+json rendering: the only place that knows status codes.

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use url::Url;
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

/// Declares `ProblemType`: every kind of problem the service answers, each with its slug,
/// status and title, as one table. Responses, the `/problems` pages and the OpenAPI
/// document all read this table, so none of them can name a type the others do not know.
macro_rules! problem_types {
    ($($(#[$meta:meta])* $variant:ident = ($slug:literal, $status:literal, $title:literal)),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemType {
            $($(#[$meta])* $variant),+
        }

        impl ProblemType {
            /// Every type, in the order the list page shows them (by status).
            pub const ALL: &'static [ProblemType] = &[$(ProblemType::$variant),+];

            /// The last segment of the type's URI: `/problems/{slug}`.
            pub fn slug(self) -> &'static str {
                match self {
                    $(ProblemType::$variant => $slug),+
                }
            }

            pub fn status(self) -> StatusCode {
                let code: u16 = match self {
                    $(ProblemType::$variant => $status),+
                };
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }

            /// The problem document's `title`: the same for every occurrence of the type.
            pub fn title(self) -> &'static str {
                match self {
                    $(ProblemType::$variant => $title),+
                }
            }
        }
    };
}

problem_types! {
    BadRequest = ("bad-request", 400, "Bad request"),
    MalformedJson = ("malformed-json", 400, "The request body is not valid JSON"),
    InvalidParameter = ("invalid-parameter", 400, "A path or query parameter is not valid"),
    InvalidCursor = ("invalid-cursor", 400, "The cursor is not valid"),
    InvalidIfMatch = ("invalid-if-match", 400, "If-Match is not valid"),
    InvalidIdempotencyKey = ("invalid-idempotency-key", 400, "Idempotency-Key is not valid"),
    Unauthorized = ("unauthorized", 401, "Authentication required"),
    InvalidCredentials = ("invalid-credentials", 401, "The credentials were not accepted"),
    Forbidden = ("forbidden", 403, "Not allowed"),
    CoordinatorsOnly = ("coordinators-only", 403, "Coordinators only"),
    OrganisationNotVerified = ("organisation-not-verified", 403, "The organisation is not verified"),
    EmailNotVerified = ("email-not-verified", 403, "The email address is not verified"),
    OrgAdminsOnly = ("org-admins-only", 403, "Organisation admins only"),
    /// A client token whose scopes do not include the one the operation requires.
    InsufficientScope = ("insufficient-scope", 403, "The token's scopes do not allow this"),
    /// An operation that acts for a person (their account, their organisation's
    /// administration, the secretariat's work): API client tokens are refused.
    NotForApiClients = ("not-for-api-clients", 403, "Not available to API clients"),
    NotFound = ("not-found", 404, "Not found"),
    /// An emailed one-time link (address confirmation, password reset, invitation) that is
    /// unknown, expired or used: the link names nothing any more.
    LinkNotValid = ("link-not-valid", 404, "The link is not valid"),
    MethodNotAllowed = ("method-not-allowed", 405, "Method not allowed"),
    /// A conflict with the current state that no more specific type names.
    Conflict = ("conflict", 409, "Conflict"),
    InvalidTransition = ("invalid-transition", 409, "The action is not allowed in this state"),
    AlreadyAccepted = ("already-accepted", 409, "Already accepted"),
    CapacityExhausted = ("capacity-exhausted", 409, "No capacity left"),
    Unmatchable = ("unmatchable", 409, "The offer cannot meet the need"),
    ItemHasOpenMatch = ("item-has-open-match", 409, "The item has an open match"),
    ChangedMeanwhile = ("changed-meanwhile", 409, "Changed by another request"),
    PastEndDate = ("past-end-date", 409, "The end date has passed"),
    EmailTaken = ("email-taken", 409, "The email address is taken"),
    IdempotencyRequestInFlight = ("idempotency-request-in-flight", 409, "A request with this Idempotency-Key is in flight"),
    AlreadyVerified = ("already-verified", 409, "Already verified"),
    StaleVersion = ("stale-version", 412, "The item has changed"),
    PayloadTooLarge = ("payload-too-large", 413, "Request body too large"),
    UnsupportedMediaType = ("unsupported-media-type", 415, "Unsupported media type"),
    Validation = ("validation", 422, "The request is not valid"),
    IdempotencyKeyReused = ("idempotency-key-reused", 422, "The Idempotency-Key was used for another request"),
    IfMatchRequired = ("if-match-required", 428, "If-Match required"),
    RateLimited = ("rate-limited", 429, "Too many requests"),
    Internal = ("internal", 500, "Internal error"),
    Unavailable = ("unavailable", 503, "Service unavailable"),
}

impl ProblemType {
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.slug() == slug)
    }

    /// The type's URI: its page under the public URL, `{public_url}/problems/{slug}`.
    pub fn uri(self, public_url: &Url) -> String {
        let path = format!("problems/{}", self.slug());
        public_url
            .join(&path)
            .map_or_else(|_| format!("/{path}"), |url| url.to_string())
    }
}

/// An RFC 9457 problem document, as every error response carries it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// The kind of problem: an absolute URI, `{public_url}/problems/{slug}`, whose page says
    /// what it means and what to do. One per distinct refusal; compare it, not `title`.
    #[serde(rename = "type")]
    #[schema(
        format = "uri",
        example = "https://clearinghouse.example/problems/validation"
    )]
    pub problem_type: String,
    /// The same for every problem of this type.
    pub title: String,
    pub status: u16,
    /// This occurrence, for a person.
    pub detail: String,
    /// Extension member of `validation`: the field errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extension member of `invalid-transition`: the actions the item's current state allows
    /// (empty when the state is final).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub allowed_actions: Option<Vec<String>>,
    /// Extension member of `rate-limited`: seconds to wait, as in `Retry-After`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub retry_after: Option<u64>,
    /// Extension member of `item-has-open-match`: the matches in progress (approved or
    /// active) that hold the need or offer; each is `/api/v1/matches/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
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
    /// A client token without the scope the operation requires (RFC 6750 section 3.1: the
    /// answer names the scope in `WWW-Authenticate`).
    #[error("this operation needs the scope `{scope}`, which the access token does not have")]
    InsufficientScope { scope: &'static str },
    /// A fault of ours. The cause is logged by whoever builds this, never sent.
    #[error("internal error")]
    Internal,
    /// A refusal with a type of its own (the variants above carry their family's general
    /// type): `ApiError::refused(ProblemType::CapacityExhausted, "...")`.
    #[error("{detail}")]
    Refused {
        problem: ProblemType,
        detail: Cow<'static, str>,
        /// For `invalid-transition`: what the state allows instead.
        allowed_actions: Option<Vec<String>>,
        /// For `item-has-open-match`: the matches that hold the item.
        open_matches: Option<Vec<uuid::Uuid>>,
    },
}

/// One invalid field: a validation problem that names it.
impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        Self::validation(vec![error])
    }
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

    /// A refusal of the given type, in words for this occurrence.
    pub fn refused(problem: ProblemType, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::Refused {
            problem,
            detail: detail.into(),
            allowed_actions: None,
            open_matches: None,
        }
    }

    /// An action the current state does not allow, with what it does allow.
    pub fn invalid_transition(
        detail: impl Into<Cow<'static, str>>,
        allowed: impl IntoIterator<Item = impl ToString>,
    ) -> Self {
        Self::Refused {
            problem: ProblemType::InvalidTransition,
            detail: detail.into(),
            allowed_actions: Some(allowed.into_iter().map(|a| a.to_string()).collect()),
            open_matches: None,
        }
    }

    /// An item that matches in progress hold, with those matches.
    pub fn item_has_open_match(
        detail: impl Into<Cow<'static, str>>,
        matches: Vec<uuid::Uuid>,
    ) -> Self {
        Self::Refused {
            problem: ProblemType::ItemHasOpenMatch,
            detail: detail.into(),
            allowed_actions: None,
            open_matches: Some(matches),
        }
    }

    /// The type of this error: its slug, status and title.
    pub fn problem_type(&self) -> ProblemType {
        match self {
            Self::BadRequest(_) => ProblemType::BadRequest,
            Self::Unauthorized(_) => ProblemType::Unauthorized,
            Self::Forbidden(_) => ProblemType::Forbidden,
            Self::NotFound(_) => ProblemType::NotFound,
            Self::MethodNotAllowed(_) => ProblemType::MethodNotAllowed,
            Self::Conflict(_) => ProblemType::Conflict,
            Self::PreconditionFailed(_) => ProblemType::StaleVersion,
            Self::PreconditionRequired(_) => ProblemType::IfMatchRequired,
            Self::PayloadTooLarge(_) => ProblemType::PayloadTooLarge,
            Self::UnsupportedMediaType(_) => ProblemType::UnsupportedMediaType,
            Self::Validation { .. } => ProblemType::Validation,
            Self::TooManyRequests { .. } => ProblemType::RateLimited,
            Self::Unavailable => ProblemType::Unavailable,
            Self::InsufficientScope { .. } => ProblemType::InsufficientScope,
            Self::Internal => ProblemType::Internal,
            Self::Refused { problem, .. } => *problem,
        }
    }

    /// The problem document, its `type` under `public_url`. Without one (an error rendered
    /// outside a running server) the type is the path alone; the server's
    /// `problem_for_framework_errors` renders every problem it sends with its public URL.
    pub fn problem(&self, public_url: Option<&Url>) -> Problem {
        let kind = self.problem_type();
        let errors = match self {
            Self::Validation { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        let allowed_actions = match self {
            Self::Refused {
                allowed_actions, ..
            } => allowed_actions.clone(),
            _ => None,
        };
        let retry_after = match self {
            Self::TooManyRequests {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let open_matches = match self {
            Self::Refused { open_matches, .. } => open_matches.clone(),
            _ => None,
        };
        Problem {
            problem_type: public_url
                .map_or_else(|| format!("/problems/{}", kind.slug()), |url| kind.uri(url)),
            title: kind.title().to_owned(),
            status: kind.status().as_u16(),
            detail: self.to_string(),
            errors,
            allowed_actions,
            retry_after,
            open_matches,
        }
    }

    /// The problem+json body under `public_url`.
    pub fn body(&self, public_url: Option<&Url>) -> String {
        serde_json::to_string(&self.problem(public_url)).unwrap_or_default()
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.problem_type().status()
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
            Self::InsufficientScope { scope } => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\""),
                ));
            }
            _ => {}
        }
        response.body(self.body(None))
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
    fn the_registry_has_one_entry_per_slug_and_types_are_absolute() {
        let mut slugs: Vec<&str> = ProblemType::ALL.iter().map(|kind| kind.slug()).collect();
        assert!(slugs
            .iter()
            .all(|slug| slug.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemType::ALL.len(), "a slug is used twice");
        for &kind in ProblemType::ALL {
            assert_eq!(ProblemType::from_slug(kind.slug()), Some(kind));
            assert!(kind.status().is_client_error() || kind.status().is_server_error());
        }
        let base = Url::parse("https://clearinghouse.example/base/").unwrap();
        let problem = ApiError::invalid_transition("cannot", ["close"]).problem(Some(&base));
        assert_eq!(
            problem.problem_type,
            "https://clearinghouse.example/base/problems/invalid-transition"
        );
        assert_eq!(problem.status, 409);
        assert_eq!(problem.allowed_actions, Some(vec!["close".to_owned()]));
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
