//! Matches in the database, and the open catalogue that candidate generation reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::store::parse_id;
use crate::db::schema::matches;
use crate::db::{self, Conn, StoreError};
use crate::dispatch;
use crate::matching::score::Score;
use crate::matching::workflow::{MatchState, MatchStatus, Party};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = matches)]
struct MatchRow {
    id: String,
    need_id: String,
    offer_id: String,
    score: f64,
    explanation: String,
    proposed_by: String,
    proposed_by_user: Option<String>,
    status: String,
    requester_accepted: bool,
    provider_accepted: bool,
    reserved_quantity: i32,
    note: Option<String>,
    decided_by: Option<String>,
    reason: Option<String>,
    delivered_quantity: Option<i32>,
    outcome: Option<String>,
    rating: Option<i32>,
    version: i32,
    activated_at: Option<NaiveDateTime>,
    completed_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A match as stored and as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Match {
    pub id: Uuid,
    pub need_id: Uuid,
    pub offer_id: Uuid,
    pub score: f64,
    #[schema(value_type = Vec<crate::matching::score::Factor>)]
    pub explanation: serde_json::Value,
    pub proposed_by: Party,
    pub status: MatchStatus,
    pub requester_accepted: bool,
    pub provider_accepted: bool,
    /// Offer capacity held while the match is active.
    pub reserved_quantity: i32,
    pub note: Option<String>,
    /// The coordinator who approved or rejected it.
    pub decided_by: Option<Uuid>,
    /// Why it was rejected, declined or cancelled.
    pub reason: Option<String>,
    pub delivered_quantity: Option<i32>,
    /// What changed, in words: a side reads only its own report's (none until it reports);
    /// coordinators read the completing side's (and every report under `/reports`).
    pub outcome: Option<String>,
    /// 1 to 5, with `outcome` and read by the same rule.
    pub rating: Option<i32>,
    pub version: i32,
    /// When it became active (approved and accepted by both sides).
    pub activated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Match {
    pub fn state(&self) -> MatchState {
        MatchState {
            status: self.status,
            requester_accepted: self.requester_accepted,
            provider_accepted: self.provider_accepted,
        }
    }
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Query(format!("stored match {what} `{value}` is not valid"))
}

impl TryFrom<MatchRow> for Match {
    type Error = StoreError;

    fn try_from(row: MatchRow) -> Result<Self, StoreError> {
        Ok(Match {
            id: parse_id(&row.id)?,
            need_id: parse_id(&row.need_id)?,
            offer_id: parse_id(&row.offer_id)?,
            score: row.score,
            explanation: serde_json::from_str(&row.explanation)
                .map_err(|_| corrupt("explanation", &row.explanation))?,
            proposed_by: row
                .proposed_by
                .parse()
                .map_err(|_| corrupt("proposer", &row.proposed_by))?,
            status: row
                .status
                .parse()
                .map_err(|_| corrupt("status", &row.status))?,
            requester_accepted: row.requester_accepted,
            provider_accepted: row.provider_accepted,
            reserved_quantity: row.reserved_quantity,
            note: row.note,
            decided_by: row.decided_by.as_deref().map(parse_id).transpose()?,
            reason: row.reason,
            delivered_quantity: row.delivered_quantity,
            outcome: row.outcome,
            rating: row.rating,
            version: row.version,
            activated_at: row.activated_at.map(|at| at.and_utc()),
            completed_at: row.completed_at.map(|at| at.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

pub struct NewMatch {
    pub need_id: Uuid,
    pub offer_id: Uuid,
    pub score: Score,
    pub proposed_by: Party,
    pub proposed_by_user: Option<Uuid>,
    pub note: Option<String>,
}

/// Inserts a proposal. A live match for the same pair is a conflict, decided by the partial
/// unique index so that two racing proposals cannot both succeed.
pub fn insert(conn: &mut Conn<'_>, new: NewMatch) -> Result<Match, StoreError> {
    let now = db::now();
    let state = MatchState::proposed_by(new.proposed_by);
    let row = MatchRow {
        id: Uuid::new_v4().to_string(),
        need_id: new.need_id.to_string(),
        offer_id: new.offer_id.to_string(),
        score: new.score.score,
        explanation: serde_json::to_string(&new.score.explanation).unwrap_or_else(|_| "[]".into()),
        proposed_by: new.proposed_by.as_str().to_owned(),
        proposed_by_user: new.proposed_by_user.map(|id| id.to_string()),
        status: state.status.as_str().to_owned(),
        requester_accepted: state.requester_accepted,
        provider_accepted: state.provider_accepted,
        reserved_quantity: 0,
        note: new.note,
        decided_by: None,
        reason: None,
        delivered_quantity: None,
        outcome: None,
        rating: None,
        version: 1,
        activated_at: None,
        completed_at: None,
        created_at: now,
        updated_at: now,
    };
    dispatch!(conn, |c| diesel::insert_into(matches::table)
        .values(&row)
        .execute(c))
    .map_err(|error| match StoreError::from(error) {
        StoreError::Conflict(_) => {
            StoreError::Conflict("a live match for this need and offer already exists".into())
        }
        other => other,
    })?;
    row.try_into()
}

pub fn find(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<Match>, StoreError> {
    let row: Option<MatchRow> = dispatch!(conn, |c| matches::table
        .find(id.to_string())
        .select(MatchRow::as_select())
        .first(c)
        .optional())?;
    row.map(Match::try_from).transpose()
}

/// What an action changes on a match besides its state.
#[derive(Debug, Default, Clone)]
pub struct MatchChange {
    pub decided_by: Option<Uuid>,
    pub reason: Option<String>,
    pub reserved_quantity: Option<i32>,
    pub delivered_quantity: Option<i32>,
    pub outcome: Option<String>,
    pub rating: Option<i32>,
}

/// A moment kept once set: the first time a match reached a state.
fn stamp(existing: Option<chrono::DateTime<chrono::Utc>>, reached: bool) -> Option<NaiveDateTime> {
    existing
        .map(|at| at.naive_utc())
        .or_else(|| reached.then(db::now))
}

/// Writes `state` and `change` over `current` if it is still at the version read.
pub fn update(
    conn: &mut Conn<'_>,
    current: &Match,
    state: MatchState,
    change: MatchChange,
) -> Result<Match, StoreError> {
    let id = current.id.to_string();
    let updated = dispatch!(conn, |c| diesel::update(
        matches::table
            .find(&id)
            .filter(matches::version.eq(current.version))
    )
    .set((
        matches::status.eq(state.status.as_str()),
        matches::requester_accepted.eq(state.requester_accepted),
        matches::provider_accepted.eq(state.provider_accepted),
        matches::decided_by.eq(change
            .decided_by
            .map(|id| id.to_string())
            .or(current.decided_by.map(|id| id.to_string()))),
        matches::reason.eq(change.reason.or_else(|| current.reason.clone())),
        matches::reserved_quantity.eq(change
            .reserved_quantity
            .unwrap_or(current.reserved_quantity)),
        matches::delivered_quantity.eq(change.delivered_quantity.or(current.delivered_quantity)),
        matches::outcome.eq(change.outcome.or_else(|| current.outcome.clone())),
        matches::rating.eq(change.rating.or(current.rating)),
        matches::activated_at.eq(stamp(
            current.activated_at,
            state.status == MatchStatus::Active
        )),
        matches::completed_at.eq(stamp(
            current.completed_at,
            state.status == MatchStatus::Completed
        )),
        matches::version.eq(current.version + 1),
        matches::updated_at.eq(db::now()),
    ))
    .execute(c))?;
    crate::catalogue::store::expect_one(updated)?;
    find(conn, current.id)?.ok_or(StoreError::NotFound("match"))
}

#[derive(Debug, Default, Clone)]
pub struct MatchFilter {
    pub status: Option<MatchStatus>,
    pub need_id: Option<Uuid>,
    pub offer_id: Option<Uuid>,
    /// Only matches whose need or offer belongs to this organisation (everyone but coordinators).
    pub party_organisation: Option<Uuid>,
    /// Only matches changed at or after this time (`updated_since`).
    pub updated_since: Option<NaiveDateTime>,
}

/// `$filter` applied to a boxed query of `matches`, for `list` and `sync` alike.
macro_rules! filter_matches {
    ($query:ident, $filter:expr) => {{
        use crate::db::schema::{needs, offers};
        let mut query = $query;
        let filter: &MatchFilter = $filter;
        if let Some(status) = filter.status {
            query = query.filter(matches::status.eq(status.as_str()));
        }
        if let Some(need_id) = filter.need_id {
            query = query.filter(matches::need_id.eq(need_id.to_string()));
        }
        if let Some(offer_id) = filter.offer_id {
            query = query.filter(matches::offer_id.eq(offer_id.to_string()));
        }
        if let Some(organisation) = filter.party_organisation {
            let organisation = organisation.to_string();
            query = query.filter(
                matches::need_id
                    .eq_any(
                        needs::table
                            .filter(needs::organisation_id.eq(organisation.clone()))
                            .select(needs::id),
                    )
                    .or(matches::offer_id.eq_any(
                        offers::table
                            .filter(offers::organisation_id.eq(organisation))
                            .select(offers::id),
                    )),
            );
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(matches::updated_at.ge(since));
        }
        query
    }};
}

/// Newest first, after the (created_at, id) cursor.
pub fn list(
    conn: &mut Conn<'_>,
    filter: &MatchFilter,
    after: Option<&db::TimeKey>,
    limit: usize,
) -> Result<(Vec<Match>, Option<db::TimeKey>), StoreError> {
    let rows: Vec<MatchRow> = dispatch!(conn, |c| {
        let query = matches::table.select(MatchRow::as_select()).into_boxed();
        let mut query = filter_matches!(query, filter);
        if let Some((created_at, id)) = after {
            query = query.filter(
                matches::created_at.lt(*created_at).or(matches::created_at
                    .eq(*created_at)
                    .and(matches::id.lt(id.clone()))),
            );
        }
        query
            .order((matches::created_at.desc(), matches::id.desc()))
            .limit(limit as i64 + 1)
            .load(c)
    })?;
    let (rows, next) = db::keyset_page(rows, limit, |last| (last.created_at, last.id.clone()));
    let items = rows
        .into_iter()
        .map(Match::try_from)
        .collect::<Result<_, _>>()?;
    Ok((items, next))
}

/// The sync list (docs/API.md, "Incremental sync"): matches in the order of their changes
/// after `after`, in one snapshot with the change counter. A short page has seen every
/// change up to the counter, so the next poll starts there. A side never stops being a side,
/// so matches have no tombstones.
pub fn sync(
    conn: &mut Conn<'_>,
    filter: &MatchFilter,
    after: Option<db::ChangePosition>,
    limit: usize,
) -> Result<(Vec<Match>, db::ChangePosition), StoreError> {
    let after = after.map(|(seq, id)| (seq, id.to_string()));
    db::snapshot(conn, |conn| {
        let mut rows: Vec<(MatchRow, i64)> = dispatch!(conn, |c| {
            let query = matches::table
                .select((MatchRow::as_select(), matches::change_seq))
                .into_boxed();
            let mut query = filter_matches!(query, filter);
            if let Some((seq, id)) = &after {
                query = query.filter(
                    matches::change_seq
                        .gt(*seq)
                        .or(matches::change_seq.eq(*seq).and(matches::id.gt(id.clone()))),
                );
            }
            query
                .order((matches::change_seq.asc(), matches::id.asc()))
                .limit(limit as i64 + 1)
                .load(c)
        })?;
        let full = rows.len() > limit;
        rows.truncate(limit);
        let next = match rows.last() {
            Some((last, seq)) if full => (*seq, parse_id(&last.id)?),
            _ => (db::last_change(conn)?, db::MAX_ID),
        };
        let items = rows
            .into_iter()
            .map(|(row, _)| Match::try_from(row))
            .collect::<Result<_, _>>()?;
        Ok((items, next))
    })
}

/// Every match: what the gap report reads (there are far fewer matches than needs).
pub fn all(conn: &mut Conn<'_>) -> Result<Vec<Match>, StoreError> {
    let rows: Vec<MatchRow> = dispatch!(conn, |c| matches::table
        .select(MatchRow::as_select())
        .load(c))?;
    rows.into_iter().map(Match::try_from).collect()
}

/// The matches in progress (approved or active) on a need or on an offer, oldest first:
/// while one exists the item cannot end (docs/ARCHITECTURE.md, "Matches hold their items").
pub fn in_progress_for(conn: &mut Conn<'_>, item: HeldItem) -> Result<Vec<Uuid>, StoreError> {
    let in_progress = [MatchStatus::Approved.as_str(), MatchStatus::Active.as_str()];
    let ids: Vec<String> = match item {
        HeldItem::Need(id) => dispatch!(conn, |c| matches::table
            .filter(matches::need_id.eq(id.to_string()))
            .filter(matches::status.eq_any(in_progress))
            .order((matches::created_at.asc(), matches::id.asc()))
            .select(matches::id)
            .load(c))?,
        HeldItem::Offer(id) => dispatch!(conn, |c| matches::table
            .filter(matches::offer_id.eq(id.to_string()))
            .filter(matches::status.eq_any(in_progress))
            .order((matches::created_at.asc(), matches::id.asc()))
            .select(matches::id)
            .load(c))?,
    };
    ids.iter()
        .map(|id| crate::accounts::store::parse_id(id))
        .collect()
}

/// The need or the offer whose matches in progress `in_progress_for` reads.
#[derive(Debug, Clone, Copy)]
pub enum HeldItem {
    Need(Uuid),
    Offer(Uuid),
}

/// Whether `need_id` has an active match other than `except`.
pub fn other_active_for_need(
    conn: &mut Conn<'_>,
    need_id: Uuid,
    except: Uuid,
) -> Result<bool, StoreError> {
    let count: i64 = dispatch!(conn, |c| matches::table
        .filter(matches::need_id.eq(need_id.to_string()))
        .filter(matches::status.eq(MatchStatus::Active.as_str()))
        .filter(matches::id.ne(except.to_string()))
        .count()
        .get_result(c))?;
    Ok(count > 0)
}

/// Live matches waiting for an answer since before `before` (proposed: a coordinator's
/// decision; approved: a side's acceptance) that were not reminded of this wait yet. A wait
/// is named by the moment the match last changed. In id order after `after`, so that the
/// batches of one pass walk the matches once.
pub fn waiting_unreminded(
    conn: &mut Conn<'_>,
    before: NaiveDateTime,
    reminder_kind: &str,
    after: Option<Uuid>,
    limit: usize,
) -> Result<Vec<Match>, StoreError> {
    use crate::db::schema::reminders_sent;
    let reminded = reminders_sent::table
        .filter(reminders_sent::kind.eq(reminder_kind))
        .filter(reminders_sent::subject_id.eq(matches::id))
        .filter(reminders_sent::occasion.eq(matches::updated_at));
    let rows: Vec<MatchRow> = dispatch!(conn, |c| matches::table
        .filter(matches::status.eq_any([
            MatchStatus::Proposed.as_str(),
            MatchStatus::Approved.as_str()
        ]))
        .filter(matches::updated_at.lt(before))
        .filter(diesel::dsl::not(diesel::dsl::exists(reminded)))
        .filter(matches::id.gt(after.map(|id| id.to_string()).unwrap_or_default()))
        .order(matches::id)
        .select(MatchRow::as_select())
        .limit(limit as i64)
        .load(c))?;
    rows.into_iter().map(Match::try_from).collect()
}

/// Approved matches that have waited for a side's acceptance since before `before` (the
/// moment a match last changed names its wait, as for the reminders), longest waiting first:
/// the coordinators' queue lists them.
pub fn approved_waiting_since(
    conn: &mut Conn<'_>,
    before: NaiveDateTime,
    limit: usize,
) -> Result<Vec<Match>, StoreError> {
    let rows: Vec<MatchRow> = dispatch!(conn, |c| matches::table
        .filter(matches::status.eq(MatchStatus::Approved.as_str()))
        .filter(matches::updated_at.lt(before))
        .order((matches::updated_at.asc(), matches::id.asc()))
        .select(MatchRow::as_select())
        .limit(limit as i64)
        .load(c))?;
    rows.into_iter().map(Match::try_from).collect()
}

/// One side's report on a completed match.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OutcomeReport {
    pub match_id: Uuid,
    /// `requester` or `provider`.
    pub party: Party,
    /// 1 (it did not help) to 5 (it changed a lot).
    pub rating: i32,
    /// What changed, in the side's words.
    pub outcome: String,
    pub reported_by: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl OutcomeReport {
    /// A report made now by `reported_by` for `party`.
    pub fn now(
        match_id: Uuid,
        party: Party,
        rating: i32,
        outcome: String,
        reported_by: Uuid,
    ) -> Self {
        Self {
            match_id,
            party,
            rating,
            outcome,
            reported_by,
            created_at: chrono::Utc::now(),
        }
    }
}

/// Stores a side's report; a second report from the same side is a conflict, decided by
/// the primary key so that two racing reports cannot both land.
pub fn insert_report(conn: &mut Conn<'_>, report: &OutcomeReport) -> Result<(), StoreError> {
    use crate::db::schema::match_reports;
    let row = (
        match_reports::match_id.eq(report.match_id.to_string()),
        match_reports::party.eq(report.party.as_str()),
        match_reports::rating.eq(report.rating),
        match_reports::outcome.eq(&report.outcome),
        match_reports::reported_by.eq(report.reported_by.to_string()),
        match_reports::created_at.eq(report.created_at.naive_utc()),
    );
    dispatch!(conn, |c| diesel::insert_into(match_reports::table)
        .values(row.clone())
        .execute(c))
    .map_err(|error| match StoreError::from(error) {
        StoreError::Conflict(_) => {
            StoreError::Conflict("your side has already reported on this match".into())
        }
        other => other,
    })?;
    Ok(())
}

/// The reports on a match, the requester's first.
pub fn reports(conn: &mut Conn<'_>, match_id: Uuid) -> Result<Vec<OutcomeReport>, StoreError> {
    reports_on(conn, &[match_id])
}

/// The reports on any of `match_ids` (a page of a list), each match's requester's first.
pub fn reports_on(
    conn: &mut Conn<'_>,
    match_ids: &[Uuid],
) -> Result<Vec<OutcomeReport>, StoreError> {
    use crate::db::schema::match_reports;
    type Row = (String, String, i32, String, String, NaiveDateTime);
    if match_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = match_ids.iter().map(Uuid::to_string).collect();
    let rows: Vec<Row> = dispatch!(conn, |c| match_reports::table
        .filter(match_reports::match_id.eq_any(&ids))
        .order((match_reports::match_id, match_reports::party.desc()))
        .select((
            match_reports::match_id,
            match_reports::party,
            match_reports::rating,
            match_reports::outcome,
            match_reports::reported_by,
            match_reports::created_at,
        ))
        .load(c))?;
    rows.into_iter()
        .map(
            |(match_id, party, rating, outcome, reported_by, created_at)| {
                Ok(OutcomeReport {
                    match_id: parse_id(&match_id)?,
                    party: party.parse().map_err(|_| corrupt("report party", &party))?,
                    rating,
                    outcome,
                    reported_by: parse_id(&reported_by)?,
                    created_at: created_at.and_utc(),
                })
            },
        )
        .collect()
}

/// The organisations of each match's need and offer, for `match_ids` (a page of a list):
/// whose side a viewer is on, in one read.
pub fn sides_of(
    conn: &mut Conn<'_>,
    match_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, (Uuid, Uuid)>, StoreError> {
    use crate::db::schema::{needs, offers};
    if match_ids.is_empty() {
        return Ok(Default::default());
    }
    let ids: Vec<String> = match_ids.iter().map(Uuid::to_string).collect();
    let rows: Vec<(String, String, String)> = dispatch!(conn, |c| matches::table
        .inner_join(needs::table)
        .inner_join(offers::table)
        .filter(matches::id.eq_any(&ids))
        .select((matches::id, needs::organisation_id, offers::organisation_id))
        .load(c))?;
    rows.into_iter()
        .map(|(id, need_organisation, offer_organisation)| {
            Ok((
                parse_id(&id)?,
                (
                    parse_id(&need_organisation)?,
                    parse_id(&offer_organisation)?,
                ),
            ))
        })
        .collect()
}

/// The average rating one side gave in its outcome reports, if it gave any.
pub fn average_rating_of(conn: &mut Conn<'_>, party: Party) -> Result<Option<f64>, StoreError> {
    use crate::db::schema::match_reports;
    let ratings: Vec<i32> = dispatch!(conn, |c| match_reports::table
        .filter(match_reports::party.eq(party.as_str()))
        .select(match_reports::rating)
        .load(c))?;
    Ok((!ratings.is_empty())
        .then(|| ratings.iter().map(|r| f64::from(*r)).sum::<f64>() / ratings.len() as f64))
}
