//! What an operator's Prometheus scrapes at `/metrics`: requests and their latency by route
//! template and status (counted by `middleware.rs`), and gauges read from the database at
//! scrape time (`routes.rs`): the pool, the outbox's depth, its oldest due message. Each
//! server has its own registry (no global recorder), so servers in one process, as in the
//! tests, never mix their figures.

pub mod middleware;
pub mod routes;

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::notify::outbox::OutboxDepth;

/// A request as counted: the route template (`/api/v1/needs/{id}`, never the path, whose
/// ids would make a series per item), the method and the status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: &'static str,
}

/// The routes of requests that matched none: one series for all of them.
pub const UNMATCHED_ROUTE: &str = "unmatched";

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    pool_connections: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    outbox: Family<StatusLabel, Gauge>,
    oldest_due_age: Gauge<f64, AtomicU64>,
}

/// From 1 ms to about 16 s, doubling: a page, a list, a login's argon2 and a slow database.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("clearinghouse");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by method, route template and status",
            requests.clone(),
        );
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from the request's arrival to its answer, by method, route template and status",
            latency.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let gauge = Gauge::default();
            registry.register(name, help, gauge.clone());
            gauge
        };
        let pool_connections = gauge(
            &mut registry,
            "db_pool_connections",
            "Database connections the pool holds open",
        );
        let pool_idle = gauge(
            &mut registry,
            "db_pool_idle_connections",
            "Open database connections no request is using",
        );
        let pool_max = gauge(
            &mut registry,
            "db_pool_max_connections",
            "The most connections the pool opens (database_pool_size)",
        );
        let outbox = Family::<StatusLabel, Gauge>::default();
        registry.register(
            "outbox_messages",
            "Emails in the outbox by status: pending, sending, dead (a dead one waits for a coordinator)",
            outbox.clone(),
        );
        let oldest_due_age = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "outbox_oldest_due_age_seconds",
            "How long the longest-waiting due email has waited past its due time (0: none waits)",
            oldest_due_age.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            pool_max,
            outbox,
            oldest_due_age,
        }
    }
}

impl Metrics {
    pub fn observe_request(&self, labels: RequestLabels, seconds: f64) {
        self.latency.get_or_create(&labels).observe(seconds);
        self.requests.get_or_create(&labels).inc();
    }

    /// The OpenMetrics text of every metric, the gauges first set from what was just read.
    pub fn render(&self, pool: (u32, u32, u32), depth: &OutboxDepth) -> String {
        let (connections, idle, max) = pool;
        self.pool_connections.set(connections.into());
        self.pool_idle.set(idle.into());
        self.pool_max.set(max.into());
        for (status, count) in [
            ("pending", depth.pending),
            ("sending", depth.sending),
            ("dead", depth.dead),
        ] {
            self.outbox
                .get_or_create(&StatusLabel { status })
                .set(count);
        }
        let age = depth.oldest_due_since.map_or(0.0, |since| {
            (chrono::Utc::now() - since).num_milliseconds().max(0) as f64 / 1000.0
        });
        self.oldest_due_age.set(age);
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
