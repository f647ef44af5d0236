//! The audit log: every state change and coordinator decision, with actor, time, and the
//! changed fields before and after. Append-only: there is no update or delete path here,
//! and the database refuses both.

pub mod routes;
pub mod store;

use serde_json::{Map, Value};
use uuid::Uuid;

/// Who made a change: a user acting for an organisation, an organisation's API client, or
/// the service itself (expiry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User {
        user_id: Uuid,
        organisation_id: Uuid,
    },
    Client {
        client_id: Uuid,
        organisation_id: Uuid,
    },
    System,
}

impl Actor {
    /// The actor a signed-in viewer acts as, with the user the changed rows name as theirs
    /// (for a client, the org admin accountable for it); none for anonymous readers.
    pub fn of(viewer: &crate::accounts::model::Viewer) -> Option<(Actor, Uuid)> {
        use crate::accounts::model::Viewer;
        match *viewer {
            Viewer::User {
                user_id,
                organisation_id,
                ..
            } => Some((
                Actor::User {
                    user_id,
                    organisation_id,
                },
                user_id,
            )),
            Viewer::Client {
                client_id,
                organisation_id,
                accountable_user,
            } => Some((
                Actor::Client {
                    client_id,
                    organisation_id,
                },
                accountable_user,
            )),
            Viewer::Anonymous => None,
        }
    }
}

/// One line of the log, before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub entity: &'static str,
    pub entity_id: Uuid,
    pub action: String,
    pub actor: Actor,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEntry {
    /// A change from `before` to `after` (JSON objects), keeping only the fields that differ.
    pub fn change(
        entity: &'static str,
        entity_id: Uuid,
        action: &str,
        actor: Actor,
        before: &Value,
        after: &Value,
    ) -> Self {
        let (before, after) = changed_fields(before, after);
        Self {
            entity,
            entity_id,
            action: action.to_owned(),
            actor,
            before: Some(before),
            after: Some(after),
        }
    }

    /// A creation: no before, the whole record after.
    pub fn creation(entity: &'static str, entity_id: Uuid, actor: Actor, after: Value) -> Self {
        Self {
            entity,
            entity_id,
            action: "create".to_owned(),
            actor,
            before: None,
            after: Some(after),
        }
    }
}

/// The fields of two JSON objects that differ, as (before, after) objects of just those.
pub fn changed_fields(before: &Value, after: &Value) -> (Value, Value) {
    let empty = Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut old = Map::new();
    let mut new = Map::new();
    for key in before.keys().chain(after.keys()) {
        let (b, a) = (before.get(key), after.get(key));
        if b != a && !old.contains_key(key) && !new.contains_key(key) {
            old.insert(key.clone(), b.cloned().unwrap_or(Value::Null));
            new.insert(key.clone(), a.cloned().unwrap_or(Value::Null));
        }
    }
    (Value::Object(old), Value::Object(new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_fields_are_kept() {
        let (before, after) = changed_fields(
            &json!({"title": "a", "status": "draft", "version": 1, "gone": true}),
            &json!({"title": "a", "status": "open", "version": 2, "new": 5}),
        );
        assert_eq!(
            before,
            json!({"status": "draft", "version": 1, "gone": true, "new": null})
        );
        assert_eq!(
            after,
            json!({"status": "open", "version": 2, "gone": null, "new": 5})
        );
    }

    #[test]
    fn identical_records_change_nothing() {
        let record = json!({"a": [1, 2], "b": {"c": 1}});
        assert_eq!(changed_fields(&record, &record), (json!({}), json!({})));
    }
}
