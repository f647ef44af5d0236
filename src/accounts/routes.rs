//! `/api/v1/organisations`: the directory, one organisation, and verification by coordinators.

use actix_web::{get, post, web};
use uuid::Uuid;

use crate::accounts::model::{Country, Organisation, OrganisationKind, VerifyRefusal};
use crate::accounts::service::{self, AccountsError};
use crate::accounts::store::{OrganisationCursor, OrganisationFilter};
use crate::auth::extract::{Coordinator, MaybeAuthenticated};
use crate::error::{ApiError, Problem, ProblemType};
use crate::http::pagination::{keyset_after, keyset_page, keyset_query, page_limit};
use crate::http::refusals::{distinct, CoordinatorsOnly};
use crate::state::AppState;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_organisations)
        .service(get_organisation)
        .service(verify_organisation);
}

keyset_query! {
    pub struct OrganisationQuery {
        pub kind: Option<OrganisationKind>,
        /// ISO 3166-1 alpha-2.
        #[param(value_type = Option<crate::openapi::codes::CountryCode>)]
        pub country: Option<String>,
        pub verified: Option<bool>,
    }
}

keyset_page!(OrganisationPage of Organisation);

/// List the organisations the caller may see, newest first: verified organisations for
/// everyone, plus one's own; coordinators see all, the unverified included.
#[utoipa::path(
    tag = "organisations",
    security((), ("bearer" = [])),
    params(OrganisationQuery),
    responses(
        (status = 200, description = "One page of organisations", body = OrganisationPage),
        (status = 400, description = "Malformed query or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter or limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations")]
async fn list_organisations(
    state: web::Data<AppState>,
    viewer: MaybeAuthenticated,
    query: web::Query<OrganisationQuery>,
) -> Result<web::Json<OrganisationPage>, ApiError> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let country = query
        .country
        .as_deref()
        .map(|code| Country::parse_field(code, "country"))
        .transpose()?;
    let after = keyset_after(query.cursor.as_deref())?
        .map(|(created_at, id)| OrganisationCursor { created_at, id });
    let filter = OrganisationFilter {
        kind: query.kind,
        country,
        verified: query.verified,
    };
    let (items, next) = service::directory(&state.db, &viewer.0, filter, after, limit).await?;
    let next = next.map(|next| (next.created_at, next.id));
    Ok(web::Json(OrganisationPage::new(items, next)))
}

/// One organisation, if the caller may see it (otherwise 404, as if it did not exist).
#[utoipa::path(
    tag = "organisations",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = Organisation),
        (status = 404, description = "No such organisation, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}")]
async fn get_organisation(
    state: web::Data<AppState>,
    viewer: MaybeAuthenticated,
    id: web::Path<Uuid>,
) -> Result<web::Json<Organisation>, ApiError> {
    let organisation = service::organisation(&state.db, &viewer.0, id.into_inner()).await?;
    Ok(web::Json(organisation))
}

/// Verify an organisation (coordinators only): its users may then publish. Its org admins
/// are notified (as their preferences say).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation, now verified", body = Organisation),
        CoordinatorsOnly,
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already verified", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/verify")]
async fn verify_organisation(
    state: web::Data<AppState>,
    coordinator: Coordinator,
    id: web::Path<Uuid>,
) -> Result<web::Json<Organisation>, ApiError> {
    let verified = service::verify_organisation(
        &state.db,
        &state.notifier,
        &coordinator.0.viewer(),
        id.into_inner(),
    )
    .await?;
    Ok(web::Json(verified))
}

/// The accounts' errors as HTTP answers. A bad token is a field error of `token`, so that a
/// form can say which field to fix.
impl From<AccountsError> for ApiError {
    fn from(error: AccountsError) -> Self {
        match error {
            AccountsError::NotFound(what) => Self::not_found(what),
            AccountsError::EmailTaken => Self::refused(ProblemType::EmailTaken, error.to_string()),
            AccountsError::Invalid(errors) => Self::validation(errors),
            // The token names a one-time link; once unknown, expired or used it names
            // nothing, which is a 404 (and what a client reading the document expects of a
            // value no schema can tell apart from a real one).
            AccountsError::BadToken => Self::refused(ProblemType::LinkNotValid, error.to_string()),
            AccountsError::Forbidden(reason) => Self::Forbidden(reason.into()),
            AccountsError::Refused(refusal @ VerifyRefusal::AlreadyVerified) => {
                Self::refused(ProblemType::AlreadyVerified, refusal.to_string())
            }
            AccountsError::EmailNotVerified => distinct::email_not_verified(error.to_string()),
            AccountsError::OrganisationNotVerified => {
                distinct::organisation_not_verified(error.to_string())
            }
            AccountsError::RateLimited {
                retry_after_seconds,
            } => Self::TooManyRequests {
                retry_after_seconds,
            },
            AccountsError::Hashing(cause) => {
                tracing::error!(%cause, "account flow failure");
                Self::Internal
            }
            AccountsError::Store(error) => error.into(),
        }
    }
}
