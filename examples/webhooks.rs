//! Webhook deliveries per second through the real worker, as a ratio to a plain reqwest
//! client posting the same signed bodies to the same receiver at the same concurrency, in
//! the same run (docs/PERFORMANCE.md, "Partner systems"; bench/webhooks.sh adds /health).
//!
//!     cargo run --release --example webhooks                  # 5000 deliveries, SQLite
//!     WEBHOOKS=20000 BATCH=100 CONCURRENCY=16 cargo run --release --example webhooks
//!     BENCH_POSTGRES_URL=postgres://... cargo run --release --example webhooks
//!
//! The receiver is a real HTTP/1.1 server (actix-web, one worker thread of its own) that
//! verifies every message with the Standard Webhooks library, as a partner would, and
//! answers 204. The worker side is `queue::runner::run_batch`, the step `queue::runner::run` loops over:
//! claim a batch in one transaction, check each URL against the SSRF rule, sign, POST, read
//! the answer, and record each outcome in its own transaction. The deliveries are queued
//! beforehand (not timed) with `webhooks::store::enqueue`, the function every event's
//! transaction calls. BENCH_POSTGRES_URL must name an empty (or bench-only) database.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use clearinghouse::accounts::model::{Country, OrganisationKind};
use clearinghouse::accounts::store::{insert_organisation, NewOrganisation};
use clearinghouse::config::{DatabaseTarget, WebhookSettings};
use clearinghouse::db::schema::webhook_deliveries as deliveries;
use clearinghouse::db::{Database, Id};
use clearinghouse::notify::templates::Templates;
use clearinghouse::notify::Notifier;
use clearinghouse::queue::runner::run_batch;
use clearinghouse::webhooks::model::{self, DeliveryStatus, EventType};
use clearinghouse::webhooks::ssrf::AllowedNetworks;
use clearinghouse::webhooks::store::{self, NewWebhook};
use clearinghouse::webhooks::worker::{DeliverySettings, WebhookWorker};
use diesel::prelude::*;
use futures_util::StreamExt;
use secrecy::SecretString;
use tokio::sync::watch;

/// No run queues more than this, whatever WEBHOOKS says.
const MAX_DELIVERIES: usize = 200_000;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let count = setting("WEBHOOKS", 5000).clamp(1, MAX_DELIVERIES);
    let defaults = WebhookSettings::default();
    let batch = setting("BATCH", defaults.batch_size as usize);
    let concurrency = setting("CONCURRENCY", defaults.concurrency as usize);
    let receiver = Receiver::start();
    actix_web::rt::System::new().block_on(run(count, batch, concurrency, &receiver));
}

/// Counts the messages that verified and those that did not; each answer is sent only
/// after the signature was checked, so a sender sees the whole cost of a delivery.
struct Receiver {
    port: u16,
    verified: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

/// One secret for the receiver and the endpoint: the Standard Webhooks form, 32 bytes.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

impl Receiver {
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        let (verified, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (ok, bad) = (verified.clone(), refused.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let verifier = web::Data::new(
                    standardwebhooks::Webhook::new(SECRET).expect("a whsec_ secret"),
                );
                let counters = web::Data::new((ok, bad));
                HttpServer::new(move || {
                    App::new()
                        .app_data(verifier.clone())
                        .app_data(counters.clone())
                        .route("/hook", web::post().to(receive))
                })
                .workers(1)
                .listen(listener)
                .expect("the receiver listens")
                .run()
                .await
                .expect("the receiver runs");
            });
        });
        Self {
            port,
            verified,
            refused,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn verified(&self) -> usize {
        self.verified.load(Ordering::SeqCst)
    }

    fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }
}

type Counters = (Arc<AtomicUsize>, Arc<AtomicUsize>);

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    verifier: web::Data<standardwebhooks::Webhook>,
    counters: web::Data<Counters>,
) -> HttpResponse {
    // The library takes `http` header maps; only the three it reads are copied.
    let mut headers = http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        if let Some(value) = request.headers().get(name) {
            if let Ok(value) = http::HeaderValue::from_bytes(value.as_bytes()) {
                headers.insert(name, value);
            }
        }
    }
    if verifier.verify(&body, &headers).is_ok() {
        counters.0.fetch_add(1, Ordering::SeqCst);
        HttpResponse::NoContent().finish()
    } else {
        counters.1.fetch_add(1, Ordering::SeqCst);
        HttpResponse::BadRequest().finish()
    }
}

/// A need.published body of the size a real one has (a need as a partner reads it).
fn event_body(i: usize) -> String {
    let data = serde_json::json!({
        "id": uuid::Uuid::new_v4(),
        "title": format!("Backup recovery drill for the regional hospital {i}"),
        "description": "We need help to plan and run a ransomware recovery exercise: restore \
            the patient records system from offline backups, measure how long it takes, and \
            write down what we learn for the next one.",
        "themes": ["ransomware.backup_recovery", "governance.incident_response_plan"],
        "country": "KE",
        "languages": ["en", "sw"],
        "delivery_modes": ["remote", "on_site"],
        "urgency": "high",
        "quantity": 5,
        "wanted_by": "2099-01-01",
        "visibility": "public",
        "status": "open",
        "organisation": {"id": uuid::Uuid::new_v4(), "name": "Bench hospital", "kind": "hospital", "country": "KE"},
        "version": 2,
        "created_at": "2026-12-01T12:00:00Z",
        "updated_at": "2026-12-01T12:00:00Z",
    });
    model::body(EventType::NeedPublished, chrono::Utc::now(), &data)
}

async fn run(count: usize, batch: usize, concurrency: usize, receiver: &Receiver) {
    let bodies: Vec<String> = (0..count).map(event_body).collect();
    let url = receiver.url();
    wait_until_listening(&url).await;

    // 1. The plain client: the same bodies, signed the same way, to the same receiver, at
    //    the same concurrency; one reqwest client (its connection pool), as the worker has
    //    one per endpoint.
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client");
    let started = Instant::now();
    futures_util::stream::iter(bodies.iter().enumerate())
        .for_each_concurrent(concurrency, |(i, body)| {
            let (client, url) = (&client, &url);
            async move {
                let id = format!("msg_plain_{i}");
                let timestamp = chrono::Utc::now().timestamp();
                let signed = model::signature(SECRET, &id, timestamp, body).expect("a signature");
                let response = client
                    .post(url.as_str())
                    .header("content-type", "application/json")
                    .header("webhook-id", id)
                    .header("webhook-timestamp", timestamp.to_string())
                    .header("webhook-signature", signed)
                    .body(body.clone())
                    .send()
                    .await
                    .expect("the receiver answers");
                assert!(response.status().is_success(), "{}", response.status());
                let _ = response.bytes().await;
            }
        })
        .await;
    let plain_seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        receiver.verified(),
        count,
        "the plain client's messages all verified"
    );

    // 2. The worker: one endpoint, `count` pending deliveries queued as the events' own
    //    transactions queue them, then the worker's batches until every one is recorded.
    let folder = tempfile::tempdir().expect("a temporary folder");
    let target = match std::env::var("BENCH_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => DatabaseTarget::Postgres { url },
        _ => DatabaseTarget::Sqlite {
            path: folder.path().join("bench.db"),
        },
    };
    let engine = match target {
        DatabaseTarget::Postgres { .. } => "PostgreSQL",
        DatabaseTarget::Sqlite { .. } => "SQLite",
    };
    // The server's default pool size.
    let db = Database::connect(&target, 8).expect("the database");
    let endpoint = url.clone();
    let webhook_id = db
        .write(move |conn| {
            let organisation = insert_organisation(
                conn,
                NewOrganisation {
                    name: "Bench partner".into(),
                    kind: OrganisationKind::Hospital,
                    country: Country::parse("KE").expect("a country"),
                    verified: true,
                },
            )?;
            let webhook = store::insert(
                conn,
                NewWebhook {
                    organisation_id: organisation.id,
                    url: &endpoint,
                    description: "bench receiver",
                    event_types: &[EventType::NeedPublished],
                    enabled: true,
                    secret: SECRET,
                },
            )?;
            Ok(webhook.id)
        })
        .await
        .expect("an endpoint");
    for chunk in bodies.chunks(500) {
        let chunk = chunk.to_vec();
        db.write(move |conn| {
            for body in &chunk {
                store::enqueue(conn, webhook_id, EventType::NeedPublished, body)?;
            }
            Ok(())
        })
        .await
        .expect("queued");
    }

    let settings = WebhookSettings {
        // The receiver is on loopback over http: allowed here as an operator would allow an
        // intranet host, so the SSRF check still runs on every attempt.
        allow_http_hosts: serde_json::from_value(serde_json::json!(["127.0.0.1"])).expect("hosts"),
        allowed_networks: AllowedNetworks::parse(["127.0.0.1/32"]).expect("networks"),
        batch_size: u32::try_from(batch).expect("a batch size"),
        concurrency: u32::try_from(concurrency).expect("a concurrency"),
        ..WebhookSettings::default()
    };
    let from: lettre::message::Mailbox = "Clearing house <clearinghouse@localhost>"
        .parse()
        .expect("a mailbox");
    let notifier = Arc::new(Notifier::new(
        Templates::load().expect("the templates"),
        "http://127.0.0.1:8080/".parse().expect("a URL"),
        &from,
        &SecretString::from("bench-secret-bench-secret-bench-secret".to_owned()),
    ));
    let worker = WebhookWorker::new(
        db.clone(),
        notifier,
        settings.egress(),
        DeliverySettings::from_config(&settings),
    );
    let (_stop, stopped) = watch::channel(false);
    let before = receiver.verified();
    let started = Instant::now();
    let mut claimed = 0;
    // `queue::runner::run` goes straight on after a full batch; the last, partial one would make it sleep
    // for `poll_interval` first, which is idle time and not counted here.
    while claimed < count {
        let got = run_batch(&worker, &stopped)
            .await
            .expect("a batch is delivered");
        assert!(got > 0, "the worker found nothing to deliver");
        claimed += got;
    }
    let worker_seconds = started.elapsed().as_secs_f64();
    let delivered = receiver.verified() - before;
    let recorded: i64 = db
        .read(move |conn| {
            Ok(clearinghouse::dispatch!(conn, |c| deliveries::table
                .filter(deliveries::webhook_id.eq(Id(webhook_id)))
                .filter(deliveries::status.eq(DeliveryStatus::Delivered.as_str()))
                .count()
                .get_result(c))?)
        })
        .await
        .expect("the log");
    assert_eq!(delivered, count, "every delivery arrived and verified once");
    assert_eq!(receiver.refused(), 0, "no message failed its signature");
    assert_eq!(
        recorded, count as i64,
        "every delivery is recorded as delivered"
    );

    let plain = count as f64 / plain_seconds;
    let through_worker = count as f64 / worker_seconds;
    println!(
        "webhook throughput, {count} deliveries, batch {batch}, {concurrency} in flight, {engine}:"
    );
    println!("  plain reqwest client -> receiver: {plain:>8.0} deliveries/s");
    println!("  webhook worker       -> receiver: {through_worker:>8.0} deliveries/s");
    println!(
        "  ratio worker / plain:             {:>8.3}",
        through_worker / plain
    );
    // For bench/webhooks.sh, which divides by /health.
    println!("RESULT plain={plain:.1} worker={through_worker:.1}");
}

/// The receiver's thread may not have bound its server yet.
async fn wait_until_listening(url: &str) {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(url).send().await.is_ok() {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the receiver did not start");
}
