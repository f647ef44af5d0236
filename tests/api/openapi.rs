//! The OpenAPI document: complete, routed, and changed only on purpose.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{ItemStep, TestApp};

/// The paths of the API contract that exist so far (DESIGN.md section 6); each must be
/// documented with its method.
const CONTRACT: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/ready"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/organisations"),
    ("get", "/api/v1/organisations/{id}"),
    ("post", "/api/v1/organisations/{id}/verify"),
    ("get", "/api/v1/themes"),
    ("post", "/api/v1/needs"),
    ("get", "/api/v1/needs"),
    ("get", "/api/v1/needs/{id}"),
    ("patch", "/api/v1/needs/{id}"),
    ("post", "/api/v1/needs/{id}/publish"),
    ("post", "/api/v1/needs/{id}/withdraw"),
    ("post", "/api/v1/needs/{id}/close"),
    ("post", "/api/v1/needs/{id}/reconfirm"),
    ("post", "/api/v1/offers"),
    ("get", "/api/v1/offers"),
    ("get", "/api/v1/offers/{id}"),
    ("patch", "/api/v1/offers/{id}"),
    ("post", "/api/v1/offers/{id}/publish"),
    ("post", "/api/v1/offers/{id}/withdraw"),
    ("post", "/api/v1/offers/{id}/close"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/needs/{id}/candidates"),
    ("get", "/api/v1/offers/{id}/candidates"),
    ("post", "/api/v1/matches"),
    ("get", "/api/v1/matches"),
    ("get", "/api/v1/matches/{id}"),
    ("post", "/api/v1/matches/{id}/approve"),
    ("post", "/api/v1/matches/{id}/reject"),
    ("post", "/api/v1/matches/{id}/accept"),
    ("post", "/api/v1/matches/{id}/decline"),
    ("post", "/api/v1/matches/{id}/complete"),
    ("post", "/api/v1/matches/{id}/cancel"),
    ("get", "/api/v1/matches/{id}/reports"),
    ("post", "/api/v1/matches/{id}/reports"),
    ("get", "/api/v1/allocation"),
    ("get", "/api/v1/reports/gaps"),
    ("post", "/api/v1/matching/run"),
    ("post", "/api/v1/auth/verify-email"),
    ("post", "/api/v1/auth/password-reset"),
    ("post", "/api/v1/auth/password-reset/confirm"),
    ("post", "/api/v1/organisations/{id}/invitations"),
    ("post", "/api/v1/invitations/accept"),
    ("get", "/api/v1/me/notification-preferences"),
    ("put", "/api/v1/me/notification-preferences"),
    ("get", "/api/v1/outbox"),
    ("post", "/api/v1/outbox/{id}/retry"),
];

fn document() -> Value {
    serde_json::to_value(clearinghouse::startup::api_document()).unwrap()
}

pub fn the_contract_paths_are_documented() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    for (method, path) in CONTRACT {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| !r.is_empty()),
            "{method} {path} has no responses"
        );
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
    assert!(document["components"]["schemas"]["Problem"].is_object());
}

/// Every documented operation reaches a handler: called without credentials or body, it may
/// refuse (401, 400, 415, 422 ...) but never answers "no such route".
pub async fn every_documented_operation_is_routed(app: TestApp) {
    let served: Value = app.get("/api/v1/openapi.json", None).await.body;
    // The served document is the generated one, with the taxonomy's theme codes listed
    // (the generated one, built without a database, says how a code is written).
    let mut generated = document();
    let mut listed = served.clone();
    let themes = "/components/schemas/ThemeCode";
    assert!(listed.pointer(themes).unwrap()["enum"].is_array());
    assert!(generated.pointer(themes).unwrap()["pattern"].is_string());
    *listed.pointer_mut(themes).unwrap() = Value::Null;
    *generated.pointer_mut(themes).unwrap() = Value::Null;
    assert_eq!(
        listed, generated,
        "the served document is the generated one"
    );
    let paths = served["paths"].as_object().unwrap();
    let contract_paths: std::collections::HashSet<&str> =
        CONTRACT.iter().map(|(_, path)| *path).collect();
    assert!(paths.len() >= contract_paths.len());
    for (path, item) in paths {
        let concrete = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.request(method.clone(), &concrete, None, None).await;
            let no_route = response.status == StatusCode::METHOD_NOT_ALLOWED
                || response.body["detail"] == "there is nothing at this path";
            assert!(
                !no_route,
                "{method} {path} is documented but not routed: {}",
                response.text
            );
            assert!(
                response.status != StatusCode::INTERNAL_SERVER_ERROR,
                "{method} {path}: {}",
                response.text
            );
        }
    }
}

pub fn document_matches_the_snapshot() {
    insta::assert_json_snapshot!("openapi", document());
}

/// Every `$ref` names a schema the document defines: a generated client stops at the first
/// one that does not resolve.
pub fn every_reference_resolves() {
    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("$ref", Value::String(target)) => found.push(target),
                        _ => refs(value, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
            _ => {}
        }
    }
    let document = document();
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(!found.is_empty(), "the document refers to its schemas");
    let unresolved: Vec<&str> = found
        .into_iter()
        .filter(|target| {
            let name = target.strip_prefix("#/components/schemas/");
            name.is_none_or(|name| document["components"]["schemas"][name].is_null())
        })
        .collect();
    assert!(
        unresolved.is_empty(),
        "unresolved references: {unresolved:?}"
    );
}

/// The OpenAPI Initiative's JSON Schema for OpenAPI 3.1 documents (see
/// `tests/fixtures/openapi/README.md`).
fn openapi_3_1_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!(
        "../fixtures/openapi/oas-3.1-schema-2022-10-07.json"
    ))
    .expect("the OAS 3.1 schema is JSON");
    jsonschema::draft202012::new(&schema).expect("the OAS 3.1 schema compiles")
}

/// What `validator` finds wrong with `document`, one line each, with where.
fn violations(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// The document validates against the OpenAPI 3.1 schema, as code generators and
/// validators check it before anything else.
pub fn the_document_is_valid_openapi_3_1() {
    let validator = openapi_3_1_validator();
    let document = document();
    let found = violations(&validator, &document);
    assert!(found.is_empty(), "not valid OpenAPI 3.1: {found:#?}");

    // The check can fail: the same document with an operation broken the way a wrong
    // annotation would break it is refused, naming where.
    let mut broken = document.clone();
    broken["paths"]["/api/v1/needs"]["get"]["responses"] = json!({"200": {"content": 5}});
    broken["paths"]["/api/v1/needs"]["get"]["parameters"][0]["in"] = json!("body");
    let found = violations(&validator, &broken);
    assert!(
        found
            .iter()
            .any(|line| line.contains("/paths/~1api~1v1~1needs/get")),
        "a broken operation is found: {found:#?}"
    );
}

/// The document a running server serves (with the taxonomy's theme codes listed) is valid
/// OpenAPI 3.1 too, and lists the codes the server accepts.
pub async fn the_served_document_is_valid_openapi_3_1(app: TestApp) {
    let served: Value = app.get("/api/v1/openapi.json", None).await.body;
    let found = violations(&openapi_3_1_validator(), &served);
    assert!(found.is_empty(), "not valid OpenAPI 3.1: {found:#?}");
    let themes = served["components"]["schemas"]["ThemeCode"]["enum"]
        .as_array()
        .expect("the theme codes are listed");
    let listed: Vec<&str> = themes.iter().filter_map(Value::as_str).collect();
    let tree = app.get("/api/v1/themes", None).await.body;
    let first = tree["items"][0]["code"].as_str().expect("a theme");
    assert!(listed.contains(&first), "{first} is listed");
    assert!(!listed.contains(&"no.such.theme"));
}

/// The refusals that follow from an operation's shape are documented on every operation of
/// that shape (`openapi::add_standard_refusals`), and sign-in is stated exactly: required
/// where the handler refuses without a token, optional where it reads as anonymous.
pub fn every_operation_documents_the_refusals_of_its_shape() {
    let document = document();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let documents = |status: &str| !operation["responses"][status].is_null();
            let security = operation["security"].as_array();
            if security.is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some())) {
                assert!(documents("401"), "{method} {path}: 401");
            }
            // A JSON body; the OAuth token endpoint's form answers RFC 6749's own errors.
            if !operation["requestBody"]["content"]["application/json"].is_null() {
                for status in ["400", "413", "415", "422"] {
                    assert!(documents(status), "{method} {path}: {status}");
                }
            }
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if let Some(if_match) = parameters.iter().find(|p| p["name"] == "If-Match") {
                assert!(documents("412"), "{method} {path}: 412");
                assert_eq!(
                    documents("428"),
                    if_match["required"] == true,
                    "{method} {path}: 428"
                );
            }
            for cursor in parameters.iter().filter(|p| p["name"] == "cursor") {
                assert!(
                    cursor["schema"]["pattern"].is_string(),
                    "{method} {path}: the cursor's form is stated"
                );
            }
        }
    }
    // Optional sign-in, and for the catalogue an API client's token with the read scope.
    for (path, optional) in [
        (
            "/api/v1/needs",
            serde_json::json!([{}, {"bearer": []}, {"oauth2": ["needs:read"]}]),
        ),
        (
            "/api/v1/offers",
            serde_json::json!([{}, {"bearer": []}, {"oauth2": ["offers:read"]}]),
        ),
        (
            "/api/v1/organisations",
            serde_json::json!([{}, {"bearer": []}]),
        ),
    ] {
        assert_eq!(
            document["paths"][path]["get"]["security"], optional,
            "{path}"
        );
    }
}

/// What the document promises for a secured operation: without a token, 401, before the
/// body, the If-Match header or the resource is looked at (they answered 422, 400 and 404).
pub async fn a_secured_operation_without_a_token_is_401_whatever_else_it_sends(app: TestApp) {
    let id = uuid::Uuid::new_v4();
    let null = Value::Null;
    for (method, path, body) in [
        (Method::POST, "/api/v1/needs".to_owned(), Some(&null)),
        (
            Method::POST,
            format!("/api/v1/matches/{id}/approve"),
            Some(&null),
        ),
        (Method::GET, format!("/api/v1/offers/{id}/candidates"), None),
        (Method::GET, format!("/api/v1/matches/{id}"), None),
    ] {
        let response = app.request(method.clone(), &path, None, body).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            response.text
        );
    }
    let response = app
        .client
        .post(format!(
            "{}/api/v1/needs/{id}/{}",
            app.base_url,
            ItemStep::Close.name()
        ))
        .header("If-Match", "")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
