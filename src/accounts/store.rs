//! Organisations and users in the database: rows, their conversion to domain types, queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::accounts::model::{
    Country, Email, Organisation, OrganisationKind, OrganisationScope, Role, User, Viewer,
};
use crate::db::schema::{organisations, users};
use crate::db::{self, Conn, StoreError};
use crate::dispatch;
use crate::visibility::{Reader, ReaderOrganisation};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub verified: bool,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub organisation_id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub email_verified: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A stored value the code cannot read back is a fault of ours, not of the client.
fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Query(format!("stored {what} `{value}` is not valid"))
}

pub(crate) fn parse_id(value: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(value).map_err(|_| corrupt("id", value))
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = StoreError;

    fn try_from(row: OrganisationRow) -> Result<Self, StoreError> {
        Ok(Organisation {
            id: parse_id(&row.id)?,
            kind: row
                .kind
                .parse()
                .map_err(|_| corrupt("organisation kind", &row.kind))?,
            country: Country::parse(&row.country)
                .ok_or_else(|| corrupt("country", &row.country))?,
            name: row.name,
            verified: row.verified,
            created_at: row.created_at.and_utc(),
        })
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: parse_id(&row.id)?,
            organisation_id: parse_id(&row.organisation_id)?,
            role: row.role.parse().map_err(|_| corrupt("role", &row.role))?,
            email: Email::parse(&row.email).map_err(|_| corrupt("email", &row.email))?,
            name: row.name,
            email_verified: row.email_verified,
        })
    }
}

/// What a new organisation starts with.
pub struct NewOrganisation {
    pub name: String,
    pub kind: OrganisationKind,
    pub country: Country,
    /// Only the secretariat starts verified: nobody else could vouch for it.
    pub verified: bool,
}

/// What a new user starts with; the password arrives already hashed.
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub password_hash: String,
    pub role: Role,
    pub email_verified: bool,
}

pub fn insert_organisation(
    conn: &mut Conn<'_>,
    new: NewOrganisation,
) -> Result<Organisation, StoreError> {
    let now = db::now();
    let row = OrganisationRow {
        id: Uuid::new_v4().to_string(),
        name: new.name,
        kind: new.kind.as_str().to_owned(),
        country: new.country.alpha2().to_owned(),
        verified: new.verified,
        verified_by: None,
        verified_at: new.verified.then_some(now),
        created_at: now,
        updated_at: now,
    };
    dispatch!(conn, |c| diesel::insert_into(organisations::table)
        .values(&row)
        .execute(c))?;
    row.try_into()
}

/// Inserts a user of `organisation_id`. A taken email is a conflict, checked by the unique
/// index so that two simultaneous registrations cannot both win.
pub fn insert_user(
    conn: &mut Conn<'_>,
    organisation_id: Uuid,
    new: NewUser,
) -> Result<User, StoreError> {
    let now = db::now();
    let row = UserRow {
        id: Uuid::new_v4().to_string(),
        organisation_id: organisation_id.to_string(),
        email: new.email.as_str().to_owned(),
        name: new.name,
        password_hash: new.password_hash,
        role: new.role.as_str().to_owned(),
        email_verified: new.email_verified,
        created_at: now,
        updated_at: now,
    };
    dispatch!(conn, |c| diesel::insert_into(users::table)
        .values(&row)
        .execute(c))
    .map_err(|error| match StoreError::from(error) {
        StoreError::Conflict(_) => {
            StoreError::Conflict("an account with this email already exists".into())
        }
        other => other,
    })?;
    row.try_into()
}

pub fn email_taken(conn: &mut Conn<'_>, email: &Email) -> Result<bool, StoreError> {
    let count: i64 = dispatch!(conn, |c| users::table
        .filter(users::email.eq(email.as_str()))
        .count()
        .get_result(c))?;
    Ok(count > 0)
}

/// A user and their password hash, for login.
pub fn find_credentials(
    conn: &mut Conn<'_>,
    email: &Email,
) -> Result<Option<(User, String)>, StoreError> {
    let row: Option<UserRow> = dispatch!(conn, |c| users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .first(c)
        .optional())?;
    row.map(|row| {
        let hash = row.password_hash.clone();
        User::try_from(row).map(|user| (user, hash))
    })
    .transpose()
}

pub fn find_user(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = dispatch!(conn, |c| users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .first(c)
        .optional())?;
    row.map(User::try_from).transpose()
}

pub fn find_organisation(
    conn: &mut Conn<'_>,
    id: Uuid,
) -> Result<Option<Organisation>, StoreError> {
    let row: Option<OrganisationRow> = dispatch!(conn, |c| organisations::table
        .find(id.to_string())
        .select(OrganisationRow::as_select())
        .first(c)
        .optional())?;
    row.map(Organisation::try_from).transpose()
}

/// The reader a user id names as the database has them now: the user's current role and
/// organisation, in one indexed read (users by primary key, joined to their organisation).
/// `None` when no such user exists, so that a token outliving its user grants nothing.
pub fn find_reader(conn: &mut Conn<'_>, user_id: Uuid) -> Result<Option<Reader>, StoreError> {
    let row: Option<(String, String, String, bool)> = dispatch!(conn, |c| users::table
        .inner_join(organisations::table)
        .filter(users::id.eq(user_id.to_string()))
        .select((
            users::role,
            organisations::id,
            organisations::kind,
            organisations::verified,
        ))
        .first(c)
        .optional())?;
    row.map(|(role, organisation_id, kind, verified)| {
        let organisation_id = parse_id(&organisation_id)?;
        let kind: OrganisationKind = kind
            .parse()
            .map_err(|_| corrupt("organisation kind", &kind))?;
        Ok(Reader {
            viewer: Viewer::User {
                user_id,
                organisation_id,
                role: role.parse().map_err(|_| corrupt("role", &role))?,
            },
            organisation: Some(ReaderOrganisation {
                id: organisation_id,
                verified,
                side: kind.side(),
            }),
        })
    })
    .transpose()
}

/// The users of an organisation, by name: its members list.
pub fn members(conn: &mut Conn<'_>, organisation_id: Uuid) -> Result<Vec<User>, StoreError> {
    let rows: Vec<UserRow> = dispatch!(conn, |c| users::table
        .filter(users::organisation_id.eq(organisation_id.to_string()))
        .order((users::name.asc(), users::id.asc()))
        .select(UserRow::as_select())
        .load(c))?;
    rows.into_iter().map(User::try_from).collect()
}

/// Every coordinator: who hears of matches waiting for a decision.
pub fn coordinators(conn: &mut Conn<'_>) -> Result<Vec<User>, StoreError> {
    let rows: Vec<UserRow> = dispatch!(conn, |c| users::table
        .filter(users::role.eq(Role::Coordinator.as_str()))
        .order(users::created_at.asc())
        .select(UserRow::as_select())
        .load(c))?;
    rows.into_iter().map(User::try_from).collect()
}

/// The oldest secretariat organisation, if one exists.
pub fn find_secretariat(conn: &mut Conn<'_>) -> Result<Option<Organisation>, StoreError> {
    let row: Option<OrganisationRow> = dispatch!(conn, |c| organisations::table
        .filter(organisations::kind.eq(OrganisationKind::Secretariat.as_str()))
        .order((organisations::created_at.asc(), organisations::id.asc()))
        .select(OrganisationRow::as_select())
        .first(c)
        .optional())?;
    row.map(Organisation::try_from).transpose()
}

/// Adds a coordinator (confirmed address) to the secretariat, creating its organisation,
/// verified, named `secretariat` in `country`, when there is none yet: how both
/// `create-coordinator` and `seed-demo` start a clearing house.
pub fn insert_coordinator(
    conn: &mut Conn<'_>,
    secretariat: String,
    country: Country,
    email: Email,
    name: String,
    password_hash: String,
) -> Result<User, StoreError> {
    let secretariat = match find_secretariat(conn)? {
        Some(existing) => existing,
        None => insert_organisation(
            conn,
            NewOrganisation {
                name: secretariat,
                kind: OrganisationKind::Secretariat,
                country,
                verified: true,
            },
        )?,
    };
    let coordinator = NewUser {
        email,
        name,
        password_hash,
        role: Role::Coordinator,
        email_verified: true,
    };
    insert_user(conn, secretariat.id, coordinator)
}

/// Marks an unverified organisation verified by `coordinator`, now.
pub fn mark_verified(
    conn: &mut Conn<'_>,
    id: Uuid,
    coordinator: Uuid,
) -> Result<Organisation, StoreError> {
    let now = db::now();
    // Conditional on still being unverified, so that of two racing coordinators one wins.
    let updated = dispatch!(conn, |c| diesel::update(
        organisations::table
            .find(id.to_string())
            .filter(organisations::verified.eq(false))
    )
    .set((
        organisations::verified.eq(true),
        organisations::verified_by.eq(Some(coordinator.to_string())),
        organisations::verified_at.eq(Some(now)),
        organisations::updated_at.eq(now),
    ))
    .execute(c))?;
    if updated == 0 {
        return Err(StoreError::Conflict(
            "the organisation is already verified".into(),
        ));
    }
    find_organisation(conn, id)?.ok_or(StoreError::NotFound("organisation"))
}

/// Filters of the organisation directory.
#[derive(Debug, Default, Clone)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub country: Option<Country>,
    pub verified: Option<bool>,
}

/// Where a page of the directory starts: after this (created_at, id), newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationCursor {
    pub created_at: NaiveDateTime,
    pub id: Uuid,
}

/// One page of organisations in `scope`, newest first, and the cursor of the next page.
pub fn list_organisations(
    conn: &mut Conn<'_>,
    scope: OrganisationScope,
    filter: &OrganisationFilter,
    after: Option<&OrganisationCursor>,
    limit: usize,
) -> Result<(Vec<Organisation>, Option<OrganisationCursor>), StoreError> {
    // Built inside `dispatch!` because a boxed query is tied to one backend.
    let own = match scope {
        OrganisationScope::All => None,
        OrganisationScope::VerifiedOr(own) => {
            Some(own.map(|id| id.to_string()).unwrap_or_default())
        }
    };
    let after = after.map(|cursor| (cursor.created_at, cursor.id.to_string()));
    let rows: Vec<OrganisationRow> = dispatch!(conn, |c| {
        let mut query = organisations::table
            .select(OrganisationRow::as_select())
            .into_boxed();
        if let Some(own) = &own {
            query = query.filter(
                organisations::verified
                    .eq(true)
                    .or(organisations::id.eq(own.clone())),
            );
        }
        if let Some(kind) = filter.kind {
            query = query.filter(organisations::kind.eq(kind.as_str()));
        }
        if let Some(country) = filter.country {
            query = query.filter(organisations::country.eq(country.alpha2()));
        }
        if let Some(verified) = filter.verified {
            query = query.filter(organisations::verified.eq(verified));
        }
        if let Some((created_at, id)) = &after {
            query = query.filter(
                organisations::created_at
                    .lt(*created_at)
                    .or(organisations::created_at
                        .eq(*created_at)
                        .and(organisations::id.lt(id.clone()))),
            );
        }
        query
            .order((organisations::created_at.desc(), organisations::id.desc()))
            .limit(limit as i64 + 1)
            .load(c)
    })?;
    let (rows, next) = db::keyset_page(rows, limit, |last| -> Result<_, StoreError> {
        Ok(OrganisationCursor {
            created_at: last.created_at,
            id: parse_id(&last.id)?,
        })
    });
    let next = next.transpose()?;
    let items = rows
        .into_iter()
        .map(Organisation::try_from)
        .collect::<Result<_, _>>()?;
    Ok((items, next))
}
