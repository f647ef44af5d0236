//! The emails a match's steps send, through the outbox in the step's transaction. Each says
//! only what its recipient may read: a side sees the other side's item by title only when
//! the visibility rule lets it, or once a coordinator has approved the match; contact details
//! cross only when the match becomes active.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::accounts::credentials;
use crate::accounts::model::{Role, User, Viewer};
use crate::accounts::store as accounts;
use crate::catalogue::item::CatalogueItem;
use crate::catalogue::model::{Need, Offer};
use crate::db::{Conn, StoreError};
use crate::matching::store::Match;
use crate::matching::workflow::{MatchStatus, Party};
use crate::notify::signed_links::EmailAction;
use crate::notify::{EventKind, Notifier, Recipient};
use crate::visibility::{Reader, ReaderOrganisation};

fn proposer_label(party: Party) -> &'static str {
    match party {
        Party::Requester => "The requesting organisation",
        Party::Provider => "The providing organisation",
        Party::Coordinator => "A coordinator",
        Party::Engine => "The matching engine",
    }
}

/// The page a report link opens.
pub const REPORT_PAGE: &str = "matches/report";
/// How long a side may follow the link to report on a completed match.
const REPORT_LINK_DAYS: i64 = 60;

/// Every email about a match links to its page, where a signed-out reader signs in first.
pub(crate) fn link(notifier: &Notifier, found: &Match) -> String {
    notifier.link(&format!("matches/{}", found.id), None)
}

/// Tells every coordinator that a match waits for their decision.
pub fn proposed(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    found: &Match,
    need: &Need,
    offer: &Offer,
) -> Result<(), StoreError> {
    let coordinators: Vec<Recipient> = accounts::coordinators(conn)?
        .iter()
        .map(Recipient::from)
        .collect();
    notifier.notify(
        conn,
        EventKind::MatchProposed,
        &coordinators,
        json!({
            "need_title": need.fields.title,
            "offer_title": offer.fields.title,
            "score": format!("{:.2}", found.score),
            "proposed_by": proposer_label(found.proposed_by),
            "link": link(notifier, found),
        }),
    )
}

/// How an organisation's admins read: the same rule as any of its users.
pub(crate) fn reader_for(conn: &mut Conn<'_>, organisation_id: Uuid) -> Result<Reader, StoreError> {
    let organisation = accounts::find_organisation(conn, organisation_id)?
        .ok_or(StoreError::NotFound("organisation"))?;
    Ok(Reader {
        // Reading rules depend on the organisation and the role, not on which admin reads.
        viewer: Viewer::User {
            user_id: Uuid::nil(),
            organisation_id,
            role: Role::OrgAdmin,
        },
        organisation: Some(ReaderOrganisation {
            id: organisation.id,
            verified: organisation.verified,
            side: organisation.kind.side(),
        }),
    })
}

fn contacts(
    conn: &mut Conn<'_>,
    organisation_id: Uuid,
    admins: &[User],
) -> Result<Value, StoreError> {
    let organisation = accounts::find_organisation(conn, organisation_id)?
        .ok_or(StoreError::NotFound("organisation"))?;
    Ok(json!({
        "organisation": organisation.name,
        "people": admins.iter().map(|u| json!({"name": u.name, "email": u.email})).collect::<Vec<_>>(),
    }))
}

fn what_next(found: &Match, side: Party) -> String {
    let accepted = match side {
        Party::Requester => found.requester_accepted,
        _ => found.provider_accepted,
    };
    let reason = found.reason.as_deref().unwrap_or("no reason given");
    match found.status {
        MatchStatus::Approved if !accepted => {
            "A coordinator approved it. Your acceptance is awaited: accept or decline it."
                .to_owned()
        }
        MatchStatus::Approved => {
            "A coordinator approved it. The other side's acceptance is awaited.".to_owned()
        }
        MatchStatus::Rejected => format!("A coordinator rejected it: {reason}."),
        MatchStatus::Active => {
            "Both sides accepted it: the work can start. Agree the details directly.".to_owned()
        }
        MatchStatus::Declined => format!("It was declined: {reason}."),
        MatchStatus::Completed => format!(
            "It is completed, with {} delivered.",
            found.delivered_quantity.unwrap_or(0)
        ),
        MatchStatus::Cancelled => format!("It was cancelled: {reason}."),
        MatchStatus::Proposed => "It waits for a coordinator's decision.".to_owned(),
    }
}

/// Tells the admins of both sides that a match changed state.
pub fn updated(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    found: &Match,
    need: &Need,
    offer: &Offer,
) -> Result<(), StoreError> {
    let requester_admins = credentials::org_admins(conn, need.organisation_id)?;
    let provider_admins = credentials::org_admins(conn, offer.organisation_id)?;
    let approved = matches!(
        found.status,
        MatchStatus::Approved | MatchStatus::Active | MatchStatus::Completed
    );
    let active = found.status == MatchStatus::Active;
    let sides = [
        (
            Party::Requester,
            need.organisation_id,
            &requester_admins,
            offer.organisation_id,
            &provider_admins,
        ),
        (
            Party::Provider,
            offer.organisation_id,
            &provider_admins,
            need.organisation_id,
            &requester_admins,
        ),
    ];
    for (side, organisation_id, admins, other_id, other_admins) in sides {
        let reader = reader_for(conn, organisation_id)?;
        let sees_need = approved || need.readable_by(&reader);
        let sees_offer = approved || offer.readable_by(&reader);
        let contacts = if active {
            contacts(conn, other_id, other_admins)?
        } else {
            Value::Null
        };
        let recipients: Vec<Recipient> = admins.iter().map(Recipient::from).collect();
        notifier.notify(
            conn,
            EventKind::MatchUpdated,
            &recipients,
            json!({
                "need_title": if sees_need { need.fields.title.as_str() } else { "a confidential need" },
                "offer_title": if sees_offer { offer.fields.title.as_str() } else { "a confidential offer" },
                "status": found.status.as_str(),
                "what_next": what_next(found, side),
                "contacts": contacts,
                "link": link(notifier, found),
            }),
        )?;
    }
    Ok(())
}

/// Asks each side that did not complete the match how it went (the side that completed it
/// reported with the completion), with a link that opens the report form without signing
/// in. Once completed, a match's two items are readable by both sides (as from approval on).
pub fn outcome_requested(
    conn: &mut Conn<'_>,
    notifier: &Notifier,
    found: &Match,
    need: &Need,
    offer: &Offer,
    completed_by: Party,
) -> Result<(), StoreError> {
    let sides = [
        (Party::Requester, need.organisation_id),
        (Party::Provider, offer.organisation_id),
    ];
    for (side, organisation_id) in sides {
        if side == completed_by {
            continue;
        }
        let recipients: Vec<Recipient> = credentials::org_admins(conn, organisation_id)?
            .iter()
            .map(Recipient::from)
            .collect();
        notifier.notify_each(
            conn,
            EventKind::OutcomeRequested,
            &recipients,
            json!({
                "need_title": need.fields.title,
                "offer_title": offer.fields.title,
                "completed_by": proposer_label(completed_by),
                "delivered": found.delivered_quantity.unwrap_or(0),
                "link": link(notifier, found),
            }),
            |user_id| {
                let report_url = notifier.action_link(
                    REPORT_PAGE,
                    user_id,
                    EmailAction::ReportOutcome { match_id: found.id },
                    chrono::Duration::days(REPORT_LINK_DAYS),
                );
                json!({ "report_url": report_url, "action_url": report_url })
            },
        )?;
    }
    Ok(())
}
