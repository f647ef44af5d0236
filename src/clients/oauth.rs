//! `POST /api/v1/oauth/token`: the OAuth 2.0 client credentials grant (RFC 6749 section
//! 4.4). The request is a form; the answer is RFC 6749's JSON, errors included (section 5.2,
//! not problem+json: OAuth libraries read `error`), so `problem_for_framework_errors` leaves
//! this path's JSON errors as they are (`is_oauth_answer`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clients::model::Scopes;
use crate::clients::service::{self, TokenRefusal};
use crate::http::client_ip::client_ip;
use crate::state::AppState;

pub const TOKEN_PATH: &str = "/api/v1/oauth/token";

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(token);
}

/// Whether a response is this endpoint's own JSON answer, which the problem renderer keeps.
pub fn is_oauth_answer(path: &str, content_type: Option<&HeaderValue>) -> bool {
    path == TOKEN_PATH
        && content_type.is_some_and(|value| value.as_bytes().starts_with(b"application/json"))
}

/// The token request's form (RFC 6749 sections 4.4.2 and 2.3.1).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the form; the handler reads the pairs itself
pub struct TokenRequest {
    /// Always `client_credentials`.
    #[schema(example = "client_credentials")]
    grant_type: String,
    /// Space-separated subset of the client's scopes; absent: all of them.
    #[schema(example = "needs:read needs:write")]
    scope: Option<String>,
    /// With `client_secret`, instead of HTTP Basic (not both).
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// A successful token answer (RFC 6749 section 5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds the token is valid.
    pub expires_in: u64,
    /// The scopes granted, space-separated.
    #[schema(example = "needs:read needs:write")]
    pub scope: String,
}

/// An error answer (RFC 6749 section 5.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenError {
    /// `invalid_request`, `invalid_client`, `invalid_scope`, `unsupported_grant_type`, or
    /// `slow_down` (429, over the rate limit: RFC 6749 has no code for that; this one is
    /// RFC 8628's, whose meaning it has).
    #[schema(example = "invalid_client")]
    pub error: &'static str,
    pub error_description: String,
}

struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: String,
    retry_after: Option<u64>,
}

impl Refusal {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            retry_after: None,
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn invalid_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "the client credentials were not accepted",
        )
    }

    fn slow_down(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "slow_down",
                format!("too many token requests; retry in {retry_after} s"),
            )
        }
    }

    fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        // Every 401 names its scheme (RFC 9110 section 11.6.1); RFC 6749 asks for Basic's
        // challenge when the client tried Basic, and Basic is what a client should try.
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                "Basic realm=\"clearinghouse\", charset=\"UTF-8\"",
            ));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(TokenError {
            error: self.error,
            error_description: self.description,
        })
    }
}

/// The form's parameters, each at most once (RFC 6749 section 3.2).
fn form_pairs(request: &HttpRequest, body: &[u8]) -> Result<Vec<(String, String)>, Refusal> {
    let form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return Err(Refusal::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    for (index, (name, _)) in pairs.iter().enumerate() {
        if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
            return Err(Refusal::invalid_request(format!(
                "the parameter `{name}` is given more than once"
            )));
        }
    }
    Ok(pairs)
}

/// HTTP Basic credentials, each part form-urlencoded inside (RFC 6749 section 2.3.1).
/// `Ok(None)` without an `Authorization` header.
fn basic_credentials(request: &HttpRequest) -> Result<Option<(String, String)>, Refusal> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let decoded = value
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, encoded)| STANDARD.decode(encoded.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(Refusal::invalid_client)?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(Refusal::invalid_client)?;
    let unescape = |part: &str| -> String {
        url::form_urlencoded::parse(format!("x={part}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// Exchange an API client's credentials for an access token.
///
/// OAuth 2.0 client credentials (RFC 6749 section 4.4). Send the client id and secret by HTTP Basic (each
/// form-urlencoded, then `id:secret` in base64, as RFC 6749 section 2.3.1 says and OAuth
/// libraries do) or as `client_id` and `client_secret` in the form, not both. Errors are
/// RFC 6749 section 5.2 JSON. Rate limited per client IP and per client id
/// (`rate_limits.oauth_token_per_ip`, `oauth_token_per_client`): 429 `slow_down` with
/// `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "An access token", body = TokenResponse,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "`invalid_request` (not a form, a parameter missing or repeated, credentials both ways), `unsupported_grant_type`, or `invalid_scope` (unknown, malformed, or not the client's)", body = TokenError),
        (status = 401, description = "`invalid_client`: unknown client, wrong or rotated-away secret, revoked client, no credentials", body = TokenError,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"clearinghouse\"`"))),
        (status = 429, description = "`slow_down`: over the rate limit", body = TokenError,
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[post("/oauth/token")]
async fn token(state: web::Data<AppState>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    match issue(&state, &request, &body).await {
        Ok(answer) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(answer),
        Err(refusal) => refusal.into_response(),
    }
}

async fn limited(
    limiter: &crate::auth::rate_limit::Limiter,
    state: &AppState,
    key: &str,
) -> Result<(), Refusal> {
    match limiter.count(&state.db, key).await {
        Ok(None) => Ok(()),
        Ok(Some(seconds)) => Err(Refusal::slow_down(seconds)),
        Err(error) => Err(unavailable(error)),
    }
}

/// A database failure, in RFC 6749's words: `temporarily_unavailable` when it is down or
/// busy, `server_error` for anything else (our fault; the cause is logged, never sent).
fn unavailable(error: crate::db::StoreError) -> Refusal {
    tracing::error!(%error, "token request failed");
    match error {
        crate::db::StoreError::Unavailable(_) => Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the service is temporarily unavailable",
        ),
        _ => Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the token could not be issued",
        ),
    }
}

async fn issue(
    state: &AppState,
    request: &HttpRequest,
    body: &[u8],
) -> Result<TokenResponse, Refusal> {
    limited(
        &state.rate_limits.oauth_token_per_ip,
        state,
        &client_ip(request),
    )
    .await?;
    let pairs = form_pairs(request, body)?;
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    match param("grant_type") {
        None => return Err(Refusal::invalid_request("`grant_type` is missing")),
        Some("client_credentials") => {}
        Some(other) => {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("the grant type `{other}` is not supported; use client_credentials"),
            ))
        }
    }
    let (client_id, secret) = match (basic_credentials(request)?, param("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(Refusal::invalid_request(
                "send the client's credentials by HTTP Basic or in the body, not both",
            ))
        }
        (Some((id, secret)), None) => {
            if param("client_id").is_some_and(|body_id| body_id != id) {
                return Err(Refusal::invalid_request(
                    "`client_id` in the body differs from the one of HTTP Basic",
                ));
            }
            (id, secret)
        }
        (None, Some(secret)) => match param("client_id") {
            Some(id) => (id.to_owned(), secret.to_owned()),
            None => return Err(Refusal::invalid_request("`client_id` is missing")),
        },
        (None, None) => return Err(Refusal::invalid_client()),
    };
    let requested = param("scope")
        .map(|text| {
            Scopes::parse(text).map_err(|error| {
                Refusal::new(StatusCode::BAD_REQUEST, "invalid_scope", error.to_string())
            })
        })
        .transpose()?;
    // Not a UUID: no such client, the same answer as a wrong secret.
    let client_id = Uuid::parse_str(&client_id).map_err(|_| Refusal::invalid_client())?;
    limited(
        &state.rate_limits.oauth_token_per_client,
        state,
        &client_id.to_string(),
    )
    .await?;
    let (client, granted) = state
        .db
        .transaction(move |conn| service::authorise(conn, client_id, &secret, requested))
        .await
        .map_err(|refusal| match refusal {
            TokenRefusal::InvalidClient => Refusal::invalid_client(),
            TokenRefusal::InvalidScope(description) => {
                Refusal::new(StatusCode::BAD_REQUEST, "invalid_scope", description)
            }
            TokenRefusal::Store(error) => unavailable(error),
        })?;
    let access_token = state
        .access_tokens
        .issue_client(
            client.client_id,
            client.organisation_id,
            granted.to_string(),
            client.generation,
        )
        .map_err(|error| {
            tracing::error!(%error, "could not sign a client token");
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the token could not be issued",
            )
        })?;
    tracing::info!(client_id = %client.client_id, scope = %granted, "client token issued");
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.access_tokens.ttl().as_secs(),
        scope: granted.to_string(),
    })
}
