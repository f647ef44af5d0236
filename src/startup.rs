//! Builds the application from a `Config`: the database, the shared state, the routes and
//! middleware, bound to a listener. `Application::build` then `run_until_stopped`.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::password::{PasswordError, Passwords};
use crate::auth::rate_limit::RateLimiters;
use crate::auth::token::AccessTokens;
use crate::catalogue::service::CatalogueError;
use crate::catalogue::themes::Taxonomy;
use crate::config::{Config, ConfigError};
use crate::db::{Database, StoreError};
use crate::http::problems::{self, RouteTable};
use crate::http::request_id::add_request_id_header;
use crate::matching::score::Weights;
use crate::notify::templates::{TemplateError, Templates};
use crate::notify::transport::{Transport, TransportError};
use crate::notify::worker::{Worker, WorkerHandle, WorkerSettings};
use crate::notify::Notifier;
use crate::openapi::ApiDoc;
use crate::{accounts, audit, auth, catalogue, health, matching, notify, pages};

/// What every handler may reach, built once and shared by all workers.
pub struct AppState {
    pub db: Database,
    pub access_tokens: AccessTokens,
    pub passwords: Passwords,
    pub rate_limits: RateLimiters,
    pub refresh_token_ttl: chrono::Duration,
    pub taxonomy: Arc<Taxonomy>,
    pub matching_weights: Weights,
    /// Puts emails in the outbox, inside the caller's transaction.
    pub notifier: Arc<Notifier>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Database(#[from] StoreError),
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
    #[error("password hashing: {0}")]
    Passwords(#[from] PasswordError),
    #[error("email {0}")]
    Templates(#[from] TemplateError),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// Every API route, mounted through utoipa-actix-web so that mounting a route is what puts
/// it in the OpenAPI document.
fn mount_routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .configure(health::routes)
        .configure(pages::routes)
        .service(
            scope::scope("/api/v1")
                .configure(auth::routes::routes)
                .configure(accounts::routes::routes)
                .configure(accounts::email_routes::routes)
                .configure(catalogue::routes::routes)
                .configure(matching::routes::routes)
                .configure(audit::routes::routes)
                .configure(notify::routes::routes),
        );
}

/// The OpenAPI document of every mounted route, as `/api/v1/openapi.json` serves it.
pub fn api_document() -> utoipa::openapi::OpenApi {
    App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(mount_routes)
        .split_for_parts()
        .1
}

pub struct Application {
    server: Server,
    address: std::net::SocketAddr,
    housekeeping: Housekeeping,
    worker: Option<WorkerHandle>,
}

/// The periodic work of `serve`: expires needs and offers whose time has passed, then
/// writes the reminders that are due (needs about to expire, matches waiting for an answer).
/// Every step is safe to run on several instances at once.
struct Housekeeping {
    db: Database,
    notifier: Arc<Notifier>,
    interval: std::time::Duration,
    reconfirm_within: chrono::Duration,
    expiry_warning: chrono::Duration,
    match_waiting: chrono::Duration,
}

/// Batches one step may run per pass: a bound on one pass's work, the rest waits.
const BATCHES_PER_PASS: usize = 50;

impl Housekeeping {
    async fn run(self) {
        let mut ticks = tokio::time::interval(self.interval);
        loop {
            ticks.tick().await;
            // A failed step is retried at the next tick; nothing was half-written.
            if let Err(error) = self.expire().await {
                tracing::warn!(%error, "the expiry pass failed");
            }
            if let Err(error) = self.remind().await {
                tracing::warn!(%error, "the reminder pass failed");
            }
        }
    }

    async fn expire(&self) -> Result<(), CatalogueError> {
        let now = chrono::Utc::now();
        let (today, stale_before) = (now.date_naive(), (now - self.reconfirm_within).naive_utc());
        let (needs, offers) = self
            .db
            .transaction(move |conn| catalogue::service::expire_due(conn, today, stale_before))
            .await?;
        if needs + offers > 0 {
            tracing::info!(needs, offers, "expired what was due");
        }
        Ok(())
    }

    async fn remind(&self) -> Result<(), StoreError> {
        let policy = catalogue::notices::ExpiryWarning {
            reconfirm_within: self.reconfirm_within,
            warn_within: self.expiry_warning,
        };
        let wait = self.match_waiting;
        let needs_warned = self
            .in_batches(move |conn, notifier, now, after| {
                catalogue::notices::warn_expiring_needs(conn, notifier, now, policy, after)
            })
            .await?;
        let matches_reminded = self
            .in_batches(move |conn, notifier, now, after| {
                crate::matching::reminders::remind_waiting_matches(conn, notifier, now, wait, after)
            })
            .await?;
        if needs_warned + matches_reminded > 0 {
            tracing::info!(needs_warned, matches_reminded, "reminders written");
        }
        Ok(())
    }

    /// Runs `step` batch after batch, each in its own transaction, from where the previous
    /// one stopped, until one says it was the last or the pass has run its bound. Returns
    /// how many were reminded.
    async fn in_batches<F>(&self, step: F) -> Result<usize, StoreError>
    where
        F: Fn(
                &mut crate::db::Conn<'_>,
                &Notifier,
                chrono::DateTime<chrono::Utc>,
                Option<uuid::Uuid>,
            ) -> Result<(Option<uuid::Uuid>, usize), StoreError>
            + Copy
            + Send
            + 'static,
    {
        let (mut reminded, mut after) = (0, None);
        for _ in 0..BATCHES_PER_PASS {
            let notifier = self.notifier.clone();
            let (next, sent) = self
                .db
                .transaction(move |conn| step(conn, &notifier, chrono::Utc::now(), after))
                .await?;
            reminded += sent;
            match next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(reminded)
    }
}

/// The notifier every process that writes emails shares: templates checked now, links to
/// `public_url`, unsubscribe links signed with the JWT secret.
pub fn build_notifier(config: &Config, public_url: url::Url) -> Result<Notifier, StartError> {
    let from = config.mail_from.parse().map_err(|_| ConfigError::Invalid {
        setting: "mail_from",
        reason: "must be an address, or `Name <address>`".into(),
    })?;
    Ok(Notifier::new(
        Templates::load()?,
        public_url,
        &from,
        &config.jwt_secret_or_generate()?,
    ))
}

/// An outbox worker for `config`, not yet running.
pub fn build_worker(
    config: &Config,
    db: Database,
    notifier: Arc<Notifier>,
) -> Result<Worker, StartError> {
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
    let from = config.mail_from.parse().map_err(|_| ConfigError::Invalid {
        setting: "mail_from",
        reason: "must be an address, or `Name <address>`".into(),
    })?;
    Ok(Worker::new(db, transport, from, notifier, settings))
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let target = config.database_target()?;
        let pool_size = config.database_pool_size;
        let db = web::block(move || Database::connect(&target, pool_size))
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))??;
        let taxonomy = {
            let db = db.clone();
            web::block(move || db.read_blocking(catalogue::store::load_taxonomy))
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))??
        };
        let jwt_secret = config.jwt_secret_or_generate()?;
        let listener = TcpListener::bind(config.listen)?;
        let address = listener.local_addr()?;
        let issuer = config
            .public_url
            .clone()
            .map_or_else(|| format!("http://{address}/"), |url| url.to_string());
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| config.public_url_for(address));
        let notifier = Arc::new(build_notifier(&config, public_url)?);
        let worker = if config.outbox.worker {
            Some(build_worker(&config, db.clone(), notifier.clone())?.spawn())
        } else {
            None
        };
        let state = web::Data::new(AppState {
            notifier,
            db,
            access_tokens: AccessTokens::new(&jwt_secret, issuer, config.access_token_ttl()),
            passwords: Passwords::new(config.password_hash_concurrency)?,
            rate_limits: RateLimiters::new(&config.rate_limits),
            refresh_token_ttl: config.refresh_token_ttl(),
            taxonomy: Arc::new(taxonomy),
            matching_weights: config.matching_weights,
        });
        let housekeeping = Housekeeping {
            db: state.db.clone(),
            notifier: state.notifier.clone(),
            interval: std::time::Duration::from_secs(config.expiry_interval_seconds),
            reconfirm_within: chrono::Duration::days(config.need_reconfirm_days.into()),
            expiry_warning: chrono::Duration::days(
                config.reminders.need_expiry_warning_days.into(),
            ),
            match_waiting: chrono::Duration::days(config.reminders.match_waiting_days.into()),
        };
        let body_limit = config.body_limit_bytes;
        let api = api_document();
        let routes = Arc::new(RouteTable::from_openapi(&api));
        let server = HttpServer::new(move || {
            let routes = routes.clone();
            // The document and its page come first: the `/api/v1` scope would otherwise
            // claim `/api/v1/openapi.json` and answer 404 for it.
            App::new()
                .service(web::redirect("/docs", "/docs/index.html"))
                .service(web::redirect("/docs/", "/docs/index.html"))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", api.clone()))
                .into_utoipa_app()
                .configure(mount_routes)
                .into_app()
                .app_data(state.clone())
                .app_data(problems::json_config(body_limit))
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(problems::path_config())
                .app_data(problems::query_config())
                .default_service(web::to(move |request| {
                    let routes = routes.clone();
                    async move { problems::no_route(&routes, &request) }
                }))
                .wrap(problems::problem_for_framework_errors())
                .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(from_fn(add_request_id_header))
                .wrap(TracingLogger::default())
        })
        .listen(listener)?
        .run();
        Ok(Self {
            server,
            address,
            housekeeping,
            worker,
        })
    }

    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Serves until the process is asked to stop (SIGINT or SIGTERM: a graceful shutdown),
    /// then stops the outbox worker once it has settled the message in hand.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // The task lives on the server's runtime and ends with it.
        let housekeeping = actix_web::rt::spawn(self.housekeeping.run());
        let served = self.server.await;
        housekeeping.abort();
        if let Some(worker) = self.worker {
            worker.stop().await;
        }
        served
    }
}
