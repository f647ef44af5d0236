//! `clearinghouse seed-demo` as a newcomer runs it, checked over HTTP as clients see it.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::TestApp;

const DEMO_PASSWORD: &str = "clearinghouse-demo";

/// The open and the draft `kind` (`needs`, `offers`) that `token` lists, `total` in all, of
/// which at least `open_at_least` are open.
async fn mostly_published(
    app: &TestApp,
    token: Option<&str>,
    kind: &str,
    (total, open_at_least): (usize, usize),
) -> (Vec<Value>, Vec<Value>) {
    let open = all_items(app, &format!("/api/v1/{kind}?status=open"), token).await;
    let drafts = all_items(app, &format!("/api/v1/{kind}?status=draft"), token).await;
    assert_eq!(open.len() + drafts.len(), total, "{kind}");
    assert!(
        open.len() >= open_at_least,
        "mostly published: {}",
        open.len()
    );
    (open, drafts)
}

/// Every item of a list endpoint, following cursors; bounded so that a cursor bug cannot loop.
async fn all_items(app: &TestApp, path: &str, token: Option<&str>) -> Vec<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let page_path = match &cursor {
            Some(cursor) => format!("{path}{separator}limit=100&cursor={cursor}"),
            None => format!("{path}{separator}limit=100"),
        };
        let page = app.get(&page_path, token).await;
        page.assert_status(StatusCode::OK);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
    panic!("{path} did not end within 100 pages");
}

fn seed(app: &TestApp) -> String {
    let output = app.run_cli(&["seed-demo"], "");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "seed-demo failed: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

struct Counts {
    needs: usize,
    offers: usize,
    organisations: usize,
}

async fn counts(app: &TestApp, token: Option<&str>) -> Counts {
    let mut needs = 0;
    let mut offers = 0;
    for status in ["open", "draft"] {
        needs += all_items(app, &format!("/api/v1/needs?status={status}"), token)
            .await
            .len();
        offers += all_items(app, &format!("/api/v1/offers?status={status}"), token)
            .await
            .len();
    }
    let organisations = all_items(app, "/api/v1/organisations", token).await.len();
    Counts {
        needs,
        offers,
        organisations,
    }
}

pub async fn seed_demo_fills_an_empty_database_for_a_first_look(app: TestApp) {
    let stdout = seed(&app);
    assert!(stdout.contains("seeded the demo"), "{stdout}");
    assert!(
        stdout.contains(DEMO_PASSWORD),
        "the password is printed: {stdout}"
    );
    let coordinator = app.coordinator().await;
    let token = coordinator.token();

    let (open_needs, draft_needs) = mostly_published(&app, token, "needs", (200, 150)).await;
    assert!(!draft_needs.is_empty(), "some drafts");
    let (open_offers, draft_offers) = mostly_published(&app, token, "offers", (100, 70)).await;

    let field_values = |items: &[Value], field: &str| -> HashSet<String> {
        items
            .iter()
            .flat_map(|item| match &item[field] {
                Value::Array(values) => values.clone(),
                value => vec![value.clone()],
            })
            .map(|value| value.to_string().trim_matches('"').to_owned())
            .collect()
    };
    let languages = field_values(&open_needs, "languages");
    for language in ["en", "fr", "es", "pt", "ar", "sw"] {
        assert!(languages.contains(language), "a need in {language}");
    }
    assert_eq!(field_values(&open_needs, "visibility").len(), 3);
    assert_eq!(field_values(&open_needs, "urgency").len(), 4);
    assert!(
        field_values(&open_needs, "themes").len() >= 10,
        "varied themes"
    );
    assert!(open_needs.iter().any(|need| need["anonymous"] == true));
    assert_eq!(
        field_values(&open_offers, "kind").len(),
        6,
        "every offer kind"
    );
    assert!(open_offers.iter().any(|offer| offer["global"] == true));
    assert!(open_offers
        .iter()
        .any(|offer| !offer["regions"].as_array().unwrap().is_empty()));
    assert!(open_offers
        .iter()
        .any(|offer| !offer["countries"].as_array().unwrap().is_empty()));
    for offer in open_offers.iter().chain(&draft_offers) {
        let funding = offer["kind"] == "funding";
        assert_eq!(offer["funding_amount"].is_i64(), funding, "{offer}");
        assert_eq!(offer["funding_currency"].is_string(), funding, "{offer}");
    }

    let organisations = all_items(&app, "/api/v1/organisations", token).await;
    assert!(organisations.len() >= 31, "{}", organisations.len());
    let verified_kinds = organisations
        .iter()
        .filter(|organisation| organisation["verified"] == true)
        .map(|organisation| organisation["kind"].as_str().unwrap().to_owned())
        .collect::<HashSet<_>>();
    for kind in [
        "ministry",
        "health_agency",
        "hospital",
        "ngo",
        "company",
        "donor",
        "academia",
        "intergovernmental",
    ] {
        assert!(verified_kinds.contains(kind), "a verified {kind}");
    }
    assert!(organisations.iter().any(|o| o["verified"] == false));
    assert!(
        field_values(&organisations, "country").len() >= 20,
        "many countries"
    );

    // Anonymous readers see public open needs only, and no owner of an anonymous one.
    let public = all_items(&app, "/api/v1/needs", None).await;
    assert!(!public.is_empty() && public.len() < open_needs.len());
    let expected_public = open_needs
        .iter()
        .filter(|need| need["visibility"] == "public")
        .count();
    assert_eq!(public.len(), expected_public);
    for need in &public {
        assert_eq!(need["visibility"], "public", "{need}");
        if need["anonymous"] == true {
            assert!(need["organisation_id"].is_null(), "{need}");
        }
    }
    app.get("/api/v1/needs?status=draft", None)
        .await
        .assert_status(StatusCode::OK);
    assert!(all_items(&app, "/api/v1/needs?status=draft", None)
        .await
        .is_empty());

    // The printed accounts work with the printed password.
    for email in [
        "coordinator@clearinghouse-demo.example",
        "admin@riverside-nairobi.example",
    ] {
        app.login(email, DEMO_PASSWORD)
            .await
            .assert_status(StatusCode::OK);
    }
}

pub async fn seed_demo_twice_adds_nothing(app: TestApp) {
    seed(&app);
    let coordinator = app.coordinator().await;
    let before = counts(&app, coordinator.token()).await;
    let again = seed(&app);
    assert!(again.contains("already seeded"), "{again}");
    let after = counts(&app, coordinator.token()).await;
    assert_eq!(
        (before.needs, before.offers, before.organisations),
        (after.needs, after.offers, after.organisations)
    );
    assert_eq!((after.needs, after.offers), (200, 100));
}

pub async fn seed_demo_takes_sizes_and_refuses_bad_ones(app: TestApp) {
    let output = app.run_cli(&["seed-demo", "--needs", "30", "--offers", "7"], "");
    assert!(output.status.success());
    let coordinator = app.coordinator().await;
    let counts = counts(&app, coordinator.token()).await;
    assert_eq!((counts.needs, counts.offers), (30, 7));
    for args in [
        &["seed-demo", "--password", "short"][..],
        &["seed-demo", "--needs", "many"][..],
        &["seed-demo", "--needs", "2000000"][..],
    ] {
        let output = app.run_cli(args, "");
        assert!(!output.status.success(), "{args:?} should fail");
    }
}

/// After its bulk load, seed-demo runs PostgreSQL's VACUUM ANALYZE itself (counted apart
/// from autovacuum's), so that a search right after a first look or a benchmark's seed gets
/// the ordered plan for common words and walks no dead row versions; SQLite is left without
/// `sqlite_stat1`, the plans its reads were measured with.
pub async fn seed_demo_leaves_the_planner_statistics_current(app: TestApp) {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;

    let output = app.run_cli(&["seed-demo", "--needs", "30", "--offers", "7"], "");
    assert!(output.status.success(), "seed-demo succeeds");
    let (query, expected, what) = if app.database.url().starts_with("sqlite://") {
        (
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'",
            0,
            "SQLite keeps the plans it was measured with",
        )
    } else {
        (
            "SELECT count(*) FROM pg_stat_user_tables WHERE analyze_count > 0 \
             AND vacuum_count > 0 \
             AND relname IN ('needs', 'offers', 'need_themes', 'offer_themes')",
            4,
            "the four catalogue tables were vacuumed and analysed after the seed",
        )
    };
    let found = app
        .database()
        .read_blocking(move |conn| {
            // A scalar subquery: `diesel::select` writes the SELECT around it.
            let query = diesel::select(sql::<BigInt>(&format!("({query})")));
            Ok(clearinghouse::dispatch!(conn, |c| query.get_result::<i64>(c))?)
        })
        .expect("the statistics query runs");
    assert_eq!(found, expected, "{what}");
}

/// A search lists every match newest first across its pages on a seeded catalogue of
/// thousands, checked against the plain statement: large enough that the plan depends on
/// the word (SQLite walks the FTS5 table in rowid order; PostgreSQL, with the statistics
/// `seed-demo` leaves, walks the list's order or reads the GIN index and sorts), so that
/// whichever plan a word gets, a page is never cut or reordered.
pub async fn a_search_of_thousands_lists_every_match_newest_first(app: TestApp) {
    let output = app.run_cli(&["seed-demo", "--needs", "3000", "--offers", "20"], "");
    assert!(output.status.success(), "seed-demo succeeds");
    let coordinator = app.coordinator().await;
    let sqlite = app.database.url().starts_with("sqlite://");
    // Common, middling and absent words of the demo's sentences.
    for word in [
        "ransomware",
        "backup",
        "tabletop",
        "awareness",
        "devices",
        "laboratoire",
    ] {
        // Every open need with the word, newest first, by the plain statement.
        let expected = ids_of(
            &app,
            if sqlite {
                format!(
                    "SELECT needs.id FROM needs JOIN needs_fts ON needs_fts.id = needs.id \
                     WHERE needs_fts MATCH '\"{word}\"*' AND needs.status = 'open' \
                     ORDER BY needs.created_at DESC, needs.id DESC"
                )
            } else {
                format!(
                    "SELECT id FROM needs WHERE search @@ to_tsquery('simple', '{word}:*') \
                     AND status = 'open' ORDER BY created_at DESC, id DESC"
                )
            },
        );
        let listed: Vec<String> = all_items(
            &app,
            &format!("/api/v1/needs?status=open&q={word}"),
            coordinator.token(),
        )
        .await
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect();
        assert_eq!(listed, expected, "{word}: every match, newest first");
    }
}

/// The ids a plain statement reads, in its order.
fn ids_of(app: &TestApp, query: String) -> Vec<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    app.database()
        .read_blocking(move |conn| {
            let ids: Vec<Id> =
                clearinghouse::dispatch!(conn, |c| diesel::sql_query(&query).load(c))?;
            Ok(ids.into_iter().map(|row| row.id).collect())
        })
        .expect("the plain statement runs")
}
