//! Two instances of the server on one database, as a city runs them behind a load balancer: what
//! must hold across them lives in PostgreSQL. A session made on one works on the other and ends
//! on both; wrong passwords tried on either count towards one lockout; failed checks of a ticket
//! on either count towards one rest. (Per-address limits are each instance's own, by design: see
//! the README's *More than one server*.)

use reqwest::StatusCode;
use yoyaku_core::Code;
use yoyaku_core::wire::LoginRequest;

use crate::support::{TestApp, expect_json, expect_problem, key_json, spawn_app};

#[tokio::test]
async fn a_session_made_on_one_instance_works_on_the_other_and_logging_out_ends_it_on_both() {
    let one = spawn_app().await;
    let other = one.another_instance();
    let token = one.login(&one.accounts.clinic_a).await.token;
    expect_json(
        other.get("/api/v1/session", Some(&token)).await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        other.get("/api/v1/clinic/slots", Some(&token)).await,
        StatusCode::OK,
    )
    .await;

    let logout = other
        .client
        .post(other.url("/api/v1/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    for instance in [&one, &other] {
        let slots = instance.get("/api/v1/clinic/slots", Some(&token)).await;
        expect_problem(slots, StatusCode::UNAUTHORIZED, Code::AuthSessionInvalid).await;
    }
}

#[tokio::test]
async fn wrong_passwords_on_either_instance_count_towards_one_lockout() {
    let one = spawn_app().await;
    let other = one.another_instance();
    let clinic_a = &one.accounts.clinic_a;
    let mut wrong: LoginRequest = clinic_a.login_request();
    wrong.password = "not-the-password".into();
    for n in 0..5 {
        let instance = if n % 2 == 0 { &one } else { &other };
        let response = instance.post_login(&wrong).await;
        expect_problem(
            response,
            StatusCode::UNAUTHORIZED,
            Code::AuthInvalidCredentials,
        )
        .await;
    }
    // Three tries on one and two on the other: locked on both.
    for instance in [&one, &other] {
        let response = instance.post_login(&clinic_a.login_request()).await;
        expect_problem(response, StatusCode::LOCKED, Code::AuthLocked).await;
    }
}

async fn check(instance: &TestApp, token: &str, key: &serde_json::Value) -> reqwest::Response {
    instance
        .client
        .post(instance.url("/api/v1/residents/lookup"))
        .bearer_auth(token)
        .json(key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn failed_checks_of_a_ticket_on_either_instance_count_towards_one_rest() {
    let one = spawn_app().await;
    let other = one.another_instance();
    let token = one.login(&one.accounts.clinic_a).await.token;
    // The manual's resident, 9000000062 born 1945-03-03: five guesses of the birth date, three
    // on one instance and two on the other.
    for (n, day) in (4..9).enumerate() {
        let instance = if n % 2 == 0 { &one } else { &other };
        let key = key_json("9000000062", &format!("1945-03-{day:02}"));
        expect_problem(
            check(instance, &token, &key).await,
            StatusCode::NOT_FOUND,
            Code::TicketNotInRegistry,
        )
        .await;
    }
    // Now the ticket rests on both, even for the right birth date.
    let right = key_json("9000000062", "1945-03-03");
    for instance in [&one, &other] {
        let response = check(instance, &token, &right).await;
        let problem = expect_problem(
            response,
            StatusCode::TOO_MANY_REQUESTS,
            Code::LookupRateLimited,
        )
        .await;
        assert!(problem.message_ja.contains("秒後"), "{problem:?}");
    }
    // Other tickets are checked as ever, on either.
    let other_ticket = key_json("9000001000", "1930-01-01");
    for instance in [&one, &other] {
        expect_json(check(instance, &token, &other_ticket).await, StatusCode::OK).await;
    }
}
