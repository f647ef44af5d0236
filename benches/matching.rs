//! Matching benchmarks (criterion): candidates for one need as the catalogue grows with the
//! number of candidates fixed, a full run at 10k x 10k, and the allocation at 1k x 1k. After
//! criterion's own report it prints each figure as a ratio to a baseline from the same run.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use clearinghouse::accounts::model::Country;
use clearinghouse::catalogue::model::*;
use clearinghouse::catalogue::themes::{Taxonomy, Theme};
use clearinghouse::matching::allocation::{allocate, Arc, Demand};
use clearinghouse::matching::index::Matcher;
use clearinghouse::matching::score::Weights;
use criterion::measurement::WallTime;
use criterion::{criterion_group, BenchmarkGroup, BenchmarkId, Criterion};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

const COUNTRIES: [&str; 12] = [
    "KE", "UG", "TZ", "SN", "GH", "NG", "PE", "BR", "IN", "PH", "FR", "UA",
];
const LANGUAGES: [&str; 5] = ["en", "fr", "es", "pt", "sw"];
/// Candidates the probe need has, whatever the catalogue's size.
const PROBE_CANDIDATES: usize = 50;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// 40 top themes with 4 children each, plus a theme only the probe's candidates carry.
fn taxonomy() -> Taxonomy {
    let mut themes = vec![Theme {
        code: "probe".into(),
        parent: None,
        name: "probe".into(),
        description: String::new(),
        version: 1,
        position: 0,
    }];
    for top in 0..40 {
        themes.push(Theme {
            code: format!("t{top}"),
            parent: None,
            name: String::new(),
            description: String::new(),
            version: 1,
            position: 0,
        });
        for child in 0..4 {
            themes.push(Theme {
                code: format!("t{top}.{child}"),
                parent: Some(format!("t{top}")),
                name: String::new(),
                description: String::new(),
                version: 1,
                position: 0,
            });
        }
    }
    Taxonomy::new(themes)
}

fn random_theme(rng: &mut StdRng) -> String {
    format!("t{}.{}", rng.gen_range(0..40), rng.gen_range(0..4))
}

fn need(rng: &mut StdRng, themes: Vec<String>) -> Need {
    Need {
        id: Uuid::new_v4(),
        organisation_id: Uuid::new_v4(),
        requester_kind: RequesterKind::Hospital,
        fields: NeedFields {
            title: String::new(),
            description: String::new(),
            themes,
            country: Country::parse(COUNTRIES[rng.gen_range(0..COUNTRIES.len())]).unwrap(),
            languages: vec![Language::parse(LANGUAGES[rng.gen_range(0..LANGUAGES.len())]).unwrap()],
            delivery_modes: vec![DeliveryMode::Remote, DeliveryMode::Hybrid],
            urgency: Urgency::ALL[rng.gen_range(0..4)],
            quantity: rng.gen_range(1..30),
            wanted_from: None,
            wanted_by: today() + chrono::Duration::days(rng.gen_range(30..365)),
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

fn offer(rng: &mut StdRng, themes: Vec<String>) -> Offer {
    let countries = (0..rng.gen_range(1..4))
        .map(|_| Country::parse(COUNTRIES[rng.gen_range(0..COUNTRIES.len())]).unwrap())
        .collect();
    let capacity = rng.gen_range(1..40);
    Offer {
        id: Uuid::new_v4(),
        organisation_id: Uuid::new_v4(),
        fields: OfferFields {
            kind: OfferKind::Training,
            title: String::new(),
            description: String::new(),
            themes,
            coverage: Coverage {
                countries,
                regions: vec![],
                global: rng.gen_bool(0.1),
            },
            languages: (0..2)
                .map(|_| Language::parse(LANGUAGES[rng.gen_range(0..LANGUAGES.len())]).unwrap())
                .collect(),
            delivery_modes: vec![DeliveryMode::Remote],
            capacity,
            available_from: None,
            available_until: None,
            funding: None,
            visibility: OfferVisibility::Public,
            eligibility: Default::default(),
        },
        capacity_left: capacity,
        status: OfferStatus::Open,
        version: 1,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

/// The probe need (position 0) and `offers` offers of which exactly PROBE_CANDIDATES share
/// its theme and can meet it.
fn catalogue_for_probe(offers: usize) -> (Vec<Need>, Vec<Offer>) {
    let mut rng = StdRng::seed_from_u64(7);
    let mut probe = need(&mut rng, vec!["probe".into()]);
    probe.fields.country = Country::parse("KE").unwrap();
    probe.fields.languages = vec![Language::parse("en").unwrap()];
    let mut catalogue: Vec<Offer> = (0..offers - PROBE_CANDIDATES)
        .map(|_| {
            let theme = random_theme(&mut rng);
            offer(&mut rng, vec![theme])
        })
        .collect();
    for _ in 0..PROBE_CANDIDATES {
        let mut candidate = offer(&mut rng, vec!["probe".into()]);
        candidate.fields.coverage.global = true;
        candidate.fields.languages = vec![Language::parse("en").unwrap()];
        catalogue.push(candidate);
    }
    (vec![probe], catalogue)
}

fn full_catalogue(needs: usize, offers: usize, seed: u64) -> (Vec<Need>, Vec<Offer>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let needs = random_items(&mut rng, needs, 1..3, need);
    let offers = random_items(&mut rng, offers, 1..4, offer);
    (needs, offers)
}

/// `count` items that `make` builds, each on a number of random themes drawn from `themes`.
fn random_items<T>(
    rng: &mut StdRng,
    count: usize,
    themes: std::ops::Range<usize>,
    make: fn(&mut StdRng, Vec<String>) -> T,
) -> Vec<T> {
    (0..count)
        .map(|_| {
            let drawn = (0..rng.gen_range(themes.clone()))
                .map(|_| random_theme(rng))
                .collect();
            make(rng, drawn)
        })
        .collect()
}

/// A criterion group of `samples` samples, measured for `seconds` at each size.
fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
    samples: usize,
    seconds: u64,
) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(samples)
        .measurement_time(Duration::from_secs(seconds));
    group
}

fn candidates(c: &mut Criterion) {
    let taxonomy = taxonomy();
    let mut group = group(c, "candidates", 30, 3);
    for size in [1_000, 10_000, 100_000] {
        let (needs, offers) = catalogue_for_probe(size);
        let matcher = Matcher::new(&needs, &offers, &taxonomy, Weights::default(), today());
        assert_eq!(matcher.offers_for(0).len(), PROBE_CANDIDATES);
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| matcher.offers_for(0))
        });
    }
    group.finish();
}

fn full_run(c: &mut Criterion) {
    let taxonomy = taxonomy();
    let mut group = group(c, "full_run", 10, 10);
    for size in [1_000, 10_000] {
        let (needs, offers) = full_catalogue(size, size, 11);
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| {
                Matcher::new(&needs, &offers, &taxonomy, Weights::default(), today())
                    .all_pairs(0.5)
                    .len()
            })
        });
    }
    group.finish();
}

fn allocation(c: &mut Criterion) {
    let taxonomy = taxonomy();
    let mut group = group(c, "allocation", 10, 8);
    for size in [100, 1_000] {
        let (needs, offers) = full_catalogue(size, size, 13);
        let matcher = Matcher::new(&needs, &offers, &taxonomy, Weights::default(), today());
        let arcs: Vec<Arc> = matcher
            .all_pairs(0.0)
            .into_iter()
            .map(|p| Arc {
                need: p.need,
                offer: p.offer,
                score: p.score,
            })
            .collect();
        let demands: Vec<Demand> = needs
            .iter()
            .map(|n| Demand {
                remaining: n.fields.quantity.into(),
                urgency: n.fields.urgency,
            })
            .collect();
        let capacities: Vec<i64> = offers.iter().map(|o| o.capacity_left.into()).collect();
        println!("allocation {size} x {size}: {} candidate arcs", arcs.len());
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| allocate(&demands, &capacities, &arcs).len())
        });
    }
    group.finish();
}

criterion_group!(benches, candidates, full_run, allocation);

/// The mean time criterion measured for `group/size` in this run, in seconds.
fn mean_seconds(group: &str, size: usize) -> Option<f64> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = format!("{target}/criterion/{group}/{size}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(estimates["mean"]["point_estimate"].as_f64()? / 1e9)
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    println!("\nratios (same run):");
    let show = |label: &str, group: &str, size: usize, base: usize| {
        if let (Some(t), Some(b)) = (mean_seconds(group, size), mean_seconds(group, base)) {
            println!(
                "  {label}: {:.3} ms, {:.2}x the {base} baseline",
                t * 1e3,
                t / b
            );
        }
    };
    show("candidates at 10k offers", "candidates", 10_000, 1_000);
    show("candidates at 100k offers", "candidates", 100_000, 1_000);
    if let (Some(big), Some(mid)) = (
        mean_seconds("candidates", 100_000),
        mean_seconds("candidates", 10_000),
    ) {
        println!("  candidates 10k -> 100k: {:.2}x (aim <= 2x)", big / mid);
    }
    show("full run 10k x 10k", "full_run", 10_000, 1_000);
    show("allocation 1k x 1k", "allocation", 1_000, 100);
}
