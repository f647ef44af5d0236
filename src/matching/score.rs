//! Whether an offer can meet a need (hard filters) and how well (a score in [0, 1] from
//! weighted factors), with an explanation a person can read: one line per factor. Pure, and
//! the same function whichever side asks, so need->offers and offer->needs always agree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::model::{Need, NeedStatus, Offer, OfferKind, OfferStatus, Region, Urgency};
use crate::catalogue::themes::Taxonomy;
use crate::matching::geography::regions_of;

/// Candidates scoring at least this are announced to the owners by email (`announce.rs`):
/// what decides that an email is worth reading, kept beside the scores it is compared with.
pub const ANNOUNCE_THRESHOLD: f64 = 0.6;

/// The weight of each factor. One place; overridable in configuration (`matching.weights`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub theme: f64,
    pub geography: f64,
    pub language: f64,
    pub timing: f64,
    pub urgency: f64,
    pub capacity: f64,
    pub funding: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            theme: 0.35,
            geography: 0.15,
            language: 0.15,
            timing: 0.10,
            urgency: 0.10,
            capacity: 0.10,
            funding: 0.05,
        }
    }
}

impl Weights {
    /// Weights are non-negative and not all zero.
    pub fn is_valid(&self) -> bool {
        let all = [
            self.theme,
            self.geography,
            self.language,
            self.timing,
            self.urgency,
            self.capacity,
            self.funding,
        ];
        all.iter().all(|w| w.is_finite() && *w >= 0.0) && all.iter().sum::<f64>() > 0.0
    }
}

/// One factor's part in a score.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Factor {
    /// `theme`, `geography`, `language`, `timing`, `urgency`, `capacity` or `funding`.
    pub factor: &'static str,
    pub weight: f64,
    /// How well this factor fits, from 0 to 1.
    pub value: f64,
    /// The same in words.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Score {
    /// The weighted mean of the factors' values, from 0 to 1.
    pub score: f64,
    pub explanation: Vec<Factor>,
}

/// Why an offer cannot meet a need at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    NotOpen,
    NoSharedTheme,
    OutsideCoverage,
    NoSharedLanguage,
    NoSharedDeliveryMode,
    WindowsDoNotOverlap,
    NoCapacityLeft,
}

/// How a need theme relates to an offer's themes: the same code, a parent or child (partial
/// credit), or nothing.
fn theme_fit(need_theme: &str, offer_themes: &[String], taxonomy: &Taxonomy) -> f64 {
    let parent = |code: &str| taxonomy.get(code).and_then(|theme| theme.parent.as_deref());
    let need_parent = parent(need_theme);
    offer_themes
        .iter()
        .map(|offer_theme| {
            if offer_theme == need_theme {
                1.0
            } else if need_parent == Some(offer_theme.as_str())
                || parent(offer_theme) == Some(need_theme)
            {
                0.5
            } else {
                0.0
            }
        })
        .fold(0.0, f64::max)
}

fn urgency_value(urgency: Urgency) -> f64 {
    match urgency {
        Urgency::Low => 0.25,
        Urgency::Medium => 0.5,
        Urgency::High => 0.75,
        Urgency::Critical => 1.0,
    }
}

/// How an offer reaches a need's country.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reach {
    ByName,
    ByRegion(Region),
    Global,
}

/// The factor values of a pair that passed the hard filters, and what their reasons need.
/// Computing it builds no text, so that a full run pays for words only where it keeps them.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    exact_themes: usize,
    related_themes: usize,
    need_themes: usize,
    reach: Reach,
    first_choice_language: bool,
    overlap_days: i64,
    need_days: i64,
    /// theme, geography, language, timing, urgency, capacity, funding.
    values: [f64; 7],
}

/// Checks the hard filters and computes the factor values of `offer` for `need`. `today`
/// starts a need's window when it names no start.
pub fn evaluate(
    need: &Need,
    offer: &Offer,
    taxonomy: &Taxonomy,
    today: NaiveDate,
) -> Result<Evaluation, Exclusion> {
    let (n, o) = (&need.fields, &offer.fields);
    if need.status != NeedStatus::Open || offer.status != OfferStatus::Open {
        return Err(Exclusion::NotOpen);
    }
    if offer.capacity_left <= 0 {
        return Err(Exclusion::NoCapacityLeft);
    }
    let (mut exact_themes, mut related_themes, mut theme_sum) = (0, 0, 0.0);
    for theme in &n.themes {
        let fit = theme_fit(theme, &o.themes, taxonomy);
        theme_sum += fit;
        if fit == 1.0 {
            exact_themes += 1;
        } else if fit > 0.0 {
            related_themes += 1;
        }
    }
    if exact_themes + related_themes == 0 {
        return Err(Exclusion::NoSharedTheme);
    }
    let reach = if o.coverage.countries.contains(&n.country) {
        Reach::ByName
    } else if let Some(region) = (!o.coverage.regions.is_empty())
        .then(|| regions_of(n.country))
        .and_then(|regions| {
            o.coverage
                .regions
                .iter()
                .copied()
                .find(|r| regions.contains(r))
        })
    {
        Reach::ByRegion(region)
    } else if o.coverage.global {
        Reach::Global
    } else {
        return Err(Exclusion::OutsideCoverage);
    };
    if !n.languages.iter().any(|l| o.languages.contains(l)) {
        return Err(Exclusion::NoSharedLanguage);
    }
    if !n
        .delivery_modes
        .iter()
        .any(|mode| o.delivery_modes.contains(mode))
    {
        return Err(Exclusion::NoSharedDeliveryMode);
    }
    let need_from = n.wanted_from.unwrap_or(today).max(today);
    let need_until = n.wanted_by;
    let overlap_from = need_from.max(o.available_from.unwrap_or(NaiveDate::MIN));
    let overlap_until = need_until.min(o.available_until.unwrap_or(NaiveDate::MAX));
    if overlap_from > overlap_until {
        return Err(Exclusion::WindowsDoNotOverlap);
    }
    let need_days = (need_until - need_from).num_days().max(0) + 1;
    let overlap_days = (overlap_until - overlap_from).num_days() + 1;

    // The need lists languages in order of preference; its first choice is worth most.
    let first_choice_language = o.languages.contains(&n.languages[0]);
    let funding = match (o.kind, &o.funding, &n.budget) {
        (OfferKind::Funding, Some(funding), Some(budget))
            if funding.currency == budget.currency && budget.amount > 0 =>
        {
            (funding.amount as f64 / budget.amount as f64).min(1.0)
        }
        (OfferKind::Funding, _, _) => 0.5,
        _ => 1.0,
    };
    let values = [
        theme_sum / n.themes.len() as f64,
        match reach {
            Reach::ByName => 1.0,
            Reach::ByRegion(_) => 0.8,
            Reach::Global => 0.6,
        },
        if first_choice_language { 1.0 } else { 0.7 },
        (overlap_days as f64 / need_days as f64).clamp(0.0, 1.0),
        urgency_value(n.urgency),
        (f64::from(offer.capacity_left) / f64::from(n.quantity.max(1))).min(1.0),
        funding,
    ];
    Ok(Evaluation {
        exact_themes,
        related_themes,
        need_themes: n.themes.len(),
        reach,
        first_choice_language,
        overlap_days,
        need_days,
        values,
    })
}

impl Evaluation {
    fn weights(weights: &Weights) -> [f64; 7] {
        [
            weights.theme,
            weights.geography,
            weights.language,
            weights.timing,
            weights.urgency,
            weights.capacity,
            weights.funding,
        ]
    }

    /// The weighted mean of the factor values, in [0, 1].
    pub fn score(&self, weights: &Weights) -> f64 {
        let weights = Self::weights(weights);
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        let weighted: f64 = weights.iter().zip(self.values).map(|(w, v)| w * v).sum();
        (weighted / total).clamp(0.0, 1.0)
    }

    /// The score with one sentence per factor.
    pub fn explain(&self, need: &Need, offer: &Offer, weights: &Weights) -> Score {
        let (n, o) = (&need.fields, &offer.fields);
        let theme = format!(
            "covers {} of the need's {} themes exactly{}",
            self.exact_themes,
            self.need_themes,
            if self.related_themes > 0 {
                format!(
                    " and {} through a parent or child theme",
                    self.related_themes
                )
            } else {
                String::new()
            }
        );
        let geography = match self.reach {
            Reach::ByName => format!("serves {} by name", n.country.name()),
            Reach::ByRegion(region) => format!(
                "serves the region {} that {} is in",
                region.as_str(),
                n.country.name()
            ),
            Reach::Global => "serves every country".to_owned(),
        };
        let shared: Vec<&str> = n
            .languages
            .iter()
            .filter(|l| o.languages.contains(l))
            .map(|l| l.as_str())
            .collect();
        let wanted: Vec<&str> = n.languages.iter().map(|l| l.as_str()).collect();
        let language = format!(
            "delivers in {}; the need asks for {}",
            shared.join(", "),
            wanted.join(" or ")
        );
        let timing = format!(
            "available for {} of the {} days the need is wanted",
            self.overlap_days, self.need_days
        );
        let urgency = format!("the need is {} urgency", n.urgency.as_str());
        let capacity = format!("{} left for a need of {}", offer.capacity_left, n.quantity);
        let funding = match (o.kind, &o.funding, &n.budget) {
            (OfferKind::Funding, Some(funding), Some(budget))
                if funding.currency == budget.currency && budget.amount > 0 =>
            {
                format!(
                    "funds {} {} of a {} {} budget",
                    funding.amount, funding.currency, budget.amount, budget.currency
                )
            }
            (OfferKind::Funding, Some(_), Some(_)) => {
                "funding in another currency than the budget".to_owned()
            }
            (OfferKind::Funding, _, _) => "funding, for a need that names no budget".to_owned(),
            _ => "delivered in kind, at no cost to the requester".to_owned(),
        };
        let names = [
            "theme",
            "geography",
            "language",
            "timing",
            "urgency",
            "capacity",
            "funding",
        ];
        let reasons = [
            theme, geography, language, timing, urgency, capacity, funding,
        ];
        let explanation = names
            .into_iter()
            .zip(Self::weights(weights))
            .zip(self.values)
            .zip(reasons)
            .map(|(((factor, weight), value), reason)| Factor {
                factor,
                weight,
                value,
                reason,
            })
            .collect();
        Score {
            score: self.score(weights),
            explanation,
        }
    }
}

/// Scores `offer` for `need` with an explanation, or says which hard filter it fails.
pub fn score(
    need: &Need,
    offer: &Offer,
    taxonomy: &Taxonomy,
    weights: &Weights,
    today: NaiveDate,
) -> Result<Score, Exclusion> {
    evaluate(need, offer, taxonomy, today)
        .map(|evaluation| evaluation.explain(need, offer, weights))
}
