//! Emails per second from the outbox to a local SMTP sink, as a ratio to what the same sink
//! accepts from a plain lettre client in the same run (docs/PERFORMANCE.md, "Email").
//!
//!     cargo bench --bench email_throughput            # 2000 messages
//!     EMAILS=5000 cargo bench --bench email_throughput
//!
//! The outbox side is the real worker over an SQLite database (or PostgreSQL when
//! BENCH_POSTGRES_URL names an empty database): claim a batch, send each message, record
//! it sent, each record its own transaction.

#[path = "../tests/api/smtp_sink.rs"]
#[allow(dead_code)]
mod smtp_sink;

use std::sync::Arc;
use std::time::{Duration, Instant};

use clearinghouse::config::{DatabaseTarget, OutboxSettings};
use clearinghouse::db::Database;
use clearinghouse::notify::model::AccountEmail;
use clearinghouse::notify::templates::Templates;
use clearinghouse::notify::transport::Transport;
use clearinghouse::notify::worker::{Worker, WorkerSettings};
use clearinghouse::notify::{Notifier, Recipient};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::SecretString;
use smtp_sink::{SinkOptions, SmtpSink};

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let count: usize = std::env::var("EMAILS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    actix_web::rt::System::new().block_on(run(count));
}

async fn run(count: usize) {
    let from: Mailbox = "Clearing house <clearinghouse@localhost>".parse().unwrap();
    let templates = Templates::load().unwrap();
    let notifier = Arc::new(Notifier::new(
        templates,
        "http://127.0.0.1:8080/".parse().unwrap(),
        &from,
        &SecretString::from("bench-secret-bench-secret-bench-secret".to_owned()),
    ));

    // 1. The plain client: the same kind of message, straight to the sink.
    let sink = SmtpSink::start(SinkOptions::default());
    let client: AsyncSmtpTransport<Tokio1Executor> =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(sink_port(&sink))
            .build();
    let body_text = "Hello,\n\nTo choose a new password, open this link:\n\nhttp://127.0.0.1:8080/password-reset?token=0123456789abcdef0123456789abcdef0123456789a\n".repeat(3);
    let body_html = format!("<p>{}</p>", body_text.replace('\n', "<br>"));
    let started = Instant::now();
    for i in 0..count {
        let message = Message::builder()
            .from(from.clone())
            .to(format!("user-{i}@bench.example").parse().unwrap())
            .subject("Reset your clearing-house password")
            .message_id(Some(format!("<plain-{i}@localhost>")))
            .multipart(MultiPart::alternative_plain_html(
                body_text.clone(),
                body_html.clone(),
            ))
            .unwrap();
        client.send(message).await.unwrap();
    }
    sink.wait_for(count, Duration::from_secs(600)).await;
    let plain = count as f64 / started.elapsed().as_secs_f64();
    drop(sink);

    // 2. The outbox: enqueue first (not timed), then time the worker from start to the last
    //    message accepted.
    let sink = SmtpSink::start(SinkOptions::default());
    let folder = tempfile::tempdir().unwrap();
    let target = match std::env::var("BENCH_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => DatabaseTarget::Postgres { url },
        _ => DatabaseTarget::Sqlite {
            path: folder.path().join("bench.db"),
        },
    };
    let engine = match target {
        DatabaseTarget::Postgres { .. } => "postgres",
        DatabaseTarget::Sqlite { .. } => "sqlite",
    };
    let db = Database::connect(&target, 4).unwrap();
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let chunk = chunk.to_vec();
        let notifier = notifier.clone();
        db.write(move |conn| {
            for i in chunk {
                let to = Recipient {
                    user_id: None,
                    email: format!("user-{i}@bench.example"),
                    name: format!("User {i}"),
                };
                notifier.send_account_email(
                    conn,
                    AccountEmail::PasswordReset,
                    &to,
                    serde_json::json!({
                        "link": "http://127.0.0.1:8080/password-reset?token=0123456789abcdef0123456789abcdef0123456789a",
                        "expires_minutes": 60,
                    }),
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    }
    let defaults = OutboxSettings {
        worker: true,
        poll_interval_ms: 10,
        batch_size: 50,
        concurrency: std::env::var("CONCURRENCY")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(4),
        lease_seconds: 300,
        max_attempts: 8,
        retry_base_ms: 60_000,
        retry_cap_seconds: 21_600,
        digest_period_seconds: 86_400,
    };
    let settings = WorkerSettings::from_config(&defaults);
    let url = SecretString::from(format!("smtp://127.0.0.1:{}", sink_port(&sink)));
    let transport = Transport::new(
        Some(&url),
        None,
        folder.path().join("mail"),
        settings.send_timeout(),
    )
    .unwrap();
    let started = Instant::now();
    let worker = Worker::new(db, transport, from, notifier, settings).spawn();
    sink.wait_for(count, Duration::from_secs(600)).await;
    let outbox = count as f64 / started.elapsed().as_secs_f64();
    worker.stop().await;

    println!(
        "email throughput, {count} messages, one worker sending {} at once, outbox on {engine}:",
        defaults.concurrency
    );
    println!("  plain lettre client -> sink: {plain:>8.0} emails/s");
    println!("  outbox worker       -> sink: {outbox:>8.0} emails/s");
    println!("  ratio outbox / plain:        {:>8.2}", outbox / plain);
}

fn sink_port(sink: &SmtpSink) -> u16 {
    sink.url(None)
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .unwrap()
}
