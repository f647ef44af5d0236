//! `GET /api/v1/audit`: the log, for coordinators.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::store::{self, AuditFilter, AuditRecord};
use crate::auth::extract::Coordinator;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{decode_cursor, encode_cursor, page_limit};
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
    pub entity_id: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct CursorPosition(DateTime<Utc>, uuid::Uuid);

/// The audit log, newest first (coordinators only).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of audit lines", body = AuditPage),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a coordinator", body = Problem, content_type = "application/problem+json"),
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
    let after = query
        .cursor
        .as_deref()
        .map(decode_cursor::<CursorPosition>)
        .transpose()?
        .map(|CursorPosition(at, id)| (at.naive_utc(), id));
    let filter = AuditFilter {
        entity: query.entity,
        entity_id: query.entity_id,
    };
    let (items, next) = state
        .db
        .read(move |conn| store::list(conn, &filter, after, limit))
        .await?;
    Ok(web::Json(AuditPage {
        items,
        next_cursor: next.map(|(at, id)| encode_cursor(&CursorPosition(at.and_utc(), id))),
    }))
}
