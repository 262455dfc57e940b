//! `spawn_app()`: a seeded database of its own and a server on a free port, per test.

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Response, StatusCode};
use sqlx::PgPool;
use tokio::net::TcpListener;
use yoyaku_city::demo::{DemoAccount, DemoAccounts, seed_demo};
use yoyaku_city::throwaway_pg::fresh_database;
use yoyaku_city::{Server, connect, migrate};
use yoyaku_core::wire::{LoginRequest, LoginResponse};
use yoyaku_core::{Code, Problem};

pub struct TestApp {
    pub server: Server,
    pub pool: PgPool,
    pub accounts: DemoAccounts,
    pub client: reqwest::Client,
}

pub async fn spawn_app() -> TestApp {
    serve_seeded(connect(&fresh_database().await).await.unwrap()).await
}

/// Migrates and seeds the database behind `pool`, and serves it on a free port.
async fn serve_seeded(pool: PgPool) -> TestApp {
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
    /// Another instance of the server on the same database, as a city runs behind a load
    /// balancer: it shares nothing with this one but PostgreSQL.
    pub fn another_instance(&self) -> TestApp {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let listener = TcpListener::from_std(listener).unwrap();
        TestApp {
            server: Server::spawn(listener, self.pool.clone()).unwrap(),
            pool: self.pool.clone(),
            accounts: self.accounts.clone(),
            client: reqwest::Client::new(),
        }
    }

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
pub async fn expect_problem(response: Response, status: StatusCode, code: Code) -> Problem {
    assert_eq!(response.status(), status);
    assert_problem_content_type(response.headers());
    let problem: Problem = response.json().await.unwrap();
    assert_eq!(problem.known_code(), code, "{problem:?}");
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

/// [`spawn_app`], with a server the test starts itself on the listener (other options, TLS …).
pub async fn spawn_app_with(spawn: impl FnOnce(TcpListener, PgPool) -> Server) -> TestApp {
    let pool = connect(&fresh_database().await).await.unwrap();
    migrate(&pool).await.unwrap();
    let accounts = seed_demo(&pool).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    TestApp {
        server: spawn(listener, pool.clone()),
        pool,
        accounts,
        client: reqwest::Client::new(),
    }
}

/// A client whose connections come from `address` (any of 127.0.0.0/8 reaches the test server).
pub fn client_from(address: std::net::IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address)
        .build()
        .unwrap()
}

// Residents and bookings: requests with JSON bodies, and data made for one test.

/// The demo municipality, 熊本市.
pub const KUMAMOTO: &str = "431001";

/// Like [`spawn_app`], with a server pool of `connections` and a patient acquire timeout, for
/// hundreds of requests at once.
pub async fn spawn_app_with_connections(connections: u32) -> TestApp {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(std::time::Duration::from_secs(60))
        .connect(&fresh_database().await)
        .await
        .unwrap();
    serve_seeded(pool).await
}

impl TestApp {
    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Response {
        self.send(reqwest::Method::POST, path, token, body).await
    }

    pub async fn put_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Response {
        self.send(reqwest::Method::PUT, path, token, body).await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Response {
        let request = self.client.request(method, self.url(path)).json(body);
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send().await.unwrap()
    }

    /// `venues.id` of the demo venue with this 会場番号.
    pub async fn venue_id(&self, venue_number: i32) -> uuid::Uuid {
        sqlx::query_scalar("select id from venues where venue_number = $1")
            .bind(venue_number)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// `accounts.id` of the demo account with this アカウントID.
    pub async fn account_uuid(&self, account_id: &str) -> uuid::Uuid {
        sqlx::query_scalar("select id from accounts where account_id = $1")
            .bind(account_id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

/// Asserts the response's status and returns its JSON body.
pub async fn expect_json(response: Response, status: StatusCode) -> serde_json::Value {
    let actual = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(actual, status, "{body:#}");
    body
}

/// The resident key as a form sends it.
pub fn key_json(ticket: &str, birth_date: &str) -> serde_json::Value {
    serde_json::json!({
        "municipality_code": KUMAMOTO,
        "ticket": ticket,
        "birth_date": birth_date,
    })
}

/// Adds tickets to the registry, all with one birth date.
pub async fn seed_tickets(pool: &PgPool, tickets: &[String], birth_date: chrono::NaiveDate) {
    sqlx::query(
        "insert into valid_tickets (municipality_code, ticket_number, birth_date)
         select $1, t, $3 from unnest($2::text[]) as t",
    )
    .bind(KUMAMOTO)
    .bind(tickets)
    .bind(birth_date)
    .execute(pool)
    .await
    .unwrap();
}

/// Adds tickets to the registry with registered details (テスト タロー), bypassing the API.
pub async fn seed_residents(pool: &PgPool, tickets: &[String], birth_date: chrono::NaiveDate) {
    seed_tickets(pool, tickets, birth_date).await;
    sqlx::query(
        "insert into residents (municipality_code, home_code, ticket_number, birth_date,
                                family_name_kana, given_name_kana, sex, phone)
         select $1, $1, t, $3, 'テスト', 'タロー', 'unset', '0961234567'
         from unnest($2::text[]) as t",
    )
    .bind(KUMAMOTO)
    .bind(tickets)
    .bind(birth_date)
    .execute(pool)
    .await
    .unwrap();
}

/// `count` ticket numbers from `first`.
pub fn tickets(first: u64, count: u64) -> Vec<String> {
    (first..first + count).map(|n| n.to_string()).collect()
}

/// A slot made for a test at a demo venue: `date` in Tokyo from `start` for `minutes`.
pub async fn insert_slot(
    pool: &PgPool,
    venue: uuid::Uuid,
    date: chrono::NaiveDate,
    start: (u32, u32),
    minutes: i64,
    visibility: &str,
    capacity: i32,
) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    let starts_at = yoyaku_core::time::from_tokyo(
        date,
        chrono::NaiveTime::from_hms_opt(start.0, start.1, 0).unwrap(),
    );
    sqlx::query(
        "insert into slots (municipality_code, id, venue_id, vaccine_code, name, starts_at,
                            ends_at, visibility, capacity)
         values ($1, $2, $3, 'pfizer', $4, $5, $6, $7, $8)",
    )
    .bind(KUMAMOTO)
    .bind(id)
    .bind(venue)
    .bind(format!("test {id}"))
    .bind(starts_at)
    .bind(starts_at + chrono::TimeDelta::minutes(minutes))
    .bind(visibility)
    .bind(capacity)
    .execute(pool)
    .await
    .unwrap();
    id
}

/// A slot of today at a demo venue, open the whole day (00:00–23:59 in Tokyo), for reception work,
/// which happens on the booking's day. In the day's last two minutes it waits for the next day,
/// so that the slot can still be booked when the test books it.
pub async fn today_slot(pool: &PgPool, venue: uuid::Uuid, visibility: &str) -> uuid::Uuid {
    let midnight = yoyaku_core::time::from_tokyo(
        yoyaku_core::time::tokyo_today() + chrono::TimeDelta::days(1),
        chrono::NaiveTime::MIN,
    );
    let left = midnight - chrono::Utc::now();
    if left < chrono::TimeDelta::minutes(2) {
        tokio::time::sleep(left.to_std().unwrap_or_default() + std::time::Duration::from_secs(1))
            .await;
    }
    let today = yoyaku_core::time::tokyo_today();
    insert_slot(pool, venue, today, (0, 0), 24 * 60 - 1, visibility, 10).await
}

/// The first day after today on which the demo has slots (none on Sundays): all of them ahead.
pub fn next_slot_day() -> chrono::NaiveDate {
    use chrono::Datelike;
    (1..3)
        .map(|days| yoyaku_core::time::tokyo_today() + chrono::TimeDelta::days(days))
        .find(|date| date.weekday() != chrono::Weekday::Sun)
        .unwrap()
}

/// The demo slot of venue `venue_number` at `hhmm` on `date`, by its 予約枠名.
pub async fn demo_slot(
    pool: &PgPool,
    venue_number: i32,
    date: chrono::NaiveDate,
    hhmm: &str,
    visibility: &str,
) -> uuid::Uuid {
    let channel = match visibility {
        "public" => "【WEB・コールセンター受付】",
        _ => "【医療機関受付分】",
    };
    let name = format!("{channel}{venue_number}.{}.{hhmm}", date.format("%Y%m%d"));
    sqlx::query_scalar("select id from slots where name = $1")
        .bind(&name)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `slots.booked`
pub async fn booked(pool: &PgPool, slot: uuid::Uuid) -> i32 {
    sqlx::query_scalar("select booked from slots where id = $1")
        .bind(slot)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Books `dose` of `ticket` (born `birth_date`) into `slot`, and returns the booking's id.
pub async fn book(
    app: &TestApp,
    token: Option<&str>,
    ticket: &str,
    birth_date: &str,
    slot: uuid::Uuid,
    dose: u8,
) -> uuid::Uuid {
    let body = serde_json::json!({
        "resident": key_json(ticket, birth_date),
        "slot_id": slot,
        "dose": dose,
    });
    let created = expect_json(
        app.post_json("/api/v1/bookings", token, &body).await,
        StatusCode::CREATED,
    )
    .await;
    created["booking"]["id"].as_str().unwrap().parse().unwrap()
}
