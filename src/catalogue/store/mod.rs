//! Needs, offers and themes in the database. What both kinds share lives here: the
//! `ItemStore` the generic use cases call, the theme join and the keyset page written once
//! for both tables, the taxonomy, delimited lists, free-text queries, stale-version
//! detection.

pub mod needs;
pub mod offers;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use crate::accounts::model::Country;
use crate::catalogue::item::CatalogueItem;
use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::Language;
use crate::catalogue::themes::{Taxonomy, Theme};
use crate::db::schema::themes;
use crate::db::{keyset_page, ChangePosition, Conn, StoreError, MAX_ID};
use crate::dispatch;
use crate::visibility::ReadScope;

/// The filters of a list of one kind, parsed and widened (a theme to its children): those
/// both kinds take, and `only`, the kind's own (a need's urgency, an offer's kind).
#[derive(Debug, Clone, Default)]
pub struct ItemFilter<S, O> {
    pub status: Option<S>,
    pub themes: Option<Vec<String>>,
    pub country: Option<Country>,
    pub language: Option<Language>,
    pub organisation: Option<Uuid>,
    pub text: Option<TextQuery>,
    /// Only items changed at or after this time (`updated_since`).
    pub updated_since: Option<NaiveDateTime>,
    pub only: O,
}

/// The storage of one kind of catalogue item, as the generic use cases see it.
pub trait ItemStore: CatalogueItem {
    /// The kind's own list filter.
    type Only: Send + 'static;
    /// The orders of a list; the default is the list's own.
    type Sort: Copy + Default + PartialEq + Send + 'static;
    /// Where the next page of a list starts in one of the kind's own orders (the newest-first
    /// one is `ListCursor`'s).
    type OwnCursor: KindCursor<Sort = Self::Sort> + Send + Sync + 'static;

    fn find(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<Self>, StoreError>;
    /// `find`, holding the item until the caller's transaction ends (the store's
    /// `find_locked` says how).
    fn find_locked(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<Self>, StoreError>;
    /// A new draft.
    fn insert(
        conn: &mut Conn<'_>,
        organisation_id: Uuid,
        created_by: Uuid,
        fields: &Self::Fields,
    ) -> Result<Self, StoreError>;
    /// Writes new fields over `item`, if it is still at the version it was read at.
    fn update_fields(
        conn: &mut Conn<'_>,
        item: &Self,
        fields: &Self::Fields,
    ) -> Result<Self, StoreError>;
    /// Moves `item` to `status` for `action`, if neither its version nor its state moved
    /// since it was read.
    fn set_status(
        conn: &mut Conn<'_>,
        item: &Self,
        status: Self::Status,
        action: Action,
    ) -> Result<Self, StoreError>;
    /// Open items whose time has passed, at most `limit`.
    fn due_for_expiry(
        conn: &mut Conn<'_>,
        today: NaiveDate,
        stale_before: NaiveDateTime,
        limit: usize,
    ) -> Result<Vec<Self>, StoreError>;
    /// One page of the items `scope` admits, matching `filter`, in `sort` order after `cursor`.
    fn list(
        conn: &mut Conn<'_>,
        scope: &ReadScope<Self::Visibility>,
        filter: &ItemFilter<Self::Status, Self::Only>,
        page: PageRequest<'_, Self::Sort, CursorOf<Self>>,
    ) -> Result<(Vec<Self>, Option<CursorOf<Self>>), StoreError>;
    /// The pattern the document states for a cursor's text (`http::pagination` says why
    /// cursors are typed text): `ListCursor::text`'s forms and the sync list's.
    const CURSOR_PATTERN: &'static str;

    /// The sync order (`sort=updated`), which `sync` serves rather than `list`.
    const UPDATED: Self::Sort;
    /// One page of changes after `after`, in commit order, for a reader with `scope`: the
    /// items it may see that match `filter`, and tombstones of the items that left its view
    /// (docs/API.md, "Incremental sync").
    fn sync(
        conn: &mut Conn<'_>,
        scope: &ReadScope<Self::Visibility>,
        filter: &ItemFilter<Self::Status, Self::Only>,
        after: Option<ChangePosition>,
        limit: usize,
    ) -> Result<SyncPage<Self>, StoreError>;
}

/// One change on a sync page: the item as stored, or only the fact that it left the
/// reader's view, with its state and time and nothing of its content.
#[derive(Debug, Clone)]
pub enum SyncEntry<K: CatalogueItem> {
    Item(K),
    Removed(Removed<K::Status>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed<S> {
    pub id: Uuid,
    pub status: S,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A page of changes, and where the next poll continues (always: a partner keeps it).
#[derive(Debug, Clone)]
pub struct SyncPage<K: CatalogueItem> {
    pub entries: Vec<SyncEntry<K>>,
    pub next: ChangePosition,
}

/// Merges the visible items and the tombstones (each read in change order, at most
/// `limit + 1`) into one page in change order. A full page continues after its last entry;
/// a short one has seen every change up to `last_change` (read in the same snapshot), so
/// the next poll starts there and does not walk again past changes it may not see.
pub(crate) fn sync_page<K: CatalogueItem>(
    visible: Vec<(i64, K)>,
    removed: Vec<(i64, Removed<K::Status>)>,
    limit: usize,
    last_change: i64,
) -> SyncPage<K> {
    let mut all: Vec<(ChangePosition, SyncEntry<K>)> = visible
        .into_iter()
        .map(|(seq, item)| ((seq, item.id()), SyncEntry::Item(item)))
        .chain(
            removed
                .into_iter()
                .map(|(seq, gone)| ((seq, gone.id), SyncEntry::Removed(gone))),
        )
        .collect();
    all.sort_by_key(|(position, _)| *position);
    let (all, next) = keyset_page(all, limit, |(position, _)| *position);
    SyncPage {
        entries: all.into_iter().map(|(_, entry)| entry).collect(),
        next: next.unwrap_or((last_change, MAX_ID)),
    }
}

/// The sync read of one kind, written once: in one snapshot, the visible changes (the
/// shared filters, then `$own`, the kind's filters, as in `item_reads!`), the tombstones
/// (items the scope no longer admits but once could: a `sync_seen` visibility it admits;
/// only status and the change window apply to them, since every other filter would judge
/// content the reader may not see), and the counter.
macro_rules! item_sync {
    ($conn:ident, $item:ty, $row:ty, $table:ident, $themes:ident :: $owner:ident, $fts:ident,
     $scope:ident, $filter:ident, $after:ident, $limit:ident, |$query:ident| $own:block) => {{
        use $crate::db::schema::sync_seen;
        use $crate::catalogue::item::CatalogueItem as _;
        let after: Option<(i64, String)> = $after.map(|(seq, id)| (seq, id.to_string()));
        $crate::db::snapshot($conn, |conn| {
            let is_sqlite = matches!(conn, Conn::Sqlite(_));
            let rows: Vec<($row, i64)> = dispatch!(conn, |c| {
                let $query = $table::table
                    .select((<$row>::as_select(), $table::change_seq))
                    .into_boxed();
                #[allow(unused_mut)]
                let mut $query = $crate::catalogue::store::filter_item_list!(
                    $query: $item, $table, $themes::$owner, $fts, $scope, $filter, is_sqlite
                );
                #[allow(unused_mut)]
                let mut $query = $own;
                if let Some((seq, id)) = &after {
                    $query = $query.filter(
                        $table::change_seq
                            .gt(*seq)
                            .or($table::change_seq.eq(*seq).and($table::id.gt(id.clone()))),
                    );
                }
                $query
                    .order(($table::change_seq.asc(), $table::id.asc()))
                    .limit($limit as i64 + 1)
                    .load(c)
            })?;
            let (rows, seqs): (Vec<$row>, Vec<i64>) = rows.into_iter().unzip();
            let visible: Vec<(i64, $item)> =
                seqs.into_iter().zip(with_themes(conn, rows)?).collect();
            let removed: Vec<(String, String, NaiveDateTime, i64)> = match $scope {
                ReadScope::All => Vec::new(),
                ReadScope::Restricted { own, visibilities } => {
                    let own = own.map(|id| id.to_string()).unwrap_or_default();
                    let visible: Vec<&str> = visibilities.iter().map(|v| v.as_str()).collect();
                    let private: Vec<&str> =
                        <<$item as $crate::catalogue::item::CatalogueItem>::Status>::ALL
                            .iter()
                            .filter(|s| <$item>::is_private(**s))
                            .map(|s| s.as_str())
                            .collect();
                    dispatch!(conn, |c| {
                        let mut query = $table::table
                            .select((
                                $table::id,
                                $table::status,
                                $table::updated_at,
                                $table::change_seq,
                            ))
                            .filter(diesel::dsl::not(
                                $table::organisation_id.eq(own.clone()).or($table::status
                                    .ne_all(private.clone())
                                    .and($table::visibility.eq_any(visible.clone()))),
                            ))
                            .filter(diesel::dsl::exists(
                                sync_seen::table
                                    .filter(sync_seen::item_id.eq($table::id))
                                    .filter(sync_seen::visibility.eq_any(visible.clone())),
                            ))
                            .into_boxed();
                        if let Some(status) = $filter.status {
                            query = query.filter($table::status.eq(status.as_str()));
                        }
                        if let Some(since) = $filter.updated_since {
                            query = query.filter($table::updated_at.ge(since));
                        }
                        if let Some((seq, id)) = &after {
                            query = query.filter(
                                $table::change_seq.gt(*seq).or($table::change_seq
                                    .eq(*seq)
                                    .and($table::id.gt(id.clone()))),
                            );
                        }
                        query
                            .order(($table::change_seq.asc(), $table::id.asc()))
                            .limit($limit as i64 + 1)
                            .load(c)
                    })?
                }
            };
            let removed = removed
                .into_iter()
                .map(|(id, status, updated_at, seq)| {
                    let status = status
                        .parse()
                        .map_err(|_| corrupt("status", &status))?;
                    Ok((
                        seq,
                        $crate::catalogue::store::Removed {
                            id: parse_id(&id)?,
                            status,
                            updated_at: updated_at.and_utc(),
                        },
                    ))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let last_change = $crate::db::last_change(conn)?;
            Ok($crate::catalogue::store::sync_page(
                visible,
                removed,
                $limit,
                last_change,
            ))
        })
    }};
}
pub(crate) use item_sync;

/// Where a list's next page starts: after an item of the newest-first order every kind lists
/// by default, or in one of the kind's own orders. The newest-first arm (its keyset in
/// `item_reads!`, its text `n.<micros>.<id>`) is written once, here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListCursor<Own> {
    Newest(NaiveDateTime, Uuid),
    Own(Own),
}

/// The cursor of a kind's lists.
pub type CursorOf<K> = ListCursor<<K as ItemStore>::OwnCursor>;

/// A kind's own list orders' cursors, beside the newest-first one.
pub trait KindCursor: Sized {
    type Sort: Copy + PartialEq;
    /// The newest-first order, which `ListCursor::Newest` continues.
    const NEWEST: Self::Sort;
    /// The order the cursor was made by.
    fn sort(&self) -> Self::Sort;
    /// The text form (`w.<days>.<id>`, ...).
    fn text(&self) -> String;
    /// The cursor whose text has these dot-separated parts; `None`: none of the kind's forms.
    fn parse(parts: &[&str]) -> Option<Self>;
    /// Whether the cursor was made by `sort` and holds what such a cursor can hold.
    fn fits(&self, sort: Self::Sort) -> bool;
}

impl<Own: KindCursor> ListCursor<Own> {
    /// The order a cursor was made by: a cursor continues its own list.
    pub fn sort(&self) -> Own::Sort {
        match self {
            Self::Newest(..) => Own::NEWEST,
            Self::Own(own) => own.sort(),
        }
    }

    pub fn text(&self) -> String {
        match self {
            Self::Newest(at, id) => {
                format!("n.{}.{id}", crate::http::pagination::micros_text(*at))
            }
            Self::Own(own) => own.text(),
        }
    }

    /// The cursor of this text; `None`: not of a form of this kind.
    pub fn parse(text: &str) -> Option<Self> {
        use crate::http::pagination::{micros_part, uuid_part};
        let parts: Vec<&str> = text.split('.').collect();
        match parts[..] {
            ["n", at, uuid] => Some(Self::Newest(micros_part(at)?, uuid_part(uuid)?)),
            _ => Own::parse(&parts).map(Self::Own),
        }
    }

    /// Whether the cursor was made by `sort` (a cursor of another order would skip or
    /// repeat) and holds what such a cursor can hold.
    pub fn fits(&self, sort: Own::Sort) -> bool {
        match self {
            Self::Newest(at, _) => {
                sort == Own::NEWEST && crate::http::pagination::plausible_time(*at)
            }
            Self::Own(own) => own.fits(sort),
        }
    }

    /// Where a newest-first list starts (`Some(None)`: at its start), or `None` when the
    /// list is in another order. (A cursor of another order never comes with this one:
    /// the API lists in the cursor's order, the pages refuse a cursor that does not fit.)
    pub(crate) fn newest_after(
        sort: Own::Sort,
        cursor: Option<&Self>,
    ) -> Option<Option<(NaiveDateTime, Uuid)>> {
        if sort != Own::NEWEST {
            return None;
        }
        Some(match cursor {
            Some(Self::Newest(at, id)) => Some((*at, *id)),
            _ => None,
        })
    }

    /// The kind's own cursor, when this is one.
    pub(crate) fn own(cursor: Option<&Self>) -> Option<&Own> {
        match cursor {
            Some(Self::Own(own)) => Some(own),
            _ => None,
        }
    }
}

/// Which page of a list: its order, where it starts, how long it is.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest<'a, S, C> {
    pub sort: S,
    pub cursor: Option<&'a C>,
    pub limit: usize,
}

/// The functions every item table has, written once: its theme join (replaced on every
/// write, read for many items in one query), reading one item with its themes, and the
/// errors of a row that does not read. `$row` must have `id: String`,
/// `created_at: NaiveDateTime` and
/// `fn into_item(self, themes: Vec<String>)`.
macro_rules! item_table_basics {
    ($noun:literal, $table:ident, $themes:ident :: $owner:ident, $row:ty, $item:ty) => {
        fn corrupt(what: &str, value: &str) -> StoreError {
            $crate::catalogue::store::corrupt($noun, what, value)
        }

        fn parse_list<T>(
            stored: &str,
            what: &str,
            parse: impl Fn(&str) -> Option<T>,
        ) -> Result<Vec<T>, StoreError> {
            $crate::catalogue::store::parse_list($noun, stored, what, parse)
        }

        fn replace_themes(
            conn: &mut Conn<'_>,
            id: &str,
            themes: &[String],
        ) -> Result<(), StoreError> {
            // The position keeps the order they were given in: the first is the main one.
            let rows: Vec<_> = (0..)
                .zip(themes)
                .map(|(position, code)| {
                    (
                        $themes::$owner.eq(id),
                        $themes::theme_code.eq(code),
                        $themes::position.eq(position),
                    )
                })
                .collect();
            dispatch!(conn, |c| {
                diesel::delete($themes::table.filter($themes::$owner.eq(id))).execute(c)?;
                diesel::insert_into($themes::table).values(&rows).execute(c)
            })?;
            Ok(())
        }

        /// Rows with their themes, in the order they were given, read in one query per batch of ids.
        fn with_themes(conn: &mut Conn<'_>, rows: Vec<$row>) -> Result<Vec<$item>, StoreError> {
            let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
            let mut themes: std::collections::HashMap<String, Vec<String>> =
                std::collections::HashMap::new();
            for chunk in ids.chunks($crate::catalogue::store::MAX_BOUND_IDS) {
                let pairs: Vec<(String, String)> = dispatch!(conn, |c| $themes::table
                    .filter($themes::$owner.eq_any(chunk))
                    .select(($themes::$owner, $themes::theme_code))
                    .order(($themes::$owner, $themes::position, $themes::theme_code))
                    .load(c))?;
                for (id, code) in pairs {
                    themes.entry(id).or_default().push(code);
                }
            }
            rows.into_iter()
                .map(|row| {
                    let codes = themes.remove(&row.id).unwrap_or_default();
                    row.into_item(codes)
                })
                .collect()
        }

        /// Rows read with their themes' column (`themes_column!`), as items.
        fn with_theme_lists(rows: Vec<($row, Option<String>)>) -> Result<Vec<$item>, StoreError> {
            rows.into_iter()
                .map(|(row, codes)| row.into_item($crate::catalogue::store::theme_list(codes)))
                .collect()
        }

        /// One statement: the row and its themes (a round trip less than `with_themes`).
        pub fn find(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<$item>, StoreError> {
            let row: Option<($row, Option<String>)> = dispatch!(conn, |c| $table::table
                .find(id.to_string())
                .select((
                    <$row>::as_select(),
                    $crate::catalogue::store::themes_column!($table, $themes::$owner),
                ))
                .first(c)
                .optional())?;
            Ok(with_theme_lists(row.into_iter().collect())?.pop())
        }

        /// The item, held for the rest of the caller's transaction: PostgreSQL locks the row
        /// (`FOR UPDATE`), so that a use case that checks something about the item and then
        /// writes (closing it while no match holds it, a match starting on it) runs one at a
        /// time with any other such use case. SQLite needs no lock: its write transactions
        /// (`BEGIN IMMEDIATE`, `db::Database::write_blocking`) already run one at a time.
        pub fn find_locked(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<$item>, StoreError> {
            let query = || $table::table.find(id.to_string());
            let row: Option<$row> = match conn {
                Conn::Postgres(c) => query()
                    .select(<$row>::as_select())
                    .for_update()
                    .first(&mut **c)
                    .optional()?,
                Conn::Sqlite(c) => query()
                    .select(<$row>::as_select())
                    .first(&mut **c)
                    .optional()?,
            };
            Ok(with_themes(conn, row.into_iter().collect())?.pop())
        }

        /// The item as it is now, after a write that must have found it.
        fn reload(conn: &mut Conn<'_>, id: Uuid) -> Result<$item, StoreError> {
            find(conn, id)?.ok_or(StoreError::NotFound($noun))
        }
    };
}
pub(crate) use item_table_basics;

/// The filters every item list has, applied to a boxed query of `$table`: the one
/// visibility rule (`$scope`), status, themes with EXISTS, language, organisation, and
/// free text on each engine's index (`$fts` is the FTS5 table of SQLite).
macro_rules! filter_item_list {
    ($query:ident: $item:ty, $table:ident, $themes:ident :: $owner:ident, $fts:ident,
     $scope:expr, $filter:expr, $is_sqlite:expr) => {{
        let mut query = $query;
        let private: Vec<&str> = <<$item as $crate::catalogue::item::CatalogueItem>::Status>::ALL
            .iter()
            .filter(|s| <$item as $crate::catalogue::item::CatalogueItem>::is_private(**s))
            .map(|s| s.as_str())
            .collect();
        if let ReadScope::Restricted { own, visibilities } = $scope {
            let own = own.map(|id| id.to_string()).unwrap_or_default();
            let visible: Vec<&str> = visibilities.iter().map(|v| v.as_str()).collect();
            query = query.filter(
                $table::organisation_id.eq(own).or($table::status
                    .ne_all(private)
                    .and($table::visibility.eq_any(visible))),
            );
        }
        if let Some(status) = $filter.status {
            query = query.filter($table::status.eq(status.as_str()));
        }
        if let Some(themes) = &$filter.themes {
            // A correlated EXISTS, not `id IN (SELECT ...)`: SQLite materialises an IN list
            // of every item with the theme (tens of thousands at 100k needs) on each
            // request, while EXISTS probes the (id, theme_code) key of the rows it walks in
            // order and stops at the page's end (docs/PERFORMANCE.md, "Catalogue").
            query = query.filter(diesel::dsl::exists(
                $themes::table
                    .filter($themes::$owner.eq($table::id))
                    .filter($themes::theme_code.eq_any(themes.clone())),
            ));
        }
        if let Some(language) = &$filter.language {
            query = query.filter($table::languages.like(contains_pattern(language.as_str())));
        }
        if let Some(organisation) = $filter.organisation {
            query = query.filter($table::organisation_id.eq(organisation.to_string()));
        }
        if let Some(since) = $filter.updated_since {
            query = query.filter($table::updated_at.ge(since));
        }
        if let Some(text) = &$filter.text {
            query = if $is_sqlite {
                query.filter(
                    sql::<Bool>(concat!(
                        stringify!($table),
                        ".id IN (SELECT id FROM ",
                        stringify!($fts),
                        " WHERE ",
                        stringify!($fts),
                        " MATCH "
                    ))
                    .bind::<Text, _>(text.fts5())
                    .sql(")"),
                )
            } else {
                query.filter(
                    sql::<Bool>(concat!(
                        stringify!($table),
                        ".search @@ to_tsquery('simple', "
                    ))
                    .bind::<Text, _>(text.tsquery())
                    .sql(")"),
                )
            };
        }
        query
    }};
}
pub(crate) use filter_item_list;

/// A search in newest-first order on SQLite, up to `$limit + 1` rows after `$after` (the
/// newest cursor's time and id): the FTS5 table `$fts` is walked in rowid order, which is
/// created order (`search_key`), with the other filters (`filter_item_list!`, then `$own`)
/// applied to each match it walks, so that a common word stops after a page instead of
/// reading and sorting every match. Rows come with their themes' column, in list order.
macro_rules! search_newest {
    ($c:ident, $item:ty, $row:ty, $table:ident, $themes:ident :: $owner:ident, $fts:ident,
     $scope:ident, $filter:ident, $after:expr, $limit:expr, |$query:ident| $own:block) => {{
        use $crate::catalogue::store::fts::$fts;
        use $crate::catalogue::store::{search_key, SEARCH_KEY_SLOTS};
        let text = $filter.text.as_ref().map(|text| text.fts5()).unwrap_or_default();
        // The walk is the text filter; every other filter applies to the rows it walks.
        let mut rest = $filter.clone();
        rest.text = None;
        let after: Option<(NaiveDateTime, Uuid)> = $after;
        let limit: usize = $limit;
        // The matches with keys in [from, below), newest first, at most `most`.
        let walk = |c: &mut diesel::SqliteConnection,
                    from: Option<i64>,
                    below: Option<i64>,
                    most: Option<i64>|
         -> QueryResult<Vec<($row, Option<String>, i64)>> {
            let $query = $table::table
                .inner_join($fts::table.on($fts::id.eq($table::id)))
                .select((
                    <$row>::as_select(),
                    $crate::catalogue::store::themes_column!($table, $themes::$owner),
                    $fts::rowid,
                ))
                .filter(sql::<Bool>(concat!(stringify!($fts), " MATCH ")).bind::<Text, _>(&text))
                .into_boxed();
            let $query = $crate::catalogue::store::filter_item_list!(
                $query: $item, $table, $themes::$owner, $fts, $scope, &rest, true
            );
            #[allow(unused_mut)]
            let mut $query = $own;
            if let Some((at, id)) = after {
                // The exact keyset, and the key bound that lets FTS5 start the walk there.
                $query = $query
                    .filter(
                        $table::created_at
                            .lt(at)
                            .or($table::created_at.eq(at).and($table::id.lt(id.to_string()))),
                    )
                    .filter($fts::rowid.lt(search_key(at) + SEARCH_KEY_SLOTS));
            }
            if let Some(from) = from {
                $query = $query.filter($fts::rowid.ge(from));
            }
            if let Some(below) = below {
                $query = $query.filter($fts::rowid.lt(below));
            }
            let $query = $query.order($fts::rowid.desc());
            match most {
                Some(most) => $query.limit(most).load(c),
                None => $query.load(c),
            }
        };
        let mut rows = walk($c, None, None, Some(limit as i64 + 1))?;
        // Items created in the microsecond of the last row walked sort among themselves by
        // id, not by key: those walked later (lower keys) may belong on the page. Only a
        // key past its microsecond's first has such neighbours, so this is almost never read.
        if rows.len() > limit {
            if let Some(&(_, _, key)) = rows.last() {
                let first = key - key.rem_euclid(SEARCH_KEY_SLOTS);
                if key > first {
                    rows.extend(walk($c, Some(first), Some(key), None)?);
                }
            }
        }
        let mut rows: Vec<($row, Option<String>)> =
            rows.into_iter().map(|(row, themes, _)| (row, themes)).collect();
        rows.sort_by(|(a, _), (b, _)| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        rows.truncate(limit + 1);
        rows
    }};
}
pub(crate) use search_newest;

/// The reads of `ItemStore` that every item table answers the same way, written once as
/// items of its `impl ItemStore`: `find` and `find_locked` (`item_table_basics!`), `list`
/// (the shared filters, then `$own`, then `$keyset`, then the page's rows with their themes,
/// cut by `keyset_page`) and `sync` (the shared filters, then `$own`: `item_sync!`). `$own` takes the boxed query as `$query`, with the reader's `$scope` and the
/// list's `$filter`, and gives it back with the kind's own filters; `$keyset` gives it back
/// starting after `$cursor` (the kind's own cursor, if any) in `$sort`, one of the kind's own
/// orders (the newest-first keyset is written here); `$next` is the kind's own cursor after
/// the item `$last`.
macro_rules! item_reads {
    ($item:ty, $row:ty, $table:ident, $themes:ident :: $owner:ident, $fts:ident,
     own: |$query:ident, $scope:ident, $filter:ident| $own:block,
     keyset: |$sort:ident, $cursor:ident| $keyset:block,
     next: |$last:ident| $next:expr) => {
        fn find(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<$item>, StoreError> {
            find(conn, id)
        }
        fn find_locked(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<$item>, StoreError> {
            find_locked(conn, id)
        }
        fn list(
            conn: &mut Conn<'_>,
            $scope: &ReadScope<<$item as $crate::catalogue::item::CatalogueItem>::Visibility>,
            $filter: &ItemFilter<
                <$item as $crate::catalogue::item::CatalogueItem>::Status,
                <$item as ItemStore>::Only,
            >,
            page: PageRequest<'_, <$item as ItemStore>::Sort, $crate::catalogue::store::CursorOf<$item>>,
        ) -> Result<(Vec<$item>, Option<$crate::catalogue::store::CursorOf<$item>>), StoreError> {
            let $sort = page.sort;
            if $sort == <$item as ItemStore>::UPDATED {
                return Err(StoreError::Query("sort=updated is the sync read's".into()));
            }
            let is_sqlite = matches!(conn, Conn::Sqlite(_));
            let limit = page.limit;
            // `Some(after)` when the list is newest first: the order SQLite's FTS5 keys follow.
            let newest = $crate::catalogue::store::CursorOf::<$item>::newest_after($sort, page.cursor);
            let walk = newest.filter(|_| $filter.text.is_some());
            let rows: Vec<($row, Option<String>)> = match (&mut *conn, walk) {
                (Conn::Sqlite(c), Some(after)) => {
                    let c: &mut diesel::SqliteConnection = &mut **c;
                    $crate::catalogue::store::search_newest!(
                        c, $item, $row, $table, $themes::$owner, $fts, $scope, $filter, after,
                        limit, |$query| $own
                    )
                }
                // Built inside `dispatch!` because a boxed query is tied to one backend.
                (conn, _) => dispatch!(conn, |c| {
                    let $query = $table::table
                        .select((
                            <$row>::as_select(),
                            $crate::catalogue::store::themes_column!($table, $themes::$owner),
                        ))
                        .into_boxed();
                    #[allow(unused_mut)]
                    let mut $query = $crate::catalogue::store::filter_item_list!(
                        $query: $item, $table, $themes::$owner, $fts, $scope, $filter, is_sqlite
                    );
                    #[allow(unused_mut)]
                    let mut $query = $own;
                    let $query = match newest {
                        Some(after) => {
                            let $query = match after {
                                None => $query,
                                Some((at, id)) => $query.filter(
                                    $table::created_at.lt(at).or($table::created_at
                                        .eq(at)
                                        .and($table::id.lt(id.to_string()))),
                                ),
                            };
                            $query.order(($table::created_at.desc(), $table::id.desc()))
                        }
                        None => {
                            let $cursor = $crate::catalogue::store::CursorOf::<$item>::own(page.cursor);
                            $keyset
                        }
                    };
                    $query.limit(limit as i64 + 1).load(c)
                })?,
            };
            let items = with_theme_lists(rows)?;
            Ok($crate::db::keyset_page(items, limit, |$last: &$item| {
                if newest.is_some() {
                    $crate::catalogue::store::ListCursor::Newest($last.created_at.naive_utc(), $last.id)
                } else {
                    $crate::catalogue::store::ListCursor::Own($next)
                }
            }))
        }
        fn sync(
            conn: &mut Conn<'_>,
            $scope: &ReadScope<<$item as $crate::catalogue::item::CatalogueItem>::Visibility>,
            $filter: &ItemFilter<
                <$item as $crate::catalogue::item::CatalogueItem>::Status,
                <$item as ItemStore>::Only,
            >,
            after: Option<$crate::db::ChangePosition>,
            limit: usize,
        ) -> Result<SyncPage<$item>, StoreError> {
            $crate::catalogue::store::item_sync!(
                conn,
                $item,
                $row,
                $table,
                $themes::$owner,
                $fts,
                $scope,
                $filter,
                after,
                limit,
                |$query| $own
            )
        }
    };
}
pub(crate) use item_reads;

/// Writes `$set`, the next version and `$now` over `$item`'s row, only if the row is still
/// at the version `$item` was read at and passes every `$guard` (its state, most often):
/// otherwise another write got there first, and the answer is `StoreError::Stale`.
macro_rules! update_unchanged {
    ($conn:ident, $table:ident, $item:expr, at: $now:expr, guards: [$($guard:expr),* $(,)?],
     set: ($($set:expr),* $(,)?)) => {{
        let item = $item;
        let id = item.id.to_string();
        let updated = dispatch!($conn, |c| diesel::update(
            $table::table
                .find(&id)
                .filter($table::version.eq(item.version))
                $(.filter($guard))*
        )
        .set((
            $($set,)*
            $table::version.eq(item.version + 1),
            $table::updated_at.eq($now),
        ))
        .execute(c))?;
        $crate::catalogue::store::expect_one(updated)
    }};
}
pub(crate) use update_unchanged;

pub fn load_taxonomy(conn: &mut Conn<'_>) -> Result<Taxonomy, StoreError> {
    let rows: Vec<(String, Option<String>, String, String, i32, i32)> =
        dispatch!(conn, |c| themes::table
            .select((
                themes::code,
                themes::parent,
                themes::name,
                themes::description,
                themes::version,
                themes::position,
            ))
            .load(c))?;
    Ok(Taxonomy::new(rows.into_iter().map(
        |(code, parent, name, description, version, position)| Theme {
            code,
            parent,
            name,
            description,
            version,
            position,
        },
    )))
}

/// An item's theme codes as one column of its own row's query, so that a need (or a page
/// of them) and its themes are one statement instead of two: `string_agg` in the order they
/// were given (`position`; the code orders rows written before positions were kept), which
/// both engines have, with the aggregate's `ORDER BY` (SQLite since 3.44). `theme_list`
/// reads it.
macro_rules! themes_column {
    ($table:ident, $themes:ident :: $owner:ident) => {
        diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(concat!(
            "(SELECT string_agg(theme_code, ',' ORDER BY position, theme_code) FROM ",
            stringify!($themes),
            " WHERE ",
            stringify!($themes),
            ".",
            stringify!($owner),
            " = ",
            stringify!($table),
            ".id)"
        ))
    };
}
pub(crate) use themes_column;

/// The codes of `themes_column!`, in its order, the one `with_themes` gives too. Codes hold
/// no comma (the taxonomy's `a.b_c` form).
pub(crate) fn theme_list(codes: Option<String>) -> Vec<String> {
    codes
        .as_deref()
        .map(|codes| split_list(codes).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The FTS5 tables of SQLite, for the search that walks them in list order (diesel's schema
/// leaves virtual tables out). Their rowid is `search_key` of the item's `created_at`.
pub(crate) mod fts {
    diesel::table! {
        needs_fts (rowid) {
            rowid -> BigInt,
            id -> Text,
        }
    }
    diesel::table! {
        offers_fts (rowid) {
            rowid -> BigInt,
            id -> Text,
        }
    }
    use crate::db::schema::{need_themes, needs, offer_themes, offers};
    diesel::allow_tables_to_appear_in_same_query!(needs_fts, needs);
    diesel::allow_tables_to_appear_in_same_query!(needs_fts, need_themes);
    diesel::allow_tables_to_appear_in_same_query!(offers_fts, offers);
    diesel::allow_tables_to_appear_in_same_query!(offers_fts, offer_themes);
}

/// Items created in one microsecond share it: they take the `SEARCH_KEY_SLOTS` keys from
/// `search_key`, in the order they were written (migration 2026-12-21-000010).
pub(crate) const SEARCH_KEY_SLOTS: i64 = 1024;

/// The first FTS5 rowid of items created at `at`: the key the SQLite migration
/// 2026-12-21-000010 computes from the stored text, so that rowid order is created order.
pub(crate) fn search_key(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp_micros() * SEARCH_KEY_SLOTS
}

/// Ids bound in one `IN (...)`: SQLite accepts at most 32,766 bound values per statement.
pub(crate) const MAX_BOUND_IDS: usize = 10_000;

/// What a stored row holds that its kind cannot read: the database was written by
/// something other than this code.
pub(crate) fn corrupt(noun: &str, what: &str, value: &str) -> StoreError {
    StoreError::Query(format!("stored {noun} {what} `{value}` is not valid"))
}

/// A stored `,a,b,` list of `noun`'s `what`, each item read by `parse`.
pub(crate) fn parse_list<T>(
    noun: &str,
    stored: &str,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, StoreError> {
    split_list(stored)
        .map(|item| parse(item).ok_or_else(|| corrupt(noun, what, item)))
        .collect()
}

/// Lists are stored as `,a,b,` so that membership is one `LIKE '%,a,%'`.
pub(crate) fn join_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut joined = String::from(",");
    for item in items {
        joined.push_str(item);
        joined.push(',');
    }
    joined
}

pub(crate) fn split_list(stored: &str) -> impl Iterator<Item = &str> {
    stored.split(',').filter(|item| !item.is_empty())
}

pub(crate) fn contains_pattern(item: &str) -> String {
    format!("%,{item},%")
}

/// The words of a free-text query, as each engine's full-text index wants them: every word
/// must appear, as a prefix, or whole when it is shorter than `SHORTEST_PREFIX`. Anything
/// that is not a letter or digit separates words, so no query syntax reaches the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextQuery {
    words: Vec<String>,
}

/// More words than this add nothing but cost.
const MAX_QUERY_WORDS: usize = 8;

/// A word shorter than this is matched whole. As a prefix, one or two letters (`de`, `it`,
/// the `up` of `back-up`) match nearly every text in the catalogue's languages, so they
/// narrow nothing, and PostgreSQL pays for the union of every word they begin: 33 ms of a
/// 100,000-need search for `plan de respuesta`, 11.5 ms with `de` whole
/// (docs/PERFORMANCE.md, "The two-step PostgreSQL search").
const SHORTEST_PREFIX: usize = 3;

impl TextQuery {
    pub fn parse(text: &str) -> Option<Self> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .take(MAX_QUERY_WORDS)
            .map(str::to_lowercase)
            .collect();
        (!words.is_empty()).then_some(Self { words })
    }

    /// FTS5: `"ransom"* "backup"* "de"`.
    pub fn fts5(&self) -> String {
        self.words
            .iter()
            .map(|word| {
                if is_prefix(word) {
                    format!("\"{word}\"*")
                } else {
                    format!("\"{word}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// PostgreSQL tsquery: `ransom:* & backup:* & de`.
    pub fn tsquery(&self) -> String {
        self.words
            .iter()
            .map(|word| {
                if is_prefix(word) {
                    format!("{word}:*")
                } else {
                    word.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

fn is_prefix(word: &str) -> bool {
    word.chars().count() >= SHORTEST_PREFIX
}

/// Row counts of a conditional update: none means the version (or state) moved on.
pub(crate) fn expect_one(updated: usize) -> Result<(), StoreError> {
    if updated == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cursor a list hands out reads back as itself, continues the order it was made
    /// by, and matches the pattern the document states for it.
    #[test]
    fn list_cursors_read_back_as_themselves_in_their_own_order() {
        use super::needs::{NeedCursor, NeedSort};
        use super::offers::{OfferCursor, OfferSort};
        use crate::catalogue::model::{Need, Offer};
        let at = NaiveDate::from_ymd_opt(2026, 12, 4)
            .unwrap()
            .and_hms_micro_opt(9, 30, 15, 123_456)
            .unwrap();
        let (day, id) = (at.date(), Uuid::from_u128(0x5eed));
        fn round_trip<K: ItemStore>(cursor: CursorOf<K>, sort: K::Sort)
        where
            K::OwnCursor: std::fmt::Debug + PartialEq,
        {
            let text = cursor.text();
            let pattern = regex::Regex::new(K::CURSOR_PATTERN).unwrap();
            assert!(
                pattern.is_match(&text),
                "{text} against {}",
                K::CURSOR_PATTERN
            );
            let read = CursorOf::<K>::parse(&text).expect(&text);
            assert_eq!(read, cursor, "{text}");
            assert!(read.sort() == sort && read.fits(sort), "{text}");
        }
        round_trip::<Need>(ListCursor::Newest(at, id), NeedSort::Newest);
        round_trip::<Need>(
            ListCursor::Own(NeedCursor::Urgency(3, at, id)),
            NeedSort::Urgency,
        );
        round_trip::<Need>(
            ListCursor::Own(NeedCursor::WantedBy(day, id)),
            NeedSort::WantedBy,
        );
        round_trip::<Offer>(ListCursor::Newest(at, id), OfferSort::Newest);
        for until in [day, NaiveDate::MAX] {
            let cursor = ListCursor::Own(OfferCursor::AvailableUntil(until, id));
            round_trip::<Offer>(cursor, OfferSort::AvailableUntil);
        }
        // A cursor continues only its own order.
        let newest: CursorOf<Need> = ListCursor::Newest(at, id);
        assert!(!newest.fits(NeedSort::Urgency));
        let wanted: CursorOf<Need> = ListCursor::Own(NeedCursor::WantedBy(day, id));
        assert!(!wanted.fits(NeedSort::Newest));
    }

    /// The sync triggers write down the states in which an item is private as SQL text; they
    /// must be the lifecycle's, or `sync_seen` would record readers who never could read.
    #[test]
    fn the_sync_triggers_know_the_private_states() {
        use crate::catalogue::lifecycle::{need_is_private, offer_is_private};
        use crate::catalogue::model::{NeedStatus, OfferStatus};
        let clause = |names: Vec<&str>| {
            let quoted: Vec<String> = names.iter().map(|name| format!("'{name}'")).collect();
            format!("status NOT IN ({})", quoted.join(", "))
        };
        let needs = clause(
            NeedStatus::ALL
                .iter()
                .filter(|s| need_is_private(**s))
                .map(|s| s.as_str())
                .collect(),
        );
        let offers = clause(
            OfferStatus::ALL
                .iter()
                .filter(|s| offer_is_private(**s))
                .map(|s| s.as_str())
                .collect(),
        );
        for migration in [
            include_str!("../../../migrations/2026-12-15-000050_sync/up.sqlite.sql"),
            include_str!("../../../migrations/2026-12-15-000050_sync/up.postgres.sql"),
        ] {
            for clause in [&needs, &offers] {
                let written = migration.replace("''", "'");
                assert!(written.contains(clause.as_str()), "{clause}");
                assert_eq!(
                    written.matches("status NOT IN (").count(),
                    written.matches(clause.as_str()).count(),
                    "every private-state list in the migration is {clause}"
                );
            }
        }
    }

    #[test]
    fn lists_round_trip() {
        let joined = join_list(["en", "fr"]);
        assert_eq!(joined, ",en,fr,");
        assert_eq!(split_list(&joined).collect::<Vec<_>>(), ["en", "fr"]);
        assert_eq!(split_list(&join_list([])).count(), 0);
    }

    /// Letters, not bytes: `ção` is three letters (five bytes), a prefix; `çã` is whole.
    #[test]
    fn words_of_three_letters_or_more_are_prefixes() {
        let query = TextQuery::parse("plan de respuesta ção çã").unwrap();
        assert_eq!(query.tsquery(), "plan:* & de & respuesta:* & ção:* & çã");
        assert_eq!(
            query.fts5(),
            "\"plan\"* \"de\" \"respuesta\"* \"ção\"* \"çã\""
        );
    }

    #[test]
    fn text_queries_carry_no_syntax() {
        let query = TextQuery::parse("Ransomware \"OR\" back-up* NEAR(x)").unwrap();
        assert_eq!(
            query.fts5(),
            "\"ransomware\"* \"or\" \"back\"* \"up\" \"near\"* \"x\""
        );
        assert_eq!(
            query.tsquery(),
            "ransomware:* & or & back:* & up & near:* & x"
        );
        assert!(TextQuery::parse(" !!! ").is_none());
        assert_eq!(TextQuery::parse("é à ü").unwrap().tsquery(), "é & à & ü");
    }
}
