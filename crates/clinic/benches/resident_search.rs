//! 住民検索 over a cache of 50,000 residents, most with bookings (so the list's 1回目接種 and
//! 2回目接種 columns have work): by 接種券番号, by 電話番号, by the start of the family name in kana
//! (half-width or hiragana, as typed; hundreds match, the page stops at 100), and by family and
//! given name. Target: p95 ≤ 10 ms for a single search, ≤ 2 ms by the start of a family name.
//!
//! Criterion reports each kind's mean; before that, 1,000 varied searches are timed one by one and
//! their p50/p95/p99 printed, overall and per kind — the figure the target is about.
//!
//! `cargo bench -p yoyaku-clinic --bench resident_search`

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::cache::{FIRST_TICKET, RESIDENTS, filled_clinic};
use support::{
    FAMILY_NAMES, Figure, Resident, half_width, hiragana, percentile, quick, record, runtime,
};
use yoyaku_clinic::{Clinic, ResidentQuery, ResidentSearch};

const SEARCHES: usize = 1_000;

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
                Kind::KanaPrefix => {
                    assert!(found.total > 20 && found.rows.len() == 20, "{search:?}")
                }
                // The resident is on the first page, or the page is full of namesakes before.
                _ => assert!(
                    found
                        .rows
                        .iter()
                        .any(|row| row.ticket_number == search.ticket)
                        || (found.rows.len() == 20 && found.total > 20),
                    "{search:?}"
                ),
            }
        }
    }
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
    record(Figure {
        bench: "clinic resident_search",
        measure: &format!("住民検索 over {RESIDENTS} residents, {label}, p95"),
        figure: format!("{:.2?}", percentile(&latencies, 95.0)),
        target: match label {
            "kana family-name prefix" => "≤ 2 ms",
            _ => "≤ 10 ms",
        },
    });
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

/// The cache, and the single searches timed one by one and reported.
fn timed_searches(
    rt: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    count: usize,
) -> (Arc<Clinic>, Vec<Search>) {
    let clinic: Arc<Clinic> = rt.block_on(async {
        let start = Instant::now();
        let (clinic, bookings) = filled_clinic(dir).await;
        eprintln!(
            "cache filled with {RESIDENTS} residents and {bookings} bookings in {:.1?}",
            start.elapsed()
        );
        clinic
    });
    let all = searches(count, 42);
    let timed = rt.block_on(async {
        // A first pass warms SQLite's page cache and sqlx's statement cache, as a day's use would.
        latencies(&clinic, &all).await;
        latencies(&clinic, &all).await
    });
    eprintln!("{count} single searches over {RESIDENTS} cached residents:");
    report("all", timed.iter().map(|t| t.1).collect());
    for kind in Kind::ALL {
        report(
            kind.label(),
            timed.iter().filter(|t| t.0 == kind).map(|t| t.1).collect(),
        );
    }
    (clinic, all)
}

fn resident_search(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let (clinic, all) = timed_searches(&rt, dir.path(), SEARCHES);

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

fn main() {
    if quick() {
        let dir = tempfile::tempdir().unwrap();
        timed_searches(&runtime(), dir.path(), SEARCHES);
    } else {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
}
