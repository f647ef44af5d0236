//! Builds the notifier and the outbox worker from the configuration, for `serve` and for
//! `worker` alike.

use std::sync::Arc;

use crate::config::{Config, ConfigError};
use crate::db::Database;
use crate::notify::templates::{TemplateError, Templates};
use crate::notify::transport::{Transport, TransportError};
use crate::notify::worker::{Worker, WorkerSettings};
use crate::notify::Notifier;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("email {0}")]
    Templates(#[from] TemplateError),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// The notifier every process that writes emails shares: templates checked now, links to
/// `public_url`, unsubscribe links signed with the JWT secret.
pub fn build_notifier(config: &Config, public_url: url::Url) -> Result<Notifier, SetupError> {
    Ok(Notifier::new(
        Templates::load()?,
        public_url,
        &config.mail_from,
        &config.jwt_secret_or_generate()?,
    ))
}

/// An outbox worker for `config`, not yet running.
pub fn build_worker(
    config: &Config,
    db: Database,
    notifier: Arc<Notifier>,
) -> Result<Worker, SetupError> {
    let settings = WorkerSettings::from_config(&config.outbox);
    let extra_root = config
        .smtp_ca_certificate
        .as_ref()
        .map(std::fs::read)
        .transpose()
        .map_err(|e| ConfigError::Invalid {
            setting: "smtp_ca_certificate",
            reason: format!("cannot be read: {e}"),
        })?;
    let transport = Transport::new(
        config.smtp_url.as_ref(),
        extra_root.as_deref(),
        config.mail_dir(),
        settings.send_timeout(),
    )?;
    Ok(Worker::new(
        db,
        transport,
        config.mail_from.clone(),
        notifier,
        settings,
    ))
}
