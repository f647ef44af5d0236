//! Offers in the database.

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
use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::{
    Coverage, Language, Money, Offer, OfferEligibility, OfferFields, OfferKind, OfferStatus,
};
use crate::db::schema::{offer_themes, offers};
use crate::db::{self, Conn, StoreError};
use crate::dispatch;
use crate::visibility::ReadScope;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
struct OfferRow {
    id: String,
    organisation_id: String,
    /// The fields, as `insert` and `update_fields` write them.
    #[diesel(embed)]
    columns: FieldColumns,
    capacity_left: i32,
    status: String,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl OfferRow {
    fn into_item(self, themes: Vec<String>) -> Result<Offer, StoreError> {
        let funding = match (self.columns.funding_amount, self.columns.funding_currency) {
            (Some(amount), Some(currency)) => Some(Money { amount, currency }),
            _ => None,
        };
        let sector = match &self.columns.sector {
            Some(sector) => Some(sector.parse().map_err(|_| corrupt("sector", sector))?),
            None => None,
        };
        let eligibility = OfferEligibility {
            requester_kinds: parse_list(&self.columns.requester_kinds, "requester kind", |k| {
                k.parse().ok()
            })?,
            sector,
            only_after_incident: self.columns.only_after_incident,
            eligible_costs: parse_list(&self.columns.eligible_costs, "cost", |c| c.parse().ok())?,
            audiences: parse_list(&self.columns.audiences, "audience", |a| a.parse().ok())?,
        };
        Ok(Offer {
            id: parse_id(&self.id)?,
            organisation_id: parse_id(&self.organisation_id)?,
            fields: OfferFields {
                kind: self
                    .columns
                    .kind
                    .parse()
                    .map_err(|_| corrupt("kind", &self.columns.kind))?,
                coverage: Coverage {
                    countries: parse_list(&self.columns.countries, "country", Country::parse)?,
                    regions: parse_list(&self.columns.regions, "region", |r| r.parse().ok())?,
                    global: self.columns.global,
                },
                languages: parse_list(&self.columns.languages, "language", Language::parse)?,
                delivery_modes: parse_list(&self.columns.delivery_modes, "delivery mode", |m| {
                    m.parse().ok()
                })?,
                visibility: self
                    .columns
                    .visibility
                    .parse()
                    .map_err(|_| corrupt("visibility", &self.columns.visibility))?,
                title: self.columns.title,
                description: self.columns.description,
                themes,
                capacity: self.columns.capacity,
                available_from: self.columns.available_from,
                available_until: self.columns.available_until,
                funding,
                eligibility,
            },
            capacity_left: self.capacity_left,
            status: self
                .status
                .parse()
                .map_err(|_| corrupt("status", &self.status))?,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// The columns an offer's fields occupy: written as they are, and read back as part of `OfferRow`.
#[derive(Debug, Clone, AsChangeset, Insertable, Queryable, Selectable)]
#[diesel(table_name = offers)]
// A field cleared by a patch (a sector, a start date, a budget) is written as NULL, not left as
// it was: diesel's changesets skip `None` otherwise.
#[diesel(treat_none_as_null = true)]
struct FieldColumns {
    kind: String,
    title: String,
    description: String,
    countries: String,
    regions: String,
    global: bool,
    languages: String,
    delivery_modes: String,
    capacity: i32,
    available_from: Option<NaiveDate>,
    available_until: Option<NaiveDate>,
    funding_amount: Option<i64>,
    funding_currency: Option<String>,
    visibility: String,
    requester_kinds: String,
    sector: Option<String>,
    only_after_incident: bool,
    eligible_costs: String,
    audiences: String,
}

impl From<&OfferFields> for FieldColumns {
    fn from(fields: &OfferFields) -> Self {
        Self {
            kind: fields.kind.as_str().to_owned(),
            title: fields.title.clone(),
            description: fields.description.clone(),
            countries: join_list(fields.coverage.countries.iter().map(|c| c.alpha2())),
            regions: join_list(fields.coverage.regions.iter().map(|r| r.as_str())),
            global: fields.coverage.global,
            languages: join_list(fields.languages.iter().map(|l| l.as_str())),
            delivery_modes: join_list(fields.delivery_modes.iter().map(|m| m.as_str())),
            capacity: fields.capacity,
            available_from: fields.available_from,
            available_until: fields.available_until,
            funding_amount: fields.funding.as_ref().map(|m| m.amount),
            funding_currency: fields.funding.as_ref().map(|m| m.currency.clone()),
            visibility: fields.visibility.as_str().to_owned(),
            requester_kinds: join_list(
                fields
                    .eligibility
                    .requester_kinds
                    .iter()
                    .map(|k| k.as_str()),
            ),
            sector: fields.eligibility.sector.map(|s| s.as_str().to_owned()),
            only_after_incident: fields.eligibility.only_after_incident,
            eligible_costs: join_list(fields.eligibility.eligible_costs.iter().map(|c| c.as_str())),
            audiences: join_list(fields.eligibility.audiences.iter().map(|a| a.as_str())),
        }
    }
}

item_table_basics!("offer", offers, offer_themes::offer_id, OfferRow, Offer);

/// Holds `quantity` of the offer's capacity, if the offer is still open and that much is
/// left: of two matches racing for the last seats one gets them and the other a conflict,
/// and an offer closed meanwhile holds nothing. An offer left with nothing becomes exhausted.
pub fn reserve(conn: &mut Conn<'_>, offer_id: Uuid, quantity: i32) -> Result<Offer, StoreError> {
    let id = offer_id.to_string();
    let reserved = dispatch!(conn, |c| diesel::update(
        offers::table
            .find(&id)
            .filter(offers::status.eq(OfferStatus::Open.as_str()))
            .filter(offers::capacity_left.ge(quantity))
    )
    .set((
        offers::capacity_left.eq(offers::capacity_left - quantity),
        offers::version.eq(offers::version + 1),
        offers::updated_at.eq(db::now()),
    ))
    .execute(c))?;
    if reserved == 0 {
        return Err(StoreError::Conflict(
            "the offer is no longer open or has no capacity left for this match".into(),
        ));
    }
    dispatch!(conn, |c| diesel::update(
        offers::table
            .find(&id)
            .filter(offers::capacity_left.eq(0))
            .filter(offers::status.eq(OfferStatus::Open.as_str()))
    )
    .set(offers::status.eq(OfferStatus::Exhausted.as_str()))
    .execute(c))?;
    reload(conn, offer_id)
}

/// Gives back capacity that a cancelled match held.
pub fn release(conn: &mut Conn<'_>, offer_id: Uuid, quantity: i32) -> Result<(), StoreError> {
    let id = offer_id.to_string();
    dispatch!(conn, |c| diesel::update(offers::table.find(&id))
        .set((
            offers::capacity_left.eq(offers::capacity_left + quantity),
            offers::version.eq(offers::version + 1),
            offers::updated_at.eq(db::now()),
        ))
        .execute(c))?;
    dispatch!(conn, |c| diesel::update(
        offers::table
            .find(&id)
            .filter(offers::status.eq(OfferStatus::Exhausted.as_str()))
            .filter(offers::capacity_left.gt(0))
    )
    .set(offers::status.eq(OfferStatus::Open.as_str()))
    .execute(c))?;
    Ok(())
}

/// Every open offer with capacity left.
pub fn all_open(conn: &mut Conn<'_>) -> Result<Vec<Offer>, StoreError> {
    let rows: Vec<OfferRow> = dispatch!(conn, |c| offers::table
        .filter(offers::status.eq(OfferStatus::Open.as_str()))
        .filter(offers::capacity_left.gt(0))
        .select(OfferRow::as_select())
        .load(c))?;
    with_themes(conn, rows)
}

/// The offers whose last change comes after `after` (a change number, then the id), in
/// change order with the position of each, up to `limit`: what a holder of the open offers
/// applies to stay current (`matching::open_offers`).
///
/// One statement, with no snapshot of its own, so it may run inside a write transaction.
/// What it reads is a prefix of the committed changes: both engines number changes in
/// commit order (migration `2026-12-15-000050_sync`), so a change it does not see comes
/// after every one it sees.
pub fn changed_after(
    conn: &mut Conn<'_>,
    after: db::ChangePosition,
    limit: usize,
) -> Result<Vec<(db::ChangePosition, Offer)>, StoreError> {
    let (seq, id) = (after.0, after.1.to_string());
    let rows: Vec<(OfferRow, i64)> = dispatch!(conn, |c| offers::table
        .filter(
            offers::change_seq
                .gt(seq)
                .or(offers::change_seq.eq(seq).and(offers::id.gt(&id))),
        )
        .order((offers::change_seq.asc(), offers::id.asc()))
        .limit(limit as i64)
        .select((OfferRow::as_select(), offers::change_seq))
        .load(c))?;
    let (rows, seqs): (Vec<OfferRow>, Vec<i64>) = rows.into_iter().unzip();
    Ok(seqs
        .into_iter()
        .zip(with_themes(conn, rows)?)
        .map(|(seq, offer)| ((seq, offer.id), offer))
        .collect())
}

/// The highest change number an offer carries (0 before any): every change of an offer up
/// to it is committed and visible to the caller's next statement.
pub fn last_change(conn: &mut Conn<'_>) -> Result<i64, StoreError> {
    let last: Option<i64> = dispatch!(conn, |c| offers::table
        .select(diesel::dsl::max(offers::change_seq))
        .first(c))?;
    Ok(last.unwrap_or(0))
}

/// An offer list's own filters over a boxed query of `offers`, for `list` and `sync` alike.
macro_rules! offer_filters {
    ($query:ident, $filter:ident) => {{
        let mut query = $query;
        if let Some(country) = $filter.country {
            // An offer serves a country it names, or every country when it is global.
            query = query.filter(
                offers::countries
                    .like(contains_pattern(country.alpha2()))
                    .or(offers::global.eq(true)),
            );
        }
        if let Some(kind) = $filter.only {
            query = query.filter(offers::kind.eq(kind.as_str()));
        }
        query
    }};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferSort {
    /// Newest first (the default).
    #[default]
    Newest,
    /// Soonest end of availability first; offers without an end come last.
    AvailableUntil,
    /// In the order of their changes, oldest change first, including offers that left the
    /// caller's view: the sync list (docs/API.md, "Incremental sync").
    Updated,
}

/// Where the next page starts in an offer list's own order (newest first is `ListCursor`'s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferCursor {
    /// Offers without an end of availability sort as the last possible date.
    AvailableUntil(NaiveDate, Uuid),
}

/// Stands in for "no end" so that the availability sort and its cursor stay total.
const OPEN_ENDED: NaiveDate = NaiveDate::MAX;

impl OfferCursor {
    fn after(offer: &Offer) -> Self {
        OfferCursor::AvailableUntil(offer.fields.available_until.unwrap_or(OPEN_ENDED), offer.id)
    }
}

impl KindCursor for OfferCursor {
    type Sort = OfferSort;
    const NEWEST: OfferSort = OfferSort::Newest;
    fn sort(&self) -> OfferSort {
        OfferSort::AvailableUntil
    }
    fn text(&self) -> String {
        let OfferCursor::AvailableUntil(date, id) = self;
        if *date == OPEN_ENDED {
            format!("a.open.{id}")
        } else {
            format!("a.{}.{id}", crate::http::pagination::days_text(*date))
        }
    }
    fn parse(parts: &[&str]) -> Option<Self> {
        use crate::http::pagination::{days_part, uuid_part as id};
        match parts[..] {
            ["a", "open", uuid] => Some(OfferCursor::AvailableUntil(OPEN_ENDED, id(uuid)?)),
            ["a", days, uuid] => Some(OfferCursor::AvailableUntil(days_part(days)?, id(uuid)?)),
            _ => None,
        }
    }
    fn fits(&self, sort: OfferSort) -> bool {
        let OfferCursor::AvailableUntil(day, _) = self;
        // The open-ended stand-in is compared in Rust, never sent to the database.
        sort == OfferSort::AvailableUntil
            && (*day == OPEN_ENDED || crate::http::pagination::plausible_date(*day))
    }
}

/// The filters of an offer list; an offer's own is its kind.
pub type OfferFilter = ItemFilter<OfferStatus, Option<OfferKind>>;

impl ItemStore for Offer {
    type Only = Option<OfferKind>;
    type Sort = OfferSort;
    type OwnCursor = OfferCursor;

    item_reads! {
        Offer, OfferRow, offers, offer_themes::offer_id, offers_fts,
        own: |query, scope, filter| { offer_filters!(query, filter) },
        keyset: |sort, cursor| {
            query = match cursor {
                None => query,
                Some(OfferCursor::AvailableUntil(until, id)) => {
                    let until = *until;
                    let dated = offers::available_until.gt(until).or(offers::available_until
                        .eq(until)
                        .and(offers::id.gt(id.to_string())));
                    if until == OPEN_ENDED {
                        query.filter(
                            offers::available_until
                                .is_null()
                                .and(offers::id.gt(id.to_string())),
                        )
                    } else {
                        query.filter(dated.or(offers::available_until.is_null()))
                    }
                }
            };
            // The one order of an offer's own (newest first is `item_reads!`'s); NULLS
            // LAST by hand: both engines sort NULL differently.
            query.order((
                offers::available_until.is_null().asc(),
                offers::available_until.asc(),
                offers::id.asc(),
            ))
        },
        next: |last| OfferCursor::after(last)
    }

    fn insert(
        conn: &mut Conn<'_>,
        organisation_id: Uuid,
        created_by: Uuid,
        fields: &OfferFields,
    ) -> Result<Offer, StoreError> {
        let (id, now) = (Uuid::new_v4(), db::now());
        let columns = FieldColumns::from(fields);
        dispatch!(conn, |c| diesel::insert_into(offers::table)
            .values((
                offers::id.eq(id.to_string()),
                offers::organisation_id.eq(organisation_id.to_string()),
                offers::created_by.eq(created_by.to_string()),
                &columns,
                offers::capacity_left.eq(fields.capacity),
                offers::status.eq(OfferStatus::Draft.as_str()),
                offers::version.eq(1),
                offers::created_at.eq(now),
                offers::updated_at.eq(now),
            ))
            .execute(c))?;
        replace_themes(conn, &id.to_string(), &fields.themes)?;
        reload(conn, id)
    }
    /// Capacity already committed stays committed: what is left moves by the change in
    /// capacity.
    fn update_fields(
        conn: &mut Conn<'_>,
        offer: &Offer,
        fields: &OfferFields,
    ) -> Result<Offer, StoreError> {
        let committed = offer.fields.capacity - offer.capacity_left;
        if fields.capacity < committed {
            return Err(StoreError::Conflict(format!(
                "capacity cannot go below the {committed} already committed"
            )));
        }
        let columns = FieldColumns::from(fields);
        update_unchanged!(conn, offers, offer, at: db::now(), guards: [],
            set: (&columns, offers::capacity_left.eq(fields.capacity - committed)))?;
        replace_themes(conn, &offer.id.to_string(), &fields.themes)?;
        reload(conn, offer.id)
    }

    fn set_status(
        conn: &mut Conn<'_>,
        offer: &Offer,
        status: OfferStatus,
        _: Action,
    ) -> Result<Offer, StoreError> {
        update_unchanged!(conn, offers, offer, at: db::now(),
            guards: [offers::status.eq(offer.status.as_str())],
            set: (offers::status.eq(status.as_str())))?;
        reload(conn, offer.id)
    }
    /// Offers are not reconfirmed: only their availability ends them.
    fn due_for_expiry(
        conn: &mut Conn<'_>,
        today: NaiveDate,
        _: NaiveDateTime,
        limit: usize,
    ) -> Result<Vec<Offer>, StoreError> {
        let rows: Vec<OfferRow> = dispatch!(conn, |c| offers::table
            .filter(offers::status.eq(OfferStatus::Open.as_str()))
            .filter(offers::available_until.lt(today))
            .select(OfferRow::as_select())
            .limit(limit as i64)
            .load(c))?;
        with_themes(conn, rows)
    }
    /// `n.<micros>.<id>`, `a.<days since 1 CE>.<id>` (`a.open.<id>`: no end), or the sync
    /// list's `c.<change>.<id>` (`http::pagination::CHANGE_CURSOR_FORM`).
    const CURSOR_PATTERN: &'static str = concat!(
        r"^(n\.[0-9]{1,16}|a\.([0-9]{1,7}|open)|c\.[0-9]{1,18})\.",
        crate::http::pagination::uuid_pattern!(),
        "$"
    );
    const UPDATED: OfferSort = OfferSort::Updated;
}
