//! `/api/v1/auth/*` and `/api/v1/me`: registration, login, token refresh and logout.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::accounts::model::{Country, Email, OrganisationKind, User};
use crate::accounts::service::{self as accounts, RegisteredAccount, Registration};
use crate::auth::extract::Authenticated;
use crate::auth::password;
use crate::auth::service::{self, AuthError, Issuer, TokenPair};
use crate::error::{field_errors, ApiError, FieldError, Problem, ProblemType};
use crate::http::client_ip::client_ip;
use crate::http::refusals::{MalformedJson, NoToken, RateLimited};
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
    #[schema(example = "it-lead@hospital.example", format = Email, max_length = 254)]
    pub email: String,
    /// 12 to 128 characters. Checked in `RegisterRequest::check`: the derive cannot see
    /// inside a secret.
    #[schema(value_type = String, format = Password, min_length = 12, max_length = 128)]
    pub password: SecretString,
    #[validate(
        length(max = 200, message = "must be at most 200 characters"),
        custom(function = "check_not_blank"),
        custom(function = "crate::text::validate")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(nested)]
    pub organisation: OrganisationRequest,
}

impl RegisterRequest {
    /// The registration this request asks for, parsed once here, or every field error at
    /// once (the password's included).
    pub fn check(self) -> Result<Registration, ApiError> {
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
        custom(function = "check_not_blank"),
        custom(function = "crate::text::validate")
    )]
    #[schema(
        example = "Kenyatta National Hospital",
        min_length = 2,
        max_length = 200
    )]
    pub name: String,
    #[validate(custom(function = "check_self_registrable"))]
    #[schema(value_type = RegistrableKind)]
    pub kind: OrganisationKind,
    /// ISO 3166-1 alpha-2.
    // Checked in `RegisterRequest::check`, into a `Country`.
    #[schema(value_type = crate::openapi::codes::CountryCode, example = "KE")]
    pub country: String,
}

/// The kinds of organisation that may register themselves (every kind but the
/// secretariat's, whose users a coordinator creates).
struct RegistrableKind;

impl utoipa::PartialSchema for RegistrableKind {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let kinds = OrganisationKind::ALL
            .into_iter()
            .filter(|kind| kind.may_self_register())
            .filter_map(|kind| serde_json::to_value(kind).ok());
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(kinds))
            .into()
    }
}

impl ToSchema for RegistrableKind {}

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
    // A secret: stated as such, so no text rule or pattern is claimed for it.
    #[schema(value_type = String, format = Password)]
    pub refresh_token: SecretString,
}

/// Auth's errors as HTTP answers: every refusal is a 401, with nothing said about which
/// part was wrong.
impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::BadCredentials | AuthError::BadRefreshToken | AuthError::AccountGone => {
                Self::refused(ProblemType::InvalidCredentials, error.to_string())
            }
            AuthError::Internal(cause) => {
                tracing::error!(%cause, "authentication failure");
                Self::Internal
            }
            AuthError::Store(error) => error.into(),
        }
    }
}

fn issuer(state: &AppState) -> Issuer<'_> {
    Issuer {
        access_tokens: &state.access_tokens,
        refresh_token_ttl: state.refresh_token_ttl,
    }
}

/// Register a user and their (unverified) organisation; the user becomes its org admin.
/// A verification link is emailed to the address.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created", body = RegisteredAccount,
         headers(("Location" = String, description = "The new organisation"))),
        MalformedJson,
        (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        RateLimited,
    )
)]
#[post("/auth/register")]
async fn register(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let account = register_account(&state, &client_ip(&request), body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/organisations/{}", account.organisation.id),
        ))
        .json(account))
}

/// Registration as the API and the register page both do it: rate-limited per client IP,
/// every field checked at once, then the accounts use case.
pub async fn register_account(
    state: &AppState,
    client_ip: &str,
    request: RegisterRequest,
) -> Result<RegisteredAccount, ApiError> {
    state
        .rate_limits
        .register_per_ip
        .check(&state.db, client_ip)
        .await?;
    let registration = request.check()?;
    Ok(accounts::register(&state.db, &state.passwords, &state.notifier, registration).await?)
}

/// The user an email and password belong to, as the API's login and the sign-in page both
/// check them: the shared rate limits, then the one credential check.
pub async fn authenticate(
    state: &AppState,
    client_ip: &str,
    email: &str,
    password: SecretString,
) -> Result<User, ApiError> {
    let email = limit_login(state, client_ip, email).await?;
    Ok(service::check_credentials(&state.db, &state.passwords, email, password).await?)
}

/// The login rate limits, per client IP and per account, as the API's login and the
/// sign-in page share them; then the address, if it is one. What is not an address can have
/// no account: saying so reveals nothing about accounts.
pub async fn limit_login(
    state: &AppState,
    client_ip: &str,
    email: &str,
) -> Result<Email, ApiError> {
    state
        .rate_limits
        .login_per_ip
        .check(&state.db, client_ip)
        .await?;
    // Text no address can hold is refused as such (the shared text rule); anything else that
    // is not an address gets the one answer of a wrong password.
    crate::text::check("email", email)?;
    let email = Email::parse(email).map_err(|_| AuthError::BadCredentials)?;
    state
        .rate_limits
        .login_per_account
        .check(&state.db, email.as_str())
        .await?;
    Ok(email)
}

/// Exchange an email and password for an access token and a refresh token.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        RateLimited,
    )
)]
#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let body = body.into_inner();
    let email = limit_login(&state, &client_ip(&request), &body.email).await?;
    let pair = service::sign_in(
        &state.db,
        &state.passwords,
        issuer(&state),
        email,
        body.password,
    )
    .await?;
    Ok(web::Json(pair))
}

/// Rotate a refresh token: the old one dies, a new pair is returned. Presenting a token that
/// was already rotated revokes every token of its login.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json"),
        RateLimited,
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
        .check(&state.db, &client_ip(&request))
        .await?;
    let pair = service::refresh(&state.db, issuer(&state), body.into_inner().refresh_token).await?;
    Ok(web::Json(pair))
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
    service::sign_out(&state.db, body.into_inner().refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = User),
        NoToken,
    )
)]
#[get("/me")]
async fn me(state: web::Data<AppState>, user: Authenticated) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(
        service::current_user(&state.db, user.0.user_id).await?,
    ))
}
