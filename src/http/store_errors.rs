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

    #[actix_web::test]
    async fn internal_errors_say_nothing_of_their_cause() {
        let error: ApiError =
            StoreError::Query("relation \"secret_table\" does not exist".into()).into();
        let body = to_bytes(error.error_response().into_body()).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("secret_table"), "{text}");
        assert!(text.contains("\"status\":500"), "{text}");
    }
}
