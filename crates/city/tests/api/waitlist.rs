//! キャンセル待ち: a freed public seat is offered to the first resident in line, held for them,
//! and accepted (a booking like any other), declined or left to expire, when it moves on; the web
//! and the call center keep the line, clinics do not; the offer never loses a race to a direct
//! booking, and no seat is ever offered twice.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;
use yoyaku_core::Code;
use yoyaku_core::time::tokyo_today;

use crate::support::{
    TestApp, book, booked, demo_slot, expect_json, expect_problem, insert_slot, key_json,
    next_slot_day, seed_residents, spawn_app, tickets,
};

const BORN: &str = "1950-05-05";

fn born() -> NaiveDate {
    NaiveDate::from_ymd_opt(1950, 5, 5).unwrap()
}

/// Venue 301 in 南区 with one public slot of one seat, three days on, booked by `people[0]`; the
/// others registered. The slot's id.
async fn one_full_seat(app: &TestApp, people: &[String]) -> Uuid {
    seed_residents(&app.pool, people, born()).await;
    sqlx::query(
        "insert into venues (municipality_code, id, venue_number, name, mass_venue, ward, address)
         values ('431001', gen_random_uuid(), 301, 'S小児科', true, '南区', '熊本市南区1-1')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let venue = app.venue_id(301).await;
    let slot = insert_slot(&app.pool, venue, day(), (10, 0), 30, "public", 1).await;
    book(app, None, &people[0], BORN, slot, 1).await;
    slot
}

fn day() -> NaiveDate {
    tokyo_today() + TimeDelta::days(3)
}

fn entry_body(ticket: &str, place: Value) -> Value {
    let mut body = json!({
        "resident": key_json(ticket, BORN),
        "dose": 1,
        "vaccine": "pfizer",
        "first_date": tokyo_today(),
        "last_date": day() + TimeDelta::days(7),
    });
    body.as_object_mut()
        .unwrap()
        .extend(place.as_object().unwrap().clone());
    body
}

async fn wait_for_venue(app: &TestApp, token: Option<&str>, ticket: &str) -> Value {
    let venue = app.venue_id(301).await;
    expect_json(
        app.post_json(
            "/api/v1/waitlist",
            token,
            &entry_body(ticket, json!({ "venue_id": venue })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

/// The resident's entries as the web reads them.
async fn mine(app: &TestApp, ticket: &str) -> Vec<Value> {
    let body = json!({ "resident": key_json(ticket, BORN) });
    let entries = expect_json(
        app.post_json("/api/v1/waitlist/mine", None, &body).await,
        StatusCode::OK,
    )
    .await;
    entries["entries"].as_array().unwrap().clone()
}

async fn cancel(app: &TestApp, ticket: &str) {
    let id: Uuid = sqlx::query_scalar(
        "select id from bookings where ticket_number = $1 and status = 'reserved'",
    )
    .bind(ticket)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let body = json!({ "resident": key_json(ticket, BORN) });
    expect_json(
        app.post_json(&format!("/api/v1/bookings/{id}/cancel"), None, &body)
            .await,
        StatusCode::OK,
    )
    .await;
}

fn offer_of(entry: &Value) -> Uuid {
    entry["offer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no offer: {entry:#}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_freed_seat_is_offered_to_the_first_in_line_held_for_them_and_booked_on_acceptance() {
    let app = spawn_app().await;
    let people = tickets(9_300_000_000, 4);
    let slot = one_full_seat(&app, &people).await;

    let first = wait_for_venue(&app, None, &people[1]).await;
    assert_eq!(
        (first["state"].as_str(), first["channel"].as_str()),
        (Some("waiting"), Some("web"))
    );
    assert!(first["contact"].is_null(), "the web is not shown details");
    wait_for_venue(&app, None, &people[2]).await;

    cancel(&app, &people[0]).await;
    let offered = mine(&app, &people[1]).await;
    assert_eq!(offered[0]["state"], "offered");
    assert_eq!(offered[0]["offer"]["slot_id"], slot.to_string());
    assert_eq!(mine(&app, &people[2]).await[0]["state"], "waiting");
    assert_eq!(booked(&app.pool, slot).await, 1, "the seat is held");

    // Held: nobody else books it, and another resident cannot take the offer.
    let direct = json!({ "resident": key_json(&people[3], BORN), "slot_id": slot, "dose": 1 });
    expect_problem(
        app.post_json("/api/v1/bookings", None, &direct).await,
        StatusCode::CONFLICT,
        Code::SlotFull,
    )
    .await;
    let offer = offer_of(&offered[0]);
    let accept = format!("/api/v1/waitlist/offers/{offer}/accept");
    let someone_else = json!({ "resident": key_json(&people[2], BORN) });
    expect_problem(
        app.post_json(&accept, None, &someone_else).await,
        StatusCode::NOT_FOUND,
        Code::WaitlistNotFound,
    )
    .await;

    let own = json!({ "resident": key_json(&people[1], BORN) });
    let accepted = expect_json(
        app.post_json(&accept, None, &own).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(accepted["booking"]["slot"]["id"], slot.to_string());
    assert_eq!(accepted["booking"]["channel"], "web");
    assert_eq!(mine(&app, &people[1]).await[0]["state"], "booked");
    assert_eq!(booked(&app.pool, slot).await, 1, "one seat, one booking");
    expect_problem(
        app.post_json(&accept, None, &own).await,
        StatusCode::CONFLICT,
        Code::WaitlistOfferClosed,
    )
    .await;
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where entity_kind = 'waitlist'
         and action in ('waitlist.enter', 'waitlist.accept')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 3);
}

#[tokio::test]
async fn a_declined_offer_moves_on_and_an_unanswered_one_expires_and_frees_the_seat() {
    let app = spawn_app().await;
    let people = tickets(9_300_000_100, 3);
    let slot = one_full_seat(&app, &people).await;
    wait_for_venue(&app, None, &people[1]).await;
    // The second waits for the whole ward.
    expect_json(
        app.post_json(
            "/api/v1/waitlist",
            None,
            &entry_body(&people[2], json!({ "ward": "南区" })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    cancel(&app, &people[0]).await;

    let offer = offer_of(&mine(&app, &people[1]).await[0]);
    let own = json!({ "resident": key_json(&people[1], BORN) });
    let declined = expect_json(
        app.post_json(
            &format!("/api/v1/waitlist/offers/{offer}/decline"),
            None,
            &own,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(declined["state"], "withdrawn");
    let next = mine(&app, &people[2]).await;
    assert_eq!(next[0]["state"], "offered", "the ward's entry is next");
    assert_eq!(booked(&app.pool, slot).await, 1);

    // Unanswered past its time: the entry lapses and, nobody else waiting, the seat is free, and
    // the clinics are told (no booking changed to carry the slot's seats).
    let slot_changes = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from changes where entity_id = $1")
            .bind(slot.to_string())
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let changes_before = slot_changes().await;
    sqlx::query(
        "update waitlist_offers set expires_at = now() - interval '1 second' where state = 'open'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while mine(&app, &people[2]).await[0]["state"] != "lapsed" {
        assert!(Instant::now() < deadline, "the offer never expired");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(booked(&app.pool, slot).await, 0);
    assert!(slot_changes().await > changes_before);
}

#[tokio::test]
async fn the_call_center_keeps_the_line_with_contacts_and_books_an_offer_after_phoning() {
    let app = spawn_app().await;
    let people = tickets(9_300_000_200, 2);
    let slot = one_full_seat(&app, &people).await;
    let operator = app.login(&app.accounts.call_center).await.token;
    let entry = wait_for_venue(&app, Some(&operator), &people[1]).await;
    assert_eq!(entry["channel"], "call_center");

    cancel(&app, &people[0]).await;
    let line = expect_json(
        app.get("/api/v1/waitlist?open=true", Some(&operator)).await,
        StatusCode::OK,
    )
    .await;
    let entries = line["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["contact"]["phone"], "0961234567");
    assert_eq!(entries[0]["contact"]["family_name_kana"], "テスト");
    let offer = offer_of(&entries[0]);
    let accepted = expect_json(
        app.post_json(
            &format!("/api/v1/waitlist/offers/{offer}/accept"),
            Some(&operator),
            &json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(accepted["booking"]["channel"], "call_center");
    assert_eq!(accepted["booking"]["slot"]["id"], slot.to_string());

    // Clinics do not keep the line.
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    expect_problem(
        app.get("/api/v1/waitlist", Some(&clinic)).await,
        StatusCode::FORBIDDEN,
        Code::AuthForbidden,
    )
    .await;
    let venue = app.venue_id(301).await;
    expect_problem(
        app.post_json(
            "/api/v1/waitlist",
            Some(&clinic),
            &entry_body(&people[0], json!({ "venue_id": venue })),
        )
        .await,
        StatusCode::FORBIDDEN,
        Code::AuthForbidden,
    )
    .await;
}

#[tokio::test]
async fn a_resident_who_books_otherwise_leaves_the_line_and_their_held_seat_moves_on() {
    let app = spawn_app().await;
    let people = tickets(9_300_000_300, 3);
    let slot = one_full_seat(&app, &people).await;
    wait_for_venue(&app, None, &people[1]).await;
    wait_for_venue(&app, None, &people[2]).await;
    cancel(&app, &people[0]).await;
    assert_eq!(mine(&app, &people[1]).await[0]["state"], "offered");

    // The first in line books dose 1 at a clinic's public slot instead.
    let elsewhere = demo_slot(&app.pool, 101, next_slot_day(), "1100", "public").await;
    book(&app, None, &people[1], BORN, elsewhere, 1).await;
    assert_eq!(mine(&app, &people[1]).await[0]["state"], "booked");
    assert_eq!(
        mine(&app, &people[2]).await[0]["state"],
        "offered",
        "the seat moved on"
    );
    assert_eq!(booked(&app.pool, slot).await, 1);
}

#[tokio::test]
async fn joining_the_line_is_refused_clearly_and_changes_nothing() {
    let app = spawn_app().await;
    let people = tickets(9_300_000_400, 3);
    let slot = one_full_seat(&app, &people).await;
    let venue = app.venue_id(301).await;
    let at_venue = json!({ "venue_id": venue });
    let refused = |body: Value, status: StatusCode, code: Code| {
        let app = &app;
        async move {
            expect_problem(
                app.post_json("/api/v1/waitlist", None, &body).await,
                status,
                code,
            )
            .await;
        }
    };

    let mut past = entry_body(&people[1], at_venue.clone());
    past["first_date"] = json!(tokyo_today() - TimeDelta::days(1));
    refused(past, StatusCode::BAD_REQUEST, Code::WaitlistDates).await;
    let mut backwards = entry_body(&people[1], at_venue.clone());
    backwards["last_date"] = json!(tokyo_today());
    backwards["first_date"] = json!(day());
    refused(backwards, StatusCode::BAD_REQUEST, Code::WaitlistDates).await;
    refused(
        entry_body(&people[1], json!({ "venue_id": Uuid::new_v4() })),
        StatusCode::NOT_FOUND,
        Code::WaitlistUnknownPlace,
    )
    .await;
    refused(
        entry_body(&people[1], json!({ "venue_id": venue, "ward": "南区" })),
        StatusCode::BAD_REQUEST,
        Code::WaitlistUnknownPlace,
    )
    .await;
    // Seats to book at venue 101: book them instead.
    refused(
        entry_body(&people[1], json!({ "venue_id": app.venue_id(101).await })),
        StatusCode::CONFLICT,
        Code::WaitlistSeatsAvailable,
    )
    .await;
    refused(
        entry_body(&people[0], at_venue.clone()),
        StatusCode::CONFLICT,
        Code::WaitlistAlreadyBooked,
    )
    .await;
    let mut wrong_birth = entry_body(&people[1], at_venue.clone());
    wrong_birth["resident"] = key_json(&people[1], "1950-05-06");
    refused(
        wrong_birth,
        StatusCode::NOT_FOUND,
        Code::TicketNotInRegistry,
    )
    .await;

    wait_for_venue(&app, None, &people[1]).await;
    refused(
        entry_body(&people[1], at_venue),
        StatusCode::CONFLICT,
        Code::WaitlistAlreadyWaiting,
    )
    .await;
    let entries: i64 = sqlx::query_scalar("select count(*) from waitlist_entries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(entries, 1);
    assert_eq!(booked(&app.pool, slot).await, 1);
}

#[tokio::test]
async fn the_offer_wins_every_race_with_direct_bookings_for_the_freed_seat() {
    let app = spawn_app().await;
    let people = tickets(9_300_000_500, 12);
    let slot = one_full_seat(&app, &people).await;
    wait_for_venue(&app, None, &people[1]).await;

    // The cancellation and ten residents booking the seat directly, all at once.
    let racers = people[2..].iter().map(|ticket| {
        let body = json!({ "resident": key_json(ticket, BORN), "slot_id": slot, "dose": 1 });
        let app = &app;
        async move {
            app.post_json("/api/v1/bookings", None, &body)
                .await
                .status()
        }
    });
    let (_, statuses) = tokio::join!(
        cancel(&app, &people[0]),
        futures_util::future::join_all(racers)
    );
    let direct_wins = statuses.iter().filter(|s| s.is_success()).count();
    let offered = mine(&app, &people[1]).await[0]["state"] == "offered";
    // Before the cancellation the seat is taken; the cancellation offers it in the transaction
    // that frees it: no direct booking ever finds it free.
    assert_eq!(booked(&app.pool, slot).await, 1, "{statuses:?}");
    assert!(
        direct_wins == 0 && offered,
        "{direct_wins} direct bookings; offered: {offered}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CONFLICT || s.is_success())
    );
}

#[tokio::test]
async fn a_clinic_offers_an_open_vials_last_doses_to_the_line_and_the_rest_stay_public() {
    let app = spawn_app().await;
    let people = tickets(9_300_000_700, 1);
    seed_residents(&app.pool, &people, born()).await;
    // Venue 101 is full today and tomorrow: a resident waits for it.
    sqlx::query(
        "update slots s set booked = s.capacity from venues v
         where v.id = s.venue_id and v.venue_number = 101 and s.visibility = 'public'
           and s.starts_at < now() + interval '3 days'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let venue = app.venue_id(101).await;
    let mut body = entry_body(&people[0], json!({ "venue_id": venue }));
    body["last_date"] = json!(tokyo_today() + TimeDelta::days(1));
    expect_json(
        app.post_json("/api/v1/waitlist", None, &body).await,
        StatusCode::CREATED,
    )
    .await;

    let clinic = app.login(&app.accounts.clinic_a).await.token;
    let in_an_hour = chrono::Utc::now() + TimeDelta::hours(1);
    let vial = |doses: i32, starts_at: chrono::DateTime<chrono::Utc>, venue: Uuid| json!({ "venue_id": venue, "vaccine": "pfizer", "doses": doses, "starts_at": starts_at });
    let offered = expect_json(
        app.post_json(
            "/api/v1/waitlist/open-vial",
            Some(&clinic),
            &vial(2, in_an_hour, venue),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (offered["offered"].as_u64(), offered["capacity"].as_i64()),
        (Some(1), Some(2))
    );
    assert!(
        offered["slot_name"]
            .as_str()
            .unwrap()
            .starts_with("【残液】101.")
    );
    let slot: Uuid = offered["slot_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        booked(&app.pool, slot).await,
        1,
        "one held for the resident, one public"
    );
    assert_eq!(
        mine(&app, &people[0]).await[0]["offer"]["slot_id"],
        slot.to_string()
    );

    // More doses than a vial holds, too soon, or another clinic's venue: refused, nothing made.
    expect_problem(
        app.post_json(
            "/api/v1/waitlist/open-vial",
            Some(&clinic),
            &vial(6, in_an_hour, venue),
        )
        .await,
        StatusCode::BAD_REQUEST,
        Code::WaitlistOpenVialDoses,
    )
    .await;
    let soon = chrono::Utc::now() + TimeDelta::minutes(10);
    expect_problem(
        app.post_json(
            "/api/v1/waitlist/open-vial",
            Some(&clinic),
            &vial(1, soon, venue),
        )
        .await,
        StatusCode::BAD_REQUEST,
        Code::WaitlistOpenVialTime,
    )
    .await;
    let venue_e = app.venue_id(105).await;
    expect_problem(
        app.post_json(
            "/api/v1/waitlist/open-vial",
            Some(&clinic),
            &vial(1, in_an_hour, venue_e),
        )
        .await,
        StatusCode::FORBIDDEN,
        Code::AuthForbidden,
    )
    .await;
    let slots: i64 = sqlx::query_scalar("select count(*) from slots where name like '【残液】%'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(slots, 1);
}

#[tokio::test]
async fn a_clinics_expired_lease_gives_its_unused_seat_to_the_line() {
    let app = spawn_app().await;
    let people = tickets(9_300_000_800, 1);
    seed_residents(&app.pool, &people, born()).await;
    // Day 60 is past the demo's slots: the one seat there is the clinic's lease's.
    let far = tokyo_today() + TimeDelta::days(60);
    let venue = app.venue_id(101).await;
    let slot = insert_slot(&app.pool, venue, far, (10, 0), 30, "public", 1).await;
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    expect_json(
        app.post_json(
            "/api/v1/sync/leases",
            Some(&clinic),
            &json!({ "id": Uuid::new_v4(), "slot_id": slot, "seats": 1 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let mut body = entry_body(&people[0], json!({ "venue_id": venue }));
    body["first_date"] = json!(far);
    body["last_date"] = json!(far);
    expect_json(
        app.post_json("/api/v1/waitlist", None, &body).await,
        StatusCode::CREATED,
    )
    .await;

    // The lease runs out unused: its seat goes to the one waiting, not back to everyone.
    sqlx::query("update leases set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while mine(&app, &people[0]).await[0]["state"] != "offered" {
        assert!(Instant::now() < deadline, "the seat was never offered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(booked(&app.pool, slot).await, 1, "held for the resident");
}

/// `POST /api/v1/waitlist/release` as `token`, acting for `clinic` when given.
async fn release(
    app: &TestApp,
    token: Option<&str>,
    clinic: Option<&str>,
    slot: Uuid,
    seats: i32,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/waitlist/release"))
        .json(&json!({ "slot_id": slot, "seats": seats }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(clinic) = clinic {
        request = request.header("x-yoyaku-on-behalf-of", clinic);
    }
    request.send().await.unwrap()
}

async fn capacity(app: &TestApp, slot: Uuid) -> i32 {
    sqlx::query_scalar("select capacity from slots where id = $1")
        .bind(slot)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_clinic_gives_free_private_seats_to_the_line_and_the_rest_stay_public() {
    let app = spawn_app().await;
    let people = tickets(9_300_000_900, 1);
    seed_residents(&app.pool, &people, born()).await;
    // Day 60 is past the demo's slots: the clinic's private slot is the venue's only one.
    let far = tokyo_today() + TimeDelta::days(60);
    let venue = app.venue_id(101).await;
    let private = insert_slot(&app.pool, venue, far, (10, 0), 30, "private", 3).await;
    let mut body = entry_body(&people[0], json!({ "venue_id": venue }));
    body["first_date"] = json!(far);
    body["last_date"] = json!(far);
    expect_json(
        app.post_json("/api/v1/waitlist", None, &body).await,
        StatusCode::CREATED,
    )
    .await;

    let clinic = app.login(&app.accounts.clinic_a).await.token;
    let released = expect_json(
        release(&app, Some(&clinic), None, private, 2).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            released["capacity"].as_i64(),
            released["seats"].as_i64(),
            released["offered"].as_u64()
        ),
        (Some(1), Some(2), Some(1))
    );
    let name = released["public_slot_name"].as_str().unwrap();
    assert_eq!(
        name,
        format!("【キャンセル待ち補充】101.{}.1000", far.format("%Y%m%d"))
    );
    let public: Uuid = released["public_slot_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(capacity(&app, private).await, 1, "the clinic keeps one");
    assert_eq!(
        (
            capacity(&app, public).await,
            booked(&app.pool, public).await
        ),
        (2, 1),
        "one held for the resident in line, one public"
    );
    let offer = offer_of(&mine(&app, &people[0]).await[0]);
    let moved: i64 = sqlx::query_scalar(
        "select count(*) from changes where entity_kind = 'slot' and entity_id = any($1)",
    )
    .bind(vec![private.to_string(), public.to_string()])
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(moved >= 2, "both slots reach the clinics' caches");

    // Refused clearly, and nothing moves: more seats than are free, a public slot, another
    // clinic's slot, one about to start, the web, and the call center acting for nobody.
    let refusals = [
        (
            release(&app, Some(&clinic), None, private, 2).await,
            StatusCode::BAD_REQUEST,
            Code::WaitlistReleaseSeats,
        ),
        (
            release(&app, Some(&clinic), None, private, 0).await,
            StatusCode::BAD_REQUEST,
            Code::WaitlistReleaseSeats,
        ),
        (
            release(&app, Some(&clinic), None, public, 1).await,
            StatusCode::BAD_REQUEST,
            Code::WaitlistReleasePublic,
        ),
    ];
    for (response, status, code) in refusals {
        expect_problem(response, status, code).await;
    }
    let other = insert_slot(
        &app.pool,
        app.venue_id(105).await,
        far,
        (9, 0),
        30,
        "private",
        2,
    )
    .await;
    expect_problem(
        release(&app, Some(&clinic), None, other, 1).await,
        StatusCode::NOT_FOUND,
        Code::SlotNotFound,
    )
    .await;
    let soon = insert_slot(&app.pool, venue, far, (11, 0), 30, "private", 2).await;
    sqlx::query(
        "update slots set starts_at = now() + interval '10 minutes',
                          ends_at = now() + interval '40 minutes'
         where id = $1",
    )
    .bind(soon)
    .execute(&app.pool)
    .await
    .unwrap();
    expect_problem(
        release(&app, Some(&clinic), None, soon, 1).await,
        StatusCode::BAD_REQUEST,
        Code::WaitlistReleaseTooLate,
    )
    .await;
    expect_problem(
        release(&app, None, None, private, 1).await,
        StatusCode::UNAUTHORIZED,
        Code::AuthSessionInvalid,
    )
    .await;
    let operator = app.login(&app.accounts.call_center).await.token;
    expect_problem(
        release(&app, Some(&operator), None, private, 1).await,
        StatusCode::FORBIDDEN,
        Code::AuthForbidden,
    )
    .await;
    assert_eq!(
        (capacity(&app, private).await, capacity(&app, public).await),
        (1, 2)
    );

    // The call center, asked by the clinic, gives the last one: it joins the same public slot.
    let again = expect_json(
        release(&app, Some(&operator), Some("clinic-a"), private, 1).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["public_slot_id"], public.to_string());
    assert_eq!(again["offered"], 0, "nobody else is waiting");
    assert_eq!(
        (capacity(&app, private).await, capacity(&app, public).await),
        (0, 3)
    );
    let on_behalf: i64 = sqlx::query_scalar(
        "select count(*) from audit_log
         where action = 'slot.release_to_waitlist' and on_behalf_of is not null",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(on_behalf, 1);

    // The resident takes the seat held on the web: a booking in the public slot.
    let own = json!({ "resident": key_json(&people[0], BORN) });
    let accepted = expect_json(
        app.post_json(
            &format!("/api/v1/waitlist/offers/{offer}/accept"),
            None,
            &own,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(accepted["booking"]["slot"]["id"], public.to_string());
    assert_eq!(booked(&app.pool, public).await, 1);
}
