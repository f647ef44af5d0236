//! The account journeys that run through email: verifying an address, resetting a password,
//! inviting someone into an organisation and accepting. The JSON routes and the HTML pages
//! both call these, so the two can never disagree.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::credentials::{self, NewToken, TokenPurpose};
use crate::accounts::model::{Role, User};
use crate::accounts::store::{self as accounts, NewUser};
use crate::auth::password;
use crate::auth::token::AccessClaims;
use crate::error::{ApiError, FieldError};
use crate::notify::{AccountEmail, Recipient};
use crate::state::AppState;

fn bad_token() -> ApiError {
    ApiError::validation(vec![FieldError::new(
        "token",
        "token",
        "is invalid, has expired or was already used",
    )])
}

fn check_password(field: &str, password: &SecretString) -> Result<(), ApiError> {
    password::check_length(password.expose_secret())
        .map_err(|message| ApiError::validation(vec![FieldError::new(field, "length", message)]))
}

fn internal(error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, "account flow failure");
    ApiError::Internal
}

/// Refuses a token that is not live before any password is hashed; the transaction that
/// uses it still decides (two racing uses have one winner).
async fn require_live(
    state: &AppState,
    purpose: TokenPurpose,
    token: &str,
) -> Result<(), ApiError> {
    let token = token.to_owned();
    if state
        .db
        .read(move |conn| credentials::is_live(conn, purpose, &token))
        .await?
    {
        Ok(())
    } else {
        Err(bad_token())
    }
}

/// Emails are compared without case or surrounding space.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Writes a verification token for `user` and its email to the outbox. Call inside the
/// transaction that creates the user.
pub fn send_verification(
    state_notifier: &crate::notify::Notifier,
    conn: &mut crate::db::Conn<'_>,
    user: &User,
    organisation_name: &str,
) -> Result<(), crate::db::StoreError> {
    let (token, _) = credentials::issue(
        conn,
        NewToken {
            purpose: TokenPurpose::VerifyEmail,
            user_id: Some(user.id),
            organisation_id: Some(user.organisation_id),
            email: user.email.clone(),
            role: None,
            created_by: None,
        },
    )?;
    state_notifier.send_account_email(
        conn,
        AccountEmail::VerifyEmail,
        &Recipient::from(user),
        json!({
            "link": state_notifier.link("verify-email", Some(&token)),
            "organisation_name": organisation_name,
            "expires_hours": TokenPurpose::VerifyEmail.lifetime().num_hours(),
        }),
    )?;
    Ok(())
}

/// Marks the address of the token's user verified.
pub async fn verify_email(state: &AppState, token: String) -> Result<(), ApiError> {
    state
        .db
        .write(move |conn| {
            let Some(used) = credentials::consume(conn, TokenPurpose::VerifyEmail, &token)? else {
                return Ok(Err(bad_token()));
            };
            match used.user_id {
                Some(user_id) => credentials::mark_email_verified(conn, user_id).map(Ok),
                None => Ok(Err(bad_token())),
            }
        })
        .await?
}

/// Emails a reset link when an account has this address; does nothing otherwise. The caller
/// answers the same in both cases.
pub async fn request_password_reset(state: &AppState, email: String) -> Result<(), ApiError> {
    let email = normalise_email(&email);
    let notifier = state.notifier.clone();
    state
        .db
        .write(move |conn| {
            let Some(user) = credentials::find_by_email(conn, &email)? else {
                return Ok(());
            };
            let (token, _) = credentials::issue(
                conn,
                NewToken {
                    purpose: TokenPurpose::PasswordReset,
                    user_id: Some(user.id),
                    organisation_id: None,
                    email: user.email.clone(),
                    role: None,
                    created_by: None,
                },
            )?;
            notifier.send_account_email(
                conn,
                AccountEmail::PasswordReset,
                &Recipient::from(&user),
                json!({
                    "link": notifier.link("password-reset", Some(&token)),
                    "expires_minutes": TokenPurpose::PasswordReset.lifetime().num_minutes(),
                }),
            )?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// Sets a new password with a reset token; every session of the user ends, and every other
/// reset link dies.
pub async fn reset_password(
    state: &AppState,
    token: String,
    new_password: SecretString,
) -> Result<(), ApiError> {
    check_password("new_password", &new_password)?;
    require_live(state, TokenPurpose::PasswordReset, &token).await?;
    let hash = state.passwords.hash(new_password).await.map_err(internal)?;
    state
        .db
        .write(move |conn| {
            let Some(used) = credentials::consume(conn, TokenPurpose::PasswordReset, &token)?
            else {
                return Ok(Err(bad_token()));
            };
            let Some(user_id) = used.user_id else {
                return Ok(Err(bad_token()));
            };
            credentials::set_password(conn, user_id, &hash)?;
            credentials::expire_all(conn, user_id, TokenPurpose::PasswordReset)?;
            credentials::end_all_sessions(conn, user_id)?;
            crate::auth::web_sessions::end_all_for_user(conn, user_id)?;
            Ok(Ok(()))
        })
        .await?
}

/// An invitation, as its sender sees it (never the token).
#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    pub organisation_id: Uuid,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// Invites `email` into the inviter's organisation with `role`; only that organisation's
/// org admins may.
pub async fn invite(
    state: &AppState,
    inviter: &AccessClaims,
    organisation_id: Uuid,
    email: String,
    role: Role,
) -> Result<Invitation, ApiError> {
    if inviter.role != Role::OrgAdmin || inviter.org != organisation_id {
        return Err(ApiError::Forbidden(
            "only an org admin of this organisation may invite to it".into(),
        ));
    }
    if !matches!(role, Role::Member | Role::OrgAdmin) {
        return Err(ApiError::validation(vec![FieldError::new(
            "role",
            "role",
            "must be member or org_admin",
        )]));
    }
    let email = normalise_email(&email);
    if !validator::ValidateEmail::validate_email(&email) || email.len() > 254 {
        return Err(ApiError::validation(vec![FieldError::new(
            "email",
            "email",
            "is not an email address",
        )]));
    }
    let inviter_id = inviter.sub;
    let notifier = state.notifier.clone();
    state
        .db
        .write(move |conn| {
            if accounts::email_taken(conn, &email)? {
                return Ok(Err(ApiError::Conflict(
                    "an account with this email already exists".into(),
                )));
            }
            let Some(organisation) = accounts::find_organisation(conn, organisation_id)? else {
                return Ok(Err(ApiError::not_found("organisation")));
            };
            let sender = credentials::user(conn, inviter_id)?;
            let (token, expires_at) = credentials::issue(
                conn,
                NewToken {
                    purpose: TokenPurpose::Invitation,
                    user_id: None,
                    organisation_id: Some(organisation.id),
                    email: email.clone(),
                    role: Some(role),
                    created_by: Some(inviter_id),
                },
            )?;
            let recipient = Recipient {
                user_id: None,
                email: email.clone(),
                name: String::new(),
            };
            notifier.send_account_email(
                conn,
                AccountEmail::Invitation,
                &recipient,
                json!({
                    "link": notifier.link("invitations/accept", Some(&token)),
                    "organisation_name": organisation.name,
                    "inviter_name": sender.name,
                    "role_label": if role == Role::OrgAdmin { "an administrator" } else { "a member" },
                    "expires_days": TokenPurpose::Invitation.lifetime().num_days(),
                }),
            )?;
            Ok(Ok(Invitation {
                organisation_id,
                email,
                role,
                expires_at: expires_at.and_utc(),
            }))
        })
        .await?
}

/// Creates the invited user in the inviting organisation, with the address verified (the
/// invitation reached it).
pub async fn accept_invitation(
    state: &AppState,
    token: String,
    name: String,
    password: SecretString,
) -> Result<User, ApiError> {
    let name = name.trim().to_owned();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new(
            "name",
            "length",
            "must be 1 to 200 characters",
        ));
    }
    if let Err(message) = password::check_length(password.expose_secret()) {
        errors.push(FieldError::new("password", "length", message));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    require_live(state, TokenPurpose::Invitation, &token).await?;
    let hash = state.passwords.hash(password).await.map_err(internal)?;
    state
        .db
        .write(move |conn| {
            let Some(used) = credentials::consume(conn, TokenPurpose::Invitation, &token)? else {
                return Ok(Err(bad_token()));
            };
            let (Some(organisation_id), Some(role)) = (used.organisation_id, used.role) else {
                return Ok(Err(bad_token()));
            };
            let user = accounts::insert_user(
                conn,
                organisation_id,
                NewUser {
                    email: used.email,
                    name,
                    password_hash: hash,
                    role,
                    email_verified: true,
                },
            )?;
            Ok(Ok(user))
        })
        .await?
}
