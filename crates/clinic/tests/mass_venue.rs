//! 2回目は市総合体育館等 (the slot-setup notice, item 1) against a real city server: a first dose
//! late in the period has its second after the window, which the clinic books at the city's mass
//! venue in one step, online; offline it says so and writes nothing.

mod common;

use std::sync::Arc;
use yoyaku_core::Code;

use common::City;
use common::work::{book_with_city, logged_in, private_slot, register, sync_until_settled};
use uuid::Uuid;
use yoyaku_city::demo::MASS_VENUE;
use yoyaku_clinic::{BookRequest, Clinic, ClinicError};
use yoyaku_core::Coded;
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::second_dose::Proposal;

/// Days ahead of a first dose whose standard second (21 days) is after the demo period's
/// second-dose window (days 21 to 41), while the first is inside the first-dose window (to 27).
const LATE_IN_THE_PERIOD: u64 = 22;

fn code(error: &ClinicError) -> Code {
    error.code()
}

/// The city's active bookings of the ticket: (dose, venue number).
async fn city_bookings(city: &City, key: &ResidentKey) -> Vec<(i16, i32)> {
    sqlx::query_as(
        "select b.dose, v.venue_number from bookings b
         join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
         join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
         where b.ticket_number = $1 and b.status = 'reserved' order by b.dose",
    )
    .bind(key.ticket_number.as_string())
    .fetch_all(&city.pool)
    .await
    .unwrap()
}

async fn first_dose_late(clinic: &Arc<Clinic>, key: ResidentKey) -> Uuid {
    let slot = private_slot(clinic, LATE_IN_THE_PERIOD).await;
    let booked = book_with_city(clinic, key, &slot, 1).await.unwrap();
    booked.booking.booking_id.parse().unwrap()
}

#[tokio::test]
async fn a_late_second_dose_is_offered_and_booked_at_the_mass_venue() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    let key = register(&clinic, 60).await;
    let first = first_dose_late(&clinic, key.clone()).await;

    let plan = clinic.second_dose_plan(first).await.unwrap().unwrap();
    assert!(
        matches!(plan.proposal, Proposal::MassVaccinationVenue { .. }),
        "{plan:?}"
    );
    let offer = clinic.mass_venue_offer(first, None).await.unwrap();
    assert_eq!(offer.standard_date, plan.standard_date);
    assert_eq!(
        offer.day,
        Some(plan.standard_date),
        "the standard date has seats"
    );
    assert!(offer.days.iter().all(|d| *d >= offer.earliest_date));
    assert!(!offer.slots.is_empty());
    assert!(offer.slots.iter().all(|s| s.venue_name == MASS_VENUE.name
        && s.date == plan.standard_date
        && s.remaining > 0));
    // Another day of the list.
    let other_day = offer.days[offer.days.len() - 1];
    let later = clinic
        .mass_venue_offer(first, Some(other_day))
        .await
        .unwrap();
    assert!(later.slots.iter().all(|s| s.date == other_day));

    let chosen = &offer.slots[0];
    let booked = clinic
        .book_at_mass_venue(first, chosen.slot_id)
        .await
        .unwrap();
    assert_eq!(booked.certainty_label, "予約確定");
    assert_eq!(
        (booked.dose, booked.venue_name.as_str(), booked.date),
        (2, MASS_VENUE.name, plan.standard_date)
    );
    assert_eq!(
        city_bookings(&city, &key).await,
        [(1, 101), (2, MASS_VENUE.number)]
    );

    // The cache keeps the mass venue's booking for the dose rules, which a booking here checks
    // before anything is sent: a second dose 2 is refused, offline as well.
    let slot = private_slot(&clinic, LATE_IN_THE_PERIOD + 21).await;
    let refused = clinic
        .book(BookRequest {
            resident: key,
            slot_id: slot.slot_id.parse().unwrap(),
            dose: DoseNumber::SECOND,
        })
        .await
        .unwrap_err();
    assert_eq!(code(&refused), Code::BookingDuplicateDose, "{refused:?}");
}

#[tokio::test]
async fn offline_the_mass_venue_is_not_offered_and_a_first_dose_made_offline_is_sent_first() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    let key = register(&clinic, 61).await;
    sync_until_settled(&clinic).await;

    city.stop().await;
    let first = first_dose_late(&clinic, key.clone()).await;
    let offline = clinic.mass_venue_offer(first, None).await.unwrap_err();
    assert_eq!(code(&offline), Code::MassVenueOffline);
    assert!(offline.message_ja().contains("コールセンター"));
    let any_slot = Uuid::new_v4();
    let offline = clinic
        .book_at_mass_venue(first, any_slot)
        .await
        .unwrap_err();
    assert_eq!(code(&offline), Code::MassVenueOffline);

    // Back online, the first dose has not reached the city yet: booking dose 2 sends it first.
    city.restart().await;
    let offer = clinic.mass_venue_offer(first, None).await.unwrap();
    let booked = clinic
        .book_at_mass_venue(first, offer.slots[0].slot_id)
        .await
        .unwrap();
    assert_eq!(booked.dose, 2);
    assert_eq!(
        city_bookings(&city, &key).await,
        [(1, 101), (2, MASS_VENUE.number)]
    );

    // The mass venue's booking is the city's, not this clinic's: no offer starts from it.
    let not_first = clinic
        .mass_venue_offer(booked.booking_id, None)
        .await
        .unwrap_err();
    assert_eq!(code(&not_first), Code::BookingNotFound);
}
