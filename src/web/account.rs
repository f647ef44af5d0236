//! Signing in and out, and registering an organisation with its first user: the same
//! checks, rate limits and use cases as `/api/v1/auth/login` and `/api/v1/auth/register`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::accounts::model::{OrganisationKind, Side};
use crate::auth::routes::{authenticate, register_account, OrganisationRequest, RegisterRequest};
use crate::auth::web_sessions;
use crate::error::{ApiError, ProblemType};
use crate::http::client_ip::client_ip;
use crate::state::AppState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::forms::{ButtonForm, FormErrors};
use crate::web::render::{see_other, Page};
use crate::web::session::{removal_cookie, session_cookie, session_value, Visitor};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(sign_in_page)
        .service(sign_in_submit)
        .service(sign_out)
        .service(register_page)
        .service(register_submit)
        .service(register_done);
}

/// Where to go after signing in: only a path on this site. Anything else (`//host`,
/// `https://...`, `/\host`, which browsers read as another site) goes home.
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The sign-in form, going on to `next`, with the address typed (never the password).
fn sign_in_page_of(next: &str, email: &str, errors: FormErrors) -> Page {
    Page::new(
        "sign_in",
        context! { next => next, email => email, errors => errors },
    )
}

#[get("/sign-in")]
async fn sign_in_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let next = local_path(query.next.as_deref());
    sign_in_page_of(next, "", FormErrors::none()).render(&state, &visitor)
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[post("/sign-in")]
async fn sign_in_submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    visitor: Visitor,
    CheckedForm(form): CheckedForm<SignInForm>,
) -> Result<HttpResponse, PageError> {
    let next = local_path(form.next.as_deref()).to_owned();
    let ip = client_ip(&request);
    let password = SecretString::from(form.password);
    let refused = |errors| {
        sign_in_page_of(&next, form.email.trim(), errors)
            .status(StatusCode::UNPROCESSABLE_ENTITY)
            .render(&state, &visitor)
    };
    let user = match authenticate(&state, &ip, &form.email, password).await {
        Ok(user) => user,
        // One answer for an unknown email and a wrong password, as the API gives.
        Err(error) if error.problem_type() == ProblemType::InvalidCredentials => {
            let mut errors = FormErrors::none();
            errors.add(&state.site, "sign-in", "email", "wrong");
            return refused(errors);
        }
        // Text no address holds (the shared text rule): the form again, with its error.
        Err(error @ ApiError::Validation { .. }) => {
            return refused(
                FormErrors::from_refusal(&state.site, "sign-in", &error)
                    .unwrap_or_else(FormErrors::none),
            );
        }
        Err(other) => return Err(other.into()),
    };
    let lifetimes = state.site.sessions.lifetimes;
    let previous = session_value(&request, &state.site);
    let user_id = user.id;
    let value = state
        .db
        .write(move |conn| {
            // A new session each time: a value someone planted before sign-in is worthless.
            if let Some(previous) = previous {
                web_sessions::end(conn, &previous)?;
            }
            web_sessions::start(conn, user_id, lifetimes)
        })
        .await?;
    tracing::info!(%user_id, "signed in to the web application");
    let mut response = see_other(&next);
    response
        .add_cookie(&session_cookie(&state.site, value))
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}

#[post("/sign-out")]
async fn sign_out(
    state: web::Data<AppState>,
    request: HttpRequest,
    CheckedForm(_): CheckedForm<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    if let Some(value) = session_value(&request, &state.site) {
        state
            .db
            .write(move |conn| web_sessions::end(conn, &value))
            .await?;
    }
    let mut response = see_other("/");
    response
        .add_cookie(&removal_cookie(&state.site))
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}

/// A kind the register form offers, with the side it puts the organisation on.
#[derive(Serialize)]
struct KindChoice {
    value: &'static str,
    side: &'static str,
}

fn kind_choices() -> Vec<KindChoice> {
    OrganisationKind::ALL
        .into_iter()
        .filter(|kind| kind.may_self_register())
        .map(|kind| KindChoice {
            value: kind.as_str(),
            side: match kind.side() {
                Side::Requester => "requester",
                _ => "provider",
            },
        })
        .collect()
}

#[derive(Serialize)]
struct CountryChoice {
    code: &'static str,
    name: &'static str,
}

/// ISO 3166-1 countries by English name (the standard's own names, not yet translated).
fn country_choices() -> Vec<CountryChoice> {
    let mut countries: Vec<CountryChoice> = isocountry::CountryCode::iter()
        .map(|code| CountryChoice {
            code: code.alpha2(),
            name: code.name(),
        })
        .collect();
    countries.sort_by(|a, b| a.name.cmp(b.name));
    countries
}

/// What the person typed, shown again when the form is refused (never the password).
#[derive(Debug, Default, Deserialize, Serialize)]
struct RegisterForm {
    #[serde(default)]
    organisation_name: String,
    #[serde(default)]
    organisation_kind: String,
    #[serde(default)]
    organisation_country: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default, skip_serializing)]
    password: String,
}

fn register_page_of(form: &RegisterForm, errors: FormErrors) -> Page {
    Page::new(
        "register",
        context! {
            form => form,
            kinds => kind_choices(),
            countries => country_choices(),
            errors => errors,
        },
    )
}

#[get("/register")]
async fn register_page(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    register_page_of(&RegisterForm::default(), FormErrors::none()).render(&state, &visitor)
}

#[post("/register")]
async fn register_submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    visitor: Visitor,
    CheckedForm(form): CheckedForm<RegisterForm>,
) -> Result<HttpResponse, PageError> {
    let kind = form
        .organisation_kind
        .parse::<OrganisationKind>()
        .ok()
        .filter(|kind| kind.may_self_register());
    let registration = RegisterRequest {
        email: form.email.clone(),
        password: SecretString::from(form.password.clone()),
        name: form.name.clone(),
        organisation: OrganisationRequest {
            name: form.organisation_name.clone(),
            // Only to check the other fields when no kind was chosen; never registered.
            kind: kind.unwrap_or(OrganisationKind::Hospital),
            country: form.organisation_country.clone(),
        },
    };
    let refused = |status, errors| {
        register_page_of(&form, errors)
            .status(status)
            .render(&state, &visitor)
    };
    if kind.is_none() {
        let mut errors = registration
            .check()
            .err()
            .and_then(|error| FormErrors::from_refusal(&state.site, "register", &error))
            .unwrap_or_default();
        errors.add(&state.site, "register", "organisation_kind", "required");
        return refused(StatusCode::UNPROCESSABLE_ENTITY, errors);
    }
    match register_account(&state, &client_ip(&request), registration).await {
        Ok(_) => Ok(see_other("/register/check-email")),
        Err(error) if error.problem_type() == ProblemType::EmailTaken => {
            let mut errors = FormErrors::none();
            errors.add(&state.site, "register", "email", "taken");
            refused(StatusCode::CONFLICT, errors)
        }
        Err(error) => match FormErrors::from_refusal(&state.site, "register", &error) {
            Some(errors) => refused(StatusCode::UNPROCESSABLE_ENTITY, errors),
            None => Err(error.into()),
        },
    }
}

#[get("/register/check-email")]
async fn register_done(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    Page::new("register_done", context! {}).render(&state, &visitor)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/organisation")), "/organisation");
        assert_eq!(local_path(Some("/needs?q=backup")), "/needs?q=backup");
        for foreign in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "evil.example",
            "javascript:alert(1)",
            "/\npath",
            "",
        ] {
            assert_eq!(local_path(Some(foreign)), "/", "{foreign:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
