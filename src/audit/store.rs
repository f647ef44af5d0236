//! Writing and reading audit lines.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{Actor, AuditEntry};
use crate::db::schema::audit_log;
use crate::db::{self, Conn, StoreError};
use crate::dispatch;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: String,
    entity: String,
    entity_id: String,
    action: String,
    actor_user_id: Option<String>,
    actor_organisation_id: Option<String>,
    at: NaiveDateTime,
    before: Option<String>,
    after: Option<String>,
}

/// An audit line as coordinators read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditRecord {
    pub id: String,
    /// `need`, `offer` or `organisation`.
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    /// Null when the service itself acted (expiry).
    pub actor_user_id: Option<String>,
    pub actor_organisation_id: Option<String>,
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
            at: row.at.and_utc(),
            before: parse(row.before),
            after: parse(row.after),
        }
    }
}

/// Appends one line; call it in the transaction of the change it records.
pub fn record(conn: &mut Conn<'_>, entry: AuditEntry) -> Result<(), StoreError> {
    let (actor_user_id, actor_organisation_id) = match entry.actor {
        Actor::User {
            user_id,
            organisation_id,
        } => (Some(user_id.to_string()), Some(organisation_id.to_string())),
        Actor::System => (None, None),
    };
    let row = AuditRow {
        id: Uuid::new_v4().to_string(),
        entity: entry.entity.to_owned(),
        entity_id: entry.entity_id.to_string(),
        action: entry.action,
        actor_user_id,
        actor_organisation_id,
        at: db::now(),
        before: entry.before.map(|value| value.to_string()),
        after: entry.after.map(|value| value.to_string()),
    };
    dispatch!(conn, |c| diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(c))?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
}

/// Newest first, after the (at, id) of the cursor.
pub fn list(
    conn: &mut Conn<'_>,
    filter: &AuditFilter,
    after: Option<db::TimeKey>,
    limit: usize,
) -> Result<(Vec<AuditRecord>, Option<db::TimeKey>), StoreError> {
    let mut rows: Vec<AuditRow> = dispatch!(conn, |c| {
        let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
        if let Some(entity) = &filter.entity {
            query = query.filter(audit_log::entity.eq(entity.clone()));
        }
        if let Some(entity_id) = &filter.entity_id {
            query = query.filter(audit_log::entity_id.eq(entity_id.clone()));
        }
        if let Some((at, id)) = &after {
            query = query.filter(
                audit_log::at
                    .lt(*at)
                    .or(audit_log::at.eq(*at).and(audit_log::id.lt(id.clone()))),
            );
        }
        query
            .order((audit_log::at.desc(), audit_log::id.desc()))
            .limit(limit as i64 + 1)
            .load(c)
    })?;
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| (last.at, last.id.clone()))
    } else {
        None
    };
    Ok((rows.into_iter().map(AuditRecord::from).collect(), next))
}
