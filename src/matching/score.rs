//! Whether an offer can meet a need (hard filters) and how well (a score in [0, 1] from
//! weighted factors), with an explanation a person can read: one line per factor. Pure, and
//! the same function whichever side asks, so need->offers and offer->needs always agree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::model::{Need, NeedStatus, Offer, OfferKind, OfferStatus, Urgency};
use crate::catalogue::themes::Taxonomy;
use crate::matching::geography::regions_of;

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
    let parent = |code: &str| taxonomy.get(code).and_then(|theme| theme.parent.clone());
    offer_themes
        .iter()
        .map(|offer_theme| {
            if offer_theme == need_theme {
                1.0
            } else if parent(need_theme).as_deref() == Some(offer_theme.as_str())
                || parent(offer_theme).as_deref() == Some(need_theme)
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

/// Scores `offer` for `need`, or says which hard filter it fails. `today` starts a need's
/// window when it names no start.
pub fn score(
    need: &Need,
    offer: &Offer,
    taxonomy: &Taxonomy,
    weights: &Weights,
    today: NaiveDate,
) -> Result<Score, Exclusion> {
    let (n, o) = (&need.fields, &offer.fields);
    if need.status != NeedStatus::Open || offer.status != OfferStatus::Open {
        return Err(Exclusion::NotOpen);
    }
    if offer.capacity_left <= 0 {
        return Err(Exclusion::NoCapacityLeft);
    }

    let fits: Vec<f64> = n
        .themes
        .iter()
        .map(|t| theme_fit(t, &o.themes, taxonomy))
        .collect();
    if fits.iter().all(|fit| *fit == 0.0) {
        return Err(Exclusion::NoSharedTheme);
    }
    let exact = fits.iter().filter(|fit| **fit == 1.0).count();
    let related = fits.iter().filter(|fit| **fit == 0.5).count();
    let theme_value = fits.iter().sum::<f64>() / fits.len() as f64;
    let theme_reason = format!(
        "covers {exact} of the need's {} themes exactly{}",
        fits.len(),
        if related > 0 {
            format!(" and {related} through a parent or child theme")
        } else {
            String::new()
        }
    );

    let country_regions = regions_of(n.country);
    let (geography_value, geography_reason) = if o.coverage.countries.contains(&n.country) {
        (1.0, format!("serves {} by name", n.country.name()))
    } else if let Some(region) = o
        .coverage
        .regions
        .iter()
        .find(|r| country_regions.contains(r))
    {
        (
            0.8,
            format!(
                "serves the region {} that {} is in",
                region.as_str(),
                n.country.name()
            ),
        )
    } else if o.coverage.global {
        (0.6, "serves every country".to_owned())
    } else {
        return Err(Exclusion::OutsideCoverage);
    };

    let shared: Vec<&str> = n
        .languages
        .iter()
        .filter(|l| o.languages.contains(l))
        .map(|l| l.as_str())
        .collect();
    if shared.is_empty() {
        return Err(Exclusion::NoSharedLanguage);
    }
    // The need lists languages in order of preference; its first choice is worth most.
    let first_choice = o.languages.contains(&n.languages[0]);
    let language_value = if first_choice { 1.0 } else { 0.7 };
    let need_languages: Vec<&str> = n.languages.iter().map(|l| l.as_str()).collect();
    let language_reason = format!(
        "delivers in {}; the need asks for {}",
        shared.join(", "),
        need_languages.join(" or ")
    );

    if !n
        .delivery_modes
        .iter()
        .any(|mode| o.delivery_modes.contains(mode))
    {
        return Err(Exclusion::NoSharedDeliveryMode);
    }

    let need_from = n.wanted_from.unwrap_or(today).max(today);
    let need_until = n.wanted_by;
    let offer_from = o.available_from.unwrap_or(NaiveDate::MIN);
    let offer_until = o.available_until.unwrap_or(NaiveDate::MAX);
    let overlap_from = need_from.max(offer_from);
    let overlap_until = need_until.min(offer_until);
    if overlap_from > overlap_until {
        return Err(Exclusion::WindowsDoNotOverlap);
    }
    let need_days = (need_until - need_from).num_days().max(0) + 1;
    let overlap_days = (overlap_until - overlap_from).num_days() + 1;
    let timing_value = (overlap_days as f64 / need_days as f64).clamp(0.0, 1.0);
    let timing_reason =
        format!("available for {overlap_days} of the {need_days} days the need is wanted");

    let urgency = urgency_value(n.urgency);
    let urgency_reason = format!("the need is {} urgency", n.urgency.as_str());

    let capacity_value = (f64::from(offer.capacity_left) / f64::from(n.quantity.max(1))).min(1.0);
    let capacity_reason = format!("{} left for a need of {}", offer.capacity_left, n.quantity);

    let (funding_value, funding_reason) = match (o.kind, &o.funding, &n.budget) {
        (OfferKind::Funding, Some(funding), Some(budget))
            if funding.currency == budget.currency && budget.amount > 0 =>
        {
            (
                (funding.amount as f64 / budget.amount as f64).min(1.0),
                format!(
                    "funds {} {} of a {} {} budget",
                    funding.amount, funding.currency, budget.amount, budget.currency
                ),
            )
        }
        (OfferKind::Funding, Some(_), Some(_)) => (
            0.5,
            "funding in another currency than the budget".to_owned(),
        ),
        (OfferKind::Funding, _, None) => {
            (0.5, "funding, for a need that names no budget".to_owned())
        }
        _ => (
            1.0,
            "delivered in kind, at no cost to the requester".to_owned(),
        ),
    };

    let explanation = vec![
        Factor {
            factor: "theme",
            weight: weights.theme,
            value: theme_value,
            reason: theme_reason,
        },
        Factor {
            factor: "geography",
            weight: weights.geography,
            value: geography_value,
            reason: geography_reason,
        },
        Factor {
            factor: "language",
            weight: weights.language,
            value: language_value,
            reason: language_reason,
        },
        Factor {
            factor: "timing",
            weight: weights.timing,
            value: timing_value,
            reason: timing_reason,
        },
        Factor {
            factor: "urgency",
            weight: weights.urgency,
            value: urgency,
            reason: urgency_reason,
        },
        Factor {
            factor: "capacity",
            weight: weights.capacity,
            value: capacity_value,
            reason: capacity_reason,
        },
        Factor {
            factor: "funding",
            weight: weights.funding,
            value: funding_value,
            reason: funding_reason,
        },
    ];
    let total_weight: f64 = explanation.iter().map(|f| f.weight).sum();
    let weighted: f64 = explanation.iter().map(|f| f.weight * f.value).sum();
    let score = if total_weight > 0.0 {
        (weighted / total_weight).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Ok(Score { score, explanation })
}
