//! The API's route table: every route mounted through utoipa-actix-web, so that mounting a
//! route is what puts it in the OpenAPI document, and that document built outside a server.
//! The composition root (`startup`) mounts it; tests and the scopes table read the document.

use actix_cors::Cors;
use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};

use crate::openapi::ApiDoc;
use crate::{accounts, audit, auth, catalogue, health, matching, notify};

/// Every API route, mounted through utoipa-actix-web so that mounting a route is what puts
/// it in the OpenAPI document; `/api/v1` behind its CORS policy.
pub(crate) fn mount_routes(
    cors: Cors,
) -> impl FnOnce(&mut utoipa_actix_web::service_config::ServiceConfig) {
    move |config| {
        config.configure(health::routes).service(
            scope::scope("/api/v1")
                .configure(auth::routes::routes)
                .configure(accounts::routes::routes)
                .configure(crate::clients::routes::routes)
                .configure(crate::clients::oauth::routes)
                .configure(accounts::email_routes::routes)
                .configure(catalogue::routes::routes)
                .configure(matching::routes::routes)
                .configure(audit::routes::routes)
                .configure(notify::routes::routes)
                .configure(crate::webhooks::routes::routes)
                .wrap(cors),
        );
    }
}

/// The OpenAPI document of every mounted route, as `/api/v1/openapi.json` serves it.
pub fn api_document() -> utoipa::openapi::OpenApi {
    let document = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(mount_routes(Cors::default()))
        .split_for_parts()
        .1;
    crate::openapi::state_shared_rules(document)
}
