//! Email: a durable outbox written in the same transaction as the change that causes it, a
//! worker that delivers it (SMTP or `.eml` files), templates, preferences and digests.
//!
//! Adding an event email is one template folder (`templates/email/<kind>/`) and one
//! `Notifier::notify` call inside the transaction of the state change.

pub mod dead_letters;
pub mod digest;
pub mod model;
pub mod notifier;
pub mod outbox;
pub mod preferences;
pub mod reminders;
pub mod routes;
pub mod setup;
pub mod signed_links;
pub mod templates;
pub mod transport;
pub mod worker;

pub use model::{AccountEmail, DeliveryMode, EventKind};
pub use notifier::{Notifier, Recipient};
