//! Single-use tokens sent by email (email verification, password reset, invitation) and the
//! credential changes they authorise. Only a token's SHA-256 digest is stored; the token
//! itself exists only in the email.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::accounts::model::{Email, Role, User};
use crate::accounts::store::{find_user, parse_id, UserRow};
use crate::auth::token::{digest, random_token};
use crate::db::schema::{email_tokens, refresh_tokens, users};
use crate::db::{self, Conn, StoreError};
use crate::dispatch;

/// What a token may be used for; a token of one purpose never passes for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    PasswordReset,
    Invitation,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::PasswordReset => "password_reset",
            Self::Invitation => "invitation",
        }
    }

    /// How long a token of this purpose stays valid.
    pub fn lifetime(self) -> chrono::Duration {
        match self {
            Self::VerifyEmail => chrono::Duration::hours(48),
            Self::PasswordReset => chrono::Duration::hours(1),
            Self::Invitation => chrono::Duration::days(7),
        }
    }
}

/// What a new token is about.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub purpose: TokenPurpose,
    pub user_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub email: Email,
    /// For an invitation: the role it grants.
    pub role: Option<Role>,
    pub created_by: Option<Uuid>,
}

/// A token that was valid and is now used up.
#[derive(Debug, Clone)]
pub struct UsedToken {
    pub user_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub email: Email,
    pub role: Option<Role>,
    pub created_by: Option<Uuid>,
}

/// Stores a new token and returns it (the only time it exists in clear), with its expiry.
pub fn issue(conn: &mut Conn<'_>, new: NewToken) -> Result<(String, NaiveDateTime), StoreError> {
    let token = random_token();
    let now = db::now();
    let expires_at = now + new.purpose.lifetime();
    dispatch!(conn, |c| diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::id.eq(Uuid::new_v4().to_string()),
            email_tokens::purpose.eq(new.purpose.as_str()),
            email_tokens::token_hash.eq(digest(&token)),
            email_tokens::user_id.eq(new.user_id.map(|id| id.to_string())),
            email_tokens::organisation_id.eq(new.organisation_id.map(|id| id.to_string())),
            email_tokens::email.eq(new.email.as_str()),
            email_tokens::role.eq(new.role.map(|role| role.as_str())),
            email_tokens::created_by.eq(new.created_by.map(|id| id.to_string())),
            email_tokens::expires_at.eq(expires_at),
            email_tokens::created_at.eq(now),
        ))
        .execute(c))?;
    Ok((token, expires_at))
}

/// Uses up a live token of `purpose`. None when it is unknown, of another purpose, expired
/// or already used. The conditional update makes two racing uses have one winner.
pub fn consume(
    conn: &mut Conn<'_>,
    purpose: TokenPurpose,
    token: &str,
) -> Result<Option<UsedToken>, StoreError> {
    type Row = (
        String,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let now = db::now();
    let hash = digest(token);
    let live = email_tokens::token_hash
        .eq(&hash)
        .and(email_tokens::purpose.eq(purpose.as_str()))
        .and(email_tokens::used_at.is_null())
        .and(email_tokens::expires_at.gt(now));
    let row: Option<Row> = dispatch!(conn, |c| email_tokens::table
        .filter(live)
        .select((
            email_tokens::id,
            email_tokens::user_id,
            email_tokens::organisation_id,
            email_tokens::email,
            email_tokens::role,
            email_tokens::created_by,
        ))
        .first(c)
        .optional())?;
    let Some((id, user_id, organisation_id, email, role, created_by)) = row else {
        return Ok(None);
    };
    let used = dispatch!(conn, |c| diesel::update(
        email_tokens::table
            .find(&id)
            .filter(email_tokens::used_at.is_null())
    )
    .set(email_tokens::used_at.eq(Some(now)))
    .execute(c))?;
    if used == 0 {
        return Ok(None);
    }
    let id = |value: Option<String>| value.as_deref().map(parse_id).transpose();
    Ok(Some(UsedToken {
        user_id: id(user_id)?,
        organisation_id: id(organisation_id)?,
        email: Email::parse(&email)
            .map_err(|_| StoreError::Query(format!("stored token email `{email}` is not valid")))?,
        role: role
            .map(|role| role.parse())
            .transpose()
            .map_err(|_| StoreError::Query("stored invitation role".into()))?,
        created_by: id(created_by)?,
    }))
}

/// True when `token` is live for `purpose`, without using it up: a cheap check before work
/// that costs (a password hash), so that made-up tokens cost an attacker more than us.
pub fn is_live(
    conn: &mut Conn<'_>,
    purpose: TokenPurpose,
    token: &str,
) -> Result<bool, StoreError> {
    let now = db::now();
    let count: i64 = dispatch!(conn, |c| email_tokens::table
        .filter(email_tokens::token_hash.eq(digest(token)))
        .filter(email_tokens::purpose.eq(purpose.as_str()))
        .filter(email_tokens::used_at.is_null())
        .filter(email_tokens::expires_at.gt(now))
        .count()
        .get_result(c))?;
    Ok(count > 0)
}

/// Uses up every live token of `purpose` for `user_id`: a new password makes older reset
/// links worthless.
pub fn expire_all(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    purpose: TokenPurpose,
) -> Result<(), StoreError> {
    let now = db::now();
    dispatch!(conn, |c| diesel::update(
        email_tokens::table
            .filter(email_tokens::user_id.eq(user_id.to_string()))
            .filter(email_tokens::purpose.eq(purpose.as_str()))
            .filter(email_tokens::used_at.is_null())
    )
    .set(email_tokens::used_at.eq(Some(now)))
    .execute(c))?;
    Ok(())
}

pub fn mark_email_verified(conn: &mut Conn<'_>, user_id: Uuid) -> Result<(), StoreError> {
    let now = db::now();
    dispatch!(conn, |c| diesel::update(
        users::table.find(user_id.to_string())
    )
    .set((users::email_verified.eq(true), users::updated_at.eq(now)))
    .execute(c))?;
    Ok(())
}

/// Replaces the password hash; a reset also proves the address, so it counts as verified.
pub fn set_password(
    conn: &mut Conn<'_>,
    user_id: Uuid,
    password_hash: &str,
) -> Result<(), StoreError> {
    let now = db::now();
    dispatch!(conn, |c| diesel::update(
        users::table.find(user_id.to_string())
    )
    .set((
        users::password_hash.eq(password_hash),
        users::email_verified.eq(true),
        users::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(())
}

/// Revokes every refresh token of the user: every session ends.
pub fn end_all_sessions(conn: &mut Conn<'_>, user_id: Uuid) -> Result<(), StoreError> {
    let now = db::now();
    dispatch!(conn, |c| diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id.to_string()))
            .filter(refresh_tokens::revoked_at.is_null())
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(c))?;
    Ok(())
}

/// The user with this email, if any.
pub fn find_by_email(conn: &mut Conn<'_>, email: &Email) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = dispatch!(conn, |c| users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .first(c)
        .optional())?;
    row.map(User::try_from).transpose()
}

/// The org admins of an organisation: who hears about it.
pub fn org_admins(conn: &mut Conn<'_>, organisation_id: Uuid) -> Result<Vec<User>, StoreError> {
    let rows: Vec<UserRow> = dispatch!(conn, |c| users::table
        .filter(users::organisation_id.eq(organisation_id.to_string()))
        .filter(users::role.eq(Role::OrgAdmin.as_str()))
        .order(users::created_at.asc())
        .select(UserRow::as_select())
        .load(c))?;
    rows.into_iter().map(User::try_from).collect()
}

/// A user by id; an unknown id is NotFound.
pub fn user(conn: &mut Conn<'_>, user_id: Uuid) -> Result<User, StoreError> {
    find_user(conn, user_id)?.ok_or(StoreError::NotFound("user"))
}
