//! Sessions' use cases: signing in with an email and password, rotating a refresh token,
//! signing out, and reading the signed-in user. Like the accounts service, each takes what it
//! uses explicitly and answers with this area's error, `AuthError`; `auth/routes.rs` only
//! parses, rate-limits and maps.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::model::{Email, User};
use crate::accounts::store as accounts;
use crate::auth::password::Passwords;
use crate::auth::store::{self as sessions, Rotation};
use crate::auth::token::AccessTokens;
use crate::db::{Database, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The same answer for an unknown address and a wrong password.
    #[error("the email or password is not correct")]
    BadCredentials,
    #[error("the refresh token is invalid, expired or revoked")]
    BadRefreshToken,
    #[error("the account no longer exists")]
    AccountGone,
    /// Hashing or signing failed: a fault of ours.
    #[error("authentication failure: {0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// What signing a user in needs besides the store: the key that signs access tokens and how
/// long a refresh token lives.
#[derive(Clone, Copy)]
pub struct Issuer<'a> {
    pub access_tokens: &'a AccessTokens,
    pub refresh_token_ttl: chrono::Duration,
}

impl Issuer<'_> {
    fn pair(&self, user: &User, refresh_token: String) -> Result<TokenPair, AuthError> {
        let access_token = self
            .access_tokens
            .issue(user.id, user.organisation_id, user.role)
            .map_err(|error| AuthError::Internal(error.to_string()))?;
        Ok(TokenPair {
            access_token,
            token_type: "Bearer",
            expires_in: self.access_tokens.ttl().as_secs(),
            refresh_token,
        })
    }
}

/// The user an email and password belong to: one answer for an unknown email and a wrong
/// password, and the same work (an unknown email verifies against a decoy hash). The API's
/// login and the sign-in page both start here.
pub async fn check_credentials(
    db: &Database,
    passwords: &Passwords,
    email: Email,
    password: SecretString,
) -> Result<User, AuthError> {
    let found = db
        .read(move |conn| accounts::find_credentials(conn, &email))
        .await?;
    let (user, stored_hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let matches = passwords
        .verify(password, stored_hash)
        .await
        .map_err(|error| AuthError::Internal(error.to_string()))?;
    match (matches, user) {
        (true, Some(user)) => Ok(user),
        _ => Err(AuthError::BadCredentials),
    }
}

/// Exchanges an email and password for a new session's token pair.
pub async fn sign_in(
    db: &Database,
    passwords: &Passwords,
    issuer: Issuer<'_>,
    email: Email,
    password: SecretString,
) -> Result<TokenPair, AuthError> {
    let user = check_credentials(db, passwords, email, password).await?;
    let ttl = issuer.refresh_token_ttl;
    let user_id = user.id;
    let refresh_token = db
        .write(move |conn| sessions::issue(conn, user_id, ttl))
        .await?;
    issuer.pair(&user, refresh_token)
}

/// Rotates a refresh token: the old one dies, a new pair is returned.
pub async fn refresh(
    db: &Database,
    issuer: Issuer<'_>,
    presented: SecretString,
) -> Result<TokenPair, AuthError> {
    let ttl = issuer.refresh_token_ttl;
    // The one refusal that commits, on purpose: a reused token's family is revoked in this
    // transaction (that revocation is the defence), so the work answers Ok(None) and the
    // refusal is returned after the commit. tests/api/auth.rs checks the family stays revoked.
    let outcome = db
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
    let (user, token) = outcome.ok_or(AuthError::BadRefreshToken)?;
    issuer.pair(&user, token)
}

/// Ends the session a refresh token belongs to, whether or not it was live.
pub async fn sign_out(db: &Database, presented: SecretString) -> Result<(), AuthError> {
    db.write(move |conn| sessions::revoke(conn, presented.expose_secret()))
        .await?;
    Ok(())
}

/// The signed-in user, if the account still exists.
pub async fn current_user(db: &Database, user_id: Uuid) -> Result<User, AuthError> {
    db.read(move |conn| accounts::find_user(conn, user_id))
        .await?
        .ok_or(AuthError::AccountGone)
}
