//! Five wrong passwords in a row lock an account for 15 minutes, without telling a guesser which
//! accounts exist.

use std::num::NonZeroU32;
use std::time::Duration;
use yoyaku_core::Code;

use reqwest::StatusCode;
use yoyaku_city::Server;
use yoyaku_city::demo::DemoAccount;
use yoyaku_core::wire::LoginRequest;

use crate::support::{TestApp, expect_problem, spawn_app, spawn_app_with};

const LOCKED_JA: &str = "ログインに続けて失敗したため、アカウントを一時的にロックしました。15分後にもう一度お試しください。";

fn wrong_password(account: &DemoAccount) -> LoginRequest {
    let mut request = account.login_request();
    request.password = "not-the-password".into();
    request
}

/// `(failed_logins, locked_until still ahead)` of the account.
async fn lock_state(app: &TestApp, account: &DemoAccount) -> (i32, bool) {
    sqlx::query_as(
        "select failed_logins, coalesce(locked_until > now(), false) from accounts
         where account_id = $1",
    )
    .bind(account.account_id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn end_the_lock(app: &TestApp, account: &DemoAccount) {
    sqlx::query(
        "update accounts set locked_until = now() - interval '1 second' where account_id = $1",
    )
    .bind(account.account_id)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn expect_wrong(app: &TestApp, request: &LoginRequest) {
    let response = app.post_login(request).await;
    expect_problem(
        response,
        StatusCode::UNAUTHORIZED,
        Code::AuthInvalidCredentials,
    )
    .await;
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_until_the_lock_ends() {
    let app = spawn_app().await;
    let clinic_a = &app.accounts.clinic_a;
    for failures in 1..=5 {
        expect_wrong(&app, &wrong_password(clinic_a)).await;
        assert_eq!(lock_state(&app, clinic_a).await, (failures, failures == 5));
    }

    let problem = expect_problem(
        app.post_login(&clinic_a.login_request()).await,
        StatusCode::LOCKED,
        Code::AuthLocked,
    )
    .await;
    assert_eq!(problem.message_ja, LOCKED_JA);
    let minutes_left: f64 = sqlx::query_scalar(
        "select (extract(epoch from locked_until - now()) / 60)::float8 from accounts
         where account_id = 'clinic-a'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((14.0..=15.0).contains(&minutes_left), "{minutes_left}");
    let sessions: i64 = sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    // Other accounts are not affected.
    app.login(&app.accounts.clinic_e).await;

    end_the_lock(&app, clinic_a).await;
    app.login(clinic_a).await;
    assert_eq!(lock_state(&app, clinic_a).await, (0, false));
}

#[tokio::test]
async fn while_locked_a_wrong_password_is_only_wrong_and_afterwards_the_count_starts_over() {
    let app = spawn_app().await;
    let clinic_a = &app.accounts.clinic_a;
    for _ in 0..5 {
        expect_wrong(&app, &wrong_password(clinic_a)).await;
    }
    let locked_until = || async {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
            "select locked_until from accounts where account_id = 'clinic-a'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let until = locked_until().await;
    // Not counted, and the lock is not extended.
    expect_wrong(&app, &wrong_password(clinic_a)).await;
    assert_eq!(lock_state(&app, clinic_a).await, (5, true));
    assert_eq!(locked_until().await, until);

    end_the_lock(&app, clinic_a).await;
    expect_wrong(&app, &wrong_password(clinic_a)).await;
    assert_eq!(lock_state(&app, clinic_a).await, (1, false));
    app.login(clinic_a).await;
    assert_eq!(lock_state(&app, clinic_a).await, (0, false));
}

#[tokio::test]
async fn a_successful_login_resets_the_count() {
    let app = spawn_app().await;
    let clinic_a = &app.accounts.clinic_a;
    for _ in 0..2 {
        for _ in 0..4 {
            expect_wrong(&app, &wrong_password(clinic_a)).await;
        }
        assert_eq!(lock_state(&app, clinic_a).await, (4, false));
        app.login(clinic_a).await;
        assert_eq!(lock_state(&app, clinic_a).await, (0, false));
    }
}

#[tokio::test]
async fn concurrent_wrong_passwords_are_all_counted() {
    let app = spawn_app().await;
    let clinic_a = &app.accounts.clinic_a;
    let attempts = (0..8).map(|_| {
        let (client, url) = (app.client.clone(), app.url("/api/v1/login"));
        let request = wrong_password(clinic_a);
        tokio::spawn(async move { client.post(url).json(&request).send().await.unwrap() })
    });
    for attempt in attempts.collect::<Vec<_>>() {
        assert_eq!(attempt.await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    // Each of the first five counted; the lock stopped the count.
    assert_eq!(lock_state(&app, clinic_a).await, (5, true));
    let response = app.post_login(&clinic_a.login_request()).await;
    expect_problem(response, StatusCode::LOCKED, Code::AuthLocked).await;
}

#[tokio::test]
async fn an_unknown_account_answers_like_a_wrong_password_however_often_tried() {
    // Enough attempts for the rate limit not to interfere.
    let app = spawn_app_with(|listener, pool| {
        Server::options()
            .login_rate_limit(NonZeroU32::new(100).unwrap(), Duration::from_secs(1))
            .spawn(listener, pool)
            .unwrap()
    })
    .await;
    let wrong = wrong_password(&app.accounts.clinic_a);
    let mut unknown = wrong.clone();
    unknown.account_id = "clinic-z".into();
    let mut other_municipality = wrong.clone();
    other_municipality.municipality_code = "131016".into();

    let answer = |request: LoginRequest| {
        let app = &app;
        async move {
            let response = app.post_login(&request).await;
            let status = response.status();
            let retry_after = response.headers().get("retry-after").cloned();
            (status, retry_after, response.bytes().await.unwrap())
        }
    };
    let first = answer(wrong.clone()).await;
    assert_eq!(first.0, StatusCode::UNAUTHORIZED);
    for _ in 0..8 {
        assert_eq!(answer(wrong.clone()).await, first);
        assert_eq!(answer(unknown.clone()).await, first);
        assert_eq!(answer(other_municipality.clone()).await, first);
    }
    assert_eq!(lock_state(&app, &app.accounts.clinic_a).await, (5, true));
    let unknown_rows: i64 = sqlx::query_scalar(
        "select count(*) from accounts where account_id = 'clinic-z' or municipality_code = '131016'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(unknown_rows, 0);
}
