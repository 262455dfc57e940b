//! The race for a slot's last seat between every channel at once: a resident on the web, the
//! call center, a clinic online, and the same clinic's offline booking arriving in a push. One
//! booking, and every other a clear refusal (`slot.full` with alternatives, or a rejected intent
//! with the same code); and a clinic holding a seat lease books it offline with certainty.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;
use yoyaku_core::Code;

use crate::support::{
    TestApp, booked, expect_json, insert_slot, key_json, next_slot_day, seed_residents, spawn_app,
    tickets,
};

const BORN: &str = "1960-04-01";
const ROUNDS: u64 = 12;

fn born() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(1960, 4, 1).unwrap()
}

fn book_body(ticket: &str, slot: Uuid) -> Value {
    json!({ "resident": key_json(ticket, BORN), "slot_id": slot, "dose": 1 })
}

fn push_body(device: Uuid, seq: u64, ticket: &str, slot: Uuid, lease: Option<Uuid>) -> Value {
    json!({
        "device_id": device,
        "intents": [{
            "id": Uuid::new_v4(), "seq": seq, "depends_on": [],
            "action": {
                "type": "book", "booking_id": Uuid::new_v4(),
                "resident": { "municipality_code": "431001", "ticket_number": ticket, "birth_date": BORN },
                "slot_id": slot, "dose": 1, "lease_id": lease
            }
        }]
    })
}

/// What one channel got: `Ok(())` for a booking, else the refusal's code.
async fn outcome_of_post(app: &TestApp, token: Option<&str>, body: &Value) -> Result<(), String> {
    let response = app.post_json("/api/v1/bookings", token, body).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    match status {
        StatusCode::CREATED => Ok(()),
        StatusCode::CONFLICT => {
            assert!(
                !answer["alternatives"].as_array().unwrap().is_empty(),
                "{answer:#}"
            );
            Err(answer["code"].as_str().unwrap().to_owned())
        }
        other => panic!("{other}: {answer:#}"),
    }
}

async fn outcome_of_push(app: &TestApp, token: &str, body: &Value) -> Result<(), String> {
    let answer = expect_json(
        app.post_json("/api/v1/sync/push", Some(token), body).await,
        StatusCode::OK,
    )
    .await;
    let outcome = &answer["results"][0]["outcome"];
    match outcome["status"].as_str() {
        Some("applied") => Ok(()),
        Some("rejected") => Err(outcome["code"].as_str().unwrap().to_owned()),
        _ => panic!("{answer:#}"),
    }
}

#[tokio::test]
async fn the_last_seat_goes_to_one_channel_and_every_other_is_told_it_is_full() {
    let app = spawn_app().await;
    let operator = app.login(&app.accounts.call_center).await.token;
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    let device = Uuid::new_v4();
    let venue = app.venue_id(101).await;
    let mut winners = std::collections::BTreeMap::<&str, u64>::new();
    for round in 0..ROUNDS {
        let people = tickets(9_500_000_000 + round * 10, 4);
        seed_residents(&app.pool, &people, born()).await;
        // One public seat at 19:00 on the next slot day (the demo's slots end at 17:00).
        let minute = u32::try_from(round * 2).unwrap();
        let slot = insert_slot(
            &app.pool,
            venue,
            next_slot_day(),
            (19, minute),
            1,
            "public",
            1,
        )
        .await;
        let bodies = [0, 1, 2].map(|i| book_body(&people[i], slot));
        let pushed = push_body(device, round + 1, &people[3], slot, None);
        let (web, call_center, online, offline) = tokio::join!(
            outcome_of_post(&app, None, &bodies[0]),
            outcome_of_post(&app, Some(&operator), &bodies[1]),
            outcome_of_post(&app, Some(&clinic), &bodies[2]),
            outcome_of_push(&app, &clinic, &pushed),
        );
        let outcomes = [
            ("web", web),
            ("call center", call_center),
            ("clinic online", online),
            ("clinic offline", offline),
        ];
        let won: Vec<_> = outcomes
            .iter()
            .filter(|(_, o)| o.is_ok())
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(won.len(), 1, "round {round}: {outcomes:?}");
        *winners.entry(won[0]).or_default() += 1;
        for (channel, outcome) in &outcomes {
            if let Err(code) = outcome {
                assert_eq!(code, Code::SlotFull.as_str(), "{channel}");
            }
        }
        assert_eq!(booked(&app.pool, slot).await, 1);
        let bookings: i64 = sqlx::query_scalar("select count(*) from bookings where slot_id = $1")
            .bind(slot)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(bookings, 1);
    }
    eprintln!("last-seat winners over {ROUNDS} rounds: {winners:?}");
}

#[tokio::test]
async fn a_clinic_that_leased_the_last_seat_books_it_offline_whoever_else_tries() {
    let app = spawn_app().await;
    let operator = app.login(&app.accounts.call_center).await.token;
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    let people = tickets(9_500_001_000, 3);
    seed_residents(&app.pool, &people, born()).await;
    let venue = app.venue_id(101).await;
    let slot = insert_slot(&app.pool, venue, next_slot_day(), (19, 30), 30, "public", 1).await;
    let lease = expect_json(
        app.post_json(
            "/api/v1/sync/leases",
            Some(&clinic),
            &json!({ "id": Uuid::new_v4(), "slot_id": slot, "seats": 1 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let lease: Uuid = lease["id"].as_str().unwrap().parse().unwrap();

    // While the clinic is offline, the web and the call center find the seat taken.
    let bodies = [0, 1].map(|i| book_body(&people[i], slot));
    let (web, call_center) = tokio::join!(
        outcome_of_post(&app, None, &bodies[0]),
        outcome_of_post(&app, Some(&operator), &bodies[1]),
    );
    assert_eq!(web, Err(Code::SlotFull.as_str().to_owned()));
    assert_eq!(call_center, Err(Code::SlotFull.as_str().to_owned()));
    // Back online, its offline booking on the lease is applied: 予約確定 was true.
    let pushed = outcome_of_push(
        &app,
        &clinic,
        &push_body(Uuid::new_v4(), 1, &people[2], slot, Some(lease)),
    )
    .await;
    assert_eq!(pushed, Ok(()));
    assert_eq!(booked(&app.pool, slot).await, 1);
}
