//! Forgets rate-limit rows whose quota has fully refilled, so that the table holds only the
//! keys seen within about the last minute.

use crate::auth::rate_limit::forget_refilled;
use crate::db::{Database, StoreError};

pub async fn run(db: &Database) -> Result<(), StoreError> {
    let forgotten = db.write(forget_refilled).await?;
    if forgotten > 0 {
        tracing::debug!(forgotten, "rate-limit keys forgotten");
    }
    Ok(())
}
