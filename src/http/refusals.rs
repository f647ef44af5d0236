//! Refusals that many routes answer in the same words, documented once as utoipa
//! `IntoResponses`: those the extractors give (no access token, not a coordinator) and
//! those of a request's edge (malformed JSON, rate limits). A route lists them beside its
//! own refusals in `responses(...)`.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::error::PROBLEM_JSON;

/// Documented problem+json answers, one per (status, description).
pub fn problems<D: AsRef<str>>(entries: &[(u16, D)]) -> BTreeMap<String, RefOr<Response>> {
    entries
        .iter()
        .map(|(status, description)| {
            let response = ResponseBuilder::new()
                .description(description.as_ref())
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// A set of documented refusals as a utoipa `IntoResponses` type, named once so that the
/// routes answering them list the type instead of repeating each (status, description).
/// Declarative only: the type carries no behaviour, the routes still answer what they answer.
macro_rules! documented_refusals {
    ($($(#[$doc:meta])* $vis:vis $name:ident = [$($entry:expr),+ $(,)?];)+) => {$(
        $(#[$doc])*
        $vis struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::Response>,
            > {
                $crate::http::refusals::problems(&[$($entry),+])
            }
        }
    )+};
}
pub(crate) use documented_refusals;

pub const NO_TOKEN: (u16, &str) = (401, "No valid access token");

documented_refusals! {
    /// What `Authenticated` answers without a valid bearer token.
    pub NoToken = [NO_TOKEN];
    /// What `Coordinator` answers: no valid token, or a token of someone else.
    pub CoordinatorsOnly = [NO_TOKEN, (403, "The caller is not a coordinator")];
    /// A JSON body that does not parse.
    pub MalformedJson = [(400, "Malformed JSON")];
    /// A rate limit of the caller's address or account is spent.
    pub RateLimited = [(429, "Rate limited")];
    /// An emailed link's token that cannot be used (again).
    pub LinkNotValid = [(404, "The token is unknown, expired or used (`/problems/link-not-valid`)")];
}

/// Refusals with a problem type of their own, answered by more than one area: the slug is
/// what a client branches on, the detail what a person reads.
pub mod distinct {
    use std::borrow::Cow;

    use uuid::Uuid;

    use crate::error::{ApiError, ProblemType};

    /// Publishing, proposing and inviting need the acting person's address confirmed.
    pub fn email_not_verified(detail: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::refused(ProblemType::EmailNotVerified, detail)
    }

    /// Inviting needs the organisation verified by a coordinator.
    pub fn organisation_not_verified(detail: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::refused(ProblemType::OrganisationNotVerified, detail)
    }

    /// Matches in progress hold the item, listed in `open_matches`.
    pub fn item_has_open_match(
        detail: impl Into<Cow<'static, str>>,
        matches: Vec<Uuid>,
    ) -> ApiError {
        ApiError::item_has_open_match(detail, matches)
    }

    /// A guarded write lost a race to another request; retrying after a fresh read is safe.
    pub fn changed_meanwhile(detail: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::refused(ProblemType::ChangedMeanwhile, detail)
    }
}
