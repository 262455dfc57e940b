//! The city's console in Chromium, and the city API over HTTP beside it: what the browser tests
//! of the console share.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta};
use fantoccini::Client;
use fantoccini::elements::Element;
use serde_json::{Value, json};
use yoyaku_city::demo::DemoAccount;

use yoyaku_core::time::tokyo_today;

use super::city::City;
use super::desktop::{click, type_into};

/// The city API over HTTP, for what the clinics do meanwhile in their own app.
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(city: &City) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: city.url(),
        }
    }

    pub async fn log_in(&self, account_id: &str, password: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/login", self.base))
            .json(
                &json!({"municipality_code": "431001", "account_id": account_id,
                          "password": password, "agreed_to_terms": true}),
            )
            .send()
            .await
            .unwrap()
    }

    pub async fn token(&self, account: &DemoAccount) -> String {
        let login: Value = self
            .log_in(account.account_id, account.password)
            .await
            .json()
            .await
            .unwrap();
        login["token"].as_str().expect("a session token").to_owned()
    }

    /// `GET path` as anyone (the residents' page), as JSON.
    pub async fn http_get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// `POST path` with `body` as JSON, the answer as it comes (a refusal, say).
    pub async fn post_raw(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Value,
    ) -> Value {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }
}

/// Sets an `<input>`'s value as a person picking a date or a time does, and tells the page.
pub async fn set_value(client: &Client, element: &Element, value: &str) {
    client
        .execute(
            "arguments[0].value = arguments[1];
             arguments[0].dispatchEvent(new Event('input', { bubbles: true }));
             arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::to_value(element).unwrap(), json!(value)],
        )
        .await
        .unwrap();
}

/// The control with the testid `id` inside the element with the testid `scope` (a table row).
pub async fn within(client: &Client, scope: &str, id: &str) -> Element {
    let css = format!("[data-testid='{scope}'] [data-testid='{id}']");
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(fantoccini::Locator::Css(&css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

/// Waits until the text of `id` within `scope` contains `expected`; the text then.
pub async fn wait_for_text(client: &Client, scope: &str, id: &str, expected: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = within(client, scope, id)
            .await
            .text()
            .await
            .unwrap_or_default();
        if text.contains(expected) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{scope} {id}: {text:?} never said {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The state of venue `venue`'s report as the console marks it (`none` is 未提出).
pub async fn wait_for_state(client: &Client, venue: u32, state: &str) {
    let scope = format!("report-{venue}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let shown = within(client, &scope, "report-state")
            .await
            .attr("data-state")
            .await
            .unwrap_or_default();
        if shown.as_deref() == Some(state) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "venue {venue}: {shown:?}, never {state}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn sign_in(client: &Client, account: &DemoAccount) {
    type_into(client, "login-account", account.account_id).await;
    type_into(client, "login-password", account.password).await;
    click(client, "login-agree").await;
    click(client, "login-submit").await;
}

/// A period's dates from today, as the notice spaces them: reports due in `correction - 5` days,
/// corrections until `correction`, reception three days later, 16-day windows.
pub fn period(number: u32, correction: i64) -> Value {
    let day = |offset: i64| tokyo_today() + TimeDelta::days(offset);
    json!({
        "number": number, "vaccine_code": "pfizer",
        "first_dose": {"first": day(correction + 12), "last": day(correction + 27)},
        "second_dose": {"first": day(correction + 33), "last": day(correction + 48)},
        "submission_deadline": day(correction - 5), "correction_deadline": day(correction),
        "reception_opens": day(correction + 3),
    })
}

pub fn report_row(date: NaiveDate, start: &str, end: &str, public: u32, private: u32) -> Value {
    json!({"date": date, "start": start, "end": end, "public_seats": public,
           "private_seats": private})
}
