//! The JSON routes of the email journeys: `/auth/verify-email`, `/auth/password-reset`,
//! `/auth/password-reset/confirm`, `/organisations/{id}/invitations`, `/invitations/accept`.

use actix_web::{post, web, HttpRequest, HttpResponse};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::model::{Email, Role, User};
use crate::accounts::service::{self, Invitation};
use crate::auth::extract::Authenticated;
use crate::error::{ApiError, Problem};
use crate::http::client_ip::client_ip;
use crate::http::refusals::{LinkNotValid, MalformedJson, NoToken, RateLimited};
use crate::state::AppState;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(verify_email)
        .service(resend_verification)
        .service(request_password_reset)
        .service(confirm_password_reset)
        .service(invite)
        .service(accept_invitation);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The token from the verification email's link (a secret).
    #[schema(format = Password)]
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirmation {
    /// The token from the reset email's link (a secret).
    #[schema(format = Password)]
    pub token: String,
    #[schema(value_type = String, format = Password, min_length = 12, max_length = 128)]
    pub new_password: SecretString,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// `member` or `org_admin`.
    #[schema(value_type = InvitedRole)]
    pub role: Role,
}

/// The roles an invitation may give (a coordinator is never invited into an organisation).
struct InvitedRole;

impl utoipa::PartialSchema for InvitedRole {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(["member", "org_admin"]))
            .into()
    }
}

impl ToSchema for InvitedRole {}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    /// The token from the invitation email's link (a secret).
    #[schema(format = Password)]
    pub token: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(value_type = String, format = Password, min_length = 12, max_length = 128)]
    pub password: SecretString,
}

/// Confirm an email address with the token from the verification email.
#[utoipa::path(
    tag = "auth",
    request_body = VerifyEmailRequest,
    responses(
        (status = 204, description = "The address is verified"),
        MalformedJson,
        LinkNotValid,
    )
)]
#[post("/auth/verify-email")]
async fn verify_email(
    state: web::Data<AppState>,
    body: web::Json<VerifyEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    service::verify_email(&state.db, body.into_inner().token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ask for a new email with a link to confirm the caller's address (the first one expired
/// or went missing). Publishing, proposing matches and inviting need a confirmed address.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "A new confirmation link is on its way"),
        (status = 204, description = "The address is already confirmed; nothing was sent"),
        NoToken,
        RateLimited,
    )
)]
#[post("/auth/verify-email/resend")]
async fn resend_verification(
    state: web::Data<AppState>,
    user: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let sent = service::resend_verification(
        &state.db,
        &state.notifier,
        &state.rate_limits,
        &user.0.viewer(),
    )
    .await?;
    Ok(if sent {
        HttpResponse::Accepted().finish()
    } else {
        HttpResponse::NoContent().finish()
    })
}

/// Ask for a password-reset email. The answer is 202 whether or not the address has an
/// account, so that it reveals nothing.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the address has an account, a reset link is on its way"),
        MalformedJson,
        RateLimited,
    )
)]
#[post("/auth/password-reset")]
async fn request_password_reset(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    state
        .rate_limits
        .register_per_ip
        .check(&state.db, &client_ip(&request))
        .await?;
    let email = body.into_inner().email;
    // Text no address can hold is refused as such (the shared text rule, as everywhere);
    // what is otherwise not an address has no account: the same answer, and nothing to send.
    crate::text::check("email", &email)?;
    if let Ok(email) = Email::parse(&email) {
        service::request_password_reset(&state.db, &state.notifier, email).await?;
    }
    Ok(HttpResponse::Accepted().finish())
}

/// Choose a new password with the token from the reset email. Every session of the user
/// ends; the token and any other reset link stop working.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetConfirmation,
    responses(
        (status = 204, description = "The password is changed"),
        MalformedJson,
        LinkNotValid,
        (status = 422, description = "The password is not 12 to 128 characters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset/confirm")]
async fn confirm_password_reset(
    state: web::Data<AppState>,
    body: web::Json<PasswordResetConfirmation>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    service::reset_password(&state.db, &state.passwords, body.token, body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Invite someone into an organisation (its org admins only): they get an email with a link
/// to join as `member` or `org_admin`.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    request_body = InvitationRequest,
    responses(
        (status = 201, description = "The invitation is on its way", body = Invitation),
        NoToken,
        (status = 403, description = "The caller is not an org admin of this organisation, the organisation is not verified by a coordinator yet (`/problems/organisation-not-verified`), or the caller's address is not confirmed (`/problems/email-not-verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address already has an account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid email or role", body = Problem, content_type = "application/problem+json"),
        RateLimited,
    )
)]
#[post("/organisations/{id}/invitations")]
async fn invite(
    state: web::Data<AppState>,
    user: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<InvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = Email::parse(&body.email).map_err(|error| error.at("email"))?;
    let invitation = service::invite(
        &state.db,
        &state.notifier,
        &state.rate_limits,
        &user.0.viewer(),
        id.into_inner(),
        email,
        body.role,
    )
    .await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// Accept an invitation: creates the user in the inviting organisation, address verified.
#[utoipa::path(
    tag = "organisations",
    request_body = AcceptInvitationRequest,
    responses(
        (status = 201, description = "The new user", body = User),
        MalformedJson,
        (status = 409, description = "The address already has an account", body = Problem, content_type = "application/problem+json"),
        LinkNotValid,
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/invitations/accept")]
async fn accept_invitation(
    state: web::Data<AppState>,
    body: web::Json<AcceptInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user = service::accept_invitation(
        &state.db,
        &state.passwords,
        body.token,
        body.name,
        body.password,
    )
    .await?;
    Ok(HttpResponse::Created().json(user))
}
