//! Ids as `Uuid` on the Rust side while both engines keep them in TEXT columns (the
//! migrations chose TEXT so that SQLite and PostgreSQL hold the same hyphenated form).
//!
//! `UuidText` is the SQL type of those columns in `schema.rs`. Diesel's own `Uuid` SQL type
//! is PostgreSQL's native `uuid` (OID 2950), which neither the schema nor SQLite has, hence
//! this type.
//!
//! Reading needs nothing more: `Uuid` implements `FromSql` and `Queryable` for `UuidText`
//! (the orphan rules allow it because `UuidText` is ours), so rows and selected tuples hold
//! `Uuid`s. Writing and filtering bind an `Id`, a newtype over `Uuid` (see there why).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::{Pg, PgValue};
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteValue};
use diesel::{AsExpression, FromSqlRow, QueryId, QueryResult, SqlType};
use std::io::Write;
use uuid::Uuid;

/// A UUID kept as its hyphenated lower-case text (TEXT on both engines; PostgreSQL's `text`
/// OID, so no type lookup by name is needed).
#[derive(Debug, Clone, Copy, Default, QueryId, SqlType)]
#[diesel(sqlite_type(name = "Text"))]
#[diesel(postgres_type(oid = 25, array_oid = 1009))]
pub struct UuidText;

/// The text form written to the database: what `Uuid::to_string` gave before ids were typed,
/// so rows written earlier and rows written now compare equal.
fn hyphenated(id: &Uuid) -> String {
    id.hyphenated().to_string()
}

/// A stored id that is not a UUID is a corrupt row: a deserialisation error, which the
/// store reports as `StoreError::Query`.
fn parse_stored(text: &str) -> deserialize::Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| format!("stored id {text:?} is not a UUID: {e}").into())
}

impl ToSql<UuidText, Sqlite> for Uuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(hyphenated(self));
        Ok(IsNull::No)
    }
}

impl ToSql<UuidText, Pg> for Uuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        let mut buffer = Uuid::encode_buffer();
        out.write_all(self.hyphenated().encode_lower(&mut buffer).as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<UuidText, Sqlite> for Uuid {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
        parse_stored(&text)
    }
}

impl FromSql<UuidText, Pg> for Uuid {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let text = std::str::from_utf8(value.as_bytes())?;
        parse_stored(text)
    }
}

/// Lets a `Uuid` be a field of a `Queryable` row (what `#[derive(FromSqlRow)]` would give a
/// local type).
impl<DB> Queryable<UuidText, DB> for Uuid
where
    DB: Backend,
    Uuid: FromSql<UuidText, DB>,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

/// A `Uuid` bound into a query: what filters, `find` and inserts pass for a `UuidText`
/// column (`.eq(Id(id))`). `Uuid` itself cannot be an `AsExpression`: diesel's blanket impl
/// for every `Expression` and the orphan rules leave that to diesel, and diesel's own bind
/// node (`Bound`) is not public, so the supported way is this derive on a local type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = UuidText)]
pub struct Id(pub Uuid);

impl From<Uuid> for Id {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl From<Id> for Uuid {
    fn from(id: Id) -> Self {
        id.0
    }
}

impl ToSql<UuidText, Sqlite> for Id {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        <Uuid as ToSql<UuidText, Sqlite>>::to_sql(&self.0, out)
    }
}

impl ToSql<UuidText, Pg> for Id {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Uuid as ToSql<UuidText, Pg>>::to_sql(&self.0, out)
    }
}

impl<DB> FromSql<UuidText, DB> for Id
where
    DB: Backend,
    Uuid: FromSql<UuidText, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Uuid::from_sql(value).map(Self)
    }
}

/// An id column read as plain text, for comparing it with a TEXT column that names
/// subjects of several kinds (`reminders_sent.subject_id` holds ids and fixed names such as
/// `outbox`). The SQL is the column itself: both are TEXT in the database.
pub fn id_as_text<E>(id: E) -> IdAsText<E>
where
    E: Expression<SqlType = UuidText>,
{
    IdAsText(id)
}

#[derive(Debug, Clone, Copy, QueryId)]
pub struct IdAsText<E>(E);

impl<E> Expression for IdAsText<E>
where
    E: Expression<SqlType = UuidText>,
{
    type SqlType = Text;
}

impl<E, DB> QueryFragment<DB> for IdAsText<E>
where
    DB: Backend,
    E: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }
}

impl<E, QS> AppearsOnTable<QS> for IdAsText<E> where E: AppearsOnTable<QS, SqlType = UuidText> {}

impl<E, QS> SelectableExpression<QS> for IdAsText<E> where
    E: SelectableExpression<QS, SqlType = UuidText>
{
}

impl<E, GB> ValidGrouping<GB> for IdAsText<E>
where
    E: ValidGrouping<GB>,
{
    type IsAggregate = E::IsAggregate;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_id_that_is_not_a_uuid_is_an_error_not_a_panic() {
        assert!(parse_stored("not-a-uuid").is_err());
        assert!(parse_stored("").is_err());
    }

    #[test]
    fn the_stored_form_is_hyphenated_lower_case() {
        let id = Uuid::parse_str("A1A2A3A4-B1B2-C1C2-D1D2-D3D4D5D6D7D8").unwrap();
        assert_eq!(hyphenated(&id), "a1a2a3a4-b1b2-c1c2-d1d2-d3d4d5d6d7d8");
        assert_eq!(parse_stored(&hyphenated(&id)).unwrap(), id);
    }
}
