//! A real browser for the city's pages: Debian's Chromium, headless, driven through its
//! chromedriver, in a process group of its own that is killed when the harness drops. Also the
//! accessibility check (axe-core, run in the page) and the README's screenshots.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

use super::desktop::{free_port, require, wait_for_port};

/// A phone (an iPhone's CSS pixels) and a desktop: every page must read well at both.
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1280, 800);

pub struct Browser {
    driver: Child,
    url: String,
    _profile: tempfile::TempDir,
    profile_dir: PathBuf,
}

impl Browser {
    /// Starts chromedriver for headless Chromium.
    pub fn start() -> Self {
        for tool in ["chromium", "chromedriver"] {
            require(tool);
        }
        let port = free_port();
        let profile = tempfile::tempdir().unwrap();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        wait_for_port(port, "chromedriver");
        Self {
            driver,
            url: format!("http://127.0.0.1:{port}"),
            profile_dir: profile.path().to_owned(),
            _profile: profile,
        }
    }

    /// A new window of `size` CSS pixels, with storage of its own.
    pub async fn open(&self, (width, height): (u32, u32)) -> Client {
        let profile = self.profile_dir.join(uuid::Uuid::new_v4().to_string());
        let mut options = json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new",
                // Root has no user namespace sandbox here; the pages are our own.
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--hide-scrollbars",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        if width < 600 {
            // A phone: its width in CSS pixels, its pixel ratio and touch, as the device has.
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "mobile": true, "touch": true }
            });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&self.url)
                .await
            {
                Ok(client) => return client,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("waiting for Chromium: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("could not start Chromium: {e}"),
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver and every Chromium it started.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.wait();
    }
}

/// axe-core's rules for WCAG 2.1 A and AA, run on the page as it is now: the violations, each
/// with its rule and the elements it found, so that a failure says what to mend.
pub async fn accessibility_violations(client: &Client) -> Vec<String> {
    let axe = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js"),
    )
    .expect("axe-core is installed by npm ci (scripts/setup)");
    client.execute(&axe, vec![]).await.expect("load axe-core");
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })
               .then((r) => done({
                   passes: r.passes.length,
                   violations: r.violations.map((v) =>
                       v.id + ': ' + v.help + ' at ' + v.nodes.map((n) => n.target.join(' ')).join(', ')),
               }))
               .catch((e) => done({ passes: 0, violations: ['axe failed: ' + e] }));",
            vec![],
        )
        .await
        .expect("run axe-core");
    // A run that checked nothing proves nothing.
    assert!(
        result["passes"].as_u64().unwrap_or(0) > 0,
        "axe-core checked no rule: {result}"
    );
    match &result["violations"] {
        Value::Array(violations) => violations
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect(),
        other => vec![format!("axe-core answered {other}")],
    }
}

/// Fails the test when the page breaks a WCAG 2.1 AA rule axe-core checks.
pub async fn assert_accessible(client: &Client, page: &str) {
    let violations = accessibility_violations(client).await;
    assert!(
        violations.is_empty(),
        "{page}: WCAG 2.1 AA violations:\n{}",
        violations.join("\n")
    );
}

/// Chooses `value` in the `<select>` with this `data-testid`.
pub async fn select(client: &Client, id: &str, value: &str) {
    super::desktop::by_testid(client, id)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("cannot choose {value} in {id}: {e}"));
}

/// Clicks the first enabled control matching `css` (the first day with seats, say); its testid.
pub async fn click_first(client: &Client, css: &str) -> String {
    let css = format!("{css}:not([disabled])");
    let element = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(fantoccini::Locator::Css(&css))
        .await
        .unwrap_or_else(|e| panic!("nothing to click at {css}: {e}"));
    let id = element
        .attr("data-testid")
        .await
        .unwrap()
        .unwrap_or_default();
    super::desktop::click(client, &id).await;
    id
}

/// When `YOYAKU_SCREENSHOT_DIR` is set, saves the page as `<name>.png`: how the README's
/// screenshots of the browser pages are taken.
pub async fn screenshot(client: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("YOYAKU_SCREENSHOT_DIR") {
        // The layout settles a frame after the last change.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let png = client.screenshot().await.unwrap();
        std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png).unwrap();
    }
}
