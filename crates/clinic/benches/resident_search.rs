//! 住民検索 over a cache of 50,000 residents, most with bookings (so the list's 1回目接種 and
//! 2回目接種 columns have work): by 接種券番号, by 電話番号, by the start of the family name in kana
//! (half-width or hiragana, as typed; hundreds match, the page stops at 100), and by family and
//! given name. Target: p95 ≤ 10 ms for a single search.
//!
//! Criterion reports each kind's mean; before that, 1,000 varied searches are timed one by one and
//! their p50/p95/p99 printed, overall and per kind — the figure the target is about.
//!
//! `cargo bench -p yoyaku-clinic --bench resident_search`

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Days, TimeDelta};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::{FAMILY_NAMES, MUNICIPALITY, Resident, half_width, hiragana, open_clinic, runtime};
use yoyaku_clinic::{Clinic, ResidentQuery, ResidentSearch};
use yoyaku_core::contact::Phone;
use yoyaku_core::kana::search_key;
use yoyaku_core::time::{from_tokyo, tokyo_today};

const RESIDENTS: u32 = 50_000;
const FIRST_TICKET: u64 = 5_000_000_000;
const SLOTS: u32 = 60;
const SEARCHES: usize = 1_000;

/// Fills the cache by SQL as a pull would have left it: one venue with 60 slots over two months,
/// 50,000 verified residents with their search keys folded as the engine folds them, four in five
/// with a first dose (reserved or vaccinated), one in seven of those with a cancelled one before
/// it, and one in three with a second dose.
async fn fill(clinic: &Clinic) -> u64 {
    let mut tx = clinic.store().begin_write().await.unwrap();
    sqlx::query(
        "INSERT INTO venues (id, venue_number, name) VALUES ('venue-101', 101, 'A胃腸科内科医院')",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    let first_day = tokyo_today() - Days::new(30);
    for k in 0..SLOTS {
        let date = first_day + Days::new(u64::from(k));
        let start = chrono::NaiveTime::from_hms_opt(9 + k % 8, 0, 0).unwrap();
        let starts_at = from_tokyo(date, start);
        sqlx::query(
            "INSERT INTO slots (id, venue_id, name, vaccine_code, vaccine_name, starts_at, ends_at,
                 local_date, start_time, end_time, visibility, capacity, booked)
             VALUES (?, 'venue-101', ?, 'pfizer', 'ファイザー社ワクチン', ?, ?, ?, ?, ?, ?, 5000, 0)",
        )
        .bind(format!("slot-{k}"))
        .bind(format!("【医療機関受付分】101.{}.{}", date.format("%Y%m%d"), start.format("%H%M")))
        .bind(starts_at)
        .bind(starts_at + TimeDelta::minutes(30))
        .bind(date.to_string())
        .bind(start.format("%H:%M").to_string())
        .bind((start + TimeDelta::minutes(30)).format("%H:%M").to_string())
        .bind(if k % 2 == 0 { "private" } else { "public" })
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    let mut bookings = 0u64;
    for i in 0..RESIDENTS {
        let r = Resident::nth(FIRST_TICKET, i);
        let phone = Phone::parse(&r.phone).expect("a valid phone number");
        sqlx::query(
            "INSERT INTO residents (municipality_code, ticket_number, birth_date,
                 family_name_kana, given_name_kana, sex, phone, email, memo, name_key,
                 phone_digits, verified)
             VALUES (?, ?, ?, ?, ?, ?, ?, NULL, '', ?, ?, 1)",
        )
        .bind(MUNICIPALITY)
        .bind(&r.ticket)
        .bind(r.birth_date.to_string())
        .bind(r.family)
        .bind(r.given)
        .bind(r.sex)
        .bind(phone.display())
        .bind(search_key(r.family).unwrap() + &search_key(r.given).unwrap())
        .bind(phone.digits())
        .execute(&mut *tx)
        .await
        .unwrap();
        let mut book = |slot: u32, dose: i64, status: &'static str| {
            bookings += 1;
            sqlx::query(
                "INSERT INTO bookings (id, municipality_code, ticket_number, slot_id, dose, status,
                     channel, server_holds_seat)
                 VALUES (?, ?, ?, ?, ?, ?, 'clinic', ?)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(MUNICIPALITY)
            .bind(r.ticket.clone())
            .bind(format!("slot-{slot}"))
            .bind(dose)
            .bind(status)
            .bind(status != "cancelled")
        };
        if i % 5 == 0 {
            continue;
        }
        if i % 7 == 0 {
            book(i % 30, 1, "cancelled")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let first = (i + 1) % 30;
        let status = if first < 20 { "vaccinated" } else { "reserved" };
        book(first, 1, status).execute(&mut *tx).await.unwrap();
        if i % 3 == 0 {
            book(first + 30, 2, "reserved")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();
    bookings
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ticket,
    Phone,
    KanaPrefix,
    FullName,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Ticket, Kind::Phone, Kind::KanaPrefix, Kind::FullName];

    fn label(self) -> &'static str {
        match self {
            Kind::Ticket => "ticket number",
            Kind::Phone => "phone",
            Kind::KanaPrefix => "kana family-name prefix",
            Kind::FullName => "kana family + given name",
        }
    }
}

/// A search as a receptionist types it, and what it must find.
#[derive(Debug, Clone)]
struct Search {
    kind: Kind,
    query: ResidentQuery,
    /// The resident it is about (a ticket or phone search finds exactly them).
    ticket: String,
    /// The kana key every row found starts with.
    key_prefix: String,
}

fn full_width_digits(s: &str) -> String {
    s.chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect()
}

fn searches(count: usize, seed: u64) -> Vec<Search> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|n| {
            let kind = Kind::ALL[n % Kind::ALL.len()];
            let r = Resident::nth(FIRST_TICKET, rng.gen_range(0..RESIDENTS));
            let variant = rng.gen_range(0..3);
            let mut query = ResidentQuery::default();
            let mut key_prefix = String::new();
            match kind {
                Kind::Ticket => {
                    query.ticket_number = match variant {
                        0 => full_width_digits(&r.ticket),
                        _ => r.ticket.clone(),
                    };
                }
                Kind::Phone => {
                    let d = &r.phone;
                    query.phone = match variant {
                        0 => format!("{}-{}-{}", &d[..3], &d[3..7], &d[7..]),
                        1 => full_width_digits(d),
                        _ => d.clone(),
                    };
                }
                Kind::KanaPrefix => {
                    let family = FAMILY_NAMES[rng.gen_range(0..FAMILY_NAMES.len())];
                    let chars: Vec<char> = family.chars().collect();
                    let prefix: String = chars[..chars.len().min(1 + variant)].iter().collect();
                    query.family_name_kana = match variant {
                        0 => hiragana(&prefix),
                        _ => half_width(&prefix),
                    };
                    key_prefix = prefix;
                }
                Kind::FullName => {
                    query.family_name_kana = half_width(r.family);
                    query.given_name_kana = match variant {
                        0 => hiragana(r.given),
                        _ => half_width(r.given),
                    };
                    key_prefix = format!("{}{}", r.family, r.given);
                }
            }
            Search {
                kind,
                query,
                ticket: r.ticket,
                key_prefix,
            }
        })
        .collect()
}

/// Fails the benchmark when a search finds the wrong residents.
fn check(search: &Search, found: &ResidentSearch) {
    match search.kind {
        Kind::Ticket | Kind::Phone => {
            assert_eq!(found.rows.len(), 1, "{search:?}");
            assert_eq!(found.rows[0].ticket_number, search.ticket, "{search:?}");
        }
        Kind::KanaPrefix | Kind::FullName => {
            for row in &found.rows {
                let key = format!(
                    "{}{}",
                    row.family_name_kana.as_deref().unwrap(),
                    row.given_name_kana.as_deref().unwrap()
                );
                assert!(key.starts_with(&search.key_prefix), "{search:?}: {key}");
            }
            match search.kind {
                Kind::KanaPrefix => assert!(found.more && found.rows.len() == 100, "{search:?}"),
                _ => assert!(
                    found
                        .rows
                        .iter()
                        .any(|row| row.ticket_number == search.ticket),
                    "{search:?}"
                ),
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(label: &str, mut latencies: Vec<Duration>) {
    latencies.sort();
    eprintln!(
        "  {label:<28} n={:<5} p50 {:>8.3?}  p95 {:>8.3?}  p99 {:>8.3?}  max {:>8.3?}",
        latencies.len(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        percentile(&latencies, 99.0),
        latencies.last().unwrap(),
    );
}

/// Times each of the searches on its own, after checking what it finds.
async fn latencies(clinic: &Clinic, searches: &[Search]) -> Vec<(Kind, Duration)> {
    let mut timed = Vec::with_capacity(searches.len());
    for search in searches {
        let start = Instant::now();
        let found = clinic.search_residents(search.query.clone()).await.unwrap();
        timed.push((search.kind, start.elapsed()));
        check(search, &found);
    }
    timed
}

fn resident_search(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let clinic: Arc<Clinic> = rt.block_on(async {
        // Never contacted: search reads the cache only.
        let clinic = open_clinic("http://127.0.0.1:9", dir.path()).await;
        let start = Instant::now();
        let bookings = fill(&clinic).await;
        eprintln!(
            "cache filled with {RESIDENTS} residents and {bookings} bookings in {:.1?}",
            start.elapsed()
        );
        clinic
    });

    let all = searches(SEARCHES, 42);
    let timed = rt.block_on(async {
        // A first pass warms SQLite's page cache and sqlx's statement cache, as a day's use would.
        latencies(&clinic, &all).await;
        latencies(&clinic, &all).await
    });
    eprintln!("{SEARCHES} single searches over {RESIDENTS} cached residents:");
    report("all", timed.iter().map(|t| t.1).collect());
    for kind in Kind::ALL {
        report(
            kind.label(),
            timed.iter().filter(|t| t.0 == kind).map(|t| t.1).collect(),
        );
    }

    let mut group = c.benchmark_group("resident_search 50k");
    for kind in Kind::ALL {
        let queries: Vec<ResidentQuery> = all
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.query.clone())
            .collect();
        group.bench_function(kind.label(), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for i in 0..iters as usize {
                        let query = queries[i % queries.len()].clone();
                        std::hint::black_box(clinic.search_residents(query).await.unwrap());
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, resident_search);
criterion_main!(benches);
