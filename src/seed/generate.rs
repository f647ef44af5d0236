//! The demo data set as values: the organisations of `demo.toml`, and needs and offers built
//! from its texts in the languages of their countries, picked by a seeded RNG so that every
//! run writes the same text (dates move with today, so that they stay valid). Pure: no I/O.
//! The sentences live in `demo.toml`, read at compile time, so that a person edits or
//! translates the demo without touching Rust; this file only picks and combines them.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{Days, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

use crate::accounts::model::OrganisationKind::{self, *};
use crate::catalogue::model::{
    Audience, Cost, DeliveryMode, NeedVisibility, OfferKind, OfferVisibility, Region,
    RequesterKind, Sector, Urgency,
};
use crate::catalogue::validate::{NeedInput, OfferInput};

/// The seed of the demo: change it and every text changes.
pub const SEED: u64 = 20_261_124;

/// The secretariat's demo coordinator; written last, so it also marks a finished seeding.
/// An address, not a sentence: it stays here, where the CLI can print it.
pub const COORDINATOR_EMAIL: &str = "coordinator@clearinghouse-demo.example";

/// A language the demo's texts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Fr,
    Es,
    Pt,
    Ar,
    Sw,
}

impl Lang {
    pub const ALL: &'static [Lang] = &[Lang::En, Lang::Fr, Lang::Es, Lang::Pt, Lang::Ar, Lang::Sw];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Pt => "pt",
            Lang::Ar => "ar",
            Lang::Sw => "sw",
        }
    }
}

use Lang::*;

/// The whole of `demo.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoData {
    pub coordinator: DemoCoordinator,
    pub organisations: Vec<DemoOrganisation>,
    need_topics: Vec<NeedTopic>,
    /// Sentences that give a need its circumstances; one is added to each description.
    need_context: Sentences,
    /// Sentences about how the help should come; one is added to each description.
    need_constraint: Sentences,
    offer_templates: Vec<OfferTemplate>,
    /// One sentence that tells offers apart; one is added to each description.
    offer_extra: Sentences,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCoordinator {
    pub name: String,
    /// The secretariat organisation's name, when the database has none yet.
    pub secretariat: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoOrganisation {
    /// Also the admin's email domain: `admin@<key>.example`.
    pub key: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub country: String,
    #[serde(default)]
    pub unverified: bool,
    /// The first is the language it writes in most.
    pub languages: Vec<Lang>,
    /// A city, as the organisation would write it.
    pub place: String,
    pub currency: String,
    pub admin_name: String,
    /// A hospital's sector, which its needs state.
    #[serde(default)]
    pub sector: Option<Sector>,
}

impl DemoOrganisation {
    pub fn admin_email(&self) -> String {
        format!("admin@{}.example", self.key)
    }

    pub fn verified(&self) -> bool {
        !self.unverified
    }
}

/// A title and a description; `{n}` and `{place}` are filled in.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Text {
    title: String,
    description: String,
}

/// Text in the languages it exists in.
type Translations = BTreeMap<Lang, Text>;

type Sentences = BTreeMap<Lang, Vec<String>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NeedTopic {
    themes: Vec<String>,
    quantity: (i64, i64),
    /// Who the help is for.
    #[serde(default)]
    audiences: Vec<Audience>,
    text: Translations,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfferTemplate {
    kind: OfferKind,
    themes: Vec<String>,
    capacity: (i64, i64),
    /// Its eligibility, as its provider would state it; absent: none stated.
    #[serde(default)]
    requester_kinds: Vec<RequesterKind>,
    #[serde(default)]
    eligible_costs: Vec<Cost>,
    #[serde(default)]
    audiences: Vec<Audience>,
    text: Translations,
}

/// `demo.toml`, parsed on first use. It is part of the binary and its tests parse it, so a
/// failure here is a fault in the shipped file, never in anything a user did.
pub static DEMO: LazyLock<DemoData> = LazyLock::new(|| {
    toml::from_str(include_str!("demo.toml")).expect("src/seed/demo.toml parses (see its tests)")
});

/// The demo's organisations: every self-registrable kind, verified, on four continents, and a
/// few still waiting for verification.
pub static ORGANISATIONS: LazyLock<&'static [DemoOrganisation]> =
    LazyLock::new(|| &DEMO.organisations);

/// The offer kinds each kind of provider plausibly offers.
fn offer_kinds(kind: OrganisationKind) -> &'static [OfferKind] {
    use OfferKind::*;
    match kind {
        Donor => &[Funding, Funding, Funding, Training],
        Ngo => &[Training, Exercise, ExpertSupport, Assessment],
        Company => &[Tooling, Assessment, ExpertSupport, Training],
        Academia => &[Training, Assessment, Exercise],
        _ => &[
            Training,
            Exercise,
            ExpertSupport,
            Assessment,
            Tooling,
            Funding,
        ],
    }
}

/// What the demo organisation at `organisation` (an index into `ORGANISATIONS`) posts: a
/// need's or an offer's input, and whether it publishes it.
pub struct Posting<Input> {
    pub organisation: usize,
    pub input: Input,
    pub publish: bool,
}

pub type DemoNeed = Posting<NeedInput>;
pub type DemoOffer = Posting<OfferInput>;

/// Produces needs and offers one at a time, so that a large seeding never holds them all.
/// The same seed and `today` give the same sequence.
pub struct Generator {
    rng: StdRng,
    today: NaiveDate,
    requesters: Vec<usize>,
    providers: Vec<usize>,
}

fn is_requester(kind: OrganisationKind) -> bool {
    matches!(kind, Ministry | HealthAgency | Hospital)
}

fn fill(template: &str, n: i64, place: &str) -> String {
    template
        .replace("{n}", &n.to_string())
        .replace("{place}", place)
}

/// The translation in `lang`, or the English one (which the tests check every text has).
fn translated<T>(options: &BTreeMap<Lang, T>, lang: Lang) -> (Lang, &T) {
    options
        .get_key_value(&lang)
        .or_else(|| options.get_key_value(&En))
        .or_else(|| options.iter().next())
        .map(|(lang, value)| (*lang, value))
        .expect("every demo text has a translation (see the tests)")
}

impl Generator {
    pub fn new(seed: u64, today: NaiveDate) -> Self {
        let (requesters, providers) =
            (0..ORGANISATIONS.len()).partition(|&index| is_requester(ORGANISATIONS[index].kind));
        Self {
            rng: StdRng::seed_from_u64(seed),
            today,
            requesters,
            providers,
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items.choose(&mut self.rng).expect("non-empty")
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.gen_ratio(percent, 100)
    }

    fn day(&mut self, from: u64, to: u64) -> NaiveDate {
        self.today + Days::new(self.rng.gen_range(from..=to))
    }

    fn delivery_modes(&mut self) -> Vec<DeliveryMode> {
        let mut modes: Vec<DeliveryMode> = DeliveryMode::ALL
            .iter()
            .copied()
            .filter(|_| self.rng.gen_bool(0.5))
            .collect();
        if modes.is_empty() {
            modes.push(self.pick(DeliveryMode::ALL));
        }
        modes
    }

    /// The organisation's main language most of the time, another of its languages otherwise.
    fn language(&mut self, organisation: &DemoOrganisation) -> Lang {
        if organisation.languages.len() > 1 && self.chance(30) {
            self.pick(&organisation.languages[1..])
        } else {
            organisation.languages[0]
        }
    }

    fn sentence(&mut self, table: &'static Sentences, lang: Lang) -> &'static str {
        let (_, sentences) = translated(table, lang);
        sentences.choose(&mut self.rng).expect("non-empty")
    }

    pub fn need(&mut self) -> DemoNeed {
        let organisation = self.requesters[self.rng.gen_range(0..self.requesters.len())];
        let owner = &ORGANISATIONS[organisation];
        let topic = &DEMO.need_topics[self.rng.gen_range(0..DEMO.need_topics.len())];
        let wanted = self.language(owner);
        let (lang, text) = translated(&topic.text, wanted);
        let quantity = self.rng.gen_range(topic.quantity.0..=topic.quantity.1);
        let context = self.sentence(&DEMO.need_context, lang);
        let constraint = self.sentence(&DEMO.need_constraint, lang);
        let mut themes: Vec<String> = topic
            .themes
            .iter()
            .take(self.rng.gen_range(1..=topic.themes.len()))
            .cloned()
            .collect();
        if self.chance(15) {
            themes.push("supply_chain".to_owned());
        }
        let mut languages = vec![lang.code().to_owned()];
        if lang != En && self.chance(25) {
            languages.push("en".to_owned());
        }
        let urgency = match self.rng.gen_range(0..100) {
            0..=14 => Urgency::Low,
            15..=54 => Urgency::Medium,
            55..=84 => Urgency::High,
            _ => Urgency::Critical,
        };
        let wanted_from = self.chance(50).then(|| self.day(0, 60));
        let wanted_by = self.day(75, 400);
        let budget = self.chance(30).then(|| {
            let amount = self.rng.gen_range(5..=500) * 1_000;
            (amount, owner.currency.to_owned())
        });
        let visibility = match self.rng.gen_range(0..100) {
            0..=49 => NeedVisibility::Public,
            50..=84 => NeedVisibility::VerifiedProviders,
            _ => NeedVisibility::Coordinators,
        };
        // A hospital admitting an attack is the one most likely to want to stay anonymous.
        let anonymous = self.chance(if owner.kind == Hospital { 30 } else { 10 });
        let publish = owner.verified() && self.chance(88);
        Posting {
            organisation,
            input: NeedInput {
                title: fill(&text.title, quantity, &owner.place),
                description: format!(
                    "{} {context} {constraint}",
                    fill(&text.description, quantity, &owner.place)
                ),
                themes,
                country: owner.country.clone(),
                languages,
                delivery_modes: self.delivery_modes(),
                urgency,
                quantity,
                wanted_from,
                wanted_by,
                budget_amount: budget.as_ref().map(|(amount, _)| *amount),
                budget_currency: budget.map(|(_, currency)| currency),
                visibility,
                anonymous,
                sector: owner.sector,
                after_incident: false,
                costs: Vec::new(),
                audiences: topic.audiences.clone(),
            },
            publish,
        }
    }

    pub fn offer(&mut self) -> DemoOffer {
        let organisation = self.providers[self.rng.gen_range(0..self.providers.len())];
        let owner = &ORGANISATIONS[organisation];
        let kind = self.pick(offer_kinds(owner.kind));
        let candidates: Vec<&OfferTemplate> = DEMO
            .offer_templates
            .iter()
            .filter(|t| t.kind == kind)
            .collect();
        let template = self.pick(&candidates);
        let wanted = self.language(owner);
        let (lang, text) = translated(&template.text, wanted);
        let capacity = self
            .rng
            .gen_range(template.capacity.0..=template.capacity.1);
        let extra = self.sentence(&DEMO.offer_extra, lang);
        let mut languages = vec![lang.code().to_owned()];
        for other in &owner.languages {
            if *other != lang && self.chance(60) {
                languages.push(other.code().to_owned());
            }
        }
        let (countries, regions, global) = match self.rng.gen_range(0..100) {
            0..=24 => (Vec::new(), Vec::new(), true),
            25..=64 => {
                let count = self.rng.gen_range(1..=2);
                let regions: Vec<Region> = Region::ALL
                    .choose_multiple(&mut self.rng, count)
                    .copied()
                    .collect();
                (Vec::new(), regions, false)
            }
            _ => {
                let count = self.rng.gen_range(1..=6);
                let mut countries: Vec<String> = self
                    .requesters
                    .choose_multiple(&mut self.rng, count)
                    .map(|&index| ORGANISATIONS[index].country.clone())
                    .collect();
                countries.sort();
                countries.dedup();
                (countries, Vec::new(), false)
            }
        };
        let available_from = self.chance(60).then(|| self.day(0, 90));
        let available_until = self.chance(80).then(|| self.day(120, 540));
        let funding = (kind == OfferKind::Funding).then(|| {
            let amount = self.rng.gen_range(2..=200) * 5_000;
            (amount, owner.currency.to_owned())
        });
        let visibility = match self.rng.gen_range(0..100) {
            0..=69 => OfferVisibility::Public,
            70..=94 => OfferVisibility::VerifiedOrganisations,
            _ => OfferVisibility::Coordinators,
        };
        let publish = owner.verified() && self.chance(88);
        Posting {
            organisation,
            input: OfferInput {
                kind,
                title: fill(&text.title, capacity, &owner.place),
                description: format!(
                    "{} {extra}",
                    fill(&text.description, capacity, &owner.place)
                ),
                themes: template
                    .themes
                    .iter()
                    .take(self.rng.gen_range(1..=template.themes.len()))
                    .cloned()
                    .collect(),
                countries,
                regions,
                global,
                languages,
                delivery_modes: self.delivery_modes(),
                capacity,
                available_from,
                available_until,
                funding_amount: funding.as_ref().map(|(amount, _)| *amount),
                funding_currency: funding.map(|(_, currency)| currency),
                visibility,
                requester_kinds: template.requester_kinds.clone(),
                sector: None,
                only_after_incident: false,
                eligible_costs: template.eligible_costs.clone(),
                audiences: template.audiences.clone(),
            },
            publish,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::catalogue::themes::{Taxonomy, Theme};
    use crate::catalogue::validate::{validate_need, validate_offer};

    /// The codes the demo uses, as the catalogue migration ships them.
    fn taxonomy() -> Taxonomy {
        let sql = include_str!("../../migrations/2026-11-24-000050_catalogue/up.sql");
        Taxonomy::new(sql.lines().filter_map(|line| {
            let code = line.strip_prefix("('")?.split('\'').next()?;
            Some(Theme {
                code: code.to_owned(),
                parent: None,
                name: code.to_owned(),
                description: String::new(),
                version: 1,
                position: 0,
            })
        }))
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    /// Every text with its place in `demo.toml`, for the checks below to name.
    fn texts() -> Vec<(String, &'static Translations)> {
        let needs = DEMO
            .need_topics
            .iter()
            .enumerate()
            .map(|(i, topic)| (format!("need_topics[{i}]"), &topic.text));
        let offers = DEMO
            .offer_templates
            .iter()
            .enumerate()
            .map(|(i, template)| (format!("offer_templates[{i}]"), &template.text));
        needs.chain(offers).collect()
    }

    #[test]
    fn the_demo_file_names_only_codes_the_api_accepts() {
        let taxonomy = taxonomy();
        let themes = DEMO
            .need_topics
            .iter()
            .flat_map(|topic| &topic.themes)
            .chain(DEMO.offer_templates.iter().flat_map(|t| &t.themes));
        for code in themes.chain([&"supply_chain".to_owned()]) {
            assert!(taxonomy.contains(code), "demo.toml: unknown theme {code}");
        }
        for organisation in ORGANISATIONS.iter() {
            let key = &organisation.key;
            assert!(
                crate::accounts::model::Country::parse(&organisation.country).is_some(),
                "demo.toml: {key} has an unknown country {}",
                organisation.country
            );
            assert!(
                crate::catalogue::model::Money::currency_is_valid(&organisation.currency),
                "demo.toml: {key} has an unknown currency {}",
                organisation.currency
            );
            assert!(!organisation.languages.is_empty(), "{key} has no language");
            for lang in &organisation.languages {
                assert!(
                    isolang::Language::from_639_1(lang.code()).is_some(),
                    "{lang:?}"
                );
            }
            assert!(
                !organisation.name.trim().is_empty() && !organisation.place.trim().is_empty(),
                "{key} has a name and a place"
            );
        }
    }

    #[test]
    fn every_demo_text_has_english_and_only_known_placeholders() {
        for (place, text) in texts() {
            assert!(text.contains_key(&En), "demo.toml: {place} has no English");
            for (lang, text) in text {
                for part in [&text.title, &text.description] {
                    let rest = part.replace("{n}", "").replace("{place}", "");
                    assert!(
                        !rest.contains('{') && !rest.contains('}') && !part.trim().is_empty(),
                        "demo.toml: {place}.text.{}: {part}",
                        lang.code()
                    );
                }
            }
        }
        for (name, table) in [
            ("need_context", &DEMO.need_context),
            ("need_constraint", &DEMO.need_constraint),
            ("offer_extra", &DEMO.offer_extra),
        ] {
            assert!(table.contains_key(&En), "demo.toml: {name} has no English");
            assert!(
                table.values().all(|sentences| !sentences.is_empty()),
                "demo.toml: {name} has a language without sentences"
            );
        }
        for kind in ORGANISATIONS
            .iter()
            .filter(|o| !is_requester(o.kind))
            .flat_map(|o| offer_kinds(o.kind))
        {
            assert!(
                DEMO.offer_templates.iter().any(|t| t.kind == *kind),
                "demo.toml: no offer template of kind {kind}"
            );
        }
    }

    #[test]
    fn the_same_seed_writes_the_same_text() {
        let (mut a, mut b) = (Generator::new(SEED, today()), Generator::new(SEED, today()));
        for _ in 0..50 {
            let (x, y) = (a.need(), b.need());
            assert_eq!(
                (x.input.title, x.input.description),
                (y.input.title, y.input.description)
            );
        }
        let other = Generator::new(SEED + 1, today()).need();
        assert_ne!(other.input.description, a.need().input.description);
    }

    #[test]
    fn every_generated_record_passes_the_api_validation() {
        let taxonomy = taxonomy();
        assert!(taxonomy.contains("ransomware.backup_recovery"));
        let mut generator = Generator::new(SEED, today());
        for _ in 0..3000 {
            let need = generator.need();
            validate_need(&need.input, &taxonomy, today()).expect("a valid need");
            assert!(
                ORGANISATIONS[need.organisation].kind.side()
                    == crate::accounts::model::Side::Requester
            );
        }
        for _ in 0..1000 {
            let offer = generator.offer();
            validate_offer(&offer.input, &taxonomy, today()).expect("a valid offer");
        }
    }

    #[test]
    fn the_demo_covers_kinds_languages_and_visibilities() {
        let kinds: HashSet<_> = ORGANISATIONS
            .iter()
            .filter(|o| o.verified())
            .map(|o| o.kind)
            .collect();
        assert_eq!(kinds.len(), 8, "every self-registrable kind, verified");
        assert!(ORGANISATIONS.iter().any(|o| !o.verified()));
        let keys: HashSet<_> = ORGANISATIONS.iter().map(|o| &o.key).collect();
        assert_eq!(keys.len(), ORGANISATIONS.len(), "emails are unique");

        let mut generator = Generator::new(SEED, today());
        let needs: Vec<DemoNeed> = (0..200).map(|_| generator.need()).collect();
        let offers: Vec<DemoOffer> = (0..100).map(|_| generator.offer()).collect();
        let languages: HashSet<_> = needs.iter().map(|n| n.input.languages[0].clone()).collect();
        for code in ["en", "fr", "es", "pt", "ar", "sw"] {
            assert!(languages.contains(code), "a need in {code}");
        }
        let visibilities: HashSet<_> = needs.iter().map(|n| n.input.visibility).collect();
        assert_eq!(visibilities.len(), 3);
        assert!(needs.iter().any(|n| n.input.anonymous));
        assert!(
            needs.iter().any(|n| !n.publish) && needs.iter().filter(|n| n.publish).count() > 150
        );
        let offer_kinds: HashSet<_> = offers.iter().map(|o| o.input.kind).collect();
        assert_eq!(offer_kinds.len(), OfferKind::ALL.len());
        assert!(offers.iter().any(|o| o.input.global));
        assert!(offers.iter().any(|o| !o.input.regions.is_empty()));
        assert!(offers.iter().any(|o| !o.input.countries.is_empty()));
    }
}
