//! Extractors that carry identity into handlers: a handler that takes `Coordinator` cannot
//! run for anyone else, so no handler can forget the check.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::accounts::model::Viewer;
use crate::auth::token::AccessClaims;
use crate::error::{ApiError, ProblemType};
use crate::state::AppState;

/// A signed-in user (any role): a valid bearer token is required.
#[derive(Debug, Clone)]
pub struct Authenticated(pub AccessClaims);

/// A signed-in coordinator.
#[derive(Debug, Clone)]
pub struct Coordinator(pub AccessClaims);

/// Whoever is asking: a signed-in user or an anonymous reader. A token that is present but
/// invalid is still refused, so that a client never silently reads as anonymous.
#[derive(Debug, Clone, Copy)]
pub struct MaybeAuthenticated(pub Viewer);

fn bearer(request: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not readable".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <access token>`".into(),
        )),
    }
}

fn claims(request: &HttpRequest) -> Result<Option<AccessClaims>, ApiError> {
    let Some(token) = bearer(request)? else {
        return Ok(None);
    };
    let state = request.app_data::<web::Data<AppState>>().ok_or_else(|| {
        tracing::error!("AppState is not registered with the application");
        ApiError::Internal
    })?;
    state
        .access_tokens
        .verify(token)
        .map(Some)
        .map_err(|_| ApiError::Unauthorized("the access token is invalid or has expired".into()))
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(claims(request).and_then(|claims| {
            claims.map(Authenticated).ok_or_else(|| {
                ApiError::Unauthorized("this endpoint needs a bearer access token".into())
            })
        }))
    }
}

impl FromRequest for Coordinator {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(
            Authenticated::from_request(request, payload)
                .into_inner()
                .and_then(|Authenticated(claims)| {
                    if claims.viewer().is_coordinator() {
                        Ok(Coordinator(claims))
                    } else {
                        Err(ApiError::refused(
                            ProblemType::CoordinatorsOnly,
                            "only coordinators may do this",
                        ))
                    }
                }),
        )
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(claims(request).map(|claims| {
            MaybeAuthenticated(claims.map_or(Viewer::Anonymous, |claims| claims.viewer()))
        }))
    }
}

/// The reader of a catalogue request: who they are and what their organisation is (verified,
/// which side), loaded fresh so that a verification takes effect at once.
impl FromRequest for crate::visibility::Reader {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claims = claims(request);
        let state = request.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Some(claims) = claims? else {
                return Ok(crate::visibility::Reader::ANONYMOUS);
            };
            let state = state.ok_or(ApiError::Internal)?;
            let organisation_id = claims.org;
            let organisation = state
                .db
                .read(move |conn| crate::accounts::store::find_organisation(conn, organisation_id))
                .await?
                .ok_or_else(|| {
                    ApiError::Unauthorized("the account's organisation no longer exists".into())
                })?;
            Ok(crate::visibility::Reader {
                viewer: claims.viewer(),
                organisation: Some(crate::visibility::ReaderOrganisation {
                    id: organisation.id,
                    verified: organisation.verified,
                    side: organisation.kind.side(),
                }),
            })
        })
    }
}
