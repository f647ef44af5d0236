//! `/organisation/api-clients`: the org admin's page for the organisation's API clients
//! (list, create with a name and scopes, the secret shown once, rotate, revoke with a
//! confirmation). It calls the API's own use cases (`clients::service`), so the one rule of
//! who may manage them (`service::may_manage`) holds here as it does on the API.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::accounts::model::Viewer;
use crate::clients::model::{ApiClient, Scope, Scopes};
use crate::clients::service::{self, ClientsError};
use crate::db::Conn;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::address::Notice;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::forms::{ButtonForm, FormErrors, ShownForm};
use crate::web::render::{see_other, Page};
use crate::web::session::SignedIn;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(clients_page)
        .service(create)
        .service(rotate)
        .service(confirm_revoke)
        .service(revoke);
}

/// The create form as it was sent (to show again when refused).
#[derive(Debug, Default, Deserialize, Serialize)]
struct ClientForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Serialize)]
struct ClientRow {
    client_id: String,
    name: String,
    scopes: Vec<&'static str>,
    created_at: String,
    last_used_at: Option<String>,
    revoked: bool,
}

fn row(client: &ApiClient) -> ClientRow {
    let day = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
    ClientRow {
        client_id: client.client_id.to_string(),
        name: client.name.clone(),
        scopes: client.scopes.iter().map(Scope::as_str).collect(),
        created_at: day(client.created_at),
        last_used_at: client.last_used_at.map(day),
        revoked: client.is_revoked(),
    }
}

fn page_error(error: ClientsError) -> PageError {
    ApiError::from(error).into()
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    form: ShownForm<ClientForm>,
    done: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let viewer = signed_in.user.reader().viewer;
    let organisation_id = signed_in.user.organisation.id;
    let clients = state
        .db
        .query(move |conn| service::list(conn, &viewer, organisation_id))
        .await
        .map_err(page_error)?;
    Page::new(
        "api_clients",
        context! {
            organisation => signed_in.user.organisation.name.clone(),
            clients => clients.iter().map(row).collect::<Vec<_>>(),
            scopes => Scope::ALL.map(Scope::as_str),
            email_verified => signed_in.user.user.email_verified,
            form => form.form,
            errors => form.errors,
            done => done,
        },
    )
    .status(form.status)
    .render(state, &signed_in.visitor)
}

#[get("/organisation/api-clients")]
async fn clients_page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, PageError> {
    let done = notice.among(&["revoked"]);
    render(&state, &signed_in, ShownForm::blank(), done).await
}

/// The secret, once: never in a URL (so no redirect), never cached.
fn secret_page(
    state: &AppState,
    signed_in: &SignedIn,
    client: &ApiClient,
    secret: &str,
    rotated: bool,
) -> Result<HttpResponse, PageError> {
    let mut response = Page::new(
        "api_client_secret",
        context! {
            client => row(client),
            secret => secret,
            rotated => rotated,
        },
    )
    .render(state, &signed_in.visitor)?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[post("/organisation/api-clients")]
async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    CheckedForm(form): CheckedForm<ClientForm>,
) -> Result<HttpResponse, PageError> {
    let viewer = signed_in.user.reader().viewer;
    let organisation_id = signed_in.user.organisation.id;
    // A box no scope names is a forged form, not a person's mistake.
    let scopes: Scopes = form
        .scopes
        .iter()
        .map(|name| Scope::parse(name).ok_or(PageError::BadRequest))
        .collect::<Result<_, _>>()?;
    let name = form.name.clone();
    let created = state
        .db
        .transaction(move |conn| service::create(conn, &viewer, organisation_id, &name, scopes))
        .await;
    match created {
        Ok((client, secret)) => secret_page(&state, &signed_in, &client, &secret, false),
        Err(ClientsError::Invalid(errors)) => {
            let errors =
                FormErrors::from_refusal(&state.site, "api-client", &ApiError::validation(errors))
                    .unwrap_or_default();
            render(&state, &signed_in, ShownForm::refused(form, errors), None).await
        }
        Err(error) => Err(page_error(error)),
    }
}

/// One change to one of the signed-in admin's organisation's clients, in a transaction.
async fn change_client<T: Send + 'static>(
    state: &AppState,
    signed_in: &SignedIn,
    client_id: &Uuid,
    change: fn(&mut Conn<'_>, &Viewer, Uuid, Uuid) -> Result<T, ClientsError>,
) -> Result<T, PageError> {
    let viewer = signed_in.user.reader().viewer;
    let (organisation_id, client_id) = (signed_in.user.organisation.id, *client_id);
    state
        .db
        .transaction(move |conn| change(conn, &viewer, organisation_id, client_id))
        .await
        .map_err(page_error)
}

#[post("/organisation/api-clients/{client_id}/rotate")]
async fn rotate(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    client_id: web::Path<Uuid>,
    CheckedForm(_): CheckedForm<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    let (client, secret) = change_client(&state, &signed_in, &client_id, service::rotate).await?;
    secret_page(&state, &signed_in, &client, &secret, true)
}

/// A GET only asks: revoking is the POST of its button.
#[get("/organisation/api-clients/{client_id}/revoke")]
async fn confirm_revoke(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    client_id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let viewer = signed_in.user.reader().viewer;
    let (organisation_id, client_id) = (signed_in.user.organisation.id, client_id.into_inner());
    let client = state
        .db
        .query(move |conn| service::get(conn, &viewer, organisation_id, client_id))
        .await
        .map_err(page_error)?;
    Page::new("api_client_revoke", context! { client => row(&client) })
        .render(&state, &signed_in.visitor)
}

#[post("/organisation/api-clients/{client_id}/revoke")]
async fn revoke(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    client_id: web::Path<Uuid>,
    CheckedForm(_): CheckedForm<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    change_client(&state, &signed_in, &client_id, service::revoke).await?;
    Ok(see_other("/organisation/api-clients?done=revoked"))
}
