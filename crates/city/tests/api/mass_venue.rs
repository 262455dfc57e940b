//! 2回目は市総合体育館等 (the slot-setup notice, item 1): every clinic books the 公開枠 of the
//! city's mass venue, and nothing else outside its own venues.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;
use yoyaku_city::demo::MASS_VENUE;
use yoyaku_core::Code;
use yoyaku_core::time::tokyo_today;
use yoyaku_core::wire::MassVenueSlotList;

use crate::support::{
    TestApp, book, demo_slot, expect_json, expect_problem, insert_slot, key_json, seed_residents,
    spawn_app, tickets,
};

const BORN: &str = "1950-04-01";

/// A Monday-to-Saturday day `from` or later: the demo has slots on it.
fn slot_day(from: NaiveDate) -> NaiveDate {
    (0..7)
        .map(|offset| from + TimeDelta::days(offset))
        .find(|day| day.weekday() != Weekday::Sun)
        .unwrap()
}

async fn mass_venue_slots(
    app: &TestApp,
    token: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> MassVenueSlotList {
    let path = format!("/api/v1/mass-venues/slots?vaccine=pfizer&from={from}&to={to}");
    let response = app.get(&path, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// A registered resident of the registry with the ticket `number`, and clinic A's token.
async fn resident_and_clinic(app: &TestApp, number: u64) -> (String, String) {
    let ticket = tickets(number, 1).remove(0);
    seed_residents(
        &app.pool,
        std::slice::from_ref(&ticket),
        BORN.parse().unwrap(),
    )
    .await;
    (ticket, app.login(&app.accounts.clinic_a).await.token)
}

fn dose_2(ticket: &str, slot: Uuid) -> serde_json::Value {
    json!({ "resident": key_json(ticket, BORN), "slot_id": slot, "dose": 2 })
}

#[tokio::test]
async fn a_clinic_books_a_late_second_dose_at_the_mass_venue_within_the_dose_rules() {
    let app = spawn_app().await;
    let (ticket, clinic) = resident_and_clinic(&app, 9_300_000_000).await;
    let ticket = &ticket;
    // Dose 1 at the clinic late in the demo's period: its second is after the period's window.
    let first_day = slot_day(tokyo_today() + TimeDelta::days(22));
    let first = demo_slot(&app.pool, 101, first_day, "0900", "private").await;
    book(&app, Some(&clinic), ticket, BORN, first, 1).await;

    // The mass venue's public slots with seats, by time, and nothing else.
    let standard = first_day + TimeDelta::days(21);
    let list = mass_venue_slots(&app, &clinic, standard, standard + TimeDelta::days(6)).await;
    assert!(!list.slots.is_empty());
    let mass_venue = app.venue_id(MASS_VENUE.number).await;
    for s in &list.slots {
        assert_eq!(s.venue_name, MASS_VENUE.name);
        assert_eq!(s.slot.venue_id, mass_venue);
        assert!(s.slot.remaining > 0);
        assert_eq!(s.slot.visibility, yoyaku_core::Visibility::Public);
    }
    assert!(list.slots.is_sorted_by_key(|s| s.slot.starts_at));

    // Too early after dose 1 (the vaccine's earliest interval is 19 days): refused, nothing kept.
    let early = mass_venue_slots(
        &app,
        &clinic,
        first_day + TimeDelta::days(2),
        first_day + TimeDelta::days(8),
    )
    .await;
    let too_early = early.slots[0].slot.id;
    let response = app
        .post_json(
            "/api/v1/bookings",
            Some(&clinic),
            &dose_2(ticket, too_early),
        )
        .await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::BookingTooEarly,
    )
    .await;

    // On the day: booked from the clinic, on the clinic's channel, at the mass venue.
    let chosen = list.slots[0].slot.id;
    let created = expect_json(
        app.post_json("/api/v1/bookings", Some(&clinic), &dose_2(ticket, chosen))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["booking"]["slot"]["venue_name"], MASS_VENUE.name);
    assert_eq!(created["booking"]["channel"], "clinic");
    let after = mass_venue_slots(&app, &clinic, standard, standard + TimeDelta::days(6)).await;
    let seat = |list: &MassVenueSlotList| {
        list.slots
            .iter()
            .find(|s| s.slot.id == chosen)
            .map(|s| s.slot.remaining)
    };
    assert_eq!(seat(&after), seat(&list).map(|n| n - 1));

    // One booking per dose, across venues: another mass venue seat for dose 2 is refused.
    let again = list.slots[1].slot.id;
    let response = app
        .post_json("/api/v1/bookings", Some(&clinic), &dose_2(ticket, again))
        .await;
    expect_problem(response, StatusCode::CONFLICT, Code::BookingDuplicateDose).await;
}

#[tokio::test]
async fn the_mass_venues_private_seats_and_other_clinics_venues_stay_closed_to_a_clinic() {
    let app = spawn_app().await;
    let (ticket, clinic) = resident_and_clinic(&app, 9_300_000_100).await;
    let ticket = &ticket;
    let day = slot_day(tokyo_today() + TimeDelta::days(2));
    let mass_venue = app.venue_id(MASS_VENUE.number).await;
    let private = insert_slot(&app.pool, mass_venue, day, (8, 0), 30, "private", 5).await;
    let body = json!({ "resident": key_json(ticket, BORN), "slot_id": private, "dose": 1 });
    let response = app
        .post_json("/api/v1/bookings", Some(&clinic), &body)
        .await;
    expect_problem(response, StatusCode::FORBIDDEN, Code::SlotPrivate).await;
    // Nor listed.
    let list = mass_venue_slots(&app, &clinic, day, day).await;
    assert!(list.slots.iter().all(|s| s.slot.id != private));

    let other_clinic = demo_slot(&app.pool, 105, day, "0900", "public").await;
    let body = json!({ "resident": key_json(ticket, BORN), "slot_id": other_clinic, "dose": 1 });
    let response = app
        .post_json("/api/v1/bookings", Some(&clinic), &body)
        .await;
    expect_problem(response, StatusCode::FORBIDDEN, Code::SlotOtherClinic).await;

    // The city's administrators do not book; the web asks the public slots' own question.
    let admin = app.login(&app.accounts.city_admin).await.token;
    let path = format!("/api/v1/mass-venues/slots?vaccine=pfizer&from={day}&to={day}");
    expect_problem(
        app.get(&path, Some(&admin)).await,
        StatusCode::FORBIDDEN,
        Code::AuthForbidden,
    )
    .await;
    expect_problem(
        app.get(&path, None).await,
        StatusCode::UNAUTHORIZED,
        Code::AuthSessionInvalid,
    )
    .await;
}

#[tokio::test]
async fn the_city_marks_a_venue_as_its_mass_venue_and_a_clinic_venue_needs_its_clinic() {
    let app = spawn_app().await;
    let admin = app.login(&app.accounts.city_admin).await.token;
    let venue =
        json!({ "venue_number": 901, "name": "熊本城ホール（集団接種会場）", "mass_venue": true });
    let created = expect_json(
        app.post_json("/api/v1/admin/venues", Some(&admin), &venue)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["mass_venue"], true);
    assert_eq!(created["clinic_account_id"], serde_json::Value::Null);

    let no_clinic = json!({ "venue_number": 902, "name": "B内科" });
    let response = app
        .post_json("/api/v1/admin/venues", Some(&admin), &no_clinic)
        .await;
    let problem =
        expect_problem(response, StatusCode::BAD_REQUEST, Code::VenueClinicRequired).await;
    assert!(problem.message_ja.contains("医療機関のアカウントID"));
    let count: i64 = sqlx::query_scalar("select count(*) from venues where venue_number = 902")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing written");
}
