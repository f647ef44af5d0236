//! Errors people understand: a page handler fails with a `PageError`, and
//! `render_error_pages` turns it into a friendly page in the layout (403, 404, 409, 429,
//! 500 with the request id and never the cause). A page that needs a user sends a
//! signed-out visitor to sign in instead.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use minijinja::context;

use crate::db::StoreError;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::render;
use crate::web::session::Visitor;

#[derive(Debug, Clone, thiserror::Error)]
pub enum PageError {
    #[error("the request could not be read")]
    BadRequest,
    #[error("the form's security token is missing or wrong, or it came from another site")]
    CsrfRejected,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict")]
    Conflict,
    #[error("too many requests")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal,
}

impl PageError {
    /// Every `kind`, for the test that each has its sentences.
    #[cfg(test)]
    pub const KINDS: [&'static str; 9] = [
        "bad-request",
        "csrf",
        "forbidden",
        "not-found",
        "conflict",
        "too-many",
        "sign-in",
        "unavailable",
        "internal",
    ];

    /// The page's name in the catalogue (`error-<kind>-title`, `error-<kind>-body`).
    fn kind(&self) -> &'static str {
        match self {
            Self::BadRequest => "bad-request",
            Self::CsrfRejected => "csrf",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not-found",
            Self::Conflict => "conflict",
            Self::TooManyRequests { .. } => "too-many",
            Self::SignInRequired { .. } => "sign-in",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        ApiError::from(error).into()
    }
}

/// What an API-shaped refusal means on a page. Field errors never get here: forms show
/// them beside their fields (`forms::FieldErrors`).
impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::NotFound(_) => Self::NotFound,
            ApiError::Forbidden(_) | ApiError::Unauthorized(_) => Self::Forbidden,
            ApiError::Conflict(_) | ApiError::PreconditionFailed(_) => Self::Conflict,
            ApiError::Refused { status, .. } if status == StatusCode::FORBIDDEN => Self::Forbidden,
            ApiError::Refused { status, .. } if status == StatusCode::CONFLICT => Self::Conflict,
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => Self::TooManyRequests {
                retry_after_seconds,
            },
            ApiError::Unavailable => Self::Unavailable,
            // The cause was logged where the ApiError was made.
            ApiError::Internal => Self::Internal,
            _ => Self::BadRequest,
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::CsrfRejected | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::SignInRequired { .. } => StatusCode::SEE_OTHER,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A placeholder that `render_error_pages` replaces with the page; only the redirect to
    /// sign-in is complete as it is.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::SignInRequired { next } => {
                let location = format!(
                    "/sign-in?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("next", next)
                        .finish()
                );
                response.insert_header((header::LOCATION, location));
            }
            Self::TooManyRequests {
                retry_after_seconds,
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            _ => {}
        }
        response.finish()
    }
}

/// Renders the page of a `PageError` that a handler or extractor returned.
pub async fn render_error_pages(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let response = next.call(request).await?;
    let failure = response
        .response()
        .error()
        .and_then(|error| error.as_error::<PageError>())
        .filter(|failure| !matches!(failure, PageError::SignInRequired { .. }))
        .cloned();
    let Some(failure) = failure else {
        return Ok(response.map_into_left_body());
    };
    let (request, original) = response.into_parts();
    let mut page = error_page(&request, &failure);
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(request, page).map_into_right_body())
}

/// The friendly page of `failure`, in the layout, for whoever is signed in.
pub fn error_page(request: &HttpRequest, failure: &PageError) -> HttpResponse {
    let status = failure.status_code();
    let Some(state) = request.app_data::<web::Data<AppState>>() else {
        return HttpResponse::build(status).finish();
    };
    let visitor = request.extensions().get::<Visitor>().cloned();
    let request_id = request
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(ToString::to_string);
    let context = context! {
        kind => failure.kind(),
        request_id => (status == StatusCode::INTERNAL_SERVER_ERROR).then_some(request_id).flatten(),
    };
    match render::html(&state.site, visitor.as_ref(), "error", context) {
        Ok(html) => {
            let mut response = HttpResponse::build(status);
            render::page_headers(&mut response, false);
            response.body(html)
        }
        Err(error) => {
            tracing::error!(%error, "the error page did not render");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(status.canonical_reason().unwrap_or("error"))
        }
    }
}

/// What a request that no route took gets: problem+json under `/api/`, a page elsewhere.
pub fn not_found_page(request: &HttpRequest) -> HttpResponse {
    error_page(request, &PageError::NotFound)
}
