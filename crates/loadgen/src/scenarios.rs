//! The three loads. Each is bounded: by time for reads, by count for bookings.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use yoyaku_core::Code;

use rand::Rng;
use reqwest::{StatusCode, Url};
use serde_json::json;
use tokio::sync::Barrier;
use uuid::Uuid;
use yoyaku_core::resident_key::ResidentKey;

use crate::fixture::{Fixture, MUNICIPALITY};
use crate::report::Outcome;

/// The server as the scenarios call it. URLs are parsed once, not per request: the load
/// generator shares the machine's cores with the server it measures.
#[derive(Clone)]
pub struct Target {
    http: reqwest::Client,
    /// The server's URL without a trailing slash.
    base: String,
    bookings: Url,
}

/// How a booking attempt ended.
enum Booked {
    Committed,
    Full,
    Failed,
}

impl Target {
    /// A client of its own for `base`, keeping its connections alive between requests.
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            http,
            base: base.to_owned(),
            bookings: Url::parse(&format!("{base}/api/v1/bookings"))?,
        })
    }

    /// A web booking: no token, the resident's ticket and birth date are the credential.
    async fn book(&self, resident: &ResidentKey, slot_id: Uuid) -> Booked {
        let body = web_booking(resident, slot_id);
        let Ok(response) = self
            .http
            .post(self.bookings.clone())
            .json(&body)
            .send()
            .await
        else {
            return Booked::Failed;
        };
        match response.status() {
            s if s.is_success() => Booked::Committed,
            StatusCode::CONFLICT => {
                let problem: serde_json::Value = response.json().await.unwrap_or_default();
                if problem["code"] == Code::SlotFull.as_str() {
                    Booked::Full
                } else {
                    Booked::Failed
                }
            }
            _ => Booked::Failed,
        }
    }
}

/// The body of a web booking of a first dose: the resident's key is its credential.
pub fn web_booking(resident: &ResidentKey, slot_id: Uuid) -> serde_json::Value {
    json!({
        "booking_id": Uuid::new_v4(),
        "resident": {
            "municipality_code": resident.municipality_code,
            "ticket": resident.ticket_number,
            "birth_date": resident.birth_date,
        },
        "slot_id": slot_id,
        "dose": 1,
    })
}

fn record(outcome: &mut Outcome, started: Instant, booked: Booked) {
    let us = started.elapsed().as_micros().clamp(1, 60_000_000) as u64;
    outcome.latency_us.record(us).expect("within bounds");
    match booked {
        Booked::Committed => outcome.committed += 1,
        Booked::Full => outcome.refused += 1,
        Booked::Failed => outcome.failed += 1,
    }
}

/// The availability URL of each fixture date at the server `base`, as the web asks it.
pub fn availability_urls(base: &str, fixture: &Fixture) -> Result<Vec<Url>, url::ParseError> {
    fixture
        .read_dates
        .iter()
        .map(|date| {
            Url::parse(&format!(
                "{base}/api/v1/slots?municipality_code={MUNICIPALITY}&venue_id={}&vaccine={}&date={date}",
                fixture.venue_id, fixture.vaccine_code
            ))
        })
        .collect()
}

/// `clients` readers asking for a venue's availability on random fixture dates for `duration`.
pub async fn reads(
    target: &Target,
    fixture: &Fixture,
    clients: usize,
    duration: Duration,
) -> Outcome {
    let urls =
        availability_urls(&target.base, fixture).expect("the server's URL was parsed before");
    reads_of(target, urls, clients, duration).await
}

/// `clients` readers getting random ones of `urls` for `duration`.
pub async fn reads_of(
    target: &Target,
    urls: Vec<Url>,
    clients: usize,
    duration: Duration,
) -> Outcome {
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let urls = Arc::new(urls);
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let target = target.clone();
            let urls = urls.clone();
            tokio::spawn(async move {
                let mut outcome = Outcome::new("availability reads");
                while Instant::now() < deadline {
                    let url = &urls[rand::thread_rng().gen_range(0..urls.len())];
                    let t = Instant::now();
                    let ok = match target.http.get(url.clone()).send().await {
                        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                        _ => false,
                    };
                    record(
                        &mut outcome,
                        t,
                        if ok {
                            Booked::Committed
                        } else {
                            Booked::Failed
                        },
                    );
                }
                outcome
            })
        })
        .collect();
    let mut total = Outcome::new("availability reads");
    for task in tasks {
        total.merge(&task.await.expect("reader task"));
    }
    total.elapsed = started.elapsed();
    total
}

/// `clients` web clients released at once onto the one raced slot.
pub async fn race(target: &Target, fixture: &Fixture, clients: usize) -> Outcome {
    let gate = Arc::new(Barrier::new(clients + 1));
    let tasks: Vec<_> = fixture.residents[..clients]
        .iter()
        .cloned()
        .map(|resident| {
            let target = target.clone();
            let gate = gate.clone();
            let slot = fixture.race_slot_id;
            tokio::spawn(async move {
                let mut outcome = Outcome::new("racing bookings");
                gate.wait().await;
                let t = Instant::now();
                let booked = target.book(&resident, slot).await;
                record(&mut outcome, t, booked);
                outcome
            })
        })
        .collect();
    gate.wait().await;
    let started = Instant::now();
    let mut total = Outcome::new("racing bookings");
    for task in tasks {
        total.merge(&task.await.expect("racer task"));
    }
    total.elapsed = started.elapsed();
    total
}

/// `count` bookings of distinct residents into slots with room, from `clients` clients.
pub async fn uncontended(
    target: &Target,
    fixture: &Fixture,
    count: usize,
    clients: usize,
) -> Outcome {
    let residents: Arc<Vec<ResidentKey>> =
        Arc::new(fixture.residents[fixture.residents.len() - count..].to_vec());
    let slots = Arc::new(fixture.open_slot_ids.clone());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (target, residents, slots, next) = (
                target.clone(),
                residents.clone(),
                slots.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut outcome = Outcome::new("uncontended bookings");
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(resident) = residents.get(i) else {
                        break;
                    };
                    let t = Instant::now();
                    let booked = target.book(resident, slots[i % slots.len()]).await;
                    record(&mut outcome, t, booked);
                }
                outcome
            })
        })
        .collect();
    let mut total = Outcome::new("uncontended bookings");
    for task in tasks {
        total.merge(&task.await.expect("booker task"));
    }
    total.elapsed = started.elapsed();
    total
}
