use chrono::{NaiveDate, TimeDelta};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;
use yoyaku_core::Code;
use yoyaku_core::slot::Visibility;
use yoyaku_core::time::tokyo_today;

use crate::support::{
    KUMAMOTO, TestApp, book, booked, demo_slot, expect_json, expect_problem, insert_slot, key_json,
    next_slot_day, seed_residents, seed_tickets, spawn_app, tickets, today_slot,
};

const BORN: &str = "1950-04-01";

fn born() -> NaiveDate {
    NaiveDate::from_ymd_opt(1950, 4, 1).unwrap()
}

/// Registered residents made for the test, from ticket `first`.
async fn residents(app: &TestApp, first: u64, count: u64) -> Vec<String> {
    let tickets = tickets(first, count);
    seed_residents(&app.pool, &tickets, born()).await;
    tickets
}

fn booking_body(ticket: &str, slot: Uuid, dose: u8) -> Value {
    json!({"resident": key_json(ticket, BORN), "slot_id": slot, "dose": dose})
}

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
    app.post_json(path, token, body).await
}

async fn active_bookings(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from bookings where status in ('reserved', 'checked_in', 'vaccinated')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_web_sees_and_books_public_slots_only() {
    let app = spawn_app().await;
    let [ticket] = <[String; 1]>::try_from(residents(&app, 7_000_000_001, 1).await).unwrap();
    let day = next_slot_day();
    let venue = app.venue_id(101).await;

    let list = expect_json(
        app.get(
            &format!("/api/v1/slots?municipality_code={KUMAMOTO}&venue_id={venue}&date={day}"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let slots = list["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 12);
    assert!(slots.iter().all(|s| s["visibility"] == "public"));
    assert_eq!(slots[0]["remaining"], 3);
    expect_problem(
        app.get(&format!("/api/v1/slots?date={day}"), None).await,
        StatusCode::BAD_REQUEST,
        Code::MunicipalityCodeFormat,
    )
    .await;

    let private = demo_slot(&app.pool, 101, day, "0900", "private").await;
    let response = post(
        &app,
        "/api/v1/bookings",
        None,
        &booking_body(&ticket, private, 1),
    )
    .await;
    expect_problem(response, StatusCode::FORBIDDEN, Code::SlotPrivate).await;
    assert_eq!(booked(&app.pool, private).await, 0);

    let public = demo_slot(&app.pool, 101, day, "0900", "public").await;
    let changes_before: i64 = sqlx::query_scalar("select coalesce(max(id), 0) from changes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let response = post(
        &app,
        "/api/v1/bookings",
        None,
        &booking_body(&ticket, public, 1),
    )
    .await;
    let created = expect_json(response, StatusCode::CREATED).await;
    let booking = &created["booking"];
    assert_eq!(booking["status"], "reserved");
    assert_eq!(booking["channel"], "web");
    assert_eq!(booking["slot"]["id"], public.to_string());
    assert_eq!(booking["slot"]["venue_name"], "A胃腸科内科医院");
    let second = &created["second_dose"];
    assert_eq!(
        second["standard_date"],
        (day + TimeDelta::days(21)).to_string()
    );
    assert_eq!(
        created["private_first"],
        Value::Null,
        "advice is for clinics"
    );
    assert_eq!(booked(&app.pool, public).await, 1);

    // Audit (no account: the web) and changes for the venue's clinic, in the same transaction.
    let id: Uuid = booking["id"].as_str().unwrap().parse().unwrap();
    let (account, channel, after): (Option<Uuid>, String, String) = sqlx::query_as(
        "select account_id, channel, after::text from audit_log
         where action = 'booking.book' and entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((account, channel.as_str()), (None, "web"));
    let after: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(after["status"], "reserved");
    let changes: Vec<(String, String, Uuid)> = sqlx::query_as(
        "select entity_kind, entity_id, venue_id from changes where id > $1 order by id",
    )
    .bind(changes_before)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        changes,
        [
            ("booking".into(), id.to_string(), venue),
            ("slot".into(), public.to_string(), venue),
            ("resident".into(), ticket.clone(), venue)
        ]
    );
}

#[tokio::test]
async fn each_channel_sees_the_private_slots_it_may_book() {
    let app = spawn_app().await;
    let day = next_slot_day();
    let count = |list: &Value, visibility: &str| {
        list["slots"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["visibility"] == visibility)
            .count()
    };
    let clinic_a = app.login(&app.accounts.clinic_a).await.token;
    let list = expect_json(
        app.get(&format!("/api/v1/slots?date={day}"), Some(&clinic_a))
            .await,
        StatusCode::OK,
    )
    .await;
    // Both venues' public slots, the mass venue's, and A's own private ones.
    assert_eq!((count(&list, "public"), count(&list, "private")), (36, 12));
    let a_venue = app.venue_id(101).await.to_string();
    assert!(
        list["slots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["visibility"] == "public" || s["venue_id"] == a_venue.as_str())
    );

    let call_center = app.login(&app.accounts.call_center).await.token;
    let list = expect_json(
        app.get(&format!("/api/v1/slots?date={day}"), Some(&call_center))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((count(&list, "public"), count(&list, "private")), (36, 0));
    let for_clinic_a = app
        .client
        .get(app.url(&format!("/api/v1/slots?date={day}")))
        .bearer_auth(&call_center)
        .header("x-yoyaku-on-behalf-of", "clinic-a")
        .send()
        .await
        .unwrap();
    let list = expect_json(for_clinic_a, StatusCode::OK).await;
    assert_eq!((count(&list, "public"), count(&list, "private")), (36, 12));
    expect_problem(
        app.get(
            &format!("/api/v1/slots?date={day}&municipality_code=131016"),
            Some(&call_center),
        )
        .await,
        StatusCode::FORBIDDEN,
        Code::AuthForbidden,
    )
    .await;
    expect_problem(
        app.get("/api/v1/slots?date=tomorrow", Some(&call_center))
            .await,
        StatusCode::BAD_REQUEST,
        Code::RequestMalformed,
    )
    .await;
}

#[tokio::test]
async fn a_clinic_books_only_its_own_venues_and_is_advised_to_fill_private_slots_first() {
    let app = spawn_app().await;
    let tickets = residents(&app, 7_000_000_001, 2).await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let day = next_slot_day();

    let e_public = demo_slot(&app.pool, 105, day, "0900", "public").await;
    let response = post(
        &app,
        "/api/v1/bookings",
        Some(&token),
        &booking_body(&tickets[0], e_public, 1),
    )
    .await;
    expect_problem(response, StatusCode::FORBIDDEN, Code::SlotOtherClinic).await;

    let public = demo_slot(&app.pool, 101, day, "1000", "public").await;
    let private = demo_slot(&app.pool, 101, day, "1000", "private").await;
    let response = post(
        &app,
        "/api/v1/bookings",
        Some(&token),
        &booking_body(&tickets[0], public, 1),
    )
    .await;
    let created = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(created["booking"]["channel"], "clinic");
    let advice = &created["private_first"];
    assert_eq!(advice["slot"]["id"], private.to_string());
    assert_eq!(advice["slot"]["remaining"], 2);
    assert!(advice["message_ja"].as_str().unwrap().contains("非公開枠"));

    // Choosing the private slot needs no advice.
    let response = post(
        &app,
        "/api/v1/bookings",
        Some(&token),
        &booking_body(&tickets[1], private, 1),
    )
    .await;
    let created = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(created["private_first"], Value::Null);
}

#[tokio::test]
async fn a_retry_with_the_same_booking_id_is_the_same_booking() {
    let app = spawn_app().await;
    let tickets = residents(&app, 7_000_000_001, 2).await;
    let token = app.login(&app.accounts.call_center).await.token;
    let day = next_slot_day();
    let slot = demo_slot(&app.pool, 105, day, "1400", "public").await;
    let id = Uuid::new_v4();
    let mut body = booking_body(&tickets[0], slot, 1);
    body["booking_id"] = id.to_string().into();

    let first = expect_json(
        post(&app, "/api/v1/bookings", Some(&token), &body).await,
        StatusCode::CREATED,
    )
    .await;
    let again = expect_json(
        post(&app, "/api/v1/bookings", Some(&token), &body).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["booking"], again["booking"]);
    assert_eq!(first["booking"]["id"], id.to_string());
    assert_eq!(booked(&app.pool, slot).await, 1);
    assert_eq!(active_bookings(&app).await, 1);

    // The same id for something else is refused, not taken for a retry.
    let mut other = booking_body(&tickets[1], slot, 1);
    other["booking_id"] = id.to_string().into();
    let response = post(&app, "/api/v1/bookings", Some(&token), &other).await;
    expect_problem(response, StatusCode::CONFLICT, Code::BookingIdConflict).await;
    assert_eq!(booked(&app.pool, slot).await, 1);
}

#[tokio::test]
async fn the_dose_rules_apply_across_channels() {
    let app = spawn_app().await;
    let [ticket] = <[String; 1]>::try_from(residents(&app, 7_000_000_001, 1).await).unwrap();
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    let day = next_slot_day();

    let response = post(
        &app,
        "/api/v1/bookings",
        None,
        &booking_body(
            &ticket,
            demo_slot(&app.pool, 101, day, "1100", "public").await,
            2,
        ),
    )
    .await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::BookingPreviousDoseMissing,
    )
    .await;

    book(
        &app,
        None,
        &ticket,
        BORN,
        demo_slot(&app.pool, 101, day, "1100", "public").await,
        1,
    )
    .await;
    let other_slot = demo_slot(&app.pool, 101, day, "1130", "private").await;
    let response = post(
        &app,
        "/api/v1/bookings",
        Some(&clinic),
        &booking_body(&ticket, other_slot, 1),
    )
    .await;
    let problem = expect_problem(response, StatusCode::CONFLICT, Code::BookingDuplicateDose).await;
    assert!(problem.message_ja.contains("1回目の予約がすでにあります"));
    assert_eq!(booked(&app.pool, other_slot).await, 0);

    let too_early = demo_slot(&app.pool, 101, day + TimeDelta::days(7), "1100", "private").await;
    let response = post(
        &app,
        "/api/v1/bookings",
        Some(&clinic),
        &booking_body(&ticket, too_early, 2),
    )
    .await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::BookingTooEarly,
    )
    .await;
}

/// The primary series is one product: dose 2 of another vaccine than dose 1 is refused by every
/// channel, and dose 1 booked again against a dose 2 of another vaccine too.
#[tokio::test]
async fn the_second_dose_is_of_the_first_doses_vaccine_on_every_channel() {
    let app = spawn_app().await;
    let [ticket] = <[String; 1]>::try_from(residents(&app, 7_000_000_101, 1).await).unwrap();
    sqlx::query(
        "insert into vaccines (municipality_code, code, name_ja, name_en, doses_per_vial,
             usable_hours_after_dilution, dose_interval_days, earliest_interval_days,
             warn_after_days)
         values ($1, 'moderna', '武田/モデルナ社ワクチン', 'Moderna', 10, 6, 28, 26, 42)",
    )
    .bind(KUMAMOTO)
    .execute(&app.pool)
    .await
    .unwrap();
    let day = next_slot_day();
    book(
        &app,
        None,
        &ticket,
        BORN,
        demo_slot(&app.pool, 101, day, "1100", "public").await,
        1,
    )
    .await;
    let mut other_vaccine = Vec::new();
    for visibility in ["public", "private"] {
        let slot = insert_slot(
            &app.pool,
            app.venue_id(101).await,
            day + TimeDelta::days(28),
            (10, 0),
            30,
            visibility,
            5,
        )
        .await;
        sqlx::query("update slots set vaccine_code = 'moderna' where id = $1")
            .bind(slot)
            .execute(&app.pool)
            .await
            .unwrap();
        other_vaccine.push(slot);
    }
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    let call_center = app.login(&app.accounts.call_center).await.token;
    for (token, slot) in [
        (None, other_vaccine[0]),
        (Some(call_center.as_str()), other_vaccine[0]),
        (Some(clinic.as_str()), other_vaccine[1]),
    ] {
        let response = post(
            &app,
            "/api/v1/bookings",
            token,
            &booking_body(&ticket, slot, 2),
        )
        .await;
        let problem = expect_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::BookingDifferentVaccine,
        )
        .await;
        assert!(
            problem.message_ja.contains("ファイザー社ワクチン"),
            "{}",
            problem.message_ja
        );
        assert_eq!(booked(&app.pool, slot).await, 0);
    }
    assert_eq!(active_bookings(&app).await, 1);
}

#[tokio::test]
async fn a_full_slot_is_refused_with_the_nearest_free_slots() {
    let app = spawn_app().await;
    let tickets = residents(&app, 7_000_000_001, 4).await;
    let day = next_slot_day();
    let full = demo_slot(&app.pool, 105, day, "1000", "public").await;
    for ticket in &tickets[..3] {
        book(&app, None, ticket, BORN, full, 1).await;
    }
    let response = post(
        &app,
        "/api/v1/bookings",
        None,
        &booking_body(&tickets[3], full, 1),
    )
    .await;
    let problem = expect_problem(response, StatusCode::CONFLICT, Code::SlotFull).await;
    assert_eq!(booked(&app.pool, full).await, 3);

    let alternatives = &problem.alternatives;
    assert_eq!(alternatives.len(), 5);
    // The same day first, nearest in time; public slots only for the web.
    let e_venue = app.venue_id(105).await;
    let mut nearest = Vec::new();
    for hhmm in ["0930", "1030", "0900", "1100", "1130"] {
        nearest.push(demo_slot(&app.pool, 105, day, hhmm, "public").await);
    }
    let ids: Vec<Uuid> = alternatives.iter().map(|a| a.slot_id).collect();
    assert_eq!(ids, nearest);
    assert!(
        alternatives
            .iter()
            .all(|a| a.venue_id == e_venue && a.remaining == 3)
    );
    assert_eq!(alternatives[0].venue_name, "E耳鼻咽喉科");
    assert!(
        alternatives
            .iter()
            .all(|a| a.visibility == Some(Visibility::Public)),
        "{alternatives:?}"
    );
}

#[tokio::test]
async fn bad_booking_requests_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let [ticket] = <[String; 1]>::try_from(residents(&app, 7_000_000_001, 1).await).unwrap();
    seed_tickets(&app.pool, &[String::from("7000000099")], born()).await;
    let day = next_slot_day();
    let slot = demo_slot(&app.pool, 101, day, "0900", "public").await;
    let past = insert_slot(
        &app.pool,
        app.venue_id(101).await,
        tokyo_today() - TimeDelta::days(1),
        (9, 0),
        30,
        "public",
        3,
    )
    .await;

    for (body, status, code) in [
        (
            booking_body(&ticket, slot, 0),
            StatusCode::BAD_REQUEST,
            Code::DoseNumberRange,
        ),
        (
            booking_body("700000000", slot, 1),
            StatusCode::BAD_REQUEST,
            Code::TicketNumberLength,
        ),
        (
            booking_body("7000000002", slot, 1),
            StatusCode::NOT_FOUND,
            Code::TicketNotInRegistry,
        ),
        (
            json!({"resident": key_json(&ticket, "1950-04-02"), "slot_id": slot, "dose": 1}),
            StatusCode::NOT_FOUND,
            Code::TicketNotInRegistry,
        ),
        (
            booking_body("7000000099", slot, 1),
            StatusCode::CONFLICT,
            Code::ResidentNotRegistered,
        ),
        (
            booking_body(&ticket, Uuid::new_v4(), 1),
            StatusCode::NOT_FOUND,
            Code::SlotNotFound,
        ),
        (
            booking_body(&ticket, past, 1),
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::SlotPast,
        ),
        (
            json!({"resident": key_json(&ticket, BORN), "slot_id": "not-a-uuid", "dose": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::RequestMalformed,
        ),
    ] {
        let response = post(&app, "/api/v1/bookings", None, &body).await;
        expect_problem(response, status, code).await;
    }
    assert_eq!(active_bookings(&app).await, 0);
    assert_eq!(booked(&app.pool, slot).await, 0);
    let audit: i64 = sqlx::query_scalar("select count(*) from audit_log")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(audit, 0);

    // The city administers; it does not book.
    let admin = app.login(&app.accounts.city_admin).await.token;
    let response = post(
        &app,
        "/api/v1/bookings",
        Some(&admin),
        &booking_body(&ticket, slot, 1),
    )
    .await;
    expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;

    let clinic = app.login(&app.accounts.clinic_a).await.token;
    for path in [
        "/api/v1/bookings/not-a-uuid/cancel".to_owned(),
        format!("/api/v1/bookings/{}/cancel", Uuid::new_v4()),
    ] {
        let response = post(&app, &path, Some(&clinic), &json!({})).await;
        let (status, code) = if path.contains("not-a-uuid") {
            (StatusCode::BAD_REQUEST, Code::RequestMalformed)
        } else {
            (StatusCode::NOT_FOUND, Code::BookingNotFound)
        };
        expect_problem(response, status, code).await;
    }
}

#[tokio::test]
async fn an_expired_session_is_refused_and_never_taken_for_the_web() {
    let app = spawn_app().await;
    let [ticket] = <[String; 1]>::try_from(residents(&app, 7_000_000_001, 1).await).unwrap();
    let token = app.login(&app.accounts.clinic_a).await.token;
    sqlx::query(
        "update sessions set created_at = now() - interval '13 hours',
                             expires_at = now() - interval '1 hour'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let slot = demo_slot(&app.pool, 101, next_slot_day(), "0900", "public").await;
    let response = post(
        &app,
        "/api/v1/bookings",
        Some(&token),
        &booking_body(&ticket, slot, 1),
    )
    .await;
    expect_problem(response, StatusCode::UNAUTHORIZED, Code::AuthSessionInvalid).await;
    let response = post(
        &app,
        "/api/v1/residents/lookup",
        Some(&token),
        &key_json(&ticket, BORN),
    )
    .await;
    expect_problem(response, StatusCode::UNAUTHORIZED, Code::AuthSessionInvalid).await;
    assert_eq!(active_bookings(&app).await, 0);
}

#[tokio::test]
async fn the_lifecycle_follows_the_core_transitions_and_frees_seats() {
    let app = spawn_app().await;
    let tickets = residents(&app, 7_000_000_001, 2).await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let slot = today_slot(&app.pool, app.venue_id(101).await, "private").await;
    let act = |id: Uuid, action: &'static str, body: Value| {
        let app = &app;
        let token = &token;
        async move {
            post(
                app,
                &format!("/api/v1/bookings/{id}/{action}"),
                Some(token),
                &body,
            )
            .await
        }
    };

    let given = book(&app, Some(&token), &tickets[0], BORN, slot, 1).await;
    let checked_in = expect_json(act(given, "check-in", json!({})).await, StatusCode::OK).await;
    assert_eq!(checked_in["status_label_ja"], "受付済み");
    let problem = expect_problem(
        act(given, "check-in", json!({})).await,
        StatusCode::CONFLICT,
        Code::BookingTransition,
    )
    .await;
    assert!(problem.message_ja.contains("受付済み"));
    for (body, status, code) in [
        (
            json!({"lot_number": "ロット"}),
            StatusCode::BAD_REQUEST,
            Code::LotNumberFormat,
        ),
        (
            json!({"lot_number": "FF3620", "vaccinated_at": "2999-01-01T00:00:00Z"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::VaccinationFuture,
        ),
    ] {
        expect_problem(act(given, "vaccination", body).await, status, code).await;
    }
    let vaccinated = expect_json(
        act(
            given,
            "vaccination",
            json!({"lot_number": " ｅｙ０７７９ "}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(vaccinated["status"], "vaccinated");
    assert_eq!(vaccinated["lot_number"], "EY0779");
    assert!(vaccinated["vaccinated_at"].is_string());
    // A dose given holds its seat for good.
    expect_problem(
        act(given, "cancel", json!({})).await,
        StatusCode::CONFLICT,
        Code::BookingTransition,
    )
    .await;
    assert_eq!(booked(&app.pool, slot).await, 1);

    // A no-show frees the seat; so does a cancellation, without a body at all.
    let absent = book(&app, Some(&token), &tickets[1], BORN, slot, 1).await;
    assert_eq!(booked(&app.pool, slot).await, 2);
    let no_show = expect_json(act(absent, "no-show", json!({})).await, StatusCode::OK).await;
    assert_eq!(no_show["status_label_ja"], "来院なし");
    assert_eq!(booked(&app.pool, slot).await, 1);
    let again = book(&app, Some(&token), &tickets[1], BORN, slot, 1).await;
    let response = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{again}/cancel")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let cancelled = expect_json(response, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(booked(&app.pool, slot).await, 1);

    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where entity_kind = 'booking' order by id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "booking.book",
            "booking.check_in",
            "booking.record_vaccination",
            "booking.book",
            "booking.no_show",
            "booking.book",
            "booking.cancel",
        ]
    );
}

#[tokio::test]
async fn reception_work_is_the_clinics_or_the_call_centers_acting_for_it() {
    let app = spawn_app().await;
    let [ticket] = <[String; 1]>::try_from(residents(&app, 7_000_000_001, 1).await).unwrap();
    let call_center = app.login(&app.accounts.call_center).await.token;
    let clinic_e = app.login(&app.accounts.clinic_e).await.token;
    let tomorrow = demo_slot(&app.pool, 101, next_slot_day(), "0900", "public").await;
    let early = book(&app, Some(&call_center), &ticket, BORN, tomorrow, 1).await;
    // A booking of a later day is not received today, by anyone.
    let early_path = format!("/api/v1/bookings/{early}/check-in");
    let clinic_a = app.login(&app.accounts.clinic_a).await.token;
    expect_problem(
        post(&app, &early_path, Some(&clinic_a), &json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::BookingBeforeTheDay,
    )
    .await;
    for (action, body, status, code) in [
        (
            "no-show",
            json!({}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::BookingBeforeTheDay,
        ),
        // Not received: no dose either.
        (
            "vaccination",
            json!({"lot_number": "FF3620"}),
            StatusCode::CONFLICT,
            Code::BookingTransition,
        ),
    ] {
        let path = format!("/api/v1/bookings/{early}/{action}");
        expect_problem(
            post(&app, &path, Some(&clinic_a), &body).await,
            status,
            code,
        )
        .await;
    }
    post(
        &app,
        &format!("/api/v1/bookings/{early}/cancel"),
        Some(&clinic_a),
        &json!({}),
    )
    .await;
    let slot = today_slot(&app.pool, app.venue_id(101).await, "public").await;
    let id = book(&app, Some(&call_center), &ticket, BORN, slot, 1).await;
    let path = format!("/api/v1/bookings/{id}/check-in");

    expect_problem(
        post(&app, &path, Some(&call_center), &json!({})).await,
        StatusCode::FORBIDDEN,
        Code::BookingClinicOnly,
    )
    .await;
    // Another clinic's booking does not exist for E.
    expect_problem(
        post(&app, &path, Some(&clinic_e), &json!({})).await,
        StatusCode::NOT_FOUND,
        Code::BookingNotFound,
    )
    .await;
    expect_problem(
        post(
            &app,
            &path,
            None,
            &json!({"resident": key_json(&ticket, BORN)}),
        )
        .await,
        StatusCode::FORBIDDEN,
        Code::BookingClinicOnly,
    )
    .await;
    // The call center acting for a clinic (X-Yoyaku-On-Behalf-Of) has that clinic's rights.
    let for_clinic = |clinic: &'static str| {
        app.client
            .post(app.url(&path))
            .bearer_auth(&call_center)
            .header("x-yoyaku-on-behalf-of", clinic)
            .send()
    };
    expect_problem(
        for_clinic("clinic-e").await.unwrap(),
        StatusCode::FORBIDDEN,
        Code::BookingClinicOnly,
    )
    .await;
    let checked_in = expect_json(for_clinic("clinic-a").await.unwrap(), StatusCode::OK).await;
    assert_eq!(checked_in["status"], "checked_in");
    let (channel, account, on_behalf_of): (String, Uuid, Uuid) = sqlx::query_as(
        "select channel, account_id, on_behalf_of from audit_log where action = 'booking.check_in'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(channel, "call_center");
    assert_eq!(account, app.account_uuid("callcenter").await);
    assert_eq!(on_behalf_of, app.account_uuid("clinic-a").await);
}

#[tokio::test]
async fn a_resident_on_the_web_cancels_only_with_their_own_key() {
    let app = spawn_app().await;
    let tickets = residents(&app, 7_000_000_001, 2).await;
    let slot = demo_slot(&app.pool, 105, next_slot_day(), "0900", "public").await;
    let id = book(&app, None, &tickets[0], BORN, slot, 1).await;
    let path = format!("/api/v1/bookings/{id}/cancel");

    for (body, status, code) in [
        (
            json!({}),
            StatusCode::BAD_REQUEST,
            Code::ResidentKeyRequired,
        ),
        (
            json!({"resident": key_json(&tickets[0], "1950-04-02")}),
            StatusCode::NOT_FOUND,
            Code::TicketNotInRegistry,
        ),
        (
            json!({"resident": key_json(&tickets[1], BORN)}),
            StatusCode::NOT_FOUND,
            Code::BookingNotFound,
        ),
    ] {
        expect_problem(post(&app, &path, None, &body).await, status, code).await;
    }
    assert_eq!(booked(&app.pool, slot).await, 1);
    // Any spelling of the birth date will do.
    let body = json!({"resident": key_json(&tickets[0], "S25.4.1")});
    let cancelled = expect_json(post(&app, &path, None, &body).await, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(booked(&app.pool, slot).await, 0);
}

#[tokio::test]
async fn a_change_cancels_and_books_both_or_neither() {
    let app = spawn_app().await;
    let tickets = residents(&app, 7_000_000_001, 3).await;
    let token = app.login(&app.accounts.clinic_e).await.token;
    let day = next_slot_day();
    let old_slot = demo_slot(&app.pool, 105, day, "0900", "private").await;
    let full = demo_slot(&app.pool, 105, day, "1000", "private").await;
    let free = demo_slot(&app.pool, 105, day + TimeDelta::days(7), "0900", "private").await;
    let id = book(&app, Some(&token), &tickets[0], BORN, old_slot, 1).await;
    for ticket in &tickets[1..] {
        book(&app, Some(&token), ticket, BORN, full, 1).await;
    }
    let path = format!("/api/v1/bookings/{id}/change");

    let problem = expect_problem(
        post(&app, &path, Some(&token), &json!({"slot_id": full})).await,
        StatusCode::CONFLICT,
        Code::SlotFull,
    )
    .await;
    assert!(!problem.alternatives.is_empty());
    let status: String = sqlx::query_scalar("select status from bookings where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        status, "reserved",
        "the old booking stays when the new slot is full"
    );
    assert_eq!(
        (
            booked(&app.pool, old_slot).await,
            booked(&app.pool, full).await
        ),
        (1, 2)
    );

    let new_id = Uuid::new_v4();
    let body = json!({"slot_id": free, "new_booking_id": new_id});
    let changed = expect_json(
        post(&app, &path, Some(&token), &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(changed["cancelled"]["id"], id.to_string());
    assert_eq!(changed["cancelled"]["status"], "cancelled");
    assert_eq!(changed["booking"]["id"], new_id.to_string());
    assert_eq!(changed["booking"]["slot"]["id"], free.to_string());
    assert_eq!(changed["booking"]["dose"], 1);
    assert_eq!(
        (
            booked(&app.pool, old_slot).await,
            booked(&app.pool, free).await
        ),
        (0, 1)
    );
    // A retry of the change is answered, not applied twice.
    let again = expect_json(post(&app, &path, Some(&token), &body).await, StatusCode::OK).await;
    assert_eq!(again["booking"]["id"], new_id.to_string());
    assert_eq!(booked(&app.pool, free).await, 1);
}

/// One hour slots from `hours` at venue 101 on a day of their own, each with one booking of a
/// resident from `first_ticket`; returns the slots by hour.
async fn one_dose_each(
    app: &TestApp,
    token: &str,
    date: NaiveDate,
    hours: std::ops::Range<u32>,
    first_ticket: u64,
) -> Vec<(u32, Uuid, Uuid)> {
    let venue = app.venue_id(101).await;
    let tickets = residents(app, first_ticket, hours.len() as u64).await;
    let mut slots = Vec::new();
    for (hour, ticket) in hours.zip(&tickets) {
        let slot = insert_slot(&app.pool, venue, date, (hour, 0), 60, "private", 1).await;
        let booking = book(app, Some(token), ticket, BORN, slot, 1).await;
        slots.push((hour, slot, booking));
    }
    slots
}

#[tokio::test]
async fn a_same_day_move_may_exceed_capacity_when_the_vials_allow() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let date = tokyo_today() + TimeDelta::days(40);
    // The manual's example: one dose at each of 10:00–15:00; 10:00 moves to 15:00.
    let day = one_dose_each(&app, &token, date, 10..16, 7_000_000_001).await;
    let (_, ten, booking) = day[0];
    let (_, fifteen, _) = day[5];

    let moved = expect_json(
        post(
            &app,
            &format!("/api/v1/bookings/{booking}/same-day-move"),
            Some(&token),
            &json!({"slot_id": fifteen}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["booking"]["slot"]["id"], fifteen.to_string());
    assert_eq!(moved["booking"]["status"], "reserved");
    assert_eq!(moved["plan"]["wasted"], 0);
    assert_eq!(moved["plan"]["vials"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            booked(&app.pool, ten).await,
            booked(&app.pool, fifteen).await
        ),
        (0, 2)
    );
    let action: String = sqlx::query_scalar(
        "select action from audit_log where entity_id = $1 order by id desc limit 1",
    )
    .bind(booking.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(action, "booking.same_day_move");
}

#[tokio::test]
async fn a_same_day_move_that_breaks_the_vial_conditions_is_refused_with_reasons() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    // Past the demo's eight weeks: the test's slots are the day's only ones.
    let date = tokyo_today() + TimeDelta::days(60);
    let day = one_dose_each(&app, &token, date, 9..15, 7_000_000_001).await;
    let venue = app.venue_id(101).await;
    let seventeen = insert_slot(&app.pool, venue, date, (17, 0), 60, "private", 1).await;
    let (_, ten, booking) = day[1];
    let path = format!("/api/v1/bookings/{booking}/same-day-move");

    let problem = expect_problem(
        post(&app, &path, Some(&token), &json!({"slot_id": seventeen})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SameDayChangeInfeasible,
    )
    .await;
    assert!(
        problem
            .message_ja
            .contains("09:00に希釈したバイアルは15:00まで"),
        "{}",
        problem.message_ja
    );
    assert!(problem.message_ja.contains("条件2"));
    assert!(problem.message_en.contains("must be used by 15:00"));
    // The planner's other times of the day, where the booking could go instead.
    let mut hours: Vec<u32> = problem
        .alternatives
        .iter()
        .map(|a| {
            let t = yoyaku_core::time::tokyo_date_time(a.starts_at).1;
            chrono::Timelike::hour(&t)
        })
        .collect();
    hours.sort();
    assert_eq!(hours, [9, 11, 12, 13, 14]);
    assert_eq!(
        (
            booked(&app.pool, ten).await,
            booked(&app.pool, seventeen).await
        ),
        (1, 0)
    );

    // Another day is a change, not a same-day move; only the clinic moves.
    let other_day = insert_slot(
        &app.pool,
        venue,
        date + TimeDelta::days(1),
        (10, 0),
        60,
        "private",
        1,
    )
    .await;
    expect_problem(
        post(&app, &path, Some(&token), &json!({"slot_id": other_day})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SameDayChangeNotSameDay,
    )
    .await;
    let call_center = app.login(&app.accounts.call_center).await.token;
    expect_problem(
        post(
            &app,
            &path,
            Some(&call_center),
            &json!({"slot_id": day[2].1}),
        )
        .await,
        StatusCode::FORBIDDEN,
        Code::BookingClinicOnly,
    )
    .await;
}

#[tokio::test]
async fn the_venue_list_shows_the_days_bookings_to_its_clinic() {
    let app = spawn_app().await;
    let tickets = residents(&app, 7_000_000_001, 2).await;
    let clinic_a = app.login(&app.accounts.clinic_a).await.token;
    let day = next_slot_day();
    let first = book(
        &app,
        Some(&clinic_a),
        &tickets[0],
        BORN,
        demo_slot(&app.pool, 101, day, "0900", "private").await,
        1,
    )
    .await;
    let second = book(
        &app,
        Some(&clinic_a),
        &tickets[1],
        BORN,
        demo_slot(&app.pool, 101, day, "0930", "public").await,
        1,
    )
    .await;
    post(
        &app,
        &format!("/api/v1/bookings/{second}/cancel"),
        Some(&clinic_a),
        &json!({}),
    )
    .await;

    let a_venue = app.venue_id(101).await;
    let list = expect_json(
        app.get(
            &format!("/api/v1/bookings?venue_id={a_venue}&date={day}&vaccine=pfizer"),
            Some(&clinic_a),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let rows = list["bookings"].as_array().unwrap();
    let summary: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap(),
                b["ticket_number"].as_str().unwrap(),
                b["status_label_ja"].as_str().unwrap(),
            )
        })
        .collect();
    let (first, second) = (first.to_string(), second.to_string());
    assert_eq!(
        summary,
        [
            (first.as_str(), tickets[0].as_str(), "予約済み"),
            (second.as_str(), tickets[1].as_str(), "キャンセル"),
        ]
    );
    assert_eq!(rows[0]["municipality_code"], KUMAMOTO);
    assert_eq!(rows[0]["slot"]["vaccine_name"], "ファイザー社ワクチン");
    assert_eq!(rows[0]["lot_number"], Value::Null);

    let e_venue = app.venue_id(105).await;
    expect_problem(
        app.get(
            &format!("/api/v1/bookings?venue_id={e_venue}&date={day}"),
            Some(&clinic_a),
        )
        .await,
        StatusCode::FORBIDDEN,
        Code::AuthForbidden,
    )
    .await;
    let call_center = app.login(&app.accounts.call_center).await.token;
    let list = expect_json(
        app.get(
            &format!("/api/v1/bookings?venue_id={a_venue}&date={day}"),
            Some(&call_center),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["bookings"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let app = spawn_app().await;
    let [ticket] = <[String; 1]>::try_from(residents(&app, 7_000_000_001, 1).await).unwrap();
    book(
        &app,
        None,
        &ticket,
        BORN,
        demo_slot(&app.pool, 101, next_slot_day(), "0900", "public").await,
        1,
    )
    .await;
    for statement in [
        "update audit_log set action = 'booking.nothing'",
        "delete from audit_log",
        "truncate audit_log",
    ] {
        let error = sqlx::query(statement).execute(&app.pool).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let rows: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'booking.book'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(rows, 1);
}
