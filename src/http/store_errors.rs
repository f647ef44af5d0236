//! Storage failures as HTTP answers: every area's error that wraps a `StoreError` ends here,
//! so that what a missing row, a taken key or an unreachable database means to a client is
//! written once.

use crate::db::StoreError;
use crate::error::ApiError;

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Conflict(detail) => Self::Conflict(detail.into()),
            StoreError::Stale => Self::PreconditionFailed(
                "the item has changed since you read it; read it again and reapply your change"
                    .into(),
            ),
            StoreError::Unavailable(cause) => {
                tracing::error!(%cause, "database unavailable");
                Self::Unavailable
            }
            // A value of the request the database could not take (validation should have
            // caught it first): the client's fault, said without the database's words.
            StoreError::Rejected(cause) => {
                tracing::warn!(%cause, "the database refused a value of the request");
                Self::BadRequest(
                    "the request carries a value that cannot be stored or searched".into(),
                )
            }
            StoreError::Query(cause) => {
                tracing::error!(%cause, "database query failed");
                Self::Internal
            }
        }
    }
}

/// For handlers whose transaction's own error is `ApiError` (`Database::transaction` asks
/// for it).
impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        StoreError::from(error).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;
    use actix_web::ResponseError;

    /// The problem+json body a store error is answered with.
    async fn answer_to(error: StoreError) -> String {
        let error: ApiError = error.into();
        let body = to_bytes(error.error_response().into_body()).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[actix_web::test]
    async fn internal_errors_say_nothing_of_their_cause() {
        let cause = "relation \"secret_table\" does not exist";
        let text = answer_to(StoreError::Query(cause.into())).await;
        assert!(!text.contains("secret_table"), "{text}");
        assert!(text.contains("\"status\":500"), "{text}");
    }

    #[actix_web::test]
    async fn a_value_the_database_refuses_is_the_client_s_400_without_its_words() {
        let cause = "invalid byte sequence for encoding \"UTF8\": 0x00";
        let text = answer_to(StoreError::Rejected(cause.into())).await;
        assert!(text.contains("\"status\":400"), "{text}");
        assert!(!text.contains("UTF8"), "{text}");
    }
}
