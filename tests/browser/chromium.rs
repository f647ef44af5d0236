//! Real headless Chromium over WebDriver: `chromedriver` on a free port for the run, one
//! browser session per test with a fresh profile, and the helpers a story needs to act as a
//! person does (find a control by its label, a button by its text), to check each page with
//! axe-core and to keep a screenshot of each step.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// Names the Chromium binary; without it the browser tests are not configured.
pub const BROWSER_VARIABLE: &str = "CLEARINGHOUSE_TEST_BROWSER";
pub const CHROMEDRIVER_VARIABLE: &str = "CLEARINGHOUSE_TEST_CHROMEDRIVER";
pub const AXE_VARIABLE: &str = "CLEARINGHOUSE_TEST_AXE";

const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Where `.ci/run` installs axe-core (`npm install --prefix target/axe axe-core@4`).
const DEFAULT_AXE: &str = "target/axe/node_modules/axe-core/axe.min.js";

/// The rules every page must pass: WCAG 2.0, 2.1 and 2.2, levels A and AA.
const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// Headless and quiet: no first-run screens, no calls home that could stall a page load or
/// change what the page looks like between runs.
const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// What the environment names, checked: a run that names a browser must be able to use it.
pub struct Setup {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: Arc<str>,
}

/// `Ok(None)` when no browser is named; an error when one is named but something it needs is
/// missing, so that a configured run fails instead of skipping.
pub fn configured() -> Result<Option<Setup>, String> {
    let Some(chromium) = std::env::var_os(BROWSER_VARIABLE).filter(|value| !value.is_empty())
    else {
        return Ok(None);
    };
    let chromium = PathBuf::from(chromium);
    if !chromium.is_file() {
        return Err(format!(
            "{BROWSER_VARIABLE} names {}, which is not a file",
            chromium.display()
        ));
    }
    let chromedriver = path_from(CHROMEDRIVER_VARIABLE, PathBuf::from(DEFAULT_CHROMEDRIVER));
    if !chromedriver.is_file() {
        return Err(format!(
            "chromedriver is not at {} (set {CHROMEDRIVER_VARIABLE})",
            chromedriver.display()
        ));
    }
    let axe_path = path_from(
        AXE_VARIABLE,
        Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_AXE),
    );
    let axe = std::fs::read_to_string(&axe_path).map_err(|error| {
        format!(
            "axe-core is not readable at {} ({error}); install it with \
             `npm install --prefix target/axe axe-core@4` or set {AXE_VARIABLE}",
            axe_path.display()
        )
    })?;
    Ok(Some(Setup {
        chromium,
        chromedriver,
        axe: axe.into(),
    }))
}

/// The path the environment variable names, or `default` when it is unset or empty.
fn path_from(variable: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(variable)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .unwrap_or(default)
}

/// Cargo's target folder: screenshots, profiles and the driver's log go below it.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR lies inside the target folder")
        .to_path_buf()
}

/// The chromedriver process of this run; killed when dropped.
pub struct Driver {
    process: Child,
    url: String,
    setup: Setup,
}

impl Driver {
    /// Starts chromedriver and opens (then closes) one browser, so that a Chromium that cannot
    /// start fails the run before any test, whatever the filter selects.
    pub async fn start(setup: Setup) -> Result<Driver, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|error| format!("no free port for chromedriver: {error}"))?
            .port();
        let log_path = target_dir().join("browser-chromedriver.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|error| format!("cannot write {}: {error}", log_path.display()))?;
        let process = Command::new(&setup.chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log_path.display()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|error| error.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|error| {
                format!(
                    "cannot start chromedriver at {}: {error}",
                    setup.chromedriver.display()
                )
            })?;
        let mut driver = Driver {
            process,
            url: format!("http://127.0.0.1:{port}"),
            setup,
        };
        driver.wait_until_ready().await?;
        let probe = driver.session("probe").await?;
        probe
            .client
            .close()
            .await
            .map_err(|error| format!("cannot close the probe browser: {error}"))?;
        Ok(driver)
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(status)) = self.process.try_wait() {
                return Err(format!(
                    "chromedriver exited at start ({status}); see {}",
                    target_dir().join("browser-chromedriver.log").display()
                ));
            }
            let ready = client.get(format!("{}/status", self.url)).send().await;
            if let Ok(response) = ready {
                if let Ok(body) = response.json::<Value>().await {
                    if body["value"]["ready"] == true {
                        return Ok(());
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!(
            "chromedriver at {} was not ready within 20 s",
            self.url
        ))
    }

    /// A new browser, with a fresh profile, for the test `name`.
    pub async fn session(&self, name: &str) -> Result<Browser, String> {
        let profiles = target_dir().join("browser-profiles");
        std::fs::create_dir_all(&profiles).map_err(|error| error.to_string())?;
        let profile = tempfile::Builder::new()
            .prefix(&format!("{}-", name.replace("::", "-")))
            .tempdir_in(&profiles)
            .map_err(|error| format!("cannot make a profile folder: {error}"))?;
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|flag| flag.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push("--window-size=1280,1024".to_owned());
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.setup.chromium,
                "args": args,
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("json! of an object is an object")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .map_err(|error| {
                format!(
                    "chromedriver could not start {}: {error}",
                    self.setup.chromium.display()
                )
            })?;
        let screenshots = target_dir()
            .join("browser-screenshots")
            .join(name.replace("::", "-"));
        // Last run's pictures would be mistaken for this run's.
        let _ = std::fs::remove_dir_all(&screenshots);
        Ok(Browser {
            client,
            axe: self.setup.axe.clone(),
            screenshots,
            steps: Arc::new(AtomicUsize::new(0)),
            _profile: Arc::new(profile),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// One test's browser. Clones share the session; `close` ends it.
#[derive(Clone)]
pub struct Browser {
    client: Client,
    axe: Arc<str>,
    screenshots: PathBuf,
    steps: Arc<AtomicUsize>,
    _profile: Arc<tempfile::TempDir>,
}

/// `text` as an XPath string literal, whatever quotes it holds.
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

impl Browser {
    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Opens `url` and waits for it to load.
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|error| panic!("open {url}: {error}"));
    }

    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|url| url.to_string())
            .unwrap_or_else(|error| panic!("the current address: {error}"))
    }

    /// The page's visible text, as a person reads it.
    pub async fn text(&self) -> String {
        self.find_one("//body", "the page's body")
            .await
            .text()
            .await
            .expect("the page's text")
    }

    /// The one element `xpath` finds; a page with none or several fails the test, naming
    /// `what` a person would have looked for.
    async fn find_one(&self, xpath: &str, what: &str) -> Element {
        self.try_find_one(xpath, what)
            .await
            .unwrap_or_else(|error| panic!("{error}"))
    }

    async fn try_find_one(&self, xpath: &str, what: &str) -> Result<Element, String> {
        let found = self
            .client
            .find_all(Locator::XPath(xpath))
            .await
            .map_err(|error| format!("look for {what}: {error}"))?;
        match found.len() {
            1 => Ok(found.into_iter().next().expect("one element")),
            0 => Err(format!("no {what} on {}", self.url().await)),
            n => Err(format!("{n} elements are {what} on {}", self.url().await)),
        }
    }

    /// How many elements `xpath` finds.
    async fn count(&self, xpath: &str) -> usize {
        self.client
            .find_all(Locator::XPath(xpath))
            .await
            .map(|found| found.len())
            .unwrap_or_else(|error| panic!("look for {xpath}: {error}"))
    }

    /// The form control a person finds by its label's text: the one the label's `for` names,
    /// or the one inside the label. A missing or ambiguous label fails the test.
    pub async fn field(&self, label: &str) -> Element {
        self.find_field(label)
            .await
            .unwrap_or_else(|error| panic!("{error}"))
    }

    pub async fn find_field(&self, label: &str) -> Result<Element, String> {
        let what = format!("label {label:?}");
        let label_element = self
            .try_find_one(
                &format!("//label[normalize-space(.)={}]", xpath_literal(label)),
                &what,
            )
            .await?;
        let controls = ".//input[not(@type='hidden')] | .//select | .//textarea";
        let target = label_element
            .attr("for")
            .await
            .map_err(|error| format!("the {what}'s for: {error}"))?;
        match target {
            Some(id) => {
                self.try_find_one(
                    &format!(
                        "//*[@id={}][self::input or self::select or self::textarea]",
                        xpath_literal(&id)
                    ),
                    &format!("control for the {what}"),
                )
                .await
            }
            None => label_element
                .find(Locator::XPath(controls))
                .await
                .map_err(|error| format!("the {what} labels no control: {error}")),
        }
    }

    /// Types `text` into the control labelled `label`, replacing what it held.
    pub async fn fill(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        field.clear().await.expect("clear the field");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|error| panic!("type into {label:?}: {error}"));
    }

    /// Waits until the page shows `text`, as a person waits for a page to load after
    /// pressing a button; fails after ten seconds.
    pub async fn wait_for_text(&self, text: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let body = self.client.find(Locator::XPath("//body")).await.ok();
            if let Some(body) = body {
                if body.text().await.is_ok_and(|seen| seen.contains(text)) {
                    return;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the page never showed {text:?}; it is {}",
                self.url().await
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Follows the link a person reads as `text` (the first, when a page repeats a link, as
    /// a header and a page body may).
    pub async fn press_link(&self, text: &str) {
        let xpath = format!("//a[normalize-space(.)={}]", xpath_literal(text));
        let links = self
            .client
            .find_all(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|error| panic!("look for the link {text:?}: {error}"));
        let Some(link) = links.into_iter().next() else {
            panic!("no link {text:?} on {}", self.url().await);
        };
        link.click()
            .await
            .unwrap_or_else(|error| panic!("follow {text:?}: {error}"));
    }

    /// Types `date` into the date field labelled `label` as a person does in Chromium's
    /// English (US) date field, month, day, year, and checks the field took it.
    pub async fn fill_date(&self, label: &str, date: chrono::NaiveDate) {
        let field = self.field(label).await;
        field
            .send_keys(&date.format("%m%d%Y").to_string())
            .await
            .unwrap_or_else(|error| panic!("type a date into {label:?}: {error}"));
        let value = field
            .prop("value")
            .await
            .unwrap_or_else(|error| panic!("read {label:?}: {error}"));
        assert_eq!(
            value.as_deref(),
            Some(date.format("%Y-%m-%d").to_string().as_str()),
            "the date field {label:?} did not take {date}"
        );
    }

    /// Picks the option a person reads as `option` in the list labelled `label`.
    pub async fn choose(&self, label: &str, option: &str) {
        self.field(label)
            .await
            .select_by_label(option)
            .await
            .unwrap_or_else(|error| panic!("choose {option:?} in {label:?}: {error}"));
    }

    /// Ticks the checkbox or radio button labelled `label` (a second click would untick a
    /// checkbox, so an already ticked one is left alone).
    pub async fn check(&self, label: &str) {
        let control = self.field(label).await;
        let ticked = control
            .prop("checked")
            .await
            .unwrap_or_else(|error| panic!("read {label:?}: {error}"));
        if ticked.as_deref() != Some("true") {
            control
                .click()
                .await
                .unwrap_or_else(|error| panic!("tick {label:?}: {error}"));
        }
    }

    fn button_xpath(text: &str) -> String {
        let text = xpath_literal(text);
        format!(
            "//button[normalize-space(.)={text}] \
             | //input[(@type='submit' or @type='button') and @value={text}]"
        )
    }

    /// The button a person finds by its text.
    pub async fn button(&self, text: &str) -> Element {
        self.find_one(&Self::button_xpath(text), &format!("button {text:?}"))
            .await
    }

    pub async fn has_button(&self, text: &str) -> bool {
        self.count(&Self::button_xpath(text)).await > 0
    }

    /// Presses the button with this text (and waits for the page it loads).
    pub async fn press(&self, text: &str) {
        self.button(text)
            .await
            .click()
            .await
            .unwrap_or_else(|error| panic!("press {text:?}: {error}"));
    }

    /// What the story does after each step: keep a screenshot of the page, then check it
    /// with axe-core.
    pub async fn step(&self, name: &str) {
        self.screenshot(name).await;
        self.assert_accessible().await;
    }

    /// Presses the button `text`, takes the step `name` on the page it loads, and checks
    /// that the page says `wanted`.
    pub async fn press_and_see(&self, text: &str, name: &str, wanted: &str) {
        self.press(text).await;
        self.step(name).await;
        let page = self.text().await;
        assert!(
            page.contains(wanted),
            "{name}: {wanted:?} is not in: {page}"
        );
    }

    /// Saves the page as `NN-step.png` in this test's folder, numbered in the order taken.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
        let number = self.steps.fetch_add(1, Ordering::SeqCst) + 1;
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|error| panic!("screenshot {step}: {error}"));
        std::fs::create_dir_all(&self.screenshots)
            .unwrap_or_else(|error| panic!("create {}: {error}", self.screenshots.display()));
        let path = self.screenshots.join(format!("{number:02}-{step}.png"));
        std::fs::write(&path, png)
            .unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
        path
    }

    /// Runs axe-core's WCAG 2.x A and AA rules on the page and fails the test with every
    /// violation: its rule, its impact and the elements it found.
    pub async fn assert_accessible(&self) {
        let violations = self.accessibility_violations().await;
        if !violations.is_empty() {
            panic!(
                "{} axe-core violation(s) of WCAG 2.x A/AA on {}:\n{}",
                violations.len(),
                self.url().await,
                violations.join("\n")
            );
        }
    }

    /// axe-core's violations of the WCAG 2.x A and AA rules on the page, one line each:
    /// `- rule (impact): what it asks at ["selector"], ...`.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let url = self.url().await;
        self.client
            .execute(&self.axe, Vec::new())
            .await
            .unwrap_or_else(|error| panic!("inject axe-core into {url}: {error}"));
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: arguments[0] } })
                .then(results => done({ violations: results.violations }))
                .catch(error => done({ error: String(error) }));";
        let results = self
            .client
            .execute_async(script, vec![json!(AXE_TAGS)])
            .await
            .unwrap_or_else(|error| panic!("run axe-core on {url}: {error}"));
        if let Some(error) = results["error"].as_str() {
            panic!("axe-core failed on {url}: {error}");
        }
        let violations = results["violations"]
            .as_array()
            .unwrap_or_else(|| panic!("axe-core answered without violations: {results}"));
        violations
            .iter()
            .map(|violation| {
                let targets: Vec<String> = violation["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|node| node["target"].to_string())
                    .collect();
                format!(
                    "- {} ({}): {} at {}",
                    violation["id"].as_str().unwrap_or("?"),
                    violation["impact"].as_str().unwrap_or("no impact given"),
                    violation["help"].as_str().unwrap_or(""),
                    targets.join(", ")
                )
            })
            .collect()
    }
}
