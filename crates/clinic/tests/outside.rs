//! 市外住民 (manual 2-3) against a real city server: a resident of another municipality is
//! registered with the guidance's reason, offline or online, booked here as 仮予約 until the
//! 住所地外接種届 is received, and shown as 住所地外 in the day's list and its CSV. A reason the
//! clinic may not decide, or none, is refused and nothing is written.

mod common;

use std::sync::Arc;
use yoyaku_core::Code;

use chrono::NaiveDate;
use common::City;
use common::work::{book_with_city, logged_in, private_slot, sync_until_settled};
use yoyaku_clinic::{Certainty, Clinic, ClinicError, OutsideChoice, RegistrationForm, Uncertainty};
use yoyaku_core::Coded;
use yoyaku_core::out_of_municipality::{Notification, Reason};
use yoyaku_core::resident::{ResidentForm, Sex};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::resident_key::ResidentKeyInput;

/// 千代田区's ticket 9000000062: another person than 熊本市's テスト タロー of the same number.
const CHIYODA: &str = "131016";
const TICKET: &str = "9000000062";
const BORN: &str = "1999-05-05";

fn key_input() -> ResidentKeyInput {
    ResidentKeyInput {
        municipality_code: Some(CHIYODA.into()),
        ticket: TICKET.into(),
        birth_date: BORN.into(),
    }
}

fn registration(outside: Option<OutsideChoice>) -> RegistrationForm {
    RegistrationForm {
        key: key_input(),
        details: ResidentForm {
            family_name_kana: "ｼｶﾞｲ".into(),
            given_name_kana: "ﾊﾅｺ".into(),
            sex: Some(Sex::Female),
            phone: "090-1234-5678".into(),
            email: String::new(),
            memo: String::new(),
        },
        outside,
    }
}

fn student(received: bool) -> Option<OutsideChoice> {
    Some(OutsideChoice {
        reason: Reason::StudentLivingAway,
        notification_received: received,
    })
}

fn code(error: &ClinicError) -> Code {
    error.code()
}

/// The city's record of the resident: (reason, notification).
async fn city_stay(city: &City) -> Option<(String, String)> {
    sqlx::query_as(
        "select outside_reason, notification from residents
         where home_code = $1 and ticket_number = $2",
    )
    .bind(CHIYODA)
    .bind(TICKET)
    .fetch_optional(&city.pool)
    .await
    .unwrap()
}

async fn cached_residents(clinic: &Arc<Clinic>) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM residents WHERE municipality_code = ?")
        .bind(CHIYODA)
        .fetch_one(clinic.store().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_resident_from_elsewhere_is_booked_as_tentative_until_the_notification_is_received() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;

    let lookup = clinic.lookup_ticket(key_input()).await.unwrap();
    assert!(lookup.out_of_municipality && lookup.online && !lookup.registered);

    let done = clinic
        .register_resident(registration(student(false)))
        .await
        .unwrap();
    let stay = done.outside.unwrap();
    assert_eq!(stay.notification(), Notification::Pending);
    sync_until_settled(&clinic).await;
    assert_eq!(
        city_stay(&city).await,
        Some(("student_living_away".into(), "pending".into()))
    );

    let key: ResidentKey = done.key.clone();
    let slot = private_slot(&clinic, 1).await;
    let booked = book_with_city(&clinic, key.clone(), &slot, 1)
        .await
        .unwrap();
    // The city took it, yet it is 仮予約 until the notification is received.
    assert_eq!(
        booked.certainty,
        Certainty::Tentative {
            reason: Uncertainty::NotificationPending
        }
    );
    assert_eq!(booked.certainty_label, "仮予約");
    let booked_at_city: i64 =
        sqlx::query_scalar("select count(*) from bookings where home_code = $1")
            .bind(CHIYODA)
            .fetch_one(&city.pool)
            .await
            .unwrap();
    assert_eq!(booked_at_city, 1);

    // 住所地外 in the day's list and its CSV.
    let date: NaiveDate = slot.date.parse().unwrap();
    let venue = slot.venue_id.parse().unwrap();
    let rows = clinic
        .day_list(venue, &slot.vaccine_code, date)
        .await
        .unwrap();
    let row = rows.iter().find(|r| r.ticket_number == TICKET).unwrap();
    assert_eq!(row.municipality_code, CHIYODA);
    assert_eq!(row.outside_label.as_deref(), Some("住所地外（届出未確認）"));
    let saved = clinic
        .save_day_list_csv(venue, &slot.vaccine_code, date, dir.path().join("lists"))
        .await
        .unwrap();
    let csv = std::fs::read_to_string(saved).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",住所地外"));
    assert!(csv.contains(&format!(",{CHIYODA},{TICKET},")), "{csv}");
    assert!(csv.contains("住所地外（届出未確認）"), "{csv}");

    // The 届出済証 shown: 情報変更 marks it received, and the next booking is 予約確定.
    let changed = clinic
        .register_resident(registration(student(true)))
        .await
        .unwrap();
    assert_eq!(
        changed.outside.unwrap().notification(),
        Notification::Received
    );
    sync_until_settled(&clinic).await;
    assert_eq!(
        city_stay(&city).await,
        Some(("student_living_away".into(), "received".into()))
    );
    let lookup = clinic.lookup_ticket(key_input()).await.unwrap();
    assert_eq!(
        lookup.outside.map(|s| s.notification()),
        Some(Notification::Received)
    );
    let second = private_slot(&clinic, 22).await;
    let booked = book_with_city(&clinic, key, &second, 2).await.unwrap();
    assert_eq!(booked.certainty, Certainty::TakenByCity);

    // Another computer of the clinic gets the stay with the resident in its first sync.
    let other_dir = tempfile::tempdir().unwrap();
    let other = logged_in(&city.url(), &city, other_dir.path()).await;
    sync_until_settled(&other).await;
    let record = other.resident_detail(CHIYODA, TICKET).await.unwrap();
    assert_eq!(
        record.outside_label.as_deref(),
        Some("住所地外（届出済み）")
    );
}

#[tokio::test]
async fn offline_a_resident_from_elsewhere_is_registered_and_reaches_the_city_later() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    city.stop().await;

    let lookup = clinic.lookup_ticket(key_input()).await.unwrap();
    assert!(lookup.out_of_municipality && !lookup.online);
    let done = clinic
        .register_resident(registration(Some(OutsideChoice {
            reason: Reason::InpatientOrResident,
            notification_received: false,
        })))
        .await
        .unwrap();
    assert_eq!(
        done.outside.unwrap().notification(),
        Notification::NotRequired
    );
    let slot = private_slot(&clinic, 1).await;
    let booked = book_with_city(&clinic, done.key.clone(), &slot, 1)
        .await
        .unwrap();
    // Offline, the registration the city has not accepted yet makes it 仮予約.
    assert!(matches!(booked.certainty, Certainty::Tentative { .. }));

    city.restart().await;
    sync_until_settled(&clinic).await;
    assert_eq!(
        city_stay(&city).await,
        Some(("inpatient_or_resident".into(), "not_required".into()))
    );
    let at_city: Vec<(i16, String)> =
        sqlx::query_as("select dose, home_code from bookings where ticket_number = $1")
            .bind(TICKET)
            .fetch_all(&city.pool)
            .await
            .unwrap();
    assert_eq!(at_city, [(1, CHIYODA.to_owned())]);
}

#[tokio::test]
async fn a_reason_the_clinic_may_not_decide_or_none_is_refused_and_nothing_is_written() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;

    let other = clinic
        .register_resident(registration(Some(OutsideChoice {
            reason: Reason::Other,
            notification_received: false,
        })))
        .await
        .unwrap_err();
    assert_eq!(code(&other), Code::OutsideReferToCallCenter);
    assert!(other.message_ja().contains("コールセンター"));
    let none = clinic
        .register_resident(registration(None))
        .await
        .unwrap_err();
    assert_eq!(code(&none), Code::OutsideReasonRequired);
    // This city's own ticket takes no reason.
    let mut local = registration(student(false));
    local.key.municipality_code = Some("431001".into());
    local.key.birth_date = "1945-03-03".into();
    let refused = clinic.register_resident(local).await.unwrap_err();
    assert_eq!(code(&refused), Code::OutsideNotOutside);
    // A 自治体番号 with a wrong check digit.
    let mut wrong = registration(student(false));
    wrong.key.municipality_code = Some("131017".into());
    let refused = clinic.register_resident(wrong).await.unwrap_err();
    assert!(
        matches!(refused, ClinicError::InvalidFields(_)),
        "{refused:?}"
    );

    assert_eq!(cached_residents(&clinic).await, 0);
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(clinic.store().pool())
        .await
        .unwrap();
    assert_eq!(pending, 0);
}
