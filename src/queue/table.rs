//! The diesel part of a leased queue, written once for every table that has the queue's
//! columns (`id` as `UuidText`, `status`, `attempts`, `next_attempt_at`, `claim_token`,
//! `lease_until`, `last_error`, `updated_at`).
//!
//! A macro rather than generic functions: diesel's types for "this column of that table on
//! either engine" make generic signatures longer than the queries themselves, while the
//! queries are the same text for every table. Claims are atomic on both engines: PostgreSQL
//! locks the due rows `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint batches;
//! SQLite runs the claim in a `BEGIN IMMEDIATE` transaction, which admits one writer at a time.

use chrono::NaiveDateTime;
use uuid::Uuid;

/// The rows one claim took: each is held by `token` until `lease_until`, and settling one
/// is conditional on the token (a worker whose lease ran out cannot overwrite the outcome of
/// the worker that took the row after it).
#[derive(Debug, Clone)]
pub struct Claim {
    pub ids: Vec<Uuid>,
    pub token: String,
    pub lease_until: NaiveDateTime,
}

/// Defines `$queue`, a unit type whose associated functions run the queue's statements on
/// `$table`: `claim`, `release`, `retry`, `prune`, `count`. The statuses are the table's own
/// words; `eligible` narrows what may be claimed (the deliveries of enabled endpoints only).
#[macro_export]
macro_rules! leased_table {
    (
        $(#[$meta:meta])*
        $vis:vis struct $queue:ident for $table:ident {
            pending: $pending:expr,
            sending: $sending:expr,
            done: $done:expr,
            parked: $parked:expr,
            lost: $lost:expr,
            $(eligible: |$query:ident| $eligible:expr,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $queue;

        #[allow(dead_code)]
        impl $queue {
            /// Claims up to `limit` due rows for `lease`: pending ones whose time has come,
            /// and ones whose worker let its lease run out (it died or hung). Each claim
            /// counts as an attempt; a row whose worker died on its last allowed attempt is
            /// parked instead, with `lost` as its error. Run inside a write transaction.
            pub fn claim(
                conn: &mut $crate::db::Conn<'_>,
                limit: usize,
                lease: chrono::Duration,
                max_attempts: u32,
            ) -> Result<Option<$crate::queue::Claim>, $crate::db::StoreError> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                let now = $crate::db::now();
                let (pending, sending): (&str, &str) = ($pending, $sending);
                let max_attempts = max_attempts as i32;
                $crate::dispatch!(conn, |c| diesel::update(
                    $table::table
                        .filter($table::status.eq(sending))
                        .filter($table::lease_until.le(now))
                        .filter($table::attempts.ge(max_attempts))
                )
                .set((
                    $table::status.eq($parked),
                    $table::claim_token.eq(None::<String>),
                    $table::lease_until.eq(None::<chrono::NaiveDateTime>),
                    $table::last_error.eq(Some($lost)),
                    $table::updated_at.eq(now),
                ))
                .execute(c))?;
                let due = $table::status
                    .eq(pending)
                    .and($table::next_attempt_at.le(now))
                    .or($table::status.eq(sending).and($table::lease_until.le(now)));
                let query = $table::table.filter(due);
                $(let query = { let $query = query; $eligible };)?
                let query = query
                    .order($table::next_attempt_at.asc())
                    .select($table::id)
                    .limit(limit as i64);
                let ids: Vec<uuid::Uuid> = match conn {
                    $crate::db::Conn::Postgres(c) => query.for_update().skip_locked().load(*c)?,
                    $crate::db::Conn::Sqlite(c) => query.load(*c)?,
                };
                if ids.is_empty() {
                    return Ok(None);
                }
                let token = uuid::Uuid::new_v4().to_string();
                let lease_until = now + lease;
                let bound: Vec<$crate::db::Id> = ids.iter().copied().map($crate::db::Id).collect();
                $crate::dispatch!(conn, |c| diesel::update(
                    $table::table.filter($table::id.eq_any(&bound))
                )
                .set((
                    $table::status.eq(sending),
                    $table::attempts.eq($table::attempts + 1),
                    $table::claim_token.eq(Some(&token)),
                    $table::lease_until.eq(Some(lease_until)),
                    $table::updated_at.eq(now),
                ))
                .execute(c))?;
                Ok(Some($crate::queue::Claim { ids, token, lease_until }))
            }

            /// Gives back a claimed row that was not tried (the worker is stopping): due at
            /// once, and the claim does not count as an attempt.
            pub fn release(
                conn: &mut $crate::db::Conn<'_>,
                id: uuid::Uuid,
                token: &str,
            ) -> Result<(), $crate::db::StoreError> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                let now = $crate::db::now();
                $crate::dispatch!(conn, |c| diesel::update(
                    $table::table
                        .filter($table::id.eq($crate::db::Id(id)))
                        .filter($table::claim_token.eq(token))
                )
                .set((
                    $table::status.eq($pending),
                    $table::attempts.eq($table::attempts - 1),
                    $table::next_attempt_at.eq(now),
                    $table::claim_token.eq(None::<String>),
                    $table::lease_until.eq(None::<chrono::NaiveDateTime>),
                    $table::updated_at.eq(now),
                ))
                .execute(c))?;
                Ok(())
            }

            /// Gives a row in status `from` a fresh set of attempts, due now; conditional on
            /// the status so that a worker's claim in between is not overwritten.
            pub fn retry(
                conn: &mut $crate::db::Conn<'_>,
                id: uuid::Uuid,
                from: &str,
            ) -> Result<bool, $crate::db::StoreError> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                let now = $crate::db::now();
                let updated = $crate::dispatch!(conn, |c| diesel::update(
                    $table::table
                        .filter($table::id.eq($crate::db::Id(id)))
                        .filter($table::status.eq(from))
                )
                .set((
                    $table::status.eq($pending),
                    $table::attempts.eq(0),
                    $table::next_attempt_at.eq(now),
                    $table::updated_at.eq(now),
                ))
                .execute(c))?;
                Ok(updated == 1)
            }

            /// Deletes up to `limit` rows settled (sent, delivered) before `before`: they are
            /// history nobody acts on, and the table would otherwise grow for ever. Returns
            /// how many went.
            pub fn prune(
                conn: &mut $crate::db::Conn<'_>,
                before: chrono::NaiveDateTime,
                limit: usize,
            ) -> Result<usize, $crate::db::StoreError> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                let done: &str = $done;
                // In batches through a sub-select: neither engine's DELETE takes a LIMIT.
                let ids: Vec<uuid::Uuid> = $crate::dispatch!(conn, |c| $table::table
                    .filter($table::status.eq(done))
                    .filter($table::updated_at.lt(before))
                    .select($table::id)
                    .limit(limit as i64)
                    .load(c))?;
                if ids.is_empty() {
                    return Ok(0);
                }
                let bound: Vec<$crate::db::Id> = ids.into_iter().map($crate::db::Id).collect();
                Ok($crate::dispatch!(conn, |c| diesel::delete(
                    $table::table
                        .filter($table::id.eq_any(&bound))
                        .filter($table::status.eq(done))
                )
                .execute(c))?)
            }

            /// How many rows are in `status`, through the `(status, …)` index.
            pub fn count(
                conn: &mut $crate::db::Conn<'_>,
                status: &str,
            ) -> Result<i64, $crate::db::StoreError> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                Ok($crate::dispatch!(conn, |c| $table::table
                    .filter($table::status.eq(status))
                    .count()
                    .get_result(c))?)
            }

            /// When the longest-waiting due row became due, for the operators' gauges.
            pub fn oldest_due(
                conn: &mut $crate::db::Conn<'_>,
            ) -> Result<Option<chrono::NaiveDateTime>, $crate::db::StoreError> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                let now = $crate::db::now();
                let pending: &str = $pending;
                Ok($crate::dispatch!(conn, |c| $table::table
                    .filter($table::status.eq(pending))
                    .filter($table::next_attempt_at.le(now))
                    .select(diesel::dsl::min($table::next_attempt_at))
                    .get_result(c))?)
            }
        }
    };
}
