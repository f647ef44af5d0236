//! The schema's history on each engine: every change's down script undoes its up script, so
//! a release can be rolled back, and the history applied again gives the same schema. The
//! SQLite half also runs as a unit test; this case is the only one that runs PostgreSQL's
//! own down scripts.

use clearinghouse::db::{Database, SchemaHistory, StoreError};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_migrations::MigrationHarness;

use crate::harness::{Engine, TestApp};

#[derive(QueryableByName)]
struct Object {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Every table, column, index, trigger and function of the schema, one line each, except
/// diesel's own record of applied migrations.
fn schema_objects(database: &Database, engine: Engine) -> Vec<String> {
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT type || ' ' || name || ' ' || coalesce(sql, '') AS name FROM sqlite_schema \
             WHERE name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations' ORDER BY 1"
        }
        Engine::Postgres => {
            "SELECT name FROM ( \
               SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type \
                 || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS name \
               FROM information_schema.columns WHERE table_schema = 'public' \
               UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' \
               UNION ALL SELECT 'trigger ' || trigger_name || ' ' || event_manipulation || ' ' \
                 || event_object_table FROM information_schema.triggers \
               UNION ALL SELECT 'function ' || p.proname FROM pg_proc p \
                 JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' \
             ) objects WHERE name NOT LIKE '%__diesel_schema_migrations%' ORDER BY 1"
        }
    };
    database
        .read_blocking(move |conn| {
            let objects =
                clearinghouse::dispatch!(conn, |c| diesel::sql_query(sql).load::<Object>(c))?;
            Ok::<_, StoreError>(objects.into_iter().map(|o| o.name).collect())
        })
        .expect("read the schema")
}

fn run(database: &Database, step: fn(&mut Conn) -> Result<(), String>) {
    database
        .read_blocking(move |conn| Ok(step(conn)))
        .expect("a connection")
        .expect("the migration step");
}

type Conn<'a> = clearinghouse::db::Conn<'a>;

fn revert_all(conn: &mut Conn) -> Result<(), String> {
    clearinghouse::dispatch!(conn, |c| c
        .revert_all_migrations(SchemaHistory)
        .map(|_| ())
        .map_err(|e| e.to_string()))
}

fn apply_all(conn: &mut Conn) -> Result<(), String> {
    clearinghouse::dispatch!(conn, |c| c
        .run_pending_migrations(SchemaHistory)
        .map(|_| ())
        .map_err(|e| e.to_string()))
}

pub async fn the_history_reverts_to_nothing_and_applies_again_to_the_same_schema(app: TestApp) {
    // One handle throughout: opening another would apply the pending migrations itself.
    let database = app.database();
    let migrated = schema_objects(&database, app.engine);
    assert!(
        migrated.iter().any(|o| o.contains("needs")),
        "the server's database is migrated: {migrated:?}"
    );

    run(&database, revert_all);
    assert_eq!(
        schema_objects(&database, app.engine),
        Vec::<String>::new(),
        "left after reverting"
    );

    run(&database, apply_all);
    assert_eq!(schema_objects(&database, app.engine), migrated);
}
