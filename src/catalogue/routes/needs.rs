//! `/api/v1/needs`: post, read, list and search, change, and move through the lifecycle.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{etag, optional_if_match, required_if_match, SharedFilters};
use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::{NeedStatus, Urgency};
use crate::catalogue::service::{self, CatalogueError, Request};
use crate::catalogue::store::needs::{self as store, NeedCursor, NeedFilter, NeedSort};
use crate::catalogue::validate::{NeedInput, NeedPatch};
use crate::catalogue::view::NeedView;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{decode_cursor, encode_cursor, page_limit};
use crate::state::AppState;
use crate::visibility::{need_scope, Reader};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_need)
        .service(list_needs)
        .service(get_need)
        .service(patch_need)
        .service(publish_need)
        .service(withdraw_need)
        .service(close_need)
        .service(reconfirm_need);
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn respond(
    status: actix_web::http::StatusCode,
    need: &crate::catalogue::model::Need,
    reader: &Reader,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(etag(need.version));
    if status == actix_web::http::StatusCode::CREATED {
        response.insert_header(("Location", format!("/api/v1/needs/{}", need.id)));
    }
    response.json(NeedView::for_reader(need, reader))
}

/// Post a need, as a draft. Users of ministries, health agencies and hospitals only.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    request_body = NeedInput,
    responses(
        (status = 201, description = "The draft need", body = NeedView,
         headers(("Location" = String), ("ETag" = String))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The organisation does not post needs", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/needs")]
async fn create_need(
    state: web::Data<AppState>,
    reader: Reader,
    body: web::Json<NeedInput>,
) -> Result<HttpResponse, ApiError> {
    let request = Request {
        reader,
        today: today(),
        expected_version: None,
    };
    let taxonomy = state.taxonomy.clone();
    let input = body.into_inner();
    let need = state
        .db
        .transaction(move |conn| service::create_need(conn, &request, &taxonomy, &input))
        .await?;
    Ok(respond(
        actix_web::http::StatusCode::CREATED,
        &need,
        &reader,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    /// Default `open`.
    pub status: Option<NeedStatus>,
    /// A theme code; its children match too.
    pub theme: Option<String>,
    pub country: Option<String>,
    pub language: Option<String>,
    pub urgency: Option<Urgency>,
    pub organisation: Option<Uuid>,
    /// Free text over title and description; every word must match (as a prefix).
    pub q: Option<String>,
    pub sort: Option<NeedSort>,
    /// 1 to 100, default 20.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedPage {
    pub items: Vec<NeedView>,
    pub next_cursor: Option<String>,
}

/// List and search the needs the caller may see.
#[utoipa::path(
    tag = "catalogue",
    params(NeedQuery),
    responses(
        (status = 200, description = "One page of needs", body = NeedPage),
        (status = 400, description = "Malformed query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown theme, country or language, or a bad limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/needs")]
async fn list_needs(
    state: web::Data<AppState>,
    reader: Reader,
    query: web::Query<NeedQuery>,
) -> Result<web::Json<NeedPage>, ApiError> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let shared = SharedFilters::parse(
        &state,
        query.theme.as_deref(),
        query.country.as_deref(),
        query.language.as_deref(),
        query.q.as_deref(),
    )?;
    let sort = query.sort.unwrap_or_default();
    let cursor = query
        .cursor
        .as_deref()
        .map(decode_cursor::<NeedCursor>)
        .transpose()?;
    let cursor_matches_sort = matches!(
        (&cursor, sort),
        (None, _)
            | (Some(NeedCursor::Newest(..)), NeedSort::Newest)
            | (Some(NeedCursor::Urgency(..)), NeedSort::Urgency)
            | (Some(NeedCursor::WantedBy(..)), NeedSort::WantedBy)
    );
    if !cursor_matches_sort {
        return Err(ApiError::BadRequest(
            "the cursor belongs to another sort order".into(),
        ));
    }
    let filter = NeedFilter {
        status: Some(query.status.unwrap_or(NeedStatus::Open)),
        themes: shared.themes,
        country: shared.country,
        language: shared.language,
        urgency: query.urgency,
        organisation: query.organisation,
        text: shared.text,
    };
    let scope = need_scope(&reader);
    let (needs, next) = state
        .db
        .read(move |conn| store::list(conn, &scope, &filter, sort, cursor.as_ref(), limit))
        .await?;
    Ok(web::Json(NeedPage {
        items: needs
            .iter()
            .map(|need| NeedView::for_reader(need, &reader))
            .collect(),
        next_cursor: next.map(|next| encode_cursor(&next)),
    }))
}

/// One need, if the caller may see it (otherwise 404, as if it did not exist).
#[utoipa::path(
    tag = "catalogue",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The need", body = NeedView, headers(("ETag" = String))),
        (status = 404, description = "No such need, or hidden from the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/needs/{id}")]
async fn get_need(
    state: web::Data<AppState>,
    reader: Reader,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let need = state
        .db
        .read(move |conn| Ok(service::read_need(conn, &reader, id)))
        .await??;
    Ok(respond(actix_web::http::StatusCode::OK, &need, &reader))
}

/// Change a draft or open need. `If-Match` with the ETag read is required.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag read, e.g. \"3\"")),
    request_body = NeedPatch,
    responses(
        (status = 200, description = "The changed need", body = NeedView, headers(("ETag" = String))),
        (status = 403, description = "Not the need's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such need", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The need's state does not allow changes", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The need changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/needs/{id}")]
async fn patch_need(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<NeedPatch>,
) -> Result<HttpResponse, ApiError> {
    let expected_version = required_if_match(&http)?;
    let request = Request {
        reader,
        today: today(),
        expected_version,
    };
    let (id, patch, taxonomy) = (id.into_inner(), body.into_inner(), state.taxonomy.clone());
    let announcer = state.announcer();
    let need = state
        .db
        .transaction(move |conn| {
            let need = service::edit_need(conn, &request, &taxonomy, id, patch)?;
            announcer.need(conn, &need)?;
            Ok::<_, CatalogueError>(need)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, &need, &reader))
}

async fn transition(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: Uuid,
    action: Action,
) -> Result<HttpResponse, ApiError> {
    let expected_version = optional_if_match(&http)?.flatten();
    let request = Request {
        reader,
        today: today(),
        expected_version,
    };
    let announcer = state.announcer();
    let need = state
        .db
        .transaction(move |conn| {
            let need = service::transition_need(conn, &request, &announcer.notifier, id, action)?;
            announcer.need(conn, &need)?;
            Ok::<_, CatalogueError>(need)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, &need, &reader))
}

/// Open a draft need to providers (the organisation must be verified).
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The need, now open", body = NeedView),
        (status = 403, description = "Not the need's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such need", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in its state, or the organisation is unverified", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The need changed since it was read", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/needs/{id}/publish")]
async fn publish_need(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(state, reader, http, id.into_inner(), Action::Publish).await
}

/// Withdraw a draft or open need.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The need, now withdrawn", body = NeedView),
        (status = 404, description = "No such need", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in its state", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/needs/{id}/withdraw")]
async fn withdraw_need(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(state, reader, http, id.into_inner(), Action::Withdraw).await
}

/// Close a need that is no longer wanted.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The need, now closed", body = NeedView),
        (status = 404, description = "No such need", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in its state", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/needs/{id}/close")]
async fn close_need(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(state, reader, http, id.into_inner(), Action::Close).await
}

/// Confirm an open need is still wanted (restarts its 90 days), or reopen an expired one.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The need, open and reconfirmed", body = NeedView),
        (status = 404, description = "No such need", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in its state", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/needs/{id}/reconfirm")]
async fn reconfirm_need(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(state, reader, http, id.into_inner(), Action::Reconfirm).await
}
