//! Forgets idempotency records older than their 24 hours (`idempotency::model::RETENTION`):
//! past that a key may be used again, and the table holds about a day of writes.

use crate::db::{Database, StoreError};
use crate::idempotency::store::forget_expired;

pub async fn run(db: &Database) -> Result<(), StoreError> {
    let forgotten = db
        .write(|conn| forget_expired(conn, crate::db::now()))
        .await?;
    if forgotten > 0 {
        tracing::debug!(forgotten, "expired idempotency keys forgotten");
    }
    Ok(())
}
