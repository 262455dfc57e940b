//! The per-client-address rate limit of `POST /api/v1/login`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use reqwest::header::RETRY_AFTER;
use reqwest::{Client, Response, StatusCode};
use yoyaku_city::Server;

use crate::support::{TestApp, client_from, expect_problem, spawn_app, spawn_app_with};

/// A login attempt that fails fast (no password check): the limit counts every attempt.
async fn attempt(app: &TestApp, client: &Client, forwarded_for: Option<&str>) -> Response {
    let mut request = app.accounts.clinic_a.login_request();
    request.agreed_to_terms = false;
    let request = client.post(app.url("/api/v1/login")).json(&request);
    let request = match forwarded_for {
        Some(addresses) => request.header("x-forwarded-for", addresses),
        None => request,
    };
    request.send().await.unwrap()
}

async fn expect_admitted(response: Response) {
    expect_problem(response, StatusCode::BAD_REQUEST, "auth.terms_not_agreed").await;
}

/// Asserts a 429 `auth.rate_limited` and returns its `Retry-After` in seconds.
async fn expect_limited(response: Response) -> u64 {
    let retry_after: u64 = response.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let problem =
        expect_problem(response, StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited").await;
    assert!(
        problem.message_ja.contains(&format!("{retry_after}秒後")),
        "{problem:?}"
    );
    retry_after
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn after_ten_attempts_an_address_must_wait_and_other_addresses_need_not() {
    let app = spawn_app().await;
    for _ in 0..10 {
        expect_admitted(attempt(&app, &app.client, None).await).await;
    }
    let retry_after = expect_limited(attempt(&app, &app.client, None).await).await;
    assert!((1..=6).contains(&retry_after), "{retry_after}");
    // Even the right password waits.
    let response = app.post_login(&app.accounts.clinic_a.login_request()).await;
    expect_limited(response).await;
    // The limit is for logging in only.
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status(), StatusCode::OK);

    let elsewhere = client_from(ip("127.0.0.2"));
    let response = elsewhere
        .post(app.url("/api/v1/login"))
        .json(&app.accounts.clinic_a.login_request())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_forwarded_client_address_counts_only_from_the_trusted_proxy() {
    let app = spawn_app_with(|listener, pool| {
        Server::options()
            .login_rate_limit(NonZeroU32::new(2).unwrap(), Duration::from_secs(3600))
            .trusted_proxy(ip("127.0.0.1"))
            .spawn(listener, pool)
            .unwrap()
    })
    .await;
    let proxy = &app.client;
    for _ in 0..2 {
        expect_admitted(attempt(&app, proxy, Some("203.0.113.7")).await).await;
    }
    let retry_after = expect_limited(attempt(&app, proxy, Some("203.0.113.7")).await).await;
    assert!((3590..=3600).contains(&retry_after), "{retry_after}");
    // What a client puts before the proxy's entry changes nothing.
    let spoofed = Some("198.51.100.1, 203.0.113.7");
    expect_limited(attempt(&app, proxy, spoofed).await).await;
    // Another client behind the proxy has its own bucket.
    expect_admitted(attempt(&app, proxy, Some("203.0.113.8")).await).await;

    // Anyone else's X-Forwarded-For is ignored: its own address counts.
    let other = client_from(ip("127.0.0.2"));
    expect_admitted(attempt(&app, &other, Some("192.0.2.1")).await).await;
    expect_admitted(attempt(&app, &other, Some("192.0.2.2")).await).await;
    expect_limited(attempt(&app, &other, Some("192.0.2.3")).await).await;
}
