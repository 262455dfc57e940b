//! What the clinic benchmarks share: a real city server on a throwaway PostgreSQL with the demo
//! data, which can be stopped and started again on the same address to cut and restore the
//! network (as `tests/support/city.rs` does for the tests, but with a login rate limit a
//! benchmark's repeated logins stay under), the clinic engine opened against it, and made-up
//! residents whose names and phone numbers pass yoyaku-core's checks.

// Each benchmark is its own crate and uses only part of this.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, TimeDelta};
use sqlx::PgPool;
use uuid::Uuid;
use yoyaku_city::Server;
use yoyaku_city::demo::{DemoAccount, DemoAccounts};
use yoyaku_clinic::{Clinic, LoginForm, Settings};

/// The demo municipality, and clinic-a's venue.
pub const MUNICIPALITY: &str = "431001";
pub const VENUE_NUMBER: i32 = 101;

/// A multi-threaded runtime like the app's, for the engine and the in-process server.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

pub struct City {
    pub pool: PgPool,
    pub demo: DemoAccounts,
    addr: SocketAddr,
    server: Option<Server>,
}

impl City {
    /// A fresh database, migrated and seeded with the demo data, served on a free port.
    pub async fn start() -> Self {
        let url = yoyaku_city::throwaway_pg::fresh_database().await;
        let pool = yoyaku_city::connect(&url).await.expect("connect");
        yoyaku_city::migrate(&pool).await.expect("migrate");
        let demo = yoyaku_city::demo::seed_demo(&pool).await.expect("seed");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spawn(listener, pool.clone());
        Self {
            pool,
            demo,
            addr,
            server: Some(server),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The network goes down: connections to the server are refused.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.unwrap();
        }
    }

    /// The network comes back, on the same address.
    pub async fn restart(&mut self) {
        assert!(self.server.is_none(), "already running");
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.server = Some(spawn(listener, self.pool.clone()));
    }

    /// `venues.id` of clinic-a's venue.
    pub async fn venue_id(&self) -> Uuid {
        sqlx::query_scalar(
            "select id from venues where municipality_code = $1 and venue_number = $2",
        )
        .bind(MUNICIPALITY)
        .bind(VENUE_NUMBER)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    /// Adds `tickets` to the registry of valid tickets, each with [`birth_date`] of its index.
    pub async fn add_valid_tickets(&self, tickets: &[Resident]) {
        let numbers: Vec<&str> = tickets.iter().map(|r| r.ticket.as_str()).collect();
        let born: Vec<NaiveDate> = tickets.iter().map(|r| r.birth_date).collect();
        sqlx::query(
            "insert into valid_tickets (municipality_code, ticket_number, birth_date)
             select $1, t.* from unnest($2::text[], $3::date[]) as t",
        )
        .bind(MUNICIPALITY)
        .bind(numbers)
        .bind(born)
        .execute(&self.pool)
        .await
        .unwrap();
    }
}

/// The demo server, but allowing a benchmark's many logins from one address.
fn spawn(listener: tokio::net::TcpListener, pool: PgPool) -> Server {
    Server::options()
        .login_rate_limit(NonZeroU32::new(10_000).unwrap(), Duration::from_millis(1))
        .spawn(listener, pool)
        .unwrap()
}

/// The clinic engine on the cache in `dir`, talking to `server_url`.
pub async fn open_clinic(server_url: &str, dir: &Path) -> Arc<Clinic> {
    let settings = Settings {
        server_url: server_url.to_owned(),
        ..Settings::default()
    };
    Clinic::open(dir, settings)
        .await
        .expect("open the clinic cache")
}

pub fn form(account: &DemoAccount) -> LoginForm {
    LoginForm {
        municipality_code: account.municipality_code.to_string(),
        account_id: account.account_id.into(),
        password: account.password.into(),
        agreed_to_terms: true,
    }
}

/// Common family names, in full-width katakana without spaces.
pub const FAMILY_NAMES: [&str; 60] = [
    "サトウ",
    "スズキ",
    "タカハシ",
    "タナカ",
    "イトウ",
    "ワタナベ",
    "ヤマモト",
    "ナカムラ",
    "コバヤシ",
    "カトウ",
    "ヨシダ",
    "ヤマダ",
    "ササキ",
    "ヤマグチ",
    "マツモト",
    "イノウエ",
    "キムラ",
    "ハヤシ",
    "サイトウ",
    "シミズ",
    "ヤマザキ",
    "モリ",
    "アベ",
    "イケダ",
    "ハシモト",
    "ヤマシタ",
    "イシカワ",
    "ナカジマ",
    "マエダ",
    "フジタ",
    "オガワ",
    "ゴトウ",
    "オカダ",
    "ハセガワ",
    "ムラカミ",
    "コンドウ",
    "イシイ",
    "サカモト",
    "エンドウ",
    "アオキ",
    "フジイ",
    "ニシムラ",
    "フクダ",
    "オオタ",
    "ミウラ",
    "フジワラ",
    "オカモト",
    "マツダ",
    "ナカガワ",
    "ナカノ",
    "ハラダ",
    "オノ",
    "タムラ",
    "タケウチ",
    "カネコ",
    "ワダ",
    "ナカヤマ",
    "イシダ",
    "ウエダ",
    "ペリー",
];

pub const GIVEN_NAMES: [&str; 40] = [
    "ヒロシ",
    "タカシ",
    "アキラ",
    "ケンイチ",
    "マコト",
    "ツヨシ",
    "ミノル",
    "サトシ",
    "ヒデキ",
    "ユウジ",
    "カズオ",
    "シゲル",
    "タロウ",
    "ジロウ",
    "イチロウ",
    "ハナコ",
    "ヨウコ",
    "ケイコ",
    "ユウコ",
    "カズコ",
    "ヒロコ",
    "マサコ",
    "トモコ",
    "アキコ",
    "ノリコ",
    "サチコ",
    "ミチコ",
    "ヨシコ",
    "エミコ",
    "ナオミ",
    "マユミ",
    "クミコ",
    "ミホ",
    "サクラ",
    "ハルカ",
    "ユイ",
    "アオイ",
    "ソウタ",
    "ハルト",
    "ダイキ",
];

/// A made-up resident: the `i`-th of a series whose ticket numbers start at `first_ticket`.
#[derive(Debug, Clone)]
pub struct Resident {
    pub ticket: String,
    pub birth_date: NaiveDate,
    pub family: &'static str,
    pub given: &'static str,
    pub sex: &'static str,
    /// National digits of a mobile number, unique within a series (of up to 10 million).
    pub phone: String,
}

impl Resident {
    pub fn nth(first_ticket: u64, i: u32) -> Self {
        let n = i as usize;
        Self {
            ticket: (first_ticket + u64::from(i)).to_string(),
            birth_date: NaiveDate::from_ymd_opt(1930, 1, 1).unwrap()
                + TimeDelta::days(i64::from(i) * 7 % 27_000),
            // Every family name equally often, with given names spread over them at random.
            family: FAMILY_NAMES[n * 7 % FAMILY_NAMES.len()],
            given: GIVEN_NAMES[(u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize
                % GIVEN_NAMES.len()],
            sex: ["male", "female", "unset"][n % 3],
            // 090-1xxx-xxxx: a valid Japanese mobile number.
            phone: format!("0901{:07}", i % 10_000_000),
        }
    }

    pub fn series(first_ticket: u64, count: u32) -> Vec<Self> {
        (0..count).map(|i| Self::nth(first_ticket, i)).collect()
    }
}

/// Full-width katakana as a receptionist might type them on an old keyboard: half-width, with
/// separate voiced marks (ｶﾞ for ガ). yoyaku-core folds them back (NFKC).
pub fn half_width(katakana: &str) -> String {
    const FULL: &str = "ァアィイゥウェエォオカキクケコサシスセソタチッツテトナニヌネノハヒフヘホ\
                        マミムメモャヤュユョヨラリルレロワヲンー";
    const HALF: &str = "ｧｱｨｲｩｳｪｴｫｵｶｷｸｹｺｻｼｽｾｿﾀﾁｯﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎ\
                        ﾏﾐﾑﾒﾓｬﾔｭﾕｮﾖﾗﾘﾙﾚﾛﾜｦﾝｰ";
    let full: Vec<char> = FULL.chars().collect();
    let half: Vec<char> = HALF.chars().collect();
    assert_eq!(full.len(), half.len());
    let plain = |c: char| full.iter().position(|&f| f == c).map(|i| half[i]);
    let before = |c: char, by: u32| char::from_u32(c as u32 - by).and_then(plain);
    let mut out = String::new();
    for c in katakana.chars() {
        if let Some(h) = plain(c) {
            out.push(h);
        } else if let Some(h) = before(c, 1) {
            // ガ is カ + 1, バ is ハ + 1 …
            out.push(h);
            out.push('ﾞ');
        } else if let Some(h) = before(c, 2) {
            // パ is ハ + 2.
            out.push(h);
            out.push('ﾟ');
        } else {
            panic!("no half-width form for {c}");
        }
    }
    out
}

/// Hiragana for full-width katakana (ー stays), as typed with a kana IME left in hiragana mode.
pub fn hiragana(katakana: &str) -> String {
    katakana
        .chars()
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap(),
            _ => c,
        })
        .collect()
}
