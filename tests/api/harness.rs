//! The test harness: a real server on a free port, over a fresh database of each configured
//! engine, and a client that speaks to it as a partner system or a browser would.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use clearinghouse::config::{Config, DatabaseTarget};
use clearinghouse::error::ProblemType;
use clearinghouse::startup::Application;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use url::Url;

/// How long the test clients keep an idle connection: well under the server's keep-alive
/// (actix's default, 5 s). A pooled connection reused just as the server closes it fails
/// with `IncompleteMessage`, which a loaded machine made happen once between two steps of
/// a page test; browsers retry such a request, these clients do not.
pub const POOL_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub const POSTGRES_URL_VARIABLE: &str = "CLEARINGHOUSE_TEST_POSTGRES_URL";
/// The signing secret the test servers use, so that tests can forge tokens with it.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// SQLite always; PostgreSQL too when the variable names a server. A named server that cannot
/// be reached stops the run: the suite never passes by skipping an engine.
pub fn configured_engines() -> Vec<Engine> {
    let mut engines = vec![Engine::Sqlite];
    if let Some(admin_url) = postgres_admin_url() {
        prepare_postgres_template(&admin_url);
        engines.push(Engine::Postgres);
    }
    engines
}

fn postgres_admin_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VARIABLE)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// The migrated database every PostgreSQL test database is cloned from; one per run.
fn template_name() -> String {
    format!("ch_template_{}", std::process::id())
}

fn with_database(admin_url: &str, database: &str) -> String {
    let mut url = Url::parse(admin_url).expect("CLEARINGHOUSE_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{database}"));
    url.to_string()
}

fn admin_connection(admin_url: &str) -> PgConnection {
    PgConnection::establish(admin_url).unwrap_or_else(|error| {
        panic!("{POSTGRES_URL_VARIABLE} is set but PostgreSQL cannot be reached at {admin_url}: {error}")
    })
}

fn prepare_postgres_template(admin_url: &str) {
    let template = template_name();
    let mut admin = admin_connection(admin_url);
    // One statement per call: several in one string would run as one transaction, which
    // CREATE and DROP DATABASE refuse.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {template} WITH (FORCE)"))
        .expect("drop a stale template database");
    admin
        .batch_execute(&format!("CREATE DATABASE {template}"))
        .expect("create the template database");
    let url = with_database(admin_url, &template);
    clearinghouse::db::migrate(&DatabaseTarget::Postgres { url })
        .expect("migrate the template database");
}

/// Drops the template at the end of the run.
pub fn drop_postgres_template() {
    if let Some(admin_url) = postgres_admin_url() {
        let mut admin = admin_connection(&admin_url);
        let _ = admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            template_name()
        ));
    }
}

/// Time passing for one column of one row of the test server's database: sets `$column` of
/// the row `$id` of `$table` to `$at`, through the service's own schema, on either engine.
#[macro_export]
macro_rules! set_column {
    ($app:expr, $table:ident . $column:ident, $id:expr, $at:expr) => {{
        use clearinghouse::db::schema::$table;
        use diesel::prelude::*;
        let id: String = $id.to_owned();
        let at = $at;
        $app.database()
            .write_blocking(move |conn| {
                clearinghouse::dispatch!(conn, |c| diesel::update($table::table.find(&id))
                    .set($table::$column.eq(at))
                    .execute(c))?;
                Ok::<_, clearinghouse::db::StoreError>(())
            })
            .expect("write the test's moment into the database");
    }};
}

/// A database that exists for one test and is removed after it.
pub enum TestDatabase {
    Sqlite {
        _folder: tempfile::TempDir,
        url: String,
    },
    Postgres {
        name: String,
        url: String,
        admin_url: String,
    },
}

impl TestDatabase {
    fn create(engine: Engine, folder: &std::path::Path) -> Self {
        match engine {
            Engine::Sqlite => {
                let holder = tempfile::tempdir_in(folder).expect("a temporary folder");
                let url = format!(
                    "sqlite://{}",
                    holder.path().join("clearinghouse.db").display()
                );
                TestDatabase::Sqlite {
                    _folder: holder,
                    url,
                }
            }
            Engine::Postgres => {
                static NEXT: AtomicUsize = AtomicUsize::new(0);
                // Cloning one template at a time avoids "source database is being accessed".
                static CLONING: Mutex<()> = Mutex::new(());
                let admin_url = postgres_admin_url().expect("PostgreSQL is configured");
                let name = format!(
                    "ch_test_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::SeqCst)
                );
                {
                    let _one_at_a_time = CLONING
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    admin_connection(&admin_url)
                        .batch_execute(&format!(
                            "CREATE DATABASE {name} TEMPLATE {}",
                            template_name()
                        ))
                        .expect("clone the template database");
                }
                let url = with_database(&admin_url, &name);
                TestDatabase::Postgres {
                    name,
                    url,
                    admin_url,
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDatabase::Sqlite { url, .. } | TestDatabase::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres {
            name, admin_url, ..
        } = self
        {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub engine: Engine,
    /// `http://127.0.0.1:PORT`, also the configured public URL (with a trailing slash).
    pub base_url: String,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    /// Shared by every instance started on it (`another_instance`), dropped with the last.
    pub database: std::sync::Arc<TestDatabase>,
    /// Where the server sends email: a test SMTP sink's URL, or none for the mail folder
    /// (`data_dir/mail`).
    pub smtp_url: Option<String>,
}

/// Settings every test server shares: a free port, a fixed secret, and rate limits high
/// enough that only the tests about rate limits meet them.
fn base_settings(database_url: &str, data_dir: &std::path::Path) -> Vec<(&'static str, String)> {
    // The port is chosen before the server starts so that the public URL (token issuer, email
    // links) can name it, as an operator's configuration would.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    vec![
        ("listen", format!("127.0.0.1:{port}")),
        ("public_url", format!("http://127.0.0.1:{port}/")),
        ("database_url", database_url.into()),
        ("data_dir", data_dir.display().to_string()),
        ("jwt_secret", JWT_SECRET.into()),
        ("database_pool_size", "4".into()),
        ("rate_limits.login_per_ip", "100000".into()),
        ("rate_limits.login_per_account", "100000".into()),
        ("rate_limits.register_per_ip", "100000".into()),
        ("rate_limits.refresh_per_ip", "100000".into()),
        ("rate_limits.invitations_per_user", "100000".into()),
        ("rate_limits.invitations_per_organisation", "100000".into()),
        ("rate_limits.verification_emails_per_user", "100000".into()),
        ("rate_limits.oauth_token_per_ip", "100000".into()),
        ("rate_limits.oauth_token_per_client", "100000".into()),
        // People confirm their address from the email, so it should not wait a second.
        ("outbox.poll_interval_ms", "50".into()),
    ]
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Self {
        Self::spawn_with(engine, &[]).await
    }

    /// A server whose settings differ from the test defaults by `overrides`.
    pub async fn spawn_with(engine: Engine, overrides: &[(&'static str, &str)]) -> Self {
        let data_dir = tempfile::tempdir().expect("a temporary folder");
        let database = TestDatabase::create(engine, data_dir.path());
        Self::start(engine, std::sync::Arc::new(database), data_dir, overrides).await
    }

    /// A second server on this one's database, as another instance behind the same load
    /// balancer would be: its own port, data folder and memory, the same rows.
    pub async fn another_instance(&self, overrides: &[(&'static str, &str)]) -> Self {
        let data_dir = tempfile::tempdir().expect("a temporary folder");
        Self::start(self.engine, self.database.clone(), data_dir, overrides).await
    }

    async fn start(
        engine: Engine,
        database: std::sync::Arc<TestDatabase>,
        data_dir: tempfile::TempDir,
        overrides: &[(&'static str, &str)],
    ) -> Self {
        let mut settings = base_settings(database.url(), data_dir.path());
        settings.extend(
            overrides
                .iter()
                .map(|(key, value)| (*key, value.to_string())),
        );
        let smtp_url = settings
            .iter()
            .rev()
            .find(|(key, _)| *key == "smtp_url")
            .map(|(_, url)| url.clone());
        let config = Config::from_pairs(settings).expect("test configuration is valid");
        if std::env::var_os("TEST_LOG").is_some() {
            clearinghouse::telemetry::init(config.log_format);
        }
        let application = Application::build(config).await.expect("the server starts");
        let base_url = format!("http://{}", application.address());
        actix_web::rt::spawn(application.run_until_stopped());
        TestApp {
            engine,
            base_url,
            client: reqwest::Client::builder()
                .pool_idle_timeout(POOL_IDLE_TIMEOUT)
                .build()
                .expect("an HTTP client"),
            data_dir,
            database,
            smtp_url,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        self.request_with(method, path, token, &[], body).await
    }

    /// `request` with extra headers (`If-Match`, `Idempotency-Key`, ...).
    pub async fn request_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Response {
        send_with(&self.client, self.url(path), method, token, headers, body).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None).await
    }

    /// `path` is for coordinators: refused to `member`, who is signed in (403), and to a
    /// visitor without a token (401).
    pub async fn assert_coordinators_only(&self, member: &Session, path: &str) {
        member.get(path).await.assert_problem(StatusCode::FORBIDDEN);
        self.get(path, None)
            .await
            .assert_problem(StatusCode::UNAUTHORIZED);
    }

    /// `PATCH` with `If-Match` when given, as an editor sends it.
    pub async fn patch(
        &self,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: &Value,
    ) -> Response {
        let headers: Vec<(&str, &str)> =
            if_match.map(|tag| ("if-match", tag)).into_iter().collect();
        self.request_with(Method::PATCH, path, token, &headers, Some(body))
            .await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    /// Registers a user with a fresh email and their organisation of `kind` in `country`.
    pub async fn register(&self, kind: &str, country: &str) -> Account {
        let email = format!(
            "user-{}@{}.example",
            uuid::Uuid::new_v4().simple(),
            kind.replace('_', "-")
        );
        let organisation =
            json!({"name": format!("A {kind} in {country}"), "kind": kind, "country": country});
        let response = self
            .register_with(&json!({
                "email": email,
                "password": PASSWORD,
                "name": "Test User",
                "organisation": organisation,
            }))
            .await;
        response.assert_status(StatusCode::CREATED);
        Account {
            email,
            user_id: response.body["user"]["id"].as_str().unwrap().to_owned(),
            organisation_id: response.body["organisation"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    /// The first link starting with `prefix` in an email to `address`, read where a person
    /// would: the SMTP sink the server sends to, or the mail folder.
    pub async fn emailed_link(&self, address: &str, prefix: &str) -> String {
        let folder = self.data_dir.path().join("mail");
        let what = format!("an email to {address} with a link starting {prefix}");
        eventually(&what, std::time::Duration::from_secs(20), || async {
            let emails: Vec<crate::smtp_sink::Email> = match &self.smtp_url {
                Some(url) => crate::smtp_sink::messages_at(url)
                    .unwrap_or_default()
                    .iter()
                    .filter(|message| message.to.iter().any(|to| to == address))
                    .map(|message| message.email())
                    .collect(),
                None => std::fs::read_dir(&folder)
                    .into_iter()
                    .flatten()
                    .filter_map(Result::ok)
                    .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
                    .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                    .map(|raw| crate::smtp_sink::Email::parse(&raw))
                    .filter(|email| email.header("to").is_some_and(|to| to.contains(address)))
                    .collect(),
            };
            emails.iter().find_map(|email| email.link(prefix))
        })
        .await
    }

    /// The person behind `account` confirms their address as a person does: opens the link
    /// of the verification email and presses the button, which posts its token.
    pub async fn confirm_email(&self, account: &Account) {
        let link = self
            .emailed_link(
                &account.email,
                &format!("{}/verify-email?token=", self.base_url),
            )
            .await;
        let token = Url::parse(&link)
            .expect("a link")
            .query_pairs()
            .find(|(key, _)| key == "token")
            .map(|(_, value)| value.into_owned())
            .expect("the link carries a token");
        self.verify_email(&token)
            .await
            .assert_status(StatusCode::NO_CONTENT);
    }

    /// A registration whose person has confirmed their address, not yet verified by a
    /// coordinator.
    pub async fn register_confirmed(&self, kind: &str, country: &str) -> Account {
        let account = self.register(kind, country).await;
        self.confirm_email(&account).await;
        account
    }

    /// The invitee of `token` accepts, as `name`, with the test password.
    pub async fn accept_invitation(&self, token: &str, name: &str) -> Response {
        self.post(
            "/api/v1/invitations/accept",
            None,
            &json!({"token": token, "name": name, "password": PASSWORD}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.auth("login", json!({"email": email, "password": password}))
            .await
    }

    /// `POST /api/v1/auth/{step}` with `body`, as a person who is not signed in sends it.
    async fn auth(&self, step: &str, body: Value) -> Response {
        self.post(&format!("/api/v1/auth/{step}"), None, &body)
            .await
    }

    /// The verbs of a person who is not signed in, each answering the whole `Response`:
    /// a registration of `body` as sent, the token of a verification link, a password reset
    /// asked for `email`, the new password sent with a reset link's token, a session's
    /// refresh token exchanged for new tokens, and a session ended by its refresh token.
    pub async fn register_with(&self, body: &Value) -> Response {
        self.auth("register", body.clone()).await
    }
    pub async fn verify_email(&self, token: &str) -> Response {
        self.auth("verify-email", json!({"token": token})).await
    }
    pub async fn request_password_reset(&self, email: &str) -> Response {
        self.auth("password-reset", json!({"email": email})).await
    }
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Response {
        let body = json!({"token": token, "new_password": new_password});
        self.auth("password-reset/confirm", body).await
    }
    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.auth("refresh", json!({"refresh_token": refresh_token}))
            .await
    }
    pub async fn logout(&self, refresh_token: &str) -> Response {
        self.auth("logout", json!({"refresh_token": refresh_token}))
            .await
    }

    /// Signs in and returns the session's tokens.
    pub async fn sign_in(&self, account: &Account) -> Session {
        let response = self.login(&account.email, PASSWORD).await;
        response.assert_status(StatusCode::OK);
        self.session(account.clone(), &response)
    }

    /// The session a successful login `response` opened for `account`.
    fn session(&self, account: Account, response: &Response) -> Session {
        Session {
            account,
            access_token: response.body["access_token"].as_str().unwrap().to_owned(),
            refresh_token: response.body["refresh_token"].as_str().unwrap().to_owned(),
            client: self.client.clone(),
            base_url: self.base_url.clone(),
        }
    }

    /// The real binary with `args`, set up as an operator would for this server: its
    /// database, secret, public URL and data folder, and nothing else from the environment.
    pub fn cli_command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"));
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", self.database.url())
            .env("CLEARINGHOUSE_JWT_SECRET", JWT_SECRET)
            // Links in what the binary writes (digests) point where the test server listens.
            .env("CLEARINGHOUSE_PUBLIC_URL", format!("{}/", self.base_url))
            .env("CLEARINGHOUSE_DATA_DIR", self.data_dir.path());
        command
    }

    /// Runs the real binary with this server's database and secret, as an operator would.
    pub fn run_cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        use std::io::Write;
        let mut child = self
            .cli_command(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the clearinghouse binary runs");
        let written = child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(stdin.as_bytes());
        // A command that refuses its arguments may exit before it reads stdin; its output
        // and status, not the pipe, are what the test checks.
        if let Err(error) = written {
            assert_eq!(
                error.kind(),
                std::io::ErrorKind::BrokenPipe,
                "write stdin: {error}"
            );
        }
        child.wait_with_output().expect("the command finishes")
    }

    /// A coordinator created through `clearinghouse create-coordinator`, signed in.
    pub async fn coordinator(&self) -> Session {
        let email = format!(
            "coordinator-{}@secretariat.example",
            uuid::Uuid::new_v4().simple()
        );
        let output = self.run_cli(
            &[
                "create-coordinator",
                "--email",
                &email,
                "--name",
                "Test Coordinator",
            ],
            &format!("{PASSWORD}\n"),
        );
        assert!(
            output.status.success(),
            "create-coordinator failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let response = self.login(&email, PASSWORD).await;
        response.assert_status(StatusCode::OK);
        let me = self
            .get("/api/v1/me", response.body["access_token"].as_str())
            .await;
        let account = Account {
            email,
            user_id: me.body["id"].as_str().unwrap().to_owned(),
            organisation_id: me.body["organisation_id"].as_str().unwrap().to_owned(),
        };
        self.session(account, &response)
    }

    /// A registered organisation that a coordinator has verified, with its admin (address
    /// confirmed) signed in.
    pub async fn verified_org(&self, kind: &str, country: &str) -> Session {
        let account = self.register_confirmed(kind, country).await;
        let coordinator = self.coordinator().await;
        coordinator
            .verify(&account)
            .await
            .assert_status(StatusCode::OK);
        self.sign_in(&account).await
    }

    /// The people of most stories, each signed in and created in this order: a verified
    /// hospital and a verified NGO, both in Kenya, and a coordinator.
    pub async fn cast(&self) -> (Session, Session, Session) {
        let hospital = self.verified_org("hospital", "KE").await;
        let ngo = self.verified_org("ngo", "KE").await;
        let coordinator = self.coordinator().await;
        (hospital, ngo, coordinator)
    }

    /// The proposal most match stories start from: the need "Backups after an attack" (with
    /// `need_changes`) and the offer "Restore drills for hospitals" on its theme.
    pub async fn backup_proposal(&self, need_changes: Value) -> Proposal {
        let offer_changes = json!({"themes": ["ransomware.backup_recovery"]});
        self.proposal(
            need_with("Backups after an attack", need_changes),
            offer_with("Restore drills for hospitals", offer_changes),
        )
        .await
    }

    /// A verified hospital's need and a verified NGO's offer, both in Kenya and published
    /// from `need` and `offer`, and the hospital's proposal to match them.
    pub async fn proposal(&self, need: Value, offer: Value) -> Proposal {
        let (hospital, ngo, coordinator) = self.cast().await;
        let need = hospital.publish_need(&need).await;
        let offer = ngo.publish_offer(&offer).await;
        let match_id = hospital.propose_match(&need, &offer).await;
        Proposal {
            match_id,
            hospital,
            ngo,
            coordinator,
            offer,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub user_id: String,
    pub organisation_id: String,
}

/// A signed-in user, and the verbs of the story they act in: `hospital.publish_need(..)`,
/// `coordinator.approve(&match_id)`, `ngo.accept(&match_id)`. Each verb answers the whole
/// `Response`, so that a test can expect a refusal as easily as a success.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    pub access_token: String,
    pub refresh_token: String,
    client: reqwest::Client,
    base_url: String,
}

impl Session {
    pub fn token(&self) -> Option<&str> {
        Some(&self.access_token)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, &[], None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.send(Method::POST, path, &[], Some(body)).await
    }

    /// `/api/v1/organisations/{own organisation}/{rest}`: a path under this user's own
    /// organisation (its invitations, API clients, webhooks).
    pub fn organisation_path(&self, rest: &str) -> String {
        format!(
            "/api/v1/organisations/{}/{rest}",
            self.account.organisation_id
        )
    }

    /// A request with extra headers (`If-Match`, `Idempotency-Key`, ...).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Response {
        let url = format!("{}{path}", self.base_url);
        send_with(&self.client, url, method, self.token(), headers, body).await
    }

    /// `PATCH` with `If-Match`, as an editor sends it.
    pub async fn patch(&self, path: &str, if_match: &str, body: &Value) -> Response {
        self.send(Method::PATCH, path, &[("if-match", if_match)], Some(body))
            .await
    }

    /// Changes `need` (as the API returned it) by `changes`, as an editor who read it at
    /// `version` sends it.
    pub async fn change_need(&self, need: &Value, version: i64, changes: &Value) -> Response {
        let path = format!("/api/v1/needs/{}", id(need));
        self.patch(&path, &version_tag(version), changes).await
    }

    /// What `path` shows this user, which they may read.
    pub async fn read(&self, path: &str) -> Value {
        let response = self.get(path).await;
        response.assert_status(StatusCode::OK);
        response.body
    }

    /// The audit lines about one entity (`need`, `match`, `api_client`, ...), as this user
    /// may read them.
    pub async fn audit(&self, entity: &str, entity_id: &str) -> Response {
        self.get(&format!(
            "/api/v1/audit?entity={entity}&entity_id={entity_id}"
        ))
        .await
    }

    /// Sets this user's notification preferences to `body` (`{"preferences": {kind: mode}}`).
    pub async fn set_preferences(&self, body: &Value) -> Response {
        let path = "/api/v1/me/notification-preferences";
        self.send(Method::PUT, path, &[], Some(body)).await
    }

    /// Creates a need from `body` and returns it.
    pub async fn create_need(&self, body: &Value) -> Value {
        let response = self.post("/api/v1/needs", body).await;
        response.assert_status(StatusCode::CREATED);
        response.body
    }

    /// Creates and publishes a need (the organisation must be verified).
    pub async fn publish_need(&self, body: &Value) -> Value {
        let need = self.create_need(body).await;
        let published = self.publish(Need(&need)).await;
        published.assert_status(StatusCode::OK);
        published.body
    }

    /// Creates an offer from `body` and returns it.
    pub async fn create_offer(&self, body: &Value) -> Value {
        let response = self.post("/api/v1/offers", body).await;
        response.assert_status(StatusCode::CREATED);
        response.body
    }

    /// Creates and publishes an offer (the organisation must be verified).
    pub async fn publish_offer(&self, body: &Value) -> Value {
        let offer = self.create_offer(body).await;
        let published = self.publish(Offer(&offer)).await;
        published.assert_status(StatusCode::OK);
        published.body
    }

    /// Publishes a need for each `(title, changes)` of `needs` (`need_with`), in order: the
    /// catalogue a story starts from, one line a need.
    pub async fn publish_needs<const N: usize>(&self, needs: [(&str, Value); N]) -> [Value; N] {
        let mut published = Vec::with_capacity(N);
        for (title, changes) in needs {
            published.push(self.publish_need(&need_with(title, changes)).await);
        }
        published.try_into().expect("one need for each")
    }

    /// Publishes an offer for each `(title, changes)` of `offers` (`offer_with`), in order.
    pub async fn publish_offers<const N: usize>(&self, offers: [(&str, Value); N]) -> [Value; N] {
        let mut published = Vec::with_capacity(N);
        for (title, changes) in offers {
            published.push(self.publish_offer(&offer_with(title, changes)).await);
        }
        published.try_into().expect("one offer for each")
    }

    /// A coordinator verifies the organisation of `account`.
    pub async fn verify(&self, account: &Account) -> Response {
        self.post(
            &format!("/api/v1/organisations/{}/verify", account.organisation_id),
            &json!({}),
        )
        .await
    }

    /// An org admin invites `email` into their own organisation as `role`.
    pub async fn invite(&self, email: &str, role: &str) -> Response {
        self.post(
            &self.organisation_path("invitations"),
            &json!({"email": email, "role": role}),
        )
        .await
    }

    /// Proposes matching `need` with `offer` (each as the API returned it).
    pub async fn propose(&self, need: &Value, offer: &Value) -> Response {
        self.post(
            "/api/v1/matches",
            &json!({"need_id": need["id"], "offer_id": offer["id"]}),
        )
        .await
    }

    /// Proposes matching `need` with `offer`, which must succeed, and answers the match's id.
    pub async fn propose_match(&self, need: &Value, offer: &Value) -> String {
        let proposed = self.propose(need, offer).await;
        proposed.assert_status(StatusCode::CREATED);
        id(&proposed.body)
    }

    /// Takes one step of a need's or an offer's lifecycle, with the empty body a person
    /// sends, on the item at `path` (`/api/v1/needs/{id}`): for a test that holds only the
    /// path or the id. The verbs below take the item itself.
    pub async fn step(&self, path: &str, step: ItemStep) -> Response {
        self.post(&format!("{path}/{}", step.name()), &json!({}))
            .await
    }

    /// Publishes `item`, a draft (the organisation must be verified).
    pub async fn publish(&self, item: Item<'_>) -> Response {
        self.step(&item.path(), ItemStep::Publish).await
    }

    /// Withdraws `item` (a final state).
    pub async fn withdraw(&self, item: Item<'_>) -> Response {
        self.step(&item.path(), ItemStep::Withdraw).await
    }

    /// Closes `item`.
    pub async fn close(&self, item: Item<'_>) -> Response {
        self.step(&item.path(), ItemStep::Close).await
    }

    /// Reconfirms `item` (a need): it is still wanted, so it does not expire.
    pub async fn reconfirm(&self, item: Item<'_>) -> Response {
        self.step(&item.path(), ItemStep::Reconfirm).await
    }

    /// Takes one step of a match's workflow with `body`; the verbs below name the steps
    /// with the bodies a person sends, this is for the bodies they should not.
    pub async fn act(&self, match_id: &str, step: MatchStep, body: &Value) -> Response {
        self.post(&format!("/api/v1/matches/{match_id}/{}", step.name()), body)
            .await
    }

    pub async fn approve(&self, match_id: &str) -> Response {
        self.act(match_id, MatchStep::Approve, &json!({})).await
    }

    pub async fn reject(&self, match_id: &str, reason: &str) -> Response {
        self.act(match_id, MatchStep::Reject, &json!({"reason": reason}))
            .await
    }

    pub async fn accept(&self, match_id: &str) -> Response {
        self.act(match_id, MatchStep::Accept, &json!({})).await
    }

    pub async fn cancel(&self, match_id: &str, reason: &str) -> Response {
        self.act(match_id, MatchStep::Cancel, &json!({"reason": reason}))
            .await
    }

    /// Completes a match with `report` (`delivered_quantity`, `rating`, `outcome`).
    pub async fn complete(&self, match_id: &str, report: &Value) -> Response {
        self.act(match_id, MatchStep::Complete, report).await
    }
}

/// The steps of a match's workflow the tests take, each its own operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchStep {
    Approve,
    Reject,
    Accept,
    Cancel,
    Complete,
}

impl MatchStep {
    /// The step's name in its path, `/api/v1/matches/{id}/{name}`.
    pub fn name(self) -> &'static str {
        match self {
            MatchStep::Approve => "approve",
            MatchStep::Reject => "reject",
            MatchStep::Accept => "accept",
            MatchStep::Cancel => "cancel",
            MatchStep::Complete => "complete",
        }
    }
}

/// The steps of a need's or an offer's lifecycle the tests take, each its own operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStep {
    Publish,
    Withdraw,
    Close,
    Reconfirm,
}

impl ItemStep {
    /// The step's name in its path, `/api/v1/needs/{id}/{name}` (or `offers`).
    pub fn name(self) -> &'static str {
        match self {
            ItemStep::Publish => "publish",
            ItemStep::Withdraw => "withdraw",
            ItemStep::Close => "close",
            ItemStep::Reconfirm => "reconfirm",
        }
    }
}

/// A need or an offer as the API returned it, saying which it is: what the lifecycle verbs
/// (`hospital.publish(Need(&draft))`, `ngo.close(Offer(&offer))`) act on.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Need(&'a Value),
    Offer(&'a Value),
}

pub use Item::{Need, Offer};

impl Item<'_> {
    /// The item's own path, `/api/v1/needs/{id}` or `/api/v1/offers/{id}`.
    pub fn path(self) -> String {
        match self {
            Need(need) => format!("/api/v1/needs/{}", id(need)),
            Offer(offer) => format!("/api/v1/offers/{}", id(offer)),
        }
    }

    /// The path of `step` on the item, for a test that sends it by hand (with other
    /// headers, another token).
    pub fn step_path(self, step: ItemStep) -> String {
        format!("{}/{}", self.path(), step.name())
    }
}

/// What `TestApp::proposal` sets up.
pub struct Proposal {
    pub hospital: Session,
    pub ngo: Session,
    pub coordinator: Session,
    pub offer: Value,
    pub match_id: String,
}

impl Proposal {
    /// `(hospital, ngo, coordinator, offer, match_id)`, for a story that names them all.
    pub fn into_parts(self) -> (Session, Session, Session, Value, String) {
        (
            self.hospital,
            self.ngo,
            self.coordinator,
            self.offer,
            self.match_id,
        )
    }
}

/// The offers of a page of a need's candidates, best first.
pub fn candidate_offer_ids(page: &Response) -> Vec<String> {
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| id(&c["offer"]))
        .collect()
}

/// The `id` of an item as the API returned it.
pub fn id(item: &Value) -> String {
    item["id"].as_str().expect("an id").to_owned()
}

/// The `If-Match` tag of an item at `version`.
pub fn version_tag(version: impl std::fmt::Display) -> String {
    format!("\"{version}\"")
}

/// Asserts that `text` (a body, an email) says `wanted`, and shows the whole text if not.
#[track_caller]
pub fn assert_mentions(text: &str, wanted: &str) {
    assert!(text.contains(wanted), "{wanted:?} is not in: {text}");
}

/// The string `field` of each element of the array `list` (a page's `items`, a candidate's
/// explanation), in order.
pub fn strings_at<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|element| element[field].as_str().expect("a string"))
        .collect()
}

/// The ids of a list page's `items`, in order.
pub fn item_ids(page: &Response) -> Vec<String> {
    page.body["items"]
        .as_array()
        .expect("a list page has items")
        .iter()
        .map(id)
        .collect()
}

/// Polls `probe` until it yields a value, or fails naming `what` after `timeout`: how a
/// test waits for what arrives by itself (an email, a webhook delivery, a worker's write).
pub async fn eventually<T, F, Fut>(what: &str, timeout: std::time::Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// A process running `clearinghouse worker` on a test server's database, with `settings`
/// (dotted keys, as in the configuration file) on top; killed when dropped, its log shown
/// if the test fails.
///
/// The child is public so that a test can signal it as an operator would (SIGTERM).
pub struct WorkerProcess(pub std::process::Child, std::path::PathBuf);

impl WorkerProcess {
    pub fn spawn(app: &TestApp, settings: &[(&str, &str)]) -> Self {
        use std::process::Stdio;
        let mut command = app.cli_command(&["worker"]);
        command.stdin(Stdio::null()).stdout(Stdio::null());
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let log = app.data_dir.path().join(format!(
            "worker-{}.log",
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        command.stderr(std::fs::File::create(&log).expect("a log file"));
        for (key, value) in settings {
            let name = format!("CLEARINGHOUSE_{}", key.replace('.', "__").to_uppercase());
            command.env(name, value);
        }
        WorkerProcess(command.spawn().expect("the worker starts"), log)
    }

    /// SIGKILL: the worker gets no chance to give anything back.
    pub fn kill(&mut self) {
        self.0.kill().expect("kill the worker");
        self.0.wait().expect("reap the worker");
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.1).unwrap_or_default();
            eprintln!("--- {} ---\n{log}", self.1.display());
        }
    }
}

/// Sends a request to `url` with an optional bearer token, extra headers and a JSON body.
async fn send_with(
    client: &reqwest::Client,
    url: String,
    method: Method,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Response {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    Response::from_reqwest(request.send().await.expect("the server answers")).await
}

/// A response read whole: status, headers and the body as JSON (Null when empty or not JSON).
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Response {
    pub async fn from_reqwest(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a readable body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            text,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The seconds of `Retry-After`, which a refusal to wait for must carry.
    #[track_caller]
    pub fn retry_after(&self) -> u64 {
        self.header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("Retry-After in seconds")
    }

    #[track_caller]
    pub fn assert_status(&self, expected: StatusCode) -> &Self {
        assert_eq!(
            self.status, expected,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts an RFC 9457 problem of this status, and returns its `detail`.
    #[track_caller]
    pub fn assert_problem(&self, expected: StatusCode) -> &str {
        self.assert_status(expected);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problems are problem+json: {}",
            self.text
        );
        assert_eq!(self.body["status"], expected.as_u16(), "{}", self.text);
        for field in ["type", "title", "detail"] {
            assert!(
                self.body[field].is_string(),
                "problem without {field}: {}",
                self.text
            );
        }
        self.problem_type();
        self.body["detail"].as_str().unwrap()
    }

    /// The problem's type, which every problem of the suite passes through: an absolute URI
    /// under the test server's public URL naming a registered type, whose status and title
    /// are the registry's.
    #[track_caller]
    pub fn problem_type(&self) -> ProblemType {
        let uri = self.body["type"].as_str().unwrap_or_default();
        let slug = uri
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.split_once("/problems/"))
            .map(|(_port, slug)| slug)
            .unwrap_or_else(|| panic!("type is not an absolute /problems/ URI: {}", self.text));
        let kind = ProblemType::from_slug(slug)
            .unwrap_or_else(|| panic!("type {slug} is not in the registry: {}", self.text));
        assert_eq!(
            (self.body["status"].as_u64(), self.body["title"].as_str()),
            (Some(kind.status().as_u16().into()), Some(kind.title())),
            "the registry's status and title for {slug}: {}",
            self.text
        );
        kind
    }

    /// Asserts a problem of exactly this type (and so of its status).
    #[track_caller]
    pub fn assert_problem_type(&self, expected: ProblemType) -> &str {
        let status = StatusCode::from_u16(expected.status().as_u16()).expect("a status");
        let detail = self.assert_problem(status);
        assert_eq!(self.problem_type(), expected, "{}", self.text);
        detail
    }

    /// The `field` names of a validation problem's errors.
    pub fn invalid_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The result of the one-time engine preparation, kept for the run.
pub fn engines() -> &'static [Engine] {
    static ENGINES: OnceLock<Vec<Engine>> = OnceLock::new();
    ENGINES.get_or_init(configured_engines)
}

/// A need as a hospital would post it; tests change what they are about.
pub fn need_input(title: &str) -> Value {
    json!({
        "title": title,
        "description": "Our hospital network needs help to prepare for and recover from ransomware attacks.",
        "themes": ["ransomware.backup_recovery"],
        "country": "KE",
        "languages": ["en", "sw"],
        "delivery_modes": ["remote", "on_site"],
        "urgency": "high",
        "quantity": 20,
        "wanted_by": (chrono::Utc::now().date_naive() + chrono::Duration::days(120)).to_string(),
        "visibility": "public",
    })
}

/// An offer as an NGO would post it.
pub fn offer_input(title: &str) -> Value {
    json!({
        "kind": "training",
        "title": title,
        "description": "Hands-on incident-response training for hospital IT teams, in small cohorts.",
        "themes": ["incident_response.playbooks", "workforce.it_staff_training"],
        "countries": ["KE", "UG"],
        "languages": ["en"],
        "delivery_modes": ["remote"],
        "capacity": 30,
        "visibility": "public",
    })
}

/// `need_input(title)` with the fields of `changes` replaced.
pub fn need_with(title: &str, changes: Value) -> Value {
    with(need_input(title), changes)
}

/// `offer_input(title)` with the fields of `changes` replaced.
pub fn offer_with(title: &str, changes: Value) -> Value {
    with(offer_input(title), changes)
}

/// `base` with the fields of `changes` replaced.
pub fn with(mut base: Value, changes: Value) -> Value {
    for (key, value) in changes.as_object().expect("changes are an object") {
        base[key] = value.clone();
    }
    base
}

impl TestApp {
    /// The server's own database, for what no endpoint does (time passing, a second
    /// member before invitations exist), through the service's own store.
    pub fn database(&self) -> clearinghouse::db::Database {
        let target = if self.database.url().starts_with("sqlite://") {
            DatabaseTarget::Sqlite {
                path: self.database.url().trim_start_matches("sqlite://").into(),
            }
        } else {
            DatabaseTarget::Postgres {
                url: self.database.url().to_owned(),
            }
        };
        clearinghouse::db::Database::connect(&target, 1).expect("the test database opens")
    }

    /// Adds a `member` (not admin) to an organisation and signs them in.
    pub async fn add_member(&self, organisation_id: &str) -> Session {
        use clearinghouse::accounts::model::Role;
        use clearinghouse::accounts::store::{insert_user, NewUser};
        let email = format!("member-{}@members.example", uuid::Uuid::new_v4().simple());
        let organisation = uuid::Uuid::parse_str(organisation_id).unwrap();
        let password_hash =
            clearinghouse::auth::password::hash_blocking(&secrecy::SecretString::from(PASSWORD))
                .unwrap();
        let new_user = NewUser {
            email: clearinghouse::accounts::model::Email::parse(&email).unwrap(),
            name: "A Member".into(),
            password_hash,
            role: Role::Member,
            email_verified: true,
        };
        let user = self
            .database()
            .write_blocking(|conn| insert_user(conn, organisation, new_user))
            .expect("insert the member");
        self.sign_in(&Account {
            email,
            user_id: user.id.to_string(),
            organisation_id: organisation_id.to_owned(),
        })
        .await
    }
}
