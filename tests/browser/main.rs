//! The pages in real headless Chromium, driven as a person would: by labels and buttons,
//! with axe-core's WCAG 2.x A and AA rules on every page and a screenshot of every step under
//! `target/browser-screenshots/`. Each case runs once per configured engine, like the API
//! suite, on the same harness (`TestApp`).
//!
//! Like PostgreSQL, the browser is opt-in: without `CLEARINGHOUSE_TEST_BROWSER` this binary
//! says so and passes with no tests; with it, a browser, driver or axe-core that cannot be
//! used fails the run, never skips it.

mod checks;
mod chromium;
// The API suite's harness, shared rather than copied; this binary uses only part of it.
#[allow(dead_code)]
#[path = "../api/harness.rs"]
mod harness;
mod pages;
#[allow(dead_code)]
#[path = "../api/smtp_sink.rs"]
mod smtp_sink;
mod story;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use chromium::{Browser, Driver};
use futures_util::FutureExt;
use harness::{Engine, TestApp};
use libtest_mimic::{Arguments, Failed, Trial};

type Case = fn(TestApp, Browser) -> Pin<Box<dyn Future<Output = ()>>>;

/// Names each case after its module path and boxes it for the table.
macro_rules! cases {
    ($($module:ident :: $name:ident),* $(,)?) => {
        vec![$((
            concat!(stringify!($module), "::", stringify!($name)),
            (|app, browser| Box::pin($module::$name(app, browser))) as Case,
        )),*]
    };
}

fn per_engine_cases() -> Vec<(&'static str, Case)> {
    cases![
        pages::the_email_confirmation_page_refuses_a_bad_link_accessibly,
        pages::the_password_reset_page_is_filled_in_by_its_label,
        story::people_walk_the_whole_story_from_registration_to_outcome,
    ]
}

type Check = fn(Browser) -> Pin<Box<dyn Future<Output = ()>>>;

/// Checks of the browser helpers, on pages of their own: once a run, with no server.
fn checks() -> Vec<(&'static str, Check)> {
    vec![
        (
            "checks::axe_fails_a_page_with_violations_naming_each",
            |browser| {
                Box::pin(checks::axe_fails_a_page_with_violations_naming_each(
                    browser,
                ))
            },
        ),
        (
            "checks::fields_are_found_by_their_label_and_buttons_by_their_text",
            |browser| {
                Box::pin(checks::fields_are_found_by_their_label_and_buttons_by_their_text(browser))
            },
        ),
    ]
}

/// Runs `body` with a fresh browser, and closes the browser even when `body` fails.
async fn with_browser<F: Future<Output = ()>>(
    driver: &Driver,
    name: &str,
    body: impl FnOnce(Browser) -> F,
) -> Result<(), Failed> {
    let browser = driver.session(name).await.map_err(Failed::from)?;
    let outcome = AssertUnwindSafe(body(browser.clone())).catch_unwind().await;
    browser.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    Ok(())
}

/// A fresh server and a fresh browser; the browser is closed even when the case fails.
fn run_case(driver: &Driver, engine: Engine, name: &str, case: Case) -> Result<(), Failed> {
    actix_web::rt::System::new().block_on(async move {
        let app = TestApp::spawn(engine).await;
        let name = format!("{}::{name}", engine.name());
        with_browser(driver, &name, |browser| case(app, browser)).await
    })
}

fn main() {
    let arguments = Arguments::from_args();
    let setup = match chromium::configured() {
        Ok(Some(setup)) => setup,
        Ok(None) => {
            println!(
                "browser tests: not configured; set {} to a Chromium binary to run them",
                chromium::BROWSER_VARIABLE
            );
            libtest_mimic::run(&arguments, Vec::new()).exit();
        }
        Err(error) => {
            eprintln!("browser tests: {error}");
            std::process::exit(1);
        }
    };
    let driver = actix_web::rt::System::new().block_on(Driver::start(setup));
    let driver = match driver {
        Ok(driver) => Arc::new(driver),
        Err(error) => {
            eprintln!("browser tests: {error}");
            std::process::exit(1);
        }
    };
    let mut trials = Vec::new();
    for &engine in harness::engines() {
        for (name, case) in per_engine_cases() {
            let driver = driver.clone();
            trials.push(Trial::test(
                format!("{}::{name}", engine.name()),
                move || run_case(&driver, engine, name, case),
            ));
        }
    }
    for (name, check) in checks() {
        let driver = driver.clone();
        trials.push(Trial::test(name, move || {
            actix_web::rt::System::new().block_on(with_browser(&driver, name, check))
        }));
    }
    let conclusion = libtest_mimic::run(&arguments, trials);
    harness::drop_postgres_template();
    // Dropped by hand: `exit` does not run destructors, and chromedriver must not outlive us.
    drop(driver);
    conclusion.exit();
}
