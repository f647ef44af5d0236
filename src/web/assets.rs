//! The one stylesheet, compiled into the binary and served under a name that carries a
//! hash of its content, so that browsers may keep it for a year and a new release is
//! fetched at once.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use sha2::{Digest, Sha256};

const STYLESHEET: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/static/site.css"));

static STYLESHEET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLESHEET.as_bytes());
    digest[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
});

/// The path pages link the stylesheet at.
pub fn stylesheet_path() -> String {
    format!("/static/site.{}.css", *STYLESHEET_VERSION)
}

#[get("/static/site.{version}.css")]
pub async fn stylesheet(version: web::Path<String>) -> HttpResponse {
    // An older page may still ask for an older version: it gets today's, not kept.
    let cache = if *version == *STYLESHEET_VERSION {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(STYLESHEET)
}
