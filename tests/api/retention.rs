//! Housekeeping deletes settled queue rows past their retention: sent emails after
//! `retention.sent_emails_days`, delivered webhook messages after
//! `retention.delivered_webhooks_days`. What a person may still act on (dead emails, failed
//! deliveries) and what is younger than its retention stays.

use std::time::{Duration, Instant};

use clearinghouse::db::StoreError;
use clearinghouse::notify::outbox::{self, NewEmail};
use clearinghouse::notify::templates::RenderedEmail;
use clearinghouse::webhooks::model::{new_secret, EventType};
use clearinghouse::webhooks::store::{self as webhooks, NewWebhook};
use diesel::prelude::*;
use uuid::Uuid;

use crate::harness::TestApp;

/// Puts a queue row in `status`, last changed `days_ago`: rows of every age and state
/// without waiting days.
fn age(app: &TestApp, table: &str, id: Uuid, status: &str, days_ago: i64) {
    let at = (chrono::Utc::now() - chrono::Duration::days(days_ago))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.6f");
    let sql = format!(
        "UPDATE {table} SET status = '{status}', updated_at = '{at}', next_attempt_at = '{at}' \
         WHERE id = '{id}'"
    );
    app.database()
        .write_blocking(move |conn| {
            clearinghouse::dispatch!(conn, |c| diesel::sql_query(&sql).execute(c))?;
            Ok::<_, StoreError>(())
        })
        .expect("age the row");
}

fn email(app: &TestApp) -> Uuid {
    app.database()
        .write_blocking(|conn| {
            outbox::enqueue(
                conn,
                NewEmail {
                    kind: "verify_email".into(),
                    recipient: "someone@retention.example".into(),
                    user_id: None,
                    rendered: RenderedEmail {
                        subject: "A message".into(),
                        text: "text".into(),
                        html: "<p>html</p>".into(),
                    },
                    list_unsubscribe: None,
                },
                "retention.example",
            )
        })
        .expect("enqueue an email")
}

pub async fn sent_emails_and_delivered_webhooks_are_deleted_after_their_retention(app: TestApp) {
    let app = TestApp::spawn_with(
        app.engine,
        &[
            ("expiry_interval_seconds", "1"),
            ("retention.sent_emails_days", "2"),
            ("retention.delivered_webhooks_days", "5"),
        ],
    )
    .await;
    let org = app.register("ngo", "KE").await;
    let organisation_id: Uuid = org.organisation_id.parse().unwrap();

    let old_sent = email(&app);
    let young_sent = email(&app);
    let old_dead = email(&app);
    age(&app, "outbox", old_sent, "sent", 3);
    age(&app, "outbox", young_sent, "sent", 1);
    age(&app, "outbox", old_dead, "dead", 30);

    let secret = new_secret();
    let (old_delivered, young_delivered, old_failed) = app
        .database()
        .write_blocking(move |conn| {
            let hook = webhooks::insert(
                conn,
                NewWebhook {
                    organisation_id,
                    url: "https://partner.retention.example/events",
                    description: "",
                    event_types: &[EventType::NeedPublished],
                    // Off, so that no worker tries the rows while the test ages them.
                    enabled: false,
                    secret: &secret,
                },
            )?;
            let mut enqueue = || webhooks::enqueue(conn, hook.id, EventType::NeedPublished, "{}");
            Ok::<_, StoreError>((enqueue()?, enqueue()?, enqueue()?))
        })
        .expect("a webhook and its deliveries");
    age(&app, "webhook_deliveries", old_delivered, "delivered", 6);
    age(&app, "webhook_deliveries", young_delivered, "delivered", 4);
    age(&app, "webhook_deliveries", old_failed, "failed", 60);

    let exists = |id: Uuid, table: &'static str| {
        app.database()
            .read_blocking(move |conn| {
                Ok::<_, StoreError>(if table == "outbox" {
                    outbox::find(conn, id)?.is_some()
                } else {
                    let hooks = webhooks::list_for(conn, organisation_id)?;
                    webhooks::find_delivery(conn, hooks[0].id, id)?.is_some()
                })
            })
            .expect("read the row")
    };
    // The pass runs every second; both old rows go in the same pass, but the test does not
    // rely on which pass it is.
    let deadline = Instant::now() + Duration::from_secs(15);
    while exists(old_sent, "outbox") || exists(old_delivered, "webhook_deliveries") {
        assert!(
            Instant::now() < deadline,
            "the settled rows past their retention are still there"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        exists(young_sent, "outbox"),
        "a sent email within its retention is kept"
    );
    assert!(
        exists(old_dead, "outbox"),
        "a dead email waits for a person"
    );
    assert!(
        exists(young_delivered, "webhook_deliveries"),
        "a delivered message within its retention is kept"
    );
    assert!(
        exists(old_failed, "webhook_deliveries"),
        "a failed delivery waits for a person"
    );
}
