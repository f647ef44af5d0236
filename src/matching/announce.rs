//! Telling owners about new candidates, once per pair: when a need or an offer is published
//! or changed (incrementally), and for everything on a coordinator's full run. Each email
//! lists only the candidates its recipients may read.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::accounts::credentials;
use crate::catalogue::item::CatalogueItem;
use crate::catalogue::model::{Need, Offer};
use crate::db::schema::candidate_notices;
use crate::db::{self, Conn, StoreError};
use crate::dispatch;
use crate::matching::notices::reader_for;
use crate::matching::open_offers::OpenOffers;
use crate::matching::score::words_of_need;
use crate::matching::score::ANNOUNCE_THRESHOLD;
use crate::matching::service::{held_offers_meeting, open_catalogue, open_needs_met_by, Scoring};
use crate::matching::store::{self, HeldItem};
use crate::notify::{EventKind, Notifier, Recipient};
use crate::visibility::Reader;

/// Pairs scoring at least this are worth an owner's attention (the scorer's own threshold,
/// calibrated on the judged set: docs/RANKING.md).
pub const NOTIFY_THRESHOLD: f64 = ANNOUNCE_THRESHOLD;

/// Records the pair as announced; false when it already was.
fn first_time(
    conn: &mut Conn<'_>,
    need: &Need,
    offer: &Offer,
    score: f64,
) -> Result<bool, StoreError> {
    let row = (
        candidate_notices::need_id.eq(need.id.to_string()),
        candidate_notices::offer_id.eq(offer.id.to_string()),
        candidate_notices::score.eq(score),
        candidate_notices::created_at.eq(db::now()),
    );
    let inserted = dispatch!(conn, |c| diesel::insert_into(candidate_notices::table)
        .values(row.clone())
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// An item and its newly found candidates with their scores.
type NewFor<'a, Item, Candidate> = (&'a Item, Vec<(&'a Candidate, f64)>);

/// Announces the new pairs among `pairs` (need, offer, score): one email to each need's
/// organisation listing its new candidate offers, one to each offer's listing its new
/// candidate needs, each limited to what the recipients may read. Returns how many pairs
/// were new.
fn announce(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    pairs: Vec<(&Need, &Offer, f64)>,
) -> Result<usize, StoreError> {
    let mut for_needs: BTreeMap<Uuid, NewFor<'_, Need, Offer>> = BTreeMap::new();
    let mut for_offers: BTreeMap<Uuid, NewFor<'_, Offer, Need>> = BTreeMap::new();
    let mut new_pairs = 0;
    for (need, offer, score) in pairs {
        if score < NOTIFY_THRESHOLD || !first_time(conn, need, offer, score)? {
            continue;
        }
        new_pairs += 1;
        for_needs
            .entry(need.id)
            .or_insert((need, Vec::new()))
            .1
            .push((offer, score));
        for_offers
            .entry(offer.id)
            .or_insert((offer, Vec::new()))
            .1
            .push((need, score));
    }
    let mut readers: HashMap<Uuid, Reader> = HashMap::new();
    for (need, candidates) in for_needs.into_values() {
        tell_owner(conn, notifier, &mut readers, need, candidates)?;
    }
    for (offer, candidates) in for_offers.into_values() {
        tell_owner(conn, notifier, &mut readers, offer, candidates)?;
    }
    Ok(new_pairs)
}

/// How an organisation's admins read, looked up once per announcement.
fn cached_reader(
    conn: &mut Conn<'_>,
    readers: &mut HashMap<Uuid, Reader>,
    organisation_id: Uuid,
) -> Result<Reader, StoreError> {
    if let Some(reader) = readers.get(&organisation_id) {
        return Ok(*reader);
    }
    let reader = reader_for(conn, organisation_id)?;
    readers.insert(organisation_id, reader);
    Ok(reader)
}

/// Tells the admins of `item`'s organisation of its new candidates, those they may read
/// only: a candidate hidden from them is nobody's business there, title included. No email
/// when none is left.
fn tell_owner<I: CatalogueItem, C: CatalogueItem>(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    readers: &mut HashMap<Uuid, Reader>,
    item: &I,
    candidates: Vec<(&C, f64)>,
) -> Result<(), StoreError> {
    let reader = cached_reader(conn, readers, item.organisation_id())?;
    crate::webhooks::events::candidates_found(conn, item, &candidates)?;
    let visible: Vec<_> = candidates
        .into_iter()
        .filter(|(candidate, _)| candidate.readable_by(&reader))
        .map(|(candidate, score)| {
            json!({
                "title": C::title(candidate.fields()),
                "score": format!("{score:.2}"),
                "link": notifier.link(&format!("{}/{}", C::COLLECTION, candidate.id()), None),
            })
        })
        .collect();
    if visible.is_empty() {
        return Ok(());
    }
    let admins: Vec<Recipient> = credentials::org_admins(conn, item.organisation_id())?
        .iter()
        .map(Recipient::from)
        .collect();
    let candidates_path = format!("{}/{}/candidates", I::COLLECTION, item.id());
    notifier.notify(
        conn,
        EventKind::NewCandidates,
        &admins,
        json!({
            "item_title": I::title(item.fields()),
            "candidate_kind": C::COLLECTION,
            "candidates": visible,
            "link": notifier.link(&candidates_path, None),
        }),
    )
}

/// After an offer is published or changed: its new candidate needs.
pub fn for_offer(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    scoring: Scoring<'_>,
    offer: &Offer,
) -> Result<usize, StoreError> {
    let candidates = open_needs_met_by(conn, offer, scoring)?;
    let pairs = candidates
        .iter()
        .map(|(need, evaluation)| (need, offer, evaluation.score(scoring.weights)))
        .collect();
    announce(conn, notifier, pairs)
}

/// What a full run found.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub open_needs: usize,
    pub open_offers: usize,
    /// Pairs scoring at least the notification threshold.
    pub pairs_above_threshold: usize,
    /// Of those, pairs announced for the first time by this run.
    pub new_pairs_announced: usize,
}

/// Recomputes every candidate pair of the open catalogue and announces the new ones.
pub fn run(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    scoring: Scoring<'_>,
) -> Result<RunSummary, StoreError> {
    let (open_needs, open_offers) = open_catalogue(conn)?;
    let matcher = scoring.matcher(&open_needs, &open_offers);
    let pairs: Vec<(&Need, &Offer, f64)> = matcher
        .all_pairs(NOTIFY_THRESHOLD)
        .into_iter()
        .map(|pair| (&open_needs[pair.need], &open_offers[pair.offer], pair.score))
        .collect();
    let pairs_above_threshold = pairs.len();
    let new_pairs_announced = announce(conn, notifier, pairs)?;
    Ok(RunSummary {
        open_needs: open_needs.len(),
        open_offers: open_offers.len(),
        pairs_above_threshold,
        new_pairs_announced,
    })
}

/// What the catalogue's write paths need to announce candidates after a change.
#[derive(Clone)]
pub struct Announcer {
    pub notifier: std::sync::Arc<Notifier>,
    pub taxonomy: std::sync::Arc<crate::catalogue::themes::Taxonomy>,
    pub weights: crate::matching::score::Weights,
    /// The held open offers that a need's candidates are scored from.
    pub open_offers: std::sync::Arc<OpenOffers>,
}

impl Announcer {
    fn scoring(&self) -> Scoring<'_> {
        Scoring {
            taxonomy: &self.taxonomy,
            weights: &self.weights,
            today: chrono::Utc::now().date_naive(),
        }
    }

    /// New candidates of a need that is open after the change; nothing otherwise.
    ///
    /// Scored from the held open offers, as the need's candidate list is, not from rows
    /// read in the transaction: a publish holds SQLite's write lock while it announces, and
    /// reading and stemming every related offer there held it for the whole read
    /// (docs/PERFORMANCE.md, "Writes"). The transaction changes the need,
    /// never an offer, so the held offers, caught up on its connection to every committed
    /// change, are the offers it sees.
    pub fn need(&self, conn: &mut Conn<'_>, need: &Need) -> Result<usize, StoreError> {
        if need.status != crate::catalogue::model::NeedStatus::Open {
            return Ok(0);
        }
        let scoring = self.scoring();
        let need_words = words_of_need(need);
        // Only the pairs worth an email are cloned out of the held set, and its lock is
        // let go before the notices are written.
        let worth: Vec<(Offer, f64)> = held_offers_meeting(
            conn,
            &self.open_offers,
            need,
            &need_words,
            scoring,
            |_| true,
            |met| {
                met.into_iter()
                    .map(|(held, evaluation)| (held, evaluation.score(scoring.weights)))
                    .filter(|(_, score)| *score >= NOTIFY_THRESHOLD)
                    .map(|(held, score)| (held.offer.clone(), score))
                    .collect()
            },
        )?;
        let pairs = worth
            .iter()
            .map(|(offer, score)| (need, offer, *score))
            .collect();
        announce(conn, &self.notifier, pairs)
    }

    /// New candidates of an offer that is open after the change; nothing otherwise.
    pub fn offer(&self, conn: &mut Conn<'_>, offer: &Offer) -> Result<usize, StoreError> {
        if offer.status != crate::catalogue::model::OfferStatus::Open {
            return Ok(0);
        }
        for_offer(conn, &self.notifier, self.scoring(), offer)
    }
}

impl crate::catalogue::service::ItemChanged<Need> for Announcer {
    fn changed(&self, conn: &mut Conn<'_>, need: &Need) -> Result<(), StoreError> {
        self.need(conn, need).map(drop)
    }
    fn open_matches(&self, conn: &mut Conn<'_>, need: &Need) -> Result<Vec<Uuid>, StoreError> {
        store::in_progress_for(conn, HeldItem::Need(need.id))
    }
}

impl crate::catalogue::service::ItemChanged<Offer> for Announcer {
    fn changed(&self, conn: &mut Conn<'_>, offer: &Offer) -> Result<(), StoreError> {
        self.offer(conn, offer).map(drop)
    }
    fn open_matches(&self, conn: &mut Conn<'_>, offer: &Offer) -> Result<Vec<Uuid>, StoreError> {
        store::in_progress_for(conn, HeldItem::Offer(offer.id))
    }
}
