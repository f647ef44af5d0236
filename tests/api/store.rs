//! Typed ids through the store: ids are `Uuid`s in Rust and TEXT in both databases, so a
//! stored id that is not a UUID (a row written by hand or by a bug) is a corrupt row,
//! reported as a store error on reading, never a panic.

use clearinghouse::audit::store::{self, AuditFilter};
use clearinghouse::db::StoreError;
use diesel::prelude::*;
use uuid::Uuid;

use crate::harness::TestApp;

/// Writes an audit line with raw SQL, so that its ids are whatever text the test says.
fn insert_raw_audit_line(app: &TestApp, id: &str, entity_id: &str, actor_user_id: &str) {
    let sql = format!(
        "INSERT INTO audit_log (id, entity, entity_id, action, actor_user_id, at) \
         VALUES ('{id}', 'need', '{entity_id}', 'written_by_hand', '{actor_user_id}', \
         CURRENT_TIMESTAMP)"
    );
    app.database()
        .write_blocking(move |conn| {
            clearinghouse::dispatch!(conn, |c| diesel::sql_query(&sql).execute(c))?;
            Ok::<_, StoreError>(())
        })
        .expect("write the line by hand");
}

fn lines_about(app: &TestApp, entity_id: Uuid) -> Result<Vec<store::AuditRecord>, StoreError> {
    let filter = AuditFilter {
        entity: None,
        entity_id: Some(entity_id.to_string()),
    };
    app.database()
        .read_blocking(move |conn| store::list(conn, &filter, None, 10))
        .map(|(lines, _)| lines)
}

fn assert_corrupt<T: std::fmt::Debug>(read: Result<T, StoreError>, stored: &str) {
    match read {
        Err(StoreError::Query(message)) => {
            assert!(
                message.contains(stored),
                "the error names the stored id: {message}"
            );
        }
        other => panic!("a stored id `{stored}` read as {other:?}, not a query error"),
    }
}

pub async fn a_stored_id_that_is_not_a_uuid_is_a_store_error(app: TestApp) {
    // A well-formed line written the same way reads back with its ids as written.
    let (id, entity, actor) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    insert_raw_audit_line(
        &app,
        &id.to_string(),
        &entity.to_string(),
        &actor.to_string(),
    );
    let lines = lines_about(&app, entity).expect("a well-formed line reads");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (lines[0].id, lines[0].entity_id, lines[0].actor_user_id),
        (id, entity, Some(actor))
    );

    // A nullable id column holding something else.
    let entity = Uuid::new_v4();
    insert_raw_audit_line(
        &app,
        &Uuid::new_v4().to_string(),
        &entity.to_string(),
        "user-7",
    );
    assert_corrupt(lines_about(&app, entity), "user-7");

    // A primary key holding something else.
    let entity = Uuid::new_v4();
    insert_raw_audit_line(&app, "not-a-uuid", &entity.to_string(), &actor.to_string());
    assert_corrupt(lines_about(&app, entity), "not-a-uuid");
}
