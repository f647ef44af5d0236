//! One function per CLI command; `main` parses the arguments and calls one of these.

use std::io::BufRead;

use secrecy::SecretString;

use crate::accounts::model::{Country, Email, User};
use crate::accounts::store as accounts;
use crate::auth::password;
use crate::config::Config;
use crate::db::{self, Database};
use crate::notify::setup::{build_notifier, build_worker};
use crate::telemetry;
use crate::Application;
use std::sync::Arc;

pub type CommandResult = Result<(), Box<dyn std::error::Error>>;

/// `clearinghouse serve`: the API server.
pub async fn serve(config: Config) -> CommandResult {
    telemetry::init(config.log_format);
    let application = Application::build(config).await?;
    let address = application.address();
    tracing::info!(%address, "clearinghouse is serving");
    println!("clearinghouse is serving on http://{address}  (API docs: http://{address}/docs/)");
    application.run_until_stopped().await?;
    Ok(())
}

/// `clearinghouse worker`: delivers the outbox until SIGINT or SIGTERM, then finishes the
/// message in hand and gives the rest of its batch back.
pub async fn worker(config: Config) -> CommandResult {
    telemetry::init(config.log_format);
    let target = config.database.clone();
    let pool_size = config.database_pool_size.min(4);
    let db = actix_web::web::block(move || Database::connect(&target, pool_size))
        .await
        .map_err(|e| e.to_string())??;
    let notifier = Arc::new(build_notifier(&config, config.public_url())?);
    let webhooks = config.webhooks.worker.then(|| {
        crate::webhooks::worker::WebhookWorker::from_config(&config, db.clone(), notifier.clone())
            .spawn()
    });
    let handle = build_worker(&config, db, notifier)?.spawn();
    println!("clearinghouse worker is delivering the outbox");
    wait_for_stop_signal().await;
    handle.stop().await;
    if let Some(webhooks) = webhooks {
        webhooks.stop().await;
    }
    Ok(())
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `clearinghouse migrate`: applies pending migrations and exits.
pub fn migrate(config: Config) -> CommandResult {
    let applied = db::migrate(&config.database)?;
    println!("applied {applied} migration(s)");
    Ok(())
}

/// What `create-coordinator` needs besides the password, parsed by the command line.
pub struct NewCoordinator {
    pub email: Email,
    pub name: String,
    pub organisation_name: String,
    pub country: Country,
}

/// `clearinghouse create-coordinator`: a verified coordinator in the secretariat organisation
/// (created, verified, when there is none yet). The password is read from the first line of
/// `input` so that it never appears in the process list or shell history.
pub fn create_coordinator(
    config: Config,
    new: NewCoordinator,
    input: impl BufRead,
) -> CommandResult {
    if new.name.trim().is_empty() {
        return Err("the coordinator's name must not be blank".into());
    }
    let password = input
        .lines()
        .next()
        .transpose()?
        .ok_or("no password on standard input")?;
    password::check_length(&password).map_err(|reason| format!("the password {reason}"))?;
    let password_hash = password::hash_blocking(&SecretString::from(password))?;

    let database = Database::connect(&config.database, 1)?;
    let user: User = database.write_blocking(|conn| {
        accounts::insert_coordinator(
            conn,
            new.organisation_name.trim().to_owned(),
            new.country,
            new.email,
            new.name.trim().to_owned(),
            password_hash,
        )
    })?;
    println!("created coordinator {} ({})", user.email, user.id);
    Ok(())
}

/// What `seed-demo` is asked for.
pub struct SeedDemoOptions {
    pub needs: usize,
    pub offers: usize,
    /// Every demo user's password; printed at the end, so it must never be a real one.
    pub password: String,
}

/// The most items `seed-demo` writes of each kind: enough for any benchmark.
const MAX_SEEDED_ITEMS: usize = 1_000_000;

/// `clearinghouse seed-demo`: organisations of every kind with their admins, a demo
/// coordinator, needs and offers, written once; a second run adds nothing.
pub fn seed_demo(config: Config, options: SeedDemoOptions) -> CommandResult {
    use crate::seed::generate::{COORDINATOR_EMAIL, ORGANISATIONS, SEED};
    use crate::seed::write::{self, SeedOutcome, SeedPlan};

    if options.needs > MAX_SEEDED_ITEMS || options.offers > MAX_SEEDED_ITEMS {
        return Err(format!("--needs and --offers go up to {MAX_SEEDED_ITEMS}").into());
    }
    password::check_length(&options.password)
        .map_err(|reason| format!("the demo password {reason}"))?;
    let database = Database::connect(&config.database, 1)?;
    if write::is_seeded(&database)? {
        println!("the demo data is already seeded ({COORDINATOR_EMAIL} exists); nothing added");
        return Ok(());
    }
    let plan = SeedPlan {
        seed: SEED,
        needs: options.needs,
        offers: options.offers,
        password_hash: password::hash_blocking(&SecretString::from(options.password.clone()))?,
        today: chrono::Utc::now().date_naive(),
    };
    match write::seed(&database, &plan)? {
        SeedOutcome::AlreadySeeded => {
            println!("the demo data is already seeded ({COORDINATOR_EMAIL} exists); nothing added");
        }
        SeedOutcome::Seeded(report) => {
            database.vacuum_analyse_after_bulk_load()?;
            println!(
                "seeded the demo in {:.1} s: {} organisations ({} not yet verified), {} users, \
                 {} needs ({} open, {} drafts), {} offers ({} open, {} drafts), {} audit lines",
                report.elapsed.as_secs_f64(),
                report.organisations,
                report.unverified_organisations,
                report.users,
                report.open_needs + report.draft_needs,
                report.open_needs,
                report.draft_needs,
                report.open_offers + report.draft_offers,
                report.open_offers,
                report.draft_offers,
                report.audit_lines,
            );
            println!(
                "sign in as {COORDINATOR_EMAIL} (coordinator) or as any organisation's admin, \
                 e.g. {} ({}), with the demo password: {}",
                ORGANISATIONS[10].admin_email(),
                ORGANISATIONS[10].name,
                options.password
            );
        }
    }
    Ok(())
}
