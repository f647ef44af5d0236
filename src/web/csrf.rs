//! Forms cannot be sent from another site: every state-changing form carries a token that
//! only this site's pages know (derived from the session's secret, or, before sign-in, a
//! double-submit cookie), and a browser's `Origin` and `Sec-Fetch-Site` must say the form
//! came from here. `CheckedForm` does both before a handler sees the form.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session::{session_value, Visitor};

/// The hidden field every form sends its token in.
pub const FIELD: &str = "csrf";

/// The form token of a session: the secret itself never leaves the server.
pub fn session_token(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(
        format!("clearinghouse csrf {secret}").as_bytes(),
    ))
}

/// Compares in time that does not depend on where the two differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// Whether the browser says the request came from another site. Requests without these
/// headers (older browsers, scripts) rely on the token alone.
fn cross_site(request: &HttpRequest) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.as_bytes(), b"same-origin" | b"none") {
            return true;
        }
    }
    // `null` is what browsers send from a page whose referrer policy is `no-referrer` (the
    // email-link pages, whose address holds a token): it says nothing about the site, so
    // `Sec-Fetch-Site` and the token decide.
    if let Some(origin) = headers
        .get(header::ORIGIN)
        .filter(|origin| *origin != "null")
    {
        let host = request.connection_info().host().to_owned();
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|origin| url::Url::parse(origin).ok())
            .and_then(|url| {
                let host = url.host_str()?.to_owned();
                Some(match url.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                })
            });
        // The host the browser asked, not the configured one: a server reached as
        // `localhost` and as `127.0.0.1` is the same site to its own pages.
        if origin_host.as_deref() != Some(host.as_str()) {
            return true;
        }
    }
    false
}

#[derive(Deserialize)]
struct TokenOnly {
    csrf: Option<String>,
}

/// A form body (read with serde_html_form, so repeated fields become lists) whose CSRF
/// token and origin were checked. A failed check is a friendly 403 page; nothing changed.
#[derive(Debug)]
pub struct CheckedForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CheckedForm<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let visitor = Visitor::from_request(request, payload);
        let body = web::Bytes::from_request(request, payload);
        let request = request.clone();
        Box::pin(async move {
            let visitor = visitor.await?;
            let body = body.await.map_err(|_| PageError::BadRequest)?;
            if cross_site(&request) {
                tracing::warn!(path = %request.path(), "a cross-site form post was refused");
                return Err(PageError::CsrfRejected);
            }
            let token = serde_html_form::from_bytes::<TokenOnly>(&body)
                .ok()
                .and_then(|form| form.csrf)
                .unwrap_or_default();
            if !visitor.csrf_matches(&token) {
                // The form was made for a session that has ended since: signing in again is
                // the way on (and the same answer as a `SignedIn` handler gives).
                let state = request.app_data::<web::Data<AppState>>();
                let session_ended = visitor.signed_in.is_none()
                    && state.is_some_and(|state| session_value(&request, &state.site).is_some());
                if session_ended {
                    return Err(PageError::SignInRequired { next: "/".into() });
                }
                return Err(PageError::CsrfRejected);
            }
            serde_html_form::from_bytes::<T>(&body)
                .map(CheckedForm)
                .map_err(|error| {
                    tracing::info!(%error, "a form body did not parse");
                    PageError::BadRequest
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        let token = session_token("secret");
        assert!(same(&token, &session_token("secret")));
        assert!(!same(&token, &session_token("other")));
        assert!(!same(&token, ""));
        assert!(!same("abc", "abd"));
    }

    #[test]
    fn a_null_origin_from_a_no_referrer_page_is_judged_by_sec_fetch_site() {
        use actix_web::test::TestRequest;
        let from_our_page = TestRequest::default()
            .insert_header((header::HOST, "127.0.0.1:8080"))
            .insert_header((header::ORIGIN, "null"))
            .insert_header(("sec-fetch-site", "same-origin"))
            .to_http_request();
        assert!(!cross_site(&from_our_page));
        let from_elsewhere = TestRequest::default()
            .insert_header((header::HOST, "127.0.0.1:8080"))
            .insert_header((header::ORIGIN, "null"))
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_http_request();
        assert!(cross_site(&from_elsewhere));
        let other_origin = TestRequest::default()
            .insert_header((header::HOST, "127.0.0.1:8080"))
            .insert_header((header::ORIGIN, "https://attacker.example"))
            .to_http_request();
        assert!(cross_site(&other_origin));
    }
}
