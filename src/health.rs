//! `/health` (the process answers; no database) and `/ready` (the database answers and is
//! fully migrated), for load balancers and orchestrators.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(health).service(ready);
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`
    pub status: &'static str,
    /// `sqlite` or `postgres`
    pub database: &'static str,
}

/// Liveness: answers as long as the process serves requests.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/health")]
async fn health() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Readiness: the database is reachable and every migration is applied.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = Readiness),
        (status = 503, description = "Database unreachable or not migrated", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.db.is_ready().await {
        Ok(true) => Ok(HttpResponse::Ok().json(Readiness {
            status: "ready",
            database: state.db.engine(),
        })),
        Ok(false) => {
            tracing::warn!("readiness: migrations are pending");
            Err(ApiError::Unavailable)
        }
        Err(error) => Err(error.into()),
    }
}
