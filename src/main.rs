//! The `clearinghouse` command line: parses, loads the configuration, runs one command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use clearinghouse::accounts::model::{Country, Email};
use clearinghouse::commands::{self, NewCoordinator, SeedDemoOptions};
use clearinghouse::config::Config;

#[derive(Parser)]
#[command(
    name = "clearinghouse",
    version,
    about = "Healthcare cyber capacity-building clearing house"
)]
struct Cli {
    /// A TOML file of settings; environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default); also delivers the email outbox unless --no-worker.
    Serve {
        /// Do not run the outbox worker in this process (run `clearinghouse worker` instead).
        #[arg(long)]
        no_worker: bool,
    },
    /// Deliver the email outbox, without serving the API (any number may run at once).
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a coordinator in the secretariat organisation; reads the password from stdin.
    CreateCoordinator {
        #[arg(long)]
        email: Email,
        #[arg(long)]
        name: String,
        /// Name of the secretariat organisation, if it does not exist yet.
        #[arg(long, default_value = "Clearing-house secretariat")]
        organisation: String,
        /// Country of the secretariat organisation, if it does not exist yet (ISO 3166-1 alpha-2).
        #[arg(long, default_value = "NL")]
        country: Country,
    },
    /// Fill the database with a realistic demo: organisations of every kind, their admins,
    /// a coordinator, needs and offers. Running it again adds nothing.
    SeedDemo {
        /// How many needs to write.
        #[arg(long, default_value_t = 200)]
        needs: usize,
        /// How many offers to write.
        #[arg(long, default_value_t = 100)]
        offers: usize,
        /// The password of every demo user (12 to 128 characters). Demo only: it is printed.
        #[arg(long, default_value = DEMO_PASSWORD)]
        password: String,
    },
}

/// The documented password of the demo users (README, "First look: demo data").
const DEMO_PASSWORD: &str = "clearinghouse-demo";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("clearinghouse: {error}");
            return ExitCode::from(2);
        }
    };
    let outcome = match cli.command.unwrap_or(Command::Serve { no_worker: false }) {
        Command::Serve { no_worker } => {
            let mut config = config;
            if no_worker {
                config.outbox.worker = false;
            }
            actix_web::rt::System::new().block_on(commands::serve(config))
        }
        Command::Worker => actix_web::rt::System::new().block_on(commands::worker(config)),
        Command::Migrate => commands::migrate(config),
        Command::CreateCoordinator {
            email,
            name,
            organisation,
            country,
        } => commands::create_coordinator(
            config,
            NewCoordinator {
                email,
                name,
                organisation_name: organisation,
                country,
            },
            std::io::stdin().lock(),
        ),
        Command::SeedDemo {
            needs,
            offers,
            password,
        } => commands::seed_demo(
            config,
            SeedDemoOptions {
                needs,
                offers,
                password,
            },
        ),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("clearinghouse: {error}");
            ExitCode::FAILURE
        }
    }
}
