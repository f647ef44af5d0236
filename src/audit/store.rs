//! Writing and reading audit lines.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{Actor, AuditEntry};
use crate::db::schema::audit_log;
use crate::db::{self, Conn, Id, StoreError};
use crate::dispatch;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: Uuid,
    entity: String,
    entity_id: Uuid,
    action: String,
    actor_user_id: Option<Uuid>,
    actor_organisation_id: Option<Uuid>,
    at: NaiveDateTime,
    before: Option<String>,
    after: Option<String>,
    actor_client_id: Option<Uuid>,
}

// The ids are documented as plain strings, as they were before they were typed, so that
// the published schema stays as it was.
/// An audit line as coordinators read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditRecord {
    #[schema(value_type = String)]
    pub id: Uuid,
    /// `need`, `offer` or `organisation`.
    pub entity: String,
    #[schema(value_type = String)]
    pub entity_id: Uuid,
    pub action: String,
    /// Null when the service itself acted (expiry).
    #[schema(value_type = Option<String>)]
    pub actor_user_id: Option<Uuid>,
    #[schema(value_type = Option<String>)]
    pub actor_organisation_id: Option<Uuid>,
    /// The API client that acted for `actor_organisation_id` (then `actor_user_id` is null).
    #[schema(value_type = Option<String>)]
    pub actor_client_id: Option<Uuid>,
    pub at: chrono::DateTime<chrono::Utc>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

impl From<AuditRow> for AuditRecord {
    fn from(row: AuditRow) -> Self {
        let parse = |text: Option<String>| text.and_then(|text| serde_json::from_str(&text).ok());
        Self {
            id: row.id,
            entity: row.entity,
            entity_id: row.entity_id,
            action: row.action,
            actor_user_id: row.actor_user_id,
            actor_organisation_id: row.actor_organisation_id,
            actor_client_id: row.actor_client_id,
            at: row.at.and_utc(),
            before: parse(row.before),
            after: parse(row.after),
        }
    }
}

/// Appends one line; call it in the transaction of the change it records.
pub fn record(conn: &mut Conn<'_>, entry: AuditEntry) -> Result<(), StoreError> {
    let (actor_user_id, actor_client_id, actor_organisation_id) = match entry.actor {
        Actor::User {
            user_id,
            organisation_id,
        } => (Some(user_id), None, Some(organisation_id)),
        Actor::Client {
            client_id,
            organisation_id,
        } => (None, Some(client_id), Some(organisation_id)),
        Actor::System => (None, None, None),
    };
    let row = (
        audit_log::id.eq(Id(Uuid::new_v4())),
        audit_log::entity.eq(entry.entity),
        audit_log::entity_id.eq(Id(entry.entity_id)),
        audit_log::action.eq(entry.action),
        audit_log::actor_user_id.eq(actor_user_id.map(Id)),
        audit_log::actor_organisation_id.eq(actor_organisation_id.map(Id)),
        audit_log::actor_client_id.eq(actor_client_id.map(Id)),
        audit_log::at.eq(db::now()),
        audit_log::before.eq(entry.before.map(|value| value.to_string())),
        audit_log::after.eq(entry.after.map(|value| value.to_string())),
    );
    dispatch!(conn, |c| diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(c))?;
    Ok(())
}

/// Where a newest-first page of the log starts: after this (at, id).
pub type AuditKey = (NaiveDateTime, Uuid);

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
}

/// Newest first, after the (at, id) of the cursor.
pub fn list(
    conn: &mut Conn<'_>,
    filter: &AuditFilter,
    after: Option<AuditKey>,
    limit: usize,
) -> Result<(Vec<AuditRecord>, Option<AuditKey>), StoreError> {
    // Every line is about a UUID: an entity id that is not one matches none.
    let entity_id = match filter.entity_id.as_deref().map(Uuid::parse_str) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => return Ok((Vec::new(), None)),
    };
    let rows: Vec<AuditRow> = dispatch!(conn, |c| {
        let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
        if let Some(entity) = &filter.entity {
            query = query.filter(audit_log::entity.eq(entity.clone()));
        }
        if let Some(entity_id) = entity_id {
            query = query.filter(audit_log::entity_id.eq(Id(entity_id)));
        }
        if let Some((at, id)) = &after {
            query = query.filter(
                audit_log::at
                    .lt(*at)
                    .or(audit_log::at.eq(*at).and(audit_log::id.lt(Id(*id)))),
            );
        }
        query
            .order((audit_log::at.desc(), audit_log::id.desc()))
            .limit(limit as i64 + 1)
            .load(c)
    })?;
    let (rows, next) = db::keyset_page(rows, limit, |last| (last.at, last.id));
    Ok((rows.into_iter().map(AuditRecord::from).collect(), next))
}
