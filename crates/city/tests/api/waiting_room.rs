//! Opening day's waiting room: places first come first served at the room's rate, signed so that
//! they cannot be made up or moved forward, kept by every server instance alike, and a booking
//! from the web let through from its place's time on.

use std::num::NonZeroU32;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use uuid::Uuid;
use yoyaku_city::Server;
use yoyaku_core::Code;

use crate::support::{
    KUMAMOTO, TestApp, booked, demo_slot, expect_json, expect_problem, key_json, next_slot_day,
    seed_residents, spawn_app, spawn_app_with, tickets,
};

/// An app whose waiting room lets `per_second` places in each second.
async fn app_with_room(per_second: u32) -> TestApp {
    spawn_app_with(|listener, pool| {
        Server::options()
            .waiting_room(NonZeroU32::new(per_second).unwrap())
            .spawn(listener, pool)
            .unwrap()
    })
    .await
}

async fn enter(app: &TestApp) -> Value {
    let response = app
        .post_json(
            "/api/v1/waiting-room",
            None,
            &json!({ "municipality_code": KUMAMOTO }),
        )
        .await;
    expect_json(response, StatusCode::CREATED).await
}

/// The place of `token`, as a reloaded page reads it.
async fn read_place(app: &TestApp, token: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/waiting-room/{token}"), None)
        .await;
    expect_json(response, StatusCode::OK).await
}

fn admit_at(place: &Value) -> DateTime<Utc> {
    place["admit_at"].as_str().unwrap().parse().unwrap()
}

async fn book(app: &TestApp, ticket: &str, slot: Uuid, place: Option<&str>) -> reqwest::Response {
    let body = json!({ "resident": key_json(ticket, "1950-04-01"), "slot_id": slot, "dose": 1 });
    let request = app.client.post(app.url("/api/v1/bookings")).json(&body);
    match place {
        Some(token) => request.header("X-Yoyaku-Waiting-Room", token),
        None => request,
    }
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn places_are_first_come_first_served_at_the_room_s_rate_and_survive_a_reload() {
    let app = app_with_room(1).await;
    let mut places = Vec::new();
    for _ in 0..5 {
        places.push(enter(&app).await);
    }
    let positions: Vec<i64> = places
        .iter()
        .map(|p| p["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2, 3, 4, 5]);
    assert_eq!(places[0]["admitted"], true);
    assert_eq!(places[0]["wait_seconds"], 0);
    // Arrivals faster than the room lets in: a second apart, in order.
    for pair in places.windows(2) {
        assert_eq!(
            admit_at(&pair[1]) - admit_at(&pair[0]),
            TimeDelta::seconds(1)
        );
    }
    let last = &places[4];
    assert_eq!(last["admitted"], false);
    let wait = last["wait_seconds"].as_u64().unwrap();
    assert!((3..=4).contains(&wait), "{last}");
    let ahead = last["ahead"].as_u64().unwrap();
    assert!((3..=4).contains(&ahead), "{last}");
    // The page reloads: the same place, a shorter or equal wait.
    let token = last["token"].as_str().unwrap();
    let again = read_place(&app, token).await;
    assert_eq!(again["position"], 5);
    assert_eq!(again["admit_at"], last["admit_at"]);
    assert!(again["wait_seconds"].as_u64().unwrap() <= wait);
    // A place moved forward is not one the city handed out.
    let forward = token.replacen(".5.", ".1.", 1);
    expect_problem(
        app.get(&format!("/api/v1/waiting-room/{forward}"), None)
            .await,
        StatusCode::BAD_REQUEST,
        Code::WaitingRoomPlaceInvalid,
    )
    .await;
}

#[tokio::test]
async fn a_booking_from_the_web_is_let_through_from_its_place_s_time_on() {
    let app = app_with_room(1).await;
    let ticket = tickets(7_100_000_000, 1).remove(0);
    seed_residents(
        &app.pool,
        std::slice::from_ref(&ticket),
        NaiveDate::from_ymd_opt(1950, 4, 1).unwrap(),
    )
    .await;
    let slot = demo_slot(&app.pool, 101, next_slot_day(), "0900", "public").await;

    expect_problem(
        book(&app, &ticket, slot, None).await,
        StatusCode::FORBIDDEN,
        Code::WaitingRoomPlaceRequired,
    )
    .await;
    let first = enter(&app).await;
    let _second = enter(&app).await;
    let third = enter(&app).await;
    // The third's time is two seconds off: it is told how long to wait.
    let early = book(&app, &ticket, slot, third["token"].as_str()).await;
    let retry_after: u64 = early.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    expect_problem(
        early,
        StatusCode::TOO_MANY_REQUESTS,
        Code::WaitingRoomNotYet,
    )
    .await;
    let made_up = first["token"].as_str().unwrap().replacen(".1.", ".0.", 1);
    expect_problem(
        book(&app, &ticket, slot, Some(&made_up)).await,
        StatusCode::FORBIDDEN,
        Code::WaitingRoomPlaceInvalid,
    )
    .await;
    assert_eq!(booked(&app.pool, slot).await, 0);

    let response = book(&app, &ticket, slot, first["token"].as_str()).await;
    expect_json(response, StatusCode::CREATED).await;
    assert_eq!(booked(&app.pool, slot).await, 1);
    // Staff book as ever: the room is the web's.
    let token = app.login(&app.accounts.call_center).await.token;
    let other = tickets(7_100_000_001, 1);
    seed_residents(
        &app.pool,
        &other,
        NaiveDate::from_ymd_opt(1950, 4, 1).unwrap(),
    )
    .await;
    let body = json!({ "resident": key_json(&other[0], "1950-04-01"), "slot_id": slot, "dose": 1 });
    let response = app.post_json("/api/v1/bookings", Some(&token), &body).await;
    expect_json(response, StatusCode::CREATED).await;
}

#[tokio::test]
async fn two_server_instances_hand_out_places_from_one_line() {
    let app = app_with_room(10).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = Server::options()
        .waiting_room(NonZeroU32::new(10).unwrap())
        .spawn(listener, app.pool.clone())
        .unwrap();
    let first = enter(&app).await;
    let second: Value = app
        .client
        .post(format!("{}/api/v1/waiting-room", other.url()))
        .json(&json!({ "municipality_code": KUMAMOTO }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (first["position"].as_i64(), second["position"].as_i64()),
        (Some(1), Some(2))
    );
    // Each reads the other's places: one key signs them all.
    let token = second["token"].as_str().unwrap();
    let read = read_place(&app, token).await;
    assert_eq!(read["position"], 2);
    other.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_a_room_the_web_books_directly() {
    let app = spawn_app().await;
    let response = app
        .post_json(
            "/api/v1/waiting-room",
            None,
            &json!({ "municipality_code": KUMAMOTO }),
        )
        .await;
    expect_problem(response, StatusCode::NOT_FOUND, Code::WaitingRoomClosed).await;
}
