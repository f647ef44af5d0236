//! Integral numbers in request bodies, as JSON means them.
//!
//! JSON has one kind of number: `5.0` and `5` are the same value, and JSON Schema's
//! `integer` (what the OpenAPI document states for counts, capacities and ratings) accepts
//! both. serde's integer fields refuse the first, so a client whose JSON library writes
//! every number as a float would meet a refusal the document does not foresee. Each JSON
//! request body is read once here and, only when it holds an integral number written as a
//! float, written again with that number as an integer; every other body passes untouched,
//! and a number with a fraction still reaches the field that refuses it.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use serde_json::Value;

/// The largest magnitude a float holds exactly as an integer (2^53).
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

/// Middleware: rewrites integral floats in JSON request bodies as integers.
pub async fn integral_numbers(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().starts_with("application/json"));
    if is_json {
        // Within the configured body limit (PayloadConfig): an oversized body is refused
        // here, and the problem renderer outside answers it as a 413 problem.
        let body = match request.extract::<Bytes>().await {
            Ok(body) => body,
            Err(error) => {
                let (request, _) = request.into_parts();
                return Ok(ServiceResponse::from_err(error, request));
            }
        };
        let body = with_integers(&body).unwrap_or(body);
        request.set_payload(Payload::from(body));
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

/// `body` written again with its integral floats as integers, or `None` when it is not JSON
/// or holds none (then it passes as it came).
fn with_integers(body: &[u8]) -> Option<Bytes> {
    let mut value: Value = serde_json::from_slice(body).ok()?;
    if !rewrite(&mut value) {
        return None;
    }
    serde_json::to_vec(&value).ok().map(Bytes::from)
}

/// Rewrites the integral floats in `value`; whether it found any.
fn rewrite(value: &mut Value) -> bool {
    match value {
        Value::Number(number) if number.is_f64() => {
            match number.as_f64() {
                Some(float) if float.fract() == 0.0 && float.abs() <= EXACT_INTEGERS => {
                    // Exact: |float| <= 2^53 and no fraction.
                    *value = Value::from(float as i64);
                    true
                }
                _ => false,
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |found, item| rewrite(item) | found),
        Value::Object(members) => members
            .values_mut()
            .fold(false, |found, member| rewrite(member) | found),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_become_integers_and_nothing_else_changes() {
        let body =
            br#"{"quantity": 5.0, "nested": [{"rating": -2.0}], "share": 0.5, "title": "5.0"}"#;
        let rewritten: Value =
            serde_json::from_slice(&with_integers(body).expect("rewritten")).expect("json");
        assert_eq!(
            rewritten,
            serde_json::json!({"quantity": 5, "nested": [{"rating": -2}], "share": 0.5, "title": "5.0"})
        );
        assert!(rewritten["quantity"].is_i64());
    }

    #[test]
    fn bodies_without_integral_floats_pass_untouched() {
        assert_eq!(with_integers(br#"{"quantity": 5, "share": 0.5}"#), None);
        assert_eq!(with_integers(b"not json"), None);
        // Beyond 2^53 a float is not an exact integer: left for the field to refuse.
        assert_eq!(with_integers(br#"{"quantity": 1e300}"#), None);
    }
}
