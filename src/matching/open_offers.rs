//! The open offers as a need's candidate list reads them, held in memory with the words the
//! scorer reads in each, so that a candidate list costs one indexed read of what changed
//! and the scoring of the related offers, instead of loading and stemming thousands of rows
//! on every request (docs/PERFORMANCE.md, "The candidates endpoint under load").
//!
//! Kept current by the database, not by this process: before every read it applies the
//! offers changed since the last change number it holds (`change_seq`, the numbers of
//! incremental sync, which both engines stamp in commit order). So a write through any
//! instance sharing the database is seen by the next candidate list on every instance, and
//! a write this process made is seen by its own next read. A catch-up reads only committed
//! changes and needs no snapshot, so a need's announcement catches up inside the
//! transaction that publishes or changes the need (which changes no offer). A transaction
//! that has changed offers must not catch up: on SQLite it would read, and hold, its own
//! uncommitted changes.
//!
//! Bounded by the open offers with capacity left: one entry each (the offer and its
//! `Reading`), nothing for closed, withdrawn or full offers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use uuid::Uuid;

use crate::catalogue::model::{Language, Offer, OfferStatus};
use crate::catalogue::store::offers;
use crate::catalogue::themes::Taxonomy;
use crate::db::{self, ChangePosition, Conn, StoreError};
use crate::matching::index::related_themes;
use crate::matching::score::words_of_offer;
use crate::matching::text::Reading;

/// Changes read per query while catching up; a quiet catalogue needs one short page.
const CATCH_UP_PAGE: usize = 500;

/// An open offer with capacity left, and its words as the scorer reads them.
#[derive(Debug)]
pub struct HeldOffer {
    pub offer: Offer,
    pub words: Reading,
}

#[derive(Debug, Default)]
struct Held {
    /// Every change up to here is applied; `None` until the first read loads the offers.
    position: Option<ChangePosition>,
    offers: HashMap<Uuid, Arc<HeldOffer>>,
    /// The held offers of each theme code, and within it of each language the offer is
    /// given in: a need's candidates must share a language with it, and most offers are in
    /// one or two of the languages served, so a candidate list walks only the lists of its
    /// related themes in its own languages, without a lookup by id. A change removes an
    /// offer from its lists, which costs a scan of them: changes are rare beside reads.
    by_theme: HashMap<String, HashMap<Language, Vec<Arc<HeldOffer>>>>,
}

/// Each of `items` once.
fn distinct<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    items
}

impl Held {
    fn remove(&mut self, id: Uuid) {
        let Some(old) = self.offers.remove(&id) else {
            return;
        };
        for theme in &old.offer.fields.themes {
            let Some(by_language) = self.by_theme.get_mut(theme) else {
                continue;
            };
            for language in &old.offer.fields.languages {
                if let Some(held) = by_language.get_mut(language) {
                    held.retain(|offer| !Arc::ptr_eq(offer, &old));
                    if held.is_empty() {
                        by_language.remove(language);
                    }
                }
            }
            if by_language.is_empty() {
                self.by_theme.remove(theme);
            }
        }
    }

    /// Holds the offer as it is now: in the set if it can be a candidate, out of it if not.
    fn apply(&mut self, offer: Offer) {
        self.remove(offer.id);
        if !can_be_candidate(&offer) {
            return;
        }
        let words = words_of_offer(&offer);
        let held = Arc::new(HeldOffer { offer, words });
        // A theme or a language given twice lists the offer once.
        let languages = distinct(&held.offer.fields.languages);
        for theme in distinct(&held.offer.fields.themes) {
            let by_language = self.by_theme.entry(theme).or_default();
            for language in &languages {
                by_language
                    .entry(language.clone())
                    .or_default()
                    .push(held.clone());
            }
        }
        self.offers.insert(held.offer.id, held);
    }
}

/// What `offers::all_open` reads: open, with capacity left.
fn can_be_candidate(offer: &Offer) -> bool {
    offer.status == OfferStatus::Open && offer.capacity_left > 0
}

/// The open offers of one database (one per `AppState`).
#[derive(Debug, Default)]
pub struct OpenOffers {
    held: RwLock<Held>,
    /// One catch-up at a time; the number of the last request it served.
    catching_up: Mutex<u64>,
    /// Numbers the reads that asked for a catch-up, in order of asking.
    asked: AtomicU64,
}

impl OpenOffers {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many offers are held (for the memory figures and tests).
    pub fn len(&self) -> usize {
        self.read().offers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Applies one offer's state as a catch-up does, without a database (property tests).
    #[cfg(test)]
    pub(crate) fn hold(&self, offer: Offer) {
        self.held
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .apply(offer);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Held> {
        self.held.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Brings the held offers up to every change committed before this call. Concurrent
    /// callers share one catch-up: a caller waits for the catch-up in progress and needs no
    /// other if that one started after it asked (it then read every commit the caller could
    /// know of).
    pub fn catch_up(&self, conn: &mut Conn<'_>) -> Result<(), StoreError> {
        let ticket = self.asked.fetch_add(1, Ordering::SeqCst) + 1;
        let mut served = self
            .catching_up
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *served >= ticket {
            return Ok(());
        }
        // Every ticket handed out so far was asked for before the reads below begin.
        let covers = self.asked.load(Ordering::SeqCst);
        let position = self.read().position;
        match position {
            None => self.load(conn)?,
            Some(position) => self.apply_changes_after(conn, position)?,
        }
        *served = covers;
        Ok(())
    }

    /// The first read: every open offer, and a change number they are at least current
    /// to. The number is read first: an offer changed between the two reads is read as it
    /// is now, and its change, numbered after, is applied again on the next catch-up, which
    /// changes nothing. No snapshot is needed, so this may run inside a write transaction.
    fn load(&self, conn: &mut Conn<'_>) -> Result<(), StoreError> {
        let last = offers::last_change(conn)?;
        let open = offers::all_open(conn)?;
        let mut held = Held::default();
        for offer in open {
            held.apply(offer);
        }
        held.position = Some((last, db::MAX_ID));
        *self.held.write().unwrap_or_else(PoisonError::into_inner) = held;
        Ok(())
    }

    /// Applies every offer changed after `position`, a page at a time, each as it is now.
    fn apply_changes_after(
        &self,
        conn: &mut Conn<'_>,
        mut position: ChangePosition,
    ) -> Result<(), StoreError> {
        loop {
            let changes = offers::changed_after(conn, position, CATCH_UP_PAGE)?;
            let full = changes.len() >= CATCH_UP_PAGE;
            if let Some((last, _)) = changes.last() {
                position = *last;
                let mut held = self.held.write().unwrap_or_else(PoisonError::into_inner);
                for (_, offer) in changes {
                    held.apply(offer);
                }
                held.position = Some(position);
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Gives `read` the held offers carrying a theme related to one of `themes` (itself, its
    /// parent or a child) and given in one of `languages`, each once, in no particular
    /// order, and returns what it returns. They are lent, not cloned: a catch-up that would
    /// change them waits until `read` is done (a candidate list's scoring, milliseconds),
    /// and no reference count is touched for the thousands of offers a broad theme relates
    /// to.
    pub fn with_related<R>(
        &self,
        themes: &[String],
        languages: &[Language],
        taxonomy: &Taxonomy,
        read: impl FnOnce(Vec<&HeldOffer>) -> R,
    ) -> R {
        let held = self.read();
        let mut found: Vec<&HeldOffer> = Vec::new();
        for theme in themes {
            for related in related_themes(theme, taxonomy) {
                let Some(by_language) = held.by_theme.get(related) else {
                    continue;
                };
                for language in languages {
                    found.extend(
                        by_language
                            .get(language)
                            .into_iter()
                            .flatten()
                            .map(|o| &**o),
                    );
                }
            }
        }
        // An offer with several related themes or shared languages was listed under each.
        found.sort_unstable_by_key(|offer| *offer as *const HeldOffer);
        found.dedup_by_key(|offer| *offer as *const HeldOffer);
        read(found)
    }
}
