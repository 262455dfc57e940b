//! Opening day: virtual residents arrive faster than the city books, each going from the page
//! (its HTML and hashed assets, as a browser's first visit loads them; availability) through the
//! waiting room to a booking, while a crowd keeps refreshing the availability of the same days.
//! Against a server run with `--waiting-room-per-second` and `--web-dir`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hdrhistogram::Histogram;
use rand::Rng;
use reqwest::{Response, StatusCode, Url};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use yoyaku_core::resident_key::ResidentKey;

use crate::fixture::{Fixture, MUNICIPALITY};
use crate::scenarios;

/// What the opening day measured.
pub struct OpeningDay {
    pub residents: usize,
    /// Every request answered, by anyone (readers, residents, the room).
    pub requests: u64,
    pub server_errors: u64,
    /// Requests that got no answer at all, or an answer no resident should get.
    pub failed: u64,
    pub booked: u64,
    pub elapsed: Duration,
    /// From sending an admitted resident's booking to its answer.
    pub booking_latency_us: Histogram<u64>,
    /// The longest wait the room gave, from taking a place to being let in.
    pub longest_wait: Duration,
    /// The farthest a resident's place strays from their arrival rank.
    pub max_displacement: usize,
    /// Arrivals that got a later place than the one who arrived just after them.
    pub inversions: usize,
}

impl OpeningDay {
    pub fn requests_per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    pub fn booking_ms(&self, quantile: f64) -> f64 {
        self.booking_latency_us.value_at_quantile(quantile) as f64 / 1000.0
    }
}

/// The counters every task shares.
#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    server_errors: AtomicU64,
    failed: AtomicU64,
}

impl Tally {
    /// Counts an answer (or its absence); the response when there is one.
    fn count(&self, sent: reqwest::Result<Response>) -> Option<Response> {
        match sent {
            Ok(response) => {
                self.requests.fetch_add(1, Ordering::Relaxed);
                if response.status().is_server_error() {
                    self.server_errors.fetch_add(1, Ordering::Relaxed);
                }
                Some(response)
            }
            Err(_) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    fn fail(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Deserialize)]
struct Place {
    token: String,
    position: i64,
    admit_at: DateTime<Utc>,
    admitted: bool,
}

/// What one resident's morning came to.
struct Morning {
    /// When they asked for a place.
    arrival: Instant,
    position: Option<i64>,
    waited: Duration,
    booking_us: Option<u64>,
}

struct Room {
    http: reqwest::Client,
    base: String,
    availability: Vec<Url>,
    /// The residents' page's hashed assets (scripts, styles), as its HTML names them.
    assets: Vec<String>,
    tally: Tally,
}

/// The `/assets/…` paths an HTML page loads: the hashed files a browser keeps for ever.
fn asset_paths(html: &str) -> Vec<String> {
    let mut paths: Vec<String> = html
        .split('"')
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// The residents' page's assets, read once from `base`; an error when the server serves no page.
async fn page_assets(http: &reqwest::Client, base: &str) -> anyhow::Result<Vec<String>> {
    let response = http.get(format!("{base}/")).send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "the opening day's server answered {} for the residents' page: start it with --web-dir web/dist",
        response.status()
    );
    let assets = asset_paths(&response.text().await?);
    anyhow::ensure!(
        !assets.is_empty(),
        "the residents' page names no /assets/ file"
    );
    Ok(assets)
}

impl Room {
    /// The page as a first visit loads it: the HTML, then every asset it names. A failed asset is
    /// a failure: the page would not work.
    async fn first_visit(&self) -> Option<String> {
        let response = self
            .tally
            .count(self.http.get(format!("{}/", self.base)).send().await)?;
        let modified = response
            .headers()
            .get(reqwest::header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if !response.status().is_success() || response.bytes().await.is_err() {
            self.tally.fail();
        }
        for asset in &self.assets {
            let sent = self.http.get(format!("{}{asset}", self.base)).send().await;
            if let Some(response) = self.tally.count(sent)
                && (!response.status().is_success() || response.bytes().await.is_err())
            {
                self.tally.fail();
            }
        }
        modified
    }

    /// The page again after the wait: its HTML revalidated (no-cache), its assets from the cache.
    async fn revisit(&self, modified: Option<&str>) {
        let mut request = self.http.get(format!("{}/", self.base));
        if let Some(modified) = modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
        }
        if let Some(response) = self.tally.count(request.send().await)
            && !(response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED)
        {
            self.tally.fail();
        }
    }

    fn any_day(&self) -> Url {
        let n = rand::thread_rng().gen_range(0..self.availability.len());
        self.availability[n].clone()
    }

    async fn read(&self) {
        if let Some(response) = self.tally.count(self.http.get(self.any_day()).send().await)
            && (!response.status().is_success() || response.bytes().await.is_err())
        {
            self.tally.fail();
        }
    }

    async fn place(&self, request: reqwest::RequestBuilder) -> Option<Place> {
        let response = self.tally.count(request.send().await)?;
        if !response.status().is_success() {
            self.tally.fail();
            return None;
        }
        response.json().await.ok()
    }

    /// One resident: the page, a place in line, the wait, the page again, the booking.
    async fn morning(&self, resident: ResidentKey, slot: Uuid) -> Morning {
        let modified = self.first_visit().await;
        self.read().await;
        let mut morning = Morning {
            arrival: Instant::now(),
            position: None,
            waited: Duration::ZERO,
            booking_us: None,
        };
        let enter = self
            .http
            .post(format!("{}/api/v1/waiting-room", self.base))
            .json(&json!({ "municipality_code": MUNICIPALITY }));
        let Some(mut place) = self.place(enter).await else {
            return morning;
        };
        let queued = Instant::now();
        morning.position = Some(place.position);
        // The page sleeps until the time its place gives, then asks once more.
        while !place.admitted {
            let wait = (place.admit_at - Utc::now()).to_std().unwrap_or_default();
            tokio::time::sleep(wait.min(Duration::from_secs(5))).await;
            let again = self
                .http
                .get(format!("{}/api/v1/waiting-room/{}", self.base, place.token));
            match self.place(again).await {
                Some(fresh) => place = fresh,
                None => return morning,
            }
        }
        morning.waited = queued.elapsed();
        self.revisit(modified.as_deref()).await;
        self.read().await;
        let body = scenarios::web_booking(&resident, slot);
        let sent = Instant::now();
        let booking = self
            .http
            .post(format!("{}/api/v1/bookings", self.base))
            .header("X-Yoyaku-Waiting-Room", &place.token)
            .json(&body)
            .send()
            .await;
        let Some(response) = self.tally.count(booking) else {
            return morning;
        };
        if response.status() == StatusCode::CREATED {
            morning.booking_us = Some(sent.elapsed().as_micros().clamp(1, 60_000_000) as u64);
        } else {
            self.tally.fail();
        }
        morning
    }
}

/// `residents` arriving `per_second` a second onto the room at `base`, with `readers` refreshing
/// the availability meanwhile.
pub async fn run(
    base: &str,
    fixture: &Fixture,
    residents: &[ResidentKey],
    per_second: u32,
    readers: usize,
) -> anyhow::Result<OpeningDay> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(60))
        .build()?;
    let availability = scenarios::availability_urls(base, fixture)?;
    let assets = page_assets(&http, base).await?;
    let room = Arc::new(Room {
        http,
        base: base.to_owned(),
        availability,
        assets,
        tally: Tally::default(),
    });
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let crowd: Vec<_> = (0..readers)
        .map(|_| {
            let (room, done) = (room.clone(), done.clone());
            tokio::spawn(async move {
                while !done.load(Ordering::Relaxed) {
                    room.read().await;
                }
            })
        })
        .collect();
    let between = Duration::from_secs(1) / per_second.max(1);
    let mornings: Vec<_> = residents
        .iter()
        .enumerate()
        .map(|(arrival, resident)| {
            let room = room.clone();
            let resident = resident.clone();
            let slot = fixture.open_slot_ids[arrival % fixture.open_slot_ids.len()];
            let arrive_at = started + between * u32::try_from(arrival).unwrap_or(u32::MAX);
            tokio::spawn(async move {
                tokio::time::sleep_until(arrive_at.into()).await;
                room.morning(resident, slot).await
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(mornings.len());
    for morning in mornings {
        outcomes.push(morning.await?);
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    for reader in crowd {
        reader.await?;
    }

    let mut booking_latency_us = Histogram::new_with_bounds(1, 60_000_000, 3)?;
    for us in outcomes.iter().filter_map(|m| m.booking_us) {
        booking_latency_us.record(us)?;
    }
    let (max_displacement, inversions) = strays(&outcomes);
    Ok(OpeningDay {
        residents: residents.len(),
        requests: room.tally.requests.load(Ordering::Relaxed),
        server_errors: room.tally.server_errors.load(Ordering::Relaxed),
        failed: room.tally.failed.load(Ordering::Relaxed),
        booked: outcomes.iter().filter(|m| m.booking_us.is_some()).count() as u64,
        elapsed,
        booking_latency_us,
        longest_wait: outcomes.iter().map(|m| m.waited).max().unwrap_or_default(),
        max_displacement,
        inversions,
    })
}

/// How far the places stray from the order in which the residents asked for them: the largest
/// distance between a resident's rank in asking and their place's rank, and how many got a later
/// place than the one who asked just after them.
fn strays(mornings: &[Morning]) -> (usize, usize) {
    let mut placed: Vec<(Instant, i64)> = mornings
        .iter()
        .filter_map(|m| m.position.map(|p| (m.arrival, p)))
        .collect();
    placed.sort_by_key(|&(arrival, _)| arrival);
    let inversions = placed.windows(2).filter(|w| w[0].1 > w[1].1).count();
    let mut by_place: Vec<usize> = (0..placed.len()).collect();
    by_place.sort_by_key(|&rank| placed[rank].1);
    let max_displacement = by_place
        .iter()
        .enumerate()
        .map(|(place_rank, &arrival_rank)| place_rank.abs_diff(arrival_rank))
        .max()
        .unwrap_or(0);
    (max_displacement, inversions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn morning(arrival: u64, position: i64) -> Morning {
        Morning {
            arrival: Instant::now() + Duration::from_millis(arrival),
            position: Some(position),
            waited: Duration::ZERO,
            booking_us: None,
        }
    }

    #[test]
    fn a_pages_assets_are_the_hashed_files_it_names_once_each() {
        let html = r#"<script type="module" crossorigin src="/assets/residents-1cdc.js"></script>
            <link rel="modulepreload" crossorigin href="/assets/ResidentFlow-CJ91.js">
            <link rel="stylesheet" href="/assets/app-9f.css"><a href="/call-center/">x</a>
            <link rel="modulepreload" href="/assets/ResidentFlow-CJ91.js">"#;
        assert_eq!(
            asset_paths(html),
            [
                "/assets/ResidentFlow-CJ91.js",
                "/assets/app-9f.css",
                "/assets/residents-1cdc.js"
            ]
        );
    }

    #[test]
    fn places_in_arrival_order_stray_nowhere() {
        let mornings: Vec<_> = (0..5).map(|i| morning(i, 10 + i as i64)).collect();
        assert_eq!(strays(&mornings), (0, 0));
    }

    #[test]
    fn a_resident_served_late_strays_by_the_places_taken_before_them() {
        // Arrival 0 got the fourth place: three who came later went first.
        let mornings = [morning(0, 4), morning(1, 1), morning(2, 2), morning(3, 3)];
        assert_eq!(strays(&mornings), (3, 1));
    }
}
