//! The API's CORS policy: which other sites' browser code may call `/api/v1`. Only the
//! configured origins (`cors_allowed_origins`, none by default) and the service's own origin
//! (its interactive documentation calls the API from there). Bearer tokens travel in
//! `Authorization`, never in cookies, so credentials mode is never allowed. A request from
//! any other origin is served without CORS headers, and the browser keeps the answer from
//! the page that asked.

use actix_cors::Cors;
use actix_web::http::{header, Method};

pub fn api_cors(allowed_origins: &[String], own_origin: &str) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600)
        // The browser enforces a refusal; the server need not turn the request away.
        .block_on_origin_mismatch(false);
    for origin in allowed_origins
        .iter()
        .map(String::as_str)
        .chain([own_origin])
    {
        cors = cors.allowed_origin(origin);
    }
    cors
}
