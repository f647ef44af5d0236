//! Property tests of scoring and candidate generation over random catalogues.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use uuid::Uuid;

use crate::accounts::model::Country;
use crate::catalogue::model::*;
use crate::catalogue::themes::{taxonomy_of, Taxonomy};
use crate::matching::index::{best_first, related_themes, Matcher};
use crate::matching::open_offers::OpenOffers;
use crate::matching::score::{evaluate, score, Evaluation, Exclusion, Score, Weights, FACTORS};
use crate::matching::service::{best_first as rank, Window};

const THEMES: [&str; 6] = ["a", "a.x", "a.y", "b", "b.x", "c"];
const COUNTRIES: [&str; 4] = ["KE", "UG", "FR", "PE"];
const LANGUAGES: [&str; 4] = ["en", "fr", "es", "sw"];
/// Words the scorer reads: plain, in another language, and each kind of trap it looks for.
const TEXTS: [(&str, &str); 7] = [
    ("need", "need"),
    (
        "Backup and recovery",
        "Offline backups and tested restores for our public hospital.",
    ),
    (
        "Sauvegardes",
        "Sauvegardes hors ligne et restauration pendant six mois.",
    ),
    ("Webinar", "A one-hour webinar on incident response."),
    (
        "Train-the-trainer",
        "Twelve cohorts of trainers for awareness of phishing.",
    ),
    (
        "Grants",
        "Grants for training costs only. Equipment is not eligible.",
    ),
    (
        "Retainer",
        "Only available after a confirmed incident, for private hospitals only.",
    ),
];

fn taxonomy() -> Taxonomy {
    taxonomy_of(THEMES)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn subset<T: Clone + std::fmt::Debug + 'static>(
    pool: &'static [T],
) -> impl Strategy<Value = Vec<T>> {
    proptest::sample::subsequence(pool, 1..=pool.len()).prop_shuffle()
}

/// What a need says for eligibility: mostly nothing, sometimes something.
fn need_eligibility() -> impl Strategy<Value = (RequesterKind, NeedEligibility)> {
    (
        proptest::sample::select(RequesterKind::ALL),
        proptest::option::weighted(0.3, proptest::sample::select(Sector::ALL)),
        proptest::bool::weighted(0.3),
        proptest::sample::subsequence(Cost::ALL, 0..=2),
        proptest::sample::subsequence(Audience::ALL, 0..=2),
    )
        .prop_map(|(kind, sector, after_incident, costs, audiences)| {
            (
                kind,
                NeedEligibility {
                    sector,
                    after_incident,
                    costs,
                    audiences,
                },
            )
        })
}

/// An offer's stated eligibility: mostly none, sometimes rules.
fn offer_eligibility() -> impl Strategy<Value = OfferEligibility> {
    (
        proptest::option::weighted(
            0.2,
            proptest::sample::subsequence(RequesterKind::ALL, 1..=2),
        ),
        proptest::option::weighted(0.2, proptest::sample::select(SectorRule::ALL)),
        proptest::bool::weighted(0.15),
        proptest::option::weighted(0.3, proptest::sample::subsequence(Cost::ALL, 1..=3)),
        proptest::sample::subsequence(Audience::ALL, 0..=2),
    )
        .prop_map(
            |(kinds, sector, only_after_incident, costs, audiences)| OfferEligibility {
                requester_kinds: kinds.unwrap_or_default(),
                sector,
                only_after_incident,
                eligible_costs: costs.unwrap_or_default(),
                audiences,
            },
        )
}

fn need() -> impl Strategy<Value = Need> {
    (
        subset(&THEMES),
        0..COUNTRIES.len(),
        subset(&LANGUAGES),
        subset(&[
            DeliveryMode::Remote,
            DeliveryMode::OnSite,
            DeliveryMode::Hybrid,
        ]),
        0..4usize,
        1..50i32,
        (0..60i64, 0..200i64),
        proptest::option::of(0..100_000i64),
        0..TEXTS.len(),
        need_eligibility(),
    )
        .prop_map(
            |(
                themes,
                country,
                languages,
                modes,
                urgency,
                quantity,
                (from, length),
                budget,
                text,
                (requester_kind, eligibility),
            )| Need {
                id: Uuid::new_v4(),
                organisation_id: Uuid::new_v4(),
                requester_kind,
                fields: NeedFields {
                    title: TEXTS[text].0.into(),
                    description: TEXTS[text].1.into(),
                    themes: themes.into_iter().map(String::from).collect(),
                    country: Country::parse(COUNTRIES[country]).unwrap(),
                    languages: languages
                        .into_iter()
                        .map(|l| Language::parse(l).unwrap())
                        .collect(),
                    delivery_modes: modes,
                    urgency: Urgency::ALL[urgency],
                    quantity,
                    wanted_from: Some(today() + chrono::Duration::days(from)),
                    wanted_by: today() + chrono::Duration::days(from + length),
                    budget: budget.map(|amount| Money {
                        amount,
                        currency: "USD".into(),
                    }),
                    visibility: NeedVisibility::Public,
                    anonymous: false,
                    eligibility,
                },
                quantity_covered: 0,
                status: NeedStatus::Open,
                version: 1,
                reconfirmed_at: Utc::now(),
                created_at: Utc::now(),
                updated_at: Utc::now(),
            },
        )
}

fn offer() -> impl Strategy<Value = Offer> {
    (
        subset(&THEMES),
        proptest::sample::subsequence(&COUNTRIES, 0..=2),
        any::<bool>(),
        subset(&LANGUAGES),
        subset(&[
            DeliveryMode::Remote,
            DeliveryMode::OnSite,
            DeliveryMode::Hybrid,
        ]),
        (1..40i32, 0..40i32),
        proptest::option::of((0..100i64, 0..300i64)),
        proptest::option::of(0..200_000i64),
        0..TEXTS.len(),
        offer_eligibility(),
    )
        .prop_map(
            |(
                themes,
                countries,
                global,
                languages,
                modes,
                (capacity, used),
                window,
                funding,
                text,
                mut eligibility,
            )| {
                if funding.is_none() {
                    // Only grants state the costs they pay for.
                    eligibility.eligible_costs.clear();
                }
                Offer {
                    id: Uuid::new_v4(),
                    organisation_id: Uuid::new_v4(),
                    fields: OfferFields {
                        kind: if funding.is_some() {
                            OfferKind::Funding
                        } else {
                            OfferKind::Training
                        },
                        title: TEXTS[text].0.into(),
                        description: TEXTS[text].1.into(),
                        themes: themes.into_iter().map(String::from).collect(),
                        coverage: Coverage {
                            countries: countries
                                .into_iter()
                                .map(|c| Country::parse(c).unwrap())
                                .collect(),
                            regions: vec![Region::EasternAfrica],
                            global,
                        },
                        languages: languages
                            .into_iter()
                            .map(|l| Language::parse(l).unwrap())
                            .collect(),
                        delivery_modes: modes,
                        capacity,
                        available_from: window
                            .map(|(from, _)| today() + chrono::Duration::days(from)),
                        available_until: window
                            .map(|(from, length)| today() + chrono::Duration::days(from + length)),
                        funding: funding.map(|amount| Money {
                            amount,
                            currency: "USD".into(),
                        }),
                        visibility: OfferVisibility::Public,
                        eligibility,
                    },
                    capacity_left: (capacity - used).max(0),
                    status: OfferStatus::Open,
                    version: 1,
                    created_at: Utc::now(),
                    updated_at: Utc::now(),
                }
            },
        )
}

proptest! {
    #[test]
    fn scores_stay_between_zero_and_one(need in need(), offer in offer()) {
        if let Ok(scored) = score(&need, &offer, &taxonomy(), &Weights::default(), today()) {
            prop_assert!((0.0..=1.0).contains(&scored.score), "{}", scored.score);
            prop_assert_eq!(scored.explanation.len(), FACTORS.len());
            for factor in &scored.explanation {
                prop_assert!((0.0..=1.0).contains(&factor.value), "{factor:?}");
                prop_assert!(!factor.reason.is_empty());
            }
        }
    }

    #[test]
    fn failing_a_hard_filter_means_no_candidate(need in need(), offer in offer()) {
        let taxonomy = taxonomy();
        let mut closed = offer.clone();
        closed.status = OfferStatus::Closed;
        prop_assert_eq!(score(&need, &closed, &taxonomy, &Weights::default(), today()).unwrap_err(), Exclusion::NotOpen);
        let mut full = offer.clone();
        full.capacity_left = 0;
        prop_assert!(score(&need, &full, &taxonomy, &Weights::default(), today()).is_err());
        let mut elsewhere = offer.clone();
        elsewhere.fields.languages = vec![Language::parse("zh").unwrap()];
        prop_assert!(score(&need, &elsewhere, &taxonomy, &Weights::default(), today()).is_err());
        let mut unrelated = offer;
        unrelated.fields.themes = vec!["unrelated".into()];
        prop_assert!(score(&need, &unrelated, &taxonomy, &Weights::default(), today()).is_err());
    }

    /// An offer whose stated rules the need's requester does not meet is never among its
    /// candidates, in either direction, whatever else fits.
    #[test]
    fn an_ineligible_requester_never_sees_the_offer(need in need(), offer in offer(), rule in 0..4usize) {
        let taxonomy = taxonomy();
        let (mut need, mut offer) = (need, offer);
        let expected = match rule {
            0 => {
                offer.fields.eligibility.requester_kinds = RequesterKind::ALL
                    .iter()
                    .copied()
                    .filter(|kind| *kind != need.requester_kind)
                    .collect();
                Exclusion::RequesterKindNotEligible
            }
            1 => {
                need.fields.eligibility.sector = Some(Sector::Private);
                offer.fields.eligibility.sector = Some(SectorRule::Public);
                Exclusion::SectorNotEligible
            }
            2 => {
                need.fields.eligibility.after_incident = false;
                offer.fields.eligibility.only_after_incident = true;
                Exclusion::IncidentRequired
            }
            _ => {
                offer.fields.kind = OfferKind::Funding;
                offer.fields.eligibility.eligible_costs = vec![Cost::Staff];
                need.fields.eligibility.costs = vec![Cost::Equipment, Cost::Licences];
                Exclusion::CostsNotEligible
            }
        };
        // The requester-kind and sector rules come before the others, so clear what would
        // fail first for another reason.
        if rule != 0 {
            offer.fields.eligibility.requester_kinds.clear();
        }
        if rule > 1 {
            offer.fields.eligibility.sector = None;
        }
        if rule > 2 {
            offer.fields.eligibility.only_after_incident = false;
        }
        if offer.status == OfferStatus::Open && offer.capacity_left > 0 {
            prop_assert_eq!(score(&need, &offer, &taxonomy, &Weights::default(), today()).unwrap_err(), expected);
        } else {
            prop_assert!(score(&need, &offer, &taxonomy, &Weights::default(), today()).is_err());
        }
        let (needs, offers) = ([need], [offer]);
        let matcher = Matcher::new(&needs, &offers, &taxonomy, Weights::default(), today());
        prop_assert!(matcher.offers_for(0).is_empty());
        prop_assert!(matcher.needs_for(0).is_empty());
    }

    #[test]
    fn sharing_more_never_lowers_a_score(need in need(), offer in offer(), pick in 0..4usize) {
        let taxonomy = taxonomy();
        let before = score(&need, &offer, &taxonomy, &Weights::default(), today());
        let mut more_languages = offer.clone();
        let language = need.fields.languages[pick % need.fields.languages.len()].clone();
        if !more_languages.fields.languages.contains(&language) {
            more_languages.fields.languages.push(language);
        }
        let mut more_themes = offer.clone();
        let theme = need.fields.themes[pick % need.fields.themes.len()].clone();
        if !more_themes.fields.themes.contains(&theme) {
            more_themes.fields.themes.push(theme);
        }
        for widened in [more_languages, more_themes] {
            let after = score(&need, &widened, &taxonomy, &Weights::default(), today());
            if let Ok(before) = &before {
                let after = after.expect("widening an offer cannot exclude it");
                prop_assert!(after.score >= before.score - 1e-12, "{} < {}", after.score, before.score);
            }
        }
    }

    #[test]
    fn more_capacity_or_a_longer_window_never_lowers_a_score(need in need(), offer in offer(), more in 1..100i32, days in 1..400i64) {
        let taxonomy = taxonomy();
        let before = score(&need, &offer, &taxonomy, &Weights::default(), today());
        let mut roomier = offer.clone();
        roomier.capacity_left += more;
        roomier.fields.capacity += more;
        let mut longer = offer.clone();
        longer.fields.available_until = longer.fields.available_until.map(|d| d + chrono::Duration::days(days));
        for widened in [roomier, longer] {
            let after = score(&need, &widened, &taxonomy, &Weights::default(), today());
            if let Ok(before) = &before {
                let after = after.expect("more room cannot exclude an offer");
                prop_assert!(after.score >= before.score - 1e-12, "{} < {}", after.score, before.score);
            }
        }
    }

    #[test]
    fn the_held_open_offers_follow_the_last_change_of_each(
        changes in proptest::collection::vec((0..4u128, offer(), 0..OfferStatus::ALL.len(), 0..3i32), 1..40)
    ) {
        let taxonomy = taxonomy();
        let held = OpenOffers::new();
        let mut last: HashMap<Uuid, Offer> = HashMap::new();
        for (slot, mut offer, status, capacity_left) in changes {
            offer.id = Uuid::from_u128(slot + 1);
            offer.status = OfferStatus::ALL[status];
            offer.capacity_left = capacity_left;
            held.hold(offer.clone());
            last.insert(offer.id, offer);
        }
        let can_be_candidate =
            |o: &Offer| o.status == OfferStatus::Open && o.capacity_left > 0;
        prop_assert_eq!(held.len(), last.values().filter(|o| can_be_candidate(o)).count());
        let asked_in = [vec!["en"], vec!["fr", "sw"], LANGUAGES.to_vec()];
        for (theme, languages) in THEMES.iter().flat_map(|t| asked_in.iter().map(move |l| (t, l))) {
            let languages: Vec<Language> =
                languages.iter().map(|l| Language::parse(l).unwrap()).collect();
            let mut found: Vec<Uuid> =
                held.with_related(&[theme.to_string()], &languages, &taxonomy, |found| {
                    found.iter().map(|h| h.offer.id).collect()
                });
            found.sort();
            let mut expected: Vec<Uuid> = last
                .values()
                .filter(|o| can_be_candidate(o))
                .filter(|o| {
                    o.fields.themes.iter().any(|t| related_themes(theme, &taxonomy).any(|r| r == t))
                })
                .filter(|o| o.fields.languages.iter().any(|l| languages.contains(l)))
                .map(|o| o.id)
                .collect();
            expected.sort();
            prop_assert_eq!(found, expected, "theme {} in {:?}", theme, languages);
        }
    }

    #[test]
    fn candidates_come_in_one_order_best_first(needs in proptest::collection::vec(need(), 1..6), offers in proptest::collection::vec(offer(), 1..16)) {
        let taxonomy = taxonomy();
        let matcher = Matcher::new(&needs, &offers, &taxonomy, Weights::default(), today());
        let again = Matcher::new(&needs, &offers, &taxonomy, Weights::default(), today());
        for n in 0..needs.len() {
            let ranked = matcher.offers_for(n);
            prop_assert_eq!(&ranked, &again.offers_for(n));
            for pair in ranked.windows(2) {
                prop_assert_ne!(best_first(&pair[0], &pair[1]), std::cmp::Ordering::Greater);
                prop_assert!(pair[0].score >= pair[1].score);
            }
        }
    }

    #[test]
    fn a_window_of_the_ranking_is_that_slice_of_the_whole_ranking(
        need in need(),
        offers in proptest::collection::vec(offer(), 1..24),
        start in 0usize..26,
        len in 1usize..26,
    ) {
        // Candidate pages explain only their window; what they show must be exactly the
        // window of the whole ranking, explained as the whole one would be.
        let (taxonomy, weights) = (taxonomy(), Weights::default());
        let evaluated: Vec<(Offer, Evaluation)> = offers
            .iter()
            .filter_map(|offer| Some((offer.clone(), evaluate(&need, offer, &taxonomy, today()).ok()?)))
            .collect();
        let explain = |offer: &Offer, evaluation: &Evaluation| evaluation.explain(&need, offer, &weights);
        let id = |offer: &Offer| offer.id;
        let whole = rank(evaluated.clone(), &weights, id, Window { start: 0, len: usize::MAX }, explain);
        let window = Window { start, len };
        let page = rank(evaluated.clone(), &weights, id, window, explain);
        prop_assert_eq!(whole.total, evaluated.len());
        prop_assert_eq!(page.total, evaluated.len());
        let expected: Vec<(Uuid, Score)> = whole
            .shown
            .iter()
            .skip(start)
            .take(len)
            .map(|(offer, score)| (offer.id, score.clone()))
            .collect();
        let shown: Vec<(Uuid, Score)> = page.shown.iter().map(|(offer, score)| (offer.id, score.clone())).collect();
        prop_assert_eq!(shown, expected);
        prop_assert_eq!(page.next_start(window), (start + len < evaluated.len()).then_some(start + len));
    }

    #[test]
    fn both_directions_find_the_same_pairs(needs in proptest::collection::vec(need(), 1..12), offers in proptest::collection::vec(offer(), 1..12)) {
        let taxonomy = taxonomy();
        let matcher = Matcher::new(&needs, &offers, &taxonomy, Weights::default(), today());
        let mut from_needs: Vec<(usize, usize, u64)> = (0..needs.len())
            .flat_map(|n| matcher.offers_for(n))
            .map(|p| (p.need, p.offer, p.score.to_bits()))
            .collect();
        let mut from_offers: Vec<(usize, usize, u64)> = (0..offers.len())
            .flat_map(|o| matcher.needs_for(o))
            .map(|p| (p.need, p.offer, p.score.to_bits()))
            .collect();
        from_needs.sort();
        from_offers.sort();
        prop_assert_eq!(&from_needs, &from_offers);
        // The index misses nothing a full scan would find.
        let mut scanned: Vec<(usize, usize, u64)> = Vec::new();
        for (n, need) in needs.iter().enumerate() {
            for (o, offer) in offers.iter().enumerate() {
                if let Ok(s) = score(need, offer, &taxonomy, &Weights::default(), today()) {
                    scanned.push((n, o, s.score.to_bits()));
                }
            }
        }
        scanned.sort();
        prop_assert_eq!(from_needs, scanned);
    }
}

#[test]
fn explanations_read_like_sentences() {
    let taxonomy = taxonomy();
    let runner = &mut proptest::test_runner::TestRunner::deterministic();
    let mut need = need().new_tree(runner).unwrap().current();
    let mut offer = offer().new_tree(runner).unwrap().current();
    (need.fields.title, need.fields.description) = ("need".into(), "need".into());
    (offer.fields.title, offer.fields.description) = ("offer".into(), "offer".into());
    need.fields.themes = vec!["a.x".into()];
    need.fields.languages = vec![
        Language::parse("fr").unwrap(),
        Language::parse("en").unwrap(),
    ];
    need.fields.country = Country::parse("KE").unwrap();
    need.fields.delivery_modes = vec![DeliveryMode::Remote];
    offer.fields.themes = vec!["a".into()];
    offer.fields.languages = vec![Language::parse("fr").unwrap()];
    offer.fields.coverage = Coverage {
        countries: vec![],
        regions: vec![Region::EasternAfrica],
        global: false,
    };
    offer.fields.delivery_modes = vec![DeliveryMode::Remote];
    offer.fields.available_from = None;
    offer.fields.available_until = None;
    offer.capacity_left = 10;
    offer.fields.kind = OfferKind::Training;
    offer.fields.funding = None;
    need.requester_kind = RequesterKind::Hospital;
    need.fields.eligibility = NeedEligibility {
        sector: Some(Sector::Public),
        after_incident: true,
        costs: vec![],
        audiences: vec![Audience::TechnicalStaff, Audience::Management],
    };
    offer.fields.eligibility = OfferEligibility {
        requester_kinds: vec![RequesterKind::Hospital],
        sector: Some(SectorRule::Public),
        only_after_incident: true,
        eligible_costs: vec![],
        audiences: vec![Audience::TechnicalStaff],
    };
    let scored = score(&need, &offer, &taxonomy, &Weights::default(), today()).unwrap();
    let reasons: Vec<&str> = scored
        .explanation
        .iter()
        .map(|f| f.reason.as_str())
        .collect();
    assert_eq!(
        reasons[0],
        "covers the need's main theme only through a parent or child theme; \
         0 of the need's 1 themes exactly and 1 through a parent or child theme"
    );
    assert_eq!(reasons[1], "too little text to compare the descriptions");
    assert_eq!(
        reasons[2],
        "serves the region eastern_africa that Kenya is in"
    );
    assert_eq!(reasons[3], "delivers in fr; the need asks for fr or en");
    // The eligibility sentence names each rule the offer states and how the need meets it.
    assert_eq!(
        reasons[10],
        "open only to requesters of kind hospital (the offer's rule), which the need's \
         organisation is; \
         open only to public institutions (the offer's rule), which the need's organisation \
         is; only after an incident (the offer's rule), which the need says it follows"
    );
    assert_eq!(
        reasons[11],
        "made for technical staff; reaches 1 of the 2 audiences the need names \
         (technical staff, management)"
    );
    assert_eq!(scored.explanation[11].value, 0.9);
}
