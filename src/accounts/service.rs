//! The accounts' use cases: registering, reading the directory, verifying an organisation,
//! and the journeys that run
//! through email (verifying an address, resetting a password, inviting someone and
//! accepting). Each takes what it needs explicitly (the database, the password hasher, the
//! notifier, parsed values) and answers with `AccountsError`; the JSON routes and the HTML
//! pages both call these, so the two can never disagree.
//!
//! A refusal never commits: inside a write, a refusal is an `Err` of the transaction's work,
//! so the transaction rolls back. That includes a token consumed before the refusal was
//! found: no refusal here needs the token recorded as used (the refusals after `consume` are
//! a token without the user or organisation its purpose needs, which `issue` never writes,
//! and a taken address, which a later attempt meets again), so rolling back is right.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::credentials::{self, NewToken, TokenPurpose};
use crate::accounts::model::{
    self, Country, Email, Organisation, OrganisationKind, OrganisationScope, Role, User,
    VerifyRefusal, Viewer,
};
use crate::accounts::store::{
    self, NewOrganisation, NewUser, OrganisationCursor, OrganisationFilter,
};
use crate::audit::store as audit;
use crate::audit::{Actor, AuditEntry};
use crate::auth::password::{self, Passwords};
use crate::auth::rate_limit::RateLimiters;
use crate::db::{Conn, Database, StoreError};
use crate::error::FieldError;
use crate::notify::{AccountEmail, EventKind, Notifier, Recipient};

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("no {0} with that id")]
    NotFound(&'static str),
    /// The address already has an account.
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// The token is unknown, of another purpose, expired or used.
    #[error("the token is invalid, has expired or was already used")]
    BadToken,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Refused(#[from] VerifyRefusal),
    /// Inviting, like publishing, is for people whose address is confirmed.
    #[error("confirm your email address first: follow the link in the verification email")]
    EmailNotVerified,
    /// Invitations carry the organisation's name to strangers: a coordinator verifies the
    /// organisation first.
    #[error(
        "a coordinator has not verified this organisation yet; it can invite people once verified"
    )]
    OrganisationNotVerified,
    /// A quota of `RateLimits` is spent; retry after this many seconds.
    #[error("too many requests; retry in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    /// Hashing a password failed: a fault of ours.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for AccountsError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
}

/// A registration as the edge parsed it: every field checked, the names trimmed.
pub struct Registration {
    pub email: Email,
    pub password: SecretString,
    pub name: String,
    pub organisation_name: String,
    pub organisation_kind: OrganisationKind,
    pub country: Country,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredAccount {
    pub user: User,
    pub organisation: Organisation,
}

/// Registers a user and their (unverified) organisation; the user becomes its org admin and
/// is sent a verification link in the same transaction.
pub async fn register(
    db: &Database,
    passwords: &Passwords,
    notifier: &Arc<Notifier>,
    registration: Registration,
) -> Result<RegisteredAccount, AccountsError> {
    // Cheap check first so that a duplicate costs no hash; the unique index still decides.
    let probe = registration.email.clone();
    if db
        .read(move |conn| store::email_taken(conn, &probe))
        .await?
    {
        return Err(AccountsError::EmailTaken);
    }
    let password_hash = hash(passwords, registration.password).await?;
    let new_organisation = NewOrganisation {
        name: registration.organisation_name,
        kind: registration.organisation_kind,
        country: registration.country,
        verified: false,
    };
    let new_user = NewUser {
        email: registration.email,
        name: registration.name,
        password_hash,
        role: Role::OrgAdmin,
        email_verified: false,
    };
    let notifier = notifier.clone();
    let account = db
        .transaction(move |conn| {
            let organisation = store::insert_organisation(conn, new_organisation)?;
            let user = insert_user(conn, organisation.id, new_user)?;
            // In the same transaction: no account without its verification email.
            send_verification(&notifier, conn, &user, &organisation.name)?;
            Ok::<_, AccountsError>(RegisteredAccount { user, organisation })
        })
        .await?;
    tracing::info!(user_id = %account.user.id, organisation_id = %account.organisation.id, "account registered");
    Ok(account)
}

/// One organisation, if the viewer may see it; otherwise not found, as if it did not exist.
pub async fn organisation(
    db: &Database,
    viewer: &Viewer,
    id: Uuid,
) -> Result<Organisation, AccountsError> {
    let scope = OrganisationScope::for_viewer(viewer);
    db.read(move |conn| store::find_organisation(conn, id))
        .await?
        .filter(|organisation| scope.admits(organisation))
        .ok_or(AccountsError::NotFound("organisation"))
}

/// One page of the directory as the viewer may see it, newest first, and where the next
/// page starts.
pub async fn directory(
    db: &Database,
    viewer: &Viewer,
    filter: OrganisationFilter,
    after: Option<OrganisationCursor>,
    limit: usize,
) -> Result<(Vec<Organisation>, Option<OrganisationCursor>), AccountsError> {
    let scope = OrganisationScope::for_viewer(viewer);
    Ok(db
        .read(move |conn| store::list_organisations(conn, scope, &filter, after.as_ref(), limit))
        .await?)
}

/// Verifies an organisation on a coordinator's word: its users may then publish. The change,
/// its audit line and the note to its org admins are one transaction.
pub async fn verify_organisation(
    db: &Database,
    notifier: &Arc<Notifier>,
    coordinator: &Viewer,
    id: Uuid,
) -> Result<Organisation, AccountsError> {
    let (actor, coordinator_id) = Actor::of(coordinator)
        .filter(|_| coordinator.is_coordinator())
        .ok_or(AccountsError::Forbidden(
            "only coordinators may verify organisations",
        ))?;
    let notifier = notifier.clone();
    let verified = db
        .transaction(move |conn| {
            let organisation = store::find_organisation(conn, id)?
                .ok_or(AccountsError::NotFound("organisation"))?;
            model::verify(&organisation)?;
            let verified = store::mark_verified(conn, id, coordinator_id)?;
            let as_json = |o: &Organisation| serde_json::to_value(o).unwrap_or_default();
            audit::record(
                conn,
                AuditEntry::change(
                    "organisation",
                    id,
                    "verify",
                    actor,
                    &as_json(&organisation),
                    &as_json(&verified),
                ),
            )?;
            let admins: Vec<Recipient> = credentials::org_admins(conn, id)?
                .iter()
                .map(Recipient::from)
                .collect();
            // Only the organisation's own admins hear of it, in the same transaction.
            notifier.notify(
                conn,
                EventKind::OrganisationVerified,
                &admins,
                json!({
                    "organisation_name": verified.name,
                    "link": notifier.link("organisation", None),
                }),
            )?;
            Ok::<_, AccountsError>(verified)
        })
        .await?;
    tracing::info!(organisation_id = %id, coordinator_id = %coordinator_id, "organisation verified");
    Ok(verified)
}

/// Marks the address of the token's user verified.
pub async fn verify_email(db: &Database, token: String) -> Result<(), AccountsError> {
    db.transaction(move |conn| {
        let used = credentials::consume(conn, TokenPurpose::VerifyEmail, &token)?
            .ok_or(AccountsError::BadToken)?;
        let user_id = used.user_id.ok_or(AccountsError::BadToken)?;
        credentials::mark_email_verified(conn, user_id)?;
        Ok(())
    })
    .await
}

/// Sends the viewer a new link to confirm their address, unless it is confirmed already
/// (then nothing is sent and the answer is false). Within the per-user quota: each one
/// emails the same address again.
pub async fn resend_verification(
    db: &Database,
    notifier: &Arc<Notifier>,
    limits: &RateLimiters,
    viewer: &Viewer,
) -> Result<bool, AccountsError> {
    let Viewer::User { user_id, .. } = *viewer else {
        return Err(AccountsError::Forbidden("sign in to confirm your address"));
    };
    if let Some(retry_after_seconds) = limits
        .verification_emails_per_user
        .count(db, &user_id.to_string())
        .await?
    {
        return Err(AccountsError::RateLimited {
            retry_after_seconds,
        });
    }
    let notifier = notifier.clone();
    db.transaction(move |conn| {
        let user = credentials::user(conn, user_id)?;
        if user.email_verified {
            return Ok(false);
        }
        let organisation = store::find_organisation(conn, user.organisation_id)?
            .ok_or(AccountsError::NotFound("organisation"))?;
        send_verification(&notifier, conn, &user, &organisation.name)?;
        Ok::<_, AccountsError>(true)
    })
    .await
}

/// Emails a reset link when an account has this address; does nothing otherwise. The caller
/// answers the same in both cases.
pub async fn request_password_reset(
    db: &Database,
    notifier: &Arc<Notifier>,
    email: Email,
) -> Result<(), AccountsError> {
    let notifier = notifier.clone();
    db.transaction(move |conn| {
        let Some(user) = credentials::find_by_email(conn, &email)? else {
            return Ok(());
        };
        let token = own_token(conn, TokenPurpose::PasswordReset, &user, None)?;
        notifier.send_account_email(
            conn,
            AccountEmail::PasswordReset,
            &Recipient::from(&user),
            json!({
                "link": notifier.link("password-reset", Some(&token)),
                "expires_minutes": TokenPurpose::PasswordReset.lifetime().num_minutes(),
            }),
        )?;
        Ok::<_, AccountsError>(())
    })
    .await
}

/// Sets a new password with a reset token; every session of the user ends, and every other
/// reset link dies.
pub async fn reset_password(
    db: &Database,
    passwords: &Passwords,
    token: String,
    new_password: SecretString,
) -> Result<(), AccountsError> {
    check_password("new_password", &new_password)?;
    require_live(db, TokenPurpose::PasswordReset, &token).await?;
    let hash = hash(passwords, new_password).await?;
    db.transaction(move |conn| {
        let used = credentials::consume(conn, TokenPurpose::PasswordReset, &token)?
            .ok_or(AccountsError::BadToken)?;
        let user_id = used.user_id.ok_or(AccountsError::BadToken)?;
        credentials::set_password(conn, user_id, &hash)?;
        credentials::expire_all(conn, user_id, TokenPurpose::PasswordReset)?;
        credentials::end_all_sessions(conn, user_id)?;
        // People's web sessions end with the API's refresh tokens.
        crate::auth::web_sessions::end_all_for_user(conn, user_id)?;
        Ok(())
    })
    .await
}

/// An invitation, as its sender sees it (never the token).
#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    pub organisation_id: Uuid,
    #[schema(value_type = String)]
    pub email: Email,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// Invites `email` into an organisation with `role`. Only that organisation's org admins
/// may, once a coordinator has verified the organisation and the admin has confirmed their
/// own address; and only within the invitation quotas (per user and per organisation),
/// since each invitation emails an address nobody vouched for.
pub async fn invite(
    db: &Database,
    notifier: &Arc<Notifier>,
    limits: &RateLimiters,
    inviter: &Viewer,
    organisation_id: Uuid,
    email: Email,
    role: Role,
) -> Result<Invitation, AccountsError> {
    let inviter_id = match *inviter {
        Viewer::User {
            user_id,
            organisation_id: own,
            role: Role::OrgAdmin,
        } if own == organisation_id => user_id,
        _ => {
            return Err(AccountsError::Forbidden(
                "only an org admin of this organisation may invite to it",
            ))
        }
    };
    if !matches!(role, Role::Member | Role::OrgAdmin) {
        return Err(AccountsError::Invalid(vec![FieldError::new(
            "role",
            "role",
            "must be member or org_admin",
        )]));
    }
    let (organisation, sender) = db
        .query(move |conn| {
            let organisation = store::find_organisation(conn, organisation_id)?
                .ok_or(AccountsError::NotFound("organisation"))?;
            Ok::<_, AccountsError>((organisation, credentials::user(conn, inviter_id)?))
        })
        .await?;
    if !organisation.verified {
        return Err(AccountsError::OrganisationNotVerified);
    }
    if !sender.email_verified {
        return Err(AccountsError::EmailNotVerified);
    }
    for (limiter, key) in [
        (&limits.invitations_per_user, inviter_id),
        (&limits.invitations_per_organisation, organisation_id),
    ] {
        if let Some(retry_after_seconds) = limiter.count(db, &key.to_string()).await? {
            return Err(AccountsError::RateLimited {
                retry_after_seconds,
            });
        }
    }
    let notifier = notifier.clone();
    db.transaction(move |conn| {
        if store::email_taken(conn, &email)? {
            return Err(AccountsError::EmailTaken);
        }
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
            email: email.to_string(),
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
        Ok(Invitation {
            organisation_id,
            email,
            role,
            expires_at: expires_at.and_utc(),
        })
    })
    .await
}

/// Creates the invited user in the inviting organisation, with the address verified (the
/// invitation reached it).
pub async fn accept_invitation(
    db: &Database,
    passwords: &Passwords,
    token: String,
    name: String,
    password: SecretString,
) -> Result<User, AccountsError> {
    let name = name.trim().to_owned();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new(
            "name",
            "length",
            "must be 1 to 200 characters",
        ));
    }
    errors.extend(crate::text::check("name", &name).err());
    if let Err(message) = password::check_length(password.expose_secret()) {
        errors.push(FieldError::new("password", "length", message));
    }
    if !errors.is_empty() {
        return Err(AccountsError::Invalid(errors));
    }
    require_live(db, TokenPurpose::Invitation, &token).await?;
    let hash = hash(passwords, password).await?;
    db.transaction(move |conn| {
        let used = credentials::consume(conn, TokenPurpose::Invitation, &token)?
            .ok_or(AccountsError::BadToken)?;
        let (Some(organisation_id), Some(role)) = (used.organisation_id, used.role) else {
            return Err(AccountsError::BadToken);
        };
        // A taken address rolls the whole acceptance back, the token's use included.
        insert_user(
            conn,
            organisation_id,
            NewUser {
                email: used.email,
                name,
                password_hash: hash,
                role,
                email_verified: true,
            },
        )
    })
    .await
}

/// A single-use token for `user`'s own address: it gives no role and nobody else asked for it.
fn own_token(
    conn: &mut Conn<'_>,
    purpose: TokenPurpose,
    user: &User,
    organisation_id: Option<Uuid>,
) -> Result<String, StoreError> {
    let new = NewToken {
        purpose,
        user_id: Some(user.id),
        organisation_id,
        email: user.email.clone(),
        role: None,
        created_by: None,
    };
    Ok(credentials::issue(conn, new)?.0)
}

/// Writes a verification token for `user` and its email to the outbox, in the caller's
/// transaction (the one that creates the user).
fn send_verification(
    notifier: &Notifier,
    conn: &mut Conn<'_>,
    user: &User,
    organisation_name: &str,
) -> Result<(), StoreError> {
    let token = own_token(
        conn,
        TokenPurpose::VerifyEmail,
        user,
        Some(user.organisation_id),
    )?;
    notifier.send_account_email(
        conn,
        AccountEmail::VerifyEmail,
        &Recipient::from(user),
        json!({
            "link": notifier.link("verify-email", Some(&token)),
            "organisation_name": organisation_name,
            "expires_hours": TokenPurpose::VerifyEmail.lifetime().num_hours(),
        }),
    )?;
    Ok(())
}

/// `store::insert_user`, with the unique index's verdict on the address named as ours.
fn insert_user(
    conn: &mut Conn<'_>,
    organisation_id: Uuid,
    new: NewUser,
) -> Result<User, AccountsError> {
    store::insert_user(conn, organisation_id, new).map_err(|error| match error {
        StoreError::Conflict(_) => AccountsError::EmailTaken,
        other => other.into(),
    })
}

fn check_password(field: &str, password: &SecretString) -> Result<(), AccountsError> {
    password::check_length(password.expose_secret())
        .map_err(|message| AccountsError::Invalid(vec![FieldError::new(field, "length", message)]))
}

async fn hash(passwords: &Passwords, password: SecretString) -> Result<String, AccountsError> {
    passwords
        .hash(password)
        .await
        .map_err(|error| AccountsError::Hashing(error.to_string()))
}

/// Refuses a token that is not live before any password is hashed; the transaction that
/// uses it still decides (two racing uses have one winner).
async fn require_live(
    db: &Database,
    purpose: TokenPurpose,
    token: &str,
) -> Result<(), AccountsError> {
    let token = token.to_owned();
    if db
        .read(move |conn| credentials::is_live(conn, purpose, &token))
        .await?
    {
        Ok(())
    } else {
        Err(AccountsError::BadToken)
    }
}
