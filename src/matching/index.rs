//! Candidate generation without scanning the catalogue: an index from theme code to the open
//! items that carry it, probed with a theme and its parent and children (the themes that can
//! score). The work per query grows with the candidates found, not with the catalogue.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;

use crate::catalogue::model::{Need, Offer};
use crate::catalogue::themes::Taxonomy;
use crate::matching::score::{
    filter, weigh, words_of_need, words_of_offer, Evaluation, Score, Weights,
};
use crate::matching::text::Reading;

/// The theme codes that can give credit for `code`: itself, its parent, its children.
pub fn related_themes<'a>(code: &'a str, taxonomy: &'a Taxonomy) -> impl Iterator<Item = &'a str> {
    let parent = taxonomy.get(code).and_then(|theme| theme.parent.as_deref());
    std::iter::once(code)
        .chain(parent)
        .chain(taxonomy.children_of(code).iter().map(String::as_str))
}

/// Every code related to any of `themes`, each once: what candidate reads filter by.
pub fn related_theme_codes(themes: &[String], taxonomy: &Taxonomy) -> Vec<String> {
    let mut all: Vec<String> = themes
        .iter()
        .flat_map(|theme| related_themes(theme, taxonomy).map(str::to_owned))
        .collect();
    all.sort();
    all.dedup();
    all
}

/// Positions of items by theme code.
#[derive(Debug, Default)]
pub struct ThemeIndex {
    by_theme: HashMap<String, Vec<u32>>,
}

impl ThemeIndex {
    pub fn build<'a>(themes_of_each: impl IntoIterator<Item = &'a [String]>) -> Self {
        let mut by_theme: HashMap<String, Vec<u32>> = HashMap::new();
        for (position, themes) in themes_of_each.into_iter().enumerate() {
            for theme in themes {
                by_theme
                    .entry(theme.clone())
                    .or_default()
                    .push(position as u32);
            }
        }
        Self { by_theme }
    }

    /// Every position carrying a theme related to one of `themes`, each once.
    pub fn probe(
        &self,
        themes: &[String],
        taxonomy: &Taxonomy,
        seen: &mut Vec<bool>,
    ) -> Vec<usize> {
        let mut found = Vec::new();
        for theme in themes {
            for related in related_themes(theme, taxonomy) {
                for &position in self
                    .by_theme
                    .get(related)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    let position = position as usize;
                    if position >= seen.len() {
                        seen.resize(position + 1, false);
                    }
                    if !seen[position] {
                        seen[position] = true;
                        found.push(position);
                    }
                }
            }
        }
        for &position in &found {
            seen[position] = false;
        }
        found
    }
}

/// A scored pair, by positions in the catalogue given to the matcher.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub need: usize,
    pub offer: usize,
    pub score: f64,
    /// What orders equal scores (`Evaluation::tie_break`).
    pub tie: [f64; 3],
}

/// Best first: by score, then by what the tie-break says, then (only to make the order
/// total) by position.
pub fn best_first(a: &Pair, b: &Pair) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| {
            b.tie
                .iter()
                .zip(&a.tie)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .then(a.offer.cmp(&b.offer))
        .then(a.need.cmp(&b.need))
}

/// Open needs and offers indexed for matching in both directions.
pub struct Matcher<'a> {
    pub needs: &'a [Need],
    pub offers: &'a [Offer],
    need_index: ThemeIndex,
    offer_index: ThemeIndex,
    taxonomy: &'a Taxonomy,
    weights: Weights,
    today: NaiveDate,
    /// What each item's words say, read the first time the item passes a pair's filters: a
    /// full run reads only the items that are someone's candidate.
    need_words: Vec<OnceLock<Reading>>,
    offer_words: Vec<OnceLock<Reading>>,
}

impl<'a> Matcher<'a> {
    pub fn new(
        needs: &'a [Need],
        offers: &'a [Offer],
        taxonomy: &'a Taxonomy,
        weights: Weights,
        today: NaiveDate,
    ) -> Self {
        Self {
            need_index: ThemeIndex::build(needs.iter().map(|n| n.fields.themes.as_slice())),
            offer_index: ThemeIndex::build(offers.iter().map(|o| o.fields.themes.as_slice())),
            need_words: (0..needs.len()).map(|_| OnceLock::new()).collect(),
            offer_words: (0..offers.len()).map(|_| OnceLock::new()).collect(),
            needs,
            offers,
            taxonomy,
            weights,
            today,
        }
    }

    fn rank(mut pairs: Vec<Pair>) -> Vec<Pair> {
        pairs.sort_by(best_first);
        pairs
    }

    /// The pair's factor values, if it passes the hard filters.
    fn evaluate(&self, need: usize, offer: usize) -> Option<Evaluation> {
        let (n, o) = (&self.needs[need], &self.offers[offer]);
        let passed = filter(n, o, self.taxonomy, self.today).ok()?;
        Some(weigh(
            passed,
            n,
            self.need_words[need].get_or_init(|| words_of_need(n)),
            o,
            self.offer_words[offer].get_or_init(|| words_of_offer(o)),
            self.taxonomy,
        ))
    }

    /// The pair's score, if it passes the hard filters.
    fn pair(&self, need: usize, offer: usize) -> Option<Pair> {
        self.evaluate(need, offer).map(|evaluation| Pair {
            need,
            offer,
            score: evaluation.score(&self.weights),
            tie: evaluation.tie_break(),
        })
    }

    /// The pair's score with its explanation.
    pub fn explain(&self, pair: Pair) -> Option<Score> {
        let (need, offer) = (&self.needs[pair.need], &self.offers[pair.offer]);
        self.evaluate(pair.need, pair.offer)
            .map(|evaluation| evaluation.explain(need, offer, &self.weights))
    }

    /// The offers that can meet need `need`, best first.
    pub fn offers_for(&self, need: usize) -> Vec<Pair> {
        let themes = &self.needs[need].fields.themes;
        self.ranked(&self.offer_index, themes, |offer| self.pair(need, offer))
    }

    /// The needs offer `offer` can meet, best first.
    pub fn needs_for(&self, offer: usize) -> Vec<Pair> {
        let themes = &self.offers[offer].fields.themes;
        self.ranked(&self.need_index, themes, |need| self.pair(need, offer))
    }

    /// The other side's items that `index` finds under `themes`, paired and ranked.
    fn ranked(
        &self,
        index: &ThemeIndex,
        themes: &[String],
        pair: impl Fn(usize) -> Option<Pair>,
    ) -> Vec<Pair> {
        let mut seen = Vec::new();
        let candidates = index.probe(themes, self.taxonomy, &mut seen);
        Self::rank(candidates.into_iter().filter_map(pair).collect())
    }

    /// Every pair scoring at least `threshold`: the full run coordinators ask for.
    pub fn all_pairs(&self, threshold: f64) -> Vec<Pair> {
        let mut seen = Vec::new();
        let mut pairs = Vec::new();
        for need in 0..self.needs.len() {
            for offer in
                self.offer_index
                    .probe(&self.needs[need].fields.themes, self.taxonomy, &mut seen)
            {
                if let Some(pair) = self
                    .pair(need, offer)
                    .filter(|pair| pair.score >= threshold)
                {
                    pairs.push(pair);
                }
            }
        }
        pairs
    }
}
