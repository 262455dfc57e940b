//! The rate limits against guessing: `POST /api/v1/login` per client address, and the registry
//! check per address on the open web and per ticket.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;
use yoyaku_core::Code;

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
    expect_problem(response, StatusCode::BAD_REQUEST, Code::AuthTermsNotAgreed).await;
}

/// Asserts a 429 `auth.rate_limited` and returns its `Retry-After` in seconds.
async fn expect_limited(response: Response) -> u64 {
    let retry_after: u64 = response.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let problem = expect_problem(
        response,
        StatusCode::TOO_MANY_REQUESTS,
        Code::AuthRateLimited,
    )
    .await;
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

/// The registry check (`POST /api/v1/residents/lookup`): tickets and birth dates cannot be found
/// by trying.
mod lookup {
    use serde_json::Value;

    use super::*;
    use crate::support::{expect_json, key_json};

    pub(super) async fn check(
        app: &TestApp,
        client: &Client,
        token: Option<&str>,
        key: &Value,
    ) -> Response {
        let request = client.post(app.url("/api/v1/residents/lookup")).json(key);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
        .await
        .unwrap()
    }

    /// Asserts a 429 `lookup.rate_limited` with its `Retry-After`, and returns that.
    pub(super) async fn expect_limited(response: Response) -> u64 {
        let retry_after: u64 = response.headers()[RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let problem = expect_problem(
            response,
            StatusCode::TOO_MANY_REQUESTS,
            Code::LookupRateLimited,
        )
        .await;
        assert!(problem.message_ja.contains(&format!("{retry_after}秒後")));
        retry_after
    }

    /// The manual's resident, 9000000062 born 1945-03-03.
    pub(super) const TICKET: &str = "9000000062";

    #[tokio::test]
    async fn a_made_up_ticket_and_a_wrong_birth_date_get_the_same_answer() {
        let app = spawn_app().await;
        let made_up = check(
            &app,
            &app.client,
            None,
            &key_json("9000000999", "1945-03-03"),
        )
        .await;
        let wrong_date = check(&app, &app.client, None, &key_json(TICKET, "1945-03-04")).await;
        let (a, b) = (made_up.status(), wrong_date.status());
        let (a_body, b_body) = (
            made_up.text().await.unwrap(),
            wrong_date.text().await.unwrap(),
        );
        assert_eq!((a, &a_body), (b, &b_body));
        assert_eq!(a, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_open_web_gets_twenty_checks_an_address_then_must_wait() {
        let app = spawn_app().await;
        for _ in 0..20 {
            let response = check(&app, &app.client, None, &key_json(TICKET, "1945-03-03")).await;
            expect_json(response, StatusCode::OK).await;
        }
        let wait =
            expect_limited(check(&app, &app.client, None, &key_json(TICKET, "1945-03-03")).await)
                .await;
        assert!((1..=3).contains(&wait), "{wait}");
        // Another address, and staff signed in, are not held back by it.
        let elsewhere = client_from(ip("127.0.0.2"));
        let response = check(&app, &elsewhere, None, &key_json(TICKET, "1945-03-03")).await;
        expect_json(response, StatusCode::OK).await;
        let token = app.login(&app.accounts.clinic_a).await.token;
        let response = check(
            &app,
            &app.client,
            Some(&token),
            &key_json(TICKET, "1945-03-03"),
        )
        .await;
        expect_json(response, StatusCode::OK).await;
    }

    #[tokio::test]
    async fn five_failed_checks_of_a_ticket_rest_it_from_every_address_and_channel() {
        let app = spawn_app().await;
        let token = app.login(&app.accounts.clinic_a).await.token;
        // Guesses of the birth date from five addresses.
        for (n, day) in (4..9).enumerate() {
            let client = client_from(ip(&format!("127.0.0.{}", n + 2)));
            let key = key_json(TICKET, &format!("1945-03-{day:02}"));
            expect_problem(
                check(&app, &client, None, &key).await,
                StatusCode::NOT_FOUND,
                Code::TicketNotInRegistry,
            )
            .await;
        }
        // Now even the right birth date, and the clinic, wait.
        let right = key_json(TICKET, "1945-03-03");
        let wait = expect_limited(check(&app, &app.client, None, &right).await).await;
        assert!((590..=600).contains(&wait), "{wait}");
        expect_limited(check(&app, &app.client, Some(&token), &right).await).await;
        // A ticket that does not exist rests the same way: the limit tells nothing either.
        for day in 1..=5 {
            let key = key_json("9000000999", &format!("1950-01-{day:02}"));
            expect_problem(
                check(&app, &app.client, Some(&token), &key).await,
                StatusCode::NOT_FOUND,
                Code::TicketNotInRegistry,
            )
            .await;
        }
        let made_up = key_json("9000000999", "1950-01-06");
        expect_limited(check(&app, &app.client, Some(&token), &made_up).await).await;
        // Other tickets are checked as ever.
        let other = key_json("9000001000", "1930-01-01");
        let response = check(&app, &app.client, Some(&token), &other).await;
        expect_json(response, StatusCode::OK).await;
    }
}

/// The web's writes carry the resident key as their credential: trying keys through them is held
/// back as through the registry check, and only a key the registry refuses costs a check.
mod web_writes {
    use serde_json::{Value, json};
    use uuid::Uuid;

    use super::lookup::{TICKET, check, expect_limited};
    use super::*;
    use crate::support::{booked, demo_slot, key_json, next_slot_day};

    async fn book(app: &TestApp, client: &Client, key: &Value, slot: Uuid) -> Response {
        let body = json!({ "resident": key, "slot_id": slot, "dose": 1 });
        let url = app.url("/api/v1/bookings");
        client.post(url).json(&body).send().await.unwrap()
    }

    #[tokio::test]
    async fn five_bookings_with_wrong_birth_dates_rest_the_ticket_for_the_look_up_too() {
        let app = spawn_app().await;
        let slot = demo_slot(&app.pool, 101, next_slot_day(), "0900", "public").await;
        for (n, day) in (4..9).enumerate() {
            let client = client_from(ip(&format!("127.0.0.{}", n + 2)));
            let key = key_json(TICKET, &format!("1945-03-{day:02}"));
            expect_problem(
                book(&app, &client, &key, slot).await,
                StatusCode::NOT_FOUND,
                Code::TicketNotInRegistry,
            )
            .await;
        }
        let right = key_json(TICKET, "1945-03-03");
        let wait = expect_limited(book(&app, &app.client, &right, slot).await).await;
        assert!((590..=600).contains(&wait), "{wait}");
        expect_limited(check(&app, &app.client, None, &right).await).await;
        assert_eq!(booked(&app.pool, slot).await, 0);
    }

    #[tokio::test]
    async fn an_address_trying_keys_through_bookings_must_wait_and_others_need_not() {
        let app = spawn_app().await;
        let slot = demo_slot(&app.pool, 101, next_slot_day(), "0900", "public").await;
        // Twenty made-up tickets, each tried once: no ticket rests, the address does.
        for n in 0..20 {
            let key = key_json(&format!("90000009{n:02}"), "1950-01-01");
            expect_problem(
                book(&app, &app.client, &key, slot).await,
                StatusCode::NOT_FOUND,
                Code::TicketNotInRegistry,
            )
            .await;
        }
        let right = key_json(TICKET, "1945-03-03");
        let wait = expect_limited(book(&app, &app.client, &right, slot).await).await;
        assert!((1..=3).contains(&wait), "{wait}");
        let elsewhere = client_from(ip("127.0.0.2"));
        let response = book(&app, &elsewhere, &right, slot).await;
        assert_ne!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }

    #[tokio::test]
    async fn refusals_other_than_the_key_cost_no_check() {
        let app = spawn_app().await;
        let right = json!({ "resident": key_json(TICKET, "1945-03-03") });
        for _ in 0..25 {
            let path = format!("/api/v1/bookings/{}/cancel", Uuid::new_v4());
            let response = app
                .client
                .post(app.url(&path))
                .json(&right)
                .send()
                .await
                .unwrap();
            expect_problem(response, StatusCode::NOT_FOUND, Code::BookingNotFound).await;
        }
    }
}
