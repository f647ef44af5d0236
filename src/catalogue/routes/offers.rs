//! `/api/v1/offers`: the same shape as needs, for what providers bring.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{etag, optional_if_match, required_if_match, SharedFilters};
use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::{Offer, OfferKind, OfferStatus};
use crate::catalogue::service::{self, CatalogueError, Request};
use crate::catalogue::store::offers::{self as store, OfferCursor, OfferFilter, OfferSort};
use crate::catalogue::validate::{OfferInput, OfferPatch};
use crate::catalogue::view::OfferView;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{decode_cursor, encode_cursor, page_limit};
use crate::state::AppState;
use crate::visibility::{offer_scope, Reader};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_offer)
        .service(list_offers)
        .service(get_offer)
        .service(patch_offer)
        .service(publish_offer)
        .service(withdraw_offer)
        .service(close_offer);
}

fn respond(created: bool, offer: &Offer) -> HttpResponse {
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    response.insert_header(etag(offer.version));
    if created {
        response.insert_header(("Location", format!("/api/v1/offers/{}", offer.id)));
    }
    response.json(OfferView::from(offer))
}

fn request(reader: Reader, expected_version: Option<i32>) -> Request {
    Request {
        reader,
        today: chrono::Utc::now().date_naive(),
        expected_version,
    }
}

/// Post an offer, as a draft. Users of provider organisations only.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    request_body = OfferInput,
    responses(
        (status = 201, description = "The draft offer", body = OfferView, headers(("Location" = String), ("ETag" = String))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The organisation does not post offers", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/offers")]
async fn create_offer(
    state: web::Data<AppState>,
    reader: Reader,
    body: web::Json<OfferInput>,
) -> Result<HttpResponse, ApiError> {
    let request = request(reader, None);
    let (taxonomy, input) = (state.taxonomy.clone(), body.into_inner());
    let offer = state
        .db
        .transaction(move |conn| service::create_offer(conn, &request, &taxonomy, &input))
        .await?;
    Ok(respond(true, &offer))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OfferQuery {
    /// Default `open`.
    pub status: Option<OfferStatus>,
    /// A theme code; its children match too.
    pub theme: Option<String>,
    /// Offers that serve this country (by name, or globally).
    pub country: Option<String>,
    pub language: Option<String>,
    pub kind: Option<OfferKind>,
    pub organisation: Option<Uuid>,
    pub q: Option<String>,
    pub sort: Option<OfferSort>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferPage {
    pub items: Vec<OfferView>,
    pub next_cursor: Option<String>,
}

/// List and search the offers the caller may see.
#[utoipa::path(
    tag = "catalogue",
    params(OfferQuery),
    responses(
        (status = 200, description = "One page of offers", body = OfferPage),
        (status = 400, description = "Malformed query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown theme, country or language, or a bad limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/offers")]
async fn list_offers(
    state: web::Data<AppState>,
    reader: Reader,
    query: web::Query<OfferQuery>,
) -> Result<web::Json<OfferPage>, ApiError> {
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
        .map(decode_cursor::<OfferCursor>)
        .transpose()?;
    let cursor_matches_sort = matches!(
        (&cursor, sort),
        (None, _)
            | (Some(OfferCursor::Newest(..)), OfferSort::Newest)
            | (
                Some(OfferCursor::AvailableUntil(..)),
                OfferSort::AvailableUntil
            )
    );
    if !cursor_matches_sort {
        return Err(ApiError::BadRequest(
            "the cursor belongs to another sort order".into(),
        ));
    }
    let filter = OfferFilter {
        status: Some(query.status.unwrap_or(OfferStatus::Open)),
        themes: shared.themes,
        country: shared.country,
        language: shared.language,
        kind: query.kind,
        organisation: query.organisation,
        text: shared.text,
    };
    let scope = offer_scope(&reader);
    let (offers, next) = state
        .db
        .read(move |conn| store::list(conn, &scope, &filter, sort, cursor.as_ref(), limit))
        .await?;
    Ok(web::Json(OfferPage {
        items: offers.iter().map(OfferView::from).collect(),
        next_cursor: next.map(|next| encode_cursor(&next)),
    }))
}

/// One offer, if the caller may see it (otherwise 404).
#[utoipa::path(
    tag = "catalogue",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The offer", body = OfferView, headers(("ETag" = String))),
        (status = 404, description = "No such offer, or hidden from the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/offers/{id}")]
async fn get_offer(
    state: web::Data<AppState>,
    reader: Reader,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let offer = state
        .db
        .read(move |conn| Ok(service::read_offer(conn, &reader, id)))
        .await??;
    Ok(respond(false, &offer))
}

/// Change a draft or open offer. `If-Match` with the ETag read is required.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag read, e.g. \"3\"")),
    request_body = OfferPatch,
    responses(
        (status = 200, description = "The changed offer", body = OfferView, headers(("ETag" = String))),
        (status = 403, description = "Not the offer's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such offer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The offer's state does not allow changes", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The offer changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/offers/{id}")]
async fn patch_offer(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<OfferPatch>,
) -> Result<HttpResponse, ApiError> {
    let request = request(reader, required_if_match(&http)?);
    let (id, patch, taxonomy) = (id.into_inner(), body.into_inner(), state.taxonomy.clone());
    let announcer = state.announcer();
    let offer = state
        .db
        .transaction(move |conn| {
            let offer = service::edit_offer(conn, &request, &taxonomy, id, patch)?;
            announcer.offer(conn, &offer)?;
            Ok::<_, CatalogueError>(offer)
        })
        .await?;
    Ok(respond(false, &offer))
}

async fn transition(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: Uuid,
    action: Action,
) -> Result<HttpResponse, ApiError> {
    let request = request(reader, optional_if_match(&http)?.flatten());
    let announcer = state.announcer();
    let offer = state
        .db
        .transaction(move |conn| {
            let offer = service::transition_offer(conn, &request, &announcer.notifier, id, action)?;
            announcer.offer(conn, &offer)?;
            Ok::<_, CatalogueError>(offer)
        })
        .await?;
    Ok(respond(false, &offer))
}

/// Open a draft offer (the organisation must be verified).
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The offer, now open", body = OfferView),
        (status = 404, description = "No such offer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in its state, or the organisation is unverified", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/offers/{id}/publish")]
async fn publish_offer(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(state, reader, http, id.into_inner(), Action::Publish).await
}

/// Withdraw a draft or open offer.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The offer, now withdrawn", body = OfferView),
        (status = 404, description = "No such offer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in its state", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/offers/{id}/withdraw")]
async fn withdraw_offer(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(state, reader, http, id.into_inner(), Action::Withdraw).await
}

/// Close an offer.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The offer, now closed", body = OfferView),
        (status = 404, description = "No such offer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in its state", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/offers/{id}/close")]
async fn close_offer(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(state, reader, http, id.into_inner(), Action::Close).await
}
