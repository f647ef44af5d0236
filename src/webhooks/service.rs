//! The webhooks use cases: an organisation's admins (and coordinators) manage its endpoints
//! and read and replay its delivery log. Who may is decided in one function,
//! `may_manage_webhooks`; the API routes and the web page call these and nothing below.

use uuid::Uuid;

use crate::accounts::model::{Role, Viewer};
use crate::accounts::store as accounts;
use crate::db::{Database, StoreError};
use crate::error::FieldError;
use crate::visibility::Reader;
use crate::webhooks::model::{
    check_fields, new_secret, Delivery, DeliveryStatus, Webhook, WebhookInput, WebhookPatch,
    MAX_WEBHOOKS_PER_ORGANISATION,
};
use crate::webhooks::ssrf::EgressPolicy;
use crate::webhooks::store::{self, DeliveryCursor, NewWebhook, WebhookChange};

#[derive(Debug, thiserror::Error)]
pub enum WebhooksError {
    #[error("no {0} with that id")]
    NotFound(&'static str),
    #[error("only the organisation's admins or a coordinator manage its webhooks")]
    Forbidden,
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error(
        "an organisation has at most {MAX_WEBHOOKS_PER_ORGANISATION} webhooks; delete one first"
    )]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for WebhooksError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
}

/// The one authorisation rule of webhooks: the organisation's org admins, and coordinators.
/// (An API client's token will pass with the `webhooks:manage` scope of its organisation.)
pub fn may_manage_webhooks(reader: &Reader, organisation_id: Uuid) -> bool {
    match reader.viewer {
        Viewer::User {
            organisation_id: own,
            role,
            ..
        } => role == Role::Coordinator || (role == Role::OrgAdmin && own == organisation_id),
        // A partner system's client of this organisation: the route table has already
        // required its token's `webhooks:manage` scope (`clients::operations`).
        Viewer::Client {
            organisation_id: own,
            ..
        } => own == organisation_id,
        Viewer::Anonymous => false,
    }
}

/// A new endpoint and its signing secret, shown this once.
#[derive(Debug, Clone)]
pub struct WithSecret {
    pub webhook: Webhook,
    pub secret: String,
}

fn authorise(reader: &Reader, organisation_id: Uuid) -> Result<(), WebhooksError> {
    if may_manage_webhooks(reader, organisation_id) {
        Ok(())
    } else {
        Err(WebhooksError::Forbidden)
    }
}

/// The organisation's endpoint `id`; another organisation's is "not found".
fn owned(
    conn: &mut crate::db::Conn<'_>,
    organisation_id: Uuid,
    id: Uuid,
) -> Result<Webhook, WebhooksError> {
    store::find(conn, id)?
        .filter(|webhook| webhook.organisation_id == organisation_id)
        .ok_or(WebhooksError::NotFound("webhook"))
}

fn organisation_exists(
    conn: &mut crate::db::Conn<'_>,
    organisation_id: Uuid,
) -> Result<(), WebhooksError> {
    accounts::find_organisation(conn, organisation_id)?
        .map(drop)
        .ok_or(WebhooksError::NotFound("organisation"))
}

/// The URL's form, then its address under the SSRF rule (a lookup, so async).
async fn checked_url(
    egress: &EgressPolicy,
    url: Option<url::Url>,
) -> Result<Option<String>, WebhooksError> {
    let Some(url) = url else { return Ok(None) };
    egress.check(&url).await.map_err(|refusal| {
        WebhooksError::Invalid(vec![FieldError::new("url", "refused", refusal.to_string())])
    })?;
    Ok(Some(url.to_string()))
}

pub async fn create(
    db: &Database,
    egress: &EgressPolicy,
    reader: &Reader,
    organisation_id: Uuid,
    input: WebhookInput,
) -> Result<WithSecret, WebhooksError> {
    authorise(reader, organisation_id)?;
    let url = check_fields(
        Some(&input.url),
        input.description.as_deref(),
        Some(&input.event_types),
    )
    .map_err(WebhooksError::Invalid)?;
    let url = checked_url(egress, url).await?.unwrap_or_default();
    let secret = new_secret();
    db.transaction(move |conn| {
        organisation_exists(conn, organisation_id)?;
        if store::count_for(conn, organisation_id)? >= MAX_WEBHOOKS_PER_ORGANISATION {
            return Err(WebhooksError::TooMany);
        }
        let webhook = store::insert(
            conn,
            NewWebhook {
                organisation_id,
                url: &url,
                description: input.description.as_deref().unwrap_or("").trim(),
                event_types: &input.event_types,
                enabled: input.enabled.unwrap_or(true),
                secret: &secret,
            },
        )?;
        Ok(WithSecret { webhook, secret })
    })
    .await
}

pub async fn list(
    db: &Database,
    reader: &Reader,
    organisation_id: Uuid,
) -> Result<Vec<Webhook>, WebhooksError> {
    authorise(reader, organisation_id)?;
    db.query(move |conn| {
        organisation_exists(conn, organisation_id)?;
        Ok(store::list_for(conn, organisation_id)?)
    })
    .await
}

pub async fn get(
    db: &Database,
    reader: &Reader,
    organisation_id: Uuid,
    id: Uuid,
) -> Result<Webhook, WebhooksError> {
    authorise(reader, organisation_id)?;
    db.query(move |conn| owned(conn, organisation_id, id)).await
}

pub async fn update(
    db: &Database,
    egress: &EgressPolicy,
    reader: &Reader,
    organisation_id: Uuid,
    id: Uuid,
    expected_version: Option<i32>,
    patch: WebhookPatch,
) -> Result<Webhook, WebhooksError> {
    authorise(reader, organisation_id)?;
    let url = check_fields(
        patch.url.as_deref(),
        patch.description.as_deref(),
        patch.event_types.as_deref(),
    )
    .map_err(WebhooksError::Invalid)?;
    let url = checked_url(egress, url).await?;
    db.transaction(move |conn| {
        owned(conn, organisation_id, id)?;
        let change = WebhookChange {
            expected_version,
            url,
            description: patch.description.map(|d| d.trim().to_owned()),
            event_types: patch.event_types,
            enabled: patch.enabled,
            secret: None,
        };
        store::update(conn, id, change)?.ok_or(WebhooksError::NotFound("webhook"))
    })
    .await
}

pub async fn delete(
    db: &Database,
    reader: &Reader,
    organisation_id: Uuid,
    id: Uuid,
) -> Result<(), WebhooksError> {
    authorise(reader, organisation_id)?;
    db.transaction(move |conn| {
        owned(conn, organisation_id, id)?;
        store::delete(conn, id)?;
        Ok(())
    })
    .await
}

/// A new signing secret, shown this once; the old one stops signing at once.
pub async fn rotate_secret(
    db: &Database,
    reader: &Reader,
    organisation_id: Uuid,
    id: Uuid,
) -> Result<WithSecret, WebhooksError> {
    authorise(reader, organisation_id)?;
    let secret = new_secret();
    db.transaction(move |conn| {
        owned(conn, organisation_id, id)?;
        let change = WebhookChange {
            secret: Some(secret.clone()),
            ..WebhookChange::default()
        };
        let webhook = store::update(conn, id, change)?.ok_or(WebhooksError::NotFound("webhook"))?;
        Ok(WithSecret { webhook, secret })
    })
    .await
}

/// One page of an endpoint's delivery log, newest first.
pub async fn deliveries(
    db: &Database,
    reader: &Reader,
    organisation_id: Uuid,
    id: Uuid,
    status: Option<DeliveryStatus>,
    after: Option<DeliveryCursor>,
    limit: usize,
) -> Result<(Vec<Delivery>, Option<DeliveryCursor>), WebhooksError> {
    authorise(reader, organisation_id)?;
    db.query(move |conn| {
        owned(conn, organisation_id, id)?;
        Ok(store::list_deliveries(conn, id, status, after, limit)?)
    })
    .await
}

/// Sends a delivered or failed message again, under the same `webhook-id`.
pub async fn retry(
    db: &Database,
    reader: &Reader,
    organisation_id: Uuid,
    id: Uuid,
    delivery_id: Uuid,
) -> Result<Delivery, WebhooksError> {
    authorise(reader, organisation_id)?;
    db.transaction(move |conn| {
        owned(conn, organisation_id, id)?;
        store::retry_delivery(conn, id, delivery_id)?.ok_or(WebhooksError::NotFound("delivery"))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::model::Side;
    use crate::visibility::ReaderOrganisation;

    fn reader(organisation_id: Uuid, role: Role) -> Reader {
        Reader {
            viewer: Viewer::User {
                user_id: Uuid::new_v4(),
                organisation_id,
                role,
            },
            organisation: Some(ReaderOrganisation {
                id: organisation_id,
                verified: true,
                side: Side::Requester,
            }),
        }
    }

    #[test]
    fn org_admins_of_the_organisation_and_coordinators_manage_its_webhooks() {
        let own = Uuid::new_v4();
        let other = Uuid::new_v4();
        assert!(may_manage_webhooks(&reader(own, Role::OrgAdmin), own));
        assert!(!may_manage_webhooks(&reader(own, Role::Member), own));
        assert!(!may_manage_webhooks(&reader(other, Role::OrgAdmin), own));
        assert!(may_manage_webhooks(&reader(other, Role::Coordinator), own));
        assert!(!may_manage_webhooks(&Reader::ANONYMOUS, own));
    }
}
