//! The network comes back after a busy spell offline: 1,000 intents queued through the use cases
//! (500 住民情報登録, each followed by a 接種予約 of that resident in one of the clinic's private
//! slots, which depends on it) and pushed. Measured: from the server being reachable again to
//! `sync_now` leaving nothing pending (push in batches, then the pull of what they changed, then
//! seat leases). Target: 2 s.
//!
//! Every iteration checks that all 1,000 intents were applied and that the city has the 500
//! residents and their bookings.
//!
//! `cargo bench -p yoyaku-clinic --bench offline_push`

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Days;
use criterion::{Criterion, SamplingMode, criterion_group};
use support::{
    City, Figure, MUNICIPALITY, Resident, add_valid_tickets, form, open_clinic, quick, record,
    runtime, start_city, venue_id,
};
use uuid::Uuid;
use yoyaku_clinic::{BookRequest, Certainty, Clinic, RegistrationForm, Uncertainty};
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident::{ResidentForm, Sex};
use yoyaku_core::resident_key::ResidentKeyInput;
use yoyaku_core::time::tokyo_today;

/// Residents registered offline per iteration; each is booked too, so twice as many intents.
const RESIDENTS: u32 = 500;
/// Iterations the registry has tickets for (criterion runs 1 to warm up and 10 samples).
const MAX_ITERATIONS: u32 = 40;
const FIRST_TICKET: u64 = 7_000_000_000;

fn registration(r: &Resident) -> RegistrationForm {
    RegistrationForm {
        key: ResidentKeyInput {
            municipality_code: Some(MUNICIPALITY.into()),
            ticket: r.ticket.clone(),
            birth_date: r.birth_date.to_string(),
        },
        details: ResidentForm {
            family_name_kana: r.family.into(),
            given_name_kana: r.given.into(),
            sex: Some(match r.sex {
                "male" => Sex::Male,
                "female" => Sex::Female,
                _ => Sex::Unset,
            }),
            phone: r.phone.clone(),
            email: String::new(),
            memo: String::new(),
        },
        outside: None,
    }
}

/// One spell offline: registers and books `RESIDENTS` residents of batch `batch`, with the city
/// stopped, then restarts it and syncs until nothing is pending. Returns the sync's time.
async fn spell_offline(
    city: &mut City,
    clinic: &Arc<Clinic>,
    slots: &[Uuid],
    batch: u32,
) -> Duration {
    assert!(batch < MAX_ITERATIONS, "the registry has no more tickets");
    let residents: Vec<Resident> = (0..RESIDENTS)
        .map(|i| Resident::nth(FIRST_TICKET, batch * RESIDENTS + i))
        .collect();
    let applied_before = applied(clinic).await;

    city.stop().await;
    let offline = Instant::now();
    for (i, resident) in residents.iter().enumerate() {
        let registered = clinic
            .register_resident(registration(resident))
            .await
            .expect("register offline");
        let booked = clinic
            .book(BookRequest {
                resident: registered.key,
                slot_id: slots[i % slots.len()],
                dose: DoseNumber::FIRST,
            })
            .await
            .expect("book offline");
        // Certain of its seat; 仮予約 until the city accepts the registration typed in offline.
        assert_eq!(
            booked.certainty,
            Certainty::Tentative {
                reason: Uncertainty::ResidentNotAccepted
            }
        );
    }
    let queued = offline.elapsed();
    assert_eq!(clinic.status().pending, u64::from(RESIDENTS) * 2);
    city.restart().await;

    let start = Instant::now();
    let mut rounds = 0;
    let mut pending = clinic.status().pending;
    loop {
        let status = clinic.sync_now().await;
        rounds += 1;
        if status.pending == 0 {
            break;
        }
        assert!(
            status.pending < pending,
            "sync makes no progress: {} intents still pending after round {rounds}: {:?}",
            status.pending,
            status.last_error
        );
        pending = status.pending;
    }
    let synced = start.elapsed();

    let status = clinic.status();
    assert_eq!(status.last_error, None);
    assert_eq!(status.problems, 0, "nothing refused");
    assert_eq!(
        applied(clinic).await - applied_before,
        i64::from(RESIDENTS) * 2
    );
    let tickets: Vec<&str> = residents.iter().map(|r| r.ticket.as_str()).collect();
    let (registered, booked): (i64, i64) = sqlx::query_as(
        "select (select count(*) from residents
                 where municipality_code = $1 and ticket_number = any($2)),
                (select count(*) from bookings
                 where municipality_code = $1 and ticket_number = any($2)
                   and dose = 1 and status = 'reserved' and channel = 'clinic')",
    )
    .bind(MUNICIPALITY)
    .bind(&tickets)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!(
        (registered, booked),
        (i64::from(RESIDENTS), i64::from(RESIDENTS))
    );
    eprintln!(
        "batch {batch}: {} intents queued offline in {queued:.2?}, synced in {synced:.2?} \
         ({rounds} round(s))",
        RESIDENTS * 2
    );
    synced
}

async fn applied(clinic: &Clinic) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'applied'")
        .fetch_one(clinic.store().pool())
        .await
        .unwrap()
}

/// The city with room for every iteration's bookings, and clinic-a logged in on a new cache.
fn setup(rt: &tokio::runtime::Runtime, dir: &std::path::Path) -> (City, Arc<Clinic>, Vec<Uuid>) {
    rt.block_on(async {
        let city = start_city().await;
        let all = Resident::series(FIRST_TICKET, RESIDENTS * MAX_ITERATIONS);
        add_valid_tickets(&city, &all).await;
        // Room in clinic-a's private slots for every iteration's bookings.
        sqlx::query(
            "update slots set capacity = capacity + 1000
             where municipality_code = $1 and venue_id = $2 and visibility = 'private'",
        )
        .bind(MUNICIPALITY)
        .bind(venue_id(&city).await)
        .execute(&city.pool)
        .await
        .unwrap();
        let clinic = open_clinic(&city.url(), dir).await;
        clinic.login(form(&city.demo.clinic_a)).await.unwrap();
        // Private slots from tomorrow on: none starts while the benchmark runs.
        let slots: Vec<Uuid> = clinic
            .slot_list(tokyo_today() + Days::new(1))
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.visibility == "private" && s.remaining > 0)
            .map(|s| s.slot_id.parse().unwrap())
            .collect();
        assert!(slots.len() >= 50, "the demo has private slots ahead");
        (city, clinic, slots)
    })
}

fn offline_push(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let (mut city, clinic, slots) = setup(&rt, dir.path());

    let mut group = c.benchmark_group("offline_push");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    let mut batch = 0;
    group.bench_function("sync 1000 offline intents", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut measured = Duration::ZERO;
                for _ in 0..iters {
                    measured += spell_offline(&mut city, &clinic, &slots, batch).await;
                    batch += 1;
                }
                measured
            })
        })
    });
    group.finish();
    rt.block_on(city.stop());
}

/// Two spells offline, the mean of their syncs reported.
fn quick_run() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let (mut city, clinic, slots) = setup(&rt, dir.path());
    let runs = 2;
    let total: Duration = rt.block_on(async {
        let mut total = Duration::ZERO;
        for batch in 0..runs {
            total += spell_offline(&mut city, &clinic, &slots, batch).await;
        }
        city.stop().await;
        total
    });
    record(Figure {
        bench: "clinic offline_push",
        measure: "1,000 offline intents synced (mean of 2)",
        figure: format!("{:.2?}", total / runs),
        target: "≤ 2 s",
    });
}

criterion_group!(benches, offline_push);

fn main() {
    if quick() {
        quick_run();
    } else {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
}
