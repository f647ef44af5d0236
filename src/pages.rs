//! The few HTML pages that email links open, served from the binary so that a person can
//! finish each email's journey with nothing but this server: confirm an address, choose a
//! new password, accept an invitation, stop a kind of email. Each GET shows a form and
//! changes nothing (mail scanners follow links); the form's POST does the work through the
//! same functions as the JSON API.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse, ResponseError};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::accounts::service as accounts_service;
use crate::accounts::store as accounts;
use crate::catalogue::lifecycle::Action;
use crate::catalogue::service::{self as catalogue, CatalogueError};
use crate::db::{Conn, StoreError};
use crate::error::{ApiError, FieldError};
use crate::matching::service::{self as matching, MatchingError, ReportInput};
use crate::notify::preferences;
use crate::notify::signed_links::EmailAction;
use crate::state::AppState;
use crate::visibility::{Reader, ReaderOrganisation};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(verify_email_page)
        .service(verify_email_submit)
        .service(password_reset_page)
        .service(password_reset_submit)
        .service(invitation_page)
        .service(invitation_submit)
        .service(unsubscribe_page)
        .service(unsubscribe_submit)
        .service(reconfirm_need_page)
        .service(reconfirm_need_submit)
        .service(report_outcome_page)
        .service(report_outcome_submit);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The token from the email's link.
    pub token: Option<String>,
}

#[derive(Serialize)]
struct PageContext<'a> {
    title: &'a str,
    message: Option<String>,
    token: Option<&'a str>,
}

fn page(
    state: &AppState,
    name: &str,
    context: PageContext<'_>,
    status: actix_web::http::StatusCode,
) -> HttpResponse {
    match state.notifier.templates().page(name, &context) {
        Ok(html) => HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            // The token is in the URL: never pass it on, never keep the page.
            .insert_header(("Referrer-Policy", "no-referrer"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
            ))
            .body(html),
        Err(error) => {
            tracing::error!(%error, "page template failed");
            ApiError::Internal.error_response()
        }
    }
}

fn form_page(
    state: &AppState,
    name: &str,
    title: &str,
    token: Option<&str>,
    message: Option<&str>,
) -> HttpResponse {
    let status = if token.is_some() {
        actix_web::http::StatusCode::OK
    } else {
        ApiError::BadRequest("".into()).status_code()
    };
    let message = match token {
        Some(_) => message.map(str::to_owned),
        None => Some("This link is incomplete: open the whole link from the email.".to_owned()),
    };
    page(
        state,
        name,
        PageContext {
            title,
            message,
            token,
        },
        status,
    )
}

/// What happened, for a person: the outcome, or why it failed.
fn outcome(
    state: &AppState,
    name: &str,
    title: &str,
    result: Result<String, ApiError>,
    retry_token: Option<&str>,
) -> HttpResponse {
    match result {
        Ok(message) => page(
            state,
            name,
            PageContext {
                title,
                message: Some(message),
                token: None,
            },
            actix_web::http::StatusCode::OK,
        ),
        Err(error) => {
            let status = error.status_code();
            let detail = match &error {
                ApiError::Validation { errors, .. } => errors
                    .iter()
                    .map(|e| format!("The {} {}.", e.field.replace('_', " "), e.message))
                    .collect::<Vec<_>>()
                    .join(" "),
                ApiError::Internal | ApiError::Unavailable => {
                    "Something went wrong on our side; please try again later.".to_owned()
                }
                other => other.to_string(),
            };
            // A wrong password can be fixed on the same page; a dead token cannot.
            let token = match &error {
                ApiError::Validation { errors, .. }
                    if errors.iter().all(|e| e.field != "token") =>
                {
                    retry_token
                }
                _ => None,
            };
            page(
                state,
                name,
                PageContext {
                    title,
                    message: Some(detail),
                    token,
                },
                status,
            )
        }
    }
}

/// The page an email-verification link opens: a button that confirms the address.
#[utoipa::path(tag = "pages", params(TokenQuery), responses(
    (status = 200, description = "An HTML page with a confirmation button", content_type = "text/html"),
    (status = 400, description = "No token in the link", content_type = "text/html"),
))]
#[get("/verify-email")]
async fn verify_email_page(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    form_page(
        &state,
        "verify_email",
        "Confirm your email address",
        query.token.as_deref(),
        None,
    )
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    pub token: String,
}

/// The confirmation button's target: verifies the address.
#[utoipa::path(tag = "pages", request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token`"), responses(
    (status = 200, description = "An HTML page: the address is verified", content_type = "text/html"),
    (status = 422, description = "An HTML page: the link is invalid, expired or used", content_type = "text/html"),
))]
#[post("/verify-email")]
async fn verify_email_submit(
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
) -> HttpResponse {
    let result = accounts_service::verify_email(&state.db, form.into_inner().token)
        .await
        .map_err(ApiError::from)
        .map(|()| "Your email address is confirmed. You can close this page.".to_owned());
    outcome(
        &state,
        "verify_email",
        "Confirm your email address",
        result,
        None,
    )
}

/// The page a password-reset link opens: a form for the new password.
#[utoipa::path(tag = "pages", params(TokenQuery), responses(
    (status = 200, description = "An HTML form for a new password", content_type = "text/html"),
    (status = 400, description = "No token in the link", content_type = "text/html"),
))]
#[get("/password-reset")]
async fn password_reset_page(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    form_page(
        &state,
        "password_reset",
        "Choose a new password",
        query.token.as_deref(),
        None,
    )
}

#[derive(Debug, Deserialize)]
pub struct PasswordResetForm {
    pub token: String,
    pub new_password: String,
}

/// The new-password form's target.
#[utoipa::path(tag = "pages", request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token`, `new_password`"), responses(
    (status = 200, description = "An HTML page: the password is changed", content_type = "text/html"),
    (status = 422, description = "An HTML page: the link is invalid, or the password too short or long", content_type = "text/html"),
))]
#[post("/password-reset")]
async fn password_reset_submit(
    state: web::Data<AppState>,
    form: web::Form<PasswordResetForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let token = form.token.clone();
    let result = accounts_service::reset_password(
        &state.db,
        &state.passwords,
        form.token,
        SecretString::from(form.new_password),
    )
    .await
    .map_err(ApiError::from)
        .map(|()| "Your password is changed, and you are signed out everywhere. Sign in with the new password.".to_owned());
    outcome(
        &state,
        "password_reset",
        "Choose a new password",
        result,
        Some(&token),
    )
}

/// The page an invitation link opens: a form for the newcomer's name and password.
#[utoipa::path(tag = "pages", params(TokenQuery), responses(
    (status = 200, description = "An HTML form to accept the invitation", content_type = "text/html"),
    (status = 400, description = "No token in the link", content_type = "text/html"),
))]
#[get("/invitations/accept")]
async fn invitation_page(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    form_page(
        &state,
        "accept_invitation",
        "Join your organisation",
        query.token.as_deref(),
        None,
    )
}

#[derive(Debug, Deserialize)]
pub struct InvitationForm {
    pub token: String,
    pub name: String,
    pub password: String,
}

/// The invitation form's target: creates the account.
#[utoipa::path(tag = "pages", request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token`, `name`, `password`"), responses(
    (status = 200, description = "An HTML page: the account exists", content_type = "text/html"),
    (status = 409, description = "An HTML page: the address already has an account", content_type = "text/html"),
    (status = 422, description = "An HTML page: the link or a field is invalid", content_type = "text/html"),
))]
#[post("/invitations/accept")]
async fn invitation_submit(
    state: web::Data<AppState>,
    form: web::Form<InvitationForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let token = form.token.clone();
    let result = accounts_service::accept_invitation(
        &state.db,
        &state.passwords,
        form.token,
        form.name,
        SecretString::from(form.password),
    )
    .await
    .map_err(ApiError::from)
    .map(|user| {
        format!(
            "Welcome. Your account {} is ready: sign in with your email and password.",
            user.email
        )
    });
    outcome(
        &state,
        "accept_invitation",
        "Join your organisation",
        result,
        Some(&token),
    )
}

/// The page an unsubscribe link opens in a browser: a button that stops these emails.
#[utoipa::path(tag = "pages", params(TokenQuery), responses(
    (status = 200, description = "An HTML page with an unsubscribe button", content_type = "text/html"),
    (status = 400, description = "No token in the link", content_type = "text/html"),
))]
#[get("/unsubscribe")]
async fn unsubscribe_page(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    form_page(
        &state,
        "unsubscribe",
        "Stop these emails",
        query.token.as_deref(),
        None,
    )
}

/// One-click unsubscribe (RFC 8058): mail clients POST here with
/// `List-Unsubscribe=One-Click`; the page's button posts here too.
#[utoipa::path(tag = "pages", params(TokenQuery), responses(
    (status = 200, description = "An HTML page: these emails are off", content_type = "text/html"),
    (status = 422, description = "An HTML page: the link is not valid", content_type = "text/html"),
))]
#[post("/unsubscribe")]
async fn unsubscribe_submit(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    let verified = query
        .token
        .as_deref()
        .and_then(|token| state.notifier.signed_links().verify_unsubscribe(token));
    let result = match verified {
        None => Err(ApiError::validation(vec![crate::error::FieldError::new(
            "token",
            "token",
            "is not a valid unsubscribe link",
        )])),
        Some((user_id, what)) => state
            .db
            .write(move |conn| preferences::unsubscribe(conn, user_id, what))
            .await
            .map_err(ApiError::from)
            .map(|()| "Done: you will not receive these emails any more. You can turn them on again in your notification preferences.".to_owned()),
    };
    outcome(&state, "unsubscribe", "Stop these emails", result, None)
}

fn invalid_link() -> ApiError {
    ApiError::validation(vec![FieldError::new(
        "token",
        "token",
        "is not a valid link, or it has expired",
    )])
}

/// The user a link was signed for and what `pick` takes from its action; an invalid link,
/// or one signed for another kind of action, is refused.
fn action_of<T>(
    state: &AppState,
    token: &str,
    pick: fn(EmailAction) -> Option<T>,
) -> Result<(uuid::Uuid, T), ApiError> {
    state
        .notifier
        .signed_links()
        .verify_action(token)
        .and_then(|(user_id, action)| Some((user_id, pick(action)?)))
        .ok_or_else(invalid_link)
}

/// The user an action link was signed for, as a reader with the role and organisation they
/// have now: a link does not outlive a change of membership, and what it opens goes through
/// the same authorisation as the API.
fn reader_of_user(conn: &mut Conn<'_>, user_id: uuid::Uuid) -> Result<Reader, StoreError> {
    let user = accounts::find_user(conn, user_id)?.ok_or(StoreError::NotFound("user"))?;
    let organisation = accounts::find_organisation(conn, user.organisation_id)?
        .ok_or(StoreError::NotFound("organisation"))?;
    Ok(Reader {
        viewer: crate::accounts::model::Viewer::User {
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

/// The page a need-expiry email's link opens: a button that keeps the need open.
#[utoipa::path(tag = "pages", params(TokenQuery), responses(
    (status = 200, description = "An HTML page with a reconfirm button", content_type = "text/html"),
    (status = 400, description = "No token in the link", content_type = "text/html"),
))]
#[get("/needs/reconfirm")]
async fn reconfirm_need_page(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    form_page(
        &state,
        "reconfirm_need",
        "Keep your need open",
        query.token.as_deref(),
        None,
    )
}

/// The reconfirm button's target: reconfirms the need, as the API's `reconfirm` does.
#[utoipa::path(tag = "pages", request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token`"), responses(
    (status = 200, description = "An HTML page: the need stays open", content_type = "text/html"),
    (status = 409, description = "An HTML page: the need can no longer be reconfirmed", content_type = "text/html"),
    (status = 422, description = "An HTML page: the link is invalid or expired", content_type = "text/html"),
))]
#[post("/needs/reconfirm")]
async fn reconfirm_need_submit(
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
) -> HttpResponse {
    let title = "Keep your need open";
    let link = action_of(&state, &form.token, |action| match action {
        EmailAction::ReconfirmNeed { need_id } => Some(need_id),
        _ => None,
    });
    let (user_id, need_id) = match link {
        Ok(link) => link,
        Err(error) => return outcome(&state, "reconfirm_need", title, Err(error), None),
    };
    let announcer = state.announcer();
    let result = state
        .db
        .transaction(move |conn| {
            let request = catalogue::Request {
                reader: reader_of_user(conn, user_id)?,
                today: chrono::Utc::now().date_naive(),
                expected_version: None,
            };
            let need = catalogue::transition_need(
                conn,
                &request,
                &announcer.notifier,
                need_id,
                Action::Reconfirm,
            )?;
            announcer.need(conn, &need)?;
            Ok::<_, CatalogueError>(need)
        })
        .await
        .map_err(ApiError::from)
        .map(|need| {
            format!(
                "Done: \u{201c}{}\u{201d} stays open. The clearing house will ask again before it expires.",
                need.fields.title
            )
        });
    outcome(&state, "reconfirm_need", title, result, None)
}

/// The page an outcome request's link opens: a form for the rating and the words.
#[utoipa::path(tag = "pages", params(TokenQuery), responses(
    (status = 200, description = "An HTML form for the outcome report", content_type = "text/html"),
    (status = 400, description = "No token in the link", content_type = "text/html"),
))]
#[get("/matches/report")]
async fn report_outcome_page(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    form_page(
        &state,
        "report_outcome",
        "How did it go?",
        query.token.as_deref(),
        None,
    )
}

#[derive(Debug, Deserialize)]
pub struct ReportForm {
    pub token: String,
    pub rating: Option<i32>,
    pub outcome: Option<String>,
}

/// The report form's target: records the side's report, as `POST /api/v1/matches/{id}/reports`.
#[utoipa::path(tag = "pages", request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token`, `rating` (1 to 5), `outcome`"), responses(
    (status = 200, description = "An HTML page: the report is recorded", content_type = "text/html"),
    (status = 409, description = "An HTML page: the side has reported already", content_type = "text/html"),
    (status = 422, description = "An HTML page: the link or a field is invalid", content_type = "text/html"),
))]
#[post("/matches/report")]
async fn report_outcome_submit(
    state: web::Data<AppState>,
    form: web::Form<ReportForm>,
) -> HttpResponse {
    let title = "How did it go?";
    let form = form.into_inner();
    let token = form.token.clone();
    let link = action_of(&state, &form.token, |action| match action {
        EmailAction::ReportOutcome { match_id } => Some(match_id),
        _ => None,
    });
    let (user_id, match_id) = match link {
        Ok(link) => link,
        Err(error) => return outcome(&state, "report_outcome", title, Err(error), None),
    };
    let input = ReportInput {
        rating: form.rating,
        outcome: form.outcome,
    };
    let result = state
        .db
        .transaction(move |conn| {
            let reader = reader_of_user(conn, user_id)?;
            matching::report_outcome(conn, &reader, match_id, input)
        })
        .await
        .map_err(|error: MatchingError| ApiError::from(error))
        .map(|_| "Thank you: your report is recorded. Coordinators read every report to learn which support works.".to_owned());
    outcome(&state, "report_outcome", title, result, Some(&token))
}
