//! The OpenAPI 3.1 document: its frame (info, security scheme, shared schemas) is declared
//! here; the paths are collected from the routes as they are mounted (see `startup`).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::catalogue::store::needs::NeedSort;
use crate::catalogue::store::offers::OfferSort;
use crate::error::{FieldError, Problem};
use crate::matching::workflow::MatchAction;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clearinghouse API",
        description = "Matches healthcare cyber capacity-building needs with the programmes, experts, \
                       tools and funds that can meet them. Errors are RFC 9457 problem+json.",
    ),
    // Enums that parameters name by reference: utoipa does not collect those from
    // `IntoParams`, so they are listed here or the references would not resolve.
    components(schemas(Problem, FieldError, NeedSort, OfferSort, MatchAction)),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Registration, sign-in and tokens"),
        (name = "organisations", description = "The directory of organisations and their verification"),
        (name = "catalogue", description = "The theme taxonomy, needs and offers"),
        (name = "matching", description = "Candidates, and matches from proposal to outcome"),
        (name = "audit", description = "The audit log, for coordinators"),
        (name = "operations", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme that secured operations name.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from /api/v1/auth/login"))
                    .build(),
            ),
        );
    }
}
