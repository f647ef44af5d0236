//! `GET /api/v1/audit`: the log, for coordinators.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::store::{self, AuditFilter, AuditRecord};
use crate::auth::extract::Coordinator;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{keyset_after, keyset_cursor, page_limit};
use crate::http::refusals::CoordinatorsOnly;
use crate::state::AppState;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(list_audit);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `need`, `offer` or `organisation`.
    pub entity: Option<String>,
    /// Every audited entity has a UUID: anything else is a 400.
    pub entity_id: Option<uuid::Uuid>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(schema_with = crate::http::pagination::keyset_cursor_schema)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    pub next_cursor: Option<String>,
}

/// The audit log, newest first (coordinators only).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of audit lines", body = AuditPage),
        (status = 400, description = "An entity id that is not a UUID, or a malformed cursor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A control character in the entity, or a bad limit", body = Problem, content_type = "application/problem+json"),
        CoordinatorsOnly,
    )
)]
#[get("/audit")]
async fn list_audit(
    state: web::Data<AppState>,
    _coordinator: Coordinator,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let after = keyset_after(query.cursor.as_deref())?;
    if let Some(entity) = &query.entity {
        crate::text::check("entity", entity)?;
    }
    let filter = AuditFilter {
        entity: query.entity,
        entity_id: query.entity_id.map(|id| id.to_string()),
    };
    let (items, next) = state
        .db
        .read(move |conn| store::list(conn, &filter, after, limit))
        .await?;
    Ok(web::Json(AuditPage {
        items,
        next_cursor: keyset_cursor(next),
    }))
}
