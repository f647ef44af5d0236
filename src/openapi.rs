//! The OpenAPI 3.1 document: its frame (info, security scheme, shared schemas) is declared
//! here; the paths are collected from the routes as they are mounted (see `startup`).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::catalogue::store::needs::NeedSort;
use crate::catalogue::store::offers::OfferSort;
use crate::error::{FieldError, Problem, ProblemType};
use crate::matching::workflow::MatchAction;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clearinghouse API",
        description = "Matches healthcare cyber capacity-building needs with the programmes, experts, \
                       tools and funds that can meet them.\n\n\
                       Errors are RFC 9457 problem+json. Each `type` is an absolute URI under the \
                       server's public URL, `{public_url}/problems/{slug}`, whose page says what the \
                       problem means and what a client should do; the page `/problems` lists them \
                       all. Compare `type`, never `title` or `detail`.",
    ),
    // Enums that parameters name by reference: utoipa does not collect those from
    // `IntoParams`, so they are listed here or the references would not resolve.
    components(schemas(Problem, FieldError, NeedSort, OfferSort, MatchAction)),
    modifiers(&BearerScheme, &ProblemTypes),
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

/// Lists every problem type in the description, from the registry the responses use.
struct ProblemTypes;

impl Modify for ProblemTypes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut table =
            String::from("\n\n| status | type (`/problems/…`) | title |\n|---|---|---|\n");
        for kind in ProblemType::ALL {
            table.push_str(&format!(
                "| {} | `{}` | {} |\n",
                kind.status().as_u16(),
                kind.slug(),
                kind.title()
            ));
        }
        let description = openapi.info.description.get_or_insert_with(String::new);
        description.push_str(&table);
    }
}

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
