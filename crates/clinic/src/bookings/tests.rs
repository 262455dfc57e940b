//! The booking use cases on a temporary cache filled with fixture rows, as a pull would leave it.

use crate::SyncState;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use tempfile::TempDir;
use uuid::Uuid;
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::second_dose::Proposal;
use yoyaku_core::time::from_tokyo;
use yoyaku_core::{Code, Coded};

use super::*;
use crate::error::ClinicError;
use crate::store::Store;

/// Runs a use case in a write transaction of the fixture's store, committing only on success, as
/// the `Clinic` methods do.
macro_rules! write {
    ($fx:expr, |$db:ident, $ctx:ident| $body:expr) => {{
        let mut tx = $fx.store.begin_write().await.unwrap();
        let $ctx = $fx.ctx();
        let $db = &mut *tx;
        let out = $body.await;
        if out.is_ok() {
            tx.commit().await.unwrap();
        }
        out
    }};
}

/// Runs a read on a connection of the fixture's store, as the `Clinic` methods do.
macro_rules! read {
    ($fx:expr, |$db:ident, $ctx:ident| $body:expr) => {{
        let mut conn = $fx.store.pool().acquire().await.unwrap();
        let $ctx = $fx.ctx();
        let $db = &mut *conn;
        $body.await
    }};
}

struct Fixture {
    _dir: TempDir,
    store: Store,
    venues: Vec<Uuid>,
    other_venue: Uuid,
    now: DateTime<Utc>,
}

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, m, d).unwrap()
}

fn hm(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn key(ticket: &str) -> ResidentKey {
    serde_json::from_value(serde_json::json!({
        "municipality_code": "431001", "ticket_number": ticket, "birth_date": "1945-03-03"
    }))
    .unwrap()
}

fn code(result: Result<impl std::fmt::Debug>) -> Code {
    let err = result.expect_err("the use case must refuse");
    assert!(matches!(err, ClinicError::Invalid { .. }), "{err:?}");
    assert!(!err.message_ja().is_empty() && !err.message_en().is_empty());
    err.code()
}

impl Fixture {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let (venue, other_venue) = (Uuid::new_v4(), Uuid::new_v4());
        sqlx::query("UPDATE sync_state SET device_id = ?")
            .bind(Uuid::new_v4().to_string())
            .execute(store.pool())
            .await
            .unwrap();
        for (id, number, name) in [
            (venue, 5, "E耳鼻咽喉科"),
            (other_venue, 1, "A胃腸科内科医院"),
        ] {
            sqlx::query("INSERT INTO venues (id, venue_number, name) VALUES (?, ?, ?)")
                .bind(id.to_string())
                .bind(number)
                .bind(name)
                .execute(store.pool())
                .await
                .unwrap();
        }
        sqlx::query(
            "INSERT INTO vaccines (code, name_ja, name_en, doses_per_vial, usable_hours,
                                   standard_days, earliest_days, warn_after_days)
             VALUES ('pfizer', 'ファイザー社ワクチン', 'Pfizer', 6, 6, 21, 19, 42)",
        )
        .execute(store.pool())
        .await
        .unwrap();
        Self {
            _dir: dir,
            store,
            venues: vec![venue],
            other_venue,
            now: Utc.with_ymd_and_hms(2021, 5, 1, 0, 0, 0).unwrap(),
        }
    }

    fn venue(&self) -> Uuid {
        self.venues[0]
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            venues: &self.venues,
            now: self.now,
        }
    }

    async fn slot_at(
        &self,
        venue: Uuid,
        day: NaiveDate,
        (start, end): (&str, &str),
        visibility: &str,
        capacity: i64,
    ) -> Uuid {
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO slots (id, venue_id, name, vaccine_code, vaccine_name, starts_at, ends_at,
                                local_date, start_time, end_time, visibility, capacity, booked)
             VALUES (?, ?, '', 'pfizer', 'ファイザー社ワクチン', ?, ?, ?, ?, ?, ?, ?, 0)",
        )
        .bind(id.to_string())
        .bind(venue.to_string())
        .bind(from_tokyo(day, hm(start)))
        .bind(from_tokyo(day, hm(end)))
        .bind(day.to_string())
        .bind(start)
        .bind(end)
        .bind(visibility)
        .bind(capacity)
        .execute(self.store.pool())
        .await
        .unwrap();
        id
    }

    async fn slot(&self, day: NaiveDate, times: (&str, &str), visibility: &str, cap: i64) -> Uuid {
        self.slot_at(self.venue(), day, times, visibility, cap)
            .await
    }

    async fn resident(&self, ticket: &str, registered: bool) -> ResidentKey {
        sqlx::query(
            "INSERT INTO residents (municipality_code, ticket_number, birth_date,
                                    family_name_kana, given_name_kana, sex, verified)
             VALUES ('431001', ?, '1945-03-03', ?, ?, 'male', 1)",
        )
        .bind(ticket)
        .bind(registered.then_some("テスト"))
        .bind(registered.then_some("タロー"))
        .execute(self.store.pool())
        .await
        .unwrap();
        key(ticket)
    }

    /// A booking the server already has, counted in its slot.
    async fn server_booking(
        &self,
        ticket: &str,
        slot: Uuid,
        dose: i64,
        status: &str,
        vaccinated_at: Option<DateTime<Utc>>,
    ) -> Uuid {
        let id = Uuid::new_v4();
        let holds = i64::from(status != "cancelled" && status != "no_show");
        sqlx::query(
            "INSERT INTO bookings (id, municipality_code, ticket_number, slot_id, dose, status,
                                   channel, lot_number, vaccinated_at, server_holds_seat)
             VALUES (?, '431001', ?, ?, ?, ?, 'web', ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(ticket)
        .bind(slot.to_string())
        .bind(dose)
        .bind(status)
        .bind(vaccinated_at.map(|_| "FF3620"))
        .bind(vaccinated_at)
        .bind(holds)
        .execute(self.store.pool())
        .await
        .unwrap();
        sqlx::query("UPDATE slots SET booked = booked + ? WHERE id = ?")
            .bind(holds)
            .bind(slot.to_string())
            .execute(self.store.pool())
            .await
            .unwrap();
        id
    }

    /// Everything a refused use case must leave as it was: the outbox and every booking.
    async fn state(&self) -> (Vec<(String, String)>, Vec<(String, String, String)>) {
        let outbox = sqlx::query_as("SELECT id, kind FROM outbox ORDER BY seq")
            .fetch_all(self.store.pool())
            .await
            .unwrap();
        let bookings = sqlx::query_as("SELECT id, status, slot_id FROM bookings ORDER BY id")
            .fetch_all(self.store.pool())
            .await
            .unwrap();
        (outbox, bookings)
    }

    async fn intents(&self) -> Vec<(String, serde_json::Value, String)> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT kind, action, depends_on FROM outbox ORDER BY seq")
                .fetch_all(self.store.pool())
                .await
                .unwrap();
        rows.into_iter()
            .map(|(k, a, d)| (k, serde_json::from_str(&a).unwrap(), d))
            .collect()
    }

    async fn remaining(&self, slot: Uuid) -> i64 {
        sqlx::query_scalar("SELECT remaining FROM slot_list WHERE slot_id = ?")
            .bind(slot.to_string())
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }
}

fn request(resident: &ResidentKey, slot_id: Uuid, dose: DoseNumber) -> BookRequest {
    BookRequest {
        resident: resident.clone(),
        slot_id,
        dose,
    }
}

#[tokio::test]
async fn a_first_dose_in_a_private_slot_is_certain_and_proposes_the_second_three_weeks_later() {
    let fx = Fixture::new().await;
    let taro = fx.resident("9000000062", true).await;
    let private = fx.slot(date(5, 13), ("09:00", "09:30"), "private", 2).await;
    let three_weeks = fx.slot(date(6, 3), ("09:00", "09:30"), "public", 3).await;
    let too_early = fx.slot(date(5, 31), ("09:00", "09:30"), "public", 3).await;

    let booked = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&taro, private, DoseNumber::FIRST)
    ))
    .unwrap();
    assert_eq!(booked.certainty, Certainty::PrivateSlot);
    assert_eq!(booked.certainty_label, "予約確定");
    assert_eq!(booked.booking.status_label, "予約済み");
    assert_eq!(booked.booking.sync_state, SyncState::Pending);
    assert_eq!(booked.booking.starts_label, "2021-05-13 09:00~");
    assert_eq!(booked.private_first, None);
    let booking_id = booked.booking.booking_id.parse().unwrap();
    let plan = read!(fx, |db, ctx| book::second_dose_of(db, &ctx, booking_id))
        .unwrap()
        .expect("a first dose gets a second-dose plan");
    assert_eq!(plan.standard_date, date(6, 3));
    let Proposal::SameVenue { slots } = plan.proposal else {
        panic!("{:?}", plan.proposal)
    };
    let proposed: Vec<Uuid> = slots.iter().map(|s| s.id).collect();
    assert_eq!(proposed, vec![three_weeks]);
    assert!(!proposed.contains(&too_early));
    assert_eq!(fx.remaining(private).await, 1);

    let intents = fx.intents().await;
    assert_eq!(intents.len(), 1);
    let (kind, action, _) = &intents[0];
    assert_eq!(kind, "book");
    assert_eq!(action["booking_id"], booked.booking.booking_id.as_str());
    assert_eq!(action["slot_id"], private.to_string());
    assert_eq!(action["lease_id"], serde_json::Value::Null);
    assert_eq!(action["resident"]["ticket_number"], "9000000062");
}

#[tokio::test]
async fn a_booking_of_a_resident_the_city_has_not_accepted_yet_is_tentative_even_in_a_private_slot()
{
    let fx = Fixture::new().await;
    let hanako = fx.resident("9000000070", true).await;
    let private = fx.slot(date(5, 13), ("09:00", "09:30"), "private", 2).await;
    // 住民情報登録 typed in offline: queued, not accepted by the city yet.
    let details = serde_json::from_value(serde_json::json!({
        "family_name_kana": "テスト", "given_name_kana": "ハナコ", "sex": "female",
        "phone": "0963281111", "email": null, "memo": ""
    }))
    .unwrap();
    write!(fx, |db, _ctx| crate::outbox::enqueue(
        db,
        crate::outbox::NewIntent {
            action: yoyaku_core::sync::Action::RegisterResident {
                resident: hanako.clone(),
                details,
                based_on: None,
                outside: None,
            },
            changes: vec![crate::outbox::Row::resident(&hanako)],
            needs: Vec::new(),
        }
    ))
    .unwrap();

    let booked = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&hanako, private, DoseNumber::FIRST)
    ))
    .unwrap();
    assert_eq!(
        booked.certainty,
        Certainty::Tentative {
            reason: Uncertainty::ResidentNotAccepted
        }
    );
    assert_eq!(booked.certainty_label, "仮予約");
    assert_eq!(booked.booking.sync_state, SyncState::Tentative);
    // The booking waits for the registration: refused, it is refused with it.
    let intents = fx.intents().await;
    assert_eq!(intents.len(), 2);
    assert_eq!(intents[1].0, "book");
    assert_ne!(
        intents[1].2, "[]",
        "the booking depends on the registration"
    );

    // Once the city has the registration, the next booking in a private slot is certain.
    sqlx::query("UPDATE outbox SET state = 'applied' WHERE kind = 'register_resident'")
        .execute(fx.store.pool())
        .await
        .unwrap();
    let later = fx.slot(date(6, 3), ("09:00", "09:30"), "private", 2).await;
    let second = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&hanako, later, DoseNumber::SECOND)
    ))
    .unwrap();
    assert_eq!(second.certainty, Certainty::PrivateSlot);
}

#[tokio::test]
async fn a_public_slot_is_tentative_without_a_lease_and_the_clinic_is_told_to_fill_private_first() {
    let fx = Fixture::new().await;
    let taro = fx.resident("9000000062", true).await;
    let public = fx.slot(date(5, 13), ("09:00", "09:30"), "public", 3).await;
    let private = fx.slot(date(5, 13), ("09:00", "09:30"), "private", 2).await;

    let booked = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&taro, public, DoseNumber::FIRST)
    ))
    .unwrap();
    assert_eq!(
        booked.certainty,
        Certainty::Tentative {
            reason: Uncertainty::PublicSeat
        }
    );
    assert_eq!(booked.certainty_label, "仮予約");
    assert_eq!(booked.booking.sync_state, SyncState::Tentative);
    assert_eq!(booked.booking.sync_state_label, "仮予約");
    let advice = booked.private_first.expect("the private slot has seats");
    assert_eq!(advice.slot.id, private);
    assert!(advice.message_ja.contains("非公開枠が埋まってから"));
}

#[tokio::test]
async fn a_leased_seat_makes_a_public_booking_certain_until_the_lease_is_used_up() {
    let fx = Fixture::new().await;
    let public = fx.slot(date(5, 13), ("09:00", "09:30"), "public", 3).await;
    let lease = Uuid::new_v4();
    sqlx::query("INSERT INTO leases (id, slot_id, seats, expires_at) VALUES (?, ?, 1, ?)")
        .bind(lease.to_string())
        .bind(public.to_string())
        .bind(fx.now + TimeDelta::hours(12))
        .execute(fx.store.pool())
        .await
        .unwrap();
    // The server counts leased seats as booked.
    sqlx::query("UPDATE slots SET booked = 1 WHERE id = ?")
        .bind(public.to_string())
        .execute(fx.store.pool())
        .await
        .unwrap();
    let a = fx.resident("9000000001", true).await;
    let b = fx.resident("9000000002", true).await;

    let first = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&a, public, DoseNumber::FIRST)
    ))
    .unwrap();
    assert_eq!(first.certainty, Certainty::LeasedSeat { lease_id: lease });
    assert_eq!(first.booking.sync_state, SyncState::Pending);
    let second = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&b, public, DoseNumber::FIRST)
    ))
    .unwrap();
    assert_eq!(
        second.certainty,
        Certainty::Tentative {
            reason: Uncertainty::PublicSeat
        }
    );
    let intents = fx.intents().await;
    assert_eq!(intents[0].1["lease_id"], lease.to_string());
    assert_eq!(intents[1].1["lease_id"], serde_json::Value::Null);
}

/// A booking on a leased seat that is cancelled gives the seat back to the lease, as the city
/// server does: the next caller is certain again, and the seats shown do not drop.
#[tokio::test]
async fn a_cancelled_booking_gives_its_leased_seat_back_to_the_lease() {
    let fx = Fixture::new().await;
    let public = fx.slot(date(5, 13), ("09:00", "09:30"), "public", 3).await;
    let lease = Uuid::new_v4();
    sqlx::query("INSERT INTO leases (id, slot_id, seats, expires_at) VALUES (?, ?, 1, ?)")
        .bind(lease.to_string())
        .bind(public.to_string())
        // Unexpired both for the rules (the fixture's clock) and for the seats view (the wall clock).
        .bind(Utc::now() + TimeDelta::hours(12))
        .execute(fx.store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE slots SET booked = 1 WHERE id = ?")
        .bind(public.to_string())
        .execute(fx.store.pool())
        .await
        .unwrap();
    let a = fx.resident("9000000001", true).await;
    let b = fx.resident("9000000002", true).await;
    let seats = fx.remaining(public).await;

    let first = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&a, public, DoseNumber::FIRST)
    ))
    .unwrap();
    assert_eq!(first.certainty, Certainty::LeasedSeat { lease_id: lease });
    assert_eq!(fx.remaining(public).await, seats - 1);
    let id: Uuid = first.booking.booking_id.parse().unwrap();
    write!(fx, |db, ctx| lifecycle::cancel(db, &ctx, id)).unwrap();
    assert_eq!(fx.remaining(public).await, seats);
    let second = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&b, public, DoseNumber::FIRST)
    ))
    .unwrap();
    assert_eq!(second.certainty, Certainty::LeasedSeat { lease_id: lease });
    assert_eq!(fx.remaining(public).await, seats - 1);
}

#[tokio::test]
async fn every_refused_booking_writes_nothing() {
    let fx = Fixture::new().await;
    let taro = fx.resident("9000000062", true).await;
    let unregistered = fx.resident("9000000070", false).await;
    let open = fx.slot(date(5, 13), ("09:00", "09:30"), "private", 2).await;
    let full = fx.slot(date(5, 13), ("10:00", "10:30"), "public", 1).await;
    let past = fx.slot(date(4, 20), ("09:00", "09:30"), "private", 2).await;
    let elsewhere = fx
        .slot_at(fx.other_venue, date(5, 13), ("09:00", "09:30"), "public", 3)
        .await;
    let early = fx.slot(date(5, 31), ("09:00", "09:30"), "private", 2).await;
    let other_vaccine = fx.slot(date(6, 3), ("09:00", "09:30"), "private", 2).await;
    for statement in [
        "INSERT INTO vaccines VALUES ('moderna', '武田/モデルナ社ワクチン', 'Moderna', 10, 6, 28, 26, 42)",
        "UPDATE slots SET vaccine_code = 'moderna', vaccine_name = '武田/モデルナ社ワクチン'
         WHERE id = ?",
    ] {
        sqlx::query(statement)
            .bind(other_vaccine.to_string())
            .execute(fx.store.pool())
            .await
            .unwrap();
    }
    fx.resident("9000000099", true).await;
    fx.server_booking("9000000099", full, 1, "reserved", None)
        .await;
    // Taro's first dose, then the refusals.
    write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&taro, open, DoseNumber::FIRST)
    ))
    .unwrap();
    let before = fx.state().await;

    let wrong_birth_date: ResidentKey = serde_json::from_value(serde_json::json!({
        "municipality_code": "431001", "ticket_number": "9000000062", "birth_date": "1945-03-04"
    }))
    .unwrap();
    let stranger = key("9000000123");
    let cases = [
        (
            request(&taro, Uuid::new_v4(), DoseNumber::SECOND),
            Code::SlotNotFound,
        ),
        (
            request(&taro, elsewhere, DoseNumber::SECOND),
            Code::SlotOtherClinic,
        ),
        (request(&taro, past, DoseNumber::SECOND), Code::SlotPast),
        (
            request(&taro, open, DoseNumber::FIRST),
            Code::BookingDuplicateDose,
        ),
        (
            request(&taro, early, DoseNumber::SECOND),
            Code::BookingTooEarly,
        ),
        (
            request(&taro, other_vaccine, DoseNumber::SECOND),
            Code::BookingDifferentVaccine,
        ),
        (
            request(&unregistered, open, DoseNumber::SECOND),
            Code::ResidentNotRegistered,
        ),
        (
            request(&stranger, open, DoseNumber::FIRST),
            Code::ResidentNotFound,
        ),
        (
            request(&wrong_birth_date, open, DoseNumber::SECOND),
            Code::ResidentNotFound,
        ),
    ];
    for (req, expected) in cases {
        let got = code(write!(fx, |db, ctx| book::book(db, &ctx, &req)));
        assert_eq!(got, expected, "{req:?}");
        assert_eq!(fx.state().await, before, "{expected} wrote something");
    }

    let jiro = fx.resident("9000000063", true).await;
    let err = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&jiro, full, DoseNumber::FIRST)
    ))
    .unwrap_err();
    assert_eq!(err.code(), Code::SlotFull);
    // The nearest slot with a seat is named: the same day's 09:00.
    assert!(
        err.message_ja().contains("2021/05/13 09:00〜09:30"),
        "{}",
        err.message_ja()
    );
    assert!(
        err.message_en().contains("2021-05-13 09:00"),
        "{}",
        err.message_en()
    );
    assert_eq!(fx.state().await, before);
    let mut db = fx.store.pool().acquire().await.unwrap();
    let full_slot = cache::slot(&mut db, full).await.unwrap().unwrap();
    let nearby = book::alternatives(&mut db, &fx.ctx(), &full_slot.core().unwrap())
        .await
        .unwrap();
    assert_eq!(nearby.len(), 1);
    assert_eq!(nearby[0].slot_id, open.to_string());
}

#[tokio::test]
async fn the_second_dose_books_after_the_first_and_takes_a_seat() {
    let fx = Fixture::new().await;
    let taro = fx.resident("9000000062", true).await;
    let first = fx.slot(date(5, 13), ("09:00", "09:30"), "private", 2).await;
    let second = fx.slot(date(6, 3), ("09:00", "09:30"), "private", 2).await;
    let missing = code(write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&taro, second, DoseNumber::SECOND)
    )));
    assert_eq!(missing, Code::BookingPreviousDoseMissing);
    write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&taro, first, DoseNumber::FIRST)
    ))
    .unwrap();
    let booked = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&taro, second, DoseNumber::SECOND)
    ))
    .unwrap();
    assert_eq!(booked.booking.dose, 2);
    let booking_id = booked.booking.booking_id.parse().unwrap();
    let plan = read!(fx, |db, ctx| book::second_dose_of(db, &ctx, booking_id));
    assert_eq!(plan.unwrap(), None, "a second dose has no dose-2 plan");
    assert_eq!(fx.remaining(second).await, 1);
    let intents = fx.intents().await;
    assert_eq!(intents.len(), 2);
}

#[tokio::test]
async fn cancel_frees_the_seat_and_refuses_what_the_lifecycle_forbids() {
    let fx = Fixture::new().await;
    let taro = fx.resident("9000000062", true).await;
    let slot = fx.slot(date(5, 13), ("09:00", "09:30"), "private", 2).await;
    let booked = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&taro, slot, DoseNumber::FIRST)
    ))
    .unwrap();
    let id: Uuid = booked.booking.booking_id.parse().unwrap();
    assert_eq!(fx.remaining(slot).await, 1);

    let cancelled = write!(fx, |db, ctx| lifecycle::cancel(db, &ctx, id)).unwrap();
    assert_eq!(cancelled.status_label, "キャンセル");
    assert_eq!(fx.remaining(slot).await, 2);
    let intents = fx.intents().await;
    assert_eq!(intents[1].0, "cancel");
    assert_eq!(intents[1].1["booking_id"], id.to_string());
    let book_intent: String = sqlx::query_scalar("SELECT id FROM outbox WHERE seq = 1")
        .fetch_one(fx.store.pool())
        .await
        .unwrap();
    assert!(
        intents[1].2.contains(&book_intent),
        "depends on the booking"
    );

    let before = fx.state().await;
    let again = code(write!(fx, |db, ctx| lifecycle::cancel(db, &ctx, id)));
    assert_eq!(again, Code::BookingTransition);
    let unknown = code(write!(fx, |db, ctx| lifecycle::cancel(
        db,
        &ctx,
        Uuid::new_v4()
    )));
    assert_eq!(unknown, Code::BookingNotFound);
    assert_eq!(fx.state().await, before);
}

#[tokio::test]
async fn reception_checks_in_records_the_lot_and_marks_no_shows() {
    let fx = Fixture::new().await;
    // The fixture's now is 2021-05-01 09:00 in Tokyo: today's slot, and tomorrow's.
    let slot = fx.slot(date(5, 1), ("09:00", "09:30"), "private", 3).await;
    let tomorrow = fx.slot(date(5, 2), ("09:00", "09:30"), "private", 3).await;
    fx.resident("9000000001", true).await;
    fx.resident("9000000002", true).await;
    fx.resident("9000000003", true).await;
    let came = fx
        .server_booking("9000000001", slot, 1, "reserved", None)
        .await;
    let absent = fx
        .server_booking("9000000002", slot, 1, "reserved", None)
        .await;
    let early = fx
        .server_booking("9000000003", tomorrow, 1, "reserved", None)
        .await;

    let before = fx.state().await;
    // Tomorrow's booking: no reception, no dose and no no-show today.
    let check_in_early = code(write!(fx, |db, ctx| lifecycle::check_in(db, &ctx, early)));
    assert_eq!(check_in_early, Code::BookingBeforeTheDay);
    let no_show_early = code(write!(fx, |db, ctx| lifecycle::mark_no_show(
        db, &ctx, early
    )));
    assert_eq!(no_show_early, Code::BookingBeforeTheDay);
    assert_eq!(fx.state().await, before);
    let not_yet = code(write!(fx, |db, ctx| lifecycle::record_vaccination(
        db, &ctx, came, "FF3620", None
    )));
    assert_eq!(not_yet, Code::BookingTransition, "受付 comes first");
    assert_eq!(fx.state().await, before);

    let row = write!(fx, |db, ctx| lifecycle::check_in(db, &ctx, came)).unwrap();
    assert_eq!(row.status_label, "受付済み");
    let before = fx.state().await;
    let bad_lot = code(write!(fx, |db, ctx| lifecycle::record_vaccination(
        db, &ctx, came, "FF 36/20", None
    )));
    assert_eq!(bad_lot, Code::LotNumberFormat);
    let future = code(write!(fx, |db, ctx| lifecycle::record_vaccination(
        db,
        &ctx,
        came,
        "FF3620",
        Some(fx.now + TimeDelta::hours(1))
    )));
    assert_eq!(future, Code::VaccinationFuture);
    let another_day = code(write!(fx, |db, ctx| lifecycle::record_vaccination(
        db,
        &ctx,
        came,
        "FF3620",
        Some(fx.now - TimeDelta::days(1))
    )));
    assert_eq!(another_day, Code::BookingVaccinatedOnAnotherDay);
    assert_eq!(fx.state().await, before);

    let row = write!(fx, |db, ctx| lifecycle::record_vaccination(
        db,
        &ctx,
        came,
        "ｆｆ３６２０",
        None
    ))
    .unwrap();
    assert_eq!(row.status_label, "接種済み");
    assert_eq!(row.lot_number.as_deref(), Some("FF3620"));
    assert_eq!(row.vaccinated_at, Some(fx.now));
    let cancel_given = code(write!(fx, |db, ctx| lifecycle::cancel(db, &ctx, came)));
    assert_eq!(cancel_given, Code::BookingTransition);

    let row = write!(fx, |db, ctx| lifecycle::mark_no_show(db, &ctx, absent)).unwrap();
    assert_eq!(row.status_label, "来院なし");
    assert_eq!(fx.remaining(slot).await, 2, "a no-show frees the seat");
    let kinds: Vec<String> = fx.intents().await.into_iter().map(|i| i.0).collect();
    assert_eq!(kinds, ["check_in", "record_vaccination", "mark_no_show"]);
    let recorded = &fx.intents().await[1].1;
    assert_eq!(recorded["lot_number"], "FF3620");
}

#[tokio::test]
async fn a_change_to_another_day_cancels_and_books_as_one_intent() {
    let fx = Fixture::new().await;
    let taro = fx.resident("9000000062", true).await;
    let old_slot = fx.slot(date(5, 13), ("09:00", "09:30"), "private", 2).await;
    let later_that_day = fx.slot(date(5, 13), ("11:00", "11:30"), "private", 2).await;
    let full = fx.slot(date(5, 14), ("09:00", "09:30"), "private", 1).await;
    let new_slot = fx.slot(date(5, 15), ("09:00", "09:30"), "private", 2).await;
    fx.resident("9000000099", true).await;
    fx.server_booking("9000000099", full, 1, "reserved", None)
        .await;
    let booked = write!(fx, |db, ctx| book::book(
        db,
        &ctx,
        &request(&taro, old_slot, DoseNumber::FIRST)
    ))
    .unwrap();
    let id: Uuid = booked.booking.booking_id.parse().unwrap();

    let before = fx.state().await;
    let same_day = code(write!(fx, |db, ctx| book::change(
        db,
        &ctx,
        id,
        later_that_day
    )));
    assert_eq!(same_day, Code::BookingChangeSameDay);
    let full = code(write!(fx, |db, ctx| book::change(db, &ctx, id, full)));
    assert_eq!(full, Code::SlotFull);
    assert_eq!(fx.state().await, before, "the old booking stays as it was");

    let changed = write!(fx, |db, ctx| book::change(db, &ctx, id, new_slot)).unwrap();
    assert_eq!(changed.cancelled.status, "cancelled");
    assert_eq!(changed.booked.booking.status, "reserved");
    assert_eq!(changed.booked.booking.date, "2021-05-15");
    assert_eq!(changed.booked.booking.dose, 1);
    assert_eq!(fx.remaining(old_slot).await, 2);
    assert_eq!(fx.remaining(new_slot).await, 1);
    let intents = fx.intents().await;
    assert_eq!(intents.len(), 2);
    assert_eq!(intents[1].0, "change_booking");
    assert_eq!(intents[1].1["booking_id"], id.to_string());
    assert_eq!(
        intents[1].1["new_booking_id"],
        changed.booked.booking.booking_id.as_str()
    );
    let touched: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox_touches WHERE seq = 2")
        .fetch_one(fx.store.pool())
        .await
        .unwrap();
    assert_eq!(
        touched, 2,
        "both bookings are held until the change settles"
    );
}

/// Manual 3-2 ②: six bookings 10:00–15:00, one vial; the 10:00 booking moves to 15:00.
async fn manual_day(fx: &Fixture) -> (Vec<Uuid>, Vec<Uuid>) {
    let mut slots = Vec::new();
    let mut bookings = Vec::new();
    for (i, hour) in (10..=15).enumerate() {
        let (start, end) = (format!("{hour}:00"), format!("{}:00", hour + 1));
        let slot = fx.slot(date(5, 20), (&start, &end), "private", 1).await;
        let ticket = format!("900000001{i}");
        fx.resident(&ticket, true).await;
        bookings.push(fx.server_booking(&ticket, slot, 1, "reserved", None).await);
        slots.push(slot);
    }
    (slots, bookings)
}

#[tokio::test]
async fn the_manuals_same_day_change_from_ten_to_three_is_feasible_and_exceeds_the_slot() {
    let fx = Fixture::new().await;
    let (slots, bookings) = manual_day(&fx).await;
    let check = write!(fx, |db, ctx| same_day::check(
        db,
        &ctx,
        bookings[0],
        slots[5]
    ))
    .unwrap();
    assert!(check.feasible, "{:?}", check.reasons);
    assert!(check.exceeds_capacity);
    let table: Vec<(&str, u32, u32)> = check
        .table
        .iter()
        .map(|r| (r.start_time.as_str(), r.before, r.after))
        .collect();
    assert_eq!(
        table,
        [
            ("10:00", 1, 0),
            ("11:00", 1, 1),
            ("12:00", 1, 1),
            ("13:00", 1, 1),
            ("14:00", 1, 1),
            ("15:00", 1, 2)
        ]
    );
    assert_eq!((check.before.total_doses, check.after.total_doses), (6, 6));
    assert_eq!((check.before.vial_count, check.after.vial_count), (1, 1));
    assert_eq!((check.before.wasted, check.after.wasted), (0, 0));
    assert_eq!(
        (
            check.after.vials[0].diluted_at.as_str(),
            check.after.vials[0].use_by.as_str()
        ),
        ("11:00", "17:00")
    );
    assert!(fx.intents().await.is_empty(), "a check writes nothing");

    let moved = write!(fx, |db, ctx| same_day::apply(
        db,
        &ctx,
        bookings[0],
        slots[5]
    ))
    .unwrap();
    assert_eq!(moved.booking.start_time, "15:00");
    let booked = |slot: Uuid| {
        let pool = fx.store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT booked FROM slot_list WHERE slot_id = ?")
                .bind(slot.to_string())
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        booked(slots[5]).await,
        2,
        "over capacity, as the manual allows"
    );
    assert_eq!(booked(slots[0]).await, 0, "the 10:00 seat is free at once");
    let intents = fx.intents().await;
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0].0, "same_day_move");
    assert_eq!(intents[0].1["slot_id"], slots[5].to_string());
}

#[tokio::test]
async fn an_infeasible_same_day_change_says_why_and_writes_nothing() {
    let fx = Fixture::new().await;
    let (slots, bookings) = manual_day(&fx).await;
    let evening = fx.slot(date(5, 20), ("17:00", "18:00"), "private", 1).await;
    let other_day = fx.slot(date(5, 21), ("10:00", "11:00"), "private", 1).await;

    let check = write!(fx, |db, ctx| same_day::check(
        db,
        &ctx,
        bookings[0],
        evening
    ))
    .unwrap();
    assert!(!check.feasible);
    assert_eq!(check.after.vial_count, 2);
    assert_eq!(check.after.wasted, 6);
    assert!(
        check.reasons.iter().any(|r| r.message_ja.contains("条件1")),
        "{:?}",
        check.reasons
    );
    assert!(check.reasons.iter().any(|r| r.message_ja.contains("条件2")));
    let fill = check.fill.expect("bookings that would avoid the waste");
    assert_eq!(fill.bookings, 6);
    // Moving within the day is fine, so the other slots are offered.
    assert!(
        check
            .alternatives
            .iter()
            .any(|s| s.slot_id == slots[5].to_string())
    );

    let before = fx.state().await;
    let refused = code(write!(fx, |db, ctx| same_day::apply(
        db,
        &ctx,
        bookings[0],
        evening
    )));
    assert_eq!(refused, Code::SameDayChangeInfeasible);
    let not_same_day = code(write!(fx, |db, ctx| same_day::apply(
        db,
        &ctx,
        bookings[0],
        other_day
    )));
    assert_eq!(not_same_day, Code::SameDayChangeNotSameDay);
    let same_slot = code(write!(fx, |db, ctx| same_day::apply(
        db,
        &ctx,
        bookings[0],
        slots[0]
    )));
    assert_eq!(same_slot, Code::SameDayChangeSameSlot);
    assert_eq!(fx.state().await, before);
}

#[tokio::test]
async fn the_day_list_is_in_time_order_with_the_manuals_words_and_exports_to_csv() {
    let fx = Fixture::new().await;
    let nine = fx.slot(date(5, 15), ("09:00", "09:30"), "public", 3).await;
    let eight = fx.slot(date(5, 15), ("08:30", "09:00"), "private", 3).await;
    let next_day = fx.slot(date(5, 16), ("09:00", "09:30"), "public", 3).await;
    for ticket in ["5000000029", "3000000013", "3000000014"] {
        fx.resident(ticket, true).await;
    }
    fx.server_booking("5000000029", nine, 1, "cancelled", None)
        .await;
    fx.server_booking("3000000013", nine, 1, "reserved", None)
        .await;
    fx.server_booking("3000000014", eight, 1, "reserved", None)
        .await;
    fx.server_booking("3000000013", next_day, 2, "reserved", None)
        .await;

    let mut db = fx.store.pool().acquire().await.unwrap();
    let rows = day_list::day_list(&mut db, fx.venue(), "pfizer", date(5, 15))
        .await
        .unwrap();
    let seen: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.starts_label.as_str(),
                r.ticket_number.as_str(),
                r.status_label.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("2021-05-15 08:30~", "3000000014", "予約済み"),
            ("2021-05-15 09:00~", "3000000013", "予約済み"),
            ("2021-05-15 09:00~", "5000000029", "キャンセル"),
        ]
    );
    assert!(rows.iter().all(|r| r.sync_state_label == "同期済み"));

    let csv = day_list::to_csv(&rows);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}予約開始日付,自治体番号,接種券番号,接種回数,ステータス,接種ワクチン,ロット番号,同期状態,住所地外"
    );
    assert_eq!(
        lines[1],
        "2021-05-15 08:30~,431001,3000000014,1,予約済み,ファイザー社ワクチン,,同期済み,"
    );
    assert_eq!(lines.len(), 5, "header, three rows and the final line end");
    assert_eq!(lines[4], "");
}

#[tokio::test]
async fn open_vials_replays_the_days_recorded_doses() {
    let fx = Fixture::new().await;
    let slot = fx
        .slot(date(5, 15), ("09:00", "12:00"), "private", 10)
        .await;
    let yesterday = fx
        .slot(date(5, 14), ("09:00", "12:00"), "private", 10)
        .await;
    let at = |h: u32, m: u32| from_tokyo(date(5, 15), NaiveTime::from_hms_opt(h, m, 0).unwrap());
    for i in 0..8u32 {
        let ticket = format!("90000001{i:02}");
        fx.resident(&ticket, true).await;
        fx.server_booking(
            &ticket,
            slot,
            1,
            "vaccinated",
            Some(at(9, 0) + TimeDelta::minutes(10 * i64::from(i))),
        )
        .await;
    }
    fx.resident("9000000200", true).await;
    fx.server_booking(
        "9000000200",
        yesterday,
        1,
        "vaccinated",
        Some(from_tokyo(date(5, 14), hm("23:50"))),
    )
    .await;

    let mut db = fx.store.pool().acquire().await.unwrap();
    let vials = vials::open_vials(&mut db, fx.venue(), "pfizer", date(5, 15), at(11, 0))
        .await
        .unwrap();
    assert_eq!(vials.doses_given, 8, "yesterday's dose is not today's");
    assert_eq!(vials.vials.len(), 2);
    assert_eq!(vials.vials[0].state, VialState::UsedUp);
    assert_eq!(
        (
            vials.vials[1].opened_time.as_str(),
            vials.vials[1].use_by_time.as_str()
        ),
        ("10:00", "16:00")
    );
    assert_eq!((vials.doses_left, vials.doses_wasted), (4, 0));
    // The day as booked (row ★): eight doses in two vials, four of them wasted at closing unless
    // four more are booked between 09:00 and 15:00.
    let day = &vials.day_plan;
    assert_eq!((day.plan.total_doses, day.plan.vial_count), (8, 2));
    assert_eq!(day.plan.wasted, 4);
    let fill = day.fill.as_ref().expect("what would fill the last vial");
    assert_eq!(fill.bookings, 4);
    assert_eq!(
        (
            fill.vials[0].diluted_at.as_str(),
            fill.vials[0].use_by.as_str()
        ),
        ("09:00", "15:00")
    );
    assert!(fill.message_ja.contains("あと4件"), "{}", fill.message_ja);
}

#[tokio::test]
async fn the_clinic_methods_need_a_login_and_commit_the_row_with_its_intent() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on the server's port: the clinic works offline.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let settings = crate::Settings {
        server_url: format!("http://{}", closed.local_addr().unwrap()),
        ..crate::Settings::default()
    };
    drop(closed);
    let clinic = Clinic::open(dir.path(), settings).await.unwrap();
    let fx = Fixture {
        _dir: tempfile::tempdir().unwrap(),
        store: clinic.store().clone(),
        venues: vec![Uuid::new_v4()],
        other_venue: Uuid::new_v4(),
        now: Utc::now(),
    };
    for sql in [
        "UPDATE sync_state SET device_id = 'c0ffee00-0000-4000-8000-000000000000'",
        "INSERT INTO vaccines VALUES ('pfizer', 'ファイザー社ワクチン', 'Pfizer', 6, 6, 21, 19, 42)",
    ] {
        sqlx::query(sql)
            .execute(clinic.store().pool())
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO venues (id, venue_number, name) VALUES (?, 5, 'E耳鼻咽喉科')")
        .bind(fx.venue().to_string())
        .execute(clinic.store().pool())
        .await
        .unwrap();
    let day = yoyaku_core::time::tokyo_today() + chrono::Days::new(3);
    let slot = fx.slot(day, ("09:00", "09:30"), "private", 2).await;
    let taro = fx.resident("9000000062", true).await;

    let err = clinic
        .book(request(&taro, slot, DoseNumber::FIRST))
        .await
        .unwrap_err();
    assert!(matches!(err, ClinicError::NotLoggedIn), "{err:?}");

    let profile = serde_json::from_value(serde_json::json!({
        "municipality_code": "431001", "municipality_name": "熊本市",
        "account_id": "clinic-e", "display_name": "E耳鼻咽喉科", "role": "clinic",
        "venues": [{"id": fx.venue(), "venue_number": 5, "name": "E耳鼻咽喉科"}]
    }))
    .unwrap();
    *clinic.current.write().await = Some(crate::engine::Current {
        profile,
        token: None,
    });
    let booked = clinic
        .book(request(&taro, slot, DoseNumber::FIRST))
        .await
        .unwrap();
    assert_eq!(booked.certainty, Certainty::PrivateSlot);
    assert_eq!(
        clinic.status().pending,
        1,
        "the indicator counts the new intent"
    );
    let id: Uuid = booked.booking.booking_id.parse().unwrap();
    // In three days: not received today.
    let err = clinic.check_in(id).await.unwrap_err();
    assert_eq!(err.code(), Code::BookingBeforeTheDay);
    let exports = tempfile::tempdir().unwrap();
    let saved = clinic
        .save_day_list_csv(fx.venue(), "pfizer", day, exports.path().to_owned())
        .await
        .unwrap();
    assert_eq!(
        saved.file_name().unwrap().to_string_lossy(),
        format!("接種予約状況_5_{day}_pfizer.csv")
    );
    let csv = std::fs::read_to_string(&saved).unwrap();
    assert!(
        csv.starts_with("\u{feff}予約開始日付,") && csv.contains("予約済み"),
        "{csv}"
    );
    clinic.cancel(id).await.unwrap();
    assert_eq!(clinic.status().pending, 2);
}
