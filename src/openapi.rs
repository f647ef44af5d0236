//! The OpenAPI 3.1 document: its frame (info, security scheme, shared schemas) is declared
//! here; the paths are collected from the routes as they are mounted (see `startup`).

pub mod codes;
pub mod text_rule;

use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{
    ClientCredentials, Flow, Http, HttpAuthScheme, OAuth2, Scopes, SecurityScheme,
};
use utoipa::openapi::{RefOr, Required};
use utoipa::{Modify, OpenApi};

use crate::catalogue::store::needs::NeedSort;
use crate::catalogue::store::offers::OfferSort;
use crate::error::{FieldError, Problem, ProblemType};
use crate::matching::routes::MatchSort;
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
    components(schemas(
        Problem,
        FieldError,
        NeedSort,
        OfferSort,
        MatchSort,
        MatchAction,
        codes::CountryCode,
        codes::LanguageCode,
        codes::CurrencyCode,
        codes::ThemeCode
    )),
    modifiers(&BearerScheme, &ProblemTypes),
    tags(
        (name = "auth", description = "Registration, sign-in and tokens"),
        (name = "organisations", description = "The directory of organisations and their verification"),
        (name = "api-clients", description = "An organisation's API clients (partner systems), for its org admins"),
        (name = "catalogue", description = "The theme taxonomy, needs and offers"),
        (name = "matching", description = "Candidates, and matches from proposal to outcome"),
        (name = "audit", description = "The audit log, for coordinators"),
        (name = "webhooks", description = "Signed events for partner systems (Standard Webhooks): an organisation's endpoints and their delivery logs"),
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

/// Declares the `bearer` scheme that secured operations name, and `oauth2`, the client
/// credentials flow of API clients, with every scope (`clients::operations` writes which
/// operation requires which).
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
        let scopes = Scopes::from_iter(
            crate::clients::model::Scope::ALL
                .into_iter()
                .map(|scope| (scope.as_str(), scope.description())),
        );
        let mut oauth2 = OAuth2::new([Flow::ClientCredentials(ClientCredentials::new(
            crate::clients::oauth::TOKEN_PATH,
            scopes,
        ))]);
        oauth2.description = Some(
            "An API client's token (OAuth 2.0 client credentials, RFC 6749 section 4.4): \
             the client acts for its organisation as a member, within its scopes"
                .to_owned(),
        );
        components.add_security_scheme(
            crate::clients::operations::OAUTH2,
            SecurityScheme::OAuth2(oauth2),
        );
    }
}

/// The rules every operation shares, stated once the routes are collected: the scope an API
/// client's token needs (`clients::operations`), the `Idempotency-Key` of signed-in writes (`add_idempotency_keys`), the refusals of its shape
/// (`add_standard_refusals`) and the text rule on every request string (`text_rule`).
pub fn state_shared_rules(openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut openapi = openapi;
    crate::clients::operations::document_scopes(&mut openapi);
    add_idempotency_keys(&mut openapi);
    add_standard_refusals(&mut openapi);
    // The text rule walks the document as JSON, which is simpler than utoipa's typed tree
    // and the same document: both directions are serde of the same types.
    let mut document = serde_json::to_value(&openapi).expect("the document serializes");
    text_rule::state_text_rule(&mut document);
    serde_json::from_value(document).expect("the document reads back")
}

/// Documents the `Idempotency-Key` header on every operation that honours it: each POST and
/// PATCH that needs a signed-in caller (`crate::idempotency`). The `RouteTable` built from the
/// document then tells the middleware which operations those are, so the document is the one
/// list. Runs before `add_standard_refusals`, which documents what the header can answer.
pub fn add_idempotency_keys(openapi: &mut utoipa::openapi::OpenApi) {
    use crate::idempotency::model::{HEADER, KEY_PATTERN, MAX_KEY_LENGTH};
    for item in openapi.paths.paths.values_mut() {
        for operation in [&mut item.post, &mut item.patch].into_iter().flatten() {
            if !crate::http::problems::requires_bearer(operation) {
                continue;
            }
            let schema = ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(MAX_KEY_LENGTH))
                .pattern(Some(KEY_PATTERN));
            let parameter = ParameterBuilder::new()
                .name(HEADER)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe: a key of your choice (a random UUID), new for each new \
                     request and the same for its retries. The first answer is kept for 24 hours \
                     and replayed, with `Idempotent-Replayed: true`, for a repeat with the same \
                     method, path and body; the same key with another request is 422, and a \
                     repeat while the first is still running is 409 with `Retry-After`. Keys are \
                     per caller.",
                ))
                .schema(Some(schema))
                .build();
            operation
                .parameters
                .get_or_insert_with(Vec::new)
                .push(parameter);
        }
    }
}

/// The refusals that follow from an operation's shape, added to every operation of the
/// document in this one place so that no handler has to remember them (and so that a new
/// refusal of an extractor or of actix is documented wherever it can happen):
///
/// - a bearer token (required or optional): 401, since a token that is present but invalid
///   is refused even where signing in is optional;
/// - any path, query or header parameter: 400, a value that does not parse; any query
///   parameter: 422, a value out of range or not a known code (a limit, a country);
/// - a JSON body: 400 (not JSON), 413 (over the body limit), 415 (not `application/json`)
///   and 422 (JSON of the wrong shape);
/// - an `If-Match` header: 412 (a stale version), and 428 when it is required;
/// - an `Idempotency-Key` header: 409 (a request with the key is in flight) and 422 (the key
///   was used for another request), added to the wording of a 409 or 422 the operation
///   documents for its own reasons.
///
/// An operation that documents one of these statuses itself keeps its own wording.
pub fn add_standard_refusals(openapi: &mut utoipa::openapi::OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let refusals = standard_refusals(operation);
            let documented = &mut operation.responses.responses;
            for (status, response) in crate::http::refusals::problems(&refusals) {
                match documented.entry(status) {
                    std::collections::btree_map::Entry::Vacant(entry) => {
                        entry.insert(response);
                    }
                    // A handler's own 403 keeps its words, and gains the scope refusal,
                    // which the middleware makes before the handler runs.
                    std::collections::btree_map::Entry::Occupied(mut entry)
                        if entry.key() == "403" =>
                    {
                        if let (RefOr::T(own), RefOr::T(standard)) = (entry.get_mut(), response) {
                            let mut standard = standard.description.chars();
                            let first = standard.next().map(|c| c.to_lowercase().to_string());
                            own.description = format!(
                                "{}; or {}{}",
                                own.description,
                                first.unwrap_or_default(),
                                standard.as_str()
                            );
                        }
                    }
                    std::collections::btree_map::Entry::Occupied(_) => {}
                }
            }
            for (status, response) in crate::http::refusals::problems(&idempotency_refusals(
                operation.parameters.as_deref().unwrap_or_default(),
            )) {
                match documented.entry(status) {
                    std::collections::btree_map::Entry::Vacant(entry) => {
                        entry.insert(response);
                    }
                    std::collections::btree_map::Entry::Occupied(mut entry) => {
                        if let (RefOr::T(own), RefOr::T(added)) = (entry.get_mut(), response) {
                            own.description =
                                format!("{}; or: {}", own.description, added.description);
                        }
                    }
                }
            }
        }
    }
}

fn idempotency_refusals(parameters: &[Parameter]) -> Vec<(u16, &'static str)> {
    let takes_key = parameters.iter().any(|parameter| {
        parameter
            .name
            .eq_ignore_ascii_case(crate::idempotency::model::HEADER)
    });
    if !takes_key {
        return Vec::new();
    }
    vec![
        (
            409,
            "A request with this Idempotency-Key is still in flight (retry after `Retry-After` seconds)",
        ),
        (422, "The Idempotency-Key was used for another request"),
    ]
}

fn standard_refusals(operation: &Operation) -> Vec<(u16, &'static str)> {
    let mut refusals = Vec::new();
    let takes_scheme = |scheme: &str| {
        operation.security.iter().flatten().any(|requirement| {
            serde_json::to_value(requirement).is_ok_and(|value| value.get(scheme).is_some())
        })
    };
    if takes_scheme("bearer") {
        refusals.push((401, "No valid access token"));
        // The middleware holds client tokens to the operation's scope, or refuses them.
        refusals.push(if takes_scheme(crate::clients::operations::OAUTH2) {
            (403, "An API client token without the scope this operation requires (`insufficient-scope`)")
        } else {
            (403, "An API client token: this operation is for people (`not-for-api-clients`)")
        });
    }
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    if !parameters.is_empty() {
        refusals.push((400, "A path, query or header parameter that does not parse"));
    }
    if parameters
        .iter()
        .any(|parameter| matches!(parameter.parameter_in, ParameterIn::Query))
    {
        refusals.push((
            422,
            "A query parameter out of its range or not a known code",
        ));
    }
    let body_types: Vec<&String> = operation
        .request_body
        .iter()
        .flat_map(|body| body.content.keys())
        .collect();
    if !body_types.is_empty() && !body_types.iter().any(|media| *media == "application/json") {
        // A form (the OAuth token endpoint): only the size limit is actix's to refuse.
        refusals.push((413, "The body is larger than the server accepts"));
    } else if operation.request_body.is_some() {
        refusals.extend([
            (400, "The body is not JSON"),
            (413, "The body is larger than the server accepts"),
            (415, "The body is not `application/json`"),
            (
                422,
                "The body does not match the schema, or a field is invalid",
            ),
        ]);
    }
    if let Some(if_match) = parameters
        .iter()
        .find(|parameter| parameter.name.eq_ignore_ascii_case("if-match"))
    {
        refusals.push((412, "The resource changed since the ETag sent was read"));
        if matches!(if_match.required, Required::True) {
            refusals.push((428, "If-Match is missing"));
        }
    }
    refusals
}
