//! Whether an offer can meet a need (hard filters) and how well (a score in [0, 1] from
//! weighted factors, times what eligibility allows), with an explanation a person can read:
//! one line per factor. Pure, and the same function whichever side asks, so need->offers and
//! offer->needs always agree. What each factor does, and why, is in docs/RANKING.md.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::model::{
    Audience, DeliveryMode, Need, NeedStatus, Offer, OfferKind, OfferStatus, Region, RequesterKind,
    Sector as StatedSector, SectorRule, Urgency,
};
use crate::catalogue::themes::Taxonomy;
use crate::matching::geography::regions_of;
use crate::matching::text::{Cost, Format, Reading, Restriction, Sector};

/// Candidates scoring at least this are announced to the owners by email (`announce.rs`).
/// Calibrated on the tuning half of the judged set so that announced candidates are good
/// fits (docs/RANKING.md, "How the threshold was chosen"); the candidate lists still show
/// everything that passes the hard filters, whatever its score.
pub const ANNOUNCE_THRESHOLD: f64 = 0.70;

/// The factors, in the order of every explanation.
pub const FACTORS: [&str; 12] = [
    "theme",
    "text",
    "geography",
    "language",
    "timing",
    "capacity",
    "delivery",
    "funding",
    "urgency",
    "format",
    "eligibility",
    "audience",
];

/// The weight of each factor. One place; overridable in configuration (`matching.weights`).
/// Format and eligibility have no weight: they multiply the weighted mean, because a one-hour
/// webinar or an offer the requester may not apply for does not help however well the rest
/// fits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub theme: f64,
    pub text: f64,
    pub geography: f64,
    pub language: f64,
    pub timing: f64,
    pub capacity: f64,
    pub delivery: f64,
    pub funding: f64,
    pub urgency: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            theme: 0.28,
            text: 0.30,
            geography: 0.12,
            language: 0.07,
            timing: 0.05,
            capacity: 0.06,
            delivery: 0.03,
            funding: 0.06,
            urgency: 0.03,
        }
    }
}

impl Weights {
    fn all(&self) -> [f64; 9] {
        [
            self.theme,
            self.text,
            self.geography,
            self.language,
            self.timing,
            self.capacity,
            self.delivery,
            self.funding,
            self.urgency,
        ]
    }

    /// Weights are non-negative and not all zero.
    pub fn is_valid(&self) -> bool {
        let all = self.all();
        all.iter().all(|w| w.is_finite() && *w >= 0.0) && all.iter().sum::<f64>() > 0.0
    }
}

/// One factor's part in a score.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Factor {
    /// One of `theme`, `text`, `geography`, `language`, `timing`, `capacity`, `delivery`,
    /// `funding`, `urgency`, `format`, `eligibility`.
    pub factor: &'static str,
    /// The factor's weight in the mean; 0 for format and eligibility, which multiply it.
    pub weight: f64,
    /// How well this factor fits, from 0 to 1.
    pub value: f64,
    /// The same in words.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Score {
    /// The weighted mean of the factors' values times the format and eligibility values, from
    /// 0 to 1.
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
    /// The offer is only for other kinds of requester (ministries, say, not hospitals).
    RequesterKindNotEligible,
    /// The offer is only for public (or only for private) institutions, and the need's
    /// organisation is the other.
    SectorNotEligible,
    /// The offer is only for organisations that have had an incident, and the need does not
    /// say it follows one.
    IncidentRequired,
    /// A grant that pays for none of the costs the need asks money for.
    CostsNotEligible,
}

/// The least overlap of the two windows that is worth anything: a month, or the whole of a
/// shorter need. An offer whose last seats close this week cannot serve a need wanted over
/// the coming months.
const USABLE_DAYS: i64 = 30;
/// An overlap this long (or the whole need) is full credit for timing.
const FULL_DAYS: i64 = 90;
/// Offers naming more countries than this get less credit for naming the need's: a vendor's
/// list of thirty is weaker evidence than a programme made for a few.
const FEW_COUNTRIES: usize = 8;

/// How a need theme relates to an offer's themes.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Link {
    None,
    /// Only through a parent or a child theme.
    Related,
    Exact,
}

/// Whether two theme codes are the same, or one is the other's parent.
fn relation(need_theme: &str, offer_theme: &str, taxonomy: &Taxonomy) -> Link {
    if need_theme == offer_theme {
        Link::Exact
    } else if taxonomy.is_parent_of(offer_theme, need_theme)
        || taxonomy.is_parent_of(need_theme, offer_theme)
    {
        Link::Related
    } else {
        Link::None
    }
}

/// How a need theme relates to an offer's themes: the best of its relations.
fn link(need_theme: &str, offer_themes: &[String], taxonomy: &Taxonomy) -> Link {
    offer_themes
        .iter()
        .map(|offer_theme| relation(need_theme, offer_theme, taxonomy))
        .fold(Link::None, |a, b| if b > a { b } else { a })
}

/// Whether an offer theme relates to any of the need's themes.
fn relates(offer_theme: &str, need_themes: &[String], taxonomy: &Taxonomy) -> bool {
    need_themes
        .iter()
        .any(|need_theme| relation(need_theme, offer_theme, taxonomy) != Link::None)
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
    /// Named among this many countries.
    ByName(usize),
    /// Through the region, and whether it is the country's sub-region (not its continent).
    ByRegion(Region, bool),
    Global,
}

/// How the delivery modes meet.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Delivery {
    /// Tooling and funding are not delivered in the sense of training.
    NotApplicable,
    Shared(DeliveryMode),
    /// A need that accepts hybrid delivery, met by an offer given remotely or on site only.
    ThroughHybrid,
}

/// What eligibility the offer's words state and whether the need meets it: read where the
/// offer's structured fields state nothing of the kind.
#[derive(Debug, Clone, PartialEq)]
enum Eligibility {
    Unrestricted,
    Met(Restriction),
    /// Public bodies only, and the need's words do not say it is private: most requesters
    /// are public, so it counts as met.
    Presumed(Restriction),
    /// The need's words do not say whether it meets the restriction.
    Unclear(Restriction),
    NotMet(Restriction),
    /// A grant that does not pay for a cost the need says it has.
    CostNotCovered(Cost),
}

impl Eligibility {
    fn value(&self) -> f64 {
        match self {
            Eligibility::Unrestricted | Eligibility::Met(_) | Eligibility::Presumed(_) => 1.0,
            Eligibility::Unclear(_) => 0.75,
            Eligibility::NotMet(_) | Eligibility::CostNotCovered(_) => 0.3,
        }
    }
}

/// A rule the offer's structured fields state, that the pair passed (the hard filters drop
/// a need that does not meet one).
#[derive(Debug, Clone, PartialEq)]
enum Stated {
    /// Only these kinds of requester, the need's among them.
    Kinds(Vec<RequesterKind>),
    /// Only public (or private) institutions; `true` when the need's organisation is one,
    /// `false` when the need does not say (a hospital that names no sector).
    Sector(StatedSector, bool),
    AfterIncident,
    /// A grant paying for `covered` of the `asked` costs the need names.
    Costs {
        covered: usize,
        asked: usize,
    },
}

impl Stated {
    fn value(&self) -> f64 {
        match self {
            Stated::Sector(_, false) => 0.75,
            // Money for part of what is asked helps part of the way.
            Stated::Costs { covered, asked } => 0.5 + 0.5 * *covered as f64 / *asked as f64,
            _ => 1.0,
        }
    }
}

/// How the audiences meet.
#[derive(Debug, Clone, Copy, PartialEq)]
enum AudienceFit {
    /// One side or both do not say who the help is for.
    Unsaid,
    /// Made for `covered` of the `wanted` audiences the need names.
    Covers { covered: usize, wanted: usize },
}

impl AudienceFit {
    fn value(self) -> f64 {
        match self {
            AudienceFit::Unsaid => 1.0,
            AudienceFit::Covers { covered, wanted } if covered >= wanted => 1.0,
            AudienceFit::Covers { covered: 0, .. } => AUDIENCE_MISSED,
            AudienceFit::Covers { .. } => 0.9,
        }
    }
}

/// What a training made for other people is worth: a course for clinicians does not train
/// a CSIRT's analysts, however well its themes fit.
const AUDIENCE_MISSED: f64 = 0.6;

/// Whether help made for `offered` reaches `wanted`: the same audience, or help for all
/// staff, which reaches clinicians and technical staff too.
fn reaches(offered: Audience, wanted: Audience) -> bool {
    offered == wanted
        || (offered == Audience::AllStaff
            && matches!(wanted, Audience::Clinicians | Audience::TechnicalStaff))
}

/// A pair that passed the hard filters, before its words are read.
#[derive(Debug, Clone, PartialEq)]
pub struct Passed {
    links: Vec<Link>,
    reach: Reach,
    first_choice_language: bool,
    overlap_days: i64,
    need_days: i64,
    delivery: Delivery,
    /// The structured rules the offer states, each passed.
    stated: Vec<Stated>,
}

/// The offer's structured eligibility against what the need says: the rules it passes, or
/// the one it fails. Cheap, and without reading any text.
fn stated_rules(need: &Need, offer: &Offer) -> Result<Vec<Stated>, Exclusion> {
    let (rules, says) = (&offer.fields.eligibility, &need.fields.eligibility);
    let mut stated = Vec::new();
    if !rules.requester_kinds.is_empty() {
        if !rules.requester_kinds.contains(&need.requester_kind) {
            return Err(Exclusion::RequesterKindNotEligible);
        }
        stated.push(Stated::Kinds(rules.requester_kinds.clone()));
    }
    let only = match rules.sector {
        Some(SectorRule::Public) => Some(StatedSector::Public),
        Some(SectorRule::Private) => Some(StatedSector::Private),
        Some(SectorRule::Either) | None => None,
    };
    if let Some(only) = only {
        match says.sector.or(need.requester_kind.implied_sector()) {
            Some(sector) if sector != only => return Err(Exclusion::SectorNotEligible),
            Some(_) => stated.push(Stated::Sector(only, true)),
            None => stated.push(Stated::Sector(only, false)),
        }
    }
    if rules.only_after_incident {
        if !says.after_incident {
            return Err(Exclusion::IncidentRequired);
        }
        stated.push(Stated::AfterIncident);
    }
    if offer.fields.kind == OfferKind::Funding
        && !rules.eligible_costs.is_empty()
        && !says.costs.is_empty()
    {
        let covered = says
            .costs
            .iter()
            .filter(|cost| rules.eligible_costs.contains(cost))
            .count();
        if covered == 0 {
            return Err(Exclusion::CostsNotEligible);
        }
        stated.push(Stated::Costs {
            covered,
            asked: says.costs.len(),
        });
    }
    Ok(stated)
}

/// Checks the hard filters: cheap, and without reading any text.
pub fn filter(
    need: &Need,
    offer: &Offer,
    taxonomy: &Taxonomy,
    today: NaiveDate,
) -> Result<Passed, Exclusion> {
    let (n, o) = (&need.fields, &offer.fields);
    if need.status != NeedStatus::Open || offer.status != OfferStatus::Open {
        return Err(Exclusion::NotOpen);
    }
    if offer.capacity_left <= 0 {
        return Err(Exclusion::NoCapacityLeft);
    }
    let stated = stated_rules(need, offer)?;
    let links: Vec<Link> = n
        .themes
        .iter()
        .map(|theme| link(theme, &o.themes, taxonomy))
        .collect();
    if links.iter().all(|l| *l == Link::None) {
        return Err(Exclusion::NoSharedTheme);
    }
    // The country's regions only when the offer names regions: most pairs never need them.
    let region = (!o.coverage.regions.is_empty())
        .then(|| regions_of(n.country))
        .and_then(|regions| {
            // The most specific of the country's regions that the offer serves.
            let found = regions
                .iter()
                .position(|r| o.coverage.regions.contains(r))?;
            Some((regions[found], found == 0 && regions.len() > 1))
        });
    let reach = if o.coverage.countries.contains(&n.country) {
        Reach::ByName(o.coverage.countries.len())
    } else if let Some((region, sub_region)) = region {
        Reach::ByRegion(region, sub_region)
    } else if o.coverage.global {
        Reach::Global
    } else {
        return Err(Exclusion::OutsideCoverage);
    };
    if !n.languages.iter().any(|l| o.languages.contains(l)) {
        return Err(Exclusion::NoSharedLanguage);
    }
    let delivery = if matches!(o.kind, OfferKind::Tooling | OfferKind::Funding) {
        Delivery::NotApplicable
    } else if let Some(mode) = n
        .delivery_modes
        .iter()
        .find(|mode| o.delivery_modes.contains(mode))
    {
        Delivery::Shared(*mode)
    } else if n.delivery_modes.contains(&DeliveryMode::Hybrid) {
        Delivery::ThroughHybrid
    } else {
        return Err(Exclusion::NoSharedDeliveryMode);
    };
    let need_from = n.wanted_from.unwrap_or(today).max(today);
    let need_until = n.wanted_by;
    let overlap_from = need_from.max(o.available_from.unwrap_or(NaiveDate::MIN));
    let overlap_until = need_until.min(o.available_until.unwrap_or(NaiveDate::MAX));
    if overlap_from > overlap_until {
        return Err(Exclusion::WindowsDoNotOverlap);
    }
    let need_days = (need_until - need_from).num_days().max(0) + 1;
    let overlap_days = (overlap_until - overlap_from).num_days() + 1;
    if overlap_days < USABLE_DAYS.min(need_days) {
        return Err(Exclusion::WindowsDoNotOverlap);
    }
    Ok(Passed {
        links,
        reach,
        // The need lists languages in order of preference; its first choice is worth most.
        first_choice_language: o.languages.contains(&n.languages[0]),
        overlap_days,
        need_days,
        delivery,
        stated,
    })
}

/// The factor values of a pair that passed the hard filters, and what their reasons need.
/// Computing it builds no text, so that a full run pays for words only where it keeps them.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    passed: Passed,
    /// Cosine similarity of the two texts; `None` when either says too little.
    similarity: Option<f64>,
    /// Offer themes related to the need, of all the offer's themes.
    focused_themes: usize,
    offer_themes: usize,
    format: Format,
    scales: bool,
    eligibility: Eligibility,
    audience: AudienceFit,
    /// In the order of `FACTORS`: the weighted ones, then format, eligibility and audience.
    values: [f64; 12],
}

/// What money is worth, as a multiplier, to a need that asks for help in kind.
const MONEY_FOR_HELP: f64 = 0.8;

/// A need that names no budget and no funding theme asks for help, not money.
fn asks_for_help(need: &Need) -> bool {
    need.fields.budget.is_none() && !need.fields.themes.iter().any(|t| t.starts_with("funding"))
}

/// What a cosine similarity is worth: texts about the same help share about a third of
/// their weighted terms; beyond that, more overlap says little more.
fn text_value(similarity: Option<f64>) -> f64 {
    match similarity {
        Some(similarity) => (similarity / 0.35).min(1.0),
        None => 0.5,
    }
}

/// Checks the hard filters and computes the factor values of `offer` for `need`. `today`
/// starts a need's window when it names no start.
pub fn evaluate(
    need: &Need,
    offer: &Offer,
    taxonomy: &Taxonomy,
    today: NaiveDate,
) -> Result<Evaluation, Exclusion> {
    let passed = filter(need, offer, taxonomy, today)?;
    Ok(weigh(
        passed,
        need,
        &words_of_need(need),
        offer,
        &words_of_offer(offer),
        taxonomy,
    ))
}

/// What the scorer reads in a need's words.
pub fn words_of_need(need: &Need) -> Reading {
    Reading::of(&need.fields.title, &need.fields.description)
}

/// What the scorer reads in an offer's words.
pub fn words_of_offer(offer: &Offer) -> Reading {
    Reading::of(&offer.fields.title, &offer.fields.description)
}

/// What the offer's words restrict that its structured fields do not state. The need's side
/// is what it states, or else what its words say.
fn eligibility(
    need: &Need,
    need_words: &Reading,
    offer: &Offer,
    offer_words: &Reading,
) -> Eligibility {
    let (rules, says) = (&offer.fields.eligibility, &need.fields.eligibility);
    let need_costs = if says.costs.is_empty() {
        &need_words.costs
    } else {
        &says.costs
    };
    if offer.fields.kind == OfferKind::Funding && rules.eligible_costs.is_empty() {
        if let Some(cost) = offer_words
            .excluded_costs
            .iter()
            .find(|cost| need_costs.contains(cost))
        {
            return Eligibility::CostNotCovered(*cost);
        }
    }
    let sector = says
        .sector
        .or(need.requester_kind.implied_sector())
        .or(need_words.sector);
    let had_incident = says.after_incident || need_words.had_incident;
    let mut outcome = Eligibility::Unrestricted;
    for restriction in &offer_words.restrictions {
        let stated = match restriction {
            Restriction::PrivateOnly | Restriction::PublicOnly => rules.sector.is_some(),
            Restriction::AfterIncident => rules.only_after_incident,
            Restriction::Named(_) => false,
        };
        if stated {
            continue;
        }
        let judged = match restriction {
            Restriction::PrivateOnly => match sector {
                Some(Sector::Private) => Eligibility::Met(restriction.clone()),
                Some(Sector::Public) => Eligibility::NotMet(restriction.clone()),
                None => Eligibility::Unclear(restriction.clone()),
            },
            Restriction::PublicOnly => match sector {
                Some(Sector::Private) => Eligibility::NotMet(restriction.clone()),
                Some(Sector::Public) => Eligibility::Met(restriction.clone()),
                None => Eligibility::Presumed(restriction.clone()),
            },
            Restriction::AfterIncident => {
                if had_incident {
                    Eligibility::Met(restriction.clone())
                } else {
                    Eligibility::NotMet(restriction.clone())
                }
            }
            Restriction::Named(names) => {
                if names.iter().any(|name| need_words.mentions(name)) {
                    Eligibility::Met(restriction.clone())
                } else {
                    Eligibility::NotMet(restriction.clone())
                }
            }
        };
        // The worst restriction decides.
        if judged.value() < outcome.value() || outcome == Eligibility::Unrestricted {
            outcome = judged;
        }
    }
    outcome
}

/// The factor values of a pair that passed the filters, from what both say.
pub fn weigh(
    passed: Passed,
    need: &Need,
    need_words: &Reading,
    offer: &Offer,
    offer_words: &Reading,
    taxonomy: &Taxonomy,
) -> Evaluation {
    let (n, o) = (&need.fields, &offer.fields);
    let similarity = need_words.terms.similarity(&offer_words.terms);
    let text = text_value(similarity);

    // The need's first theme is its main one: three quarters of the credit. A match only
    // through a parent or child is weak unless the words say it is the same help.
    let fit = |l: &Link| match l {
        Link::Exact => 1.0,
        Link::Related => 0.3 + 0.6 * similarity.map_or(0.0, |s| (s / 0.35).min(1.0)),
        Link::None => 0.0,
    };
    let main = fit(&passed.links[0]);
    let others = &passed.links[1..];
    let fit = if others.is_empty() {
        main
    } else {
        0.75 * main + 0.25 * others.iter().map(fit).sum::<f64>() / others.len() as f64
    };
    // An offer tagged with many themes is weaker evidence for each.
    let focused_themes = o
        .themes
        .iter()
        .filter(|theme| relates(theme, &n.themes, taxonomy))
        .count();
    let focus = focused_themes as f64 / o.themes.len().max(1) as f64;
    let theme = fit * (0.6 + 0.4 * focus);

    // How much help the words promise: a multiplier, not a share of the mean.
    // Money offered for a need that asks for help, not money (no budget, no funding theme):
    // the requester would still have to find the help itself.
    let money_for_help = o.kind == OfferKind::Funding && asks_for_help(need);
    let format = match (o.kind, offer_words.format) {
        (_, Format::Pitch) => 0.55,
        (_, Format::Brief) => 0.6,
        (OfferKind::Funding, _) if money_for_help => MONEY_FOR_HELP,
        (OfferKind::Tooling | OfferKind::Funding, _) => 1.0,
        (_, Format::Programme) => 1.0,
        (_, Format::Course) => 0.95,
        (_, Format::SelfService) => 0.8,
        (_, Format::Unsaid) => 0.9,
    };
    let geography = match passed.reach {
        Reach::ByName(named) if named <= FEW_COUNTRIES => 1.0,
        Reach::ByName(named) => (1.0 - 0.025 * (named - FEW_COUNTRIES) as f64).max(0.45),
        Reach::ByRegion(_, true) => 0.9,
        Reach::ByRegion(_, false) => 0.8,
        Reach::Global => 0.6,
    };
    let language = if passed.first_choice_language {
        1.0
    } else {
        0.7
    };
    let timing =
        (passed.overlap_days as f64 / passed.need_days.min(FULL_DAYS) as f64).clamp(0.0, 1.0);
    // Capacity in the offer's own units: a licence covers an organisation, a grant or an
    // engagement serves one requester, and trainers trained in cohorts reach many people.
    let scales = offer_words.scales;
    let capacity = match o.kind {
        OfferKind::Training if !scales => (f64::from(offer.capacity_left)
            / f64::from(n.quantity.max(1)))
        .sqrt()
        .min(1.0),
        _ => 1.0,
    };
    let delivery = match passed.delivery {
        Delivery::NotApplicable | Delivery::Shared(_) => 1.0,
        Delivery::ThroughHybrid => 0.6,
    };
    let funding = match (o.kind, &o.funding, &n.budget) {
        (OfferKind::Funding, Some(funding), Some(budget))
            if funding.currency == budget.currency && budget.amount > 0 =>
        {
            (funding.amount as f64 / budget.amount as f64).min(1.0)
        }
        // Money for a need that asks for help, not money (no budget, no funding theme).
        (OfferKind::Funding, _, None) if money_for_help => 0.3,
        (OfferKind::Funding, _, _) => 0.7,
        _ => 1.0,
    };
    let eligibility = eligibility(need, need_words, offer, offer_words);
    let stated = passed.stated.iter().map(Stated::value).fold(1.0, f64::min);
    let (offered, wanted) = (&o.eligibility.audiences, &n.eligibility.audiences);
    let audience = if offered.is_empty() || wanted.is_empty() {
        AudienceFit::Unsaid
    } else {
        AudienceFit::Covers {
            covered: wanted
                .iter()
                .filter(|w| offered.iter().any(|o| reaches(*o, **w)))
                .count(),
            wanted: wanted.len(),
        }
    };
    let values = [
        theme,
        text,
        geography,
        language,
        timing,
        capacity,
        delivery,
        funding,
        urgency_value(n.urgency),
        format,
        eligibility.value().min(stated),
        audience.value(),
    ];
    Evaluation {
        passed,
        similarity,
        focused_themes,
        offer_themes: o.themes.len(),
        format: offer_words.format,
        scales,
        eligibility,
        audience,
        values,
    }
}

impl Evaluation {
    /// The weighted mean of the factor values times the format, eligibility and audience
    /// values, in [0, 1].
    pub fn score(&self, weights: &Weights) -> f64 {
        let weights = weights.all();
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        let weighted: f64 = weights.iter().zip(self.values).map(|(w, v)| w * v).sum();
        (weighted / total * self.values[9] * self.values[10] * self.values[11]).clamp(0.0, 1.0)
    }

    /// What orders equal scores, best first: the texts' similarity, then the urgency, then
    /// the capacity fit. Ids come only after these, and only to make the order total.
    pub fn tie_break(&self) -> [f64; 3] {
        [
            self.similarity.unwrap_or(0.0),
            self.values[8],
            self.values[5],
        ]
    }

    /// The score with one sentence per factor.
    pub fn explain(&self, need: &Need, offer: &Offer, weights: &Weights) -> Score {
        self.explain_read(
            need,
            &words_of_need(need),
            offer,
            &words_of_offer(offer),
            weights,
        )
    }

    /// `explain`, with the words of both as already read: reading them (stemming, the
    /// phrase rules) costs more than the whole explanation, and a candidate list has them.
    pub fn explain_read(
        &self,
        need: &Need,
        need_words: &Reading,
        offer: &Offer,
        offer_words: &Reading,
        weights: &Weights,
    ) -> Score {
        let (n, o) = (&need.fields, &offer.fields);
        let p = &self.passed;
        let exact = p.links.iter().filter(|l| **l == Link::Exact).count();
        let related = p.links.iter().filter(|l| **l == Link::Related).count();
        let main = match p.links[0] {
            Link::Exact => "covers the need's main theme exactly",
            Link::Related => "covers the need's main theme only through a parent or child theme",
            Link::None => "does not cover the need's main theme",
        };
        let mut theme = format!(
            "{main}; {exact} of the need's {} themes exactly{}",
            p.links.len(),
            if related > 0 {
                format!(" and {related} through a parent or child theme")
            } else {
                String::new()
            }
        );
        if self.focused_themes < self.offer_themes {
            theme.push_str(&format!(
                "; {} of the offer's {} themes are unrelated to the need",
                self.offer_themes - self.focused_themes,
                self.offer_themes
            ));
        }
        let text = match self.similarity {
            None => "too little text to compare the descriptions".to_owned(),
            Some(similarity) => {
                let shared = need_words.terms.shared(&offer_words.terms, 4);
                if shared.is_empty() {
                    "the descriptions share no meaningful words".to_owned()
                } else {
                    format!(
                        "the descriptions share {} ({:.0}% alike)",
                        shared.join(", "),
                        similarity * 100.0
                    )
                }
            }
        };
        let format = match (o.kind, self.format) {
            (_, Format::Pitch) => "reads as a product trial or a sales offer".to_owned(),
            (_, Format::Brief) => "a webinar or a session of an hour or so".to_owned(),
            (OfferKind::Tooling, _) => "tooling: its length does not apply".to_owned(),
            (OfferKind::Funding, _) if asks_for_help(need) => {
                "money, for a need that asks for help in kind".to_owned()
            }
            (OfferKind::Funding, _) => "funding: its length does not apply".to_owned(),
            (_, Format::Programme) => "runs over weeks or months".to_owned(),
            (_, Format::Course) => "a course of some days".to_owned(),
            (_, Format::SelfService) => "self-service material, without anyone to guide".to_owned(),
            (_, Format::Unsaid) => "does not say how long the help lasts".to_owned(),
        };
        let geography = match p.reach {
            Reach::ByName(named) if named <= FEW_COUNTRIES => {
                format!("serves {} by name", n.country.name())
            }
            Reach::ByName(named) => format!(
                "names {} among {named} countries, a list too long to be made for it",
                n.country.name()
            ),
            Reach::ByRegion(region, _) => format!(
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
            p.overlap_days, p.need_days
        );
        let capacity = match o.kind {
            OfferKind::Training if self.scales => format!(
                "trains trainers or runs cohorts ({} left), which reaches many more than its seats",
                offer.capacity_left
            ),
            OfferKind::Training => {
                format!(
                    "{} seats left for a need of {}",
                    offer.capacity_left, n.quantity
                )
            }
            OfferKind::Tooling => format!(
                "{} licences left; a licence covers an organisation",
                offer.capacity_left
            ),
            OfferKind::Funding => format!("{} grants left", offer.capacity_left),
            _ => format!(
                "{} engagements left; one serves the requester",
                offer.capacity_left
            ),
        };
        let delivery = match p.delivery {
            Delivery::NotApplicable => {
                "delivery mode does not apply to tooling or funding".to_owned()
            }
            Delivery::Shared(mode) => format!("delivered {}, as the need asks", mode.as_str()),
            Delivery::ThroughHybrid => {
                "the delivery modes meet only through a hybrid arrangement".to_owned()
            }
        };
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
            (OfferKind::Funding, _, None) if asks_for_help(need) => {
                "funding, for a need that asks for help rather than money".to_owned()
            }
            (OfferKind::Funding, _, _) => "funding, for a need that names no budget".to_owned(),
            _ => "delivered in kind, at no cost to the requester".to_owned(),
        };
        let urgency = format!("the need is {} urgency", n.urgency.as_str());
        let restriction = |r: &Restriction| match r {
            Restriction::PrivateOnly => "private organisations only".to_owned(),
            Restriction::PublicOnly => "public organisations only".to_owned(),
            Restriction::AfterIncident => "only after an incident".to_owned(),
            Restriction::Named(names) => {
                format!("only customers or members of {}", names.join(", "))
            }
        };
        let cost = |c: &Cost| c.as_str().replace('_', " ");
        let read = match &self.eligibility {
            Eligibility::Unrestricted => String::new(),
            Eligibility::Met(r) => {
                format!("is for {}, which the need says it meets", restriction(r))
            }
            Eligibility::Presumed(r) => {
                format!("is for {}; the need does not say otherwise", restriction(r))
            }
            Eligibility::Unclear(r) => format!(
                "is for {}; the need does not say whether it is one",
                restriction(r)
            ),
            Eligibility::NotMet(r) => {
                format!("is for {}, which the need does not meet", restriction(r))
            }
            Eligibility::CostNotCovered(c) => {
                format!("does not pay for {}, which the need asks for", cost(c))
            }
        };
        let mut rules: Vec<String> = p.stated.iter().map(stated_sentence).collect();
        if !read.is_empty() {
            rules.push(format!("its description says it {read}"));
        }
        let eligibility = if rules.is_empty() {
            "states no restriction of who may apply".to_owned()
        } else {
            rules.join("; ")
        };
        let audience = match self.audience {
            AudienceFit::Unsaid if o.eligibility.audiences.is_empty() => {
                "does not say who it is made for".to_owned()
            }
            AudienceFit::Unsaid => format!(
                "made for {}; the need does not say who the help is for",
                audiences(&o.eligibility.audiences)
            ),
            AudienceFit::Covers { covered, wanted } => format!(
                "made for {}; reaches {covered} of the {wanted} audiences the need names ({})",
                audiences(&o.eligibility.audiences),
                audiences(&n.eligibility.audiences)
            ),
        };
        let reasons = [
            theme,
            text,
            geography,
            language,
            timing,
            capacity,
            delivery,
            funding,
            urgency,
            format,
            eligibility,
            audience,
        ];
        let mut weights_in_order = weights.all().to_vec();
        weights_in_order.extend([0.0, 0.0, 0.0]);
        let explanation = FACTORS
            .into_iter()
            .zip(weights_in_order)
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

/// Vocabulary words as a person reads them: `technical_staff, clinicians` as
/// "technical staff, clinicians".
fn words<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|item| item.to_string().replace('_', " "))
        .collect::<Vec<_>>()
        .join(", ")
}

fn audiences(audiences: &[Audience]) -> String {
    words(audiences)
}

/// The sentence of a structured rule the pair passed: it names the rule and how the need
/// meets it.
fn stated_sentence(rule: &Stated) -> String {
    match rule {
        Stated::Kinds(kinds) => format!(
            "open only to requesters of kind {} (the offer's rule), which the need's \
             organisation is",
            words(kinds)
        ),
        Stated::Sector(sector, true) => format!(
            "open only to {} institutions (the offer's rule), which the need's organisation is",
            sector.as_str()
        ),
        Stated::Sector(sector, false) => format!(
            "open only to {} institutions (the offer's rule); the need does not say whether its \
             organisation is one",
            sector.as_str()
        ),
        Stated::AfterIncident => {
            "only after an incident (the offer's rule), which the need says it follows".to_owned()
        }
        Stated::Costs { covered, asked } => format!(
            "pays for {covered} of the {asked} kinds of cost the need asks money for (the \
             offer's eligible costs)"
        ),
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

#[cfg(test)]
mod tests {
    //! The traps of issue 15, one by one: each pair of offers differs in what the trap is
    //! about, and the one a coordinator would pick must score higher.

    use chrono::Utc;
    use uuid::Uuid;

    use super::*;
    use crate::accounts::model::Country;
    use crate::catalogue::model::*;
    use crate::catalogue::themes::Theme;

    fn taxonomy() -> Taxonomy {
        let theme = |code: &str, parent: Option<&str>| Theme {
            code: code.into(),
            parent: parent.map(Into::into),
            name: code.into(),
            description: String::new(),
            version: 1,
            position: 0,
        };
        Taxonomy::new([
            theme("incident_response", None),
            theme("incident_response.csirt_setup", Some("incident_response")),
            theme("incident_response.playbooks", Some("incident_response")),
            theme("incident_response.forensics", Some("incident_response")),
            theme("workforce", None),
            theme("workforce.awareness", Some("workforce")),
            theme("funding", None),
            theme("funding.grants", Some("funding")),
            theme("governance", None),
            theme("governance.regulation", Some("governance")),
        ])
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn need(title: &str, description: &str, themes: &[&str]) -> Need {
        Need {
            id: Uuid::new_v4(),
            organisation_id: Uuid::new_v4(),
            requester_kind: RequesterKind::Hospital,
            fields: NeedFields {
                title: title.into(),
                description: description.into(),
                themes: themes.iter().map(|t| t.to_string()).collect(),
                country: Country::parse("KE").unwrap(),
                languages: vec![Language::parse("en").unwrap()],
                delivery_modes: vec![DeliveryMode::Remote, DeliveryMode::Hybrid],
                urgency: Urgency::High,
                quantity: 10,
                wanted_from: None,
                wanted_by: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
                budget: None,
                visibility: NeedVisibility::Public,
                anonymous: false,
                eligibility: Default::default(),
            },
            quantity_covered: 0,
            status: NeedStatus::Open,
            version: 1,
            reconfirmed_at: Utc::now(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn offer(kind: OfferKind, title: &str, description: &str, themes: &[&str]) -> Offer {
        Offer {
            id: Uuid::new_v4(),
            organisation_id: Uuid::new_v4(),
            fields: OfferFields {
                kind,
                title: title.into(),
                description: description.into(),
                themes: themes.iter().map(|t| t.to_string()).collect(),
                coverage: Coverage {
                    countries: vec![],
                    regions: vec![],
                    global: true,
                },
                languages: vec![Language::parse("en").unwrap()],
                delivery_modes: vec![DeliveryMode::Remote],
                capacity: 20,
                available_from: None,
                available_until: None,
                funding: None,
                visibility: OfferVisibility::Public,
                eligibility: Default::default(),
            },
            capacity_left: 20,
            status: OfferStatus::Open,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn scored(need: &Need, offer: &Offer) -> f64 {
        score(need, offer, &taxonomy(), &Weights::default(), today())
            .expect("passes the hard filters")
            .score
    }

    fn csirt_need() -> Need {
        need(
            "Establish a health-sector CSIRT",
            "The ministry wants a sectoral CSIRT for hospitals: mandate, services, staffing, \
             incident handling procedures and training of the team.",
            &["incident_response.csirt_setup"],
        )
    }

    #[test]
    fn a_programme_beats_a_one_hour_webinar() {
        let programme = offer(
            OfferKind::ExpertSupport,
            "CSIRT mentoring for new teams",
            "Six months of mentoring for a new CSIRT: services, incident handling procedures, \
             staffing and training of the team.",
            &["incident_response.csirt_setup"],
        );
        let webinar = offer(
            OfferKind::Training,
            "Incident response in 60 minutes: free webinar",
            "A one-hour webinar on the basics of CSIRT services and incident handling.",
            &["incident_response.csirt_setup"],
        );
        let need = csirt_need();
        assert!(scored(&need, &programme) > scored(&need, &webinar) + 0.2);
    }

    #[test]
    fn a_regional_programme_beats_a_pitch_naming_thirty_countries() {
        let mut regional = offer(
            OfferKind::ExpertSupport,
            "Health CSIRT accelerator for Eastern Africa",
            "A six-month programme for ministries that set up a sectoral CSIRT: services, \
             procedures, staffing and training of the team.",
            &["incident_response.csirt_setup"],
        );
        regional.fields.coverage = Coverage {
            countries: vec![],
            regions: vec![Region::EasternAfrica],
            global: false,
        };
        let mut pitch = offer(
            OfferKind::Tooling,
            "Managed SOC platform, now in 30+ countries",
            "The leading platform for security teams in more than 30 countries. Start a \
             90-day free trial today; our sales team will contact you.",
            &["incident_response.csirt_setup"],
        );
        pitch.fields.coverage = Coverage {
            countries: "US GB FR DE ES IT BR MX CO PE AR CL ZA NG KE EG MA AE SA IN ID PH VN TH MY SG AU JP KR TR"
                .split(' ')
                .map(|c| Country::parse(c).unwrap())
                .collect(),
            regions: vec![],
            global: false,
        };
        let need = csirt_need();
        assert!(scored(&need, &regional) > scored(&need, &pitch) + 0.2);
    }

    #[test]
    fn train_the_trainer_cohorts_are_not_sunk_by_their_seat_count() {
        let mut awareness = need(
            "Phishing awareness for 2,500 staff",
            "Every nurse and clerk in our hospitals should recognise phishing.",
            &["workforce.awareness"],
        );
        awareness.fields.quantity = 2500;
        let mut cohorts = offer(
            OfferKind::Training,
            "Train-the-trainer: phishing awareness (12 cohorts)",
            "We train your own trainers in 12 cohorts; they then run sessions in their hospital.",
            &["workforce.awareness"],
        );
        cohorts.capacity_left = 12;
        let evaluation = evaluate(&awareness, &cohorts, &taxonomy(), today()).unwrap();
        assert_eq!(evaluation.values[5], 1.0, "capacity of the cohorts");
        let mut seats = cohorts.clone();
        seats.fields.title = "Phishing awareness classes".into();
        seats.fields.description = "Classes on phishing for hospital staff.".into();
        let evaluation = evaluate(&awareness, &seats, &taxonomy(), today()).unwrap();
        assert!(evaluation.values[5] < 0.1, "12 seats for 2,500 people");
    }

    #[test]
    fn an_unmet_restriction_written_in_the_text_counts_strongly_against() {
        let forensics = need(
            "Digital forensics training",
            "Our public hospital's incident handlers need hands-on forensics training.",
            &["incident_response.forensics"],
        );
        let open = offer(
            OfferKind::Training,
            "Digital forensics course",
            "Five days of hands-on forensics training for incident handlers.",
            &["incident_response.forensics"],
        );
        let mut customers = open.clone();
        customers
            .fields
            .description
            .push_str(" Exclusively for CyberVault customers.");
        let mut private = open.clone();
        private
            .fields
            .description
            .push_str(" Eligibility: private hospitals only.");
        let mut after = open.clone();
        after
            .fields
            .description
            .push_str(" Only available after a confirmed incident.");
        for restricted in [customers, private, after] {
            assert!(
                scored(&forensics, &restricted) < 0.35,
                "{}",
                restricted.fields.description
            );
        }
        assert!(scored(&forensics, &open) > 0.75);

        let mut customer = forensics.clone();
        customer
            .fields
            .description
            .push_str(" We run CyberVault in both data centres.");
        let mut for_customers = open.clone();
        for_customers
            .fields
            .description
            .push_str(" Exclusively for CyberVault customers.");
        assert!(
            scored(&customer, &for_customers) > 0.75,
            "the need says it is a customer"
        );
    }

    #[test]
    fn a_focused_offer_beats_one_tagged_with_everything() {
        let need = need(
            "Funding for security monitoring tools",
            "We need a grant for SIEM licences and network sensors.",
            &["funding.grants"],
        );
        let mut focused = offer(
            OfferKind::Funding,
            "Grants for security monitoring tools",
            "Grants for SIEM licences and network sensors.",
            &["funding.grants"],
        );
        focused.fields.delivery_modes = vec![DeliveryMode::OnSite];
        let mut everything = focused.clone();
        everything.fields.themes = vec![
            "funding.grants".into(),
            "workforce.awareness".into(),
            "governance.regulation".into(),
            "incident_response.playbooks".into(),
        ];
        assert!(scored(&need, &focused) > scored(&need, &everything) + 0.05);
    }

    #[test]
    fn delivery_mode_does_not_filter_funding_or_tooling() {
        let mut on_site = need(
            "Funding for security monitoring tools",
            "We need a grant for SIEM licences and network sensors.",
            &["funding.grants"],
        );
        on_site.fields.delivery_modes = vec![DeliveryMode::OnSite];
        let grant = offer(
            OfferKind::Funding,
            "Grants for security monitoring",
            "Grants for SIEM licences and network sensors.",
            &["funding.grants"],
        );
        assert!(evaluate(&on_site, &grant, &taxonomy(), today()).is_ok());
        let training = offer(
            OfferKind::Training,
            "Course",
            "A remote course.",
            &["funding.grants"],
        );
        assert_eq!(
            evaluate(&on_site, &training, &taxonomy(), today()).unwrap_err(),
            Exclusion::NoSharedDeliveryMode
        );
    }

    #[test]
    fn last_seats_closing_this_week_do_not_serve_a_need_over_the_coming_months() {
        let need = csirt_need();
        let mut closing = offer(
            OfferKind::Training,
            "CSIRT bootcamp: last seats",
            "Registration closes on 5 December.",
            &["incident_response.csirt_setup"],
        );
        closing.fields.available_until = NaiveDate::from_ymd_opt(2026, 12, 5);
        assert_eq!(
            evaluate(&need, &closing, &taxonomy(), today()).unwrap_err(),
            Exclusion::WindowsDoNotOverlap
        );
    }

    #[test]
    fn a_parent_only_match_counts_when_the_text_confirms_it() {
        let playbooks = need(
            "Incident response plan and playbooks",
            "Our hospital needs a written incident response plan and playbooks for ransomware \
             and data breaches, with roles for clinicians and IT.",
            &["incident_response.playbooks"],
        );
        let confirmed = offer(
            OfferKind::ExpertSupport,
            "Building hospital incident response",
            "Three months of coaching: write the incident response plan and playbooks for \
             ransomware and data breaches, and set up the response team.",
            &["incident_response"],
        );
        let unrelated = offer(
            OfferKind::ExpertSupport,
            "Evidence laboratory services",
            "Evidence acquisition and disk imaging by our laboratory, priced per device.",
            &["incident_response"],
        );
        let (confirmed, unrelated) = (
            scored(&playbooks, &confirmed),
            scored(&playbooks, &unrelated),
        );
        assert!(confirmed > unrelated + 0.15, "{confirmed} vs {unrelated}");
    }
}
