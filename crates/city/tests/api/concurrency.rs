//! The day of May 2021: everyone at once. Capacity is never exceeded and a dose is never booked
//! twice, whichever channel wins the race.

use std::collections::HashMap;
use std::sync::Arc;
use yoyaku_core::Code;

use chrono::{NaiveDate, TimeDelta};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use uuid::Uuid;
use yoyaku_core::time::tokyo_today;

use crate::support::{
    booked, insert_slot, key_json, seed_residents, spawn_app_with_connections, tickets,
};

const BORN: &str = "1960-06-15";

fn born() -> NaiveDate {
    NaiveDate::from_ymd_opt(1960, 6, 15).unwrap()
}

/// Sends every request at the same moment and returns each one's status and problem code.
async fn all_at_once(
    client: &reqwest::Client,
    requests: Vec<(String, Option<String>, Value)>,
) -> Vec<(StatusCode, Option<String>)> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let mut tasks = JoinSet::new();
    for (index, (url, token, body)) in requests.into_iter().enumerate() {
        let client = client.clone();
        let barrier = barrier.clone();
        tasks.spawn(async move {
            let request = client.post(url).json(&body);
            let request = match token {
                Some(token) => request.bearer_auth(token),
                None => request,
            };
            barrier.wait().await;
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            (index, status, body["code"].as_str().map(str::to_owned))
        });
    }
    let mut results = vec![(StatusCode::OK, None); tasks.len()];
    while let Some(result) = tasks.join_next().await {
        let (index, status, code) = result.unwrap();
        results[index] = (status, code);
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_residents_at_once_get_exactly_the_hundred_seats() {
    let app = spawn_app_with_connections(30).await;
    let residents = tickets(8_000_000_000, 500);
    seed_residents(&app.pool, &residents, born()).await;
    let venue = app.venue_id(101).await;
    let date = tokyo_today() + TimeDelta::days(3);
    let slot = insert_slot(&app.pool, venue, date, (13, 0), 60, "public", 100).await;

    let url = app.url("/api/v1/bookings");
    let requests = residents
        .iter()
        .map(|ticket| {
            let body = json!({"resident": key_json(ticket, BORN), "slot_id": slot, "dose": 1});
            (url.clone(), None, body)
        })
        .collect();
    let results = all_at_once(&app.client, requests).await;

    let mut tally: HashMap<(StatusCode, Option<String>), usize> = HashMap::new();
    for result in results {
        *tally.entry(result).or_default() += 1;
    }
    assert_eq!(
        tally,
        HashMap::from([
            ((StatusCode::CREATED, None), 100),
            ((StatusCode::CONFLICT, Some(Code::SlotFull.into())), 400),
        ])
    );
    let active: i64 = sqlx::query_scalar(
        "select count(*) from bookings
         where slot_id = $1 and status in ('reserved', 'checked_in', 'vaccinated')",
    )
    .bind(slot)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((booked(&app.pool, slot).await, active), (100, 100));
    let (audited, changes): (i64, i64) = sqlx::query_as(
        "select (select count(*) from audit_log where action = 'booking.book'),
                (select count(*) from changes where entity_kind = 'booking')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((audited, changes), (100, 100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_resident_booking_from_the_clinic_and_the_web_at_once_gets_one_booking() {
    let app = spawn_app_with_connections(30).await;
    let residents = tickets(8_100_000_000, 20);
    seed_residents(&app.pool, &residents, born()).await;
    let venue = app.venue_id(101).await;
    let date = tokyo_today() + TimeDelta::days(3);
    let private = insert_slot(&app.pool, venue, date, (13, 0), 60, "private", 50).await;
    let public = insert_slot(&app.pool, venue, date, (13, 0), 60, "public", 50).await;
    let clinic = app.login(&app.accounts.clinic_a).await.token;

    let url = app.url("/api/v1/bookings");
    let mut requests = Vec::new();
    for ticket in &residents {
        let resident = key_json(ticket, BORN);
        let clinic_body = json!({"resident": resident, "slot_id": private, "dose": 1});
        let web_body = json!({"resident": resident, "slot_id": public, "dose": 1});
        requests.push((url.clone(), Some(clinic.clone()), clinic_body));
        requests.push((url.clone(), None, web_body));
    }
    let results = all_at_once(&app.client, requests).await;

    for (ticket, pair) in residents.iter().zip(results.chunks(2)) {
        let mut outcomes: Vec<_> = pair.to_vec();
        outcomes.sort();
        assert_eq!(
            outcomes,
            [
                (StatusCode::CREATED, None),
                (
                    StatusCode::CONFLICT,
                    Some(Code::BookingDuplicateDose.into())
                ),
            ],
            "{ticket}"
        );
    }
    let per_resident: Vec<i64> = sqlx::query_scalar(
        "select count(*) from bookings
         where status in ('reserved', 'checked_in', 'vaccinated')
         group by ticket_number",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(per_resident, vec![1; 20]);
    let seats = booked(&app.pool, private).await + booked(&app.pool, public).await;
    assert_eq!(seats, 20);
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from bookings")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(ids.len(), 20);
}
