//! Builds the application from a `Config`: the database, the shared state, the routes and
//! middleware, bound to a listener. `Application::build` then `run_until_stopped`.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;

use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::password::{PasswordError, Passwords};
use crate::auth::rate_limit::{KeyDigest, RateLimiters};
use crate::auth::token::AccessTokens;
use crate::catalogue;
use crate::config::{Config, ConfigError};
use crate::db::{Database, StoreError};
use crate::housekeeping::Housekeeping;
use crate::http::client_ip::resolve_client_ip;
use crate::http::cors::api_cors;
use crate::http::problems::{self, RouteTable};
use crate::http::request_id::add_request_id_header;
use crate::matching::open_offers::OpenOffers;
use crate::metrics::middleware::record_request;
use crate::metrics::routes::ScrapeToken;
use crate::metrics::Metrics;
use crate::notify::setup::{build_notifier, build_worker, SetupError};
use crate::notify::worker::WorkerHandle;
pub use crate::routes::api_document;
use crate::routes::mount_routes;
use crate::state::AppState;
use crate::web::errors::{not_found_page, render_error_pages};
use crate::web::headers::add_security_headers;
use crate::web::site::SiteError;
use crate::webhooks::worker::{WebhookWorker, WebhookWorkerHandle};

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
    #[error(transparent)]
    Notify(#[from] SetupError),
    #[error(transparent)]
    Site(#[from] SiteError),
}

pub struct Application {
    server: Server,
    address: std::net::SocketAddr,
    housekeeping: Housekeeping,
    worker: Option<WorkerHandle>,
    webhook_worker: Option<WebhookWorkerHandle>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let target = config.database.clone();
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
        let site = Arc::new(crate::web::Site::load(
            &public_url,
            config.web_session_lifetimes(),
        )?);
        let notifier = Arc::new(build_notifier(&config, public_url)?);
        let worker = if config.outbox.worker {
            Some(build_worker(&config, db.clone(), notifier.clone())?.spawn())
        } else {
            None
        };
        // Webhooks are delivered wherever email is: the same switch, the same processes.
        let webhook_worker = (config.outbox.worker && config.webhooks.worker)
            .then(|| WebhookWorker::from_config(&config, db.clone(), notifier.clone()).spawn());
        let state = web::Data::new(AppState {
            webhook_egress: config.webhooks.egress(),
            open_offers: Arc::new(OpenOffers::new()),
            notifier,
            db,
            access_tokens: AccessTokens::new(&jwt_secret, issuer, config.access_token_ttl()),
            passwords: Passwords::new(config.password_hash_concurrency)?,
            rate_limits: RateLimiters::new(
                &config.rate_limits,
                KeyDigest::from_secret(jwt_secret.expose_secret().as_bytes()),
            ),
            refresh_token_ttl: config.refresh_token_ttl(),
            taxonomy: Arc::new(taxonomy),
            matching_weights: config.matching_weights,
            site,
            // match and coordination pages
            match_waiting: chrono::Duration::days(config.reminders.match_waiting_days.into()),
        });
        let housekeeping = Housekeeping::new(&config, state.db.clone(), state.notifier.clone());
        let body_limit = config.body_limit_bytes;
        let trusted_proxies = web::Data::new(config.trusted_proxies.clone());
        let metrics = web::Data::new(Metrics::default());
        let scrape_token = config.metrics.token.as_ref().map(ScrapeToken::new);
        let mut api = api_document();
        crate::openapi::codes::list_theme_codes(&mut api, state.taxonomy.codes());
        let routes = Arc::new(RouteTable::from_openapi(&api));
        let (cors_origins, own_origin) = (
            config.cors_allowed_origins.clone(),
            state.site.public_origin.clone(),
        );
        let server = HttpServer::new(move || {
            let routes = routes.clone();
            let scrape_token = scrape_token.clone();
            // The document and its page come first: the `/api/v1` scope would otherwise
            // claim `/api/v1/openapi.json` and answer 404 for it.
            App::new()
                .service(web::redirect("/docs", "/docs/index.html"))
                .service(web::redirect("/docs/", "/docs/index.html"))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", api.clone()))
                .into_utoipa_app()
                .configure(mount_routes(api_cors(&cors_origins, &own_origin)))
                .into_app()
                .configure(crate::metrics::routes::routes(scrape_token))
                .configure(crate::web::routes)
                .app_data(state.clone())
                .app_data(web::Data::from(routes.clone()))
                .app_data(trusted_proxies.clone())
                .app_data(metrics.clone())
                .app_data(problems::json_config(body_limit))
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(problems::path_config())
                .app_data(problems::query_config())
                .default_service(web::to(move |request: actix_web::HttpRequest| {
                    let routes = routes.clone();
                    async move {
                        // The API and its documented paths answer problem+json; any other
                        // path is a page that does not exist.
                        let api = request.path().starts_with("/api/")
                            || !routes.methods_for(request.path()).is_empty();
                        if api {
                            problems::no_route(&routes, &request)
                        } else {
                            not_found_page(&request)
                        }
                    }
                }))
                // Innermost: JSON bodies with integral numbers written as floats (`5.0`) are
                // read as integers, after the identity check below has run.
                .wrap(from_fn(crate::http::json_numbers::integral_numbers))
                // Idempotent writes: after the identity check (the caller owns the key), and
                // before the body rewriting above, so that a request's fingerprint is the body
                // as the client sent it.
                .wrap(from_fn(
                    crate::idempotency::middleware::honour_idempotency_keys,
                ))
                // A secured operation without a valid identity is refused before any
                // handler's extractor reads its body.
                .wrap(from_fn(
                    crate::auth::extract::authenticate_secured_operations,
                ))
                .wrap(from_fn(render_error_pages))
                .wrap(problems::problem_for_framework_errors())
                .wrap(from_fn(add_security_headers))
                .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(from_fn(add_request_id_header))
                .wrap(from_fn(record_request))
                .wrap(TracingLogger::default())
                // Outermost: the client's address is decided before the log line names it.
                .wrap(from_fn(resolve_client_ip))
        })
        .listen(listener)?
        .run();
        Ok(Self {
            server,
            address,
            housekeeping,
            worker,
            webhook_worker,
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
        if let Some(worker) = self.webhook_worker {
            worker.stop().await;
        }
        served
    }
}
