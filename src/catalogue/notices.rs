//! The catalogue's emails, written in the transaction of the change they report: an item
//! was published (to its organisation's admins), and an open need is about to expire (a
//! warning ahead of time, with a link that reconfirms it without signing in).

use chrono::{DateTime, NaiveTime, Utc};
use serde_json::json;

use crate::accounts::credentials;
use crate::catalogue::item::CatalogueItem;
use crate::catalogue::model::Need;
use crate::catalogue::store::needs;
use crate::db::{Conn, StoreError};
use crate::notify::reminders::{self, ReminderKind};
use crate::notify::signed_links::EmailAction;
use crate::notify::{EventKind, Notifier, Recipient};

/// The page a reconfirm link opens.
pub const RECONFIRM_PAGE: &str = "needs/reconfirm";

fn admins_of(
    conn: &mut Conn<'_>,
    organisation_id: uuid::Uuid,
) -> Result<Vec<Recipient>, StoreError> {
    Ok(credentials::org_admins(conn, organisation_id)?
        .iter()
        .map(Recipient::from)
        .collect())
}

/// Tells the item's organisation that it is published, and who can now read it (the
/// template words the audience from the visibility, so that a translator reaches it).
pub fn published<K: CatalogueItem>(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    item: &K,
) -> Result<(), StoreError> {
    let recipients = admins_of(conn, item.organisation_id())?;
    notifier.notify(
        conn,
        EventKind::ItemPublished,
        &recipients,
        json!({
            "item_kind": K::NOUN,
            "item_title": K::title(item.fields()),
            "visibility": item.visibility_code(),
            "anonymous": item.anonymous(),
            "candidate_kind": K::CANDIDATE_COLLECTION,
            "link": notifier.link(&format!("{}/{}", K::COLLECTION, item.id()), None),
        }),
    )
}

/// When an open need expires, and whether reconfirming it would keep it open longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub at: DateTime<Utc>,
    /// True when the need expires for want of a reconfirmation, before its wanted-by date.
    pub reconfirmable: bool,
}

/// A need expires when it has gone `reconfirm_within` without a reconfirmation, or when its
/// wanted-by day is over, whichever comes first.
pub fn expiry_of(need: &Need, reconfirm_within: chrono::Duration) -> Expiry {
    let stale_at = need.reconfirmed_at + reconfirm_within;
    let date_at = need
        .fields
        .wanted_by
        .succ_opt()
        .unwrap_or(need.fields.wanted_by)
        .and_time(NaiveTime::MIN)
        .and_utc();
    Expiry {
        at: stale_at.min(date_at),
        reconfirmable: stale_at < date_at,
    }
}

/// How far ahead the expiry warning goes out.
#[derive(Debug, Clone, Copy)]
pub struct ExpiryWarning {
    pub reconfirm_within: chrono::Duration,
    pub warn_within: chrono::Duration,
}

/// Needs looked at in one batch; the caller runs batches until one says it was the last.
pub const WARNING_BATCH: usize = 200;

/// Warns the organisations of open needs that expire within the warning window, once per
/// expiry: a need reconfirmed or given a later date is warned again before its new expiry.
/// Looks at one batch of needs after `after`; returns where the next batch starts (None when
/// this one was the last) and how many warnings went out.
pub fn warn_expiring_needs(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    now: DateTime<Utc>,
    policy: ExpiryWarning,
    after: Option<uuid::Uuid>,
) -> Result<(Option<uuid::Uuid>, usize), StoreError> {
    let horizon = now + policy.warn_within;
    let window = needs::ExpiryWindow {
        today: now.date_naive(),
        wanted_before: horizon.date_naive(),
        stale_after: (now - policy.reconfirm_within).naive_utc(),
        stale_before: (horizon - policy.reconfirm_within).naive_utc(),
    };
    let candidates = needs::expiring_unwarned(
        conn,
        window,
        ReminderKind::NeedExpiring.as_str(),
        after,
        WARNING_BATCH,
    )?;
    let mut warned = 0;
    for need in &candidates {
        let expiry = expiry_of(need, policy.reconfirm_within);
        let subject = need.id.to_string();
        let occasion = expiry.at.naive_utc();
        // Due by now (the window's edges are inclusive): the expiry pass takes it.
        if expiry.at <= now {
            continue;
        }
        // Warned of this very expiry before (the need changed since, but not its expiry):
        // note it, so that it is not looked at again.
        if !reminders::first_time(conn, ReminderKind::NeedExpiring, &subject, occasion)? {
            reminders::touch(conn, ReminderKind::NeedExpiring, &subject, occasion)?;
            continue;
        }
        let expiry_reason = if expiry.reconfirmable {
            format!(
                "it was last confirmed on {}, and open needs are reconfirmed every {} days.",
                need.reconfirmed_at.format("%Y-%m-%d"),
                policy.reconfirm_within.num_days()
            )
        } else {
            format!(
                "its wanted-by date, {}, will have passed.",
                need.fields.wanted_by
            )
        };
        let recipients = admins_of(conn, need.organisation_id)?;
        // A link outlives the expiry a little: reconfirming reopens an expired need too.
        let link_lifetime = (expiry.at - now) + chrono::Duration::days(30);
        notifier.notify_each(
            conn,
            EventKind::NeedExpiring,
            &recipients,
            json!({
                "item_title": need.fields.title,
                "expires_on": expiry.at.format("%Y-%m-%d").to_string(),
                "expiry_reason": expiry_reason,
                "link": notifier.link(&format!("needs/{}", need.id), None),
            }),
            |user_id| {
                let reconfirm_url = expiry.reconfirmable.then(|| {
                    notifier.action_link(
                        RECONFIRM_PAGE,
                        user_id,
                        EmailAction::ReconfirmNeed { need_id: need.id },
                        link_lifetime,
                    )
                });
                json!({ "reconfirm_url": reconfirm_url, "action_url": reconfirm_url })
            },
        )?;
        warned += 1;
    }
    let next = (candidates.len() == WARNING_BATCH)
        .then(|| candidates.last().map(|need| need.id))
        .flatten();
    Ok((next, warned))
}
