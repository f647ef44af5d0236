//! The one typed configuration, read once at start from an optional TOML file,
//! `CLEARINGHOUSE_*` variables and `DATABASE_URL`, and validated before anything runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

/// Shortest JWT signing secret accepted: 256 bits, as HS256 asks.
const MIN_JWT_SECRET_LEN: usize = 32;
/// Shortest metrics token accepted: long enough that guessing it is hopeless.
const MIN_METRICS_TOKEN_LEN: usize = 24;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// `database_url`: `sqlite://path` (embedded) or `postgres://...`, parsed when the
    /// configuration loads.
    #[serde(
        rename = "database_url",
        deserialize_with = "deserialize_database_target"
    )]
    pub database: DatabaseTarget,
    /// Folder for the embedded database's generated secrets and other local state.
    pub data_dir: PathBuf,
    /// Base URL used in links that leave the server (emails, Location headers stay relative).
    pub public_url: Option<Url>,
    /// HS256 signing secret for access tokens. Required with PostgreSQL, where several
    /// instances must share it; generated and kept in `data_dir` in the embedded mode.
    pub jwt_secret: Option<SecretString>,
    /// Origins (`https://portal.example`) whose browser code may call `/api/v1` across
    /// origins (CORS); none by default. A list, or one string with commas between origins.
    #[serde(deserialize_with = "deserialize_origins")]
    pub cors_allowed_origins: Vec<String>,
    /// Largest connection pool the server keeps.
    pub database_pool_size: u32,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Access-token lifetime, in seconds.
    pub access_token_ttl_seconds: u64,
    /// Refresh-token lifetime, in seconds.
    pub refresh_token_ttl_seconds: u64,
    /// How many argon2 hashes may run at once; 0 means one per core.
    pub password_hash_concurrency: usize,
    /// Days an open need lives without its owner reconfirming it.
    pub need_reconfirm_days: u32,
    /// Seconds between passes of the expiry task inside `serve`.
    pub expiry_interval_seconds: u64,
    /// The weight of each matching factor (theme, geography, language, timing, urgency,
    /// capacity, funding).
    pub matching_weights: crate::matching::score::Weights,
    pub rate_limits: RateLimits,
    /// Proxies (CIDR ranges) whose `Forwarded` / `X-Forwarded-For` headers are believed for
    /// the client's address; empty: none, the client is the TCP peer.
    pub trusted_proxies: crate::http::client_ip::TrustedProxies,
    /// `smtp://user:pass@host:587?tls=required`, `smtps://...:465`; unset: emails are
    /// written as `.eml` files to `mail_dir`. A secret: it may carry credentials.
    pub smtp_url: Option<SecretString>,
    /// A PEM certificate (a private relay's CA) that the SMTP server's TLS certificate may
    /// chain to, besides the public roots. Needs `smtp_url` with TLS.
    pub smtp_ca_certificate: Option<PathBuf>,
    /// Where the file transport writes `.eml` files; default `data_dir/mail`.
    pub mail_dir: Option<PathBuf>,
    /// The sender of every email, `Name <address>` or a bare address.
    #[serde(deserialize_with = "deserialize_mailbox")]
    pub mail_from: Mailbox,
    pub outbox: OutboxSettings,
    pub reminders: ReminderSettings,
    pub web: WebSettings,
    #[serde(default)]
    pub metrics: MetricsSettings,
    #[serde(default)]
    pub webhooks: WebhookSettings,
    #[serde(default)]
    pub retention: RetentionSettings,
}

/// How long settled queue rows are kept before housekeeping deletes them: sent emails (their
/// bodies are dropped on sending already) and delivered webhook messages are history that
/// nobody acts on, and without a bound their tables grow for ever. Dead emails and failed
/// deliveries are kept: a person still has to look at them.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSettings {
    /// Days a sent email's outbox row is kept.
    pub sent_emails_days: u32,
    /// Days a delivered webhook message's row is kept.
    pub delivered_webhooks_days: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            sent_emails_days: 30,
            delivered_webhooks_days: 30,
        }
    }
}

impl RetentionSettings {
    pub fn sent_emails(&self) -> chrono::Duration {
        chrono::Duration::days(self.sent_emails_days.into())
    }

    pub fn delivered_webhooks(&self) -> chrono::Duration {
        chrono::Duration::days(self.delivered_webhooks_days.into())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        // At least a day, so that the message logs still answer "was it sent?" for the
        // support questions of the last day; at most ten years.
        for (setting, days) in [
            ("retention.sent_emails_days", self.sent_emails_days),
            (
                "retention.delivered_webhooks_days",
                self.delivered_webhooks_days,
            ),
        ] {
            if !(1..=3650).contains(&days) {
                return Err(invalid(setting, "must be between 1 and 3650 days"));
            }
        }
        Ok(())
    }
}

/// How webhooks are delivered, and where they may go (docs/ARCHITECTURE.md, "Webhooks").
/// Deliveries run in the outbox worker's process (`outbox.worker`, `clearinghouse worker`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Deliver webhooks in this process (with the email worker: `serve` unless
    /// `--no-worker`, and `clearinghouse worker`); off: another process delivers them.
    pub worker: bool,
    /// Hosts that may be reached over plain http (tests, intranets); https otherwise.
    pub allow_http_hosts: crate::webhooks::ssrf::HttpHosts,
    /// Networks (CIDR ranges or addresses) a webhook may reach although they are loopback,
    /// private, link-local, CGNAT or metadata addresses; none by default.
    pub allowed_networks: crate::webhooks::ssrf::AllowedNetworks,
    /// How often an idle worker looks for due deliveries.
    pub poll_interval_ms: u64,
    /// Deliveries one worker claims at a time.
    pub batch_size: u32,
    /// Deliveries one worker has in flight at once.
    pub concurrency: u32,
    /// How long a claim lasts; a claim whose worker died is taken again after it.
    pub lease_seconds: u64,
    /// How long one attempt may take (connect, send, answer), at most a third of the lease.
    pub timeout_ms: u64,
    /// How much of an answer is read (and the rest dropped).
    pub response_limit_bytes: usize,
    /// Attempts before a delivery is parked as failed.
    pub max_attempts: u32,
    /// The first retry waits about this long; each further one twice as long (with jitter).
    pub retry_base_ms: u64,
    /// The longest wait between two attempts.
    pub retry_cap_seconds: u64,
    /// An endpoint is turned off (and its organisation's admins emailed) after this many
    /// messages in a row are parked as failed...
    pub disable_after_failed_messages: u32,
    /// ... or when it has failed every attempt for this long.
    pub disable_after_failing_hours: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            worker: true,
            allow_http_hosts: Default::default(),
            allowed_networks: Default::default(),
            poll_interval_ms: 1000,
            batch_size: 20,
            concurrency: 8,
            lease_seconds: 60,
            timeout_ms: 10_000,
            response_limit_bytes: 64 * 1024,
            max_attempts: 8,
            retry_base_ms: 30_000,
            retry_cap_seconds: 6 * 60 * 60,
            disable_after_failed_messages: 5,
            disable_after_failing_hours: 24,
        }
    }
}

impl WebhookSettings {
    /// What the operator allows beyond the public internet over https.
    pub fn egress(&self) -> crate::webhooks::ssrf::EgressPolicy {
        crate::webhooks::ssrf::EgressPolicy {
            allow_http_hosts: self.allow_http_hosts.clone(),
            allowed_networks: self.allowed_networks.clone(),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        for (setting, ok, reason) in [
            (
                "webhooks.poll_interval_ms",
                (10..=600_000).contains(&self.poll_interval_ms),
                "must be between 10 ms and 10 minutes",
            ),
            (
                "webhooks.batch_size",
                (1..=1000).contains(&self.batch_size),
                "must be between 1 and 1000",
            ),
            (
                "webhooks.concurrency",
                (1..=256).contains(&self.concurrency),
                "must be between 1 and 256",
            ),
            (
                "webhooks.lease_seconds",
                (1..=3600).contains(&self.lease_seconds),
                "must be between 1 second and one hour",
            ),
            (
                "webhooks.timeout_ms",
                (100..=120_000).contains(&self.timeout_ms),
                "must be between 100 ms and 2 minutes",
            ),
            (
                "webhooks.response_limit_bytes",
                (1..=16 * 1024 * 1024).contains(&self.response_limit_bytes),
                "must be between 1 byte and 16 MiB",
            ),
            (
                "webhooks.max_attempts",
                (1..=100).contains(&self.max_attempts),
                "must be between 1 and 100",
            ),
            (
                "webhooks.retry_base_ms",
                (1..=86_400_000).contains(&self.retry_base_ms),
                "must be between 1 ms and one day",
            ),
            (
                "webhooks.disable_after_failed_messages",
                self.disable_after_failed_messages >= 1,
                "must be at least 1",
            ),
            (
                "webhooks.disable_after_failing_hours",
                self.disable_after_failing_hours >= 1,
                "must be at least 1",
            ),
        ] {
            if !ok {
                return Err(invalid(setting, reason));
            }
        }
        if u128::from(self.retry_cap_seconds) * 1000 < u128::from(self.retry_base_ms) {
            return Err(invalid(
                "webhooks.retry_cap_seconds",
                "must not be shorter than webhooks.retry_base_ms",
            ));
        }
        Ok(())
    }
}

/// The operators' Prometheus endpoint, `/metrics`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// The bearer token a scraper sends; unset (the default): `/metrics` answers 404.
    pub token: Option<SecretString>,
}

/// How long people's browser sessions last.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// Minutes a session survives without a request.
    pub session_idle_minutes: u32,
    /// Hours a session lasts at most, however busy.
    pub session_absolute_hours: u32,
}

/// When the reminder pass (inside `serve`, with the expiry task) writes its emails.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderSettings {
    /// Days a match may wait for a decision or an acceptance before the awaited side is
    /// reminded, once.
    pub match_waiting_days: u32,
    /// Days before an open need expires that its organisation is told, with a link to
    /// reconfirm it.
    pub need_expiry_warning_days: u32,
}

/// How the outbox worker delivers: its pace, its batches, its retries and the digest period.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Run the worker inside `serve` (`serve --no-worker` turns it off).
    pub worker: bool,
    /// How often an idle worker looks for due messages.
    pub poll_interval_ms: u64,
    /// Messages one worker claims at a time.
    pub batch_size: u32,
    /// Messages one worker sends at once (each on its own pooled SMTP connection).
    pub concurrency: u32,
    /// How long a claim lasts; a claim whose worker died is taken again after it.
    pub lease_seconds: u64,
    /// Attempts before a message is dead.
    pub max_attempts: u32,
    /// The first retry waits about this long; each further one twice as long.
    pub retry_base_ms: u64,
    /// The longest wait between two attempts.
    pub retry_cap_seconds: u64,
    /// Digest period: one digest per user per period, at the period's start (UTC).
    pub digest_period_seconds: u64,
}

/// Requests per minute allowed on the credential endpoints, per client IP and per account,
/// and on the requests that make the service email someone else (invitations) or the same
/// address again (a new verification link).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    pub login_per_ip: u32,
    pub login_per_account: u32,
    pub register_per_ip: u32,
    pub refresh_per_ip: u32,
    /// Invitations one user may send per minute.
    pub invitations_per_user: u32,
    /// Invitations one organisation's admins may send together per minute.
    pub invitations_per_organisation: u32,
    /// New verification emails one user may ask for per minute.
    pub verification_emails_per_user: u32,
    /// OAuth 2.0 token requests per minute from one client IP.
    pub oauth_token_per_ip: u32,
    /// OAuth 2.0 token requests per minute naming one client id.
    pub oauth_token_per_client: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The storage engine named by `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite { path: PathBuf },
    Postgres { url: String },
}

/// A PostgreSQL URL may carry a password: it never reaches a log.
impl std::fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite { path } => f.debug_struct("Sqlite").field("path", path).finish(),
            Self::Postgres { .. } => f
                .debug_struct("Postgres")
                .field("url", &"[REDACTED]")
                .finish(),
        }
    }
}

impl DatabaseTarget {
    /// Which engine `url` names, or why it names none. The reason never repeats the URL: it
    /// may carry a password.
    pub fn parse(url: &str) -> Result<Self, &'static str> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path");
            }
            Ok(Self::Sqlite {
                path: PathBuf::from(path),
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Url::parse(url).map_err(|_| "is not a valid PostgreSQL URL")?;
            Ok(Self::Postgres {
                url: url.to_owned(),
            })
        } else {
            Err("must start with sqlite:// or postgres://")
        }
    }
}

fn deserialize_database_target<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<DatabaseTarget, D::Error> {
    // Through a secret, so that the URL is wiped from memory once parsed.
    let url = SecretString::deserialize(deserializer)?;
    DatabaseTarget::parse(url.expose_secret()).map_err(serde::de::Error::custom)
}

fn deserialize_mailbox<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Mailbox, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse()
        .map_err(|_| serde::de::Error::custom("must be an address, or `Name <address>`"))
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}", describe_load_error(.0))]
    Load(#[from] Box<figment::Error>),
    #[error("configuration setting `{setting}`: {reason}")]
    Invalid {
        setting: &'static str,
        reason: String,
    },
    #[error("could not keep the generated JWT secret in {path}: {source}")]
    SecretFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Names each failing setting the way the config struct (and so the TOML file) spells it,
/// with where the value came from.
fn describe_load_error(error: &figment::Error) -> String {
    error
        .clone()
        .into_iter()
        .map(|error| {
            let setting = error.path.join(".").to_lowercase();
            let source = error
                .metadata
                .as_ref()
                .map(|metadata| format!(" (from {})", metadata.name))
                .unwrap_or_default();
            if setting.is_empty() {
                format!("configuration: {}{source}", error.kind)
            } else {
                format!("configuration setting `{setting}`: {}{source}", error.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn invalid(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting,
        reason: reason.into(),
    }
}

/// The items of a configuration list: a TOML list as it is, one string (what an environment
/// variable holds) split at its commas.
pub fn list_items<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListForm {
        List(Vec<String>),
        Text(String),
    }
    Ok(match ListForm::deserialize(deserializer)? {
        ListForm::List(list) => list,
        ListForm::Text(text) => text.split(',').map(str::to_owned).collect(),
    })
}

/// `cors_allowed_origins`: a list or a comma-separated string (an environment variable), each
/// an http(s) origin with nothing after the host and port; kept as the origin's own text.
fn deserialize_origins<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    list_items(deserializer)?
        .iter()
        .map(|origin| origin.trim())
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let url = Url::parse(origin).map_err(serde::de::Error::custom)?;
            let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
            if !matches!(url.scheme(), "http" | "https") || !bare || url.host().is_none() {
                return Err(serde::de::Error::custom(format!(
                    "{origin} is not an origin such as https://portal.example"
                )));
            }
            Ok(url.origin().ascii_serialization())
        })
        .collect()
}

/// Safe defaults for the embedded mode: everything local, nothing to install.
#[derive(Serialize)]
struct Defaults {
    listen: &'static str,
    database_url: &'static str,
    data_dir: &'static str,
    cors_allowed_origins: Vec<String>,
    database_pool_size: u32,
    body_limit_bytes: usize,
    log_format: LogFormat,
    access_token_ttl_seconds: u64,
    refresh_token_ttl_seconds: u64,
    password_hash_concurrency: usize,
    need_reconfirm_days: u32,
    expiry_interval_seconds: u64,
    matching_weights: crate::matching::score::Weights,
    rate_limits: RateLimits,
    trusted_proxies: Vec<String>,
    mail_from: &'static str,
    outbox: OutboxSettings,
    reminders: ReminderSettings,
    web: WebSettings,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080",
            database_url: "sqlite://data/clearinghouse.db",
            data_dir: "data",
            cors_allowed_origins: Vec::new(),
            database_pool_size: 8,
            body_limit_bytes: 256 * 1024,
            log_format: LogFormat::Text,
            access_token_ttl_seconds: 15 * 60,
            refresh_token_ttl_seconds: 30 * 24 * 60 * 60,
            password_hash_concurrency: 0,
            need_reconfirm_days: 90,
            expiry_interval_seconds: 3600,
            matching_weights: crate::matching::score::Weights::default(),
            rate_limits: RateLimits {
                login_per_ip: 30,
                login_per_account: 10,
                register_per_ip: 10,
                refresh_per_ip: 60,
                invitations_per_user: 5,
                invitations_per_organisation: 10,
                verification_emails_per_user: 2,
                oauth_token_per_ip: 120,
                oauth_token_per_client: 60,
            },
            trusted_proxies: Vec::new(),
            mail_from: "Clearing house <clearinghouse@localhost>",
            outbox: OutboxSettings {
                worker: true,
                poll_interval_ms: 1000,
                batch_size: 20,
                concurrency: 4,
                lease_seconds: 300,
                max_attempts: 8,
                retry_base_ms: 60_000,
                retry_cap_seconds: 6 * 60 * 60,
                digest_period_seconds: 24 * 60 * 60,
            },
            reminders: ReminderSettings {
                match_waiting_days: 7,
                need_expiry_warning_days: 7,
            },
            web: WebSettings {
                session_idle_minutes: 120,
                session_absolute_hours: 12,
            },
        }
    }
}

impl Config {
    /// Defaults, then the TOML file if given, then the environment; then validation.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Defaults::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(invalid(
                    "--config",
                    format!("{} is not a readable file", file.display()),
                ));
            }
            figment = figment.merge(Toml::file(file));
        }
        let figment = figment
            .merge(
                Env::prefixed("CLEARINGHOUSE_")
                    // The test suite's own setting, not the server's.
                    .filter(|key| key != "test_postgres_url")
                    .split("__"),
            )
            .merge(Env::raw().only(&["DATABASE_URL"]));
        Self::from_figment(figment)
    }

    /// Configuration from defaults plus the given overrides only (no environment): for tests
    /// and tools that build a server in-process.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, String)>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Defaults::default()));
        for (key, value) in pairs {
            // Parsed the way environment values are, so "4" is a number and "true" a bool.
            let value: figment::value::Value = value.parse().unwrap_or_else(|never| match never {});
            figment = figment.merge((key, value));
        }
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment.extract().map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.webhooks.validate()?;
        self.retention.validate()?;
        let target = &self.database;
        if let Some(secret) = &self.jwt_secret {
            if secret.expose_secret().len() < MIN_JWT_SECRET_LEN {
                return Err(invalid(
                    "jwt_secret",
                    format!("must be at least {MIN_JWT_SECRET_LEN} characters"),
                ));
            }
        } else if matches!(target, DatabaseTarget::Postgres { .. }) {
            return Err(invalid(
                "jwt_secret",
                "is required with PostgreSQL, where every instance must share it",
            ));
        }
        // Tokens name their issuer, so instances serving one address must agree on it.
        if self.public_url.is_none() && matches!(target, DatabaseTarget::Postgres { .. }) {
            return Err(invalid(
                "public_url",
                "is required with PostgreSQL, where several instances serve one address",
            ));
        }
        if let Some(url) = &self.public_url {
            if !matches!(url.scheme(), "http" | "https") {
                return Err(invalid("public_url", "must be an http or https URL"));
            }
        }
        if self.database_pool_size == 0 || self.database_pool_size > 512 {
            return Err(invalid("database_pool_size", "must be between 1 and 512"));
        }
        if !(1024..=64 * 1024 * 1024).contains(&self.body_limit_bytes) {
            return Err(invalid(
                "body_limit_bytes",
                "must be between 1 KiB and 64 MiB",
            ));
        }
        if !(30..=24 * 60 * 60).contains(&self.access_token_ttl_seconds) {
            return Err(invalid(
                "access_token_ttl_seconds",
                "must be between 30 seconds and one day",
            ));
        }
        if self.refresh_token_ttl_seconds > 365 * 24 * 60 * 60 {
            return Err(invalid(
                "refresh_token_ttl_seconds",
                "must be at most one year",
            ));
        }
        if self.refresh_token_ttl_seconds < self.access_token_ttl_seconds {
            return Err(invalid(
                "refresh_token_ttl_seconds",
                "must not be shorter than the access-token lifetime",
            ));
        }
        if !(1..=3650).contains(&self.need_reconfirm_days) {
            return Err(invalid("need_reconfirm_days", "must be between 1 and 3650"));
        }
        if !(1..=365).contains(&self.reminders.match_waiting_days) {
            return Err(invalid(
                "reminders.match_waiting_days",
                "must be between 1 and 365",
            ));
        }
        // A warning as long as a need's whole life would be sent the day it is published.
        if self.reminders.need_expiry_warning_days == 0
            || self.reminders.need_expiry_warning_days >= self.need_reconfirm_days
        {
            return Err(invalid(
                "reminders.need_expiry_warning_days",
                "must be at least 1 and fewer than need_reconfirm_days",
            ));
        }
        if !(1..=7 * 24 * 60 * 60).contains(&self.expiry_interval_seconds) {
            return Err(invalid(
                "expiry_interval_seconds",
                "must be between 1 second and one week",
            ));
        }
        if !self.matching_weights.is_valid() {
            return Err(invalid(
                "matching_weights",
                "weights must be finite, non-negative and not all zero",
            ));
        }
        if !(5..=7 * 24 * 60).contains(&self.web.session_idle_minutes) {
            return Err(invalid(
                "web.session_idle_minutes",
                "must be between 5 minutes and one week",
            ));
        }
        if !(1..=30 * 24).contains(&self.web.session_absolute_hours)
            || u64::from(self.web.session_absolute_hours) * 60
                < u64::from(self.web.session_idle_minutes)
        {
            return Err(invalid(
                "web.session_absolute_hours",
                "must be between 1 hour and 30 days, and not shorter than the idle time",
            ));
        }
        if let Some(token) = &self.metrics.token {
            if token.expose_secret().len() < MIN_METRICS_TOKEN_LEN {
                return Err(invalid(
                    "metrics.token",
                    format!("must be at least {MIN_METRICS_TOKEN_LEN} characters"),
                ));
            }
        }
        let limits = &self.rate_limits;
        for (setting, value) in [
            ("rate_limits.login_per_ip", limits.login_per_ip),
            ("rate_limits.login_per_account", limits.login_per_account),
            ("rate_limits.register_per_ip", limits.register_per_ip),
            ("rate_limits.refresh_per_ip", limits.refresh_per_ip),
            (
                "rate_limits.invitations_per_user",
                limits.invitations_per_user,
            ),
            (
                "rate_limits.invitations_per_organisation",
                limits.invitations_per_organisation,
            ),
            (
                "rate_limits.verification_emails_per_user",
                limits.verification_emails_per_user,
            ),
            ("rate_limits.oauth_token_per_ip", limits.oauth_token_per_ip),
            (
                "rate_limits.oauth_token_per_client",
                limits.oauth_token_per_client,
            ),
        ] {
            if value == 0 {
                return Err(invalid(setting, "must be at least 1 request per minute"));
            }
        }
        self.validate_email_settings()
    }

    fn validate_email_settings(&self) -> Result<(), ConfigError> {
        if let Some(smtp_url) = &self.smtp_url {
            // The reason never repeats the URL: it may carry a password.
            let url = Url::parse(smtp_url.expose_secret())
                .map_err(|_| invalid("smtp_url", "is not a valid URL"))?;
            if !matches!(url.scheme(), "smtp" | "smtps") {
                return Err(invalid("smtp_url", "must start with smtp:// or smtps://"));
            }
            if url.host_str().is_none_or(str::is_empty) {
                return Err(invalid("smtp_url", "needs a host"));
            }
        }
        if let Some(path) = &self.smtp_ca_certificate {
            if self.smtp_url.is_none() {
                return Err(invalid("smtp_ca_certificate", "needs smtp_url"));
            }
            if !path.is_file() {
                return Err(invalid(
                    "smtp_ca_certificate",
                    format!("{} is not a readable file", path.display()),
                ));
            }
        }
        let outbox = &self.outbox;
        for (setting, ok, reason) in [
            (
                "outbox.poll_interval_ms",
                (10..=600_000).contains(&outbox.poll_interval_ms),
                "must be between 10 ms and 10 minutes",
            ),
            (
                "outbox.batch_size",
                (1..=1000).contains(&outbox.batch_size),
                "must be between 1 and 1000",
            ),
            (
                "outbox.concurrency",
                (1..=64).contains(&outbox.concurrency),
                "must be between 1 and 64",
            ),
            (
                "outbox.lease_seconds",
                (1..=86_400).contains(&outbox.lease_seconds),
                "must be between 1 second and one day",
            ),
            (
                "outbox.max_attempts",
                (1..=100).contains(&outbox.max_attempts),
                "must be between 1 and 100",
            ),
            (
                "outbox.retry_base_ms",
                (1..=86_400_000).contains(&outbox.retry_base_ms),
                "must be between 1 ms and one day",
            ),
            (
                "outbox.retry_cap_seconds",
                (1..=7 * 86_400).contains(&outbox.retry_cap_seconds),
                "must be between 1 second and one week",
            ),
            (
                "outbox.digest_period_seconds",
                (1..=7 * 86_400).contains(&outbox.digest_period_seconds),
                "must be between 1 second and one week",
            ),
        ] {
            if !ok {
                return Err(invalid(setting, reason));
            }
        }
        Ok(())
    }

    /// Where the file transport writes its `.eml` files.
    pub fn mail_dir(&self) -> PathBuf {
        self.mail_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("mail"))
    }

    /// The configured JWT secret, or in the embedded mode one generated on first start and
    /// kept in `data_dir` so that tokens survive a restart.
    pub fn jwt_secret_or_generate(&self) -> Result<SecretString, ConfigError> {
        if let Some(secret) = &self.jwt_secret {
            return Ok(secret.clone());
        }
        let path = self.data_dir.join("jwt-secret");
        let io = |source| ConfigError::SecretFile {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing.trim().len() >= MIN_JWT_SECRET_LEN => {
                return Ok(SecretString::from(existing.trim().to_owned()))
            }
            Ok(_) => {
                return Err(invalid(
                    "jwt_secret",
                    format!("{} is too short", path.display()),
                ))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(io(error)),
        }
        std::fs::create_dir_all(&self.data_dir).map_err(io)?;
        let generated = crate::auth::token::random_token();
        write_private_file(&path, &generated).map_err(io)?;
        Ok(SecretString::from(generated))
    }

    /// The browser sessions' idle and absolute lifetimes.
    pub fn web_session_lifetimes(&self) -> crate::auth::web_sessions::Lifetimes {
        crate::auth::web_sessions::Lifetimes {
            idle: chrono::Duration::minutes(i64::from(self.web.session_idle_minutes)),
            absolute: chrono::Duration::hours(i64::from(self.web.session_absolute_hours)),
        }
    }

    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl_seconds)
    }

    /// Validated to at most a year, so that adding it to a date cannot overflow.
    pub fn refresh_token_ttl(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.refresh_token_ttl_seconds as i64)
    }

    /// The base URL for links, defaulting to the listen address.
    pub fn public_url(&self) -> Url {
        self.public_url
            .clone()
            .unwrap_or_else(|| self.public_url_for(self.listen))
    }

    /// The base URL for links when `public_url` is unset: the address actually bound.
    pub fn public_url_for(&self, address: SocketAddr) -> Url {
        Url::parse(&format!("http://{address}/")).expect("a socket address forms a URL")
    }
}

#[cfg(unix)]
fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&'static str, &str)]) -> Result<Config, ConfigError> {
        Config::from_pairs(pairs.iter().map(|(k, v)| (*k, v.to_string())))
    }

    #[test]
    fn defaults_describe_the_embedded_mode() {
        let config = load(&[]).unwrap();
        assert_eq!(
            config.database,
            DatabaseTarget::Sqlite {
                path: "data/clearinghouse.db".into()
            }
        );
        assert_eq!(
            config.mail_from.to_string(),
            "Clearing house <clearinghouse@localhost>"
        );
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.access_token_ttl(), Duration::from_secs(900));
        let sessions = config.web_session_lifetimes();
        assert_eq!(sessions.idle, chrono::Duration::hours(2));
        assert_eq!(sessions.absolute, chrono::Duration::hours(12));
    }

    #[test]
    fn a_short_metrics_token_is_refused() {
        assert!(load(&[]).unwrap().metrics.token.is_none());
        let error = load(&[("metrics.token", "short")]).unwrap_err().to_string();
        assert!(error.contains("`metrics.token`"), "{error}");
        assert!(
            !error.contains("short"),
            "the token is never repeated: {error}"
        );
        assert!(load(&[("metrics.token", "a-scraper-token-of-enough-length")]).is_ok());
    }

    #[test]
    fn trusted_proxies_are_parsed_at_load_and_a_bad_one_is_named() {
        assert!(load(&[]).unwrap().trusted_proxies.is_empty());
        let config = load(&[("trusted_proxies", "10.0.0.0/8, fd00::/8")]).unwrap();
        assert_eq!(
            config.trusted_proxies,
            crate::http::client_ip::TrustedProxies::parse(["10.0.0.0/8", "fd00::/8"]).unwrap()
        );
        let error = load(&[("trusted_proxies", "10.0.0.0/8,10.0.0.300/8")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("`trusted_proxies`"), "{error}");
        assert!(error.contains("10.0.0.300/8"), "{error}");
    }

    #[test]
    fn postgres_requires_a_shared_secret_and_public_url() {
        let error = load(&[("database_url", "postgres://localhost/x")]).unwrap_err();
        assert!(error.to_string().contains("jwt_secret"), "{error}");
        let error = load(&[
            ("database_url", "postgres://localhost/x"),
            ("jwt_secret", "0123456789abcdef0123456789abcdef"),
        ])
        .unwrap_err();
        assert!(error.to_string().contains("public_url"), "{error}");
        let config = load(&[
            ("database_url", "postgres://localhost/x"),
            ("jwt_secret", "0123456789abcdef0123456789abcdef"),
            ("public_url", "https://clearinghouse.example/"),
        ])
        .unwrap();
        assert!(matches!(config.database, DatabaseTarget::Postgres { .. }));
    }

    #[test]
    fn cors_origins_come_as_a_list_or_a_comma_separated_string() {
        assert!(load(&[]).unwrap().cors_allowed_origins.is_empty());
        let config = load(&[(
            "cors_allowed_origins",
            "https://portal.example, http://localhost:3000/",
        )])
        .unwrap();
        assert_eq!(
            config.cors_allowed_origins,
            ["https://portal.example", "http://localhost:3000"]
        );
    }

    #[test]
    fn bad_values_name_the_setting() {
        for (pairs, setting) in [
            (vec![("database_url", "mysql://x")], "database_url"),
            (vec![("jwt_secret", "short")], "jwt_secret"),
            (vec![("listen", "not an address")], "listen"),
            (vec![("database_pool_size", "0")], "database_pool_size"),
            (vec![("public_url", "ftp://example.org")], "public_url"),
            (vec![("log_format", "xml")], "log_format"),
            (
                vec![("cors_allowed_origins", "https://portal.example/path")],
                "cors_allowed_origins",
            ),
            (
                vec![("refresh_token_ttl_seconds", "99999999999")],
                "refresh_token_ttl_seconds",
            ),
            (vec![("smtp_url", "http://mail.example")], "smtp_url"),
            (
                vec![("web.session_idle_minutes", "1")],
                "web.session_idle_minutes",
            ),
            (
                vec![
                    ("web.session_idle_minutes", "600"),
                    ("web.session_absolute_hours", "2"),
                ],
                "web.session_absolute_hours",
            ),
            (vec![("mail_from", "not an address")], "mail_from"),
            (
                vec![("smtp_ca_certificate", "Cargo.toml")],
                "smtp_ca_certificate",
            ),
            (
                vec![
                    ("smtp_url", "smtps://mail.example"),
                    ("smtp_ca_certificate", "/no/such/ca.pem"),
                ],
                "smtp_ca_certificate",
            ),
            (vec![("outbox.max_attempts", "0")], "outbox.max_attempts"),
            (
                vec![("reminders.match_waiting_days", "0")],
                "reminders.match_waiting_days",
            ),
            // A warning as long as a need's life would go out the day it is published.
            (
                vec![
                    ("need_reconfirm_days", "30"),
                    ("reminders.need_expiry_warning_days", "30"),
                ],
                "reminders.need_expiry_warning_days",
            ),
            (vec![("outbox.lease_seconds", "0")], "outbox.lease_seconds"),
            (
                vec![("retention.sent_emails_days", "0")],
                "retention.sent_emails_days",
            ),
            (
                vec![("retention.delivered_webhooks_days", "3651")],
                "retention.delivered_webhooks_days",
            ),
        ] {
            let error = load(&pairs).unwrap_err().to_string();
            assert!(error.contains(setting), "{error} should name {setting}");
        }
    }

    #[test]
    fn parsed_settings_say_what_is_wrong_without_repeating_secrets() {
        let error = load(&[("mail_from", "not an address")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("`mail_from`: must be an address"), "{error}");
        let error = load(&[("database_url", "mysql://root:hunter2@db/x")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`database_url`: must start with sqlite:// or postgres://"),
            "{error}"
        );
        assert!(!error.contains("hunter2"), "{error}");
        let error = load(&[("database_url", "sqlite://")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("sqlite:// needs a file path"), "{error}");
        let config = load(&[("mail_from", "Sekretariat <desk@clearinghouse.example>")]).unwrap();
        assert_eq!(config.mail_from.email.domain(), "clearinghouse.example");
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = load(&[
            ("database_url", "postgres://user:hunter2hunter2@localhost/x"),
            ("jwt_secret", "topsecret-topsecret-topsecret-topsecret"),
            ("public_url", "https://clearinghouse.example/"),
            ("smtp_url", "smtp://mailer:smtp-hunter3@mail.example:587"),
        ])
        .unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains("topsecret"), "{debug}");
        assert!(!debug.contains("smtp-hunter3"), "{debug}");
    }
}
