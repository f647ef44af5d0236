//! API clients in the database: one table, `api_clients`; the secret only as its digest.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::accounts::model::{OrganisationKind, Viewer};
use crate::clients::model::{ApiClient, Scopes};
use crate::db::schema::{api_clients, organisations};
use crate::db::{self, Conn, Id, StoreError};
use crate::dispatch;
use crate::visibility::{Reader, ReaderOrganisation};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_clients)]
struct ClientRow {
    id: Uuid,
    organisation_id: String,
    name: String,
    scopes: String,
    generation: i32,
    created_by: String,
    created_at: NaiveDateTime,
    rotated_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    last_used_at: Option<NaiveDateTime>,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Query(format!("stored {what} `{value}` is not valid"))
}

fn parse_id(value: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(value).map_err(|_| corrupt("id", value))
}

impl TryFrom<ClientRow> for ApiClient {
    type Error = StoreError;

    fn try_from(row: ClientRow) -> Result<Self, StoreError> {
        Ok(ApiClient {
            client_id: row.id,
            organisation_id: parse_id(&row.organisation_id)?,
            scopes: Scopes::parse(&row.scopes).map_err(|_| corrupt("scopes", &row.scopes))?,
            name: row.name,
            created_by: parse_id(&row.created_by)?,
            created_at: row.created_at.and_utc(),
            rotated_at: row.rotated_at.map(|at| at.and_utc()),
            revoked_at: row.revoked_at.map(|at| at.and_utc()),
            last_used_at: row.last_used_at.map(|at| at.and_utc()),
            generation: row.generation,
        })
    }
}

/// A client about to be stored.
pub struct NewClient<'a> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: &'a str,
    pub scopes: Scopes,
    pub secret_hash: &'a str,
    pub created_by: Uuid,
}

pub fn insert(conn: &mut Conn<'_>, new: NewClient<'_>) -> Result<ApiClient, StoreError> {
    let row = (
        api_clients::id.eq(Id(new.id)),
        api_clients::organisation_id.eq(new.organisation_id.to_string()),
        api_clients::name.eq(new.name),
        api_clients::scopes.eq(new.scopes.to_string()),
        api_clients::secret_hash.eq(new.secret_hash),
        api_clients::generation.eq(1),
        api_clients::created_by.eq(new.created_by.to_string()),
        api_clients::created_at.eq(db::now()),
    );
    dispatch!(conn, |c| diesel::insert_into(api_clients::table)
        .values(&row)
        .execute(c))?;
    find(conn, new.id)?.ok_or(StoreError::NotFound("API client"))
}

pub fn find(conn: &mut Conn<'_>, client_id: Uuid) -> Result<Option<ApiClient>, StoreError> {
    let row: Option<ClientRow> = dispatch!(conn, |c| api_clients::table
        .filter(api_clients::id.eq(Id(client_id)))
        .select(ClientRow::as_select())
        .first(c)
        .optional())?;
    row.map(ApiClient::try_from).transpose()
}

/// An organisation's clients, oldest first, revoked ones included (their history stays).
pub fn list(conn: &mut Conn<'_>, organisation_id: Uuid) -> Result<Vec<ApiClient>, StoreError> {
    let rows: Vec<ClientRow> = dispatch!(conn, |c| api_clients::table
        .filter(api_clients::organisation_id.eq(organisation_id.to_string()))
        .order((api_clients::created_at.asc(), api_clients::id.asc()))
        .select(ClientRow::as_select())
        .load(c))?;
    rows.into_iter().map(ApiClient::try_from).collect()
}

/// The client and the digest of its current secret, for the token endpoint; `None` for an
/// unknown or revoked client.
pub fn credentials(
    conn: &mut Conn<'_>,
    client_id: Uuid,
) -> Result<Option<(ApiClient, String)>, StoreError> {
    let row: Option<(ClientRow, String)> = dispatch!(conn, |c| api_clients::table
        .filter(api_clients::id.eq(Id(client_id)))
        .filter(api_clients::revoked_at.is_null())
        .select((ClientRow::as_select(), api_clients::secret_hash))
        .first(c)
        .optional())?;
    row.map(|(row, hash)| Ok((ApiClient::try_from(row)?, hash)))
        .transpose()
}

/// A new secret and a new generation (which ends the tokens of the old one), unless revoked.
pub fn rotate(conn: &mut Conn<'_>, client_id: Uuid, secret_hash: &str) -> Result<(), StoreError> {
    let changed = dispatch!(conn, |c| diesel::update(
        api_clients::table
            .filter(api_clients::id.eq(Id(client_id)))
            .filter(api_clients::revoked_at.is_null())
    )
    .set((
        api_clients::secret_hash.eq(secret_hash),
        api_clients::generation.eq(api_clients::generation + 1),
        api_clients::rotated_at.eq(db::now()),
    ))
    .execute(c))?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}

/// Revokes once; `false` when it already was.
pub fn revoke(conn: &mut Conn<'_>, client_id: Uuid) -> Result<bool, StoreError> {
    let changed = dispatch!(conn, |c| diesel::update(
        api_clients::table
            .filter(api_clients::id.eq(Id(client_id)))
            .filter(api_clients::revoked_at.is_null())
    )
    .set(api_clients::revoked_at.eq(db::now()))
    .execute(c))?;
    Ok(changed == 1)
}

pub fn touch(conn: &mut Conn<'_>, client_id: Uuid) -> Result<(), StoreError> {
    dispatch!(conn, |c| diesel::update(
        api_clients::table.filter(api_clients::id.eq(Id(client_id)))
    )
    .set(api_clients::last_used_at.eq(db::now()))
    .execute(c))?;
    Ok(())
}

/// The reader a client token names, as the database has it now: the client (not revoked,
/// still at the token's secret generation) joined to its organisation's current state, in
/// one indexed read, with the client's current scopes. `None` ends the token at once.
pub fn find_reader(
    conn: &mut Conn<'_>,
    client_id: Uuid,
    generation: i32,
) -> Result<Option<(Reader, Scopes)>, StoreError> {
    let row: Option<(String, String, String, String, bool)> = dispatch!(conn, |c| {
        api_clients::table
            .inner_join(organisations::table)
            .filter(api_clients::id.eq(Id(client_id)))
            .filter(api_clients::revoked_at.is_null())
            .filter(api_clients::generation.eq(generation))
            .select((
                api_clients::scopes,
                api_clients::created_by,
                organisations::id,
                organisations::kind,
                organisations::verified,
            ))
            .first(c)
            .optional()
    })?;
    row.map(|(scopes, created_by, organisation_id, kind, verified)| {
        let organisation_id = parse_id(&organisation_id)?;
        let kind: OrganisationKind = kind
            .parse()
            .map_err(|_| corrupt("organisation kind", &kind))?;
        let scopes = Scopes::parse(&scopes).map_err(|_| corrupt("scopes", &scopes))?;
        let reader = Reader {
            viewer: Viewer::Client {
                client_id,
                organisation_id,
                accountable_user: parse_id(&created_by)?,
            },
            organisation: Some(ReaderOrganisation {
                id: organisation_id,
                verified,
                side: kind.side(),
            }),
        };
        Ok((reader, scopes))
    })
    .transpose()
}
