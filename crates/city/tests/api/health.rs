use std::time::Duration;
use yoyaku_core::Code;

use reqwest::StatusCode;
use sqlx::postgres::PgPoolOptions;
use tokio::net::TcpListener;
use yoyaku_city::Server;
use yoyaku_core::wire::Health;

use crate::support::{assert_problem_content_type, expect_problem, spawn_app};

#[tokio::test]
async fn healthz_answers_ok_with_the_version() {
    let app = spawn_app().await;
    let response = app.get("/healthz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let health: Health = response.json().await.unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_unreachable() {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy(&format!(
            "postgres://postgres@127.0.0.1:{closed_port}/postgres"
        ))
        .unwrap();
    let server = Server::spawn(TcpListener::bind("127.0.0.1:0").await.unwrap(), pool).unwrap();
    let response = reqwest::get(format!("{}/healthz", server.url()))
        .await
        .unwrap();
    expect_problem(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        Code::ServerDatabaseUnavailable,
    )
    .await;
}

#[tokio::test]
async fn unknown_paths_wrong_methods_and_huge_bodies_are_problems() {
    let app = spawn_app().await;
    expect_problem(
        app.get("/api/v1/nothing-here", None).await,
        StatusCode::NOT_FOUND,
        Code::RequestNotFound,
    )
    .await;

    let wrong_method = app.get("/api/v1/login", None).await;
    assert_eq!(wrong_method.headers().get("allow").unwrap(), "POST");
    expect_problem(
        wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        Code::RequestMethodNotAllowed,
    )
    .await;

    let huge = app
        .client
        .post(app.url("/api/v1/login"))
        .header("content-type", "application/json")
        .body(vec![b' '; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_problem_content_type(huge.headers());
    expect_problem(huge, StatusCode::PAYLOAD_TOO_LARGE, Code::RequestTooLarge).await;
}
