//! The pages of signed action links in event emails: keep a need open, report how a match
//! went. The link names its user and action; what it opens goes through the same use cases
//! and authorisation as the API, for that user as they are now.

use actix_web::{get, post, web, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::accounts::model::Viewer;
use crate::accounts::store as accounts;
use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::Need;
use crate::catalogue::service as catalogue;
use crate::db::{Conn, StoreError};
use crate::error::ApiError;
use crate::matching::service::{self as matching, MatchingError, ReportInput};
use crate::notify::signed_links::EmailAction;
use crate::state::AppState;
use crate::visibility::{Reader, ReaderOrganisation};
use crate::web::csrf::CheckedForm;
use crate::web::email_links::{
    dead_link_page, link_page, link_pages, refused_link_page, TokenForm, TokenQuery,
};
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::render::see_other;
use crate::web::session::Visitor;

pub fn routes(config: &mut web::ServiceConfig) {
    link_pages(config, &[("/needs/reconfirm", "reconfirm_need")]);
    config
        .service(reconfirm_need_submit)
        .service(report_outcome_page)
        .service(report_outcome_submit);
}

/// The user a link was signed for and what `pick` takes from its action; an invalid link,
/// or one signed for another kind of action, is refused.
fn action_of<T>(
    state: &AppState,
    token: &str,
    pick: fn(EmailAction) -> Option<T>,
) -> Option<(uuid::Uuid, T)> {
    state
        .notifier
        .signed_links()
        .verify_action(token)
        .and_then(|(user_id, action)| Some((user_id, pick(action)?)))
}

/// The user an action link was signed for, as a reader with the role and organisation they
/// have now: a link does not outlive a change of membership.
fn reader_of_user(conn: &mut Conn<'_>, user_id: uuid::Uuid) -> Result<Reader, StoreError> {
    let user = accounts::find_user(conn, user_id)?.ok_or(StoreError::NotFound("user"))?;
    let organisation = accounts::find_organisation(conn, user.organisation_id)?
        .ok_or(StoreError::NotFound("organisation"))?;
    Ok(Reader {
        viewer: Viewer::User {
            user_id: user.id,
            organisation_id: organisation.id,
            role: user.role,
        },
        organisation: Some(ReaderOrganisation {
            id: organisation.id,
            verified: organisation.verified,
            side: organisation.kind.side(),
        }),
    })
}

#[post("/needs/reconfirm")]
async fn reconfirm_need_submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    CheckedForm(form): CheckedForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let link = action_of(&state, &form.token, |action| match action {
        EmailAction::ReconfirmNeed { need_id } => Some(need_id),
        _ => None,
    });
    let Some((user_id, need_id)) = link else {
        return dead_link_page("reconfirm_need").render(&state, &visitor);
    };
    let announcer = state.announcer();
    state
        .db
        .transaction(move |conn| {
            let request = catalogue::Request {
                reader: reader_of_user(conn, user_id)?,
                today: chrono::Utc::now().date_naive(),
                expected_version: None,
            };
            catalogue::transition::<Need>(
                conn,
                &request,
                &announcer.notifier,
                &announcer,
                need_id,
                Action::Reconfirm,
            )
        })
        .await
        .map_err(ApiError::from)?;
    Ok(see_other("/needs/reconfirm/done"))
}

#[get("/matches/report")]
async fn report_outcome_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    link_page(
        "report_outcome",
        query.token.as_deref(),
        context! { form => ReportForm::default() },
    )
    .render(&state, &visitor)
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct ReportForm {
    #[serde(default, skip_serializing)]
    token: String,
    rating: Option<String>,
    #[serde(default)]
    outcome: String,
}

#[post("/matches/report")]
async fn report_outcome_submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    CheckedForm(form): CheckedForm<ReportForm>,
) -> Result<HttpResponse, PageError> {
    let link = action_of(&state, &form.token, |action| match action {
        EmailAction::ReportOutcome { match_id } => Some(match_id),
        _ => None,
    });
    let Some((user_id, match_id)) = link else {
        return dead_link_page("report_outcome").render(&state, &visitor);
    };
    // A rating that is not a number is out of range, as the use case would say of 9.
    let input = ReportInput {
        rating: Some(
            form.rating
                .as_deref()
                .and_then(|rating| rating.trim().parse().ok())
                .unwrap_or(0),
        ),
        outcome: Some(form.outcome.clone()),
    };
    let result = state
        .db
        .transaction(move |conn| {
            let reader = reader_of_user(conn, user_id)?;
            matching::report_outcome(conn, &reader, match_id, input)
        })
        .await
        .map_err(|error: MatchingError| ApiError::from(error));
    match result {
        Ok(_) => Ok(see_other("/matches/report/done")),
        Err(error) => {
            let errors = FormErrors::from_refusal(&state.site, "report", &error)
                .ok_or_else(|| PageError::from(error))?;
            let token = form.token.clone();
            refused_link_page(
                "report_outcome",
                token,
                false,
                errors,
                context! { form => &form },
            )
            .token_in_url()
            .render(&state, &visitor)
        }
    }
}
