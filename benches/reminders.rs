//! One reminder pass over a large catalogue, as a ratio to the same pass over a catalogue a
//! tenth its size in the same run (docs/PERFORMANCE.md, "Reminder passes").
//!
//!     cargo bench --bench reminders                  # 10k and 100k needs
//!     NEEDS=50000 cargo bench --bench reminders      # 5k and 50k
//!
//! Each size gets a fresh SQLite database seeded like `seed-demo`, with the needs' last
//! reconfirmation spread evenly over the past 90 days, so that about one need in thirteen
//! expires within the week's warning. Timed: the needs' warning pass as `serve` runs it
//! (batch after batch, each from where the last stopped), once when every warning is due (each written to the
//! outbox) and once more when none is (the steady state of an hourly pass).

use std::sync::Arc;
use std::time::{Duration, Instant};

use clearinghouse::catalogue::notices::{warn_expiring_needs, ExpiryWarning};
use clearinghouse::config::DatabaseTarget;
use clearinghouse::db::{Conn, Database, StoreError};
use clearinghouse::notify::templates::Templates;
use clearinghouse::notify::Notifier;
use clearinghouse::seed::write::{seed, SeedOutcome, SeedPlan};
use diesel::RunQueryDsl;
use secrecy::SecretString;

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let large: usize = std::env::var("NEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let small = run(large / 10);
    let big = run(large);
    println!(
        "ratio {}k/{}k: first pass {:.1}x for {:.1}x the warnings; steady pass {:.1}x",
        large / 1000,
        large / 10_000,
        big.first.as_secs_f64() / small.first.as_secs_f64(),
        big.warned as f64 / small.warned.max(1) as f64,
        big.steady.as_secs_f64() / small.steady.as_secs_f64(),
    );
}

struct Pass {
    first: Duration,
    steady: Duration,
    warned: usize,
}

fn run(needs: usize) -> Pass {
    let folder = tempfile::tempdir().unwrap();
    let target = DatabaseTarget::Sqlite {
        path: folder.path().join("bench.db"),
    };
    let db = Database::connect(&target, 2).unwrap();
    let plan = SeedPlan {
        seed: 7,
        needs,
        offers: needs / 5,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        today: chrono::Utc::now().date_naive(),
    };
    let Ok(SeedOutcome::Seeded(report)) = seed(&db, &plan) else {
        panic!("seeding {needs} needs failed");
    };
    // Reconfirmed evenly over the past 90 days; wanted-by dates stay as seeded.
    db.write_blocking(|conn| {
        let Conn::Sqlite(conn) = conn else {
            unreachable!("the bench runs on SQLite")
        };
        diesel::sql_query(
            "UPDATE needs SET reconfirmed_at = strftime('%Y-%m-%d %H:%M:%f', 'now', \
             '-' || (abs(random()) % (90 * 86400)) || ' seconds')",
        )
        .execute(&mut **conn)?;
        Ok::<_, StoreError>(())
    })
    .unwrap();
    let from = "Clearing house <clearinghouse@localhost>".parse().unwrap();
    let notifier = Arc::new(Notifier::new(
        Templates::load().unwrap(),
        "http://127.0.0.1:8080/".parse().unwrap(),
        &from,
        &SecretString::from("bench-secret-bench-secret-bench-secret".to_owned()),
    ));
    let policy = ExpiryWarning {
        reconfirm_within: chrono::Duration::days(90),
        warn_within: chrono::Duration::days(7),
    };
    let pass = || {
        let started = Instant::now();
        let (mut warned, mut after) = (0, None);
        loop {
            let (next, sent) = db
                .write_blocking(|conn| {
                    warn_expiring_needs(conn, &notifier, chrono::Utc::now(), policy, after)
                })
                .unwrap();
            warned += sent;
            match next {
                Some(next) => after = Some(next),
                None => return (started.elapsed(), warned),
            }
        }
    };
    let (first, warned) = pass();
    let (steady, again) = pass();
    assert_eq!(again, 0, "a second pass warns nobody twice");
    println!(
        "{needs} needs ({} open): first pass {:.0} ms, {warned} warnings ({:.2} ms each); steady pass {:.1} ms",
        report.open_needs,
        first.as_secs_f64() * 1000.0,
        first.as_secs_f64() * 1000.0 / warned.max(1) as f64,
        steady.as_secs_f64() * 1000.0,
    );
    Pass {
        first,
        steady,
        warned,
    }
}
