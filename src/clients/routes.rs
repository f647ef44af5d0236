//! `/api/v1/organisations/{id}/api-clients`: an organisation's API clients, for its org
//! admins and for coordinators. A person's token only: the table of `operations.rs` lists
//! none of these, so client tokens are refused before any of them runs.

use actix_web::{delete, get, post, web, HttpResponse, HttpResponseBuilder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::extract::Authenticated;
use crate::clients::model::{ApiClient, Scope, Scopes};
use crate::clients::service::{self, ClientsError};
use crate::error::{ApiError, Problem, ProblemType};
use crate::http::refusals::{distinct, documented_refusals};
use crate::state::AppState;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_client)
        .service(list_clients)
        .service(get_client)
        .service(rotate_client)
        .service(revoke_client);
}

/// A new API client.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiClient {
    /// What the client is, for the people who manage it (1 to 100 characters).
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What its tokens may do; at least one.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
}

/// A client with its secret: the answer to creating and to rotating, the only time the
/// secret is shown. Store it at once; it cannot be read again.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientWithSecret {
    #[serde(flatten)]
    pub client: ApiClient,
    /// The `client_secret` of OAuth 2.0. Shown once.
    pub client_secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientList {
    pub items: Vec<ApiClient>,
}

const NOT_ORG_ADMIN: &str = "Not an org admin of the organisation";

documented_refusals! {
    /// What a route on an organisation's clients refuses before it looks further.
    OrganisationRefusals = [(403, NOT_ORG_ADMIN), (404, "No such organisation, or another organisation's")];
    /// What a route on one client refuses before it looks further.
    ClientRefusals = [(403, NOT_ORG_ADMIN), (404, "No such client in this organisation")];
}

/// One client of an organisation, as its path names it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClientPath {
    /// Organisation id
    pub id: Uuid,
    /// The client's `client_id`
    pub client_id: Uuid,
}

/// A client with its secret, never to be cached: creating and rotating answer it.
fn with_secret(mut answer: HttpResponseBuilder, client: ApiClient, secret: String) -> HttpResponse {
    answer
        .insert_header(("Cache-Control", "no-store"))
        .json(ApiClientWithSecret {
            client,
            client_secret: secret,
        })
}

impl From<ClientsError> for ApiError {
    fn from(error: ClientsError) -> Self {
        match error {
            ClientsError::NotFound(what) => Self::not_found(what),
            ClientsError::OrgAdminsOnly => {
                Self::refused(ProblemType::OrgAdminsOnly, error.to_string())
            }
            ClientsError::EmailNotVerified => distinct::email_not_verified(error.to_string()),
            ClientsError::Invalid(errors) => Self::validation(errors),
            ClientsError::Revoked => Self::refused(ProblemType::Conflict, error.to_string()),
            ClientsError::Store(error) => error.into(),
        }
    }
}

/// Create an API client for the organisation (its org admins, or a coordinator). The answer
/// shows the client's secret, once; only its digest is kept.
#[utoipa::path(
    tag = "api-clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    request_body = NewApiClient,
    responses(
        (status = 201, description = "Created; the secret is in this answer only", body = ApiClientWithSecret,
            headers(("Location" = String, description = "The client's address"))),
        (status = 403, description = "Not an org admin of the organisation (`org-admins-only`), or the admin's address is not confirmed (`email-not-verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation, or another organisation's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/api-clients")]
async fn create_client(
    state: web::Data<AppState>,
    user: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<NewApiClient>,
) -> Result<HttpResponse, ApiError> {
    let (organisation_id, viewer) = (id.into_inner(), user.0.viewer());
    let body = body.into_inner();
    let scopes: Scopes = body.scopes.into_iter().collect();
    let (client, secret) = state
        .db
        .transaction(move |conn| {
            service::create(conn, &viewer, organisation_id, &body.name, scopes)
        })
        .await?;
    let mut created = HttpResponse::Created();
    created.insert_header((
        "Location",
        format!(
            "/api/v1/organisations/{organisation_id}/api-clients/{}",
            client.client_id
        ),
    ));
    Ok(with_secret(created, client, secret))
}

/// The organisation's API clients, oldest first, revoked ones included; never a secret.
#[utoipa::path(
    tag = "api-clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The clients", body = ApiClientList),
        OrganisationRefusals,
    )
)]
#[get("/organisations/{id}/api-clients")]
async fn list_clients(
    state: web::Data<AppState>,
    user: Authenticated,
    id: web::Path<Uuid>,
) -> Result<web::Json<ApiClientList>, ApiError> {
    let (organisation_id, viewer) = (id.into_inner(), user.0.viewer());
    let items = state
        .db
        .query(move |conn| service::list(conn, &viewer, organisation_id))
        .await?;
    Ok(web::Json(ApiClientList { items }))
}

/// One API client of the organisation; never its secret.
#[utoipa::path(
    tag = "api-clients",
    security(("bearer" = [])),
    params(ClientPath),
    responses(
        (status = 200, description = "The client", body = ApiClient),
        ClientRefusals,
    )
)]
#[get("/organisations/{id}/api-clients/{client_id}")]
async fn get_client(
    state: web::Data<AppState>,
    user: Authenticated,
    path: web::Path<ClientPath>,
) -> Result<web::Json<ApiClient>, ApiError> {
    let (organisation_id, client_id, viewer) = (path.id, path.client_id, user.0.viewer());
    let client = state
        .db
        .query(move |conn| service::get(conn, &viewer, organisation_id, client_id))
        .await?;
    Ok(web::Json(client))
}

/// Give the client a new secret, shown once. The old secret, and every token issued with
/// it, stop working at once.
#[utoipa::path(
    tag = "api-clients",
    security(("bearer" = [])),
    params(ClientPath),
    responses(
        (status = 200, description = "The client and its new secret, in this answer only", body = ApiClientWithSecret),
        ClientRefusals,
        (status = 409, description = "The client is revoked", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/api-clients/{client_id}/rotate")]
async fn rotate_client(
    state: web::Data<AppState>,
    user: Authenticated,
    path: web::Path<ClientPath>,
) -> Result<HttpResponse, ApiError> {
    let (organisation_id, client_id, viewer) = (path.id, path.client_id, user.0.viewer());
    let (client, secret) = state
        .db
        .transaction(move |conn| service::rotate(conn, &viewer, organisation_id, client_id))
        .await?;
    Ok(with_secret(HttpResponse::Ok(), client, secret))
}

/// Revoke the client: its secret and its tokens stop working at once. It stays listed, with
/// `revoked_at`; revoking it again changes nothing.
#[utoipa::path(
    tag = "api-clients",
    security(("bearer" = [])),
    params(ClientPath),
    responses(
        (status = 200, description = "The client, revoked", body = ApiClient),
        ClientRefusals,
    )
)]
#[delete("/organisations/{id}/api-clients/{client_id}")]
async fn revoke_client(
    state: web::Data<AppState>,
    user: Authenticated,
    path: web::Path<ClientPath>,
) -> Result<web::Json<ApiClient>, ApiError> {
    let (organisation_id, client_id, viewer) = (path.id, path.client_id, user.0.viewer());
    let client = state
        .db
        .transaction(move |conn| service::revoke(conn, &viewer, organisation_id, client_id))
        .await?;
    Ok(web::Json(client))
}
