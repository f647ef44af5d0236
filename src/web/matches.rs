//! The match pages: `/matches` (the matches the reader's organisation is a side of, all of
//! them for coordinators), `/matches/{id}` (one match as this reader may see it, with the
//! actions they may take now), `POST /matches/propose` (the catalogue pages' "Propose a
//! match" forms) and `POST /matches/{id}/{action}`. Every step calls the use case the API
//! calls; the use case decides who may do what, and a refusal is shown on the page.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::accounts::credentials;
use crate::accounts::store as accounts;
use crate::audit::store::{self as audit, AuditFilter};
use crate::catalogue::item::CatalogueItem;
use crate::catalogue::model::{Need, Offer};
use crate::catalogue::service::CatalogueError;
use crate::db::{Conn, StoreError};
use crate::error::{ApiError, FieldError};
use crate::http::pagination::keyset_cursor;
use crate::matching::score::Exclusion;
use crate::matching::service::{self, ActionInput, MatchingError, ReportInput, Scoring};
use crate::matching::store::{self as store, Match, MatchFilter, OutcomeReport};
use crate::matching::workflow::{next, MatchAction, MatchRefusal, MatchStatus, Party};
use crate::state::AppState;
use crate::visibility::{reveals_need_owner, Reader};
use crate::web::address::{next_link, page_after, path_id, Notice};
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::render::{see_other, Page};
use crate::web::session::{SignedIn, Visitor};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(list_page)
        .service(propose)
        .service(match_page)
        .service(act);
}

/// Matches on one page of the list.
const PAGE_SIZE: usize = 20;

/// `work` with scoring as of today (the running server's taxonomy and weights), as the
/// closure the blocking pool runs: every page that ranks or proposes scores as the API does.
pub(crate) fn scored<T, E>(
    state: &AppState,
    work: impl FnOnce(&mut Conn<'_>, Scoring<'_>) -> Result<T, E>,
) -> impl FnOnce(&mut Conn<'_>) -> Result<T, E> {
    let today = state.todays_scoring();
    move |conn| work(conn, today.scoring())
}

/// What a match waits for now, as a message id (`match-waits-...`), if anything.
fn waits_for(found: &Match) -> Option<&'static str> {
    match found.status {
        MatchStatus::Proposed => Some("match-waits-coordinator"),
        MatchStatus::Approved => match (found.requester_accepted, found.provider_accepted) {
            (false, false) => Some("match-waits-both"),
            (false, true) => Some("match-waits-requester"),
            _ => Some("match-waits-provider"),
        },
        MatchStatus::Active => Some("match-waits-completion"),
        _ => None,
    }
}

/// From approval on, both sides read both items (the match emails say so too); before, a
/// side reads the other's item only where the visibility rule lets it.
fn items_shared(status: MatchStatus) -> bool {
    matches!(
        status,
        MatchStatus::Approved | MatchStatus::Active | MatchStatus::Completed
    )
}

/// Contact details cross, and an anonymous requester is named, once the work has started.
fn work_started(status: MatchStatus) -> bool {
    matches!(status, MatchStatus::Active | MatchStatus::Completed)
}

/// The titles of a match's items as `reader` may read them (None: confidential).
fn titles(
    reader: &Reader,
    found: &Match,
    need: &Need,
    offer: &Offer,
) -> (Option<String>, Option<String>) {
    let shared = items_shared(found.status);
    let need_title = (shared || need.readable_by(reader)).then(|| need.fields.title.clone());
    let offer_title = (shared || offer.readable_by(reader)).then(|| offer.fields.title.clone());
    (need_title, offer_title)
}

#[derive(Serialize)]
pub(crate) struct ListedMatch {
    id: Uuid,
    need_title: Option<String>,
    offer_title: Option<String>,
    score: String,
    status: &'static str,
    waits_for: Option<&'static str>,
}

/// Matches as list rows for `reader`, in their order.
pub(crate) fn listed(
    conn: &mut Conn<'_>,
    reader: &Reader,
    found: &[Match],
) -> Result<Vec<ListedMatch>, StoreError> {
    found.iter().map(|found| row(conn, reader, found)).collect()
}

/// A match as a list row for `reader`; the items are read directly, as `read_match` does.
fn row(conn: &mut Conn<'_>, reader: &Reader, found: &Match) -> Result<ListedMatch, StoreError> {
    use crate::catalogue::store::{needs, offers};
    let need = needs::find(conn, found.need_id)?.ok_or(StoreError::NotFound("need"))?;
    let offer = offers::find(conn, found.offer_id)?.ok_or(StoreError::NotFound("offer"))?;
    let (need_title, offer_title) = titles(reader, found, &need, &offer);
    Ok(ListedMatch {
        id: found.id,
        need_title,
        offer_title,
        score: format!("{:.2}", found.score),
        status: found.status.as_str(),
        waits_for: waits_for(found),
    })
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

#[get("/matches")]
async fn list_page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let reader = signed_in.user.reader();
    // An unknown status in the address is the empty filter a person can pick again.
    let status = query
        .status
        .as_deref()
        .filter(|status| !status.is_empty())
        .and_then(|status| status.parse::<MatchStatus>().ok());
    let after = page_after::<Uuid>(query.cursor.as_deref())?.map(|(at, id)| (at, id.to_string()));
    // The same filter as `GET /api/v1/matches`: one's own organisation's, or all of them.
    let filter = MatchFilter {
        status,
        party_organisation: (!signed_in.user.is_coordinator())
            .then_some(signed_in.user.organisation.id),
        ..MatchFilter::default()
    };
    let (items, next) = state
        .db
        .read(move |conn| {
            let (found, next) = store::list(conn, &filter, after.as_ref(), PAGE_SIZE)?;
            Ok((listed(conn, &reader, &found)?, next))
        })
        .await?;
    let status_name = status.map_or("", MatchStatus::as_str);
    let next_link = next_link("/matches", &[("status", status_name)], keyset_cursor(next));
    Page::new(
        "matches/list",
        context! {
            items => items,
            statuses => MatchStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            status => status.map(MatchStatus::as_str),
            next_link => next_link,
        },
    )
    .render(&state, &signed_in.visitor)
}

#[derive(Debug, Deserialize)]
struct ProposeForm {
    #[serde(default)]
    need_id: String,
    #[serde(default)]
    offer_id: String,
    #[serde(default)]
    note: Option<String>,
}

/// Why a proposal was refused, as a message id (`propose-refused-...`).
fn exclusion_message(exclusion: Exclusion) -> &'static str {
    match exclusion {
        Exclusion::NotOpen => "propose-refused-not-open",
        Exclusion::NoSharedTheme => "propose-refused-no-theme",
        Exclusion::OutsideCoverage => "propose-refused-coverage",
        Exclusion::NoSharedLanguage => "propose-refused-language",
        Exclusion::NoSharedDeliveryMode => "propose-refused-delivery",
        Exclusion::WindowsDoNotOverlap => "propose-refused-dates",
        Exclusion::NoCapacityLeft => "propose-refused-capacity",
        Exclusion::RequesterKindNotEligible => "propose-refused-requester-kind",
        Exclusion::SectorNotEligible => "propose-refused-sector",
        Exclusion::IncidentRequired => "propose-refused-incident",
        Exclusion::CostsNotEligible => "propose-refused-costs",
    }
}

/// `POST /matches/propose`: the same proposal as `POST /api/v1/matches`, then the new match's
/// page. A refused proposal gets a page that says why, with links back to both items.
#[post("/matches/propose")]
async fn propose(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    CheckedForm(form): CheckedForm<ProposeForm>,
) -> Result<HttpResponse, PageError> {
    let need_id = Uuid::parse_str(form.need_id.trim()).map_err(|_| PageError::BadRequest)?;
    let offer_id = Uuid::parse_str(form.offer_id.trim()).map_err(|_| PageError::BadRequest)?;
    let note = form
        .note
        .map(|note| note.trim().to_owned())
        .filter(|note| !note.is_empty());
    let refused = |reason: &'static str, status: StatusCode| {
        Page::new(
            "matches/refused",
            context! { reason => reason, need_id => need_id, offer_id => offer_id },
        )
        .status(status)
        .render(&state, &signed_in.visitor)
    };
    // The API's own limit on the note.
    if note
        .as_deref()
        .is_some_and(|note| note.chars().count() > 2000)
    {
        return refused("propose-refused-note", StatusCode::UNPROCESSABLE_ENTITY);
    }
    let reader = signed_in.user.reader();
    let notifier = state.notifier.clone();
    let proposed = state
        .db
        .transaction(scored(&state, move |conn, scoring| {
            service::propose(conn, &reader, scoring, &notifier, need_id, offer_id, note)
        }))
        .await;
    match proposed {
        Ok(created) => Ok(see_other(&format!("/matches/{}?done=proposed", created.id))),
        Err(MatchingError::Unmatchable(exclusion)) => {
            refused(exclusion_message(exclusion), StatusCode::CONFLICT)
        }
        Err(MatchingError::Store(StoreError::Conflict(_))) => {
            refused("propose-refused-live", StatusCode::CONFLICT)
        }
        Err(MatchingError::Forbidden(_)) => refused("propose-refused-side", StatusCode::FORBIDDEN),
        Err(MatchingError::Catalogue(CatalogueError::EmailNotVerified)) => {
            refused("email-unverified", StatusCode::FORBIDDEN)
        }
        Err(error) => Err(ApiError::from(error).into()),
    }
}

/// One factor of the score, as the page shows it.
#[derive(Debug, Deserialize, Serialize)]
struct FactorLine {
    factor: String,
    #[serde(default)]
    value: f64,
    #[serde(default)]
    reason: String,
}

#[derive(Serialize)]
struct SideOrganisation {
    /// The organisation's name, when this reader may know it.
    name: Option<String>,
    kind: &'static str,
    country: &'static str,
}

#[derive(Serialize)]
struct Person {
    name: String,
    email: String,
}

#[derive(Serialize)]
struct Contacts {
    organisation: String,
    people: Vec<Person>,
}

#[derive(Serialize)]
struct HistoryLine {
    at: String,
    action: String,
    /// `requester`, `provider`, `coordinator` or `system`.
    by: &'static str,
    reason: Option<String>,
}

#[derive(Serialize)]
struct ReportLine {
    party: &'static str,
    rating: i32,
    outcome: String,
}

#[derive(Serialize)]
struct MatchDetail {
    id: Uuid,
    need_id: Uuid,
    offer_id: Uuid,
    need_title: Option<String>,
    offer_title: Option<String>,
    requester: SideOrganisation,
    provider: SideOrganisation,
    score: String,
    factors: Vec<FactorLine>,
    status: &'static str,
    waits_for: Option<&'static str>,
    note: Option<String>,
    reason: Option<String>,
    decided_by: Option<String>,
    reserved_quantity: i32,
    delivered_quantity: Option<i32>,
    /// The reader's side: `requester`, `provider` or `coordinator`.
    party: &'static str,
    contacts: Vec<Contacts>,
    history: Vec<HistoryLine>,
    /// The actions this reader may take now.
    actions: Vec<&'static str>,
    can_report: bool,
    reports: Vec<ReportLine>,
}

fn party_of_organisation(organisation: Option<Uuid>, need: &Need, offer: &Offer) -> &'static str {
    let Some(organisation) = organisation else {
        return "system";
    };
    if organisation == need.organisation_id {
        "requester"
    } else if organisation == offer.organisation_id {
        "provider"
    } else {
        "coordinator"
    }
}

/// Everything the match page shows `reader`, read in one go; a match the reader takes no
/// part in does not exist for them (`read_match` decides).
fn detail(conn: &mut Conn<'_>, reader: &Reader, id: Uuid) -> Result<MatchDetail, MatchingError> {
    let (found, need, offer, party) = service::read_match(conn, reader, id)?;
    let reports: Vec<OutcomeReport> = service::reports_for(conn, reader, id)?;
    let (need_title, offer_title) = titles(reader, &found, &need, &offer);
    let requester_org = accounts::find_organisation(conn, need.organisation_id)?
        .ok_or(StoreError::NotFound("organisation"))?;
    let provider_org = accounts::find_organisation(conn, offer.organisation_id)?
        .ok_or(StoreError::NotFound("organisation"))?;
    let started = work_started(found.status);
    // An anonymous need names its organisation to the provider only once the work starts.
    let named = started || reveals_need_owner(reader, need.organisation_id, need.fields.anonymous);
    let requester = SideOrganisation {
        name: named.then(|| requester_org.name.clone()),
        kind: requester_org.kind.as_str(),
        country: requester_org.country.name(),
    };
    let provider = SideOrganisation {
        name: Some(provider_org.name.clone()),
        kind: provider_org.kind.as_str(),
        country: provider_org.country.name(),
    };
    let mut contacts = Vec::new();
    if started {
        let sides = [
            (Party::Provider, &requester_org),
            (Party::Requester, &provider_org),
        ];
        // Each side reads the other's contacts; coordinators read both.
        for (reader_side, organisation) in sides {
            if party == reader_side || party == Party::Coordinator {
                let people = credentials::org_admins(conn, organisation.id)?
                    .into_iter()
                    .map(|user| Person {
                        name: user.name,
                        email: user.email.to_string(),
                    })
                    .collect();
                contacts.push(Contacts {
                    organisation: organisation.name.clone(),
                    people,
                });
            }
        }
    }
    let decided_by = match found.decided_by {
        Some(user_id) => accounts::find_user(conn, user_id)?.map(|user| user.name),
        None => None,
    };
    let filter = AuditFilter {
        entity: Some("match".to_owned()),
        entity_id: Some(id.to_string()),
    };
    let (lines, _) = audit::list(conn, &filter, None, 100)?;
    let history = lines
        .into_iter()
        .rev()
        .map(|line| HistoryLine {
            at: line.at.format("%Y-%m-%d %H:%M UTC").to_string(),
            by: party_of_organisation(line.actor_organisation_id, &need, &offer),
            reason: line
                .after
                .as_ref()
                .and_then(|after| after.get("reason"))
                .and_then(|reason| reason.as_str())
                .filter(|_| line.action != "create")
                .map(str::to_owned),
            action: line.action,
        })
        .collect();
    let actions = MatchAction::ALL
        .iter()
        .copied()
        .filter(|action| next(found.state(), *action, party).is_ok())
        .map(MatchAction::as_str)
        .collect();
    let is_side = matches!(party, Party::Requester | Party::Provider);
    let can_report = is_side
        && found.status == MatchStatus::Completed
        && !reports.iter().any(|report| report.party == party);
    let factors = serde_json::from_value(found.explanation.clone()).unwrap_or_default();
    Ok(MatchDetail {
        id: found.id,
        need_id: need.id,
        offer_id: offer.id,
        need_title,
        offer_title,
        requester,
        provider,
        score: format!("{:.2}", found.score),
        factors,
        status: found.status.as_str(),
        waits_for: waits_for(&found),
        note: found.note.clone(),
        reason: found.reason.clone(),
        decided_by,
        reserved_quantity: found.reserved_quantity,
        delivered_quantity: found.delivered_quantity,
        party: party.as_str(),
        contacts,
        history,
        actions,
        can_report,
        // A side reads only its own report (the API's `/reports` rule).
        reports: reports
            .into_iter()
            .map(|report| ReportLine {
                party: report.party.as_str(),
                rating: report.rating,
                outcome: report.outcome,
            })
            .collect(),
    })
}

/// What the action forms show again after a refusal.
#[derive(Debug, Default, Deserialize, Serialize)]
struct ActionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    delivered_quantity: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    rating: Option<String>,
    /// Where to go after the action: only the coordinators' queue, never an outside address.
    #[serde(default, skip_serializing)]
    back: Option<String>,
}

/// A refusal to show on the match page.
struct Shown<'a> {
    status: StatusCode,
    refusal: Option<&'static str>,
    errors: FormErrors,
    /// The form that was refused, which shows its errors and keeps its input.
    action: Option<&'a str>,
    form: &'a ActionForm,
}

async fn render_match(
    state: &AppState,
    visitor: &Visitor,
    reader: Reader,
    id: Uuid,
    shown: Shown<'_>,
    done: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let found = state
        .db
        .query(move |conn| detail(conn, &reader, id))
        .await
        .map_err(ApiError::from)?;
    Page::new(
        "matches/show",
        context! {
            m => found,
            refusal => shown.refusal,
            errors => shown.errors,
            failed => shown.action,
            form => shown.form,
            done => done,
        },
    )
    .status(shown.status)
    .render(state, visitor)
}

#[get("/matches/{id}")]
async fn match_page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<String>,
    query: web::Query<Notice>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path)?;
    let done = query.done.as_deref().filter(|done| {
        *done == "report" || *done == "proposed" || done.parse::<MatchAction>().is_ok()
    });
    let form = ActionForm::default();
    let shown = Shown {
        status: StatusCode::OK,
        refusal: None,
        errors: FormErrors::none(),
        action: None,
        form: &form,
    };
    render_match(
        &state,
        &signed_in.visitor,
        signed_in.user.reader(),
        id,
        shown,
        done,
    )
    .await
}

/// How a refused action is told on the page; None for what is not a refusal (a hidden match,
/// a failure of ours), which gets its own page.
fn refusal_of(error: &MatchingError) -> Option<(StatusCode, &'static str)> {
    match error {
        MatchingError::Refused(MatchRefusal::Party { .. }) | MatchingError::Forbidden(_) => {
            Some((StatusCode::FORBIDDEN, "match-refused-party"))
        }
        MatchingError::Refused(MatchRefusal::State { .. }) => {
            Some((StatusCode::CONFLICT, "match-refused-state"))
        }
        MatchingError::Refused(MatchRefusal::AlreadyAccepted { .. }) => {
            Some((StatusCode::CONFLICT, "match-refused-already-accepted"))
        }
        MatchingError::Store(StoreError::Conflict(_))
        | MatchingError::Unmatchable(Exclusion::NoCapacityLeft) => {
            Some((StatusCode::CONFLICT, "match-refused-conflict"))
        }
        _ => None,
    }
}

/// `POST /matches/{id}/{action}`: approve, reject, accept, decline, cancel, complete (the
/// API's `POST /api/v1/matches/{id}/{action}`), or report (its `/reports`).
#[post("/matches/{id}/{action}")]
async fn act(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    CheckedForm(form): CheckedForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    let (id, action_name) = path.into_inner();
    let id = path_id(&id)?;
    let action = match action_name.as_str() {
        "report" => None,
        other => Some(
            other
                .parse::<MatchAction>()
                .map_err(|_| PageError::NotFound)?,
        ),
    };
    let reader = signed_in.user.reader();
    let rating = form
        .rating
        .as_deref()
        .and_then(|rating| rating.trim().parse().ok())
        // A rating that is not a number is out of range, as the use case would say of 9.
        .or(Some(0));
    let mut errors = FormErrors::none();
    // The API asks for a reason to reject or cancel; the page asks the same.
    if matches!(action, Some(MatchAction::Reject | MatchAction::Cancel))
        && form.reason.trim().is_empty()
    {
        errors.add(
            &state.site,
            "match",
            &format!("{action_name}_reason"),
            "required",
        );
    }
    let result = if !errors.is_empty() {
        Err(MatchingError::Invalid(Vec::new()))
    } else {
        let notifier = state.notifier.clone();
        let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
        let delivered = form.delivered_quantity.trim().parse().ok().or(Some(-1));
        let outcome = Some(form.outcome.clone());
        state
            .db
            .transaction(move |conn| match action {
                Some(action) => {
                    let input = ActionInput {
                        reason,
                        delivered_quantity: (action == MatchAction::Complete)
                            .then_some(delivered)
                            .flatten(),
                        outcome: (action == MatchAction::Complete)
                            .then_some(outcome)
                            .flatten(),
                        rating: (action == MatchAction::Complete)
                            .then_some(rating)
                            .flatten(),
                    };
                    service::act(conn, &reader, &notifier, id, action, input).map(|_| ())
                }
                None => {
                    let input = ReportInput { rating, outcome };
                    service::report_outcome(conn, &reader, id, input).map(|_| ())
                }
            })
            .await
    };
    let error = match result {
        Ok(()) => {
            let back = form.back.as_deref().filter(|back| *back == "/coordination");
            return Ok(match back {
                Some(back) => see_other(back),
                None => see_other(&format!("/matches/{id}?done={action_name}")),
            });
        }
        Err(error) => error,
    };
    let (status, refusal) = match &error {
        MatchingError::Invalid(fields) => {
            let fields: Vec<FieldError> = fields.clone();
            if let Some(found) =
                FormErrors::from_refusal(&state.site, "match", &ApiError::validation(fields))
                    .filter(|_| errors.is_empty())
            {
                errors = found;
            }
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
        other => match refusal_of(other) {
            Some((status, message)) => (status, Some(message)),
            None => return Err(ApiError::from(error).into()),
        },
    };
    let shown = Shown {
        status,
        refusal,
        errors,
        action: Some(action_name.as_str()),
        form: &form,
    };
    render_match(&state, &signed_in.visitor, reader, id, shown, None).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::model::OrganisationKind;
    use crate::web::i18n::{assert_messages_exist, prefixed};

    /// The messages the match and coordination templates build from a value: every value
    /// has one, so no page fails in front of a person.
    #[test]
    fn every_built_message_exists() {
        let mut ids = [
            prefixed("match-status-", MatchStatus::ALL),
            prefixed("match-someone-", OrganisationKind::ALL),
            prefixed("match-factor-", crate::matching::score::FACTORS),
            prefixed("match-history-action-", MatchAction::ALL),
            prefixed("match-done-", MatchAction::ALL),
            prefixed(
                "match-party-",
                ["requester", "provider", "coordinator", "engine", "system"],
            ),
            prefixed(
                "coordination-urgency-",
                crate::catalogue::model::Urgency::ALL,
            ),
            prefixed(
                "audit-entity-",
                ["need", "offer", "organisation", "match", "match_report"],
            ),
        ]
        .concat();
        // The actions that ask why: each one's field and button.
        for action in ["reject", "decline", "cancel"] {
            ids.extend(prefixed(
                &format!("match-{action}-"),
                ["reason", "reason-hint", "button"],
            ));
        }
        ids.extend(
            [
                "match-history-action-create",
                "match-done-report",
                "match-done-proposed",
            ]
            .map(String::from),
        );
        for exclusion in [
            Exclusion::NotOpen,
            Exclusion::NoSharedTheme,
            Exclusion::OutsideCoverage,
            Exclusion::NoSharedLanguage,
            Exclusion::NoSharedDeliveryMode,
            Exclusion::WindowsDoNotOverlap,
            Exclusion::NoCapacityLeft,
            Exclusion::RequesterKindNotEligible,
            Exclusion::SectorNotEligible,
            Exclusion::IncidentRequired,
            Exclusion::CostsNotEligible,
        ] {
            ids.push(exclusion_message(exclusion).to_owned());
        }
        ids.extend(
            [
                "propose-refused-live",
                "propose-refused-side",
                "propose-refused-note",
                "match-refused-party",
                "match-refused-state",
                "match-refused-already-accepted",
                "match-refused-conflict",
                "match-waits-coordinator",
                "match-waits-both",
                "match-waits-requester",
                "match-waits-provider",
                "match-waits-completion",
                "match-reject_reason-required",
                "match-cancel_reason-required",
            ]
            .map(String::from),
        );
        assert_messages_exist(&ids);
    }
}
