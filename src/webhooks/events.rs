//! The one call per event that the use cases make, inside their transaction: it finds the
//! enabled endpoints that want the event and writes a delivery for each organisation that
//! may read what it carries, as an ordinary member of that organisation reads it (the one
//! visibility rule, `visibility.rs`; a match's sides as `matching::view` says). An
//! organisation that may not read the item gets no delivery at all.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::accounts::model::{Role, Viewer};
use crate::accounts::store as accounts;
use crate::catalogue::item::CatalogueItem;
use crate::db::{Conn, StoreError};
use crate::matching::store::{self as matches, Match};
use crate::matching::view::match_for;
use crate::matching::workflow::Party;
use crate::visibility::{Reader, ReaderOrganisation};
use crate::webhooks::model::{body, EventType, ItemEvent};
use crate::webhooks::store;

/// How an ordinary member of `organisation_id` reads: no admin or coordinator privilege, so
/// a webhook never carries more than any of the organisation's users may see.
fn member_reader(conn: &mut Conn<'_>, organisation_id: Uuid) -> Result<Option<Reader>, StoreError> {
    Ok(
        accounts::find_organisation(conn, organisation_id)?.map(|organisation| Reader {
            viewer: Viewer::User {
                user_id: Uuid::nil(),
                organisation_id,
                role: Role::Member,
            },
            organisation: Some(ReaderOrganisation {
                id: organisation.id,
                verified: organisation.verified,
                side: organisation.kind.side(),
            }),
        }),
    )
}

/// Readers looked up once per event, whatever the number of endpoints of one organisation.
#[derive(Default)]
struct Readers(HashMap<Uuid, Option<Reader>>);

impl Readers {
    fn get(
        &mut self,
        conn: &mut Conn<'_>,
        organisation_id: Uuid,
    ) -> Result<Option<Reader>, StoreError> {
        if let Some(reader) = self.0.get(&organisation_id) {
            return Ok(*reader);
        }
        let reader = member_reader(conn, organisation_id)?;
        self.0.insert(organisation_id, reader);
        Ok(reader)
    }
}

fn as_json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Writes one delivery per subscribed endpoint for which `data_for` gives a payload.
fn deliver(
    conn: &mut Conn<'_>,
    event: EventType,
    organisations: Option<&[Uuid]>,
    mut data_for: impl FnMut(&mut Conn<'_>, Uuid) -> Result<Option<Value>, StoreError>,
) -> Result<usize, StoreError> {
    let endpoints = store::subscribed(conn, event, organisations)?;
    if endpoints.is_empty() {
        return Ok(0);
    }
    let at = chrono::Utc::now();
    let mut bodies: HashMap<Uuid, Option<String>> = HashMap::new();
    let mut written = 0;
    for (webhook_id, organisation_id) in endpoints {
        let body = match bodies.get(&organisation_id) {
            Some(body) => body.clone(),
            None => {
                let body = data_for(conn, organisation_id)?.map(|data| body(event, at, &data));
                bodies.insert(organisation_id, body.clone());
                body
            }
        };
        if let Some(body) = body {
            store::enqueue(conn, webhook_id, event, &body)?;
            written += 1;
        }
    }
    Ok(written)
}

/// A need or an offer was published, changed or closed: the item as each subscribed
/// organisation may read it (anonymity applied), for those that may read it at all.
pub fn item_event<K: CatalogueItem>(
    conn: &mut Conn<'_>,
    event: ItemEvent,
    item: &K,
) -> Result<usize, StoreError> {
    let mut readers = Readers::default();
    deliver(
        conn,
        EventType::of_item(K::NOUN, event),
        None,
        |conn, organisation| {
            Ok(readers
                .get(conn, organisation)?
                .filter(|reader| item.readable_by(reader))
                .map(|reader| as_json(&item.view_for(&reader))))
        },
    )
}

/// New candidates for one of an organisation's items: to that organisation only, listing
/// the candidates it may read (none left: no delivery).
pub fn candidates_found<I: CatalogueItem, C: CatalogueItem>(
    conn: &mut Conn<'_>,
    item: &I,
    candidates: &[(&C, f64)],
) -> Result<usize, StoreError> {
    let owner = [item.organisation_id()];
    let mut readers = Readers::default();
    deliver(
        conn,
        EventType::CandidatesFound,
        Some(&owner),
        |conn, organisation| {
            let Some(reader) = readers.get(conn, organisation)? else {
                return Ok(None);
            };
            let visible: Vec<Value> = candidates
                .iter()
                .filter(|(candidate, _)| candidate.readable_by(&reader))
                .map(|(candidate, score)| {
                    json!({
                        "kind": C::NOUN,
                        "id": candidate.id(),
                        "title": C::title(candidate.fields()),
                        "score": (score * 1000.0).round() / 1000.0,
                    })
                })
                .collect();
            Ok((!visible.is_empty()).then(|| {
                json!({
                    "item": {"kind": I::NOUN, "id": item.id(), "title": I::title(item.fields())},
                    "candidates": visible,
                })
            }))
        },
    )
}

/// A match moved: to its two sides only, each reading the match as `matching::view` lets
/// that side (its own outcome report, never the other's).
pub fn match_event(
    conn: &mut Conn<'_>,
    event: EventType,
    found: &Match,
    need_organisation: Uuid,
    offer_organisation: Uuid,
) -> Result<usize, StoreError> {
    let sides = [need_organisation, offer_organisation];
    let reports = matches::reports(conn, found.id)?;
    deliver(conn, event, Some(&sides), |_, organisation| {
        let party = if organisation == need_organisation {
            Party::Requester
        } else {
            Party::Provider
        };
        Ok(Some(as_json(&match_for(found.clone(), party, &reports))))
    })
}
