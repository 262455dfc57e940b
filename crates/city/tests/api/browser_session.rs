//! The browser consoles' sessions: an HttpOnly, Secure, SameSite=Strict cookie the page never
//! reads, and a CSRF token every write must carry; the cookie makes a request staff's, never the
//! web's.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use yoyaku_core::Code;

use crate::support::{
    TestApp, demo_slot, expect_json, expect_problem, key_json, next_slot_day, seed_residents,
    spawn_app, tickets,
};

/// Signs `account` in to a console: its cookie header and CSRF token.
async fn sign_in(app: &TestApp, request: &Value) -> (String, String) {
    let response = app.post_json("/api/v1/browser/login", None, request).await;
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let body = expect_json(response, StatusCode::OK).await;
    assert!(
        body.get("token").is_none(),
        "the token is never shown to the page"
    );
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

fn login_json(app: &TestApp) -> Value {
    serde_json::to_value(app.accounts.call_center.login_request()).unwrap()
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header(COOKIE, cookie);
    if let Some(csrf) = csrf {
        request = request.header("X-Yoyaku-CSRF", csrf);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_console_session_reads_with_its_cookie_and_writes_only_with_its_csrf_token() {
    let app = spawn_app().await;
    let (cookie, csrf) = sign_in(&app, &login_json(&app)).await;

    let session = expect_json(
        send(
            &app,
            reqwest::Method::GET,
            "/api/v1/browser/session",
            &cookie,
            None,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(session["csrf_token"], csrf);
    assert_eq!(session["profile"]["role"], "call_center");
    let clinics = expect_json(
        send(
            &app,
            reqwest::Method::GET,
            "/api/v1/clinics",
            &cookie,
            None,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let a = &clinics["clinics"][0];
    assert_eq!(
        (
            a["account_id"].as_str(),
            a["venues"][0]["venue_number"].as_i64()
        ),
        (Some("clinic-a"), Some(101))
    );

    // A booking by the console is the call center's; without the token it is refused, unwritten.
    let people = tickets(9_400_000_000, 1);
    seed_residents(
        &app.pool,
        &people,
        chrono::NaiveDate::from_ymd_opt(1950, 5, 5).unwrap(),
    )
    .await;
    let slot = demo_slot(&app.pool, 101, next_slot_day(), "0900", "public").await;
    let body =
        json!({ "resident": key_json(&people[0], "1950-05-05"), "slot_id": slot, "dose": 1 });
    for wrong in [None, Some("not-the-token")] {
        expect_problem(
            send(
                &app,
                reqwest::Method::POST,
                "/api/v1/bookings",
                &cookie,
                wrong,
                Some(&body),
            )
            .await,
            StatusCode::FORBIDDEN,
            Code::AuthCsrf,
        )
        .await;
    }
    let bookings: i64 = sqlx::query_scalar("select count(*) from bookings")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(bookings, 0);
    let booked = expect_json(
        send(
            &app,
            reqwest::Method::POST,
            "/api/v1/bookings",
            &cookie,
            Some(&csrf),
            Some(&body),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(booked["booking"]["channel"], "call_center");

    // Signing out ends the session and clears the cookie.
    let out = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/browser/logout",
        &cookie,
        Some(&csrf),
        None,
    )
    .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(
        out.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    expect_problem(
        send(
            &app,
            reqwest::Method::GET,
            "/api/v1/browser/session",
            &cookie,
            None,
            None,
        )
        .await,
        StatusCode::UNAUTHORIZED,
        Code::AuthSessionInvalid,
    )
    .await;
    // A cookie naming no session is refused, never taken for a resident on the web.
    expect_problem(
        send(
            &app,
            reqwest::Method::POST,
            "/api/v1/bookings",
            &cookie,
            Some(&csrf),
            Some(&body),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        Code::AuthSessionInvalid,
    )
    .await;
}

#[tokio::test]
async fn clinics_use_the_desktop_app_not_a_console() {
    let app = spawn_app().await;
    let clinic = serde_json::to_value(app.accounts.clinic_a.login_request()).unwrap();
    expect_problem(
        app.post_json("/api/v1/browser/login", None, &clinic).await,
        StatusCode::FORBIDDEN,
        Code::AuthForbidden,
    )
    .await;
    // And a desktop's bearer session has no CSRF token to hand out.
    let token = app.login(&app.accounts.call_center).await.token;
    expect_problem(
        app.get("/api/v1/browser/session", Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        Code::AuthSessionInvalid,
    )
    .await;
}
