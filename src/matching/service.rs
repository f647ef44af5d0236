//! The matching use cases: candidates for a need or an offer (as the reader may see them),
//! proposing a match, and moving it through its lifecycle with the capacity and coverage it
//! holds. Each runs inside the caller's transaction, audit line included.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::audit::store as audit;
use crate::audit::{Actor, AuditEntry};
use crate::catalogue::item::CatalogueItem;
use crate::catalogue::lifecycle::next_offer_status;
use crate::catalogue::lifecycle::{next_need_status, Action};
use crate::catalogue::model::{Need, NeedStatus, Offer, OfferStatus, Urgency};
use crate::catalogue::service::{read_need, read_offer, require_verified_email, CatalogueError};
use crate::catalogue::store::{needs, offers};
use crate::catalogue::themes::Taxonomy;
use crate::db::{Conn, StoreError};
use crate::error::FieldError;
use crate::matching::index::{related_theme_codes, Matcher};
use crate::matching::notices;
use crate::matching::open_offers::{HeldOffer, OpenOffers};
use crate::matching::score::{
    filter, score, weigh, words_of_need, words_of_offer, Evaluation, Exclusion, Score, Weights,
};
use crate::matching::store::{self, Match, MatchChange, MatchFilter, NewMatch, OutcomeReport};
use crate::matching::text::Reading;
use crate::matching::view;
use crate::matching::workflow::{next, MatchAction, MatchRefusal, MatchStatus, Party};
use crate::notify::Notifier;
use crate::visibility::Reader;
use crate::webhooks::events as webhooks;
use crate::webhooks::model::{EventType, ItemEvent};

#[derive(Debug, thiserror::Error)]
pub enum MatchingError {
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error("no match with that id")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Refused(#[from] MatchRefusal),
    #[error("the offer cannot meet the need: {}", describe(.0))]
    Unmatchable(Exclusion),
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// A guarded write found the need (or the match) changed by another request (a close,
    /// another match's step) since this one read it; nothing was written.
    #[error(
        "the {0} was changed by another request at the same time; read the match again and retry"
    )]
    ChangedMeanwhile(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The need's guarded write lost a race: a 409 of its own, never a silent overwrite.
fn need_write(error: StoreError) -> MatchingError {
    match error {
        StoreError::Stale => MatchingError::ChangedMeanwhile("need"),
        other => other.into(),
    }
}

impl From<diesel::result::Error> for MatchingError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
}

fn describe(exclusion: &Exclusion) -> &'static str {
    match exclusion {
        Exclusion::NotOpen => "both must be open",
        Exclusion::NoSharedTheme => "they share no theme",
        Exclusion::OutsideCoverage => "the offer does not serve the need's country",
        Exclusion::NoSharedLanguage => "they share no language",
        Exclusion::NoSharedDeliveryMode => "they share no delivery mode",
        Exclusion::WindowsDoNotOverlap => {
            "their time windows do not overlap by a usable month (or the whole of a shorter need)"
        }
        Exclusion::NoCapacityLeft => "the offer has no capacity left",
        Exclusion::RequesterKindNotEligible => {
            "the offer is only for other kinds of organisation than the need's"
        }
        Exclusion::SectorNotEligible => {
            "the offer is only for the other sector (public or private) than the need's organisation"
        }
        Exclusion::IncidentRequired => {
            "the offer is only for organisations after an incident, and the need does not say it follows one"
        }
        Exclusion::CostsNotEligible => "the grant pays for none of the costs the need asks money for",
    }
}

/// What scoring needs besides the pair.
#[derive(Clone, Copy)]
pub struct Scoring<'a> {
    pub taxonomy: &'a Taxonomy,
    pub weights: &'a Weights,
    pub today: NaiveDate,
}

impl<'a> Scoring<'a> {
    /// A matcher over `needs` and `offers` that scores with this.
    pub(crate) fn matcher<'m>(self, needs: &'m [Need], offers: &'m [Offer]) -> Matcher<'m>
    where
        'a: 'm,
    {
        Matcher::new(needs, offers, self.taxonomy, *self.weights, self.today)
    }
}

/// Every open need and every open offer: what a full run (allocation, announcements) scores.
pub(crate) fn open_catalogue(conn: &mut Conn<'_>) -> Result<(Vec<Need>, Vec<Offer>), StoreError> {
    Ok((
        needs::with_statuses(conn, &[NeedStatus::Open])?,
        offers::all_open(conn)?,
    ))
}

fn actor(reader: &Reader) -> Result<(Actor, Uuid), MatchingError> {
    Actor::of(&reader.viewer).ok_or_else(|| CatalogueError::SignedOut.into())
}

/// The held open offers that pass a need's hard filters and that `keep` admits, with their
/// factor values, given to `read`: the candidate lists and the announcements score the same
/// offers the same way. `open` is brought up to every committed change first, on `conn`.
/// The offers are lent, not cloned (`OpenOffers::with_related`).
pub(crate) fn held_offers_meeting<R>(
    conn: &mut Conn<'_>,
    open: &OpenOffers,
    need: &Need,
    need_words: &Reading,
    scoring: Scoring<'_>,
    keep: impl Fn(&Offer) -> bool,
    read: impl FnOnce(Vec<(&HeldOffer, Evaluation)>) -> R,
) -> Result<R, StoreError> {
    open.catch_up(conn)?;
    // `with_related` widens the need's own themes to their parents and children; widening
    // them first as well would list the siblings' offers, which `filter` then refuses. It
    // lists only offers in one of the need's languages, which `filter` asks for too.
    let (themes, languages) = (&need.fields.themes, &need.fields.languages);
    Ok(
        open.with_related(themes, languages, scoring.taxonomy, |related| {
            let met = related
                .into_iter()
                .filter(|held| keep(&held.offer))
                .filter_map(|held| {
                    let passed = filter(need, &held.offer, scoring.taxonomy, scoring.today).ok()?;
                    let evaluation = weigh(
                        passed,
                        need,
                        need_words,
                        &held.offer,
                        &held.words,
                        scoring.taxonomy,
                    );
                    Some((held, evaluation))
                })
                .collect();
            read(met)
        }),
    )
}

/// The open needs an offer passes the hard filters for, with their factor values.
pub(crate) fn open_needs_met_by(
    conn: &mut Conn<'_>,
    offer: &Offer,
    scoring: Scoring<'_>,
) -> Result<Vec<(Need, Evaluation)>, StoreError> {
    let themes = related_theme_codes(&offer.fields.themes, scoring.taxonomy);
    let offer_words = words_of_offer(offer);
    Ok(needs::open_with_themes(conn, &themes)?
        .into_iter()
        .filter_map(|need| {
            let passed = filter(&need, offer, scoring.taxonomy, scoring.today).ok()?;
            let words = words_of_need(&need);
            let evaluation = weigh(passed, &need, &words, offer, &offer_words, scoring.taxonomy);
            Some((need, evaluation))
        })
        .collect())
}

/// The part of a ranked candidate list a caller shows: its first place and how many. Every
/// candidate is scored and counted, but only these are explained: an explanation (a sentence
/// per factor, the shared words named) costs more than the score, and a broad theme has
/// hundreds of candidates for a page of twenty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub len: usize,
}

/// One window of a ranked candidate list, and how many candidates the whole list has.
#[derive(Debug, Clone)]
pub struct RankedPage<T> {
    pub shown: Vec<(T, Score)>,
    pub total: usize,
}

impl<T> RankedPage<T> {
    /// Where the next window starts, when there is more after this one.
    pub fn next_start(&self, window: Window) -> Option<usize> {
        let end = window.start + self.shown.len();
        (end < self.total).then_some(end)
    }
}

/// Best first: by score, then by the tie-break that means something (`Evaluation::tie_break`),
/// then by id only to make the order total. Each candidate's key is worked out once, not on
/// every comparison; only the window's candidates are explained, by `explain`.
pub(crate) fn best_first<T>(
    ranked: Vec<(T, Evaluation)>,
    weights: &Weights,
    id: impl Fn(&T) -> Uuid,
    window: Window,
    explain: impl Fn(&T, &Evaluation) -> Score,
) -> RankedPage<T> {
    let total = ranked.len();
    let mut keyed: Vec<_> = ranked
        .into_iter()
        .map(|(item, evaluation)| {
            let key = (evaluation.score(weights), evaluation.tie_break(), id(&item));
            (key, item, evaluation)
        })
        .collect();
    keyed.sort_by(|(a, ..), (b, ..)| {
        b.0.total_cmp(&a.0)
            .then_with(|| {
                b.1.iter()
                    .zip(&a.1)
                    .map(|(x, y)| x.total_cmp(y))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .then(a.2.cmp(&b.2))
    });
    let shown = keyed
        .into_iter()
        .skip(window.start)
        .take(window.len)
        .map(|(_, item, evaluation)| {
            let score = explain(&item, &evaluation);
            (item, score)
        })
        .collect();
    RankedPage { shown, total }
}

/// The offers that can meet a need, best first, among those the reader may see. For the
/// need's organisation and coordinators. Read from `open`, brought up to date first.
pub fn candidates_for_need(
    conn: &mut Conn<'_>,
    reader: &Reader,
    scoring: Scoring<'_>,
    open: &OpenOffers,
    need_id: Uuid,
    window: Window,
) -> Result<RankedPage<Offer>, MatchingError> {
    let need = read_need(conn, reader, need_id)?;
    if !reader.may_manage(need.organisation_id) {
        return Err(MatchingError::Forbidden(
            "only the need's organisation or a coordinator sees its candidates",
        ));
    }
    let need_words = words_of_need(&need);
    let readable = |offer: &Offer| offer.readable_by(reader);
    let page = held_offers_meeting(conn, open, &need, &need_words, scoring, readable, |met| {
        let page = best_first(
            met,
            scoring.weights,
            |held: &&HeldOffer| held.offer.id,
            window,
            |held, evaluation| {
                evaluation.explain_read(
                    &need,
                    &need_words,
                    &held.offer,
                    &held.words,
                    scoring.weights,
                )
            },
        );
        RankedPage {
            shown: page
                .shown
                .into_iter()
                .map(|(held, score)| (held.offer.clone(), score))
                .collect(),
            total: page.total,
        }
    });
    Ok(page?)
}

/// The needs an offer can meet, best first, among those the reader may see: a hidden need
/// is never anyone's candidate.
pub fn candidates_for_offer(
    conn: &mut Conn<'_>,
    reader: &Reader,
    scoring: Scoring<'_>,
    offer_id: Uuid,
    window: Window,
) -> Result<RankedPage<Need>, MatchingError> {
    let offer = read_offer(conn, reader, offer_id)?;
    if !reader.may_manage(offer.organisation_id) {
        return Err(MatchingError::Forbidden(
            "only the offer's organisation or a coordinator sees its candidates",
        ));
    }
    let ranked = open_needs_met_by(conn, &offer, scoring)?
        .into_iter()
        .filter(|(need, _)| need.readable_by(reader))
        .collect();
    Ok(best_first(
        ranked,
        scoring.weights,
        |need: &Need| need.id,
        window,
        |need, evaluation| evaluation.explain(need, &offer, scoring.weights),
    ))
}

/// The side a reader acts for in a match between `need` and `offer`, if any.
fn party_of(reader: &Reader, need: &Need, offer: &Offer) -> Option<Party> {
    party_of_organisations(reader, need.organisation_id, offer.organisation_id)
}

/// The side a reader acts for in a match whose need and offer belong to these organisations.
fn party_of_organisations(
    reader: &Reader,
    need_organisation: Uuid,
    offer_organisation: Uuid,
) -> Option<Party> {
    if reader.is_coordinator() {
        Some(Party::Coordinator)
    } else if reader.organisation_id() == Some(need_organisation) {
        Some(Party::Requester)
    } else if reader.organisation_id() == Some(offer_organisation) {
        Some(Party::Provider)
    } else {
        None
    }
}

/// A match as the reader may read it (`view::match_for`), if they take part in it.
pub fn view_match(conn: &mut Conn<'_>, reader: &Reader, id: Uuid) -> Result<Match, MatchingError> {
    let (found, _, _, party) = read_match(conn, reader, id)?;
    let reports = store::reports(conn, id)?;
    Ok(view::match_for(found, party, &reports))
}

/// One page of the matches the reader takes part in (coordinators: all), newest first, each
/// as the reader may read it.
pub fn list_matches(
    conn: &mut Conn<'_>,
    reader: &Reader,
    filter: &MatchFilter,
    after: Option<&crate::db::TimeKey>,
    limit: usize,
) -> Result<(Vec<Match>, Option<crate::db::TimeKey>), MatchingError> {
    let (found, next) = store::list(conn, filter, after, limit)?;
    Ok((as_read_by(conn, reader, found)?, next))
}

/// The sync list of the matches the reader takes part in: every change after `after`, in
/// commit order (docs/API.md, "Incremental sync"), each as the reader may read it.
pub fn sync_matches(
    conn: &mut Conn<'_>,
    reader: &Reader,
    filter: &MatchFilter,
    after: Option<crate::db::ChangePosition>,
    limit: usize,
) -> Result<(Vec<Match>, crate::db::ChangePosition), MatchingError> {
    let (found, next) = store::sync(conn, filter, after, limit)?;
    Ok((as_read_by(conn, reader, found)?, next))
}

/// Each match as the reader may read it, leaving out any it takes no part in.
fn as_read_by(
    conn: &mut Conn<'_>,
    reader: &Reader,
    found: Vec<Match>,
) -> Result<Vec<Match>, MatchingError> {
    let ids: Vec<Uuid> = found.iter().map(|m| m.id).collect();
    let sides = store::sides_of(conn, &ids)?;
    let reports = store::reports_on(conn, &ids)?;
    Ok(found
        .into_iter()
        .filter_map(|found| {
            let (need_organisation, offer_organisation) = sides.get(&found.id).copied()?;
            let party = party_of_organisations(reader, need_organisation, offer_organisation)?;
            Some(view::match_for(found, party, &reports))
        })
        .collect())
}

pub fn propose(
    conn: &mut Conn<'_>,
    reader: &Reader,
    scoring: Scoring<'_>,
    notifier: &Notifier,
    need_id: Uuid,
    offer_id: Uuid,
    note: Option<String>,
) -> Result<Match, MatchingError> {
    let (actor, user_id) = actor(reader)?;
    if let Some(error) = note
        .as_deref()
        .and_then(|note| crate::text::check("note", note).err())
    {
        return Err(MatchingError::Invalid(vec![error]));
    }
    let need = read_need(conn, reader, need_id)?;
    let offer = read_offer(conn, reader, offer_id)?;
    let party = party_of(reader, &need, &offer).ok_or(MatchingError::Forbidden(
        "only the need's or the offer's organisation, or a coordinator, proposes a match",
    ))?;
    require_verified_email(conn, user_id)?;
    let scored = score(
        &need,
        &offer,
        scoring.taxonomy,
        scoring.weights,
        scoring.today,
    )
    .map_err(MatchingError::Unmatchable)?;
    let created = store::insert(
        conn,
        NewMatch {
            need_id,
            offer_id,
            score: scored,
            proposed_by: party,
            proposed_by_user: Some(user_id),
            note,
        },
    )?;
    audit::record(
        conn,
        AuditEntry::creation(
            "match",
            created.id,
            actor,
            serde_json::to_value(&created).unwrap_or_default(),
        ),
    )?;
    notices::proposed(conn, notifier, &created, &need, &offer)?;
    webhooks::match_event(
        conn,
        EventType::MatchProposed,
        &created,
        need.organisation_id,
        offer.organisation_id,
    )?;
    Ok(created)
}

/// A match and its items, if the reader takes part in it (or coordinates); otherwise it does
/// not exist for them.
pub fn read_match(
    conn: &mut Conn<'_>,
    reader: &Reader,
    id: Uuid,
) -> Result<(Match, Need, Offer, Party), MatchingError> {
    let found = store::find(conn, id)?.ok_or(MatchingError::NotFound)?;
    let need = needs::find(conn, found.need_id)?.ok_or(StoreError::NotFound("need"))?;
    let offer = offers::find(conn, found.offer_id)?.ok_or(StoreError::NotFound("offer"))?;
    let party = party_of(reader, &need, &offer).ok_or(MatchingError::NotFound)?;
    Ok((found, need, offer, party))
}

/// `read_match` for a step that writes: its need and offer are held until the transaction
/// ends (`find_locked`, need first, then offer, always in that order), then the match is
/// read again, so that every step, and every close of the need or the offer, sees what the
/// one before it wrote.
fn read_match_to_change(
    conn: &mut Conn<'_>,
    reader: &Reader,
    id: Uuid,
) -> Result<(Match, Need, Offer, Party), MatchingError> {
    let found = store::find(conn, id)?.ok_or(MatchingError::NotFound)?;
    let need = needs::find_locked(conn, found.need_id)?.ok_or(StoreError::NotFound("need"))?;
    let offer = offers::find_locked(conn, found.offer_id)?.ok_or(StoreError::NotFound("offer"))?;
    let party = party_of(reader, &need, &offer).ok_or(MatchingError::NotFound)?;
    let found = store::find(conn, id)?.ok_or(MatchingError::NotFound)?;
    Ok((found, need, offer, party))
}

/// What a party may send with an action.
#[derive(Debug, Default, Clone)]
pub struct ActionInput {
    pub reason: Option<String>,
    pub delivered_quantity: Option<i32>,
    pub outcome: Option<String>,
    pub rating: Option<i32>,
}

/// The longest reason or note an action carries.
pub const MAX_REASON_CHARS: usize = 2000;

/// A reason is required to reject or cancel (the other parties are owed one), optional
/// otherwise; either way it is text of at most `MAX_REASON_CHARS`.
fn check_reason(action: MatchAction, reason: Option<&str>) -> Option<FieldError> {
    let required = matches!(action, MatchAction::Reject | MatchAction::Cancel);
    match reason {
        None if required => Some(FieldError::new("reason", "required", "say why")),
        None => None,
        Some(reason) => crate::text::check("reason", reason).err().or_else(|| {
            let chars = reason.trim().chars().count();
            if required && chars == 0 {
                Some(FieldError::new("reason", "required", "say why"))
            } else if chars > MAX_REASON_CHARS {
                Some(FieldError::new(
                    "reason",
                    "length",
                    format!("must be at most {MAX_REASON_CHARS} characters"),
                ))
            } else {
                None
            }
        }),
    }
}

/// A side's rating and words on a completed match, checked.
fn check_report(
    rating: Option<i32>,
    outcome: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> (i32, String) {
    let rating = rating.unwrap_or(0);
    if !(1..=5).contains(&rating) {
        errors.push(FieldError::new(
            "rating",
            "range",
            "must be between 1 and 5",
        ));
    }
    if let Some(error) = outcome.and_then(|outcome| crate::text::check("outcome", outcome).err()) {
        errors.push(error);
    }
    let outcome = outcome.map(str::trim).unwrap_or_default();
    if outcome.is_empty() || outcome.chars().count() > 5000 {
        errors.push(FieldError::new(
            "outcome",
            "length",
            "must say what changed, in 1 to 5000 characters",
        ));
    }
    (rating, outcome.to_owned())
}

/// What a completion reports: the quantity delivered, the rating and the words.
fn check_outcome(input: &ActionInput, reserved: i32) -> Result<(i32, i32, String), MatchingError> {
    let mut errors = Vec::new();
    let delivered = input.delivered_quantity.unwrap_or(-1);
    if !(0..=reserved).contains(&delivered) {
        errors.push(FieldError::new(
            "delivered_quantity",
            "range",
            format!("must be between 0 and the {reserved} reserved"),
        ));
    }
    let (rating, outcome) = check_report(input.rating, input.outcome.as_deref(), &mut errors);
    if errors.is_empty() {
        Ok((delivered, rating, outcome))
    } else {
        Err(MatchingError::Invalid(errors))
    }
}

pub fn act(
    conn: &mut Conn<'_>,
    reader: &Reader,
    notifier: &Notifier,
    id: Uuid,
    action: MatchAction,
    input: ActionInput,
) -> Result<Match, MatchingError> {
    let (actor, user_id) = actor(reader)?;
    // The reason is checked before anything is read (the outcome with the report's checks).
    if let Some(error) = check_reason(action, input.reason.as_deref()) {
        return Err(MatchingError::Invalid(vec![error]));
    }
    let (current, need, offer, party) = read_match_to_change(conn, reader, id)?;
    let after = next(current.state(), action, party)?;
    // A match goes forward only while both items can still take it: approving or accepting
    // one whose need was closed, or whose offer ended, would start work nothing can finish.
    if matches!(action, MatchAction::Approve | MatchAction::Accept) {
        next_need_status(need.status, Action::Engage).map_err(CatalogueError::from)?;
        if offer.status == OfferStatus::Exhausted {
            return Err(StoreError::Conflict(
                "the offer has no capacity left for this match".into(),
            )
            .into());
        }
        next_offer_status(offer.status, Action::Engage).map_err(CatalogueError::from)?;
    }
    let mut change = MatchChange {
        reason: input.reason.clone().filter(|r| !r.trim().is_empty()),
        ..MatchChange::default()
    };
    if matches!(action, MatchAction::Approve | MatchAction::Reject) {
        change.decided_by = Some(user_id);
    }
    if after.status == MatchStatus::Active && current.status != MatchStatus::Active {
        // The work starts: hold the offer's capacity (one winner when seats run out) and
        // mark the need as matched.
        let wanted = need.fields.quantity - need.quantity_covered;
        let reserved = wanted.min(offer.capacity_left);
        if reserved <= 0 {
            return Err(MatchingError::Unmatchable(Exclusion::NoCapacityLeft));
        }
        offers::reserve(conn, offer.id, reserved)?;
        let engaged =
            next_need_status(need.status, Action::Engage).map_err(CatalogueError::from)?;
        needs::record_delivery(conn, &need, 0, engaged).map_err(need_write)?;
        change.reserved_quantity = Some(reserved);
    }
    if action == MatchAction::Cancel && current.status == MatchStatus::Active {
        offers::release(conn, offer.id, current.reserved_quantity)?;
        // Without another active match the need is open again, and a candidate again.
        if need.status == NeedStatus::Matched && !store::other_active_for_need(conn, need.id, id)? {
            let reopened =
                next_need_status(need.status, Action::Release).map_err(CatalogueError::from)?;
            needs::record_delivery(conn, &need, 0, reopened).map_err(need_write)?;
        }
    }
    if action == MatchAction::Complete {
        let (delivered, rating, outcome) = check_outcome(&input, current.reserved_quantity)?;
        let covered = need.quantity_covered + delivered;
        let status = if covered >= need.fields.quantity {
            next_need_status(need.status, Action::Fulfil).map_err(CatalogueError::from)?
        } else {
            need.status
        };
        needs::record_delivery(conn, &need, delivered, status).map_err(need_write)?;
        // Capacity held but not used goes back to the offer.
        if delivered < current.reserved_quantity {
            offers::release(conn, offer.id, current.reserved_quantity - delivered)?;
        }
        change.delivered_quantity = Some(delivered);
        change.outcome = Some(outcome.clone());
        change.rating = Some(rating);
        // The completing side's report is its first; the other side is asked for its own.
        if matches!(party, Party::Requester | Party::Provider) {
            store::insert_report(
                conn,
                &OutcomeReport::now(id, party, rating, outcome, user_id),
            )?;
        }
    }
    // The match was read under its items' locks; a step that still finds it moved on lost
    // a race it could not see, and says so.
    let updated = store::update(conn, &current, after, change).map_err(|error| match error {
        StoreError::Stale => MatchingError::ChangedMeanwhile("match"),
        other => other.into(),
    })?;
    let as_json = |m: &Match| serde_json::to_value(m).unwrap_or_default();
    audit::record(
        conn,
        AuditEntry::change(
            "match",
            id,
            action.as_str(),
            actor,
            &as_json(&current),
            &as_json(&updated),
        ),
    )?;
    tell_partner_systems(conn, action, &updated, &need, &offer)?;
    // An acceptance that does not start the work changes nothing the other side must hear.
    if updated.status != current.status {
        let need = needs::find(conn, need.id)?.ok_or(StoreError::NotFound("need"))?;
        notices::updated(conn, notifier, &updated, &need, &offer)?;
        if updated.status == MatchStatus::Completed {
            notices::outcome_requested(conn, notifier, &updated, &need, &offer, party)?;
        }
    }
    // The actor reads the match as they would read it again: their own side's outcome only.
    let reports = store::reports(conn, id)?;
    Ok(view::match_for(updated, party, &reports))
}

/// The webhook events of a match step (an acceptance that starts the work is both
/// `match.accepted` and `match.active`), and of what it did to the need and the offer
/// (matched, fulfilled, capacity held or given back).
fn tell_partner_systems(
    conn: &mut Conn<'_>,
    action: MatchAction,
    updated: &Match,
    need_before: &Need,
    offer_before: &Offer,
) -> Result<(), StoreError> {
    let mut events = vec![match action {
        MatchAction::Approve => EventType::MatchApproved,
        MatchAction::Reject => EventType::MatchRejected,
        MatchAction::Accept => EventType::MatchAccepted,
        MatchAction::Decline => EventType::MatchDeclined,
        MatchAction::Complete => EventType::MatchCompleted,
        MatchAction::Cancel => EventType::MatchCancelled,
    }];
    if action == MatchAction::Accept && updated.status == MatchStatus::Active {
        events.push(EventType::MatchActive);
    }
    let sides = (need_before.organisation_id, offer_before.organisation_id);
    for event in events {
        webhooks::match_event(conn, event, updated, sides.0, sides.1)?;
    }
    let need = needs::find(conn, need_before.id)?.ok_or(StoreError::NotFound("need"))?;
    if (need.version, need.status, need.quantity_covered)
        != (
            need_before.version,
            need_before.status,
            need_before.quantity_covered,
        )
    {
        webhooks::item_event(conn, ItemEvent::Changed, &need)?;
    }
    let offer = offers::find(conn, offer_before.id)?.ok_or(StoreError::NotFound("offer"))?;
    if (offer.version, offer.status, offer.capacity_left)
        != (
            offer_before.version,
            offer_before.status,
            offer_before.capacity_left,
        )
    {
        webhooks::item_event(conn, ItemEvent::Changed, &offer)?;
    }
    Ok(())
}

/// A side's rating and words on a completed match, once per side.
#[derive(Debug, Default, Clone)]
pub struct ReportInput {
    pub rating: Option<i32>,
    pub outcome: Option<String>,
}

/// Records how a completed match went for the reader's side. Coordinators read reports
/// but do not write them; each side reports once (409 after that).
pub fn report_outcome(
    conn: &mut Conn<'_>,
    reader: &Reader,
    id: Uuid,
    input: ReportInput,
) -> Result<OutcomeReport, MatchingError> {
    let (actor, user_id) = actor(reader)?;
    let (found, _, _, party) = read_match(conn, reader, id)?;
    if !matches!(party, Party::Requester | Party::Provider) {
        return Err(MatchingError::Forbidden(
            "only the two sides of a match report on it",
        ));
    }
    if found.status != MatchStatus::Completed {
        return Err(StoreError::Conflict(format!(
            "a match is reported on once it is completed; this one is {}",
            found.status
        ))
        .into());
    }
    let mut errors = Vec::new();
    let (rating, outcome) = check_report(input.rating, input.outcome.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(MatchingError::Invalid(errors));
    }
    let report = OutcomeReport::now(id, party, rating, outcome, user_id);
    store::insert_report(conn, &report)?;
    audit::record(
        conn,
        AuditEntry::creation(
            "match_report",
            id,
            actor,
            serde_json::to_value(&report).unwrap_or_default(),
        ),
    )?;
    Ok(report)
}

/// The reports on a match the reader may read: coordinators read both sides', a side only
/// its own (the other side's words are for the clearing house).
pub fn reports_for(
    conn: &mut Conn<'_>,
    reader: &Reader,
    id: Uuid,
) -> Result<Vec<OutcomeReport>, MatchingError> {
    let (_, _, _, party) = read_match(conn, reader, id)?;
    Ok(store::reports(conn, id)?
        .into_iter()
        .filter(|report| view::reads_report(party, report.party))
        .collect())
}

/// One row of the proposed allocation: units of an offer for a need, and why.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AllocationRow {
    pub need_id: Uuid,
    pub offer_id: Uuid,
    pub quantity: i64,
    pub score: f64,
    pub urgency: Urgency,
    /// Why this row, for the coordinator who turns it into a match (`POST /api/v1/matches`).
    pub reason: String,
}

/// How much of what is wanted the allocation covers, per urgency.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub urgency: Option<Urgency>,
    pub needs: usize,
    pub needs_fully_covered: usize,
    pub units_wanted: i64,
    pub units_allocated: i64,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Allocation {
    pub rows: Vec<AllocationRow>,
    /// All urgencies first, then one line per urgency, most urgent first.
    pub coverage: Vec<Coverage>,
}

/// A proposed assignment of all open offer capacity to all open needs, most urgent first
/// (an exact min-cost flow over the candidate pairs), for coordinators to review.
pub fn allocation(conn: &mut Conn<'_>, scoring: Scoring<'_>) -> Result<Allocation, MatchingError> {
    use crate::matching::allocation::{allocate, Arc, Demand};
    let (open_needs, open_offers) = open_catalogue(conn)?;
    let matcher = scoring.matcher(&open_needs, &open_offers);
    let arcs: Vec<Arc> = matcher
        .all_pairs(0.0)
        .into_iter()
        .map(|pair| Arc {
            need: pair.need,
            offer: pair.offer,
            score: pair.score,
        })
        .collect();
    let demands: Vec<Demand> = open_needs
        .iter()
        .map(|need| Demand {
            remaining: i64::from((need.fields.quantity - need.quantity_covered).max(0)),
            urgency: need.fields.urgency,
        })
        .collect();
    let capacities: Vec<i64> = open_offers
        .iter()
        .map(|offer| i64::from(offer.capacity_left))
        .collect();
    let assignments = allocate(&demands, &capacities, &arcs);

    let mut allocated = vec![0i64; open_needs.len()];
    for assignment in &assignments {
        allocated[assignment.need] += assignment.quantity;
    }
    let mut rows: Vec<AllocationRow> = assignments
        .iter()
        .map(|a| {
            let need = &open_needs[a.need];
            let offer = &open_offers[a.offer];
            AllocationRow {
                need_id: need.id,
                offer_id: offer.id,
                quantity: a.quantity,
                score: a.score,
                urgency: need.fields.urgency,
                reason: format!(
                    "{} of the {} still wanted by a {} need, from an offer with {} left (score {:.2}); the need is {} covered in this plan",
                    a.quantity,
                    demands[a.need].remaining,
                    need.fields.urgency.as_str(),
                    offer.capacity_left,
                    a.score,
                    if allocated[a.need] >= demands[a.need].remaining { "fully" } else { "partly" },
                ),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.urgency.cmp(&a.urgency).then(b.score.total_cmp(&a.score)));

    let mut coverage = vec![Coverage::default()];
    for &urgency in Urgency::ALL.iter().rev() {
        coverage.push(Coverage {
            urgency: Some(urgency),
            ..Coverage::default()
        });
    }
    for (n, need) in open_needs.iter().enumerate() {
        // Line 0 is every need; then critical (line 1) down to low.
        let line = 1 + (Urgency::Critical.rank() - need.fields.urgency.rank()) as usize;
        for index in [0, line] {
            let entry = &mut coverage[index];
            entry.needs += 1;
            entry.units_wanted += demands[n].remaining;
            entry.units_allocated += allocated[n];
            if allocated[n] >= demands[n].remaining {
                entry.needs_fully_covered += 1;
            }
        }
    }
    Ok(Allocation { rows, coverage })
}

/// The evidence policy makers ask for: where needs go unmet, and how matching performs.
pub fn gap_report(
    conn: &mut Conn<'_>,
    today: NaiveDate,
) -> Result<crate::matching::gaps::GapReport, MatchingError> {
    let published: Vec<NeedStatus> = NeedStatus::ALL
        .iter()
        .copied()
        .filter(|s| !crate::catalogue::lifecycle::need_is_private(*s))
        .collect();
    let needs = needs::with_statuses(conn, &published)?;
    let matches = store::all(conn)?;
    let mut report = crate::matching::gaps::report(&needs, &matches, today);
    report.summary.average_requester_rating = store::average_rating_of(conn, Party::Requester)?;
    Ok(report)
}
