//! `/api/v1/me/notification-preferences` (each user's delivery modes) and `/api/v1/outbox`
//! (coordinators: dead messages and their retry).

use std::collections::BTreeMap;

use actix_web::{get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::extract::{Authenticated, Coordinator};
use crate::error::{ApiError, Problem};
use crate::http::pagination::{keyset_page, keyset_query};
use crate::http::refusals::{CoordinatorsOnly, NoToken};
use crate::notify::model::{DeliveryMode, EventKind, OutboxEntry, OutboxStatus};
use crate::notify::outbox::{self, OutboxCursor};
use crate::notify::preferences;
use crate::state::AppState;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(get_preferences)
        .service(put_preferences)
        .service(list_outbox)
        .service(retry_message);
}

/// A delivery mode for each kind of event: `immediate`, `daily` (one digest email a day) or
/// `off`. Account and security emails are not listed: they cannot be turned off.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferences {
    #[schema(value_type = PreferenceMap, example = json!({"organisation_verified": "daily"}))]
    pub preferences: BTreeMap<EventKind, DeliveryMode>,
}

/// The `preferences` object: one optional member per event kind, each a delivery mode, and
/// nothing else (an account or security email, or an unknown kind, is refused).
struct PreferenceMap;

impl utoipa::PartialSchema for PreferenceMap {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        let mut object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        for kind in EventKind::ALL {
            object = object.property(kind.as_str(), DeliveryMode::schema());
        }
        object.into()
    }
}

impl ToSchema for PreferenceMap {}

/// The caller's notification preferences, every event kind included.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The delivery mode of each event kind", body = NotificationPreferences),
        NoToken,
    )
)]
#[get("/me/notification-preferences")]
async fn get_preferences(
    state: web::Data<AppState>,
    user: Authenticated,
) -> Result<web::Json<NotificationPreferences>, ApiError> {
    let user_id = user.0.user_id;
    let preferences = state
        .db
        .read(move |conn| preferences::modes(conn, user_id))
        .await?;
    Ok(web::Json(NotificationPreferences { preferences }))
}

/// Change the delivery mode of the event kinds given; the others keep theirs.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    request_body = NotificationPreferences,
    responses(
        (status = 200, description = "Every event kind's mode, after the change", body = NotificationPreferences),
        NoToken,
        (status = 422, description = "An unknown event kind or mode", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/notification-preferences")]
async fn put_preferences(
    state: web::Data<AppState>,
    user: Authenticated,
    body: web::Json<NotificationPreferences>,
) -> Result<web::Json<NotificationPreferences>, ApiError> {
    let user_id = user.0.user_id;
    let changes = body.into_inner().preferences;
    let preferences = state
        .db
        .write(move |conn| {
            preferences::set(conn, user_id, &changes)?;
            preferences::modes(conn, user_id)
        })
        .await?;
    Ok(web::Json(NotificationPreferences { preferences }))
}

keyset_query! {
    pub struct OutboxQuery {
        /// Only messages in this state (`dead` for those that need a coordinator).
        pub status: Option<OutboxStatus>,
    }
}

keyset_page!(OutboxPage of OutboxEntry);

/// Outbox messages, newest first (coordinators only). Bodies are never shown: they may
/// carry single-use tokens.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, description = "One page of messages", body = OutboxPage),
        (status = 400, description = "Malformed query or cursor", body = Problem, content_type = "application/problem+json"),
        CoordinatorsOnly,
        (status = 422, description = "Invalid limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/outbox")]
async fn list_outbox(
    state: web::Data<AppState>,
    _coordinator: Coordinator,
    query: web::Query<OutboxQuery>,
) -> Result<web::Json<OutboxPage>, ApiError> {
    let (limit, after) = query.window()?;
    let after = after.map(|(created_at, id)| OutboxCursor { created_at, id });
    let status = query.status;
    let (items, next) = state
        .db
        .read(move |conn| outbox::list(conn, status, after.as_ref(), limit))
        .await?;
    let next = next.map(|next| (next.created_at, next.id));
    Ok(web::Json(OutboxPage::new(items, next)))
}

/// Give a dead message a fresh set of attempts, due now (coordinators only).
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Outbox message id")),
    responses(
        (status = 200, description = "The message, pending again", body = OutboxEntry),
        CoordinatorsOnly,
        (status = 404, description = "No such message", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The message is not dead", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/outbox/{id}/retry")]
async fn retry_message(
    state: web::Data<AppState>,
    coordinator: Coordinator,
    id: web::Path<Uuid>,
) -> Result<web::Json<OutboxEntry>, ApiError> {
    let id = id.into_inner();
    let entry = state
        .db
        .write(move |conn| outbox::retry(conn, id))
        .await?
        .ok_or_else(|| ApiError::not_found("outbox message"))?;
    tracing::info!(outbox_id = %id, coordinator_id = %coordinator.0.user_id, "dead email retried");
    Ok(web::Json(entry))
}
