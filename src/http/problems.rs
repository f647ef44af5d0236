//! actix's own rejections (bad JSON, wrong content type, bad path or query, unknown route,
//! wrong method, oversized body) rendered as the same problem+json as our own errors.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::clients::model::Scope;
use crate::clients::operations::OAUTH2;
use crate::error::{ApiError, ProblemType, PROBLEM_JSON};
use crate::state::AppState;
use crate::web::errors::PageError;

pub fn json_config(body_limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(body_limit)
        .error_handler(|error, _| json_error(error).into())
}

fn json_error(error: JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::PayloadTooLarge(
            format!("the request body is over the limit of {limit} bytes").into(),
        ),
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType(
            "the request body must be JSON (Content-Type: application/json)".into(),
        ),
        // Well-formed JSON of the wrong shape (a missing, unknown or mistyped field) is a
        // validation problem; anything else is not JSON at all.
        JsonPayloadError::Deserialize(error) if error.is_data() => ApiError::Validation {
            detail: format!("the request body does not match the expected shape: {error}").into(),
            errors: Vec::new(),
        },
        JsonPayloadError::Deserialize(error) => ApiError::refused(
            ProblemType::MalformedJson,
            format!("the request body is not valid JSON: {error}"),
        ),
        other => {
            ApiError::BadRequest(format!("the request body could not be read: {other}").into())
        }
    }
}

/// An optional JSON body: empty means the default; anything else must parse, with the same
/// problems as a required body (a client's typo is never silently ignored). `T` may itself
/// be an `Option` (JSON `null` is then the default too, as the document states it).
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|error| json_error(JsonPayloadError::Deserialize(error)))
}

/// Pages answer a bad path or query with a page, the API with a problem.
fn is_page(request: &HttpRequest) -> bool {
    !request.path().starts_with("/api/")
}

/// A path or query that does not parse: the page `on_page` for a page, an invalid parameter
/// for the API.
fn invalid_parameter(
    request: &HttpRequest,
    on_page: PageError,
    what: &str,
    error: impl std::fmt::Display,
) -> actix_web::Error {
    if is_page(request) {
        return on_page.into();
    }
    ApiError::refused(
        ProblemType::InvalidParameter,
        format!("the {what} is not valid: {error}"),
    )
    .into()
}

pub fn path_config() -> web::PathConfig {
    // A page address that names nothing (`/needs/not-an-id`) is a missing page.
    web::PathConfig::default().error_handler(|error: PathError, request: &HttpRequest| {
        invalid_parameter(request, PageError::NotFound, "path", error)
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error: QueryPayloadError, request: &HttpRequest| {
        invalid_parameter(request, PageError::BadRequest, "query string", error)
    })
}

/// Rewrites any error response that is not yet problem+json (a route that does not exist, a
/// method a resource does not have, a body actix refused before our code ran), and renders
/// every `ApiError` with its `type` under the public URL: `ResponseError` has no request,
/// so this is the one place that knows both the error and the server it answers for.
pub fn problem_for_framework_errors<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|response: ServiceResponse<B>| {
        let public_url = response
            .request()
            .app_data::<web::Data<AppState>>()
            .map(|state| state.site.public_url.clone());
        let is_problem = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
        let body = response
            .response()
            .error()
            .and_then(|error| error.as_error::<ApiError>())
            .filter(|_| is_problem)
            .map(|error| error.body(public_url.as_ref()));
        if let Some(body) = body {
            let (request, original) = response.into_parts();
            let mut replaced = original.set_body(body).map_into_boxed_body();
            replaced.headers_mut().remove(header::CONTENT_LENGTH);
            return Ok(ErrorHandlerResponse::Response(
                ServiceResponse::new(request, replaced).map_into_right_body(),
            ));
        }
        // Problems, the HTML pages of `pages.rs`, and the OAuth token endpoint's RFC 6749
        // errors are our own answers: keep them.
        let content_type = response.headers().get(header::CONTENT_TYPE);
        let already_problem =
            content_type.is_some_and(|value| {
                value.as_bytes().starts_with(PROBLEM_JSON.as_bytes())
                    || value.as_bytes().starts_with(b"text/html")
            }) || crate::clients::oauth::is_oauth_answer(response.request().path(), content_type);
        if already_problem {
            return Ok(ErrorHandlerResponse::Response(
                response.map_into_left_body(),
            ));
        }
        let error = problem_for_status(response.status());
        let (request, original) = response.into_parts();
        let mut replaced = HttpResponse::build(error.status_code())
            .content_type(PROBLEM_JSON)
            .body(error.body(public_url.as_ref()));
        // Keep headers a client relies on (Allow on 405, Retry-After, ...).
        for (name, value) in original.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                replaced.headers_mut().insert(name.clone(), value.clone());
            }
        }
        Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(request, replaced).map_into_right_body(),
        ))
    })
}

fn problem_for_status(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::NotFound("there is nothing at this path".into()),
        StatusCode::METHOD_NOT_ALLOWED => {
            ApiError::MethodNotAllowed("this path does not accept that method".into())
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge("the request body is too large".into())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(
            "the request body has an unsupported content type".into(),
        ),
        status if status.is_client_error() => ApiError::BadRequest(
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_owned()
                .into(),
        ),
        _ => ApiError::Internal,
    }
}

/// The documented routes, to tell a path that does not exist (404) from a method that a
/// path does not accept (405, with `Allow`), and which operations need a bearer token (so
/// that the caller is authenticated before anything reads the body). The OpenAPI document
/// is the route table.
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<DocumentedMethod>)>,
}

struct DocumentedMethod {
    method: &'static str,
    /// The operation needs a token (a bearer or an OAuth 2.0 one, not an optional one).
    requires_bearer: bool,
    /// The operation documents the `Idempotency-Key` header (`crate::idempotency`).
    takes_idempotency_key: bool,
    /// The scope a client token needs here (the document's `oauth2` requirement); `None`:
    /// client tokens are refused.
    client_scope: Option<Scope>,
}

/// What the route table knows of one operation's security.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSecurity {
    pub requires_bearer: bool,
    pub client_scope: Option<Scope>,
}

fn security_requirements(operation: &utoipa::openapi::path::Operation) -> Vec<serde_json::Value> {
    operation
        .security
        .as_ref()
        .map(|requirements| serde_json::to_value(requirements).unwrap_or_default())
        .and_then(|value| value.as_array().cloned())
        .unwrap_or_default()
}

/// Whether an operation's `security` demands a token: some requirement is listed and none
/// of them is the empty one (which would make it optional).
pub(crate) fn requires_bearer(operation: &utoipa::openapi::path::Operation) -> bool {
    let requirements = security_requirements(operation);
    !requirements.is_empty()
        && requirements.iter().all(|requirement| {
            requirement
                .as_object()
                .is_some_and(|schemes| !schemes.is_empty())
        })
}

/// The scope of the operation's `oauth2` requirement, if it lists one.
fn client_scope(operation: &utoipa::openapi::path::Operation) -> Option<Scope> {
    security_requirements(operation)
        .iter()
        .find_map(|requirement| {
            let scopes = requirement.get(OAUTH2)?.as_array()?;
            match scopes.as_slice() {
                [one] => Scope::parse(one.as_str()?),
                _ => None,
            }
        })
}

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let methods = [
                    (&item.get, "GET"),
                    (&item.post, "POST"),
                    (&item.put, "PUT"),
                    (&item.patch, "PATCH"),
                    (&item.delete, "DELETE"),
                ]
                .into_iter()
                .filter_map(|(operation, method)| {
                    operation.as_ref().map(|operation| DocumentedMethod {
                        method,
                        requires_bearer: requires_bearer(operation),
                        takes_idempotency_key: operation.parameters.iter().flatten().any(
                            |parameter| {
                                parameter
                                    .name
                                    .eq_ignore_ascii_case(crate::idempotency::model::HEADER)
                            },
                        ),
                        client_scope: client_scope(operation),
                    })
                })
                .collect();
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// The templates matching `path`, each with how many of its segments are literal.
    fn matching<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = (usize, &'a [DocumentedMethod])> + 'a {
        let segments: Vec<&str> = path.split('/').collect();
        self.routes.iter().filter_map(move |(template, methods)| {
            let fits = template.len() == segments.len()
                && template.iter().zip(&segments).all(|(expected, actual)| {
                    (expected.starts_with('{') && !actual.is_empty()) || expected == actual
                });
            fits.then(|| {
                let literal = template.iter().filter(|s| !s.starts_with('{')).count();
                (literal, methods.as_slice())
            })
        })
    }

    /// The methods the routes matching `path` accept; empty when no route matches.
    pub fn methods_for(&self, path: &str) -> Vec<String> {
        let mut methods: Vec<String> = self
            .matching(path)
            .flat_map(|(_, methods)| methods.iter().map(|m| m.method.to_owned()))
            .collect();
        methods.sort();
        methods.dedup();
        methods
    }

    /// Whether the operation `method` `path` names honours `Idempotency-Key`.
    pub fn takes_idempotency_key(&self, method: &str, path: &str) -> bool {
        self.operation(method, path)
            .is_some_and(|operation| operation.takes_idempotency_key)
    }

    /// The security of the operation `method` `path` names.
    pub fn security(&self, method: &str, path: &str) -> Option<OperationSecurity> {
        self.operation(method, path).map(|m| OperationSecurity {
            requires_bearer: m.requires_bearer,
            client_scope: m.client_scope,
        })
    }

    /// Whether the operation `method` `path` names is documented as needing a token.
    pub fn requires_bearer(&self, method: &str, path: &str) -> bool {
        self.security(method, path)
            .is_some_and(|security| security.requires_bearer)
    }

    /// The operation `method` `path` names. Where two templates match (`/x/{id}` and
    /// `/x/reports`), the one with more literal segments decides, as it names the operation
    /// more precisely.
    fn operation<'a>(&'a self, method: &str, path: &'a str) -> Option<&'a DocumentedMethod> {
        self.matching(path)
            .filter_map(|(literal, methods)| {
                methods
                    .iter()
                    .find(|m| m.method == method)
                    .map(|m| (literal, m))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, operation)| operation)
    }
}

/// The answer for a request no route took (built from the error, so that
/// `problem_for_framework_errors` renders its type under the public URL).
pub fn no_route(routes: &RouteTable, request: &HttpRequest) -> actix_web::HttpResponse {
    let allowed = routes.methods_for(request.path());
    if allowed.is_empty() {
        return HttpResponse::from_error(ApiError::NotFound(
            "there is nothing at this path".into(),
        ));
    }
    let mut response = HttpResponse::from_error(ApiError::MethodNotAllowed(
        format!(
            "{} is not accepted here; use {}",
            request.method(),
            allowed.join(", ")
        )
        .into(),
    ));
    if let Ok(value) = header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
