//! The app's updates from the city's feed, in the real window against a real city server hosting
//! a feed of its own: up to date while the feed has no release; a newer version whose signature
//! is not the app's key's, or was made for another version, refused and never offered; a
//! correctly signed one downloaded, then waiting while work is unsent, and offered once the work
//! has reached the city.
//!
//! The app is a debug build, which trusts the key in `YOYAKU_UPDATE_PUBKEY` instead of the one
//! built in: the tests sign with a key of their own, made by the Tauri CLI as a release is.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use fantoccini::Client;
use serde_json::json;
use support::city::City;
use support::desktop::{
    Desktop, by_testid, click, log_in_to_top, screenshot, type_into, wait_for_attr, wait_for_text,
};
use yoyaku_city::{AppUpdates, Server, ServerOptions};

const NEWER: &str = "9.9.9";

/// The feed the city hosts, shared by the server's restarts.
static FEED: OnceLock<tempfile::TempDir> = OnceLock::new();

fn feed() -> &'static Path {
    FEED.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

fn hosting_the_feed() -> ServerOptions {
    Server::options().app_updates(AppUpdates::in_dir(feed()).unwrap())
}

fn tauri_cli() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/tauri")
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (npm ci installs the Tauri CLI)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A signing key pair as `tauri signer generate` makes it: (private key file, public key).
fn key_pair(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    run(Command::new(tauri_cli())
        .args([
            "signer",
            "generate",
            "--ci",
            "--password",
            "",
            "--write-keys",
        ])
        .arg(&key));
    let public = std::fs::read_to_string(dir.join(format!("{name}.pub"))).unwrap();
    (key, public.trim().to_owned())
}

/// Publishes version [`NEWER`] in the feed: a package signed with `key` for version
/// `signed_for`, and the manifest naming it for this platform.
fn publish(city: &City, key: &Path, signed_for: &str) {
    let name = format!("yoyaku_{NEWER}_amd64.deb");
    let package = feed().join(&name);
    std::fs::write(
        &package,
        format!("yoyaku {NEWER}, signed {}", key.display()),
    )
    .unwrap();
    run(Command::new(tauri_cli())
        .args([
            "signer",
            "sign",
            "--password",
            "",
            "--app-version",
            signed_for,
        ])
        .arg("--private-key-path")
        .arg(key)
        .arg(&package));
    let signature = std::fs::read_to_string(feed().join(format!("{name}.sig"))).unwrap();
    let platform =
        json!({ "url": format!("{}/app/updates/{name}", city.url()), "signature": signature });
    let manifest = json!({
        "version": NEWER,
        "notes": "予約一覧の印刷を改善しました。",
        "pub_date": "2026-12-01T00:00:00Z",
        "platforms": { "linux-x86_64": platform, "linux-x86_64-deb": platform },
    });
    std::fs::write(feed().join("latest.json"), manifest.to_string()).unwrap();
}

/// Waits until 更新して再起動 can be pressed (`true`) or not: the button is also held while a
/// command of the notice runs.
async fn wait_offered(client: &Client, offered: bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while by_testid(client, "update-install")
        .await
        .is_enabled()
        .await
        .unwrap()
        != offered
    {
        assert!(
            Instant::now() < deadline,
            "更新して再起動 never became {offered}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// 更新を確認, and waits for the check to end.
async fn check_now(client: &Client) {
    click(client, "update-check").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !by_testid(client, "update-check")
        .await
        .is_enabled()
        .await
        .unwrap()
    {
        assert!(Instant::now() < deadline, "the check never ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The refusal of version [`NEWER`] for its signature, as the screen says it.
async fn assert_refused(client: &Client) {
    let refused = by_testid(client, "update-refused").await;
    let alert = refused
        .find(fantoccini::Locator::Css("[role='alert']"))
        .await
        .unwrap();
    assert_eq!(
        alert.attr("data-code").await.unwrap().as_deref(),
        Some("app.update_signature")
    );
    let said = alert.text().await.unwrap();
    assert!(said.contains(&format!("バージョン {NEWER}")), "{said}");
    assert!(said.contains("署名が正しくない"), "{said}");
    assert!(
        client
            .find(fantoccini::Locator::Css("[data-testid='update-install']"))
            .await
            .is_err(),
        "a refused update must not be offered"
    );
}

async fn registered_at_city(city: &City, ticket: &str) -> bool {
    sqlx::query_scalar("select exists (select 1 from residents where ticket_number = $1)")
        .bind(ticket)
        .fetch_one(&city.pool)
        .await
        .unwrap()
}

/// What `install_update` answers when the window calls it directly, past its disabled button.
async fn install_refusal(client: &Client) -> serde_json::Value {
    client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('install_update')
               .then(() => done({ installed: true }), (e) => done(e));",
            vec![],
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn only_a_version_signed_with_the_apps_key_is_offered_and_it_waits_for_unsent_work() {
    let keys = tempfile::tempdir().unwrap();
    let (city_key, city_public) = key_pair(keys.path(), "city.key");
    let (other_key, _) = key_pair(keys.path(), "other.key");
    let mut city = City::start_with(hosting_the_feed).await;
    let data = tempfile::tempdir().unwrap();
    let desktop = Desktop::start_with_env(
        &city,
        data.path(),
        &[("YOYAKU_UPDATE_PUBKEY", &city_public)],
    );
    let client = desktop.open_app().await;
    log_in_to_top(&client, &city).await;

    // No release in the feed yet: 204, up to date.
    click(&client, "menu-help").await;
    wait_for_text(&client, "help-current-version", env!("CARGO_PKG_VERSION")).await;
    wait_for_text(&client, "help-update-state", "最新です").await;

    // A newer version signed by another key: downloaded, refused, never offered.
    publish(&city, &other_key, NEWER);
    check_now(&client).await;
    assert_refused(&client).await;
    // TOP says it too, above the menu.
    click(&client, "back").await;
    assert_refused(&client).await;
    screenshot(&client, "update-refused").await;
    click(&client, "menu-help").await;

    // The app's key, but a signature made for another version than the feed announces: an old
    // release passed off as new is refused too.
    publish(&city, &city_key, "9.9.8");
    check_now(&client).await;
    assert_refused(&client).await;

    // Signed with the app's key: downloaded and offered, nothing being unsent.
    publish(&city, &city_key, NEWER);
    check_now(&client).await;
    wait_for_text(
        &client,
        "update-ready",
        &format!("新しいバージョン {NEWER} の準備ができました"),
    )
    .await;
    wait_for_text(&client, "update-ready", "予約一覧の印刷を改善しました。").await;
    wait_for_attr(&client, "update-ready", "data-waiting", "false").await;
    wait_offered(&client, true).await;

    // Work done offline waits to be sent: the update waits with it, and says so.
    city.stop().await;
    let born = (NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + Days::new(92 * 200)).to_string();
    click(&client, "back").await;
    click(&client, "menu-reserve").await;
    type_into(&client, "reserve-ticket", "9000001200").await;
    type_into(&client, "reserve-birth-date", &born).await;
    click(&client, "reserve-lookup").await;
    by_testid(&client, "reserve-unverified").await;
    type_into(&client, "reg-family-kana", "コウシン").await;
    type_into(&client, "reg-given-kana", "マツ").await;
    click(&client, "reg-sex-unset").await;
    type_into(&client, "reg-phone", "0963281111").await;
    click(&client, "reg-submit").await;
    click(&client, "reg-confirm").await;
    wait_for_text(&client, "header-pending", "未送信 1件").await;
    click(&client, "back").await;
    // Leaving the booking step that follows the registration asks first.
    if let Ok(leave) = client
        .find(fantoccini::Locator::Css(
            "[data-testid='leave-dialog-confirm']",
        ))
        .await
    {
        if leave.is_displayed().await.unwrap_or(false) {
            leave.click().await.unwrap();
        }
    }
    wait_for_attr(&client, "update-ready", "data-waiting", "true").await;
    wait_for_text(
        &client,
        "update-waiting",
        "未送信の操作が1件、同期の問題が0件、未送信の予約枠報告が0件あります",
    )
    .await;
    wait_for_text(
        &client,
        "update-waiting",
        "同期の問題を解決するまで更新を待っています",
    )
    .await;
    wait_offered(&client, false).await;
    screenshot(&client, "update-waiting").await;
    // The engine refuses it too, whatever the window does.
    let refusal = install_refusal(&client).await;
    assert_eq!(refusal["code"], "app.update_unsent", "{refusal}");

    // Once the registration has reached the city, the update is offered again.
    city.restart().await;
    click(&client, "sync-now").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !registered_at_city(&city, "9000001200").await {
        assert!(
            Instant::now() < deadline,
            "the registration did not reach the city"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    wait_for_attr(&client, "update-ready", "data-waiting", "false").await;
    wait_offered(&client, true).await;
    client.close().await.unwrap();
}
