//! The cost of one rate-limit check (the upsert that every credential request now makes),
//! on SQLite and, when `CLEARINGHOUSE_TEST_POSTGRES_URL` names a server, on PostgreSQL
//! (docs/PERFORMANCE.md, "Rate-limit checks").
//!
//!     cargo bench --bench rate_limit
//!     CLEARINGHOUSE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench rate_limit
//!
//! Timed: `decide` on a pooled connection, as `Limiter::check` runs it on the blocking pool
//! (the pool hop of `web::block` is left out; it is the same for every query), over 1,000
//! keys, so that most checks update a row and some insert one; first unhurried, one check
//! after another, then from four threads at once.

use std::time::{Duration, Instant};

use clearinghouse::auth::rate_limit::{decide, Decision};
use clearinghouse::config::DatabaseTarget;
use clearinghouse::db::Database;
use diesel::connection::SimpleConnection;
use diesel::Connection;

const CHECKS: usize = 4_000;
const KEYS: usize = 1_000;
const THREADS: usize = 4;

fn main() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let sqlite = DatabaseTarget::Sqlite {
        path: folder.path().join("bench.db"),
    };
    report(
        "sqlite",
        &Database::connect(&sqlite, THREADS as u32).unwrap(),
    );
    if let Ok(admin) = std::env::var("CLEARINGHOUSE_TEST_POSTGRES_URL") {
        let name = format!("ch_bench_rate_limit_{}", std::process::id());
        let mut admin_conn = diesel::PgConnection::establish(&admin).expect("PostgreSQL");
        admin_conn
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&format!("/{name}"));
        let target = DatabaseTarget::Postgres {
            url: url.to_string(),
        };
        report(
            "postgres",
            &Database::connect(&target, THREADS as u32).unwrap(),
        );
        admin_conn
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .unwrap();
    }
}

/// Runs `count` checks over the keys from `offset` on; answers how many were refused.
fn checks(db: &Database, count: usize, offset: usize) -> usize {
    let mut refused = 0;
    for i in 0..count {
        let key = format!("{:064x}", (i + offset) % KEYS);
        // 10 a minute, as the default registration limit.
        let decision = db
            .read_blocking(|conn| {
                decide(
                    conn,
                    "bench",
                    &key,
                    6_000_000,
                    54_000_000,
                    chrono::Utc::now().timestamp_micros(),
                )
            })
            .unwrap();
        refused += usize::from(decision != Decision::Allowed);
    }
    refused
}

fn report(engine: &str, db: &Database) {
    checks(db, KEYS, 0); // every key known: the steady state is an update
    let start = Instant::now();
    let refused = checks(db, CHECKS, 0);
    let serial = start.elapsed();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            scope.spawn(move || checks(db, CHECKS / THREADS, thread * 7));
        }
    });
    let parallel = start.elapsed();
    let per = |d: Duration, n: usize| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "{engine}: one check {:.0} µs one after another ({refused} of {CHECKS} refused); \
         {THREADS} threads: {:.0} checks/s ({:.0} µs each)",
        per(serial, CHECKS),
        CHECKS as f64 / parallel.as_secs_f64(),
        per(parallel, CHECKS / THREADS),
    );
}
