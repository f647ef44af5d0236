//! The `clearinghouse` binary as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::harness::{TestApp, PASSWORD};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clearinghouse"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

pub async fn create_coordinator_makes_a_verified_secretariat_once(app: TestApp) {
    let first = app.coordinator().await;
    let second = app.coordinator().await;
    assert_eq!(
        first.account.organisation_id, second.account.organisation_id,
        "coordinators share the one secretariat"
    );
    let me = app.get("/api/v1/me", first.token()).await;
    assert_eq!(me.body["role"], "coordinator");
    assert_eq!(me.body["email_verified"], true);
    let secretariat = app
        .get(
            &format!("/api/v1/organisations/{}", first.account.organisation_id),
            None,
        )
        .await;
    secretariat.assert_status(StatusCode::OK);
    assert_eq!(secretariat.body["kind"], "secretariat");
    assert_eq!(secretariat.body["verified"], true);
    assert_eq!(secretariat.body["country"], "NL");
}

pub async fn create_coordinator_refuses_bad_input(app: TestApp) {
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &[
                "create-coordinator",
                "--email",
                "c@x.example",
                "--name",
                "C",
            ],
            "short\n",
            "at least 12",
        ),
        (
            &[
                "create-coordinator",
                "--email",
                "c@x.example",
                "--name",
                "C",
            ],
            "",
            "no password",
        ),
        (
            &[
                "create-coordinator",
                "--email",
                "not-an-email",
                "--name",
                "C",
            ],
            "long enough password\n",
            "email",
        ),
        (
            &[
                "create-coordinator",
                "--email",
                "c@x.example",
                "--name",
                "C",
                "--country",
                "XX",
            ],
            "long enough password\n",
            "country",
        ),
    ];
    for (args, stdin, complaint) in cases {
        let output = app.run_cli(args, stdin);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(stderr.contains(complaint), "{args:?}: {stderr}");
    }
    app.login("c@x.example", "long enough password")
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);

    let coordinator = app.coordinator().await;
    let duplicate = app.run_cli(
        &[
            "create-coordinator",
            "--email",
            &coordinator.account.email,
            "--name",
            "Again",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));
}

pub fn a_bad_setting_stops_the_start_naming_it() {
    let folder = tempfile::tempdir().unwrap();
    let cases = [
        (vec![("CLEARINGHOUSE_LISTEN", "nowhere")], "listen"),
        (
            vec![("DATABASE_URL", "mysql://localhost/x")],
            "database_url",
        ),
        (
            vec![("DATABASE_URL", "postgres://localhost/x")],
            "jwt_secret",
        ),
        (vec![("CLEARINGHOUSE_JWT_SECRET", "short")], "jwt_secret"),
        (
            vec![("CLEARINGHOUSE_RATE_LIMITS__LOGIN_PER_IP", "0")],
            "rate_limits.login_per_ip",
        ),
        (vec![("CLEARINGHOUSE_LOG_FORMAT", "xml")], "log_format"),
        (
            vec![("CLEARINGHOUSE_NO_SUCH_SETTING", "1")],
            "no_such_setting",
        ),
    ];
    for (variables, setting) in cases {
        let output = binary()
            .current_dir(folder.path())
            .envs(variables.iter().copied())
            .arg("serve")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{variables:?}: {stderr}");
        assert!(
            stderr.contains(setting),
            "{variables:?} should name {setting}: {stderr}"
        );
    }
    let missing_file = binary()
        .args(["--config", "/nonexistent/clearinghouse.toml", "serve"])
        .output()
        .unwrap();
    assert_eq!(missing_file.status.code(), Some(2));
}

/// What a newcomer does: start the binary with no settings but a folder, and use it.
pub fn serve_starts_on_an_embedded_database() {
    let folder = tempfile::tempdir().unwrap();
    let mut child = binary()
        .current_dir(folder.path())
        .env("CLEARINGHOUSE_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let first_line = BufReader::new(stdout).lines().next().unwrap().unwrap();
    let address = first_line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("the start line names the address: {first_line}"))
        .to_owned();
    actix_web::rt::System::new().block_on(async {
        let client = reqwest::Client::new();
        for path in ["/health", "/ready", "/docs/", "/api/v1/openapi.json"] {
            let response = client.get(format!("{address}{path}")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
        }
        let page = client
            .get(format!("{address}/docs/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("swagger-ui"), "the docs page is Swagger UI");
    });
    assert!(
        folder.path().join("data/clearinghouse.db").is_file(),
        "the embedded database is created"
    );
    let secret = folder.path().join("data/jwt-secret");
    assert!(secret.is_file(), "the generated JWT secret is kept");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "only the owner may read the secret");
    }
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "SIGTERM stops the server gracefully: {status}"
    );
}
