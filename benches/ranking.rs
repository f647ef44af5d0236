//! Ranking quality on the judged set (tests/fixtures/ranking, docs/RANKING.md): runs the real
//! scorer (the matcher's `offers_for`) over every need and prints, for each split of the needs
//! present (the tuning half, the held-out half and the fresh half, in that order), nDCG@5,
//! nDCG@10, precision@3, recall@10 and what the announcements would send, beside random order
//! and theme overlap alone over the same candidates, in the same run. No criterion: the
//! figures are quality, not time.
//!
//! The announce threshold is calibrated on the tuning half only. `cargo bench --bench
//! ranking` (add `--profile dev` to reuse the debug build). `RANKING_DETAIL=1` also lists the
//! tuning half's rankings need by need; the held-out and fresh halves are never listed, so
//! that tuning cannot look at them.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};
use clearinghouse::accounts::model::Country;
use clearinghouse::catalogue::model::*;
use clearinghouse::catalogue::themes::{Taxonomy, Theme};
use clearinghouse::matching::index::Matcher;
use clearinghouse::matching::score::{filter, Weights, ANNOUNCE_THRESHOLD};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Deserialize;
use uuid::Uuid;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ranking");
const THEMES_SQL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/migrations/2026-11-24-000050_catalogue/up.sql"
);
/// Grade 2 (good) or 3 (excellent): what a need's owner would act on.
const GOOD: u8 = 2;
const SHUFFLES: usize = 500;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

#[derive(Deserialize)]
struct MoneyRow {
    amount: i64,
    currency: String,
}

/// The part of the judged set a need (and all its judgments) belongs to.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Split {
    /// What tuning may look at: the only half listed in detail and used for calibration.
    Tuning,
    /// Kept out of tuning; looked at too often since to be an independent test.
    HeldOut,
    /// Written and judged blind after the held-out half, and kept out of tuning too.
    Fresh,
}

impl Split {
    /// Every split, in the order they are reported.
    const ALL: [Split; 3] = [Split::Tuning, Split::HeldOut, Split::Fresh];

    /// The name the fixtures give it.
    fn name(self) -> &'static str {
        match self {
            Split::Tuning => "tuning",
            Split::HeldOut => "held_out",
            Split::Fresh => "fresh",
        }
    }
}

#[derive(Deserialize)]
struct NeedRow {
    key: String,
    split: Split,
    /// The kind of organisation that posted it.
    org: RequesterKind,
    title: String,
    description: String,
    themes: Vec<String>,
    country: String,
    languages: Vec<String>,
    delivery_modes: Vec<DeliveryMode>,
    urgency: Urgency,
    quantity: i32,
    wanted_from: Option<String>,
    wanted_by: String,
    budget: Option<MoneyRow>,
    #[serde(default)]
    sector: Option<Sector>,
    #[serde(default)]
    after_incident: bool,
    #[serde(default)]
    costs: Vec<Cost>,
    #[serde(default)]
    audiences: Vec<Audience>,
}

#[derive(Deserialize)]
struct OfferRow {
    key: String,
    kind: OfferKind,
    title: String,
    description: String,
    themes: Vec<String>,
    #[serde(default)]
    countries: Vec<String>,
    #[serde(default)]
    regions: Vec<Region>,
    #[serde(default)]
    global: bool,
    languages: Vec<String>,
    delivery_modes: Vec<DeliveryMode>,
    capacity: i32,
    capacity_left: Option<i32>,
    available_from: Option<String>,
    available_until: Option<String>,
    funding: Option<MoneyRow>,
    #[serde(default)]
    requester_kinds: Vec<RequesterKind>,
    #[serde(default)]
    sector: Option<SectorRule>,
    #[serde(default)]
    only_after_incident: bool,
    #[serde(default)]
    eligible_costs: Vec<Cost>,
    #[serde(default)]
    audiences: Vec<Audience>,
}

#[derive(Deserialize)]
struct Needs {
    need: Vec<NeedRow>,
}

#[derive(Deserialize)]
struct Offers {
    offer: Vec<OfferRow>,
}

#[derive(Deserialize)]
struct Judgments {
    judgments: BTreeMap<String, BTreeMap<String, u8>>,
}

fn read<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{FIXTURES}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|_| panic!("date {text}"))
}

fn languages(codes: &[String]) -> Vec<Language> {
    codes
        .iter()
        .map(|c| Language::parse(c).unwrap_or_else(|| panic!("language {c}")))
        .collect()
}

fn country(code: &str) -> Country {
    Country::parse(code).unwrap_or_else(|| panic!("country {code}"))
}

/// The taxonomy the migrations install, read from its INSERT rows.
fn taxonomy() -> Taxonomy {
    let sql = std::fs::read_to_string(THEMES_SQL).expect("the catalogue migration");
    let quoted = |field: &str| {
        let field = field.trim();
        (field != "NULL").then(|| field.trim_matches('\'').to_owned())
    };
    let themes: Vec<Theme> = sql
        .lines()
        .filter(|line| line.starts_with("('"))
        .map(|line| {
            let fields: Vec<&str> = line.trim_start_matches('(').splitn(3, ", ").collect();
            Theme {
                code: quoted(fields[0]).unwrap(),
                parent: quoted(fields[1]),
                name: String::new(),
                description: String::new(),
                version: 1,
                position: 0,
            }
        })
        .collect();
    assert!(themes.len() > 30, "the themes were not read");
    Taxonomy::new(themes)
}

/// Each row of a fixture file made an item by `make`, given its position, from which the
/// item's ids are made (so that they are the same on every run).
fn numbered<R, T>(rows: Vec<R>, make: impl Fn(u128, R) -> T) -> Vec<T> {
    (0..).zip(rows).map(|(i, row)| make(i, row)).collect()
}

struct Set {
    needs: Vec<Need>,
    need_keys: Vec<String>,
    /// need position -> its split.
    splits: Vec<Split>,
    offers: Vec<Offer>,
    offer_keys: Vec<String>,
    /// need position -> offer position -> grade.
    grades: Vec<HashMap<usize, u8>>,
}

fn load() -> Set {
    let needs: Needs = read("needs.toml");
    let offers: Offers = read("offers.toml");
    let judgments: Judgments = read("judgments.toml");
    let now = Utc::now();
    let offer_keys: Vec<String> = offers.offer.iter().map(|o| o.key.clone()).collect();
    let offers: Vec<Offer> = numbered(offers.offer, |i, o| Offer {
        id: Uuid::from_u128(0x0ffe_0000 + i),
        organisation_id: Uuid::from_u128(0x0ffe_1000_0000 + i),
        fields: OfferFields {
            kind: o.kind,
            title: o.title,
            description: o.description,
            themes: o.themes,
            coverage: Coverage {
                countries: o.countries.iter().map(|c| country(c)).collect(),
                regions: o.regions,
                global: o.global,
            },
            languages: languages(&o.languages),
            delivery_modes: o.delivery_modes,
            capacity: o.capacity,
            available_from: o.available_from.as_deref().map(date),
            available_until: o.available_until.as_deref().map(date),
            funding: o.funding.map(|m| Money {
                amount: m.amount,
                currency: m.currency,
            }),
            visibility: OfferVisibility::Public,
            eligibility: OfferEligibility {
                requester_kinds: o.requester_kinds,
                sector: o.sector,
                only_after_incident: o.only_after_incident,
                eligible_costs: o.eligible_costs,
                audiences: o.audiences,
            },
        },
        capacity_left: o.capacity_left.unwrap_or(o.capacity),
        status: OfferStatus::Open,
        version: 1,
        created_at: now,
        updated_at: now,
    });
    let need_keys: Vec<String> = needs.need.iter().map(|n| n.key.clone()).collect();
    let splits = needs.need.iter().map(|n| n.split).collect();
    let needs: Vec<Need> = numbered(needs.need, |i, n| Need {
        id: Uuid::from_u128(0x0eed_0000 + i),
        organisation_id: Uuid::from_u128(0x0eed_1000_0000 + i),
        requester_kind: n.org,
        fields: NeedFields {
            title: n.title,
            description: n.description,
            themes: n.themes,
            country: country(&n.country),
            languages: languages(&n.languages),
            delivery_modes: n.delivery_modes,
            urgency: n.urgency,
            quantity: n.quantity,
            wanted_from: n.wanted_from.as_deref().map(date),
            wanted_by: date(&n.wanted_by),
            budget: n.budget.map(|m| Money {
                amount: m.amount,
                currency: m.currency,
            }),
            visibility: NeedVisibility::Public,
            anonymous: false,
            eligibility: NeedEligibility {
                sector: n.sector,
                after_incident: n.after_incident,
                costs: n.costs,
                audiences: n.audiences,
            },
        },
        quantity_covered: 0,
        status: NeedStatus::Open,
        version: 1,
        reconfirmed_at: now,
        created_at: now,
        updated_at: now,
    });
    let offer_at: HashMap<&str, usize> = offer_keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut grades = vec![HashMap::new(); needs.len()];
    for (need_key, judged) in &judgments.judgments {
        let need = need_keys
            .iter()
            .position(|k| k == need_key)
            .unwrap_or_else(|| panic!("judgment for unknown need {need_key}"));
        for (offer_key, grade) in judged {
            let offer = *offer_at
                .get(offer_key.as_str())
                .unwrap_or_else(|| panic!("judgment for unknown offer {offer_key}"));
            assert!(*grade <= 3, "{need_key}/{offer_key}: grade {grade}");
            grades[need].insert(offer, *grade);
        }
    }
    Set {
        needs,
        need_keys,
        splits,
        offers,
        offer_keys,
        grades,
    }
}

fn gain(grade: u8) -> f64 {
    f64::from((1u32 << grade) - 1)
}

fn dcg(grades: impl Iterator<Item = u8>) -> f64 {
    grades
        .enumerate()
        .map(|(i, g)| gain(g) / ((i + 2) as f64).log2())
        .sum()
}

/// The figures of one ranked list: the ideal is over every judged offer of the need, so an
/// excellent offer the hard filters wrongly exclude costs as much as one ranked last.
#[derive(Default, Clone, Copy)]
struct Figures {
    ndcg5: f64,
    ndcg10: f64,
    precision3: f64,
    recall10: f64,
    /// Needs whose top candidate would not help (grade 0).
    useless_first: f64,
}

impl Figures {
    fn add(&mut self, other: Figures) {
        self.ndcg5 += other.ndcg5;
        self.ndcg10 += other.ndcg10;
        self.precision3 += other.precision3;
        self.recall10 += other.recall10;
        self.useless_first += other.useless_first;
    }

    fn scaled(self, by: f64) -> Figures {
        Figures {
            ndcg5: self.ndcg5 * by,
            ndcg10: self.ndcg10 * by,
            precision3: self.precision3 * by,
            recall10: self.recall10 * by,
            useless_first: self.useless_first * by,
        }
    }
}

fn figures(ranked: &[u8], judged: &HashMap<usize, u8>) -> Figures {
    let mut ideal: Vec<u8> = judged.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ndcg = |k: usize| {
        let best = dcg(ideal.iter().copied().take(k));
        if best == 0.0 {
            1.0
        } else {
            dcg(ranked.iter().copied().take(k)) / best
        }
    };
    let good_total = ideal.iter().filter(|g| **g >= GOOD).count();
    let top3 = ranked.len().min(3);
    Figures {
        ndcg5: ndcg(5),
        ndcg10: ndcg(10),
        precision3: if top3 == 0 {
            0.0
        } else {
            ranked[..top3].iter().filter(|g| **g >= GOOD).count() as f64 / top3 as f64
        },
        recall10: if good_total == 0 {
            1.0
        } else {
            ranked.iter().take(10).filter(|g| **g >= GOOD).count() as f64 / good_total as f64
        },
        useless_first: f64::from(u8::from(ranked.first() == Some(&0))),
    }
}

/// Candidates of one need in the scorer's order: (offer, score, grade; unjudged = 0).
struct Ranked {
    need: usize,
    candidates: Vec<(usize, f64, u8)>,
    unjudged: usize,
}

fn print_row(label: &str, f: Figures, needs: usize, announced: Option<(usize, usize, usize)>) {
    let announced = announced
        .map(|(count, good, useless)| {
            format!(
                "  announced {count:3}: {:.2} good, {useless:3} useless",
                if count == 0 {
                    0.0
                } else {
                    good as f64 / count as f64
                }
            )
        })
        .unwrap_or_default();
    println!(
        "  {label:14} nDCG@5 {:.3}  nDCG@10 {:.3}  P@3 {:.3}  R@10 {:.3}  useless first {:4.1}/{needs}{announced}",
        f.ndcg5,
        f.ndcg10,
        f.precision3,
        f.recall10,
        f.useless_first * needs as f64
    );
}

/// The announce threshold's trade-off on the tuning half only: for each threshold, how many
/// candidates would be emailed, the share of them that are good fits, how many are useless,
/// and the share of all good candidates that get an email. The rule (docs/RANKING.md): the
/// lowest threshold at which at least 85 % are good and none is useless, and that stays so
/// for every threshold up to 0.05 above it, so that the choice does not sit on a knife edge.
fn calibrate(lists: &[&Ranked]) {
    let all_good = lists
        .iter()
        .flat_map(|r| &r.candidates)
        .filter(|c| c.2 >= GOOD)
        .count();
    let at = |threshold: f64| {
        let sent: Vec<u8> = lists
            .iter()
            .flat_map(|r| &r.candidates)
            .filter(|c| c.1 >= threshold)
            .map(|c| c.2)
            .collect();
        let good = sent.iter().filter(|g| **g >= GOOD).count();
        let useless = sent.iter().filter(|g| **g == 0).count();
        (sent.len(), good, useless)
    };
    let precise = |threshold: f64| {
        let (sent, good, useless) = at(threshold);
        sent > 0 && useless == 0 && good as f64 >= 0.85 * sent as f64
    };
    println!(
        "  calibration (tuning half): threshold, emailed, good share, useless, good fits emailed"
    );
    let mut chosen = None;
    for step in 50..=95 {
        let threshold = f64::from(step) / 100.0;
        let (sent, good, useless) = at(threshold);
        if step % 5 == 0 || (chosen.is_none() && precise(threshold)) {
            println!(
                "    {threshold:.2}  {sent:3}  {:.2}  {useless:2}  {:.2}",
                good as f64 / sent.max(1) as f64,
                good as f64 / all_good.max(1) as f64
            );
        }
        let stable = (0..=5).all(|more| precise(threshold + f64::from(more) / 100.0));
        if chosen.is_none() && stable {
            chosen = Some(threshold);
        }
    }
    match chosen {
        Some(threshold) => {
            println!("  calibrated threshold: {threshold:.2} (in use: {ANNOUNCE_THRESHOLD})")
        }
        None => println!("  no threshold reaches 85 % good with none useless"),
    }
}

/// Every need's candidates as the scorer ranks them over `needs` and `offers`.
fn rank_all(set: &Set, needs: &[Need], offers: &[Offer], taxonomy: &Taxonomy) -> Vec<Ranked> {
    let matcher = Matcher::new(needs, offers, taxonomy, Weights::default(), today());
    (0..needs.len())
        .map(|need| {
            let mut unjudged = 0;
            let candidates = matcher
                .offers_for(need)
                .into_iter()
                .map(|pair| {
                    let grade = set.grades[need].get(&pair.offer).copied();
                    unjudged += usize::from(grade.is_none());
                    (pair.offer, pair.score, grade.unwrap_or(0))
                })
                .collect();
            Ranked {
                need,
                candidates,
                unjudged,
            }
        })
        .collect()
}

/// The figures of the scorer's lists of one half, and what it would announce.
fn scorer_row(set: &Set, lists: &[&Ranked]) -> (Figures, (usize, usize, usize)) {
    let mut scorer = Figures::default();
    let (mut count, mut good, mut useless) = (0, 0, 0);
    for r in lists {
        let grades: Vec<u8> = r.candidates.iter().map(|c| c.2).collect();
        scorer.add(figures(&grades, &set.grades[r.need]));
        for &(_, score, grade) in &r.candidates {
            if score >= ANNOUNCE_THRESHOLD {
                count += 1;
                good += usize::from(grade >= GOOD);
                useless += usize::from(grade == 0);
            }
        }
    }
    (
        scorer.scaled(1.0 / lists.len() as f64),
        (count, good, useless),
    )
}

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    let set = load();
    let taxonomy = taxonomy();
    // The same scorer with the structured eligibility fields left empty, as before they
    // existed: it reads eligibility from the words alone.
    let mut unstructured_needs = set.needs.clone();
    for need in &mut unstructured_needs {
        need.fields.eligibility = NeedEligibility::default();
    }
    let mut unstructured_offers = set.offers.clone();
    for offer in &mut unstructured_offers {
        offer.fields.eligibility = OfferEligibility::default();
    }
    let words_only = rank_all(&set, &unstructured_needs, &unstructured_offers, &taxonomy);
    let detail = std::env::var_os("RANKING_DETAIL").is_some();
    let judged: usize = set.grades.iter().map(HashMap::len).sum();
    let sizes: Vec<String> = Split::ALL
        .iter()
        .map(|&split| (split, set.splits.iter().filter(|s| **s == split).count()))
        .filter(|&(_, count)| count > 0)
        .map(|(split, count)| format!("{count} {}", split.name()))
        .collect();
    println!(
        "ranking set: {} needs ({}), {} offers, {judged} judgments; announce threshold {ANNOUNCE_THRESHOLD}",
        set.needs.len(),
        sizes.join(", "),
        set.offers.len(),
    );
    let ranked = rank_all(&set, &set.needs, &set.offers, &taxonomy);
    for split in Split::ALL {
        let half = split.name();
        let lists: Vec<&Ranked> = ranked
            .iter()
            .filter(|r| set.splits[r.need] == split)
            .collect();
        if lists.is_empty() {
            continue;
        }
        let n = lists.len();
        let crowded = lists.iter().filter(|r| r.candidates.len() > 10).count();
        let candidates: usize = lists.iter().map(|r| r.candidates.len()).sum();
        let unjudged: usize = lists.iter().map(|r| r.unjudged).sum();
        println!(
            "\n{half}: {n} needs, {candidates} candidates ({crowded} needs with more than 10), {unjudged} unjudged candidates"
        );

        // The scorer, then the same without the structured fields.
        let (scorer, announced) = scorer_row(&set, &lists);
        let count = announced.0;
        print_row("scorer", scorer, n, Some(announced));
        let unstructured: Vec<&Ranked> = words_only
            .iter()
            .filter(|r| set.splits[r.need] == split)
            .collect();
        let (figures_words, announced_words) = scorer_row(&set, &unstructured);
        print_row("words only", figures_words, n, Some(announced_words));

        // The best order of the same candidates: what ordering alone could reach.
        let mut best = Figures::default();
        for r in &lists {
            let mut grades: Vec<u8> = r.candidates.iter().map(|c| c.2).collect();
            grades.sort_unstable_by(|a, b| b.cmp(a));
            best.add(figures(&grades, &set.grades[r.need]));
        }
        print_row("best order", best.scaled(1.0 / n as f64), n, None);

        // Theme overlap alone: exact shared themes, then related ones at half, ties by id.
        let mut overlap = Figures::default();
        let mut by_overlap: Vec<(f64, u8)> = Vec::new();
        for r in &lists {
            let need = &set.needs[r.need];
            let mut scored: Vec<(f64, usize, u8)> = r
                .candidates
                .iter()
                .map(|&(offer, _, grade)| {
                    let offer_themes = &set.offers[offer].fields.themes;
                    let fit: f64 = need
                        .fields
                        .themes
                        .iter()
                        .map(|t| {
                            if offer_themes.contains(t) {
                                1.0
                            } else if offer_themes.iter().any(|o| {
                                taxonomy.get(t).and_then(|x| x.parent.as_deref()) == Some(o)
                                    || taxonomy.get(o).and_then(|x| x.parent.as_deref())
                                        == Some(t.as_str())
                            }) {
                                0.5
                            } else {
                                0.0
                            }
                        })
                        .sum();
                    (fit / need.fields.themes.len() as f64, offer, grade)
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let grades: Vec<u8> = scored.iter().map(|s| s.2).collect();
            overlap.add(figures(&grades, &set.grades[r.need]));
            by_overlap.extend(scored.iter().map(|s| (s.0, s.2)));
        }
        // The same number of announcements as the scorer, the best by overlap.
        by_overlap.sort_by(|a, b| b.0.total_cmp(&a.0));
        let top = &by_overlap[..count.min(by_overlap.len())];
        print_row(
            "theme overlap",
            overlap.scaled(1.0 / n as f64),
            n,
            Some((
                top.len(),
                top.iter().filter(|t| t.1 >= GOOD).count(),
                top.iter().filter(|t| t.1 == 0).count(),
            )),
        );

        // Random order of the same candidates, averaged over many shuffles of a fixed seed.
        let mut rng = StdRng::seed_from_u64(15);
        let mut random = Figures::default();
        for _ in 0..SHUFFLES {
            for r in &lists {
                let mut grades: Vec<u8> = r.candidates.iter().map(|c| c.2).collect();
                grades.shuffle(&mut rng);
                random.add(figures(&grades, &set.grades[r.need]));
            }
        }
        // Announcing as many at random announces the base rate of the candidates.
        let all: Vec<u8> = lists
            .iter()
            .flat_map(|r| r.candidates.iter().map(|c| c.2))
            .collect();
        let rate = |pred: fn(u8) -> bool| {
            all.iter().filter(|g| pred(**g)).count() as f64 / all.len().max(1) as f64
        };
        let expected = |share: f64| (share * count as f64).round() as usize;
        print_row(
            "random",
            random.scaled(1.0 / (n * SHUFFLES) as f64),
            n,
            Some((
                count,
                expected(rate(|g| g >= GOOD)),
                expected(rate(|g| g == 0)),
            )),
        );

        if split == Split::Tuning {
            calibrate(&lists);
        }

        if detail && split == Split::Tuning {
            for r in &lists {
                println!("  -- {}", set.need_keys[r.need]);
                // Judged offers the hard filters dropped, and why.
                for (&offer, &grade) in &set.grades[r.need] {
                    if grade >= 1 && !r.candidates.iter().any(|c| c.0 == offer) {
                        let why =
                            filter(&set.needs[r.need], &set.offers[offer], &taxonomy, today())
                                .err();
                        println!("     dropped [{grade}] {} ({why:?})", set.offer_keys[offer]);
                    }
                }
                for &(offer, score, grade) in r.candidates.iter().take(12) {
                    let judged = if set.grades[r.need].contains_key(&offer) {
                        grade.to_string()
                    } else {
                        "?".into()
                    };
                    println!("     {score:.3} [{judged}] {}", set.offer_keys[offer]);
                }
            }
        }
    }
}
