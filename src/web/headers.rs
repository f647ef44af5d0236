//! The security headers of every response, pages and API alike: a strict
//! Content-Security-Policy with no `unsafe-inline`, no framing, a same-origin referrer (a
//! page whose address carries a token sets `no-referrer` itself), and HSTS when the public
//! URL is https. The interactive documentation (`/docs`, Swagger UI served from the binary)
//! gets its own policy: its scripts and the document come from this origin, but its
//! components set inline styles; it may not be framed either.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Swagger UI's needs and no more: its own scripts, styles (it sets `style` attributes) and
/// icons (data: URIs), the document and "try it out" requests to this origin.
pub const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn add_security_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let documentation = request.path() == "/docs" || request.path().starts_with("/docs/");
    let https = request
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.site.https);
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    let mut set_if_absent = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set_if_absent(
        header::CONTENT_SECURITY_POLICY,
        if documentation {
            DOCS_CONTENT_SECURITY_POLICY
        } else {
            CONTENT_SECURITY_POLICY
        },
    );
    set_if_absent(header::X_FRAME_OPTIONS, "DENY");
    set_if_absent(header::REFERRER_POLICY, "same-origin");
    if https {
        set_if_absent(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    Ok(response)
}
