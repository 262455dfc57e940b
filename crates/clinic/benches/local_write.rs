//! A receptionist's write with the network down, on a busy clinic's cache (50,000 residents, their
//! bookings, 12 weeks of public and private half-hour slots): 接種予約 of a first dose, which
//! checks the dose rules, writes the booking and its outbox intent in one transaction and answers
//! with the dose-2 proposal. Each is timed on its own, back to back and then 100 ms apart;
//! p50/p95/p99 are reported. Target: p95 ≤ 1 ms.
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
use yoyaku_core::sync::ResidentKey;

fn key(i: u32) -> ResidentKey {
    let r = unbooked(i);
    serde_json::from_value(serde_json::json!({
        "municipality_code": MUNICIPALITY, "ticket_number": r.ticket,
        "birth_date": r.birth_date.to_string()
    }))
    .unwrap()
}

/// Books `count` residents from the `first`th unbooked one, each into a private slot of the coming
/// days (certain offline), with `pause` between bookings; returns each booking's time, sorted.
async fn book(clinic: &Clinic, first: u32, count: u32, pause: Duration) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(count as usize);
    for i in first..first + count {
        let request = BookRequest {
            resident: key(i),
            slot_id: slot_id(TODAY + 1 + u64::from(i % 20), i % 16, false),
            dose: DoseNumber::FIRST,
        };
        let start = Instant::now();
        let booked = clinic.book(request).await.expect("book offline");
        latencies.push(start.elapsed());
        assert_eq!(booked.certainty, Certainty::PrivateSlot);
        assert!(booked.second_dose.is_some());
        tokio::time::sleep(pause).await;
    }
    latencies.sort();
    latencies
}

fn report(how: &str, sorted: &[Duration]) {
    for p in [50.0, 95.0, 99.0] {
        record(Figure {
            bench: "clinic local_write",
            measure: &format!("one offline booking with its outbox row, {how}, p{p}"),
            figure: format!("{:.2?}", percentile(sorted, p)),
            target: if p == 95.0 { "≤ 1 ms" } else { "" },
        });
    }
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
