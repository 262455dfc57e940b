//! A clinic's first sync: the city server with the demo data and 10,000 bookings at clinic-a's
//! venue (101), and a clinic engine on an empty cache logging in. Login runs a sync round: the
//! snapshot is pulled and written into the cache, then public seats are leased. Target: all
//! 10,000 bookings cached within 1 s.
//!
//! `login_and_first_sync` is that whole path; `snapshot_fetch` is the server's and the network's
//! share of it (the snapshot requested and decoded, nothing written), so the difference is the
//! cache's writing plus the login itself and the leases.
//!
//! `cargo bench -p yoyaku-clinic --bench initial_sync`

mod support;

use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group};
use support::{
    City, Figure, MUNICIPALITY, Resident, add_valid_tickets, form, open_clinic, quick, record,
    runtime, start_city, venue_id,
};
use uuid::Uuid;
use yoyaku_clinic::city_client::CityClient;
use yoyaku_core::sync::Snapshot;

const BOOKINGS: u32 = 10_000;
/// Ticket numbers of the fixture's residents start here, clear of the demo registry's.
const FIRST_TICKET: u64 = 8_000_000_000;
/// Seats left free in every slot beyond the fixture's bookings, so each new clinic's first round
/// can lease as many public seats as the first one did (2 a slot), however many rounds run.
const SPARE_SEATS: i32 = 200;

/// 10,000 residents, each with a first-dose booking at venue 101 spread over its slots (one in
/// twenty cancelled, one in ten checked in; half booked on the web, half at the clinic), slot
/// capacities raised to fit, and every slot's `booked` the count of its active bookings.
async fn seed_bookings(city: &City) {
    let venue = venue_id(city).await;
    let clinic: Uuid = sqlx::query_scalar(
        "select id from accounts where municipality_code = $1 and account_id = $2",
    )
    .bind(MUNICIPALITY)
    .bind(city.demo.clinic_a.account_id)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    let slots: Vec<Uuid> = sqlx::query_scalar(
        "select id from slots where municipality_code = $1 and venue_id = $2
         order by starts_at, visibility",
    )
    .bind(MUNICIPALITY)
    .bind(venue)
    .fetch_all(&city.pool)
    .await
    .unwrap();
    assert!(!slots.is_empty(), "the demo has slots at venue 101");
    let per_slot = (BOOKINGS as usize).div_ceil(slots.len()) as i32;

    let residents = Resident::series(FIRST_TICKET, BOOKINGS);
    add_valid_tickets(city, &residents).await;
    let mut tx = city.pool.begin().await.unwrap();
    sqlx::query(
        "update slots set capacity = capacity + $3 where municipality_code = $1 and venue_id = $2",
    )
    .bind(MUNICIPALITY)
    .bind(venue)
    .bind(per_slot + SPARE_SEATS)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "insert into residents (municipality_code, home_code, ticket_number, birth_date,
             family_name_kana, given_name_kana, sex, phone)
         select $1, $1, r.* from unnest($2::text[], $3::date[], $4::text[], $5::text[], $6::text[],
                                    $7::text[]) as r",
    )
    .bind(MUNICIPALITY)
    .bind(
        residents
            .iter()
            .map(|r| r.ticket.clone())
            .collect::<Vec<_>>(),
    )
    .bind(residents.iter().map(|r| r.birth_date).collect::<Vec<_>>())
    .bind(residents.iter().map(|r| r.family).collect::<Vec<_>>())
    .bind(residents.iter().map(|r| r.given).collect::<Vec<_>>())
    .bind(residents.iter().map(|r| r.sex).collect::<Vec<_>>())
    .bind(
        residents
            .iter()
            .map(|r| r.phone.clone())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    let n = residents.len();
    let status = |i: usize| match i % 20 {
        0 => "cancelled",
        1 | 2 => "checked_in",
        _ => "reserved",
    };
    sqlx::query(
        "insert into bookings (municipality_code, home_code, id, ticket_number, slot_id, dose,
             status, channel, booked_by)
         select $1, $1, gen_random_uuid(), b.ticket, b.slot, 1, b.status, b.channel,
                case b.channel when 'web' then null else $6::uuid end
         from unnest($2::text[], $3::uuid[], $4::text[], $5::text[])
              as b (ticket, slot, status, channel)",
    )
    .bind(MUNICIPALITY)
    .bind(
        residents
            .iter()
            .map(|r| r.ticket.clone())
            .collect::<Vec<_>>(),
    )
    .bind((0..n).map(|i| slots[i % slots.len()]).collect::<Vec<_>>())
    .bind((0..n).map(status).collect::<Vec<_>>())
    .bind(
        (0..n)
            .map(|i| if i % 2 == 0 { "web" } else { "clinic" })
            .collect::<Vec<_>>(),
    )
    .bind(clinic)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "update slots s set booked = (
             select count(*) from bookings b
             where b.municipality_code = s.municipality_code and b.slot_id = s.id
               and b.status in ('reserved', 'checked_in', 'vaccinated'))
         where s.municipality_code = $1 and s.venue_id = $2",
    )
    .bind(MUNICIPALITY)
    .bind(venue)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let overbooked: i64 = sqlx::query_scalar(
        "select count(*) from slots where municipality_code = $1 and booked > capacity",
    )
    .bind(MUNICIPALITY)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!(overbooked, 0);
}

async fn count(clinic: &yoyaku_clinic::Clinic, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(clinic.store().pool())
        .await
        .unwrap()
}

/// Logs clinic-a in on an empty cache and checks the first sync brought every booking; returns
/// the login's time.
async fn first_sync(city: &City) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city.url(), dir.path()).await;
    assert_eq!(count(&clinic, "bookings").await, 0);
    let start = Instant::now();
    let session = clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    let measured = start.elapsed();
    assert!(session.online);
    let status = clinic.status();
    assert_eq!(status.last_error, None, "the first sync round completed");
    assert_eq!(count(&clinic, "bookings").await, i64::from(BOOKINGS));
    assert_eq!(count(&clinic, "residents").await, i64::from(BOOKINGS));
    clinic.store().close().await;
    measured
}

async fn token(city: &City) -> String {
    let client = CityClient::new(&city.url()).unwrap();
    client
        .login(&city.demo.clinic_a.login_request())
        .await
        .unwrap()
        .token
}

/// The snapshot requested and decoded, nothing written.
async fn snapshot_fetch(city: &City, token: &str) -> Duration {
    let start = Instant::now();
    let body = reqwest::Client::new()
        .get(format!("{}/api/v1/sync/snapshot", city.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let snapshot: Snapshot = serde_json::from_slice(&body).unwrap();
    let measured = start.elapsed();
    assert_eq!(snapshot.bookings.len(), BOOKINGS as usize);
    measured
}

async fn seeded_city() -> City {
    let city = start_city().await;
    seed_bookings(&city).await;
    city
}

fn initial_sync(c: &mut Criterion) {
    let rt = runtime();
    let mut city = rt.block_on(seeded_city());

    let mut group = c.benchmark_group("initial_sync");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));

    group.bench_function("login_and_first_sync 10k bookings", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut measured = Duration::ZERO;
                for _ in 0..iters {
                    measured += first_sync(&city).await;
                }
                measured
            })
        })
    });

    // The same snapshot, requested and decoded only: what the server and the network take.
    let token = rt.block_on(token(&city));
    group.bench_function("snapshot_fetch 10k bookings", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut measured = Duration::ZERO;
                for _ in 0..iters {
                    measured += snapshot_fetch(&city, &token).await;
                }
                measured
            })
        })
    });
    group.finish();
    rt.block_on(city.stop());
}

/// Three first syncs and three snapshot fetches, their means reported.
fn quick_run() {
    let rt = runtime();
    let runs = 3;
    let (sync, fetch) = rt.block_on(async {
        let mut city = seeded_city().await;
        let token = token(&city).await;
        let (mut sync, mut fetch) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..runs {
            sync += first_sync(&city).await;
            fetch += snapshot_fetch(&city, &token).await;
        }
        city.stop().await;
        (sync / runs, fetch / runs)
    });
    record(Figure {
        bench: "clinic initial_sync",
        measure: "login and first sync of 10,000 bookings (mean of 3)",
        figure: format!("{sync:.2?}"),
        target: "≤ 1 s",
    });
    record(Figure {
        bench: "clinic initial_sync",
        measure: "of which the snapshot's fetch (mean of 3)",
        figure: format!("{fetch:.2?}"),
        target: "",
    });
}

criterion_group!(benches, initial_sync);

fn main() {
    if quick() {
        quick_run();
    } else {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
}
