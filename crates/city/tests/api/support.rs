//! `spawn_app()`: a seeded database of its own and a server on a free port, per test.

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Response, StatusCode};
use sqlx::PgPool;
use tokio::net::TcpListener;
use yoyaku_city::demo::{DemoAccount, DemoAccounts, seed_demo};
use yoyaku_city::throwaway_pg::fresh_database;
use yoyaku_city::{Server, connect, migrate};
use yoyaku_core::Problem;
use yoyaku_core::wire::{LoginRequest, LoginResponse};

pub struct TestApp {
    pub server: Server,
    pub pool: PgPool,
    pub accounts: DemoAccounts,
    pub client: reqwest::Client,
}

pub async fn spawn_app() -> TestApp {
    let pool = connect(&fresh_database().await).await.unwrap();
    migrate(&pool).await.unwrap();
    let accounts = seed_demo(&pool).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server::spawn(listener, pool.clone()).unwrap();
    TestApp {
        server,
        pool,
        accounts,
        client: reqwest::Client::new(),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    pub async fn post_login(&self, request: &LoginRequest) -> Response {
        self.client
            .post(self.url("/api/v1/login"))
            .json(request)
            .send()
            .await
            .unwrap()
    }

    /// Logs `account` in and returns the whole answer.
    pub async fn login(&self, account: &DemoAccount) -> LoginResponse {
        let response = self.post_login(&account.login_request()).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", account.account_id);
        response.json().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let request = self.client.get(self.url(path));
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send().await.unwrap()
    }
}

/// Asserts `response` is a problem document with `status` and `code`, and returns it.
pub async fn expect_problem(response: Response, status: StatusCode, code: &str) -> Problem {
    assert_eq!(response.status(), status);
    assert_problem_content_type(response.headers());
    let problem: Problem = response.json().await.unwrap();
    assert_eq!(problem.code, code, "{problem:?}");
    assert_eq!(problem.status, status.as_u16());
    assert_eq!(problem.problem_type, format!("urn:yoyaku:problem:{code}"));
    assert!(!problem.message_ja.is_empty() && !problem.message_en.is_empty());
    problem
}

pub fn assert_problem_content_type(headers: &HeaderMap) {
    assert_eq!(
        headers.get(CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
}
