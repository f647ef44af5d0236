//! The pages that account emails link to: confirm an address, forget and reset a password,
//! accept an invitation, stop a kind of email. A link's GET only shows a form (mail
//! scanners follow links); the form's POST does the work through the same functions as the
//! JSON API, then redirects to a page that says what happened.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use minijinja::context;
use secrecy::SecretString;
use serde::Deserialize;

use crate::accounts::model::Email;
use crate::accounts::service as accounts;
use crate::error::{ApiError, ProblemType};
use crate::notify::preferences;
use crate::state::AppState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::forms::{ButtonForm, FormErrors};
use crate::web::render::{see_other, Page};
use crate::web::session::{SignedIn, Visitor};

pub fn routes(config: &mut web::ServiceConfig) {
    link_pages(
        config,
        &[
            ("/verify-email", "verify_email"),
            ("/unsubscribe", "unsubscribe"),
        ],
    );
    config
        .service(verify_email_submit)
        .service(resend_verification_page)
        .service(resend_verification_submit)
        .service(password_reset_page)
        .service(password_reset_submit)
        .service(password_reset_sent)
        .service(invitation_page)
        .service(invitation_submit)
        .service(unsubscribe_submit);
    for (path, outcome) in OUTCOMES {
        config.route(
            path,
            web::get().to(
                move |state: web::Data<AppState>, visitor: Visitor| async move {
                    outcome_page(&state, &visitor, outcome, StatusCode::OK)
                },
            ),
        );
    }
}

/// Where each finished journey lands, and the name of its sentences (`outcome-<name>-*`).
const OUTCOMES: [(&str, &str); 5] = [
    ("/verify-email/done", "email-verified"),
    ("/password-reset/done", "password-changed"),
    ("/invitations/accepted", "invitation-accepted"),
    ("/needs/reconfirm/done", "need-reconfirmed"),
    ("/matches/report/done", "report-recorded"),
];

/// Every outcome a page can announce (the journeys' and one-click unsubscribe's).
#[cfg(test)]
pub(crate) const OUTCOME_NAMES: [&str; 6] = [
    "email-verified",
    "password-changed",
    "invitation-accepted",
    "need-reconfirmed",
    "report-recorded",
    "unsubscribed",
];

pub(crate) fn outcome_page(
    state: &AppState,
    visitor: &Visitor,
    outcome: &'static str,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    Page::new("outcome", context! { outcome => outcome })
        .status(status)
        .render(state, visitor)
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenQuery {
    pub token: Option<String>,
}

/// A link without its token is only half a link: say so, with a 400.
pub(crate) fn link_page(
    template: &'static str,
    token: Option<&str>,
    extra: minijinja::Value,
) -> Page {
    let status = if token.is_some() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Page::new(
        template,
        context! { token => token, errors => FormErrors::none(), ..extra },
    )
    .status(status)
    .token_in_url()
}

/// A link that does not (or no longer) work: its page without the form, saying why.
pub(crate) fn dead_link_page(template: &'static str) -> Page {
    Page::new(
        template,
        context! { token => None::<&str>, dead_link => true, errors => FormErrors::none() },
    )
    .status(StatusCode::UNPROCESSABLE_ENTITY)
}

/// A link's form again after its POST was refused (422): the errors beside its fields, or,
/// when the link is spent (`dead`), the page without its form, saying why.
pub(crate) fn refused_link_page(
    template: &'static str,
    token: String,
    dead: bool,
    errors: FormErrors,
    extra: minijinja::Value,
) -> Page {
    Page::new(
        template,
        context! {
            token => (!dead).then_some(token),
            dead_link => dead,
            errors => errors,
            ..extra
        },
    )
    .status(StatusCode::UNPROCESSABLE_ENTITY)
}

/// The GET of links whose page is only a button (`path`, template): mail scanners follow
/// links, so the link shows a form and only the form's POST does the work.
pub(crate) fn link_pages(config: &mut web::ServiceConfig, pages: &[(&str, &'static str)]) {
    for &(path, template) in pages {
        config.route(
            path,
            web::get().to(
                move |state: web::Data<AppState>,
                      visitor: Visitor,
                      query: web::Query<TokenQuery>| async move {
                    link_page(template, query.token.as_deref(), context! {})
                        .render(&state, &visitor)
                },
            ),
        );
    }
}

/// A dead link cannot be fixed on its page: the form is gone, the page says why.
fn token_is_dead(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Refused {
            problem: crate::error::ProblemType::LinkNotValid,
            ..
        }
    )
}

/// A refused link form: the errors beside its fields, or none and `true` when the link is
/// spent (a dead link has no field to mark: the page says the link is spent instead).
fn refusal_of_link_form(
    state: &AppState,
    form: &str,
    error: ApiError,
) -> Result<(FormErrors, bool), PageError> {
    if token_is_dead(&error) {
        return Ok((FormErrors::none(), true));
    }
    let errors = FormErrors::from_refusal(&state.site, form, &error)
        .ok_or_else(|| PageError::from(error))?;
    Ok((errors, false))
}

/// A link page's form that carries only the link's token.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    pub token: String,
}

#[post("/verify-email")]
async fn verify_email_submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    CheckedForm(form): CheckedForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    match accounts::verify_email(&state.db, form.token)
        .await
        .map_err(ApiError::from)
    {
        Ok(()) => Ok(see_other("/verify-email/done")),
        Err(error) if token_is_dead(&error) => {
            dead_link_page("verify_email").render(&state, &visitor)
        }
        Err(error) => Err(error.into()),
    }
}

/// The page the "confirm your address first" sentences link to: one button that sends a
/// new confirmation email to the signed-in person; after it, whether one was `sent`.
fn resend_page(
    state: &AppState,
    signed_in: &SignedIn,
    confirmed: bool,
    sent: bool,
) -> Result<HttpResponse, PageError> {
    let email = signed_in.user.user.email.to_string();
    Page::new(
        "verify_email_resend",
        context! { confirmed => confirmed, sent => sent, email => email },
    )
    .render(state, &signed_in.visitor)
}

#[get("/verify-email/resend")]
async fn resend_verification_page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    let confirmed = signed_in.user.user.email_verified;
    resend_page(&state, &signed_in, confirmed, false)
}

#[post("/verify-email/resend")]
async fn resend_verification_submit(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    CheckedForm(_): CheckedForm<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    let sent = accounts::resend_verification(
        &state.db,
        &state.notifier,
        &state.rate_limits,
        &signed_in.user.reader().viewer,
    )
    .await
    .map_err(ApiError::from)?;
    resend_page(&state, &signed_in, !sent, sent)
}

/// The form that asks for a reset link (its address is never kept: the answer is the same
/// whether or not an account has it).
fn reset_request_page(errors: FormErrors) -> Page {
    Page::new(
        "password_reset_request",
        context! { email => "", errors => errors },
    )
}

/// Without a token: the form that asks for a reset link. With one (from the email): the
/// form for the new password.
#[get("/password-reset")]
async fn password_reset_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    match query.token.as_deref() {
        None => reset_request_page(FormErrors::none()).render(&state, &visitor),
        Some(token) => {
            link_page("password_reset", Some(token), context! {}).render(&state, &visitor)
        }
    }
}

#[derive(Debug, Deserialize)]
struct PasswordResetForm {
    /// Present on the new-password form, absent on the request form.
    token: Option<String>,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    email: String,
}

#[post("/password-reset")]
async fn password_reset_submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    CheckedForm(form): CheckedForm<PasswordResetForm>,
) -> Result<HttpResponse, PageError> {
    let Some(token) = form.token else {
        if form.email.trim().is_empty() {
            let mut errors = FormErrors::none();
            errors.add(&state.site, "password-reset", "email", "required");
            return reset_request_page(errors)
                .status(StatusCode::UNPROCESSABLE_ENTITY)
                .render(&state, &visitor);
        }
        // The same answer whether or not an account has this address.
        if let Ok(email) = Email::parse(&form.email) {
            accounts::request_password_reset(&state.db, &state.notifier, email)
                .await
                .map_err(ApiError::from)?;
        }
        return Ok(see_other("/password-reset/sent"));
    };
    let password = SecretString::from(form.new_password);
    match accounts::reset_password(&state.db, &state.passwords, token.clone(), password)
        .await
        .map_err(ApiError::from)
    {
        Ok(()) => Ok(see_other("/password-reset/done")),
        Err(error) => {
            let (errors, dead) = refusal_of_link_form(&state, "password-reset", error)?;
            refused_link_page("password_reset", token, dead, errors, context! {})
                .render(&state, &visitor)
        }
    }
}

#[get("/password-reset/sent")]
async fn password_reset_sent(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    Page::new("password_reset_sent", context! {}).render(&state, &visitor)
}

#[get("/invitations/accept")]
async fn invitation_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    link_page(
        "accept_invitation",
        query.token.as_deref(),
        context! { name => "" },
    )
    .render(&state, &visitor)
}

#[derive(Debug, Deserialize)]
struct InvitationForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

#[post("/invitations/accept")]
async fn invitation_submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    CheckedForm(form): CheckedForm<InvitationForm>,
) -> Result<HttpResponse, PageError> {
    let result = accounts::accept_invitation(
        &state.db,
        &state.passwords,
        form.token.clone(),
        form.name.clone(),
        SecretString::from(form.password),
    )
    .await
    .map_err(ApiError::from);
    let (status, errors, dead) = match result {
        Ok(_) => return Ok(see_other("/invitations/accepted")),
        Err(error) if error.problem_type() == ProblemType::EmailTaken => {
            let mut errors = FormErrors::none();
            errors.add(&state.site, "invitation", "token", "taken");
            (StatusCode::CONFLICT, errors, true)
        }
        Err(error) => {
            let (errors, dead) = refusal_of_link_form(&state, "invitation", error)?;
            (StatusCode::UNPROCESSABLE_ENTITY, errors, dead)
        }
    };
    let name = context! { name => form.name };
    refused_link_page("accept_invitation", form.token, dead, errors, name)
        .status(status)
        .render(&state, &visitor)
}

/// One-click unsubscribe (RFC 8058): mail clients POST `List-Unsubscribe=One-Click` here,
/// without cookies, so this one form is not CSRF-checked: its signed token is the proof,
/// and the worst a forged post can do is stop an email. The page's button posts here too.
#[post("/unsubscribe")]
async fn unsubscribe_submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let verified = query
        .token
        .as_deref()
        .and_then(|token| state.notifier.signed_links().verify_unsubscribe(token));
    let Some((user_id, what)) = verified else {
        return dead_link_page("unsubscribe")
            .token_in_url()
            .render(&state, &visitor);
    };
    state
        .db
        .write(move |conn| preferences::unsubscribe(conn, user_id, what))
        .await?;
    // Answered here, not redirected: a mail client's one-click post wants a plain 200.
    outcome_page(&state, &visitor, "unsubscribed", StatusCode::OK)
}
