//! What the clinic benchmarks share: the tests' city server and clinic engine (with a login rate
//! limit a benchmark's repeated logins stay under), and made-up residents whose names and phone
//! numbers pass yoyaku-core's checks.

// Each benchmark is its own crate and uses only part of this.
#![allow(dead_code)]

pub mod cache;
#[path = "../../tests/common/mod.rs"]
mod common;
mod figures;

#[allow(unused_imports)] // as below: not every benchmark reports percentiles
pub use figures::{Figure, percentile, quick, record};

#[allow(unused_imports)] // as above: not every benchmark logs in
pub use common::{City, form, open_clinic_at as open_clinic};

use std::num::NonZeroU32;
use std::time::Duration;

use chrono::{NaiveDate, TimeDelta};
use uuid::Uuid;
use yoyaku_city::Server;

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

/// The demo city of the tests, but allowing a benchmark's many logins from one address.
pub async fn start_city() -> City {
    City::start_with(|| {
        Server::options()
            .login_rate_limit(NonZeroU32::new(10_000).unwrap(), Duration::from_millis(1))
    })
    .await
}

/// `venues.id` of clinic-a's venue.
pub async fn venue_id(city: &City) -> Uuid {
    sqlx::query_scalar("select id from venues where municipality_code = $1 and venue_number = $2")
        .bind(MUNICIPALITY)
        .bind(VENUE_NUMBER)
        .fetch_one(&city.pool)
        .await
        .unwrap()
}

/// Adds `tickets` to the registry of valid tickets.
pub async fn add_valid_tickets(city: &City, tickets: &[Resident]) {
    let numbers: Vec<&str> = tickets.iter().map(|r| r.ticket.as_str()).collect();
    let born: Vec<NaiveDate> = tickets.iter().map(|r| r.birth_date).collect();
    sqlx::query(
        "insert into valid_tickets (municipality_code, ticket_number, birth_date)
         select $1, t.* from unnest($2::text[], $3::date[]) as t",
    )
    .bind(MUNICIPALITY)
    .bind(numbers)
    .bind(born)
    .execute(&city.pool)
    .await
    .unwrap();
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
