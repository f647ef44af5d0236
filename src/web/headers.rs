//! The security headers of every response outside the API's interactive documentation
//! (whose vendored Swagger UI needs inline script): a strict Content-Security-Policy with
//! no `unsafe-inline`, no framing, a same-origin referrer (a page whose address carries a
//! token sets `no-referrer` itself), and HSTS when the public URL is https.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn add_security_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let documentation = request.path() == "/docs" || request.path().starts_with("/docs/");
    let https = request
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.site.https);
    let mut response = next.call(request).await?;
    if documentation {
        return Ok(response);
    }
    let headers = response.headers_mut();
    let mut set_if_absent = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set_if_absent(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set_if_absent(header::X_FRAME_OPTIONS, "DENY");
    set_if_absent(header::REFERRER_POLICY, "same-origin");
    if https {
        set_if_absent(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    Ok(response)
}
