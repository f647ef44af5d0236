//! Counts every answer and its latency under the route template that matched it.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use super::{Metrics, RequestLabels, UNMATCHED_ROUTE};

pub async fn record_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(metrics) = request.app_data::<web::Data<Metrics>>().cloned() else {
        return next.call(request).await;
    };
    let started = Instant::now();
    // The template from the route table, never the path: an id in a label would make one
    // series per item.
    let route = request
        .match_pattern()
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
    let method = request.method().as_str().to_owned();
    let answered = next.call(request).await;
    let status = match &answered {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    metrics.observe_request(
        RequestLabels {
            method,
            route,
            status: status.as_str().to_owned(),
        },
        started.elapsed().as_secs_f64(),
    );
    answered
}
