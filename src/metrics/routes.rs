//! `GET /metrics` for the operators' Prometheus, behind a bearer token (`metrics.token`):
//! mounted only when a token is configured, so that without one the path does not exist.
//! Not in the public OpenAPI document: it is for the people who run the service, not for
//! partner systems (docs/ARCHITECTURE.md, "Metrics").

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::Metrics;
use crate::error::ApiError;
use crate::notify::outbox;
use crate::state::AppState;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The configured token, kept as its digest: comparing two digests takes the same time
/// whatever the presented token shares with the real one, its length included.
#[derive(Clone)]
pub struct ScrapeToken([u8; 32]);

impl ScrapeToken {
    pub fn new(token: &SecretString) -> Self {
        Self(Sha256::digest(token.expose_secret().as_bytes()).into())
    }

    fn admits(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        // Every byte is compared, so the time says nothing about where they differ.
        presented
            .iter()
            .zip(self.0.iter())
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
    }
}

/// Mounts `/metrics` when there is a token to guard it.
pub fn routes(token: Option<ScrapeToken>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        if let Some(token) = token {
            config
                .app_data(web::Data::new(token))
                .route("/metrics", web::get().to(scrape));
        }
    }
}

async fn scrape(
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
    token: web::Data<ScrapeToken>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
    if !token.admits(presented) {
        return Err(ApiError::Unauthorized(
            "send the metrics token as a bearer token".into(),
        ));
    }
    let depth = state.db.read(outbox::depth).await?;
    let body = metrics.render(state.db.pool_state(), &depth);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, OPENMETRICS))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_token_is_admitted() {
        let token = ScrapeToken::new(&SecretString::from("a-scraper-token-of-enough-length"));
        assert!(token.admits("a-scraper-token-of-enough-length"));
        assert!(!token.admits("a-scraper-token-of-enough-lengtH"));
        assert!(!token.admits("a-scraper-token"));
        assert!(!token.admits(""));
    }
}
