//! API-client use cases: managing an organisation's clients (for its org admins and for
//! coordinators) and checking a client's credentials for a token. Each takes a connection
//! and what it uses; the API routes and the org admin's page call the same functions, so
//! the one authorisation rule (`may_manage`) holds on both doors.

use uuid::Uuid;

use crate::accounts::model::{Role, Viewer};
use crate::accounts::store as accounts;
use crate::audit::store as audit;
use crate::audit::{Actor, AuditEntry};
use crate::auth::token::{digest, random_token};
use crate::clients::model::{check_new_client, ApiClient, Scopes};
use crate::clients::store::{self, NewClient};
use crate::db::{Conn, StoreError};
use crate::error::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ClientsError {
    /// The organisation, or the client, is not one the viewer may manage: 404, so that
    /// another organisation's clients do not show they exist.
    #[error("no {0} with that id")]
    NotFound(&'static str),
    #[error("only an org admin of the organisation may manage its API clients")]
    OrgAdminsOnly,
    #[error("confirm your email address before you create an API client")]
    EmailNotVerified,
    #[error("the request is not valid")]
    Invalid(Vec<FieldError>),
    #[error("the API client is revoked")]
    Revoked,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ClientsError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
}

/// A new secret, shown once: 256 random bits behind a prefix that secret scanners (and
/// people) recognise.
fn new_secret() -> String {
    format!("chs_{}", random_token())
}

/// What is stored of a client secret: its SHA-256 digest. The secret is 256 random bits, so
/// no dictionary or brute force can find it from the digest and a slow, salted password
/// hash would only make every token request cost an argon2 run for nothing.
pub fn secret_digest(secret: &str) -> String {
    digest(secret)
}

/// Compares two digests in time independent of where they first differ.
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |differ, (x, y)| differ | (x ^ y))
            == 0
}

/// Who may manage an organisation's API clients: its org admins, and coordinators. A member
/// of the organisation is refused (403); anyone else reads as if the organisation had no
/// clients to show (404). An API client never manages clients (the operations are closed to
/// client tokens, and a client reads as a member).
pub fn may_manage(viewer: &Viewer, organisation_id: Uuid) -> Result<Uuid, ClientsError> {
    match *viewer {
        Viewer::User {
            user_id,
            role: Role::Coordinator,
            ..
        } => Ok(user_id),
        Viewer::User {
            user_id,
            organisation_id: own,
            role: Role::OrgAdmin,
        } if own == organisation_id => Ok(user_id),
        Viewer::User {
            organisation_id: own,
            ..
        }
        | Viewer::Client {
            organisation_id: own,
            ..
        } if own == organisation_id => Err(ClientsError::OrgAdminsOnly),
        _ => Err(ClientsError::NotFound("organisation")),
    }
}

fn managed(
    conn: &mut Conn<'_>,
    viewer: &Viewer,
    organisation_id: Uuid,
) -> Result<Uuid, ClientsError> {
    let user_id = may_manage(viewer, organisation_id)?;
    accounts::find_organisation(conn, organisation_id)?
        .ok_or(ClientsError::NotFound("organisation"))?;
    Ok(user_id)
}

fn as_json(client: &ApiClient) -> serde_json::Value {
    serde_json::to_value(client).unwrap_or_default()
}

/// Creates a client; the answer carries its secret, which is never shown again.
pub fn create(
    conn: &mut Conn<'_>,
    viewer: &Viewer,
    organisation_id: Uuid,
    name: &str,
    scopes: Scopes,
) -> Result<(ApiClient, String), ClientsError> {
    let user_id = managed(conn, viewer, organisation_id)?;
    let name = check_new_client(name, scopes).map_err(ClientsError::Invalid)?;
    // The client writes in its creator's name (`created_by`, a proposer), and publishing
    // needs a confirmed address: the creator has to have one.
    let creator = accounts::find_user(conn, user_id)?.ok_or(ClientsError::NotFound("user"))?;
    if !creator.email_verified {
        return Err(ClientsError::EmailNotVerified);
    }
    let secret = new_secret();
    let client = store::insert(
        conn,
        NewClient {
            id: Uuid::new_v4(),
            organisation_id,
            name: &name,
            scopes,
            secret_hash: &secret_digest(&secret),
            created_by: user_id,
        },
    )?;
    audit::record(
        conn,
        AuditEntry::creation(
            "api_client",
            client.client_id,
            actor(viewer)?,
            as_json(&client),
        ),
    )?;
    Ok((client, secret))
}

fn actor(viewer: &Viewer) -> Result<Actor, ClientsError> {
    Actor::of(viewer)
        .map(|(actor, _)| actor)
        .ok_or(ClientsError::NotFound("organisation"))
}

pub fn list(
    conn: &mut Conn<'_>,
    viewer: &Viewer,
    organisation_id: Uuid,
) -> Result<Vec<ApiClient>, ClientsError> {
    managed(conn, viewer, organisation_id)?;
    Ok(store::list(conn, organisation_id)?)
}

/// One client of the organisation; a client of another organisation is not found.
pub fn get(
    conn: &mut Conn<'_>,
    viewer: &Viewer,
    organisation_id: Uuid,
    client_id: Uuid,
) -> Result<ApiClient, ClientsError> {
    managed(conn, viewer, organisation_id)?;
    store::find(conn, client_id)?
        .filter(|client| client.organisation_id == organisation_id)
        .ok_or(ClientsError::NotFound("API client"))
}

/// A new secret for a live client: the old one, and every token issued with it, stop
/// working at once.
pub fn rotate(
    conn: &mut Conn<'_>,
    viewer: &Viewer,
    organisation_id: Uuid,
    client_id: Uuid,
) -> Result<(ApiClient, String), ClientsError> {
    let before = get(conn, viewer, organisation_id, client_id)?;
    if before.is_revoked() {
        return Err(ClientsError::Revoked);
    }
    let secret = new_secret();
    store::rotate(conn, client_id, &secret_digest(&secret)).map_err(|error| match error {
        StoreError::Stale => ClientsError::Revoked,
        other => other.into(),
    })?;
    let after = audited(conn, viewer, "rotate", &before)?;
    Ok((after, secret))
}

/// Revokes a client: its secret and its tokens stop working at once. Revoking a revoked
/// client changes nothing and answers it as it is.
pub fn revoke(
    conn: &mut Conn<'_>,
    viewer: &Viewer,
    organisation_id: Uuid,
    client_id: Uuid,
) -> Result<ApiClient, ClientsError> {
    let before = get(conn, viewer, organisation_id, client_id)?;
    if !store::revoke(conn, client_id)? {
        return Ok(before);
    }
    let after = audited(conn, viewer, "revoke", &before)?;
    Ok(after)
}

/// The client as `action` left it, with the audit line of the change from `before`.
fn audited(
    conn: &mut Conn<'_>,
    viewer: &Viewer,
    action: &str,
    before: &ApiClient,
) -> Result<ApiClient, ClientsError> {
    let client_id = before.client_id;
    let after = store::find(conn, client_id)?.ok_or(ClientsError::NotFound("API client"))?;
    audit::record(
        conn,
        AuditEntry::change(
            "api_client",
            client_id,
            action,
            actor(viewer)?,
            &as_json(before),
            &as_json(&after),
        ),
    )?;
    Ok(after)
}

/// Why a token request's credentials or scope were refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenRefusal {
    /// Unknown client, wrong secret, revoked client: one answer for all, so that the answer
    /// does not say which client ids exist.
    #[error("the client credentials were not accepted")]
    InvalidClient,
    #[error("{0}")]
    InvalidScope(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for TokenRefusal {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
}

/// Checks a client's secret and the scope it asks for (absent: all of the client's), and
/// records the use (`last_used_at`, and an audit line with the client as actor) in the same
/// transaction. Answers the client and the scopes granted.
pub fn authorise(
    conn: &mut Conn<'_>,
    client_id: Uuid,
    secret: &str,
    requested: Option<Scopes>,
) -> Result<(ApiClient, Scopes), TokenRefusal> {
    let (client, stored) =
        store::credentials(conn, client_id)?.ok_or(TokenRefusal::InvalidClient)?;
    if !same_digest(&secret_digest(secret), &stored) {
        return Err(TokenRefusal::InvalidClient);
    }
    let granted = match requested {
        None => client.scopes,
        Some(requested) if requested.is_subset_of(client.scopes) => requested,
        Some(requested) => {
            let missing: Vec<&str> = requested
                .iter()
                .filter(|scope| !client.scopes.contains(*scope))
                .map(|scope| scope.as_str())
                .collect();
            return Err(TokenRefusal::InvalidScope(format!(
                "the client does not have the scope {}",
                missing.join(" ")
            )));
        }
    };
    store::touch(conn, client_id)?;
    audit::record(
        conn,
        AuditEntry {
            entity: "api_client",
            entity_id: client_id,
            action: "token".to_owned(),
            actor: Actor::Client {
                client_id,
                organisation_id: client.organisation_id,
            },
            before: None,
            after: Some(serde_json::json!({ "scope": granted.to_string() })),
        },
    )?;
    Ok((client, granted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_admins_and_coordinators_manage_members_are_refused_outsiders_see_nothing() {
        let org = Uuid::new_v4();
        let user = |organisation_id, role| Viewer::User {
            user_id: Uuid::new_v4(),
            organisation_id,
            role,
        };
        assert!(may_manage(&user(org, Role::OrgAdmin), org).is_ok());
        assert!(may_manage(&user(Uuid::new_v4(), Role::Coordinator), org).is_ok());
        assert!(matches!(
            may_manage(&user(org, Role::Member), org),
            Err(ClientsError::OrgAdminsOnly)
        ));
        assert!(matches!(
            may_manage(&user(Uuid::new_v4(), Role::OrgAdmin), org),
            Err(ClientsError::NotFound(_))
        ));
        assert!(matches!(
            may_manage(&Viewer::Anonymous, org),
            Err(ClientsError::NotFound(_))
        ));
        let client = Viewer::Client {
            client_id: Uuid::new_v4(),
            organisation_id: org,
            accountable_user: Uuid::new_v4(),
        };
        assert!(matches!(
            may_manage(&client, org),
            Err(ClientsError::OrgAdminsOnly)
        ));
    }

    #[test]
    fn digests_compare_whole() {
        let secret = new_secret();
        assert!(secret.starts_with("chs_"));
        assert!(same_digest(
            &secret_digest(&secret),
            &secret_digest(&secret)
        ));
        assert!(!same_digest(
            &secret_digest(&secret),
            &secret_digest("other")
        ));
        assert!(!same_digest("abc", "abcd"));
    }
}
