//! The one place idempotent requests pass through: an actix middleware placed after the
//! authentication middleware (so the caller is known) and before the handlers, which know
//! nothing of it.
//!
//! For an operation the OpenAPI document lists with the `Idempotency-Key` header (every POST
//! and PATCH that needs a signed-in caller; the `RouteTable` says which) and a request that
//! carries one, it reads the body (bounded by `body_limit_bytes`), claims (caller, key) in
//! the database, and then either replays the kept answer, refuses (422 for a key reused with
//! another request, 409 with `Retry-After` while the first is still running), or runs the
//! request and keeps its answer. The request runs in a task of its own: a client that hangs
//! up does not cancel a write halfway, and its answer is still kept for the retry.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;

use super::model::{self, IdempotencyKey, Settle, StoredResponse};
use super::store::{self, Claim};
use crate::auth::extract::{identify, Identity};
use crate::db::Database;
use crate::error::{ApiError, ProblemType};
use crate::http::problems::RouteTable;
use crate::state::AppState;

/// Whose keys these are. Keys are per caller (`user:<uuid>` or `client:<uuid>`): two callers
/// may choose the same key and each gets their own answer.
fn caller_key(identity: &Identity) -> String {
    identity.caller_key()
}

/// Middleware: honours `Idempotency-Key` on the operations documented with it.
pub async fn honour_idempotency_keys(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut sent = request.headers().get_all(model::HEADER);
    let Some(raw) = sent.next().cloned() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let several = sent.next().is_some();
    let documented = request
        .app_data::<web::Data<RouteTable>>()
        .is_some_and(|routes| {
            routes.takes_idempotency_key(request.method().as_str(), request.path())
        });
    if !documented {
        // Elsewhere (reads, sign-in) the header means nothing, as any unknown header.
        return Ok(next.call(request).await?.map_into_boxed_body());
    }
    let key = match (several, IdempotencyKey::parse(raw.as_bytes())) {
        (false, Ok(key)) => key,
        (true, _) => return refuse(request, bad_key("send one Idempotency-Key, not several")),
        (false, Err(reason)) => return refuse(request, bad_key(reason)),
    };
    // The authentication middleware outside has already refused a request without one.
    let identity = match identify(request.request()).await {
        Ok(Some(identity)) => identity,
        Ok(None) => return Ok(next.call(request).await?.map_into_boxed_body()),
        Err(error) => return refuse(request, error),
    };
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        tracing::error!("AppState is not registered with the application");
        return refuse(request, ApiError::Internal);
    };
    let body = match request.extract::<Bytes>().await {
        Ok(body) => body,
        Err(error) => {
            let (request, _) = request.into_parts();
            return Ok(ServiceResponse::from_err(error, request));
        }
    };
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.path().to_owned(), |p| p.as_str().to_owned());
    let fingerprint = model::fingerprint(request.method().as_str(), &path_and_query, &body);
    request.set_payload(Payload::from(body));
    let record = Record {
        db: state.db.clone(),
        caller: caller_key(&identity),
        key: key.as_str().to_owned(),
    };
    let claimed = {
        let (caller, key) = (record.caller.clone(), record.key.clone());
        state
            .db
            .write(move |conn| store::claim(conn, &caller, &key, &fingerprint, crate::db::now()))
            .await
    };
    let token = match claimed {
        Err(error) => return refuse(request, error.into()),
        Ok(Claim::Claimed { token }) => token,
        Ok(Claim::Replay(stored)) => {
            let (request, _) = request.into_parts();
            return Ok(ServiceResponse::new(request, replay(stored)));
        }
        Ok(Claim::Reused) => {
            return refuse(
                request,
                ApiError::refused(
                    ProblemType::IdempotencyKeyReused,
                    "this Idempotency-Key was used for another request (another method, path \
                     or body); use a new key for a new request",
                ),
            )
        }
        Ok(Claim::InFlight {
            retry_after_seconds,
        }) => {
            let mut refused = refusal(
                request,
                ApiError::refused(
                    ProblemType::IdempotencyRequestInFlight,
                    "a request with this Idempotency-Key is still being answered; retry after \
                     the seconds in Retry-After to read its answer",
                ),
            );
            if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                refused.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Ok(refused);
        }
    };
    let public_url = state.site.public_url.clone();
    // The rest runs in its own task, which the client's hanging up does not cancel: the write
    // finishes and its answer is kept, so the retry is answered with it.
    let task = actix_web::rt::spawn(async move {
        let mut hold = Hold {
            record: Some(record),
            token,
        };
        let response = next.call(request).await?.map_into_boxed_body();
        let (request, response) = response.into_parts();
        let status = response.status();
        let problem = response
            .error()
            .and_then(|error| error.as_error::<ApiError>())
            .map(|error| (error.problem_type(), error.body(Some(&public_url))));
        let (response, body) = response.into_parts();
        let body = match to_bytes(body).await {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(%error, "a response body could not be read");
                return Ok(ServiceResponse::from_err(ApiError::Internal, request));
            }
        };
        let retry_later = problem
            .as_ref()
            .is_some_and(|(kind, _)| *kind == ProblemType::ChangedMeanwhile);
        if model::settle(status.as_u16(), retry_later) == Settle::Keep {
            let stored = StoredResponse {
                status: status.as_u16(),
                headers: kept_headers(response.headers()),
                // A problem is kept as the client reads it, its `type` under the public URL
                // (the renderer outside writes that on the way out; a replay has no error).
                body: problem.map_or_else(|| body.to_vec(), |(_, body)| body.into_bytes()),
            };
            hold.complete(stored).await;
        } else {
            // Freed before the answer leaves, so that an immediate retry runs again.
            hold.release().await;
        }
        Ok(ServiceResponse::new(
            request,
            response.set_body(body).map_into_boxed_body(),
        ))
    });
    match task.await {
        Ok(answer) => answer,
        // The request's task panicked: its `Hold` freed the key while unwinding.
        Err(error) => {
            tracing::error!(%error, "an idempotent request's task failed");
            Err(ApiError::Internal.into())
        }
    }
}

/// The (caller, key) a request holds.
struct Record {
    db: Database,
    caller: String,
    key: String,
}

/// A claimed key until its answer is kept; dropped before that (a 5xx or 429 answer, an
/// error, a panic), it frees the key so that the client's retry runs the request again.
struct Hold {
    record: Option<Record>,
    token: String,
}

impl Hold {
    async fn complete(&mut self, stored: StoredResponse) {
        let Some(record) = self.record.take() else {
            return;
        };
        let token = self.token.clone();
        let (caller, key) = (record.caller.clone(), record.key.clone());
        let kept = record
            .db
            .write(move |conn| {
                store::complete(conn, &caller, &key, &token, &stored, crate::db::now())
            })
            .await;
        match kept {
            Ok(true) => {}
            // Its lease ran out and another request took the key over: that one's answer is
            // the one kept.
            Ok(false) => tracing::warn!("an idempotency claim was taken over before it answered"),
            // The answer goes out; the claim stays until its lease ends, and then a retry runs
            // the request again.
            Err(error) => tracing::warn!(%error, "an idempotent answer could not be kept"),
        }
    }
}

impl Hold {
    async fn release(&mut self) {
        let Some(record) = self.record.take() else {
            return;
        };
        free(record, std::mem::take(&mut self.token)).await;
    }
}

async fn free(record: Record, token: String) {
    let (caller, key) = (record.caller, record.key);
    let freed = record
        .db
        .write(move |conn| store::release(conn, &caller, &key, &token))
        .await;
    if let Err(error) = freed {
        // The lease frees it in the end.
        tracing::warn!(%error, "an idempotency key could not be freed");
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let Some(record) = self.record.take() else {
            return;
        };
        // Dropped without an answer (an error or a panic on the way): freed in the background.
        actix_web::rt::spawn(free(record, std::mem::take(&mut self.token)));
    }
}

fn kept_headers(headers: &header::HeaderMap) -> Vec<(String, String)> {
    model::KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            Some(((*name).to_owned(), value.to_owned()))
        })
        .collect()
}

fn replay(stored: StoredResponse) -> HttpResponse<BoxBody> {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            response.insert_header((name, value));
        }
    }
    response.insert_header((model::REPLAYED_HEADER, "true"));
    response.body(stored.body)
}

fn bad_key(reason: &str) -> ApiError {
    ApiError::refused(ProblemType::InvalidIdempotencyKey, reason.to_owned())
}

/// The refusal as a response that keeps its `ApiError`, so that the problem renderer outside
/// writes its `type` under the public URL.
fn refusal(request: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    let (request, _) = request.into_parts();
    ServiceResponse::from_err(error, request)
}

fn refuse(
    request: ServiceRequest,
    error: ApiError,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    Ok(refusal(request, error))
}
