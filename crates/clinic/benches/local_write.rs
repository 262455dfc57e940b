//! A receptionist's write with the network down, on a busy clinic's cache (50,000 residents, their
//! bookings, 12 weeks of public and private half-hour slots): 接種予約 of a first dose, which
//! checks the dose rules and writes the booking and its outbox intent in one transaction; then the
//! dose-2 proposal the window reads next (続けて2回目), timed apart. Each is timed on its own, back
//! to back and then 100 ms apart; p50/p95/p99 are reported. Target: the booking p95 ≤ 1 ms.
//!
//! No city server and no PostgreSQL run: a clinic's desktop has neither, and their background
//! work would be measured too.
//!
//! `cargo bench -p yoyaku-clinic --bench local_write`

mod support;

use std::time::{Duration, Instant};

use support::cache::{TODAY, filled_clinic, slot_id, unbooked};
use support::{Figure, MUNICIPALITY, percentile, quick, record, runtime};
use yoyaku_clinic::{BookRequest, Certainty, Clinic};
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident_key::ResidentKey;

fn key(i: u32) -> ResidentKey {
    let r = unbooked(i);
    serde_json::from_value(serde_json::json!({
        "municipality_code": MUNICIPALITY, "ticket_number": r.ticket,
        "birth_date": r.birth_date.to_string()
    }))
    .unwrap()
}

/// What one run of bookings took: each booking's write, and each dose-2 proposal read after it.
struct Latencies {
    writes: Vec<Duration>,
    proposals: Vec<Duration>,
}

/// Books `count` residents from the `first`th unbooked one, each into a private slot of the coming
/// days (certain offline) and reads its dose-2 proposal, with `pause` between bookings; returns the
/// times, each list sorted.
async fn book(clinic: &Clinic, first: u32, count: u32, pause: Duration) -> Latencies {
    let mut writes = Vec::with_capacity(count as usize);
    let mut proposals = Vec::with_capacity(count as usize);
    for i in first..first + count {
        let request = BookRequest {
            resident: key(i),
            slot_id: slot_id(TODAY + 1 + u64::from(i % 20), i % 16, false),
            dose: DoseNumber::FIRST,
        };
        let start = Instant::now();
        let booked = clinic.book(request).await.expect("book offline");
        writes.push(start.elapsed());
        assert_eq!(booked.certainty, Certainty::PrivateSlot);
        let start = Instant::now();
        let plan = clinic
            .second_dose_plan(booked.booking.booking_id.parse().unwrap())
            .await
            .expect("read the dose-2 proposal");
        proposals.push(start.elapsed());
        assert!(plan.is_some(), "a first dose has a dose-2 proposal");
        tokio::time::sleep(pause).await;
    }
    writes.sort();
    proposals.sort();
    Latencies { writes, proposals }
}

fn report(how: &str, run: &Latencies) {
    for p in [50.0, 95.0, 99.0] {
        record(Figure {
            bench: "clinic local_write",
            measure: &format!("one offline booking with its outbox row, {how}, p{p}"),
            figure: format!("{:.2?}", percentile(&run.writes, p)),
            target: if p == 95.0 { "≤ 1 ms" } else { "" },
        });
    }
    record(Figure {
        bench: "clinic local_write",
        measure: &format!("its dose-2 proposal, read after it, {how}, p95"),
        figure: format!("{:.2?}", percentile(&run.proposals, 95.0)),
        target: "",
    });
}

fn main() {
    let (back_to_back, spaced) = if quick() { (300, 50) } else { (2_000, 300) };
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let (busy, calm) = rt.block_on(async {
        let (clinic, cached) = filled_clinic(dir.path()).await;
        eprintln!("cache filled: {cached} bookings");
        let busy = book(&clinic, 0, back_to_back, Duration::ZERO).await;
        // A receptionist books one caller at a time: between two bookings the app is idle, and
        // the first statements of the next wait for threads to wake.
        let calm = book(&clinic, back_to_back, spaced, Duration::from_millis(100)).await;
        assert_eq!(clinic.status().pending, u64::from(back_to_back + spaced));
        (busy, calm)
    });
    report("back to back", &busy);
    report("100 ms apart", &calm);
}
