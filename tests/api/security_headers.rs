//! The API's CORS policy (configured origins only, none by default), HSTS on an https public
//! URL, and the interactive documentation's Content-Security-Policy.

use reqwest::{Method, StatusCode};

use crate::harness::{Response, TestApp};

const PORTAL: &str = "https://portal.example";

/// A browser's preflight for a cross-origin POST with a bearer token and a JSON body.
async fn preflight(app: &TestApp, origin: &str) -> Response {
    let headers = [
        ("origin", origin),
        ("access-control-request-method", "POST"),
        (
            "access-control-request-headers",
            "authorization, content-type",
        ),
    ];
    app.request_with(Method::OPTIONS, "/api/v1/needs", None, &headers, None)
        .await
}

async fn get_from(app: &TestApp, origin: &str) -> Response {
    let headers = [("origin", origin)];
    app.request_with(Method::GET, "/api/v1/themes", None, &headers, None)
        .await
}

fn allow_origin(response: &Response) -> Option<&str> {
    response.header("access-control-allow-origin")
}

pub async fn cors_admits_configured_origins_and_no_other(app: TestApp) {
    // By default no other origin is admitted.
    assert_eq!(allow_origin(&preflight(&app, PORTAL).await), None);
    assert_eq!(allow_origin(&get_from(&app, PORTAL).await), None);

    let configured = TestApp::spawn_with(app.engine, &[("cors_allowed_origins", PORTAL)]).await;
    let allowed = preflight(&configured, PORTAL).await;
    assert!(allowed.status.is_success(), "{}", allowed.status);
    assert_eq!(allow_origin(&allowed), Some(PORTAL));
    let methods = allowed.header("access-control-allow-methods").unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let headers = allowed
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
    assert!(
        allowed.header("access-control-allow-credentials").is_none(),
        "bearer tokens need no credentials mode"
    );
    let read = get_from(&configured, PORTAL).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(allow_origin(&read), Some(PORTAL));
    let exposed = read
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");

    // Another origin gets no CORS headers, so its page cannot read the answer.
    let refused = preflight(&configured, "https://evil.example").await;
    assert_eq!(allow_origin(&refused), None);
    assert_eq!(
        allow_origin(&get_from(&configured, "https://evil.example").await),
        None
    );
    // The service's own pages (the documentation's "try it out") are always admitted.
    let own = configured.base_url.clone();
    assert_eq!(
        allow_origin(&get_from(&configured, &own).await),
        Some(own.as_str())
    );
}

async fn header(app: &TestApp, path: &str, name: &str) -> Option<String> {
    app.get(path, None).await.header(name).map(str::to_owned)
}

pub async fn hsts_is_sent_only_when_the_public_url_is_https(app: TestApp) {
    for path in ["/api/v1/themes", "/docs/index.html", "/"] {
        assert_eq!(
            header(&app, path, "strict-transport-security").await,
            None,
            "{path}"
        );
    }
    let https = TestApp::spawn_with(
        app.engine,
        &[("public_url", "https://clearinghouse.example/")],
    )
    .await;
    for path in [
        "/api/v1/themes",
        "/api/v1/nothing-here",
        "/docs/index.html",
        "/",
    ] {
        let hsts = header(&https, path, "strict-transport-security").await;
        assert!(
            hsts.as_deref().is_some_and(|v| v.starts_with("max-age=")),
            "{path}: {hsts:?}"
        );
    }
}

pub async fn the_documentation_has_a_policy_that_forbids_framing(app: TestApp) {
    let page = app.get("/docs/index.html", None).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.headers);
    let csp = page.header("content-security-policy").unwrap();
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    let html = &page.text;
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for wanted in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(directives.contains(&wanted), "{wanted} missing: {csp}");
    }
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    // What the policy allows is enough: every script is a file of this origin (none inline),
    // and each answers.
    let document = scraper::Html::parse_document(html);
    let scripts: Vec<String> = document
        .select(&scraper::Selector::parse("script").unwrap())
        .map(|script| {
            let src = script.value().attr("src").expect("no inline script");
            assert!(!src.contains("//"), "a script from elsewhere: {src}");
            src.trim_start_matches("./").to_owned()
        })
        .collect();
    assert!(!scripts.is_empty(), "{html}");
    for src in scripts {
        let script = app.get(&format!("/docs/{src}"), None).await;
        assert_eq!(script.status, StatusCode::OK, "{src}");
    }
    // The API's own answers keep the strict policy.
    let api = header(&app, "/api/v1/themes", "content-security-policy").await;
    assert!(api.is_some_and(|csp| !csp.contains("unsafe-inline")));
}
