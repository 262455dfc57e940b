//! The clinic app's update feed the city hosts: nothing until a release is put in the directory,
//! then its manifest and packages; a manifest the app could not use is never passed on.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use yoyaku_city::{AppUpdates, Server};
use yoyaku_core::Code;

use crate::support::{expect_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_city_hosting_no_feed_tells_the_app_there_is_nothing_newer() {
    let app = spawn_app().await;
    let none = app.get("/app/updates/latest.json", None).await;
    assert_eq!(none.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_release_put_in_the_directory_is_served_to_the_app_at_once() {
    let missing = tempfile::tempdir().unwrap().path().join("no-such-dir");
    assert!(
        AppUpdates::in_dir(&missing).is_err(),
        "a missing directory is refused"
    );
    let dir = tempfile::tempdir().unwrap();
    let updates = AppUpdates::in_dir(dir.path()).unwrap();
    let app = spawn_app_with(move |listener, pool| {
        Server::options()
            .app_updates(updates)
            .spawn(listener, pool)
            .unwrap()
    })
    .await;

    // No release yet: nothing newer, which the updater reads from 204.
    let none = app.get("/app/updates/latest.json", None).await;
    assert_eq!(none.status(), StatusCode::NO_CONTENT);

    // A release copied in is served without a restart, never from a cache.
    let package = format!("{}/app/updates/yoyaku_0.2.0_amd64.deb", app.server.url());
    let manifest = serde_json::json!({
        "version": "0.2.0",
        "notes": "予約一覧の印刷を改善しました。",
        "platforms": { "linux-x86_64-deb": { "signature": "c2lnbmF0dXJl", "url": package } },
    });
    std::fs::write(dir.path().join("latest.json"), manifest.to_string()).unwrap();
    std::fs::write(dir.path().join("yoyaku_0.2.0_amd64.deb"), b"!<arch>\n").unwrap();
    let served = app.get("/app/updates/latest.json", None).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(served.headers()[CACHE_CONTROL], "no-cache");
    assert_eq!(served.json::<serde_json::Value>().await.unwrap(), manifest);
    let deb = app.get("/app/updates/yoyaku_0.2.0_amd64.deb", None).await;
    assert_eq!(deb.status(), StatusCode::OK);
    assert_eq!(deb.bytes().await.unwrap().as_ref(), b"!<arch>\n");

    // A manifest without a signature would make every clinic's check fail: it is refused.
    let unsigned = manifest.to_string().replace("c2lnbmF0dXJl", "");
    std::fs::write(dir.path().join("latest.json"), unsigned).unwrap();
    let refused = app.get("/app/updates/latest.json", None).await;
    let problem = expect_problem(
        refused,
        StatusCode::SERVICE_UNAVAILABLE,
        Code::AppUpdateFeed,
    )
    .await;
    assert!(
        problem.message_ja.contains("更新を準備中"),
        "{}",
        problem.message_ja
    );

    // Outside the feed's directory nothing is served.
    assert_eq!(
        app.get("/app/updates/..%2f..%2f..%2fetc%2fpasswd", None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
