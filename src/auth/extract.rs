//! Extractors that carry identity into handlers: a handler that takes `Coordinator` cannot
//! run for anyone else, so no handler can forget the check.
//!
//! A valid signature is not enough: the token's user is loaded (one indexed read, users
//! joined to their organisation) and the identity is the user's CURRENT role and
//! organisation, not the token's claims, so that a token outliving its user, or a change of
//! role or membership, grants nothing. An unknown user is a 401. The read is made once per
//! request and kept in the request's extensions for every extractor that asks again.
//!
//! A token may also be an API client's (OAuth 2.0 client credentials): the client is loaded
//! the same way (not revoked, at the token's secret generation, joined to its organisation's
//! current state), and acts as an ordinary member of its organisation within the token's
//! scopes. Which scope an operation needs is `clients::operations`' table, read here through
//! the route table on every request, before any handler runs.
//!
//! `authenticate_secured_operations` runs that check before any extractor for every
//! operation the OpenAPI document marks as needing a bearer token, so that such a request
//! without a valid identity is a 401 before its body is read (never a 400, 413, 415 or 422
//! that would answer an anonymous caller about the shape of a body it may not send).

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use uuid::Uuid;

use crate::accounts::model::Viewer;
use crate::auth::token::Verified;
use crate::clients::model::{Scope, Scopes};
use crate::error::{ApiError, ProblemType};
use crate::http::problems::RouteTable;
use crate::state::AppState;
use crate::visibility::Reader;

/// Who is calling: a person, or an organisation's API client with its token's scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    User(Uuid),
    Client { client_id: Uuid, scopes: Scopes },
}

/// The caller of a request, as the database has them now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub caller: Caller,
    /// The caller's current role and organisation (verified or not, which side); a client
    /// reads as a member of its organisation.
    pub reader: Reader,
}

impl Identity {
    pub fn viewer(&self) -> Viewer {
        self.reader.viewer
    }

    /// One key per caller, for anything kept per caller (idempotency records, limits):
    /// `user:<uuid>` or `client:<uuid>`, so a user and a client never share a key.
    pub fn caller_key(&self) -> String {
        match self.caller {
            Caller::User(user_id) => format!("user:{user_id}"),
            Caller::Client { client_id, .. } => format!("client:{client_id}"),
        }
    }

    /// Who the audit log names for this caller's changes.
    pub fn actor(&self) -> Option<crate::audit::Actor> {
        crate::audit::Actor::of(&self.reader.viewer).map(|(actor, _)| actor)
    }
}

/// A signed-in person (not an API client): what operations on one's own account take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserIdentity {
    pub user_id: Uuid,
    pub reader: Reader,
}

impl UserIdentity {
    pub fn viewer(&self) -> Viewer {
        self.reader.viewer
    }
}

/// A signed-in user (any role): a valid bearer token of an existing user is required; an
/// API client's token is refused (403).
#[derive(Debug, Clone, Copy)]
pub struct Authenticated(pub UserIdentity);

/// A signed-in coordinator (by the user's current role).
#[derive(Debug, Clone, Copy)]
pub struct Coordinator(pub UserIdentity);

/// Whoever is asking: a signed-in user or client, or an anonymous reader. A token that is
/// present but invalid is still refused, so that a client never silently reads as anonymous.
#[derive(Debug, Clone, Copy)]
pub struct MaybeAuthenticated(pub Viewer);

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// The extractors all read the caller with `identify` and differ only in what they make of
/// the identity (or its absence): `then`.
fn from_identity<T: 'static>(
    request: &HttpRequest,
    then: fn(Option<Identity>) -> Result<T, ApiError>,
) -> Boxed<T> {
    let request = request.clone();
    Box::pin(async move { then(identify(&request).await?) })
}

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

/// The identity already resolved for this request (by the guard or an earlier extractor).
#[derive(Clone, Copy)]
struct Resolved(Option<Identity>);

/// Who the request's bearer token names, loaded from the database once per request:
/// `None` without an `Authorization` header, 401 for a bad token, a user that does not
/// exist, or a client that is revoked or whose secret was rotated since.
pub async fn identify(request: &HttpRequest) -> Result<Option<Identity>, ApiError> {
    if let Some(Resolved(identity)) = request.extensions().get::<Resolved>().copied() {
        return Ok(identity);
    }
    let identity = match bearer(request)? {
        None => None,
        Some(token) => {
            let state = request.app_data::<web::Data<AppState>>().ok_or_else(|| {
                tracing::error!("AppState is not registered with the application");
                ApiError::Internal
            })?;
            let verified = state.access_tokens.verify_any(token).map_err(|_| {
                ApiError::Unauthorized("the access token is invalid or has expired".into())
            })?;
            Some(match verified {
                Verified::User(claims) => {
                    let user_id = claims.sub;
                    let reader = state
                        .db
                        .read(move |conn| crate::accounts::store::find_reader(conn, user_id))
                        .await?
                        .ok_or_else(|| {
                            ApiError::Unauthorized(
                                "the access token's user no longer exists".into(),
                            )
                        })?;
                    Identity {
                        caller: Caller::User(user_id),
                        reader,
                    }
                }
                Verified::Client(claims) => {
                    let (client_id, generation) = (claims.client_id, claims.r#gen);
                    let granted = Scopes::parse(&claims.scope).map_err(|_| {
                        ApiError::Unauthorized("the access token's scope is not valid".into())
                    })?;
                    let (reader, current) = state
                        .db
                        .read(move |conn| {
                            crate::clients::store::find_reader(conn, client_id, generation)
                        })
                        .await?
                        .ok_or_else(|| {
                            ApiError::Unauthorized(
                                "the access token's client was revoked or its secret rotated"
                                    .into(),
                            )
                        })?;
                    Identity {
                        caller: Caller::Client {
                            client_id,
                            scopes: granted.intersection(current),
                        },
                        reader,
                    }
                }
            })
        }
    };
    request.extensions_mut().insert(Resolved(identity));
    Ok(identity)
}

/// The person behind an identity; an API client is refused, for operations that act on a
/// person's own account or for the secretariat.
fn person(identity: Identity) -> Result<UserIdentity, ApiError> {
    match identity.caller {
        Caller::User(user_id) => Ok(UserIdentity {
            user_id,
            reader: identity.reader,
        }),
        Caller::Client { .. } => Err(not_for_clients()),
    }
}

fn not_for_clients() -> ApiError {
    ApiError::refused(
        ProblemType::NotForApiClients,
        "API client tokens may not call this operation; a person signs in for it",
    )
}

fn signed_in(identity: Option<Identity>) -> Result<Identity, ApiError> {
    identity
        .ok_or_else(|| ApiError::Unauthorized("this endpoint needs a bearer access token".into()))
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_identity(request, |identity| {
            person(signed_in(identity)?).map(Authenticated)
        })
    }
}

impl FromRequest for Coordinator {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_identity(request, |identity| {
            let identity = person(signed_in(identity)?)?;
            if identity.viewer().is_coordinator() {
                Ok(Coordinator(identity))
            } else {
                Err(ApiError::refused(
                    ProblemType::CoordinatorsOnly,
                    "only coordinators may do this",
                ))
            }
        })
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_identity(request, |identity| {
            Ok(MaybeAuthenticated(
                identity.map_or(Viewer::Anonymous, |identity| identity.viewer()),
            ))
        })
    }
}

/// The reader of a catalogue or matching request: who they are and what their organisation
/// is (verified, which side), loaded fresh so that a verification takes effect at once.
impl FromRequest for Reader {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_identity(request, |identity| {
            Ok(identity.map_or(Reader::ANONYMOUS, |identity| identity.reader))
        })
    }
}

/// Middleware: an operation documented as needing a token answers 401 before any
/// extractor (and so before the body is read) unless the request carries a valid token of
/// an existing user or a live client; a client's token is then held to the operation's
/// scope (403 `insufficient-scope`), or refused where the operation takes no client (403
/// `not-for-api-clients`). The identity it loads is kept for the handler's extractors.
pub async fn authenticate_secured_operations(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let security = if request.path().starts_with("/api/") {
        request
            .app_data::<web::Data<RouteTable>>()
            .and_then(|routes| routes.security(request.method().as_str(), request.path()))
    } else {
        None
    };
    if let Some(security) = security {
        let refusal = if security.requires_bearer || carries_bearer(request.request()) {
            match identify(request.request()).await {
                Ok(None) if security.requires_bearer => signed_in(None).err(),
                Ok(None) => None,
                Ok(Some(identity)) => within_scope(&identity, security.client_scope).err(),
                Err(error) => Some(error),
            }
        } else {
            None
        };
        if let Some(refusal) = refusal {
            // from_err keeps the ApiError on the response (`into_response` would drop it), so
            // that the problem renderer outside this middleware writes its `type` under the
            // public URL.
            let (request, _) = request.into_parts();
            return Ok(ServiceResponse::from_err(refusal, request));
        }
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

/// A bearer token is present (a Basic header, the token endpoint's, is not one).
fn carries_bearer(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
}

/// A person passes; a client passes only with the scope the operation requires.
fn within_scope(identity: &Identity, required: Option<Scope>) -> Result<(), ApiError> {
    match (identity.caller, required) {
        (Caller::User(_), _) => Ok(()),
        (Caller::Client { .. }, None) => Err(not_for_clients()),
        (Caller::Client { scopes, .. }, Some(scope)) if scopes.contains(scope) => Ok(()),
        (Caller::Client { .. }, Some(scope)) => Err(ApiError::InsufficientScope {
            scope: scope.as_str(),
        }),
    }
}

/// A `Reader` who must be signed in: what the operations documented as secured take, so that
/// a handler's signature says it cannot run anonymously (the middleware above refuses such a
/// request first; this keeps the rule true for a route mounted without it).
pub struct SignedIn(pub Reader);

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_identity(request, |identity| {
            signed_in(identity).map(|identity| SignedIn(identity.reader))
        })
    }
}
