//! `/api/v1/auth/*` and `/api/v1/me`: registration, login, token refresh and logout.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::accounts::model::{Country, Email, OrganisationKind, User};
use crate::accounts::service::{self, RegisteredAccount, Registration};
use crate::accounts::store as accounts;
use crate::auth::extract::Authenticated;
use crate::auth::password;
use crate::auth::rate_limit::client_ip;
use crate::auth::store::{self as sessions, Rotation};
use crate::error::{field_errors, ApiError, FieldError, Problem};
use crate::state::AppState;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(register)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(me);
}

fn check_not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        Err(ValidationError::new("blank").with_message("must not be blank".into()))
    } else {
        Ok(())
    }
}

fn check_self_registrable(kind: &OrganisationKind) -> Result<(), ValidationError> {
    if kind.may_self_register() {
        Ok(())
    } else {
        Err(ValidationError::new("kind")
            .with_message("the secretariat cannot be registered over the API".into()))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    // Checked in `RegisterRequest::check`, into an `Email`.
    #[schema(example = "it-lead@hospital.example")]
    pub email: String,
    /// 12 to 128 characters. Checked in `RegisterRequest::check`: the derive cannot see
    /// inside a secret.
    #[schema(value_type = String, format = Password, min_length = 12, max_length = 128)]
    pub password: SecretString,
    #[validate(
        length(max = 200, message = "must be at most 200 characters"),
        custom(function = "check_not_blank")
    )]
    pub name: String,
    #[validate(nested)]
    pub organisation: OrganisationRequest,
}

impl RegisterRequest {
    /// The registration this request asks for, parsed once here, or every field error at
    /// once (the password's included).
    fn check(self) -> Result<Registration, ApiError> {
        let mut errors = self
            .validate()
            .err()
            .map(|errors| field_errors(&errors))
            .unwrap_or_default();
        let email = Email::parse(&self.email)
            .map_err(|error| errors.push(error.at("email")))
            .ok();
        if let Err(message) = password::check_length(self.password.expose_secret()) {
            errors.push(FieldError::new("password", "length", message));
        }
        let country = Country::parse_field(&self.organisation.country, "organisation.country")
            .map_err(|error| errors.push(error))
            .ok();
        match (email, country) {
            (Some(email), Some(country)) if errors.is_empty() => Ok(Registration {
                email,
                password: self.password,
                name: self.name.trim().to_owned(),
                organisation_name: self.organisation.name.trim().to_owned(),
                organisation_kind: self.organisation.kind,
                country,
            }),
            _ => {
                errors.sort_by(|a, b| a.field.cmp(&b.field));
                Err(ApiError::validation(errors))
            }
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRequest {
    #[validate(
        length(min = 2, max = 200, message = "must be 2 to 200 characters"),
        custom(function = "check_not_blank")
    )]
    #[schema(example = "Kenyatta National Hospital")]
    pub name: String,
    #[validate(custom(function = "check_self_registrable"))]
    pub kind: OrganisationKind,
    /// ISO 3166-1 alpha-2.
    // Checked in `RegisterRequest::check`, into a `Country`.
    #[schema(example = "KE")]
    pub country: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(value_type = String)]
    pub refresh_token: SecretString,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// A JWT to send as `Authorization: Bearer ...`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// An opaque token for `/auth/refresh`; single use.
    pub refresh_token: String,
}

fn bad_credentials() -> ApiError {
    ApiError::Unauthorized("the email or password is not correct".into())
}

fn internal(error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, "authentication failure");
    ApiError::Internal
}

/// Register a user and their (unverified) organisation; the user becomes its org admin.
/// A verification link is emailed to the address.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created", body = RegisteredAccount,
         headers(("Location" = String, description = "The new organisation"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
async fn register(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    state
        .rate_limits
        .register_per_ip
        .check(&client_ip(&request))?;
    let registration = body.into_inner().check()?;
    let account =
        service::register(&state.db, &state.passwords, &state.notifier, registration).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/organisations/{}", account.organisation.id),
        ))
        .json(account))
}

async fn token_pair(
    state: &AppState,
    user: &User,
    refresh_token: String,
) -> Result<TokenPair, ApiError> {
    let access_token = state
        .access_tokens
        .issue(user.id, user.organisation_id, user.role)
        .map_err(internal)?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer",
        expires_in: state.access_tokens.ttl().as_secs(),
        refresh_token,
    })
}

/// Exchange an email and password for an access token and a refresh token.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let body = body.into_inner();
    state.rate_limits.login_per_ip.check(&client_ip(&request))?;
    // What is not an address can have no account; saying so reveals nothing about accounts.
    let email = Email::parse(&body.email).map_err(|_| bad_credentials())?;
    state.rate_limits.login_per_account.check(email.as_str())?;

    let found = state
        .db
        .read(move |conn| accounts::find_credentials(conn, &email))
        .await?;
    let (user, stored_hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    // An unknown email verifies against a decoy hash: same work, same answer.
    let matches = state
        .passwords
        .verify(body.password, stored_hash)
        .await
        .map_err(internal)?;
    let user = match (matches, user) {
        (true, Some(user)) => user,
        _ => return Err(bad_credentials()),
    };
    let ttl = state.refresh_token_ttl;
    let user_id = user.id;
    let refresh_token = state
        .db
        .write(move |conn| sessions::issue(conn, user_id, ttl))
        .await?;
    Ok(web::Json(token_pair(&state, &user, refresh_token).await?))
}

/// Rotate a refresh token: the old one dies, a new pair is returned. Presenting a token that
/// was already rotated revokes every token of its login.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
async fn refresh(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<RefreshRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    state
        .rate_limits
        .refresh_per_ip
        .check(&client_ip(&request))?;
    let presented = body.into_inner().refresh_token;
    let ttl = state.refresh_token_ttl;
    let outcome = state
        .db
        .write(move |conn| {
            let rotation = sessions::rotate(conn, presented.expose_secret(), ttl)?;
            match rotation {
                Rotation::Rotated { user_id, token } => {
                    let user = accounts::find_user(conn, user_id)?;
                    Ok(user.map(|user| (user, token)))
                }
                Rotation::Refused => Ok(None),
                Rotation::ReuseDetected => {
                    tracing::warn!(
                        "a rotated refresh token was presented again; its family is revoked"
                    );
                    Ok(None)
                }
            }
        })
        .await?;
    let Some((user, token)) = outcome else {
        return Err(ApiError::Unauthorized(
            "the refresh token is invalid, expired or revoked".into(),
        ));
    };
    Ok(web::Json(token_pair(&state, &user, token).await?))
}

/// End the session a refresh token belongs to. Answers 204 whether or not the token was live.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
async fn logout(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let presented = body.into_inner().refresh_token;
    state
        .db
        .write(move |conn| sessions::revoke(conn, presented.expose_secret()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = User),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
async fn me(state: web::Data<AppState>, user: Authenticated) -> Result<web::Json<User>, ApiError> {
    let user_id = user.0.sub;
    state
        .db
        .read(move |conn| accounts::find_user(conn, user_id))
        .await?
        .map(web::Json)
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))
}
