//! `/api/v1/organisations/{id}/api-clients`: an organisation's API clients, for its org
//! admins and for coordinators. A person's token only: the table of `operations.rs` lists
//! none of these, so client tokens are refused before any of them runs.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::extract::Authenticated;
use crate::clients::model::{ApiClient, Scope, Scopes};
use crate::clients::service::{self, ClientsError};
use crate::error::{ApiError, Problem, ProblemType};
use crate::http::refusals::distinct;
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
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!(
                "/api/v1/organisations/{organisation_id}/api-clients/{}",
                client.client_id
            ),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .json(ApiClientWithSecret {
            client,
            client_secret: secret,
        }))
}

/// The organisation's API clients, oldest first, revoked ones included; never a secret.
#[utoipa::path(
    tag = "api-clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The clients", body = ApiClientList),
        (status = 403, description = "Not an org admin of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation, or another organisation's", body = Problem, content_type = "application/problem+json"),
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
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("client_id" = Uuid, Path, description = "The client's `client_id`"),
    ),
    responses(
        (status = 200, description = "The client", body = ApiClient),
        (status = 403, description = "Not an org admin of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client in this organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}/api-clients/{client_id}")]
async fn get_client(
    state: web::Data<AppState>,
    user: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<ApiClient>, ApiError> {
    let ((organisation_id, client_id), viewer) = (path.into_inner(), user.0.viewer());
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
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("client_id" = Uuid, Path, description = "The client's `client_id`"),
    ),
    responses(
        (status = 200, description = "The client and its new secret, in this answer only", body = ApiClientWithSecret),
        (status = 403, description = "Not an org admin of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client in this organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The client is revoked", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/api-clients/{client_id}/rotate")]
async fn rotate_client(
    state: web::Data<AppState>,
    user: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let ((organisation_id, client_id), viewer) = (path.into_inner(), user.0.viewer());
    let (client, secret) = state
        .db
        .transaction(move |conn| service::rotate(conn, &viewer, organisation_id, client_id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ApiClientWithSecret {
            client,
            client_secret: secret,
        }))
}

/// Revoke the client: its secret and its tokens stop working at once. It stays listed, with
/// `revoked_at`; revoking it again changes nothing.
#[utoipa::path(
    tag = "api-clients",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("client_id" = Uuid, Path, description = "The client's `client_id`"),
    ),
    responses(
        (status = 200, description = "The client, revoked", body = ApiClient),
        (status = 403, description = "Not an org admin of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client in this organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/organisations/{id}/api-clients/{client_id}")]
async fn revoke_client(
    state: web::Data<AppState>,
    user: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<ApiClient>, ApiError> {
    let ((organisation_id, client_id), viewer) = (path.into_inner(), user.0.viewer());
    let client = state
        .db
        .transaction(move |conn| service::revoke(conn, &viewer, organisation_id, client_id))
        .await?;
    Ok(web::Json(client))
}
