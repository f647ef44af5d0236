//! Needs in the database.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    contains_pattern, item_reads, item_table_basics, join_list, update_unchanged, ItemFilter,
    ItemStore, KindCursor, PageRequest, SyncPage,
};
use crate::accounts::model::Country;
use crate::accounts::store::parse_id;
use crate::catalogue::figures::Counts;
use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::{
    Language, Money, Need, NeedEligibility, NeedFields, NeedStatus, NeedVisibility, Urgency,
};
use crate::db::schema::{need_themes, needs, organisations};
use crate::db::{self, Conn, StoreError};
use crate::dispatch;
use crate::visibility::ReadScope;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = needs)]
struct NeedRow {
    id: String,
    organisation_id: String,
    /// The fields, as `insert` and `update_fields` write them.
    #[diesel(embed)]
    columns: FieldColumns,
    status: String,
    version: i32,
    reconfirmed_at: NaiveDateTime,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    quantity_covered: i32,
    requester_kind: String,
}

impl NeedRow {
    fn into_item(self, themes: Vec<String>) -> Result<Need, StoreError> {
        let languages = parse_list(&self.columns.languages, "language", Language::parse)?;
        let delivery_modes = parse_list(&self.columns.delivery_modes, "delivery mode", |m| {
            m.parse().ok()
        })?;
        let costs = parse_list(&self.columns.costs, "cost", |c| c.parse().ok())?;
        let audiences = parse_list(&self.columns.audiences, "audience", |a| a.parse().ok())?;
        let sector = match &self.columns.sector {
            Some(sector) => Some(sector.parse().map_err(|_| corrupt("sector", sector))?),
            None => None,
        };
        let budget = match (self.columns.budget_amount, self.columns.budget_currency) {
            (Some(amount), Some(currency)) => Some(Money { amount, currency }),
            _ => None,
        };
        Ok(Need {
            id: parse_id(&self.id)?,
            organisation_id: parse_id(&self.organisation_id)?,
            requester_kind: self
                .requester_kind
                .parse()
                .map_err(|_| corrupt("requester kind", &self.requester_kind))?,
            fields: NeedFields {
                country: Country::parse(&self.columns.country)
                    .ok_or_else(|| corrupt("country", &self.columns.country))?,
                urgency: self
                    .columns
                    .urgency
                    .parse()
                    .map_err(|_| corrupt("urgency", &self.columns.urgency))?,
                visibility: self
                    .columns
                    .visibility
                    .parse()
                    .map_err(|_| corrupt("visibility", &self.columns.visibility))?,
                title: self.columns.title,
                description: self.columns.description,
                themes,
                languages,
                delivery_modes,
                quantity: self.columns.quantity,
                wanted_from: self.columns.wanted_from,
                wanted_by: self.columns.wanted_by,
                budget,
                anonymous: self.columns.anonymous,
                eligibility: NeedEligibility {
                    sector,
                    after_incident: self.columns.after_incident,
                    costs,
                    audiences,
                },
            },
            quantity_covered: self.quantity_covered,
            status: self
                .status
                .parse()
                .map_err(|_| corrupt("status", &self.status))?,
            version: self.version,
            reconfirmed_at: self.reconfirmed_at.and_utc(),
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// The columns a need's fields occupy: written as they are, and read back as part of `NeedRow`.
#[derive(Debug, Clone, AsChangeset, Insertable, Queryable, Selectable)]
#[diesel(table_name = needs)]
// A field cleared by a patch (a sector, a start date, a budget) is written as NULL, not left as
// it was: diesel's changesets skip `None` otherwise.
#[diesel(treat_none_as_null = true)]
struct FieldColumns {
    title: String,
    description: String,
    country: String,
    languages: String,
    delivery_modes: String,
    urgency: String,
    urgency_rank: i32,
    quantity: i32,
    wanted_from: Option<NaiveDate>,
    wanted_by: NaiveDate,
    budget_amount: Option<i64>,
    budget_currency: Option<String>,
    visibility: String,
    anonymous: bool,
    sector: Option<String>,
    after_incident: bool,
    costs: String,
    audiences: String,
}

impl From<&NeedFields> for FieldColumns {
    fn from(fields: &NeedFields) -> Self {
        Self {
            title: fields.title.clone(),
            description: fields.description.clone(),
            country: fields.country.alpha2().to_owned(),
            languages: join_list(fields.languages.iter().map(|l| l.as_str())),
            delivery_modes: join_list(fields.delivery_modes.iter().map(|m| m.as_str())),
            urgency: fields.urgency.as_str().to_owned(),
            urgency_rank: fields.urgency.rank(),
            quantity: fields.quantity,
            wanted_from: fields.wanted_from,
            wanted_by: fields.wanted_by,
            budget_amount: fields.budget.as_ref().map(|m| m.amount),
            budget_currency: fields.budget.as_ref().map(|m| m.currency.clone()),
            visibility: fields.visibility.as_str().to_owned(),
            anonymous: fields.anonymous,
            sector: fields.eligibility.sector.map(|s| s.as_str().to_owned()),
            after_incident: fields.eligibility.after_incident,
            costs: join_list(fields.eligibility.costs.iter().map(|c| c.as_str())),
            audiences: join_list(fields.eligibility.audiences.iter().map(|a| a.as_str())),
        }
    }
}

item_table_basics!("need", needs, need_themes::need_id, NeedRow, Need);

/// A need list's own filters over a boxed query of `needs`, for `list` and `sync` alike.
macro_rules! need_filters {
    ($query:ident, $scope:ident, $filter:ident) => {{
        let mut query = $query;
        // Filtering by organisation must not reveal which needs an anonymous owner posted.
        if let (ReadScope::Restricted { own, .. }, Some(_)) = ($scope, $filter.organisation) {
            let own = own.map(|id| id.to_string()).unwrap_or_default();
            query = query.filter(
                needs::anonymous
                    .eq(false)
                    .or(needs::organisation_id.eq(own)),
            );
        }
        if let Some(country) = $filter.country {
            query = query.filter(needs::country.eq(country.alpha2()));
        }
        if let Some(urgency) = $filter.only {
            query = query.filter(needs::urgency.eq(urgency.as_str()));
        }
        query
    }};
}

/// Counts `delivered` against the need and moves it to `status`, which the caller computed
/// from `need` as read: so only if the need is still at that version and state, or
/// `StoreError::Stale` (a close or another match's step got there first, and `status`
/// would overwrite it). The caller holds the match that delivered, in the same transaction.
pub fn record_delivery(
    conn: &mut Conn<'_>,
    need: &Need,
    delivered: i32,
    status: NeedStatus,
) -> Result<Need, StoreError> {
    update_unchanged!(conn, needs, need, at: db::now(),
    guards: [needs::status.eq(need.status.as_str())],
    set: (
        needs::quantity_covered.eq(need.quantity_covered + delivered),
        needs::status.eq(status.as_str()),
    ))?;
    reload(conn, need.id)
}

/// The home page's counts over the needs `scope` admits: open needs per theme code, open
/// needs, needs that found a match, and the countries of those. Four aggregate queries, so
/// the cost follows the indexes, not the rows shown.
pub fn figures(
    conn: &mut Conn<'_>,
    scope: &ReadScope<NeedVisibility>,
) -> Result<Counts, StoreError> {
    use diesel::dsl::{count, count_star};
    let open = NeedStatus::Open.as_str();
    let matched: Vec<&str> = [
        NeedStatus::Matched,
        NeedStatus::InProgress,
        NeedStatus::Fulfilled,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    // The states counted here are never private, so the scope is its visibility part, and
    // seeing everything is seeing every visibility.
    let (own, visible): (String, Vec<&str>) = match scope {
        ReadScope::All => (
            String::new(),
            NeedVisibility::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        ReadScope::Restricted { own, visibilities } => (
            own.map(|id| id.to_string()).unwrap_or_default(),
            visibilities.iter().map(|v| v.as_str()).collect(),
        ),
    };
    let admitted = || {
        needs::organisation_id
            .eq(own.clone())
            .or(needs::visibility.eq_any(visible.clone()))
    };
    let open_by_theme: Vec<(String, i64)> = dispatch!(conn, |c| need_themes::table
        .inner_join(needs::table)
        .filter(needs::status.eq(open))
        .filter(admitted())
        .group_by(need_themes::theme_code)
        .select((need_themes::theme_code, count_star()))
        .load(c))?;
    let open_needs: i64 = dispatch!(conn, |c| needs::table
        .filter(needs::status.eq(open))
        .filter(admitted())
        .select(count_star())
        .first(c))?;
    let (needs_matched, countries_reached): (i64, i64) = dispatch!(conn, |c| needs::table
        .filter(needs::status.eq_any(&matched))
        .filter(admitted())
        .select((count_star(), count(needs::country).aggregate_distinct()))
        .first(c))?;
    Ok(Counts {
        open_by_theme,
        open_needs,
        needs_matched,
        countries_reached,
    })
}

/// Every need in one of `statuses`: what the allocation and the reports work over.
pub fn with_statuses(
    conn: &mut Conn<'_>,
    statuses: &[NeedStatus],
) -> Result<Vec<Need>, StoreError> {
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let rows: Vec<NeedRow> = dispatch!(conn, |c| needs::table
        .filter(needs::status.eq_any(&statuses))
        .select(NeedRow::as_select())
        .load(c))?;
    with_themes(conn, rows)
}

/// Open needs that carry one of `themes`: the candidates of an offer, through the theme index.
pub fn open_with_themes(conn: &mut Conn<'_>, themes: &[String]) -> Result<Vec<Need>, StoreError> {
    let rows: Vec<NeedRow> = dispatch!(conn, |c| needs::table
        .filter(needs::status.eq(NeedStatus::Open.as_str()))
        .filter(
            needs::id.eq_any(
                need_themes::table
                    .filter(need_themes::theme_code.eq_any(themes))
                    .select(need_themes::need_id),
            ),
        )
        .select(NeedRow::as_select())
        .load(c))?;
    with_themes(conn, rows)
}

/// When the needs to warn expire: from `now` (those due before are the expiry pass's) to the
/// end of the warning window, as wanted-by dates and as reconfirmation times.
#[derive(Debug, Clone, Copy)]
pub struct ExpiryWindow {
    /// Wanted-by dates in `[today, wanted_before)` end within the window.
    pub today: NaiveDate,
    pub wanted_before: NaiveDate,
    /// Reconfirmations in `[stale_after, stale_before)` run out within the window.
    pub stale_after: NaiveDateTime,
    pub stale_before: NaiveDateTime,
}

/// Open needs, not yet due for expiry, that expire within `window` and whose organisation
/// was not warned since the need last changed: a reconfirmation or an edit makes a need
/// eligible again, and the caller's once-per-occasion record keeps an unchanged expiry from
/// being announced twice. In id order after `after`, so that the batches of one pass walk
/// the needs once instead of each starting over.
pub fn expiring_unwarned(
    conn: &mut Conn<'_>,
    window: ExpiryWindow,
    warning_kind: &str,
    after: Option<Uuid>,
    limit: usize,
) -> Result<Vec<Need>, StoreError> {
    use crate::db::schema::reminders_sent;
    let warned = reminders_sent::table
        .filter(reminders_sent::kind.eq(warning_kind))
        .filter(reminders_sent::subject_id.eq(needs::id))
        .filter(reminders_sent::created_at.ge(needs::updated_at));
    let rows: Vec<NeedRow> = dispatch!(conn, |c| needs::table
        .filter(needs::status.eq(NeedStatus::Open.as_str()))
        .filter(needs::wanted_by.ge(window.today))
        .filter(needs::reconfirmed_at.ge(window.stale_after))
        .filter(
            needs::wanted_by
                .lt(window.wanted_before)
                .or(needs::reconfirmed_at.lt(window.stale_before))
        )
        .filter(diesel::dsl::not(diesel::dsl::exists(warned)))
        .filter(needs::id.gt(after.map(|id| id.to_string()).unwrap_or_default()))
        .order(needs::id)
        .select(NeedRow::as_select())
        .limit(limit as i64)
        .load(c))?;
    with_themes(conn, rows)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NeedSort {
    /// Newest first (the default).
    #[default]
    Newest,
    /// Most urgent first, then newest.
    Urgency,
    /// Soonest wanted-by date first.
    WantedBy,
    /// In the order of their changes, oldest change first, including needs that left the
    /// caller's view: the sync list (docs/API.md, "Incremental sync").
    Updated,
}

/// Where the next page starts in a need list's own orders (newest first is `ListCursor`'s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedCursor {
    Urgency(i32, NaiveDateTime, Uuid),
    WantedBy(NaiveDate, Uuid),
}

impl NeedCursor {
    fn after(need: &Need, sort: NeedSort) -> Self {
        let id = need.id;
        match sort {
            NeedSort::Urgency => {
                NeedCursor::Urgency(need.fields.urgency.rank(), need.created_at.naive_utc(), id)
            }
            // Newest first is `ListCursor`'s own, never asked here.
            NeedSort::Newest | NeedSort::WantedBy | NeedSort::Updated => {
                NeedCursor::WantedBy(need.fields.wanted_by, id)
            }
        }
    }
}

impl KindCursor for NeedCursor {
    type Sort = NeedSort;
    const NEWEST: NeedSort = NeedSort::Newest;
    fn sort(&self) -> NeedSort {
        match self {
            NeedCursor::Urgency(..) => NeedSort::Urgency,
            NeedCursor::WantedBy(..) => NeedSort::WantedBy,
        }
    }
    fn text(&self) -> String {
        use crate::http::pagination::{days_text, micros_text};
        match self {
            NeedCursor::Urgency(rank, at, id) => format!("u.{rank}.{}.{id}", micros_text(*at)),
            NeedCursor::WantedBy(date, id) => format!("w.{}.{id}", days_text(*date)),
        }
    }
    fn parse(parts: &[&str]) -> Option<Self> {
        use crate::http::pagination::{days_part, digits, micros_part, uuid_part as id};
        match parts[..] {
            ["u", rank, at, uuid] => Some(NeedCursor::Urgency(
                i32::try_from(digits(rank, 9)?).ok()?,
                micros_part(at)?,
                id(uuid)?,
            )),
            ["w", days, uuid] => Some(NeedCursor::WantedBy(days_part(days)?, id(uuid)?)),
            _ => None,
        }
    }
    fn fits(&self, sort: NeedSort) -> bool {
        use crate::http::pagination::{plausible_date, plausible_time};
        match (self, sort) {
            (NeedCursor::Urgency(_, at, _), NeedSort::Urgency) => plausible_time(*at),
            (NeedCursor::WantedBy(day, _), NeedSort::WantedBy) => plausible_date(*day),
            _ => false,
        }
    }
}

/// The filters of a need list; a need's own is its urgency.
pub type NeedFilter = ItemFilter<NeedStatus, Option<Urgency>>;

impl ItemStore for Need {
    type Only = Option<Urgency>;
    type Sort = NeedSort;
    type OwnCursor = NeedCursor;

    item_reads! {
        Need, NeedRow, needs, need_themes::need_id, needs_fts,
        own: |query, scope, filter| { need_filters!(query, scope, filter) },
        keyset: |sort, cursor| {
            query = match cursor {
                None => query,
                Some(NeedCursor::Urgency(rank, created_at, id)) => query.filter(
                    needs::urgency_rank
                        .lt(*rank)
                        .or(needs::urgency_rank.eq(*rank).and(
                            needs::created_at.lt(*created_at).or(needs::created_at
                                .eq(*created_at)
                                .and(needs::id.lt(id.to_string()))),
                        )),
                ),
                Some(NeedCursor::WantedBy(wanted_by, id)) => query.filter(
                    needs::wanted_by.gt(*wanted_by).or(needs::wanted_by
                        .eq(*wanted_by)
                        .and(needs::id.gt(id.to_string()))),
                ),
            };
            match sort {
                NeedSort::Urgency => query.order((
                    needs::urgency_rank.desc(),
                    needs::created_at.desc(),
                    needs::id.desc(),
                )),
                // Newest first is `item_reads!`'s own, never asked here.
                NeedSort::Newest | NeedSort::WantedBy | NeedSort::Updated => {
                    query.order((needs::wanted_by.asc(), needs::id.asc()))
                }
            }
        },
        next: |last| NeedCursor::after(last, sort)
    }

    fn insert(
        conn: &mut Conn<'_>,
        organisation_id: Uuid,
        created_by: Uuid,
        fields: &NeedFields,
    ) -> Result<Need, StoreError> {
        let (id, now) = (Uuid::new_v4(), db::now());
        let columns = FieldColumns::from(fields);
        // Offers' requester kinds are checked against it; only requesters post needs, and the
        // use case checked the side before it came here.
        let requester_kind: String = dispatch!(conn, |c| organisations::table
            .find(organisation_id.to_string())
            .select(organisations::kind)
            .first(c))?;
        dispatch!(conn, |c| diesel::insert_into(needs::table)
            .values((
                needs::id.eq(id.to_string()),
                needs::organisation_id.eq(organisation_id.to_string()),
                needs::created_by.eq(created_by.to_string()),
                &columns,
                needs::status.eq(NeedStatus::Draft.as_str()),
                needs::version.eq(1),
                needs::reconfirmed_at.eq(now),
                needs::created_at.eq(now),
                needs::updated_at.eq(now),
                needs::quantity_covered.eq(0),
                needs::requester_kind.eq(&requester_kind),
            ))
            .execute(c))?;
        replace_themes(conn, &id.to_string(), &fields.themes)?;
        reload(conn, id)
    }
    fn update_fields(
        conn: &mut Conn<'_>,
        need: &Need,
        fields: &NeedFields,
    ) -> Result<Need, StoreError> {
        let columns = FieldColumns::from(fields);
        update_unchanged!(conn, needs, need, at: db::now(), guards: [], set: (&columns))?;
        replace_themes(conn, &need.id.to_string(), &fields.themes)?;
        reload(conn, need.id)
    }
    /// Publishing and reconfirming also restart its 90 days.
    fn set_status(
        conn: &mut Conn<'_>,
        need: &Need,
        status: NeedStatus,
        action: Action,
    ) -> Result<Need, StoreError> {
        let now = db::now();
        let reconfirmed_at = if matches!(action, Action::Reconfirm | Action::Publish) {
            now
        } else {
            need.reconfirmed_at.naive_utc()
        };
        update_unchanged!(conn, needs, need, at: now,
        guards: [needs::status.eq(need.status.as_str())],
        set: (
            needs::status.eq(status.as_str()),
            needs::reconfirmed_at.eq(reconfirmed_at),
        ))?;
        reload(conn, need.id)
    }
    fn due_for_expiry(
        conn: &mut Conn<'_>,
        today: NaiveDate,
        stale_before: NaiveDateTime,
        limit: usize,
    ) -> Result<Vec<Need>, StoreError> {
        let rows: Vec<NeedRow> = dispatch!(conn, |c| needs::table
            .filter(needs::status.eq(NeedStatus::Open.as_str()))
            .filter(
                needs::wanted_by
                    .lt(today)
                    .or(needs::reconfirmed_at.lt(stale_before))
            )
            .select(NeedRow::as_select())
            .limit(limit as i64)
            .load(c))?;
        with_themes(conn, rows)
    }
    /// `n.<micros>.<id>`, `u.<rank>.<micros>.<id>`, `w.<days since 1 CE>.<id>`, or the
    /// sync list's `c.<change>.<id>` (`http::pagination::CHANGE_CURSOR_FORM`).
    const CURSOR_PATTERN: &'static str = concat!(
        r"^(n\.[0-9]{1,16}|u\.[0-9]{1,9}\.[0-9]{1,16}|w\.[0-9]{1,7}|c\.[0-9]{1,18})\.",
        crate::http::pagination::uuid_pattern!(),
        "$"
    );
    const UPDATED: NeedSort = NeedSort::Updated;
}
