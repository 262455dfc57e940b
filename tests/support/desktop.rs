//! The real app window for end-to-end tests: a private X server (Xvfb), a D-Bus session, and
//! tauri-driver in front of WebKitWebDriver, which launches the app binary for each WebDriver
//! session. Everything runs in its own process group and is killed when the harness drops.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::city::City;

pub struct Desktop {
    xvfb: Child,
    driver: Child,
    webdriver_url: String,
    /// The private X server, to see the app's other windows (its print dialog).
    display: String,
    /// The webview's own storage (localStorage, caches): fresh for each harness, so no test sees
    /// what another left behind.
    _profile: tempfile::TempDir,
}

/// Fails with what to install, rather than skipping: an end-to-end test that did not run must
/// not pass.
pub fn require(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "{tool} is not installed: run ./scripts/setup --with-tests (see README)"
    );
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Desktop {
    /// Starts Xvfb and tauri-driver, for an app that talks to `city` and keeps its cache in
    /// `data`.
    pub fn start(city: &City, data: &Path) -> Self {
        Self::start_with_env(city, data, &[])
    }

    /// As [`Desktop::start`], with these variables also in the app's environment.
    pub fn start_with_env(city: &City, data: &Path, env: &[(&str, &str)]) -> Self {
        for tool in [
            "Xvfb",
            "dbus-run-session",
            "tauri-driver",
            "WebKitWebDriver",
            "xwininfo",
        ] {
            require(tool);
        }
        // -displayfd 1: Xvfb picks a free display and prints its number on stdout when ready.
        let mut xvfb = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1920x1080x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start Xvfb");
        let mut line = String::new();
        BufReader::new(xvfb.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read Xvfb's display number");
        let display = format!(":{}", line.trim());
        assert!(display.len() > 1, "Xvfb did not report a display");

        let profile = tempfile::tempdir().expect("a webview profile directory");
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new("dbus-run-session");
        cmd.args(["--", "tauri-driver", "--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .env("DISPLAY", &display)
            .env("NO_AT_BRIDGE", "1")
            // No GPU under Xvfb: keep WebKit on its software paths.
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .env_remove("WAYLAND_DISPLAY")
            .env("XDG_DATA_HOME", profile.path().join("data"))
            .env("XDG_CACHE_HOME", profile.path().join("cache"))
            .env("XDG_CONFIG_HOME", profile.path().join("config"))
            .stdout(Stdio::null())
            .process_group(0);
        cmd.env("YOYAKU_SERVER_URL", city.url())
            .env("YOYAKU_DATA_DIR", data)
            .envs(env.iter().copied());
        let driver = cmd.spawn().expect("start tauri-driver");
        wait_for_port(port, "tauri-driver");
        Self {
            xvfb,
            driver,
            webdriver_url: format!("http://127.0.0.1:{port}"),
            display,
            _profile: profile,
        }
    }

    /// Waits until a top-level window with one of these titles (the system's words differ by
    /// locale) is on the screen: WebDriver sees only the webview, not the dialogs the system opens
    /// for it.
    pub async fn wait_for_window(&self, titles: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let tree = Command::new("xwininfo")
                .args(["-root", "-tree"])
                .env("DISPLAY", &self.display)
                .output()
                .expect("run xwininfo");
            let tree = String::from_utf8_lossy(&tree.stdout);
            if titles.iter().any(|t| tree.contains(&format!("\"{t}\": ("))) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no window titled {titles:?} appeared:\n{tree}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Launches the app and returns a WebDriver session on its window.
    pub async fn open_app(&self) -> Client {
        self.open_binary(&app_binary()).await
    }

    /// Launches this build of the app (an installed package's, say) and returns a WebDriver
    /// session on its window.
    pub async fn open_binary(&self, binary: &Path) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": binary }));
        caps.insert("browserName".into(), json!("wry"));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&self.webdriver_url)
                .await
            {
                Ok(client) => return client,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("waiting for the app window: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("could not open the app window: {e}"),
            }
        }
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        for child in [&mut self.driver, &mut self.xvfb] {
            // The whole group: dbus-run-session, tauri-driver, WebKitWebDriver and the app.
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
        }
    }
}

pub fn app_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_yoyaku"))
}

/// Waits for an element by its `data-testid`.
pub async fn by_testid(client: &Client, id: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(&format!("[data-testid='{id}']")))
        .await
        .unwrap_or_else(|e| panic!("no element with data-testid={id}: {e}"))
}

/// The visible text of the element with this `data-testid`.
pub async fn text_of(client: &Client, id: &str) -> String {
    by_testid(client, id).await.text().await.unwrap()
}

/// Waits until the element with this `data-testid` says `want` (among its text).
pub async fn wait_for_text(client: &Client, id: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = text_of(client, id).await;
        if got.contains(want) {
            return;
        }
        assert!(Instant::now() < deadline, "{id} says {got:?}, not {want:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the element with this `data-testid` has `attr` set to `want`.
pub async fn wait_for_attr(client: &Client, id: &str, attr: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = by_testid(client, id).await.attr(attr).await.unwrap();
        if got.as_deref() == Some(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{id}[{attr}] stayed {got:?}, wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Fills the §1 login screen (自治体番号 comes prefilled from the settings) and submits it.
pub async fn log_in(client: &Client, account_id: &str, password: &str) {
    let code = by_testid(client, "login-municipality-code").await;
    assert_eq!(
        code.prop("value").await.unwrap().as_deref(),
        Some("431001"),
        "prefilled from settings"
    );
    type_into(client, "login-account-id", account_id).await;
    type_into(client, "login-password", password).await;
    click(client, "login-agree").await;
    click(client, "login-submit").await;
}

/// Logs in as clinic-a (A胃腸科内科医院) and waits for TOP.
pub async fn log_in_to_top(client: &Client, city: &City) {
    log_in(
        client,
        city.demo.clinic_a.account_id,
        city.demo.clinic_a.password,
    )
    .await;
    by_testid(client, "top-screen").await;
}

/// The app against `city` with its cache in `data`, logged in as clinic-a, on TOP.
pub async fn open_logged_in(city: &City, data: &Path) -> (Desktop, Client) {
    let desktop = Desktop::start(city, data);
    let client = desktop.open_app().await;
    log_in_to_top(&client, city).await;
    (desktop, client)
}

/// Types into the input with this `data-testid`.
pub async fn type_into(client: &Client, id: &str, text: &str) {
    by_testid(client, id)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("cannot type into {id}: {e}"));
}

/// Clicks the control with this `data-testid`, as soon as it can be clicked: a control can be in
/// the page a moment before it is (a dialog's button while the dialog opens, say), and a disabled
/// button takes a click without doing anything (a row's buttons while another step runs).
pub async fn click(client: &Client, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let element = by_testid(client, id).await;
        let ready = element.is_displayed().await.unwrap_or(false)
            && element.is_enabled().await.unwrap_or(false);
        let outcome = if ready {
            // Into the middle of the window first, as a person scrolls to what they click.
            let target = serde_json::to_value(&element).unwrap();
            let centred = client
                .execute(
                    "arguments[0].scrollIntoView({block: 'center', inline: 'center'});",
                    vec![target],
                )
                .await;
            match centred {
                Ok(_) => element.click().await.map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        } else {
            Err("not displayed or disabled".to_owned())
        };
        match outcome {
            Ok(()) => return,
            Err(e) if Instant::now() >= deadline => panic!("cannot click {id}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// The window sizes every screen must read well at: a clinic's laptop and a desktop monitor.
const SIZES: [(u32, u32); 2] = [(1280, 800), (1920, 1080)];

/// Short texts on the screen broken over more lines than their length allows: a label set one
/// letter per line in a card too narrow for it.
const BROKEN_LABELS: &str = r#"
    const broken = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const text = node.textContent.replace(/\s/g, '');
        if (text.length < 2 || text.length > 12) continue;
        const parent = node.parentElement;
        if (!parent || parent.closest('.visually-hidden, [aria-hidden="true"]')) continue;
        const style = getComputedStyle(parent);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
        if (rects.length === 0) continue;
        const lines = new Set(rects.map((r) => Math.round(r.top))).size;
        if (lines >= 2 && lines >= text.length / 1.5) broken.push(text);
    }
    return broken;
"#;

/// Checks the screen at both [`SIZES`] (no label broken one letter per line) and, when
/// `YOYAKU_SCREENSHOT_DIR` is set, saves it as `<name>.png` (1280×800) and `<name>-1920.png`:
/// how the README's screenshots are taken from the real window. The window ends at 1280×800.
pub async fn screenshot(client: &Client, name: &str) {
    let dir = std::env::var_os("YOYAKU_SCREENSHOT_DIR");
    for (width, height) in SIZES.into_iter().rev() {
        client.set_window_size(width, height).await.unwrap();
        // The layout settles a frame or two after the window does.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let broken = client.execute(BROKEN_LABELS, vec![]).await.unwrap();
        assert_eq!(
            broken,
            json!([]),
            "{name} at {width}×{height}: labels broken one letter per line"
        );
        if let Some(dir) = &dir {
            // After a resize WebKit may take up to a minute to answer: slow, only when saving.
            let png = client.screenshot().await.unwrap();
            let file = match width {
                1280 => format!("{name}.png"),
                _ => format!("{name}-{width}.png"),
            };
            std::fs::write(std::path::Path::new(dir).join(file), png).unwrap();
        }
    }
}
