//! `/coordination/outbox` (emails that could not be delivered, each with a Retry button:
//! the code of `POST /api/v1/outbox/{id}/retry`) and `/coordination/audit` (the audit log
//! with the API's filters and paging).

use actix_web::{get, post, web, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::store::{self as audit, AuditFilter};
use crate::http::pagination::keyset_cursor;
use crate::notify::model::OutboxStatus;
use crate::notify::outbox::{self, OutboxCursor};
use crate::state::AppState;
use crate::web::address::{next_link, page_after, path_id, Notice};
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::forms::ButtonForm;
use crate::web::render::{see_other, Page};
use crate::web::session::Coordinator;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(outbox_page)
        .service(retry)
        .service(audit_page);
}

const PAGE_SIZE: usize = 50;

#[derive(Debug, Default, Deserialize)]
struct CursorQuery {
    cursor: Option<String>,
}

#[derive(Serialize)]
struct DeadMessage {
    id: Uuid,
    recipient: String,
    kind: String,
    subject: String,
    last_error: Option<String>,
    attempts: i32,
    created: String,
}

#[get("/coordination/outbox")]
async fn outbox_page(
    state: web::Data<AppState>,
    coordinator: Coordinator,
    query: web::Query<CursorQuery>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, PageError> {
    let after = page_after::<Uuid>(query.cursor.as_deref())?
        .map(|(created_at, id)| OutboxCursor { created_at, id });
    let (items, next) = state
        .db
        .read(move |conn| outbox::list(conn, Some(OutboxStatus::Dead), after.as_ref(), PAGE_SIZE))
        .await?;
    let messages: Vec<DeadMessage> = items
        .into_iter()
        .map(|entry| DeadMessage {
            id: entry.id,
            recipient: entry.recipient,
            kind: entry.kind,
            subject: entry.subject,
            last_error: entry.last_error,
            attempts: entry.attempts,
            created: entry.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect();
    let cursor = keyset_cursor(next.map(|next| (next.created_at, next.id)));
    Page::new(
        "coordination/outbox",
        context! {
            messages => messages,
            next_link => next_link("/coordination/outbox", &[], cursor),
            done => notice.among(&["retried"]),
        },
    )
    .render(&state, &coordinator.visitor)
}

/// `POST /coordination/outbox/{id}/retry`: a fresh set of attempts, due now; a message that
/// is not dead is the friendly 409 page, a missing one the 404 page.
#[post("/coordination/outbox/{id}/retry")]
async fn retry(
    state: web::Data<AppState>,
    coordinator: Coordinator,
    path: web::Path<String>,
    CheckedForm(_): CheckedForm<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path)?;
    state
        .db
        .write(move |conn| outbox::retry(conn, id))
        .await?
        .ok_or(PageError::NotFound)?;
    tracing::info!(outbox_id = %id, coordinator_id = %coordinator.user.user.id, "dead email retried");
    Ok(see_other("/coordination/outbox?done=retried"))
}

#[derive(Debug, Default, Deserialize)]
struct AuditQuery {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    cursor: Option<String>,
}

/// The entities the log records, for the filter's choices.
const ENTITIES: [&str; 5] = ["need", "offer", "organisation", "match", "match_report"];

#[derive(Serialize)]
struct AuditLine {
    at: String,
    entity: String,
    entity_id: String,
    action: String,
    actor_user_id: Option<String>,
    actor_organisation_id: Option<String>,
    /// The fields that changed, as the log keeps them.
    changed: Vec<String>,
}

#[get("/coordination/audit")]
async fn audit_page(
    state: web::Data<AppState>,
    coordinator: Coordinator,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let entity = query.entity.trim().to_owned();
    let entity_id = query.entity_id.trim().to_owned();
    // The shared text rule, as the API applies it to the same filter.
    if !crate::text::check_all([
        ("entity", entity.as_str()),
        ("entity_id", entity_id.as_str()),
    ])
    .is_empty()
    {
        return Err(PageError::BadRequest);
    }
    let filter = AuditFilter {
        entity: Some(entity.clone()).filter(|e| !e.is_empty()),
        entity_id: Some(entity_id.clone()).filter(|e| !e.is_empty()),
    };
    let after = page_after::<Uuid>(query.cursor.as_deref())?;
    let (items, next) = state
        .db
        .read(move |conn| audit::list(conn, &filter, after, PAGE_SIZE))
        .await?;
    let lines: Vec<AuditLine> = items
        .into_iter()
        .map(|record| AuditLine {
            at: record.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            changed: record
                .after
                .as_ref()
                .and_then(|after| after.as_object())
                .map(|after| after.keys().cloned().collect())
                .unwrap_or_default(),
            entity: record.entity,
            entity_id: record.entity_id.to_string(),
            action: record.action,
            actor_user_id: record.actor_user_id.map(|id| id.to_string()),
            actor_organisation_id: record.actor_organisation_id.map(|id| id.to_string()),
        })
        .collect();
    let cursor = keyset_cursor(next);
    let next_link = next_link(
        "/coordination/audit",
        &[("entity", &entity), ("entity_id", &entity_id)],
        cursor,
    );
    Page::new(
        "coordination/audit",
        context! {
            lines => lines,
            entities => ENTITIES,
            entity => entity,
            entity_id => entity_id,
            next_link => next_link,
        },
    )
    .render(&state, &coordinator.visitor)
}
