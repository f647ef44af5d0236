//! A small HTTP load generator for bench/catalogue.sh: N concurrent connections against one
//! server on 127.0.0.1 for a fixed time per scenario, reporting requests/s, p50 and p99, and
//! each scenario's throughput as a ratio to GET /health measured in the same run.
//!
//!     cargo run --release --example load -- --base http://127.0.0.1:8080 \
//!         [--connections 32] [--seconds 10]
//!
//! Every loop is bounded in time and in count, and only loopback addresses are accepted.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::Value;

/// No scenario sends more than this many requests, whatever the duration.
const MAX_REQUESTS_PER_SCENARIO: usize = 5_000_000;
/// Pages of the anonymous need list read to collect ids of public open needs.
const ID_PAGES: usize = 50;

/// A scenario: its name, the paths it picks from, its aim as a ratio to /health, and whether
/// it is sent as the demo coordinator (signed in) rather than anonymously.
type Scenario = (&'static str, Vec<String>, Option<(f64, &'static str)>, bool);

/// The coordinator `seed-demo` creates, and its default password.
const DEMO_COORDINATOR: (&str, &str) = (
    "coordinator@clearinghouse-demo.example",
    "clearinghouse-demo",
);

/// Signs in as the demo coordinator, for the scenarios that need a signed-in reader.
async fn coordinator_token(base: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": DEMO_COORDINATOR.0, "password": DEMO_COORDINATOR.1}))
        .send()
        .await
        .expect("the server answers");
    let body: serde_json::Value = response.json().await.expect("a token pair");
    body["access_token"]
        .as_str()
        .expect("the demo coordinator signs in")
        .to_owned()
}

struct Options {
    base: String,
    connections: usize,
    seconds: u64,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        base: "http://127.0.0.1:8080".into(),
        connections: 32,
        seconds: 10,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--base" => options.base = value.trim_end_matches('/').to_owned(),
            "--connections" => options.connections = value.parse().map_err(|e| format!("{e}"))?,
            "--seconds" => options.seconds = value.parse().map_err(|e| format!("{e}"))?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let url = url::Url::parse(&options.base).map_err(|e| e.to_string())?;
    if !matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
        return Err("--base must be a loopback address".into());
    }
    if !(1..=1024).contains(&options.connections) || !(1..=600).contains(&options.seconds) {
        return Err("--connections 1..=1024, --seconds 1..=600".into());
    }
    Ok(options)
}

struct Outcome {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    /// Microseconds, sorted.
    latencies: Vec<u64>,
}

impl Outcome {
    fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index] as f64 / 1000.0
    }
}

/// `connections` tasks, each sending one request at a time over its own keep-alive
/// connection, picking paths at random from `paths`, until the time is up.
async fn run(options: &Options, paths: &[String], seconds: u64, token: Option<&str>) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let budget = MAX_REQUESTS_PER_SCENARIO / options.connections;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..options.connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client");
        let base = options.base.clone();
        let paths = paths.to_vec();
        let authorization = token.map(|token| format!("Bearer {token}"));
        tasks.push(tokio::task::spawn_local(async move {
            let mut rng = StdRng::seed_from_u64(worker as u64);
            let mut latencies = Vec::new();
            let mut errors = 0;
            for _ in 0..budget {
                if Instant::now() >= deadline {
                    break;
                }
                let path = paths.choose(&mut rng).expect("paths");
                let sent = Instant::now();
                let mut request = client.get(format!("{base}{path}"));
                if let Some(authorization) = &authorization {
                    request = request.header("authorization", authorization);
                }
                let ok = match request.send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        ok && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                latencies.push(sent.elapsed().as_micros() as u64);
                errors += usize::from(!ok);
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mut own, own_errors) = task.await.expect("a load task");
        latencies.append(&mut own);
        errors += own_errors;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Outcome {
        requests: latencies.len(),
        errors,
        elapsed,
        latencies,
    }
}

/// Ids of public open needs, as an anonymous client finds them.
async fn public_need_ids(base: &str) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..ID_PAGES {
        let mut url = format!("{base}/api/v1/needs?limit=100");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page: Value = client
            .get(url)
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON page");
        for item in page["items"].as_array().into_iter().flatten() {
            ids.extend(item["id"].as_str().map(str::to_owned));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    ids
}

fn list_paths() -> Vec<String> {
    let themes = [
        "ransomware",
        "ransomware.backup_recovery",
        "workforce.awareness",
        "incident_response",
        "clinical_systems.medical_devices",
        "exercises.tabletop",
    ];
    let countries = ["SN", "KE", "PE", "MZ", "TZ", "EG", "BR", "CO"];
    themes
        .iter()
        .flat_map(|theme| {
            countries.iter().map(move |country| {
                format!("/api/v1/needs?theme={theme}&country={country}&limit=50")
            })
        })
        .collect()
}

fn search_paths() -> Vec<String> {
    [
        "ransomware",
        "backup",
        "phishing",
        "sauvegardes",
        "rançongiciel",
        "CSIRT",
        "dispositivos",
        "hospital",
        "incident response",
        "formação",
    ]
    .iter()
    .map(|q| {
        format!(
            "/api/v1/needs?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        )
    })
    .collect()
}

fn main() {
    let options = match options() {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("load: {problem}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let ids = public_need_ids(&options.base).await;
        assert!(
            !ids.is_empty(),
            "the server has no public open needs: seed it first"
        );
        let scenarios: Vec<Scenario> = vec![
            ("GET /health", vec!["/health".to_owned()], None, false),
            (
                "GET /api/v1/needs/{id}",
                ids.iter().map(|id| format!("/api/v1/needs/{id}")).collect(),
                Some((0.5, ">= 0.5")),
                false,
            ),
            (
                "list theme+country, limit 50",
                list_paths(),
                Some((0.3, ">= 0.3")),
                false,
            ),
            ("search q=...", search_paths(), Some((0.3, ">= 0.3")), false),
            (
                "candidates of a need, limit 20",
                ids.iter()
                    .map(|id| format!("/api/v1/needs/{id}/candidates?limit=20"))
                    .collect(),
                None,
                true,
            ),
            (
                "GET /health (again)",
                vec!["/health".to_owned()],
                None,
                false,
            ),
        ];
        println!(
            "{} connections, {} s per scenario, {} public need ids",
            options.connections,
            options.seconds,
            ids.len()
        );
        // A short warm-up so that caches and connections are in place before measuring.
        run(&options, &scenarios[1].1, 1, None).await;
        let token = coordinator_token(&options.base).await;
        let mut outcomes = Vec::new();
        for (name, paths, _, signed_in) in &scenarios {
            let token = signed_in.then_some(token.as_str());
            outcomes.push(run(&options, paths, options.seconds, token).await);
            let outcome = outcomes.last().expect("just pushed");
            eprintln!("  measured {name}: {:.0} req/s", outcome.throughput());
        }
        let health = (outcomes[0].throughput() + outcomes[outcomes.len() - 1].throughput()) / 2.0;
        println!(
            "{:<32} {:>10} {:>8} {:>9} {:>9} {:>7}  aims",
            "scenario", "req/s", "ratio", "p50 ms", "p99 ms", "errors"
        );
        for ((name, _, aim, _), outcome) in scenarios.iter().zip(&outcomes) {
            let ratio = outcome.throughput() / health;
            let verdict = match aim {
                Some((minimum, text)) => {
                    let ratio_ok = ratio >= *minimum;
                    let p99_ok = outcome.percentile(0.99) <= 25.0;
                    format!(
                        "ratio {text}: {}, p99 <= 25 ms: {}",
                        if ratio_ok { "met" } else { "MISSED" },
                        if p99_ok { "met" } else { "MISSED" }
                    )
                }
                None => "baseline".to_owned(),
            };
            println!(
                "{:<32} {:>10.0} {:>8.2} {:>9.2} {:>9.2} {:>7}  {verdict}",
                name,
                outcome.throughput(),
                ratio,
                outcome.percentile(0.5),
                outcome.percentile(0.99),
                outcome.errors
            );
        }
    });
}
