//! Expires open needs past their wanted-by date or not reconfirmed in time, and open offers
//! past their availability.

use crate::catalogue::service::{self as catalogue, CatalogueError};
use crate::db::Database;

pub async fn run(db: &Database, reconfirm_within: chrono::Duration) -> Result<(), CatalogueError> {
    let now = chrono::Utc::now();
    let (today, stale_before) = (now.date_naive(), (now - reconfirm_within).naive_utc());
    let (needs, offers) = db
        .transaction(move |conn| catalogue::expire_due(conn, today, stale_before))
        .await?;
    if needs + offers > 0 {
        tracing::info!(needs, offers, "expired what was due");
    }
    Ok(())
}
