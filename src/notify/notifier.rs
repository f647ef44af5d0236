//! The one way emails enter the outbox: account emails (always sent) and event
//! notifications (as each recipient's preferences say). Call these inside the transaction
//! of the change they report, so that the change and its emails commit or fail together.

use lettre::message::Mailbox;
use secrecy::SecretString;
use serde_json::{json, Value};
use url::Url;
use uuid::Uuid;

use crate::accounts::model::User;
use crate::db::{Conn, StoreError};
use crate::notify::digest::{self, DigestItem};
use crate::notify::model::{AccountEmail, DeliveryMode, EventKind};
use crate::notify::outbox::{self, NewEmail};
use crate::notify::preferences;
use crate::notify::signed_links::{EmailAction, SignedLinks, Unsubscribe};
use crate::notify::templates::{RenderedEmail, TemplateError, Templates};

/// Who an email goes to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: Option<Uuid>,
    pub email: String,
    pub name: String,
}

impl From<&User> for Recipient {
    fn from(user: &User) -> Self {
        Self {
            user_id: Some(user.id),
            email: user.email.to_string(),
            name: user.name.clone(),
        }
    }
}

pub struct Notifier {
    templates: Templates,
    public_url: Url,
    message_id_domain: String,
    signed_links: SignedLinks,
}

fn render_failed(error: TemplateError) -> StoreError {
    // Templates are checked at start; a failure here is a missing variable: our fault.
    StoreError::Query(error.to_string())
}

fn with(context: Value, extra: Value) -> Value {
    let mut context = match context {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    if let Value::Object(extra) = extra {
        context.extend(extra);
    }
    Value::Object(context)
}

impl Notifier {
    /// `public_url` is the base of every link; `mail_from`'s domain names the Message-IDs;
    /// `secret` signs the unsubscribe links.
    pub fn new(
        templates: Templates,
        public_url: Url,
        mail_from: &Mailbox,
        secret: &SecretString,
    ) -> Self {
        Self {
            templates,
            public_url,
            message_id_domain: mail_from.email.domain().to_owned(),
            signed_links: SignedLinks::new(secret),
        }
    }

    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    pub fn signed_links(&self) -> &SignedLinks {
        &self.signed_links
    }

    /// An absolute link to the page `path` that lets `user_id` take `action` from an email.
    pub fn action_link(
        &self,
        path: &str,
        user_id: Uuid,
        action: EmailAction,
        lifetime: chrono::Duration,
    ) -> String {
        let token = self.signed_links.action(user_id, action, lifetime);
        self.link(path, Some(&token))
    }

    /// An absolute link for a person: `public_url` + `path`, with a `token` query if given.
    /// A person opens pages: every caller names a page's path, never an API resource.
    pub fn link(&self, path: &str, token: Option<&str>) -> String {
        let mut url = self
            .public_url
            .join(path.trim_start_matches('/'))
            .unwrap_or_else(|_| self.public_url.clone());
        if let Some(token) = token {
            url.query_pairs_mut().append_pair("token", token);
        }
        url.to_string()
    }

    fn enqueue(
        &self,
        conn: &mut Conn<'_>,
        kind: &str,
        to: &Recipient,
        rendered: RenderedEmail,
        list_unsubscribe: Option<String>,
    ) -> Result<Uuid, StoreError> {
        outbox::enqueue(
            conn,
            NewEmail {
                kind: kind.to_owned(),
                recipient: to.email.clone(),
                user_id: to.user_id,
                rendered,
                list_unsubscribe,
            },
            &self.message_id_domain,
        )
    }

    /// An email about the account itself (verification, password reset, invitation): sent
    /// whatever the preferences, without an unsubscribe header.
    pub fn send_account_email(
        &self,
        conn: &mut Conn<'_>,
        email: AccountEmail,
        to: &Recipient,
        context: Value,
    ) -> Result<Uuid, StoreError> {
        let context = with(context, json!({"name": to.name, "email": to.email}));
        let rendered = self
            .templates
            .email(email.template(), &context)
            .map_err(render_failed)?;
        self.enqueue(conn, email.template(), to, rendered, None)
    }

    /// Tells each recipient about an event, as their preference for `kind` says: an email
    /// now, a line in tomorrow's digest, or nothing. `context` must hold `link` (the item,
    /// for a person) and what the template names. The caller passes only recipients allowed
    /// to read everything in `context`: emails never widen what a user may see.
    pub fn notify(
        &self,
        conn: &mut Conn<'_>,
        kind: EventKind,
        recipients: &[Recipient],
        context: Value,
    ) -> Result<(), StoreError> {
        self.notify_each(conn, kind, recipients, context, |_| Value::Null)
    }

    /// As `notify`, with what differs per recipient (a signed action link) added to
    /// `context` by `personal`, called only for those who will get the event. A personal
    /// `action_url` is also what the recipient's digest line links to.
    pub fn notify_each(
        &self,
        conn: &mut Conn<'_>,
        kind: EventKind,
        recipients: &[Recipient],
        context: Value,
        personal: impl Fn(Uuid) -> Value,
    ) -> Result<(), StoreError> {
        for to in recipients {
            let Some(user_id) = to.user_id else {
                continue;
            };
            let mode = preferences::mode(conn, user_id, kind)?;
            if mode == DeliveryMode::Off {
                continue;
            }
            let unsubscribe_url = self.link(
                "unsubscribe",
                Some(
                    &self
                        .signed_links
                        .unsubscribe(user_id, Unsubscribe::Event(kind)),
                ),
            );
            let context = with(
                with(context.clone(), personal(user_id)),
                json!({
                    "name": to.name,
                    "email": to.email,
                    "unsubscribe_url": unsubscribe_url,
                    "mode_label": "as they happen",
                }),
            );
            let rendered = self
                .templates
                .email(kind.template(), &context)
                .map_err(render_failed)?;
            match mode {
                DeliveryMode::Immediate => {
                    self.enqueue(conn, kind.template(), to, rendered, Some(unsubscribe_url))?;
                }
                DeliveryMode::Daily => {
                    // A digest line links to what the email would have asked the reader to
                    // do (`action_url`), if anything, else to the item.
                    let link = context["action_url"]
                        .as_str()
                        .or(context["link"].as_str())
                        .unwrap_or_default();
                    digest::add_item(conn, user_id, kind, &rendered.subject, link)?;
                }
                DeliveryMode::Off => {}
            }
        }
        Ok(())
    }

    /// The digest email of `user`, carrying `items`.
    pub fn enqueue_digest(
        &self,
        conn: &mut Conn<'_>,
        user: &User,
        items: &[DigestItem],
    ) -> Result<Uuid, StoreError> {
        let unsubscribe_url = self.link(
            "unsubscribe",
            Some(&self.signed_links.unsubscribe(user.id, Unsubscribe::Digest)),
        );
        let context = json!({
            "name": user.name,
            "email": user.email,
            "items": items,
            "unsubscribe_url": unsubscribe_url,
        });
        let rendered = self
            .templates
            .email("digest", &context)
            .map_err(render_failed)?;
        self.enqueue(
            conn,
            "digest",
            &Recipient::from(user),
            rendered,
            Some(unsubscribe_url),
        )
    }
}
