//! `/api/v1/organisations/{id}/webhooks`: an organisation's endpoints, their signing
//! secrets (shown on creation and rotation only), and their delivery logs. Translation
//! only: the rules are in `webhooks::service`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::extract::SignedIn;
use crate::error::{ApiError, Problem};
use crate::http::conditional::{required_if_match, versioned};
use crate::http::pagination::{keyset_page, keyset_query};
use crate::http::refusals::{documented_refusals, NO_TOKEN};
use crate::state::AppState;
use crate::webhooks::model::{Delivery, DeliveryStatus, Webhook, WebhookInput, WebhookPatch};
use crate::webhooks::service::{self, WebhooksError, WithSecret};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_secret)
        .service(list_deliveries)
        .service(retry_delivery);
}

impl From<WebhooksError> for ApiError {
    fn from(error: WebhooksError) -> Self {
        match error {
            WebhooksError::NotFound(what) => ApiError::not_found(what),
            WebhooksError::Forbidden => ApiError::Forbidden(error.to_string().into()),
            WebhooksError::Invalid(errors) => ApiError::validation(errors),
            WebhooksError::TooMany => ApiError::Conflict(error.to_string().into()),
            WebhooksError::Store(error) => error.into(),
        }
    }
}

/// An endpoint with its signing secret: answered once, on creation and on rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_<base64>`: keep it; it is never shown again. Verify each delivery's
    /// `webhook-signature` with it (Standard Webhooks).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

impl From<WithSecret> for WebhookWithSecret {
    fn from(created: WithSecret) -> Self {
        Self {
            webhook: created.webhook,
            secret: created.secret,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

keyset_query! {
    pub struct DeliveryQuery {
        /// Only deliveries in this state (`failed` for those to look at).
        pub status: Option<DeliveryStatus>,
    }
}

keyset_page!(DeliveryPage of Delivery);

const FORBIDDEN: &str = "The caller is neither an org admin of the organisation nor a coordinator";

documented_refusals! {
    /// What a route on an organisation's webhooks refuses before it looks further.
    OrganisationRefusals = [NO_TOKEN, (403, FORBIDDEN), (404, "No such organisation")];
    /// What a route on one webhook refuses before it looks further.
    WebhookRefusals = [NO_TOKEN, (403, FORBIDDEN), (404, "No such webhook of this organisation")];
    /// What a route on one delivery refuses before it looks further.
    DeliveryRefusals = [NO_TOKEN, (403, FORBIDDEN), (404, "No such delivery of this webhook")];
}

/// One webhook of an organisation, as its path names it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WebhookPath {
    /// Organisation id
    pub id: Uuid,
    /// Webhook id
    pub webhook_id: Uuid,
}

/// One delivery of a webhook, as its path names it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// Organisation id
    pub id: Uuid,
    /// Webhook id
    pub webhook_id: Uuid,
    /// Delivery id
    pub delivery_id: Uuid,
}

/// Create a webhook: events of the kinds named are signed and posted to the URL. The answer
/// carries the signing secret, shown this once.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    request_body = WebhookInput,
    responses(
        (status = 201, description = "The webhook and its signing secret", body = WebhookWithSecret),
        OrganisationRefusals,
        (status = 409, description = "The organisation has as many webhooks as allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a URL the clearing house does not send to (not https, or an address that is loopback, private, link-local, CGNAT or metadata)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/webhooks")]
async fn create_webhook(
    state: web::Data<AppState>,
    reader: SignedIn,
    id: web::Path<Uuid>,
    body: web::Json<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let organisation_id = id.into_inner();
    let created = service::create(
        &state.db,
        &state.webhook_egress,
        &reader.0,
        organisation_id,
        body.into_inner(),
    )
    .await?;
    let location = format!(
        "/api/v1/organisations/{organisation_id}/webhooks/{}",
        created.webhook.id
    );
    let mut answer = HttpResponse::Created();
    answer.insert_header(("Location", location));
    let version = created.webhook.version;
    Ok(versioned(answer, version, WebhookWithSecret::from(created)))
}

/// The organisation's webhooks (never their secrets).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The webhooks, oldest first", body = WebhookList),
        OrganisationRefusals,
    )
)]
#[get("/organisations/{id}/webhooks")]
async fn list_webhooks(
    state: web::Data<AppState>,
    reader: SignedIn,
    id: web::Path<Uuid>,
) -> Result<web::Json<WebhookList>, ApiError> {
    let items = service::list(&state.db, &reader.0, id.into_inner()).await?;
    Ok(web::Json(WebhookList { items }))
}

/// One webhook.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(WebhookPath),
    responses(
        (status = 200, description = "The webhook; its `ETag` is what a change names in `If-Match`", body = Webhook),
        WebhookRefusals,
    )
)]
#[get("/organisations/{id}/webhooks/{webhook_id}")]
async fn get_webhook(
    state: web::Data<AppState>,
    reader: SignedIn,
    path: web::Path<WebhookPath>,
) -> Result<HttpResponse, ApiError> {
    let (organisation_id, webhook_id) = (path.id, path.webhook_id);
    let webhook = service::get(&state.db, &reader.0, organisation_id, webhook_id).await?;
    Ok(versioned(HttpResponse::Ok(), webhook.version, webhook))
}

/// Change a webhook's URL, description, event types or enabled flag. `If-Match` with the
/// ETag read is required, so that a change made meanwhile (by another admin, or the
/// clearing house turning a failing endpoint off) is not overwritten unseen. Turning it on
/// again forgives the failures that turned it off; its pending deliveries then go out.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        WebhookPath,
        ("If-Match" = String, Header, description = "The ETag read, e.g. \"3\"", pattern = r#"^(\*|(W/)?"[0-9]{1,9}")$"#),
    ),
    request_body = WebhookPatch,
    responses(
        (status = 200, description = "The webhook after the change, with its new `ETag`", body = Webhook),
        WebhookRefusals,
        (status = 422, description = "Invalid fields, or a URL the clearing house does not send to", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/organisations/{id}/webhooks/{webhook_id}")]
async fn update_webhook(
    state: web::Data<AppState>,
    reader: SignedIn,
    http: HttpRequest,
    path: web::Path<WebhookPath>,
    body: web::Json<WebhookPatch>,
) -> Result<HttpResponse, ApiError> {
    let (organisation_id, webhook_id) = (path.id, path.webhook_id);
    let expected_version = required_if_match(&http)?;
    let webhook = service::update(
        &state.db,
        &state.webhook_egress,
        &reader.0,
        organisation_id,
        webhook_id,
        expected_version,
        body.into_inner(),
    )
    .await?;
    Ok(versioned(HttpResponse::Ok(), webhook.version, webhook))
}

/// Delete a webhook and its delivery log; nothing more is sent to it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(WebhookPath),
    responses(
        (status = 204, description = "Deleted"),
        WebhookRefusals,
    )
)]
#[delete("/organisations/{id}/webhooks/{webhook_id}")]
async fn delete_webhook(
    state: web::Data<AppState>,
    reader: SignedIn,
    path: web::Path<WebhookPath>,
) -> Result<HttpResponse, ApiError> {
    let (organisation_id, webhook_id) = (path.id, path.webhook_id);
    service::delete(&state.db, &reader.0, organisation_id, webhook_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret, shown this once; deliveries are signed with it from now on.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(WebhookPath),
    responses(
        (status = 200, description = "The webhook and its new signing secret", body = WebhookWithSecret),
        WebhookRefusals,
    )
)]
#[post("/organisations/{id}/webhooks/{webhook_id}/rotate-secret")]
async fn rotate_secret(
    state: web::Data<AppState>,
    reader: SignedIn,
    path: web::Path<WebhookPath>,
) -> Result<web::Json<WebhookWithSecret>, ApiError> {
    let (organisation_id, webhook_id) = (path.id, path.webhook_id);
    let rotated = service::rotate_secret(&state.db, &reader.0, organisation_id, webhook_id).await?;
    Ok(web::Json(rotated.into()))
}

/// The webhook's delivery log, newest first: each message's event type, status, attempts,
/// last answer and next attempt (never the body).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        WebhookPath,
        DeliveryQuery,
    ),
    responses(
        (status = 200, description = "One page of deliveries", body = DeliveryPage),
        WebhookRefusals,
    )
)]
#[get("/organisations/{id}/webhooks/{webhook_id}/deliveries")]
async fn list_deliveries(
    state: web::Data<AppState>,
    reader: SignedIn,
    path: web::Path<WebhookPath>,
    query: web::Query<DeliveryQuery>,
) -> Result<web::Json<DeliveryPage>, ApiError> {
    let (organisation_id, webhook_id) = (path.id, path.webhook_id);
    let (limit, after) = query.window::<Uuid>()?;
    let (items, next) = service::deliveries(
        &state.db,
        &reader.0,
        organisation_id,
        webhook_id,
        query.status,
        after,
        limit,
    )
    .await?;
    Ok(web::Json(DeliveryPage::new(items, next)))
}

/// Send a delivered or failed message again, with a fresh set of attempts and the same
/// `webhook-id` (receivers that deduplicate on it will see a repeat).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(DeliveryPath),
    responses(
        (status = 200, description = "The delivery, pending again", body = Delivery),
        DeliveryRefusals,
        (status = 409, description = "The delivery is still pending or being sent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry")]
async fn retry_delivery(
    state: web::Data<AppState>,
    reader: SignedIn,
    path: web::Path<DeliveryPath>,
) -> Result<web::Json<Delivery>, ApiError> {
    let (organisation_id, webhook_id, delivery_id) = (path.id, path.webhook_id, path.delivery_id);
    Ok(web::Json(
        service::retry(
            &state.db,
            &reader.0,
            organisation_id,
            webhook_id,
            delivery_id,
        )
        .await?,
    ))
}
