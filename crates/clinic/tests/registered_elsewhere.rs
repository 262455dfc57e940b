//! Callers registered elsewhere (manual 2-1, 2-2) against a real city server: the key the caller
//! reads out shows the clinic their 予約者情報 and goes straight to 接種予約; details typed offline
//! for someone the city already knows are kept beside the city's for the receptionist to choose;
//! dose 2 after dose 1 elsewhere, and dose 1 here with dose 2 booked on the web.

mod common;

use chrono::{Days, NaiveDate};
use common::City;
use common::city::WebResident;
use common::work::{
    book_with_city, logged_in, private_slot, refusal, register, registry_entry, slot_id,
    sync_until_settled,
};
use uuid::Uuid;
use yoyaku_clinic::{BookRequest, Certainty, Clinic, DetailsChoice, RegistrationForm, WayOut};
use yoyaku_core::Code;
use yoyaku_core::Coded;
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident::{ResidentForm, Sex};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::resident_key::ResidentKeyInput;
use yoyaku_core::time::tokyo_today;

fn key_input(i: u32) -> ResidentKeyInput {
    let (ticket, born) = registry_entry(i);
    ResidentKeyInput {
        municipality_code: Some("431001".into()),
        ticket,
        birth_date: born.to_string(),
    }
}

/// Resident `i` registered 予約者情報 on the web (ウェブ ハナコ).
async fn registered_on_the_web(city: &City, i: u32) {
    let (ticket, born) = registry_entry(i);
    let url = city.url();
    WebResident {
        url: &url,
        ticket: &ticket,
        born,
    }
    .register()
    .await;
}

/// The first 公開枠 of E耳鼻咽喉科 (venue 105, not this clinic's) from `from_day` days ahead: its
/// id and Tokyo date.
async fn slot_at_e(city: &City, from_day: u64) -> (String, NaiveDate) {
    sqlx::query_as(
        "select s.id::text, (s.starts_at at time zone 'Asia/Tokyo')::date
         from slots s join venues v on v.municipality_code = s.municipality_code
                                   and v.id = s.venue_id
         where v.venue_number = 105 and s.visibility = 'public'
           and (s.starts_at at time zone 'Asia/Tokyo')::date >= $1
         order by s.starts_at limit 1",
    )
    .bind(tokyo_today() + Days::new(from_day))
    .fetch_one(&city.pool)
    .await
    .unwrap()
}

fn days_from_today(date: NaiveDate) -> u64 {
    (date - tokyo_today()).num_days().try_into().unwrap()
}

async fn book_here(clinic: &std::sync::Arc<Clinic>, key: ResidentKey, from_day: u64, dose: u8) {
    let slot = private_slot(clinic, from_day).await;
    let booked = book_with_city(clinic, key, &slot, dose).await.unwrap();
    assert_eq!(booked.certainty, Certainty::TakenByCity);
}

#[tokio::test]
async fn a_resident_registered_on_the_web_is_shown_to_repeat_back_and_booked_at_once() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    registered_on_the_web(&city, 30).await;

    let lookup = clinic.lookup_ticket(key_input(30)).await.unwrap();
    assert!(lookup.verified && lookup.online && lookup.registered);
    let details = lookup
        .details
        .expect("the caller's details, to repeat back");
    assert_eq!(
        (details.family_name_kana.as_str(), details.phone.digits()),
        ("ウェブ", "0963280000")
    );
    book_here(&clinic, lookup.key, 1, 1).await;
    // Nothing was registered again: the outbox held the booking only.
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM outbox")
        .fetch_all(clinic.store().pool())
        .await
        .unwrap();
    assert_eq!(kinds, ["book"]);
    assert_eq!(clinic.status().problems, 0);
}

#[tokio::test]
async fn details_typed_offline_for_a_resident_the_city_knows_are_kept_beside_the_citys() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    registered_on_the_web(&city, 31).await;
    registered_on_the_web(&city, 32).await;
    // Typed without the city's answer (as offline): テスト ジロー…, 096-328-103x.
    let first = register(&clinic, 31).await;
    let second = register(&clinic, 32).await;
    // The bookings made with them go on: the city knows the residents.
    book_here(&clinic, first.clone(), 1, 1).await;
    book_here(&clinic, second.clone(), 1, 1).await;

    let city_names = || async {
        let names: Vec<String> = sqlx::query_scalar(
            "select family_name_kana from residents where ticket_number = any($1)
             order by ticket_number",
        )
        .bind(vec![registry_entry(31).0, registry_entry(32).0])
        .fetch_all(&city.pool)
        .await
        .unwrap();
        names
    };
    assert_eq!(city_names().await, ["ウェブ", "ウェブ"]);
    let conflicts = clinic.details_conflicts().await.unwrap();
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    assert_eq!(conflicts[0].city.family_name_kana.as_str(), "ウェブ");
    assert_eq!(conflicts[0].clinic.family_name_kana.as_str(), "テスト");
    assert_eq!(clinic.status().problems, 2);

    // The first caller's details as this clinic took them; the second's as the city has them.
    clinic
        .resolve_details_conflict(conflicts[0].intent_id, DetailsChoice::Clinic)
        .await
        .unwrap();
    clinic
        .resolve_details_conflict(conflicts[1].intent_id, DetailsChoice::City)
        .await
        .unwrap();
    let again = clinic
        .resolve_details_conflict(conflicts[1].intent_id, DetailsChoice::Clinic)
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::SyncDetailsConflictNotFound);
    sync_until_settled(&clinic).await;
    assert_eq!(city_names().await, ["テスト", "ウェブ"]);
    assert_eq!(clinic.status().problems, 0);
    assert!(clinic.details_conflicts().await.unwrap().is_empty());
    let cached: Vec<String> =
        sqlx::query_scalar("SELECT family_name_kana FROM residents ORDER BY ticket_number")
            .fetch_all(clinic.store().pool())
            .await
            .unwrap();
    assert_eq!(cached, ["テスト", "ウェブ"]);
    // The change was audited as this clinic's, with what it replaced.
    let (before, after): (String, String) = sqlx::query_as(
        "select before->>'family_name_kana', after->>'family_name_kana' from audit_log
         where action = 'resident.update' and entity_id = $1",
    )
    .bind(&registry_entry(31).0)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!((before.as_str(), after.as_str()), ("ウェブ", "テスト"));
}

#[tokio::test]
async fn a_registration_the_city_refuses_is_said_in_place_and_kept_in_sync_problems() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    // Typed offline with a birth date the registry does not hold for the ticket.
    let (ticket, born) = registry_entry(33);
    clinic
        .register_resident(RegistrationForm {
            key: ResidentKeyInput {
                municipality_code: Some("431001".into()),
                ticket: ticket.clone(),
                birth_date: (born + Days::new(1)).to_string(),
            },
            details: ResidentForm {
                family_name_kana: "ﾃｽﾄ".into(),
                given_name_kana: "ｻﾌﾞﾛｰ".into(),
                sex: Some(Sex::Male),
                phone: "096-328-3333".into(),
                email: String::new(),
                memo: String::new(),
            },
            outside: None,
        })
        .await
        .unwrap();
    let key: ResidentKey = serde_json::from_value(serde_json::json!({
        "municipality_code": "431001", "ticket_number": ticket,
        "birth_date": (born + Days::new(1)).to_string()
    }))
    .unwrap();
    let slot = private_slot(&clinic, 1).await;

    let (code, way_out, ja) = refusal(book_with_city(&clinic, key, &slot, 1).await);
    // The registration's reason, not a bare "dependency refused", and nowhere 予約確定.
    assert_eq!(code, Code::TicketNotInRegistry);
    assert_eq!(way_out, WayOut::SyncProblems);
    assert!(ja.contains("同期の問題") && !ja.contains("確定"), "{ja}");
    // Both are kept where they are resolved; the city booked nothing.
    let problems = clinic.sync_problems().await.unwrap();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(clinic.status().problems, 2);
    let at_city: i64 = sqlx::query_scalar("select count(*) from bookings where ticket_number = $1")
        .bind(&ticket)
        .fetch_one(&city.pool)
        .await
        .unwrap();
    assert_eq!(at_city, 0);
}

/// Manual 2-2: dose 1 was given elsewhere; dose 2 is booked here, after the interval.
#[tokio::test]
async fn dose_2_here_after_dose_1_elsewhere_keeps_the_interval() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    registered_on_the_web(&city, 34).await;
    let (ticket, born) = registry_entry(34);
    let (slot, dose_1_day) = slot_at_e(&city, 3).await;
    let url = city.url();
    WebResident {
        url: &url,
        ticket: &ticket,
        born,
    }
    .book(&slot, 1)
    .await;

    let lookup = clinic.lookup_ticket(key_input(34)).await.unwrap();
    assert_eq!(lookup.history.len(), 1);
    assert_eq!(
        (
            lookup.history[0].dose,
            lookup.history[0].venue_name.as_str()
        ),
        (1, "E耳鼻咽喉科")
    );
    // A week after dose 1 is too early; the rule is the cache's, so it holds offline too.
    let early = private_slot(&clinic, days_from_today(dose_1_day) + 7).await;
    let err = clinic
        .book(BookRequest {
            resident: lookup.key.clone(),
            slot_id: slot_id(&early),
            dose: DoseNumber::new(2).unwrap(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::BookingTooEarly);
    let outbox: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(clinic.store().pool())
        .await
        .unwrap();
    assert_eq!(outbox, 0);

    book_here(&clinic, lookup.key, days_from_today(dose_1_day) + 21, 2).await;
}

/// Dose 1 here, dose 2 already booked on the web: one booking per dose across channels, and
/// dose 1 cannot move to within the interval before dose 2.
#[tokio::test]
async fn dose_1_here_with_dose_2_booked_on_the_web_keeps_one_booking_per_dose() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    let key = register(&clinic, 35).await;
    let first = private_slot(&clinic, 1).await;
    let booked = book_with_city(&clinic, key.clone(), &first, 1)
        .await
        .unwrap();
    let dose_1_day: NaiveDate = first.date.parse().unwrap();
    let (slot, dose_2_day) = slot_at_e(&city, days_from_today(dose_1_day) + 21).await;
    let (ticket, born) = registry_entry(35);
    let url = city.url();
    WebResident {
        url: &url,
        ticket: &ticket,
        born,
    }
    .book(&slot, 2)
    .await;

    let lookup = clinic.lookup_ticket(key_input(35)).await.unwrap();
    assert_eq!(lookup.history.len(), 2, "{:?}", lookup.history);
    let again = private_slot(&clinic, days_from_today(dose_2_day)).await;
    let err = clinic
        .book(BookRequest {
            resident: key,
            slot_id: slot_id(&again),
            dose: DoseNumber::new(2).unwrap(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::BookingDuplicateDose);
    // The message says when dose 2 is booked, for the receptionist to tell the caller.
    let said = err.message_ja();
    assert!(
        said.contains(&dose_2_day.format("%Y/%m/%d").to_string()),
        "{said}"
    );
    // Dose 1 moved to a week before dose 2 would break the interval.
    let later = private_slot(&clinic, days_from_today(dose_2_day) - 7).await;
    let booking_id: Uuid = booked.booking.booking_id.parse().unwrap();
    let err = clinic
        .change_booking(booking_id, slot_id(&later))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::BookingAfterNextDose);
}
