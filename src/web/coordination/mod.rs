//! The coordinators' pages: `/coordination`, one queue of what waits for them
//! (organisations to verify, proposals to decide, approved matches a side has left waiting),
//! and the pages it links to: the allocation, the gap report, the dead-letter outbox and
//! the audit log. Everyone else gets the friendly 403 page.

use actix_web::{get, post, web, HttpResponse};
use minijinja::context;
use serde::Serialize;
use uuid::Uuid;

use crate::accounts::service as account_service;
use crate::accounts::store::OrganisationFilter;
use crate::error::ApiError;
use crate::matching::store::{self as store, MatchFilter};
use crate::matching::workflow::MatchStatus;
use crate::state::AppState;
use crate::web::address::{path_id, Notice};
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::forms::ButtonForm;
use crate::web::matches::listed;
use crate::web::render::{see_other, Page};
use crate::web::session::{Coordinator, SignedIn};

mod admin;
mod reports;

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(queue).service(verify);
    reports::routes(config);
    admin::routes(config);
}

/// How many of each kind of work the queue shows at once (oldest waits are not hidden: the
/// lists are ordered so that what waited longest comes first where it matters).
const QUEUE_SIZE: usize = 50;

#[derive(Serialize)]
struct Unverified {
    id: Uuid,
    name: String,
    kind: &'static str,
    country: &'static str,
    registered: String,
}

#[get("/coordination")]
async fn queue(
    state: web::Data<AppState>,
    coordinator: Coordinator,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, PageError> {
    let viewer = coordinator.user.reader().viewer;
    let filter = OrganisationFilter {
        verified: Some(false),
        ..OrganisationFilter::default()
    };
    let (organisations, _) =
        account_service::directory(&state.db, &viewer, filter, None, QUEUE_SIZE)
            .await
            .map_err(ApiError::from)?;
    let organisations: Vec<Unverified> = organisations
        .into_iter()
        .map(|organisation| Unverified {
            id: organisation.id,
            name: organisation.name,
            kind: organisation.kind.as_str(),
            country: organisation.country.name(),
            registered: organisation.created_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let reader = coordinator.user.reader();
    // The reminders' measure of "waiting": unchanged since before this long ago.
    let waiting_since = (chrono::Utc::now() - state.match_waiting).naive_utc();
    let waiting_days = state.match_waiting.num_days();
    let (proposed, waiting) = state
        .db
        .read(move |conn| {
            let filter = MatchFilter {
                status: Some(MatchStatus::Proposed),
                ..MatchFilter::default()
            };
            let (proposed, _) = store::list(conn, &filter, None, QUEUE_SIZE)?;
            let waiting = store::approved_waiting_since(conn, waiting_since, QUEUE_SIZE)?;
            Ok((
                listed(conn, &reader, &proposed)?,
                listed(conn, &reader, &waiting)?,
            ))
        })
        .await?;
    Page::new(
        "coordination/queue",
        context! {
            organisations => organisations,
            proposed => proposed,
            waiting => waiting,
            waiting_days => waiting_days,
            done => notice.among(&["verified"]),
        },
    )
    .render(&state, &coordinator.visitor)
}

/// `POST /coordination/organisations/{id}/verify`: the API's `verify_organisation`, whose
/// rule says who may.
#[post("/coordination/organisations/{id}/verify")]
async fn verify(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<String>,
    CheckedForm(_): CheckedForm<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path)?;
    let viewer = signed_in.user.reader().viewer;
    account_service::verify_organisation(&state.db, &state.notifier, &viewer, id)
        .await
        .map_err(ApiError::from)?;
    Ok(see_other("/coordination?done=verified"))
}
