//! Candidates for a need or an offer, and `/api/v1/matches`: propose, read, and act.

use actix_web::{get, post, web, HttpResponse};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::extract::SignedIn;
use crate::catalogue::item::CatalogueItem;
use crate::catalogue::model::{Need, Offer};
use crate::catalogue::view::{NeedView, OfferView};
use crate::db::Conn;
use crate::error::{ApiError, FieldError, Problem, ProblemType};
use crate::http::pagination::{
    change_cursor_text, keyset_after, keyset_cursor, offset_after, offset_cursor, page_limit,
    parse_change_cursor, parse_cursor,
};
use crate::http::problems::optional_json;
use crate::http::refusals::{distinct, documented_refusals, CoordinatorsOnly, NoToken, NO_TOKEN};
use crate::http::sync::UpdatedSince;
use crate::matching::score::{Exclusion, Factor, Score};
use crate::matching::service::{
    self, ActionInput, MatchingError, RankedPage, ReportInput, Scoring, Window,
};
use crate::matching::store::{Match, MatchFilter, OutcomeReport};
use crate::matching::workflow::{allowed_actions, MatchAction, MatchRefusal, MatchStatus};
use crate::state::AppState;
use crate::visibility::Reader;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(need_candidates)
        .service(offer_candidates)
        .service(propose_match)
        .service(list_matches)
        .service(get_match)
        .service(report_on_match)
        .service(list_match_reports)
        .service(approve_match)
        .service(reject_match)
        .service(accept_match)
        .service(decline_match)
        .service(complete_match)
        .service(cancel_match)
        .service(allocation)
        .service(run_matching)
        .service(gap_report);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CandidateQuery {
    /// 1 to 100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(schema_with = crate::http::pagination::offset_cursor_schema)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferCandidate {
    pub offer: OfferView,
    pub score: f64,
    pub explanation: Vec<Factor>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedCandidate {
    pub need: NeedView,
    pub score: f64,
    pub explanation: Vec<Factor>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferCandidatePage {
    pub items: Vec<OfferCandidate>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedCandidatePage {
    pub items: Vec<NeedCandidate>,
    pub next_cursor: Option<String>,
}

/// The window of a ranked list a query asks for: the cursor is the position of its first item.
fn window(query: &CandidateQuery) -> Result<Window, ApiError> {
    Ok(Window {
        start: offset_after(query.cursor.as_deref())?,
        len: page_limit(query.limit)?,
    })
}

/// A candidate list ranked as `reader` sees it with today's scoring: the page asked for,
/// each candidate shown by `show` as the reader may see it.
async fn ranked_page<T: Send + 'static, C>(
    state: &AppState,
    reader: Reader,
    id: Uuid,
    query: &CandidateQuery,
    candidates: impl FnOnce(
            &mut Conn<'_>,
            &Reader,
            Scoring<'_>,
            Uuid,
            Window,
        ) -> Result<RankedPage<T>, MatchingError>
        + Send
        + 'static,
    show: impl Fn(T, Score, &Reader) -> C,
) -> Result<(Vec<C>, Option<String>), ApiError> {
    let window = window(query)?;
    let scoring = state.todays_scoring();
    let ranked = state
        .db
        .query(move |conn| candidates(conn, &reader, scoring.scoring(), id, window))
        .await?;
    let next = ranked.next_start(window).map(offset_cursor);
    let items = ranked
        .shown
        .into_iter()
        .map(|(item, score)| show(item, score, &reader))
        .collect();
    Ok((items, next))
}

/// The offers that can meet a need, best first, each with its score and explanation.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), CandidateQuery),
    responses(
        (status = 200, description = "Ranked candidate offers", body = OfferCandidatePage),
        NoToken,
        (status = 403, description = "Not the need's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such need", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/needs/{id}/candidates")]
async fn need_candidates(
    SignedIn(reader): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<CandidateQuery>,
) -> Result<web::Json<OfferCandidatePage>, ApiError> {
    let show = |offer: Offer, score: Score, reader: &Reader| OfferCandidate {
        offer: offer.view_for(reader),
        score: score.score,
        explanation: score.explanation,
    };
    let open = state.open_offers.clone();
    let candidates =
        move |conn: &mut Conn<'_>, reader: &Reader, scoring: Scoring<'_>, id, window| {
            service::candidates_for_need(conn, reader, scoring, &open, id, window)
        };
    let (items, next_cursor) = ranked_page(&state, reader, *id, &query, candidates, show).await?;
    Ok(web::Json(OfferCandidatePage { items, next_cursor }))
}

/// The needs an offer can meet that its provider may see, best first.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), CandidateQuery),
    responses(
        (status = 200, description = "Ranked candidate needs", body = NeedCandidatePage),
        NoToken,
        (status = 403, description = "Not the offer's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such offer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/offers/{id}/candidates")]
async fn offer_candidates(
    SignedIn(reader): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<CandidateQuery>,
) -> Result<web::Json<NeedCandidatePage>, ApiError> {
    let show = |need: Need, score: Score, reader: &Reader| NeedCandidate {
        need: need.view_for(reader),
        score: score.score,
        explanation: score.explanation,
    };
    let candidates = service::candidates_for_offer;
    let (items, next_cursor) = ranked_page(&state, reader, *id, &query, candidates, show).await?;
    Ok(web::Json(NeedCandidatePage { items, next_cursor }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeMatch {
    pub need_id: Uuid,
    pub offer_id: Uuid,
    /// Why this pair, for the coordinators and the other side.
    #[serde(default)]
    pub note: Option<String>,
}

/// Propose a match, as the need's or the offer's organisation (that side counts as
/// accepted) or as a coordinator.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    request_body = ProposeMatch,
    responses(
        (status = 201, description = "The proposed match", body = Match, headers(("Location" = String))),
        NoToken,
        (status = 403, description = "Neither side nor a coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such need or offer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The offer cannot meet the need, or a live match exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/matches")]
async fn propose_match(
    SignedIn(reader): SignedIn,
    state: web::Data<AppState>,
    body: web::Json<ProposeMatch>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let notifier = state.notifier.clone();
    if body
        .note
        .as_deref()
        .is_some_and(|note| note.chars().count() > 2000)
    {
        return Err(FieldError::new("note", "length", "must be at most 2000 characters").into());
    }
    let scoring = state.todays_scoring();
    let proposed = state
        .db
        .transaction(move |conn| {
            service::propose(
                conn,
                &reader,
                scoring.scoring(),
                &notifier,
                body.need_id,
                body.offer_id,
                body.note,
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/matches/{}", proposed.id)))
        .json(proposed))
}

/// The orders of the match list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchSort {
    /// Newest first (the default).
    #[default]
    Newest,
    /// In the order of their changes, oldest change first: the sync list (docs/API.md,
    /// "Incremental sync").
    Updated,
}

/// A match list cursor: newest-first `<micros>.<id>`, or the sync list's `c.<change>.<id>`.
const MATCH_CURSOR_PATTERN: &str = concat!(
    r"^([0-9]{1,16}|c\.[0-9]{1,18})\.",
    crate::http::pagination::uuid_pattern!(),
    "$"
);

fn match_cursor_schema() -> utoipa::openapi::Object {
    crate::http::pagination::cursor_schema(MATCH_CURSOR_PATTERN)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    pub status: Option<MatchStatus>,
    pub need_id: Option<Uuid>,
    pub offer_id: Option<Uuid>,
    /// The order; with a `cursor`, the order of the list the cursor came from. `updated`
    /// is the sync list, and the default when `updated_since` is given.
    pub sort: Option<MatchSort>,
    /// Only matches changed at or after this time (RFC 3339): where a partner's first sync
    /// poll starts; later polls continue from `next_cursor`.
    #[param(value_type = Option<String>, nullable = false, format = DateTime)]
    pub updated_since: Option<UpdatedSince>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(schema_with = match_cursor_schema)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchPage {
    pub items: Vec<Match>,
    /// Where the next page starts; `null` on the last page of the newest-first list. The
    /// sync list always has one: the next poll starts there.
    pub next_cursor: Option<String>,
}

/// The matches the caller takes part in (coordinators: all), newest first, or in the order
/// of their changes (`sort=updated`, for sync).
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(MatchQuery),
    responses(
        (status = 200, description = "One page of matches", body = MatchPage),
        NoToken,
    )
)]
#[get("/matches")]
async fn list_matches(
    SignedIn(reader): SignedIn,
    state: web::Data<AppState>,
    query: web::Query<MatchQuery>,
) -> Result<web::Json<MatchPage>, ApiError> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let Some(organisation) = reader.organisation_id() else {
        return Err(ApiError::Unauthorized("sign in to see matches".into()));
    };
    let filter = MatchFilter {
        status: query.status,
        need_id: query.need_id,
        offer_id: query.offer_id,
        party_organisation: (!reader.is_coordinator()).then_some(organisation),
        updated_since: query.updated_since.map(UpdatedSince::naive_utc),
    };
    // A cursor continues the list it came from, whatever `sort` says now.
    let syncing = match query.cursor.as_deref() {
        Some(text) => text.starts_with("c."),
        None => query.sort.map_or(query.updated_since.is_some(), |sort| {
            sort == MatchSort::Updated
        }),
    };
    if syncing {
        let after = query
            .cursor
            .as_deref()
            .map(|text| parse_cursor(text, parse_change_cursor))
            .transpose()?;
        let (items, next) = state
            .db
            .query(move |conn| service::sync_matches(conn, &reader, &filter, after, limit))
            .await?;
        return Ok(web::Json(MatchPage {
            items,
            next_cursor: Some(change_cursor_text(next)),
        }));
    }
    // The id part is typed: a forged one is a 400, not a query.
    let after = keyset_after::<Uuid>(query.cursor.as_deref())?.map(|(at, id)| (at, id.to_string()));
    let (items, next) = state
        .db
        .query(move |conn| service::list_matches(conn, &reader, &filter, after.as_ref(), limit))
        .await?;
    Ok(web::Json(MatchPage {
        items,
        next_cursor: keyset_cursor(next),
    }))
}

documented_refusals! {
    /// What a route on one match refuses before it looks further.
    MatchRefusals = [NO_TOKEN, (404, "No such match, or not one the caller takes part in")];
}

/// One match, for its two sides and coordinators.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The match", body = Match),
        MatchRefusals,
    )
)]
#[get("/matches/{id}")]
async fn get_match(
    SignedIn(reader): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Match>, ApiError> {
    let id = id.into_inner();
    let found = state
        .db
        .query(move |conn| service::view_match(conn, &reader, id))
        .await?;
    Ok(web::Json(found))
}

/// A side's report on a completed match.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeReportBody {
    /// 1 (it did not help) to 5 (it changed a lot).
    pub rating: Option<i32>,
    /// What changed, 1 to 5000 characters.
    pub outcome: Option<String>,
}

/// Report how a completed match went for your side, once. The side that completed the
/// match reported with the completion; the other side is asked by email.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = OutcomeReportBody,
    responses(
        (status = 201, description = "The report", body = OutcomeReport),
        MatchRefusals,
        (status = 403, description = "Coordinators read reports but do not write them", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not completed yet, or the caller's side has reported", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid rating or outcome", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/matches/{id}/reports")]
async fn report_on_match(
    SignedIn(reader): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<OutcomeReportBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let input = ReportInput {
        rating: body.rating,
        outcome: body.outcome,
    };
    let report: Result<OutcomeReport, MatchingError> = state
        .db
        .transaction(move |conn| service::report_outcome(conn, &reader, id, input))
        .await;
    Ok(HttpResponse::Created().json(report?))
}

/// The outcome reports on a match: coordinators read both sides', a side reads its own.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The reports the caller may read", body = Vec<OutcomeReport>),
        MatchRefusals,
    )
)]
#[get("/matches/{id}/reports")]
async fn list_match_reports(
    SignedIn(reader): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<OutcomeReport>>, ApiError> {
    let id = id.into_inner();
    let reports = state
        .db
        .query(move |conn| service::reports_for(conn, &reader, id))
        .await?;
    Ok(web::Json(reports))
}

/// A note with an approval, an acceptance or a decline (all optional): the other parties
/// read it in the match's history.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionNote {
    #[serde(default)]
    #[schema(max_length = 2000, nullable = false)]
    pub reason: Option<String>,
}

/// Why a match is rejected or cancelled (required): both sides read it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionReason {
    // An `Option` so that a missing reason is a field error naming `reason`, like every
    // other invalid field, rather than a shape error.
    #[serde(default)]
    #[schema(required = true, nullable = false, min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

/// What a completion reports: how much was delivered, a rating and what changed. The words
/// and the rating stay with the reporting side (see `GET /api/v1/matches/{id}/reports`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionReport {
    /// How much was delivered: 0 up to the quantity reserved.
    #[serde(default)]
    #[schema(required = true, nullable = false, minimum = 0)]
    pub delivered_quantity: Option<i32>,
    /// 1 (did not help) to 5 (changed how we work).
    #[serde(default)]
    #[schema(required = true, nullable = false, minimum = 1, maximum = 5)]
    pub rating: Option<i32>,
    /// What changed.
    #[serde(default)]
    #[schema(required = true, nullable = false, min_length = 1, max_length = 5000)]
    pub outcome: Option<String>,
    /// An optional note for the other parties.
    #[serde(default)]
    #[schema(max_length = 2000, nullable = false)]
    pub reason: Option<String>,
}

impl From<ActionNote> for ActionInput {
    fn from(note: ActionNote) -> Self {
        ActionInput {
            reason: note.reason,
            ..ActionInput::default()
        }
    }
}

impl From<Option<ActionNote>> for ActionInput {
    fn from(note: Option<ActionNote>) -> Self {
        note.unwrap_or_default().into()
    }
}

impl From<ActionReason> for ActionInput {
    fn from(body: ActionReason) -> Self {
        ActionInput {
            reason: body.reason,
            ..ActionInput::default()
        }
    }
}

impl From<CompletionReport> for ActionInput {
    fn from(report: CompletionReport) -> Self {
        ActionInput {
            reason: report.reason,
            delivered_quantity: report.delivered_quantity,
            outcome: report.outcome,
            rating: report.rating,
        }
    }
}

/// One documented operation per match action, so that each states its own body (a reason
/// is required to reject or cancel, a report to complete) where one `{action}` operation
/// could only say "it depends". They share everything but the body type.
macro_rules! match_action {
    ($(#[$doc:meta])* $handler:ident, $path:literal, $action:expr, $body:ty, $body_doc:expr) => {
        $(#[$doc])*
        #[utoipa::path(
            tag = "matching",
            security(("bearer" = [])),
            params(("id" = Uuid, Path)),
            request_body(content = $body, description = $body_doc),
            responses(
                (status = 200, description = "The match after the action", body = Match),
                NoToken,
                (status = 403, description = "The caller's side may not take this action", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such match", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Not allowed in its state (`allowed_actions` lists what is), or no capacity left", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "An invalid field", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        async fn $handler(
            SignedIn(reader): SignedIn,
            state: web::Data<AppState>,
            id: web::Path<Uuid>,
            body: web::Bytes,
        ) -> Result<web::Json<Match>, ApiError> {
            let body: $body = optional_json(&body)?;
            act(&state, reader, id.into_inner(), $action, body.into()).await
        }
    };
}

match_action!(
    /// Approve a proposed match (coordinators).
    approve_match, "/matches/{id}/approve", MatchAction::Approve, Option<ActionNote>, "An optional note"
);
match_action!(
    /// Reject a proposed match (coordinators), saying why.
    reject_match, "/matches/{id}/reject", MatchAction::Reject, ActionReason, "Why"
);
match_action!(
    /// Accept a match for the caller's side.
    accept_match, "/matches/{id}/accept", MatchAction::Accept, Option<ActionNote>, "An optional note"
);
match_action!(
    /// Decline a match for the caller's side.
    decline_match, "/matches/{id}/decline", MatchAction::Decline, Option<ActionNote>, "An optional note"
);
match_action!(
    /// Complete an active match with the caller's report of the outcome.
    complete_match, "/matches/{id}/complete", MatchAction::Complete, CompletionReport, "The outcome"
);
match_action!(
    /// Cancel a match (either side or a coordinator), saying why; reserved capacity returns
    /// to the offer.
    cancel_match, "/matches/{id}/cancel", MatchAction::Cancel, ActionReason, "Why"
);

/// The action, on the blocking pool, in one transaction.
async fn act(
    state: &AppState,
    reader: Reader,
    id: Uuid,
    action: MatchAction,
    input: ActionInput,
) -> Result<web::Json<Match>, ApiError> {
    let notifier = state.notifier.clone();
    let updated: Result<Match, MatchingError> = state
        .db
        .transaction(move |conn| service::act(conn, &reader, &notifier, id, action, input))
        .await;
    Ok(web::Json(updated?))
}

/// A proposed spread of all open offer capacity over all open needs, most urgent first,
/// each row explained (coordinators only). Turn a row into a match with `POST /api/v1/matches`.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The proposed allocation", body = service::Allocation),
        CoordinatorsOnly,
    )
)]
#[get("/allocation")]
async fn allocation(
    state: web::Data<AppState>,
    _coordinator: crate::auth::extract::Coordinator,
) -> Result<web::Json<service::Allocation>, ApiError> {
    let scoring = state.todays_scoring();
    let plan = state
        .db
        .query(move |conn| service::allocation(conn, scoring.scoring()))
        .await?;
    Ok(web::Json(plan))
}

/// Where needs go unmet (open needs by theme x country x urgency, with median days open)
/// and how matching performs (share matched, time to match, outcomes). Coordinators only.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The gap report", body = crate::matching::gaps::GapReport),
        CoordinatorsOnly,
    )
)]
#[get("/reports/gaps")]
async fn gap_report(
    state: web::Data<AppState>,
    _coordinator: crate::auth::extract::Coordinator,
) -> Result<web::Json<crate::matching::gaps::GapReport>, ApiError> {
    let today = Utc::now().date_naive();
    let report = state
        .db
        .query(move |conn| service::gap_report(conn, today))
        .await?;
    Ok(web::Json(report))
}

/// Recompute every candidate pair of the open catalogue and tell the owners of pairs not
/// announced before (coordinators only). Publishing or changing an item does the same for
/// that item alone.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the run found", body = crate::matching::announce::RunSummary),
        CoordinatorsOnly,
    )
)]
#[post("/matching/run")]
async fn run_matching(
    state: web::Data<AppState>,
    _coordinator: crate::auth::extract::Coordinator,
) -> Result<web::Json<crate::matching::announce::RunSummary>, ApiError> {
    let (scoring, notifier) = (state.todays_scoring(), state.notifier.clone());
    let summary = state
        .db
        .write(move |conn| crate::matching::announce::run(conn, &notifier, scoring.scoring()))
        .await?;
    Ok(web::Json(summary))
}

/// The matching area's errors as HTTP answers; a party acting on a match that is not theirs
/// is refused as forbidden, every other refusal is a conflict with the match's state, each
/// kind with its own problem type.
impl From<MatchingError> for ApiError {
    fn from(error: MatchingError) -> Self {
        match error {
            MatchingError::Catalogue(error) => error.into(),
            MatchingError::NotFound => Self::not_found("match"),
            MatchingError::Forbidden(reason) => Self::Forbidden(reason.into()),
            MatchingError::Refused(MatchRefusal::Party { .. }) => {
                Self::Forbidden(error.to_string().into())
            }
            MatchingError::Refused(MatchRefusal::State { status, .. }) => {
                Self::invalid_transition(error.to_string(), allowed_actions(status))
            }
            MatchingError::Refused(MatchRefusal::AlreadyAccepted { .. }) => {
                Self::refused(ProblemType::AlreadyAccepted, error.to_string())
            }
            MatchingError::Unmatchable(Exclusion::NoCapacityLeft) => {
                Self::refused(ProblemType::CapacityExhausted, error.to_string())
            }
            MatchingError::Unmatchable(_) => {
                Self::refused(ProblemType::Unmatchable, error.to_string())
            }
            MatchingError::Invalid(errors) => Self::validation(errors),
            MatchingError::ChangedMeanwhile(_) => distinct::changed_meanwhile(error.to_string()),
            MatchingError::Store(error) => error.into(),
        }
    }
}
