//! The schema's history: one folder a change under `migrations/`, embedded in the binary, run
//! by diesel's migration harness on either engine.
//!
//! Most changes are the same SQL on SQLite and PostgreSQL, so a folder holds the files that
//! run on both (`up.sql`, `down.sql`) and, only where an engine needs its own words (FTS5
//! tables and their triggers, `tsvector` columns, PL/pgSQL functions, `BLOB` against `BYTEA`),
//! that engine's file (`up.sqlite.sql`, `up.postgres.sql`, likewise `down.…`), which runs
//! after the shared one in the same transaction. diesel's own `embed_migrations!` reads one
//! folder per engine, which kept fifteen of the seventeen changes twice, byte for byte, free to
//! drift apart; this source keeps each once and gives diesel the same names and versions, so a
//! database migrated before the change sees nothing pending.
//!
//! A new change is a new folder and a new row in [`HISTORY`]; a unit test fails when the two
//! disagree.

use std::fmt;

use diesel::backend::Backend;
use diesel::connection::BoxableConnection;
use diesel::migration::{
    Migration, MigrationMetadata, MigrationName, MigrationSource, MigrationVersion,
    Result as MigrationResult,
};
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;

/// Builds a [`Change`] row from its folder name and, for each direction, which files it has:
/// `shared` (one file for both engines), `engine` (a file for each engine) or
/// `shared_then_engine` (both kinds, the shared one first).
macro_rules! change {
    ($name:literal, up: $up:ident, down: $down:ident) => {
        Change {
            name: $name,
            up: script!($name, "up", $up),
            down: script!($name, "down", $down),
        }
    };
}
macro_rules! script {
    ($name:literal, $direction:literal, shared) => {
        Script {
            shared: Some(sql_file!($name, $direction, "sql")),
            sqlite: None,
            postgres: None,
        }
    };
    ($name:literal, $direction:literal, engine) => {
        Script {
            shared: None,
            sqlite: Some(sql_file!($name, $direction, "sqlite.sql")),
            postgres: Some(sql_file!($name, $direction, "postgres.sql")),
        }
    };
    ($name:literal, $direction:literal, shared_then_engine) => {
        Script {
            shared: Some(sql_file!($name, $direction, "sql")),
            sqlite: Some(sql_file!($name, $direction, "sqlite.sql")),
            postgres: Some(sql_file!($name, $direction, "postgres.sql")),
        }
    };
}
macro_rules! sql_file {
    ($name:literal, $direction:literal, $ending:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/",
            $name,
            "/",
            $direction,
            ".",
            $ending
        ))
    };
}
/// Every schema change, oldest first: the folder name and which files it holds.
const HISTORY: &[Change] = &[
    change!("2026-11-24-000001_accounts", up: shared, down: shared),
    change!("2026-11-24-000050_catalogue", up: shared_then_engine, down: shared_then_engine),
    change!("2026-11-24-000060_catalogue_indexes", up: shared, down: shared),
    change!("2026-11-24-000070_matches", up: shared, down: shared),
    change!("2026-11-24-000100_email", up: shared, down: shared),
    change!("2026-11-24-000110_candidate_notices", up: shared, down: shared),
    change!("2026-11-24-000120_reminders_and_reports", up: shared, down: shared),
    change!("2026-12-01-000010_web_sessions", up: shared, down: shared),
    change!("2026-12-08-000020_rate_limits", up: shared, down: shared),
    change!("2026-12-15-000030_api_clients", up: shared, down: shared),
    change!("2026-12-15-000040_idempotency", up: engine, down: shared),
    change!("2026-12-15-000050_sync", up: shared_then_engine, down: engine),
    change!("2026-12-15-000060_webhooks", up: shared, down: shared),
    change!("2026-12-15-000070_offer_eligibility", up: shared, down: shared),
    change!("2026-12-20-000010_queue", up: shared, down: shared),
    change!("2026-12-21-000010_search_in_list_order", up: engine, down: engine),
    change!("2026-12-22-000010_theme_order", up: shared, down: shared),
];

/// The embedded history as diesel's harness reads it, for whichever engine the connection is.
#[derive(Debug, Clone, Copy)]
pub struct SchemaHistory;

impl MigrationSource<Sqlite> for SchemaHistory {
    fn migrations(&self) -> MigrationResult<Vec<Box<dyn Migration<Sqlite>>>> {
        Ok(for_engine(Engine::Sqlite))
    }
}

impl MigrationSource<Pg> for SchemaHistory {
    fn migrations(&self) -> MigrationResult<Vec<Box<dyn Migration<Pg>>>> {
        Ok(for_engine(Engine::Postgres))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
}

/// One change: its folder name (diesel's migration name) and its two directions.
struct Change {
    name: &'static str,
    up: Script,
    down: Script,
}

/// One direction of a change: the SQL both engines run, then the SQL only one engine runs.
struct Script {
    shared: Option<&'static str>,
    sqlite: Option<&'static str>,
    postgres: Option<&'static str>,
}

impl Script {
    /// The statements `engine` runs, in order.
    fn parts(&self, engine: Engine) -> impl Iterator<Item = &'static str> {
        let own = match engine {
            Engine::Sqlite => self.sqlite,
            Engine::Postgres => self.postgres,
        };
        self.shared.into_iter().chain(own)
    }
}

fn for_engine<DB: Backend>(engine: Engine) -> Vec<Box<dyn Migration<DB>>> {
    HISTORY
        .iter()
        .map(|change| Box::new(EngineChange { change, engine }) as Box<dyn Migration<DB>>)
        .collect()
}

/// A change as one engine runs it.
struct EngineChange {
    change: &'static Change,
    engine: Engine,
}

impl EngineChange {
    fn execute<DB: Backend>(
        &self,
        script: &Script,
        conn: &mut dyn BoxableConnection<DB>,
    ) -> MigrationResult<()> {
        for sql in script.parts(self.engine) {
            conn.batch_execute(sql)
                .map_err(|e| format!("migration {}: {e}", self.change.name))?;
        }
        Ok(())
    }
}

impl<DB: Backend> Migration<DB> for EngineChange {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> MigrationResult<()> {
        self.execute(&self.change.up, conn)
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> MigrationResult<()> {
        self.execute(&self.change.down, conn)
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        // Every change runs in one transaction, diesel's default.
        &InTransaction
    }

    fn name(&self) -> &dyn MigrationName {
        self
    }
}

impl MigrationName for EngineChange {
    /// diesel's version of a folder name: what comes before the first `_`, without dashes
    /// (`2026-11-24-000001_accounts` is `20261124000001`), as `embed_migrations!` recorded it.
    fn version(&self) -> MigrationVersion<'_> {
        version_of(self.change.name).into()
    }
}

impl fmt::Display for EngineChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.change.name)
    }
}

fn version_of(name: &str) -> String {
    name.split('_').next().unwrap_or(name).replace('-', "")
}

struct InTransaction;

impl MigrationMetadata for InTransaction {}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    use diesel_migrations::MigrationHarness;

    use super::*;

    fn folder() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
    }

    /// The files a row of the history says its folder holds.
    fn expected_files(change: &Change) -> BTreeSet<String> {
        let mut files = BTreeSet::new();
        for (direction, script) in [("up", &change.up), ("down", &change.down)] {
            for (present, ending) in [
                (script.shared.is_some(), "sql"),
                (script.sqlite.is_some(), "sqlite.sql"),
                (script.postgres.is_some(), "postgres.sql"),
            ] {
                if present {
                    files.insert(format!("{direction}.{ending}"));
                }
            }
        }
        files
    }

    #[test]
    fn the_history_lists_every_folder_with_exactly_its_files_oldest_first() {
        let mut folders: Vec<String> = std::fs::read_dir(folder())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        folders.sort();
        let listed: Vec<&str> = HISTORY.iter().map(|c| c.name).collect();
        assert_eq!(
            listed, folders,
            "HISTORY must list every folder of migrations/, in order"
        );
        for change in HISTORY {
            let on_disk: BTreeSet<String> = std::fs::read_dir(folder().join(change.name))
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(on_disk, expected_files(change), "{}", change.name);
        }
    }

    #[test]
    fn versions_are_the_ones_diesel_recorded_for_the_folder_names() {
        assert_eq!(version_of("2026-11-24-000001_accounts"), "20261124000001");
        let versions: BTreeSet<String> = HISTORY.iter().map(|c| version_of(c.name)).collect();
        assert_eq!(versions.len(), HISTORY.len(), "two changes share a version");
    }

    #[test]
    fn every_engine_runs_a_script_for_both_directions_of_every_change() {
        for change in HISTORY {
            for engine in [Engine::Sqlite, Engine::Postgres] {
                assert!(
                    change.up.parts(engine).next().is_some(),
                    "{} up",
                    change.name
                );
                assert!(
                    change.down.parts(engine).next().is_some(),
                    "{} down",
                    change.name
                );
            }
        }
    }

    fn table_names(conn: &mut SqliteConnection) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Table {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        diesel::sql_query(
            "SELECT name FROM sqlite_schema WHERE type IN ('table', 'trigger', 'index') \
             AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations' ORDER BY name",
        )
        .load::<Table>(conn)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect()
    }

    #[test]
    fn on_sqlite_the_whole_history_reverts_to_nothing_and_applies_again_to_the_same_schema() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let applied = conn.run_pending_migrations(SchemaHistory).unwrap();
        assert_eq!(applied.len(), HISTORY.len());
        let schema = table_names(&mut conn);
        assert!(schema.contains(&"needs_fts".to_owned()), "{schema:?}");

        conn.revert_all_migrations(SchemaHistory).unwrap();
        assert_eq!(table_names(&mut conn), Vec::<String>::new());

        conn.run_pending_migrations(SchemaHistory).unwrap();
        assert_eq!(table_names(&mut conn), schema);
        assert!(!conn.has_pending_migration(SchemaHistory).unwrap());
    }
}
