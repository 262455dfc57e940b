//! A real city server for tests (throwaway PostgreSQL, migrated, demo data) on a free port,
//! which a test can stop and start again on the same address to cut and restore the network.
//! Shared by the root end-to-end tests and the clinic engine's integration tests.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime, TimeDelta, Utc};
use uuid::Uuid;
use yoyaku_core::time::{from_tokyo, tokyo_today};

use sqlx::PgPool;
use yoyaku_city::demo::DemoAccounts;
use yoyaku_city::{Server, ServerOptions, WebPages};

/// `options` serving the city's browser pages from the build in `web/dist`.
pub fn serving_pages(options: ServerOptions) -> ServerOptions {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/dist");
    options.web_pages(
        WebPages::in_dir(&dist).expect("build the pages first: npm run build --workspace web"),
    )
}

pub struct City {
    pub pool: PgPool,
    pub demo: DemoAccounts,
    database_url: String,
    addr: SocketAddr,
    server: Option<Server>,
    options: fn() -> ServerOptions,
}

impl City {
    pub async fn start() -> Self {
        Self::start_with(Server::options).await
    }

    /// As [`City::start`], with the server's options made by `options` (again on each restart).
    pub async fn start_with(options: fn() -> ServerOptions) -> Self {
        let url = yoyaku_city::throwaway_pg::fresh_database().await;
        Self::start_on(url, options).await
    }

    /// As [`City::start_with`], on the (empty) database at `url`.
    pub async fn start_on(url: String, options: fn() -> ServerOptions) -> Self {
        let pool = yoyaku_city::connect(&url).await.expect("connect");
        yoyaku_city::migrate(&pool).await.expect("migrate");
        let demo = yoyaku_city::demo::seed_demo(&pool).await.expect("seed");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = options().spawn(listener, pool.clone()).unwrap();
        Self {
            pool,
            demo,
            database_url: url,
            addr,
            server: Some(server),
            options,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The city's database, for another server process to serve.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// A slot of today at demo venue `venue_number`, open the whole day (00:00–23:59 in Tokyo), for
    /// reception work, which happens on the booking's day. In the day's last two minutes it waits
    /// for the next day, so that the slot can still be booked when the test books it.
    pub async fn today_slot(&self, venue_number: i32, visibility: &str, capacity: i32) -> Uuid {
        let midnight = from_tokyo(tokyo_today() + TimeDelta::days(1), NaiveTime::MIN);
        let left = midnight - Utc::now();
        if left < TimeDelta::minutes(2) {
            tokio::time::sleep(left.to_std().unwrap_or_default() + Duration::from_secs(1)).await;
        }
        let starts_at = from_tokyo(tokyo_today(), NaiveTime::MIN);
        let id = Uuid::new_v4();
        sqlx::query(
            "insert into slots (municipality_code, id, venue_id, vaccine_code, name, starts_at,
                                ends_at, visibility, capacity)
             select municipality_code, $2, id, 'pfizer', $3, $4, $5, $6, $7
             from venues where municipality_code = '431001' and venue_number = $1",
        )
        .bind(venue_number)
        .bind(id)
        .bind(format!(
            "終日 {venue_number}.{}",
            tokyo_today().format("%Y%m%d")
        ))
        .bind(starts_at)
        .bind(starts_at + TimeDelta::minutes(24 * 60 - 1))
        .bind(visibility)
        .bind(capacity)
        .execute(&self.pool)
        .await
        .unwrap();
        id
    }

    /// The network goes down: connections to the server are refused.
    /// Fills every public seat of demo venue `venue_number` but one, in its first slot after
    /// tomorrow begins: that slot, and the venue's id.
    pub async fn full_but_one_seat(&self, venue_number: i32) -> (Uuid, Uuid) {
        let (slot, venue): (Uuid, Uuid) = sqlx::query_as(
            "select s.id, v.id from slots s join venues v on v.id = s.venue_id
             where v.venue_number = $1 and s.visibility = 'public'
               and s.starts_at > now() + interval '1 day'
             order by s.starts_at limit 1",
        )
        .bind(venue_number)
        .fetch_one(&self.pool)
        .await
        .unwrap();
        sqlx::query(
            "update slots s set booked = s.capacity - (s.id = $2)::int from venues v
             where v.id = s.venue_id and v.venue_number = $1 and s.visibility = 'public'",
        )
        .bind(venue_number)
        .bind(slot)
        .execute(&self.pool)
        .await
        .unwrap();
        (slot, venue)
    }

    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.unwrap();
        }
    }

    /// The network comes back, on the same address.
    pub async fn restart(&mut self) {
        assert!(self.server.is_none(), "already running");
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.server = Some((self.options)().spawn(listener, self.pool.clone()).unwrap());
    }
}

/// A resident of 431001 on the web (no account), talking to the city server at `url`.
pub struct WebResident<'a> {
    pub url: &'a str,
    pub ticket: &'a str,
    pub born: NaiveDate,
}

impl WebResident<'_> {
    /// 予約者情報 as ウェブ ハナコ, registered on the web.
    pub async fn register(&self) {
        let response = reqwest::Client::new()
            .put(format!(
                "{}/api/v1/residents/431001/{}",
                self.url, self.ticket
            ))
            .json(&serde_json::json!({
                "birth_date": self.born.to_string(), "family_name_kana": "ウェブ",
                "given_name_kana": "ハナコ", "sex": "female", "phone": "0963280000"
            }))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{}",
            response.text().await.unwrap()
        );
    }

    fn key(&self) -> serde_json::Value {
        serde_json::json!({"municipality_code": "431001", "ticket": self.ticket,
                           "birth_date": self.born.to_string()})
    }

    /// POSTs `body` to `path` on the web: the answer's status and JSON.
    async fn try_post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// POSTs `body` to `path` on the web and returns the answer's JSON, which must be a success.
    async fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let (status, answer) = self.try_post(path, body).await;
        assert!(status.is_success(), "{path}: {answer}");
        answer
    }

    /// Dose `dose` asked for on the web in `slot_id`: the city's answer, whatever it is.
    pub async fn try_book(
        &self,
        slot_id: &str,
        dose: u8,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let body = serde_json::json!({ "resident": self.key(), "slot_id": slot_id, "dose": dose });
        self.try_post("/api/v1/bookings", body).await
    }

    /// Dose `dose` booked on the web in `slot_id`: the booking's id.
    pub async fn book(&self, slot_id: &str, dose: u8) -> String {
        let (status, booked) = self.try_book(slot_id, dose).await;
        assert!(status.is_success(), "booking: {booked}");
        booked["booking"]["id"].as_str().unwrap().to_owned()
    }

    /// Cancels the booking `id` on the web.
    pub async fn cancel(&self, id: &str) {
        let path = format!("/api/v1/bookings/{id}/cancel");
        self.post(&path, serde_json::json!({ "resident": self.key() }))
            .await;
    }

    /// Dose 1 at venue `venue` from `first` to `last`, on the waiting list from the web.
    pub async fn wait_for(&self, venue: Uuid, first: NaiveDate, last: NaiveDate) {
        let body = serde_json::json!({
            "resident": self.key(), "dose": 1, "vaccine": "pfizer", "venue_id": venue,
            "first_date": first, "last_date": last,
        });
        self.post("/api/v1/waitlist", body).await;
    }
}
