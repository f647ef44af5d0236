//! Storage on SQLite (embedded) or PostgreSQL (production) from one code path: a pool per
//! engine, a borrowed connection enum, and `dispatch!` that runs the same diesel code on
//! whichever concrete connection is in hand.

mod migrations;
pub mod schema;
pub mod uuid_text;

pub use uuid_text::Id;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::MigrationHarness;

use crate::config::DatabaseTarget;
pub use migrations::SchemaHistory;

/// An arbitrary constant that serialises migrations between instances sharing one PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x636c_6561_7269_6e67;

/// How long a request waits for a pooled connection before the service reports itself unavailable.
const POOL_WAIT: Duration = Duration::from_secs(5);
/// How long an SQLite write waits for its turn before it answers "busy": busy_timeout's.
const WRITER_WAIT: Duration = Duration::from_secs(5);

/// A connection borrowed for one unit of work, on whichever engine is configured.
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// Runs the same diesel expression on the concrete connection of each engine, so that
/// backend-specific features (`RETURNING`, `ON CONFLICT`) stay available to both.
#[macro_export]
macro_rules! dispatch {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => {
                let $c: &mut ::diesel::SqliteConnection = &mut **$c;
                $body
            }
            $crate::db::Conn::Postgres($c) => {
                let $c: &mut ::diesel::PgConnection = &mut **$c;
                $body
            }
        }
    };
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no {0} with that id")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// A conditional update found the row changed since it was read.
    #[error("the record has changed since it was read")]
    Stale,
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("query failed: {0}")]
    Query(String),
    /// The database refused a value the request carried (PostgreSQL's data exceptions,
    /// SQLSTATE class 22: a NUL byte in text, a date or number out of its range). Input is
    /// validated before it reaches a query; this is the last line of defence, so that such a
    /// value is the client's 400, never our 500.
    #[error("the database refused a value: {0}")]
    Rejected(String),
}

/// The messages of PostgreSQL's data exceptions (SQLSTATE class 22) that input can cause:
/// 22021 (a NUL or invalid byte in text), 22008 and 22007 (dates and times), 22003 (numbers),
/// 22001 (text too long), 22P02 (a malformed literal). diesel reports these as
/// `DatabaseErrorKind::Unknown` without the SQLSTATE, so the server's message names them.
fn is_data_exception(message: &str) -> bool {
    const MARKERS: [&str; 6] = [
        "invalid byte sequence for encoding",
        "out of range",
        "invalid input syntax",
        "value too long for type",
        "invalid input value",
        "character with byte sequence",
    ];
    MARKERS.iter().any(|marker| message.contains(marker))
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Self::NotFound("record"),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::Conflict("a record with these values already exists".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            // SQLite reports a writer that outlived busy_timeout this way: a transient state.
            DieselError::DatabaseError(_, info)
                if info.message().contains("database is locked") =>
            {
                Self::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
                if is_data_exception(info.message()) =>
            {
                Self::Rejected(info.message().to_owned())
            }
            // The field is named by the error and the reason given by its source: a corrupt
            // row's report says both (which column, and what it holds).
            DieselError::DeserializationError(error) => {
                let mut message = error.to_string();
                let mut cause = error.source();
                while let Some(reason) = cause {
                    message.push_str(": ");
                    message.push_str(&reason.to_string());
                    cause = reason.source();
                }
                Self::Query(message)
            }
            other => Self::Query(other.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

type SqlitePool = diesel::r2d2::Pool<ConnectionManager<SqliteConnection>>;
type PostgresPool = diesel::r2d2::Pool<ConnectionManager<PgConnection>>;

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PostgresPool),
}

enum Pooled {
    Sqlite(PooledConnection<ConnectionManager<SqliteConnection>>),
    Postgres(PooledConnection<ConnectionManager<PgConnection>>),
}

/// The pool handle shared by handlers and workers. Cloning is cheap.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    /// SQLite only: this process's write transactions take turns here, in the order they
    /// asked, before they take SQLite's write lock. Waiting on the lock itself is SQLite's
    /// busy handler, which polls with sleeps of up to 100 ms, so a writer often sleeps
    /// through the moment the lock is free: at 8 connections, creating a need took 9 ms at
    /// the median and 830 ms at p99 (docs/PERFORMANCE.md, "Writes"). busy_timeout still
    /// arbitrates with other processes on the same file (the CLI, a separate worker).
    writers: Arc<parking_lot::Mutex<()>>,
}

/// SQLite settings that every pooled connection needs: concurrent readers beside one writer
/// (WAL), enforced foreign keys, and waiting for a busy writer instead of failing at once.
#[derive(Debug)]
struct SqlitePragmas;

const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(SQLITE_PRAGMAS)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl Database {
    /// Opens the database, applies pending migrations, and builds the pool.
    pub fn connect(target: &DatabaseTarget, pool_size: u32) -> Result<Self, StoreError> {
        migrate(target)?;
        let pool = match target {
            DatabaseTarget::Sqlite { path } => Pool::Sqlite(
                diesel::r2d2::Pool::builder()
                    .max_size(pool_size)
                    .min_idle(Some(1))
                    .connection_timeout(POOL_WAIT)
                    .connection_customizer(Box::new(SqlitePragmas))
                    // No `SELECT 1` before each use: an SQLite connection is an open file, which
                    // no server can close under it. PostgreSQL keeps the ping (docs/PERFORMANCE.md,
                    // "r2d2's SELECT 1").
                    .test_on_check_out(false)
                    .build(ConnectionManager::new(path.to_string_lossy()))
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?,
            ),
            DatabaseTarget::Postgres { url } => Pool::Postgres(
                diesel::r2d2::Pool::builder()
                    .max_size(pool_size)
                    .min_idle(Some(1))
                    .connection_timeout(POOL_WAIT)
                    .build(ConnectionManager::new(url))
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?,
            ),
        };
        Ok(Self {
            pool,
            writers: Arc::default(),
        })
    }

    pub fn engine(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// The pool's connections: (open, idle, at most), for the operators' gauges.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let (state, max) = match &self.pool {
            Pool::Sqlite(pool) => (pool.state(), pool.max_size()),
            Pool::Postgres(pool) => (pool.state(), pool.max_size()),
        };
        (state.connections, state.idle_connections, max)
    }

    fn get(&self) -> Result<Pooled, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => Pooled::Sqlite(pool.get()?),
            Pool::Postgres(pool) => Pooled::Postgres(pool.get()?),
        })
    }

    /// Runs `work` on a pooled connection, on this thread. For the CLI and for code that is
    /// already off the async executor.
    pub fn read_blocking<T>(
        &self,
        work: impl FnOnce(&mut Conn<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self.get()? {
            Pooled::Sqlite(mut c) => work(&mut Conn::Sqlite(&mut c)),
            Pooled::Postgres(mut c) => work(&mut Conn::Postgres(&mut c)),
        }
    }

    /// Runs `work` in one transaction, on this thread. On SQLite it first waits for its turn
    /// among this process's writers (`writers`), then takes the write lock up front (`BEGIN
    /// IMMEDIATE`), so that two writers never deadlock on a lock upgrade.
    pub fn write_blocking<T, E>(
        &self,
        work: impl FnOnce(&mut Conn<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + From<DieselError>,
    {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let turn = self.writers.try_lock_for(WRITER_WAIT).ok_or_else(|| {
                    StoreError::Unavailable("the database is busy with other writes".into())
                })?;
                let mut c = pool.get().map_err(StoreError::from)?;
                let done = c.immediate_transaction(|c| work(&mut Conn::Sqlite(c)));
                // The next writer in line gets the turn, not whichever thread asks first.
                parking_lot::MutexGuard::unlock_fair(turn);
                done
            }
            Pool::Postgres(pool) => {
                let mut c = pool.get().map_err(StoreError::from)?;
                c.transaction(|c| work(&mut Conn::Postgres(c)))
            }
        }
    }

    /// Brings the tables to what autovacuum keeps them at after a bulk load (`seed-demo`):
    /// PostgreSQL's `VACUUM ANALYZE`. The planner chooses from the statistics, per query,
    /// between the GIN index and an ordered walk of `(status, created_at, id)` for a search:
    /// without them it takes every word for a rare one, reads each match through the GIN
    /// index and sorts, which at 100,000 needs costs 30 to 650 ms a page instead of 1 to 10
    /// (docs/PERFORMANCE.md, "The planner's statistics"). The vacuum clears the dead row
    /// version each publish leaves (a walk of the newest rows read twice the pages without
    /// it) and empties the GIN index's pending list. Autovacuum does both, when it is on and
    /// when it next wakes; a load then a benchmark or a first look cannot wait for that.
    /// SQLite's reads are left as measured: their plans follow from the query's shape (the
    /// FTS5 rowid walk, covering indexes), and a `sqlite_stat1` table would let its planner
    /// choose anew.
    pub fn vacuum_analyse_after_bulk_load(&self) -> Result<(), StoreError> {
        self.read_blocking(|conn| match conn {
            // Outside a transaction: VACUUM cannot run in one.
            Conn::Postgres(c) => Ok(c.batch_execute("VACUUM ANALYZE")?),
            Conn::Sqlite(_) => Ok(()),
        })
    }

    /// `read_blocking` on the blocking thread pool, so that no query stalls the executor.
    pub async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let database = self.clone();
        web::block(move || database.read_blocking(work))
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
    }

    /// `write_blocking` on the blocking thread pool.
    pub async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.transaction(work).await
    }

    /// `write` for work whose own error type can also say "the store failed": any error
    /// rolls the transaction back, so that a refusal found halfway leaves nothing behind.
    pub async fn transaction<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + From<DieselError> + Send + 'static,
        F: FnOnce(&mut Conn<'_>) -> Result<T, E> + Send + 'static,
    {
        let database = self.clone();
        web::block(move || database.write_blocking(work))
            .await
            .map_err(|e| E::from(StoreError::Unavailable(e.to_string())))?
    }

    /// `read` for work with its own error type: no transaction, so that concurrent readers
    /// never queue behind SQLite's write lock.
    pub async fn query<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Conn<'_>) -> Result<T, E> + Send + 'static,
    {
        let database = self.clone();
        web::block(move || match database.get()? {
            Pooled::Sqlite(mut c) => work(&mut Conn::Sqlite(&mut c)),
            Pooled::Postgres(mut c) => work(&mut Conn::Postgres(&mut c)),
        })
        .await
        .map_err(|e| E::from(StoreError::Unavailable(e.to_string())))?
    }

    /// True when the database answers and every embedded migration has been applied.
    pub async fn is_ready(&self) -> Result<bool, StoreError> {
        self.read(|conn| {
            let pending = match conn {
                Conn::Sqlite(c) => c.has_pending_migration(SchemaHistory),
                Conn::Postgres(c) => c.has_pending_migration(SchemaHistory),
            };
            pending
                .map(|pending| !pending)
                .map_err(|e| StoreError::Unavailable(e.to_string()))
        })
        .await
    }
}

/// Applies the pending migrations of the engine `target` names, creating an SQLite file (and
/// its folder) when there is none yet.
pub fn migrate(target: &DatabaseTarget) -> Result<usize, StoreError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| {
        StoreError::Query(format!("migration failed: {e}"))
    };
    match target {
        DatabaseTarget::Sqlite { path } => {
            create_parent_folder(path)?;
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            conn.batch_execute(SQLITE_PRAGMAS)?;
            conn.run_pending_migrations(SchemaHistory)
                .map(|applied| applied.len())
                .map_err(failed)
        }
        DatabaseTarget::Postgres { url } => {
            let mut conn =
                PgConnection::establish(url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
            // Instances starting together must not apply the same migration twice.
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let applied = conn
                .run_pending_migrations(SchemaHistory)
                .map(|applied| applied.len())
                .map_err(failed);
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            applied
        }
    }
}

fn create_parent_folder(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", parent.display()))
            })
        }
        _ => Ok(()),
    }
}

/// Where a newest-first page starts: after this (timestamp, id).
pub type TimeKey = (chrono::NaiveDateTime, String);

/// A stored word read back as its type: one the type does not know is a corrupt row, never
/// a default, and the error names what and which word.
pub fn parse_stored<T: std::str::FromStr>(what: &str, value: &str) -> Result<T, StoreError> {
    value
        .parse()
        .map_err(|_| StoreError::Query(format!("stored {what} `{value}`")))
}

/// Cuts the `limit + 1` rows a keyset query read to the page, with the cursor after its last
/// row when there is more: the one extra row says so without counting.
pub fn keyset_page<R, C>(
    mut rows: Vec<R>,
    limit: usize,
    cursor_of: impl FnOnce(&R) -> C,
) -> (Vec<R>, Option<C>) {
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(cursor_of);
    (rows, next)
}

/// The current time as stored: UTC, without zone, to the microsecond (what both engines keep).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

/// Where a sync list continues: after this change number (`change_seq`) and id.
pub type ChangePosition = (i64, uuid::Uuid);

/// The id that sorts after every other: `(seq, MAX_ID)` is "after every change up to `seq`".
pub const MAX_ID: uuid::Uuid = uuid::Uuid::max();

/// Runs the reads of `work` on one snapshot of the database, so that several queries that
/// must agree (a sync page's items, its tombstones and the change counter) see the same
/// commits: a read-only REPEATABLE READ transaction on PostgreSQL; on SQLite a deferred
/// transaction, whose first read fixes the WAL snapshot and which never takes the write lock.
pub fn snapshot<T>(
    conn: &mut Conn<'_>,
    work: impl FnOnce(&mut Conn<'_>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    match conn {
        Conn::Sqlite(c) => c.transaction(|c| work(&mut Conn::Sqlite(c))),
        Conn::Postgres(c) => c
            .build_transaction()
            .repeatable_read()
            .read_only()
            .run(|c| work(&mut Conn::Postgres(c))),
    }
}

/// The last change number committed (`sync_sequence`), as `work`'s snapshot sees it.
pub fn last_change(conn: &mut Conn<'_>) -> Result<i64, StoreError> {
    use diesel::prelude::*;
    use schema::sync_sequence;
    Ok(crate::dispatch!(conn, |c| sync_sequence::table
        .select(sync_sequence::value)
        .first(c))?)
}

#[cfg(test)]
mod tests {
    use super::{keyset_page, Conn, Database, StoreError};
    use crate::config::DatabaseTarget;
    use diesel::connection::SimpleConnection;

    fn scratch_sqlite(dir: &tempfile::TempDir) -> Database {
        let path = dir.path().join("writers.db");
        let db = Database::connect(&DatabaseTarget::Sqlite { path }, 4).unwrap();
        db.write_blocking(|conn| execute(conn, "CREATE TABLE tally (n INTEGER NOT NULL)"))
            .unwrap();
        db.write_blocking(|conn| execute(conn, "INSERT INTO tally VALUES (0)"))
            .unwrap();
        db
    }

    fn execute(conn: &mut Conn<'_>, sql: &str) -> Result<(), StoreError> {
        match conn {
            Conn::Sqlite(c) => Ok(c.batch_execute(sql)?),
            Conn::Postgres(c) => Ok(c.batch_execute(sql)?),
        }
    }

    fn tally(conn: &mut Conn<'_>) -> Result<i64, StoreError> {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Tally {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let read: Tally = crate::dispatch!(conn, |c| diesel::sql_query("SELECT n FROM tally")
            .get_result(c))?;
        Ok(read.n)
    }

    #[test]
    fn a_refused_sqlite_write_gives_the_next_writer_its_turn_and_keeps_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = scratch_sqlite(&dir);
        let refused: Result<(), StoreError> = db.write_blocking(|conn| {
            execute(conn, "UPDATE tally SET n = n + 1")?;
            Err(StoreError::Conflict("refused halfway".into()))
        });
        assert!(matches!(refused, Err(StoreError::Conflict(_))));
        // A turn kept by the refused write would leave this one waiting, then "busy".
        let after = db.write_blocking(|conn| {
            execute(conn, "UPDATE tally SET n = n + 1")?;
            tally(conn)
        });
        assert_eq!(
            after.unwrap(),
            1,
            "the refused write's change was rolled back"
        );
    }

    #[test]
    fn concurrent_sqlite_writers_each_get_a_turn_and_lose_no_update() {
        let dir = tempfile::tempdir().unwrap();
        let db = scratch_sqlite(&dir);
        let (threads, writes) = (8, 25);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    for _ in 0..writes {
                        // Read, then write what was read plus one: a lost turn loses a count.
                        db.write_blocking(|conn| {
                            let n = tally(conn)?;
                            execute(conn, &format!("UPDATE tally SET n = {}", n + 1))
                        })
                        .unwrap();
                    }
                });
            }
        });
        assert_eq!(db.read_blocking(tally).unwrap(), threads * writes);
    }

    #[test]
    fn a_keyset_page_has_a_cursor_only_when_the_extra_row_was_read() {
        let cursor = |row: &u32| row * 10;
        assert_eq!(
            keyset_page(vec![1, 2, 3], 2, cursor),
            (vec![1, 2], Some(20))
        );
        assert_eq!(keyset_page(vec![1, 2], 2, cursor), (vec![1, 2], None));
        assert_eq!(keyset_page(vec![1], 2, cursor), (vec![1], None));
        assert_eq!(keyset_page(Vec::<u32>::new(), 2, cursor), (vec![], None));
    }
}
