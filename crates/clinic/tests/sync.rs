//! The clinic's sync against a real city server and PostgreSQL: a day's work offline then synced,
//! a public seat lost to the web while offline, and the network or the app failing at the worst
//! moments. After each, the city and the cache agree row for row, and nothing is lost or doubled.

mod common;

use std::sync::Arc;
use std::time::Duration;
use yoyaku_core::Code;

use chrono::{Days, NaiveDate, TimeDelta};
use common::city::WebResident;
use common::proxy::{Fault, Proxy};
use common::work::{
    book_with_city, logged_in, open_slots, private_slot, public_slot_beyond_leases, refusal,
    register, registry_entry, slot_id, sync_until_settled,
};
use common::{City, form, open_clinic};
use uuid::Uuid;
use yoyaku_clinic::{
    BookRequest, Booked, Certainty, Clinic, RegistrationForm, SlotRow, SyncState, WayOut,
};
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident::{ResidentForm, Sex};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::resident_key::ResidentKeyInput;
use yoyaku_core::sync::Action;
use yoyaku_core::time::tokyo_today;

/// Registers resident `i` and books their first dose in `slot`.
async fn register_and_book(clinic: &Clinic, i: u32, slot: &SlotRow) -> Booked {
    let resident = register(clinic, i).await;
    clinic
        .book(BookRequest {
            resident,
            slot_id: slot_id(slot),
            dose: DoseNumber::FIRST,
        })
        .await
        .expect("book")
}

/// Every booking at the clinic's venues: (id, ticket, slot, dose, status), as the city has them.
async fn city_bookings(city: &City) -> Vec<(String, String, String, i32, String)> {
    sqlx::query_as(
        "select b.id::text, b.ticket_number, b.slot_id::text, b.dose::int, b.status::text
         from bookings b join slots s on s.municipality_code = b.municipality_code
                                     and s.id = b.slot_id
         join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
         where v.venue_number = 101 order by b.id",
    )
    .fetch_all(&city.pool)
    .await
    .unwrap()
}

async fn cached_bookings(clinic: &Clinic) -> Vec<(String, String, String, i32, String)> {
    sqlx::query_as("SELECT id, ticket_number, slot_id, dose, status FROM bookings ORDER BY id")
        .fetch_all(clinic.store().pool())
        .await
        .unwrap()
}

async fn outbox_states(clinic: &Clinic) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state")
        .fetch_all(clinic.store().pool())
        .await
        .unwrap()
}

/// Syncs until the cache holds exactly the city's bookings at the clinic, or fails saying how
/// they differ.
async fn assert_agree_after_sync(city: &City, clinic: &Clinic) {
    for _ in 0..20 {
        if city_bookings(city).await == cached_bookings(clinic).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        clinic.sync_now().await;
    }
    assert_eq!(city_bookings(city).await, cached_bookings(clinic).await);
}

#[tokio::test]
async fn a_day_offline_is_applied_in_full_when_the_network_returns() {
    let mut city = City::start().await;
    // Today's arrivals are received (受付) today; the others are booked for the coming days.
    let today = city.today_slot(101, "private", 20).await.to_string();
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let slots = open_slots(&clinic, 1).await;
    assert!(slots.len() >= 10, "the demo has slots ahead");
    let today = clinic
        .slot_list(tokyo_today())
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.slot_id == today)
        .expect("today's slot is cached");

    city.stop().await;
    let mut booked = Vec::new();
    for i in 0..50u32 {
        let slot = match i {
            10..20 => &today,
            _ => &slots[i as usize % slots.len()],
        };
        let result = register_and_book(&clinic, i, slot).await;
        booked.push(result.booking.booking_id.parse::<Uuid>().unwrap());
    }
    for id in &booked[..10] {
        clinic.cancel(*id).await.expect("cancel offline");
    }
    for id in &booked[10..20] {
        clinic.check_in(*id).await.expect("check in offline");
    }
    let offline = clinic.sync_now().await;
    assert!(!offline.online);
    assert_eq!(offline.pending, 50 + 50 + 10 + 10);

    city.restart().await;
    sync_until_settled(&clinic).await;
    assert_eq!(
        clinic.status().problems,
        0,
        "{:?}",
        clinic.sync_problems().await
    );
    assert_eq!(outbox_states(&clinic).await, vec![("applied".into(), 120)]);

    let at_city = city_bookings(&city).await;
    assert_eq!(at_city.len(), 50);
    assert_eq!(at_city, cached_bookings(&clinic).await);
    let statuses = |s: &str| at_city.iter().filter(|b| b.4 == s).count();
    assert_eq!(
        (
            statuses("cancelled"),
            statuses("checked_in"),
            statuses("reserved")
        ),
        (10, 10, 30)
    );
    let registered: i64 = sqlx::query_scalar(
        "select count(*) from residents where ticket_number between '9000001000' and '9000001049'",
    )
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!(registered, 50);
    // The seats the clinic sees are the city's, its own unused leased seats excepted (those it
    // may still book).
    let seats: Vec<(String, i64)> =
        sqlx::query_as("SELECT slot_id, booked FROM slot_list ORDER BY slot_id")
            .fetch_all(clinic.store().pool())
            .await
            .unwrap();
    for (slot, booked) in seats {
        let city_view: i64 = sqlx::query_scalar(
            "select s.booked - coalesce((select sum(l.seats - l.used) from leases l
                                         where l.slot_id = s.id and l.released_at is null
                                           and l.expires_at > now()), 0)
             from slots s where s.id = $1::uuid",
        )
        .bind(&slot)
        .fetch_one(&city.pool)
        .await
        .unwrap();
        assert_eq!(booked, city_view, "slot {slot}");
    }
}

#[tokio::test]
async fn a_public_seat_taken_on_the_web_while_offline_comes_back_as_a_problem_to_rebook() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let slot = public_slot_beyond_leases(&clinic).await;
    let key = register(&clinic, 0).await;
    sync_until_settled(&clinic).await;

    city.stop().await;
    let booked = clinic
        .book(BookRequest {
            resident: key.clone(),
            slot_id: slot_id(&slot),
            dose: DoseNumber::FIRST,
        })
        .await
        .unwrap();
    assert_eq!(booked.certainty_label, "仮予約");
    assert_eq!(booked.booking.sync_state, SyncState::Tentative);

    city.restart().await;
    // Residents on the web take every seat left.
    let url = city.url();
    let free: i32 = sqlx::query_scalar("select capacity - booked from slots where id = $1::uuid")
        .bind(&slot.slot_id)
        .fetch_one(&city.pool)
        .await
        .unwrap();
    for i in 0..free as u32 {
        let (ticket, born) = registry_entry(100 + i);
        // A resident on the web registers 予約者情報 first, then books.
        let web = WebResident {
            url: &url,
            ticket: &ticket,
            born,
        };
        web.register().await;
        web.book(&slot.slot_id, 1).await;
    }

    let status = clinic.sync_now().await;
    assert_eq!((status.pending, status.problems), (0, 1));
    let problems = clinic.sync_problems().await.unwrap();
    let problem = &problems[0];
    assert_eq!(problem.rejection.known_code(), Code::SlotFull);
    assert!(!problem.rejection.message_ja.is_empty() && !problem.rejection.message_en.is_empty());
    assert!(matches!(problem.action, Action::Book { .. }));
    let alternative = problem
        .rejection
        .alternatives
        .first()
        .expect("alternatives");
    let row: (String, String) =
        sqlx::query_as("SELECT status, sync_state FROM day_list WHERE booking_id = ?")
            .bind(&booked.booking.booking_id)
            .fetch_one(clinic.store().pool())
            .await
            .unwrap();
    assert_eq!(row, ("reserved".into(), "rejected".into()), "kept, marked");

    // A pull does not overwrite the refused local row.
    clinic.sync_now().await;
    assert_eq!(clinic.sync_problems().await.unwrap().len(), 1);

    clinic
        .rebook_problem(problem.intent_id, alternative.slot_id)
        .await
        .unwrap();
    sync_until_settled(&clinic).await;
    assert_eq!(clinic.status().problems, 0);
    let at_city: (String, String) =
        sqlx::query_as("select slot_id::text, status::text from bookings where id = $1::uuid")
            .bind(&booked.booking.booking_id)
            .fetch_one(&city.pool)
            .await
            .unwrap();
    assert_eq!(
        at_city,
        (alternative.slot_id.to_string(), "reserved".into())
    );
    // Residents' web bookings reach the clinic by pull once the city has numbered their changes
    // (its sequencer runs every 100 ms).
    assert_agree_after_sync(&city, &clinic).await;
}

#[tokio::test]
async fn a_discarded_problem_takes_back_the_refused_booking() {
    let mut city = City::start().await;
    // A 公開枠 of today with one seat: too few to lease, so booked offline it is a 仮予約.
    let today = city.today_slot(101, "public", 1).await.to_string();
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let slot = clinic
        .slot_list(tokyo_today())
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.slot_id == today)
        .expect("today's slot is cached");
    let key = register(&clinic, 1).await;
    sync_until_settled(&clinic).await;
    city.stop().await;
    let booked = clinic
        .book(BookRequest {
            resident: key,
            slot_id: slot_id(&slot),
            dose: DoseNumber::FIRST,
        })
        .await
        .unwrap();
    clinic
        .check_in(booked.booking.booking_id.parse().unwrap())
        .await
        .unwrap();
    city.restart().await;
    sqlx::query("update slots set capacity = booked where id = $1::uuid")
        .bind(&slot.slot_id)
        .execute(&city.pool)
        .await
        .unwrap();

    clinic.sync_now().await;
    let problems = clinic.sync_problems().await.unwrap();
    assert_eq!(problems.len(), 2, "the check-in falls with its booking");
    assert_eq!(problems[1].rejection.caused_by, Some(problems[0].intent_id));

    clinic.discard_problem(problems[0].intent_id).await.unwrap();
    assert!(clinic.sync_problems().await.unwrap().is_empty());
    sync_until_settled(&clinic).await;
    assert!(cached_bookings(&clinic).await.is_empty());
    assert!(city_bookings(&city).await.is_empty());
}

/// A clinic talking to the city through a [`Proxy`], with `n` residents registered and booked
/// and not yet pushed.
async fn booked_behind_a_proxy(n: u32) -> (City, Proxy, tempfile::TempDir, Arc<Clinic>) {
    let city = City::start().await;
    let proxy = Proxy::start(&city.url()).await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&proxy.url(), &city, dir.path()).await;
    let slots = open_slots(&clinic, 1).await;
    for i in 0..n {
        register_and_book(&clinic, i, &slots[i as usize]).await;
    }
    (city, proxy, dir, clinic)
}

#[tokio::test]
async fn a_reply_lost_after_the_server_committed_applies_nothing_twice() {
    let (city, proxy, _dir, clinic) = booked_behind_a_proxy(5).await;

    proxy.set(Fault::LoseReplies);
    let lost = clinic.sync_now().await;
    assert!(!lost.online && lost.pending == 10, "{lost:?}");
    assert!(proxy.faulted() >= 1);
    assert_eq!(city_bookings(&city).await.len(), 5, "the server did commit");

    proxy.set(Fault::None);
    sync_until_settled(&clinic).await;
    assert_eq!(outbox_states(&clinic).await, vec![("applied".into(), 10)]);
    let at_city = city_bookings(&city).await;
    assert_eq!(at_city.len(), 5);
    assert_eq!(at_city, cached_bookings(&clinic).await);
}

#[tokio::test]
async fn a_push_cut_off_halfway_is_sent_again_whole() {
    let (city, proxy, _dir, clinic) = booked_behind_a_proxy(3).await;
    proxy.set(Fault::CutRequests);
    let cut = clinic.sync_now().await;
    assert!(!cut.online && cut.pending == 6);
    assert!(city_bookings(&city).await.is_empty());

    proxy.set(Fault::None);
    sync_until_settled(&clinic).await;
    assert_eq!(city_bookings(&city).await.len(), 3);
    assert_eq!(city_bookings(&city).await, cached_bookings(&clinic).await);
}

/// The line drops while the server is in the middle of a push: it has committed the first
/// residents' intents and waits on the next one (its slot locked by another transaction), and no
/// answer reaches the clinic. Whatever the server then does with the rest (goes on, or stops with
/// the connection), the batch sent again is applied once, each intent with its first outcome.
#[tokio::test]
async fn a_push_dropped_mid_batch_on_the_server_is_applied_once_when_sent_again() {
    let (city, proxy, _dir, clinic) = booked_behind_a_proxy(5).await;
    let blocked = open_slots(&clinic, 1).await[3].slot_id.clone();
    let mut lock = city.pool.begin().await.unwrap();
    sqlx::query("select 1 from slots where id = $1::uuid for update")
        .bind(&blocked)
        .execute(&mut *lock)
        .await
        .unwrap();

    proxy.set(Fault::DropPushes);
    let round = tokio::spawn({
        let clinic = clinic.clone();
        async move { clinic.sync_now().await }
    });
    // Three residents booked, the fourth waiting on its slot: then the line drops.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while city_bookings(&city).await.len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the server committed nothing"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    proxy.cut();
    let dropped = round.await.unwrap();
    assert!(!dropped.online && dropped.pending == 10, "{dropped:?}");
    assert_eq!(proxy.faulted(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        city_bookings(&city).await.len(),
        3,
        "the fourth waits on its slot"
    );
    lock.rollback().await.unwrap();

    proxy.set(Fault::None);
    sync_until_settled(&clinic).await;
    assert_eq!(outbox_states(&clinic).await, vec![("applied".into(), 10)]);
    let at_city = city_bookings(&city).await;
    assert_eq!(at_city.len(), 5);
    assert_eq!(at_city, cached_bookings(&clinic).await);
}

#[tokio::test]
async fn killed_between_the_local_write_and_the_push_or_after_the_server_committed() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let slot;
    {
        let clinic = logged_in(&city.url(), &city, dir.path()).await;
        slot = open_slots(&clinic, 1).await.remove(0);
        register_and_book(&clinic, 7, &slot).await;
        // The app dies here: written locally, never pushed.
        clinic.store().close().await;
    }
    let clinic = open_clinic(&city, dir.path()).await;
    assert_eq!(clinic.status().pending, 2, "the outbox survived");
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    sync_until_settled(&clinic).await;
    assert_eq!(city_bookings(&city).await.len(), 1);

    // The app dies after the server committed but before it stored the answers: the same
    // intents go again, and the server answers what it stored.
    sqlx::query("UPDATE outbox SET state = 'pending', settled_at = NULL")
        .execute(clinic.store().pool())
        .await
        .unwrap();
    sync_until_settled(&clinic).await;
    assert_eq!(outbox_states(&clinic).await, vec![("applied".into(), 2)]);
    assert_eq!(city_bookings(&city).await.len(), 1);
    assert_eq!(city_bookings(&city).await, cached_bookings(&clinic).await);
    let residents: i64 =
        sqlx::query_scalar("select count(*) from residents where ticket_number = '9000001007'")
            .fetch_one(&city.pool)
            .await
            .unwrap();
    assert_eq!(residents, 1);
}

#[tokio::test]
async fn a_resync_rebuilds_the_cache_and_keeps_pending_work() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let slot = open_slots(&clinic, 2).await.remove(0);
    city.stop().await;
    let booked = register_and_book(&clinic, 9, &slot).await;
    // Something the server never sent is in the cache; a resync must drop it and keep the work.
    sqlx::query("UPDATE sync_state SET cursor = NULL")
        .execute(clinic.store().pool())
        .await
        .unwrap();
    city.restart().await;
    sync_until_settled(&clinic).await;
    let cached = cached_bookings(&clinic).await;
    assert_eq!(cached.len(), 1);
    assert_eq!(cached[0].0, booked.booking.booking_id);
    assert_eq!(city_bookings(&city).await, cached);
}

/// The whole lease path: a sync round leases seats of the next day's 公開枠; offline, a booking
/// on one is 予約確定 (not a 仮予約); meanwhile the web books every other seat of that slot;
/// pushed, the booking is applied on its leased seat and the slot is exactly full, not over.
#[tokio::test]
async fn a_booking_on_a_leased_seat_stands_when_the_web_fills_the_slot_meanwhile() {
    let mut city = City::start().await;
    // A 公開枠 of three seats six hours from now, whatever the day and hour the test runs.
    let leased_slot: String = sqlx::query_scalar(
        "insert into slots (municipality_code, venue_id, vaccine_code, id, name, starts_at,
                            ends_at, visibility, capacity)
         select s.municipality_code, s.venue_id, s.vaccine_code, gen_random_uuid(), '検証枠',
                now() + interval '6 hours', now() + interval '6 hours 30 minutes', 'public', 3
         from slots s join venues v on v.municipality_code = s.municipality_code
                                    and v.id = s.venue_id
         where v.venue_number = 101 and s.visibility = 'public' limit 1
         returning id::text",
    )
    .fetch_one(&city.pool)
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    let seats: i64 = sqlx::query_scalar(
        "SELECT seats FROM leases WHERE slot_id = ? AND julianday(expires_at) > julianday('now')",
    )
    .bind(&leased_slot)
    .fetch_one(clinic.store().pool())
    .await
    .expect("a lease on the slot");
    assert!((1..3).contains(&seats), "{seats} of 3 seats leased");

    city.stop().await;
    let resident = register(&clinic, 70).await;
    // The registration is not accepted yet, so that booking would be a 仮予約 whatever the seat:
    // register online first, then book offline.
    city.restart().await;
    sync_until_settled(&clinic).await;
    city.stop().await;
    let booked = clinic
        .book(BookRequest {
            resident,
            slot_id: leased_slot.parse().unwrap(),
            dose: DoseNumber::FIRST,
        })
        .await
        .unwrap();
    assert!(
        matches!(booked.certainty, Certainty::LeasedSeat { .. }),
        "{:?}",
        booked.certainty
    );
    city.restart().await;

    // The web takes every seat the city sees free (the lease's seats are not among them).
    let free: i32 = sqlx::query_scalar("select capacity - booked from slots where id = $1::uuid")
        .bind(&leased_slot)
        .fetch_one(&city.pool)
        .await
        .unwrap();
    let url = city.url();
    for i in 0..free {
        let (ticket, born) = registry_entry(100 + i as u32);
        let web = WebResident {
            url: &url,
            ticket: &ticket,
            born,
        };
        web.register().await;
        web.book(&leased_slot, 1).await;
    }

    sync_until_settled(&clinic).await;
    assert_eq!(clinic.status().problems, 0);
    // Full, not over: the web's bookings, the clinic's, and the leased seat it has not used yet.
    let (capacity, booked_at_city, active, unused): (i32, i32, i64, i64) = sqlx::query_as(
        "select s.capacity, s.booked,
                (select count(*) from bookings b where b.slot_id = s.id
                   and b.status in ('reserved', 'checked_in', 'vaccinated')),
                (select coalesce(sum(l.seats - l.used), 0) from leases l
                   where l.slot_id = s.id and l.released_at is null)
         from slots s where s.id = $1::uuid",
    )
    .bind(&leased_slot)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!(booked_at_city, capacity);
    assert_eq!(active, i64::from(free) + 1);
    assert_eq!((active + unused, unused), (i64::from(capacity), seats - 1));
    assert_eq!(
        cached_state(&clinic, &booked.booking.booking_id).await,
        ("reserved".into(), "synced".into())
    );
    assert_agree_after_sync(&city, &clinic).await;
}

/// 接種券番号 9999999999, typed in offline: the city's registry does not hold it.
const MADE_UP_TICKET: &str = "9999999999";

/// Registers a resident with [`MADE_UP_TICKET`] while offline (not verified by the registry) and
/// books their first dose in `slot`: the booking's id.
async fn book_made_up(clinic: &Clinic, slot: &SlotRow) -> String {
    let made_up = clinic
        .register_resident(RegistrationForm {
            key: ResidentKeyInput {
                municipality_code: Some("431001".into()),
                ticket: MADE_UP_TICKET.into(),
                birth_date: "1960-01-01".into(),
            },
            details: ResidentForm {
                family_name_kana: "ニセ".into(),
                given_name_kana: "モノ".into(),
                sex: Some(Sex::Unset),
                phone: "0963280001".into(),
                email: String::new(),
                memo: String::new(),
            },
            outside: None,
        })
        .await
        .unwrap();
    assert!(!made_up.verified);
    clinic
        .book(BookRequest {
            resident: made_up.key,
            slot_id: slot_id(slot),
            dose: DoseNumber::FIRST,
        })
        .await
        .unwrap()
        .booking
        .booking_id
}

/// 再送 of a refused registration and the booking that rested on it: sent again while the
/// registry still lacks the ticket, refused again (the same two problems, nothing at the city);
/// sent again once the city has corrected its registry, both go through, once.
#[tokio::test]
async fn a_refusal_sent_again_is_refused_again_until_the_registry_is_corrected() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let slots = open_slots(&clinic, 2).await;
    city.stop().await;
    let booking = book_made_up(&clinic, &slots[0]).await;
    city.restart().await;
    let status = clinic.sync_now().await;
    assert_eq!((status.pending, status.problems), (0, 2), "{status:?}");
    let at_city = || async {
        sqlx::query_as::<_, (i64, i64)>(
            "select (select count(*) from residents where ticket_number = $1),
                    (select count(*) from bookings where ticket_number = $1)",
        )
        .bind(MADE_UP_TICKET)
        .fetch_one(&city.pool)
        .await
        .unwrap()
    };

    let first = clinic.sync_problems().await.unwrap()[0].intent_id;
    clinic.retry_problem(first).await.unwrap();
    assert_eq!(clinic.status().pending, 2, "both sent again");
    let status = clinic.sync_now().await;
    assert_eq!((status.pending, status.problems), (0, 2), "{status:?}");
    let codes: Vec<Code> = clinic
        .sync_problems()
        .await
        .unwrap()
        .iter()
        .map(|p| p.rejection.known_code())
        .collect();
    assert_eq!(
        codes,
        vec![Code::TicketNotInRegistry, Code::SyncDependencyRejected]
    );
    assert_eq!(at_city().await, (0, 0));

    sqlx::query(
        "insert into valid_tickets (municipality_code, ticket_number, birth_date)
         values ('431001', $1, date '1960-01-01')",
    )
    .bind(MADE_UP_TICKET)
    .execute(&city.pool)
    .await
    .unwrap();
    let again = clinic.sync_problems().await.unwrap()[0].intent_id;
    assert_ne!(again, first, "the refusal of the second sending");
    clinic.retry_problem(again).await.unwrap();
    sync_until_settled(&clinic).await;
    assert_eq!(clinic.status().problems, 0);
    assert_eq!(at_city().await, (1, 1));
    assert_eq!(
        cached_state(&clinic, &booking).await,
        ("reserved".into(), "synced".into())
    );
    assert_eq!(
        outbox_states(&clinic).await,
        vec![("applied".into(), 2), ("superseded".into(), 4)]
    );
}

/// Starts a sync round with `request` held at the proxy, and once the round waits there (its push
/// done, the server's answer still to come) cancels `booking` at the desk, then lets the round
/// finish: what the server sends next was read before the cancellation.
async fn cancel_while_the_round_waits_at(
    proxy: &Proxy,
    clinic: &Arc<Clinic>,
    request: &'static str,
    booking: Uuid,
) -> yoyaku_clinic::SyncStatus {
    proxy.hold(request);
    let round = tokio::spawn({
        let clinic = clinic.clone();
        async move { clinic.sync_now().await }
    });
    proxy.until_held().await;
    let cancelled = clinic.cancel(booking).await.unwrap();
    assert_eq!(cancelled.status, "cancelled");
    proxy.release();
    round.await.unwrap()
}

/// (status, sync state) of a booking in the cache, as 受付 and the 4-1 list read it.
async fn cached_state(clinic: &Clinic, booking: &str) -> (String, String) {
    sqlx::query_as("SELECT status, sync_state FROM day_list WHERE booking_id = ?")
        .bind(booking)
        .fetch_one(clinic.store().pool())
        .await
        .unwrap()
}

/// The round pushes the booking, then pulls: the page brings the booking back as the server
/// holds it (reserved). A cancellation typed at the desk between the two is held local work, and
/// the pull must not overwrite it; the next round sends it.
#[tokio::test]
async fn a_cancellation_typed_while_the_round_pulls_is_kept_and_sent_next() {
    let (city, proxy, _dir, clinic) = booked_behind_a_proxy(1).await;
    let booking = cached_bookings(&clinic).await.remove(0).0;

    let status = cancel_while_the_round_waits_at(
        &proxy,
        &clinic,
        "GET /api/v1/sync/pull",
        booking.parse().unwrap(),
    )
    .await;
    assert_eq!((status.pending, status.problems), (1, 0), "{status:?}");
    assert!(status.last_error.is_none(), "{status:?}");
    assert_eq!(
        city_bookings(&city).await[0].4,
        "reserved",
        "pushed before the pull"
    );
    assert_eq!(
        cached_state(&clinic, &booking).await,
        ("cancelled".into(), "pending".into()),
        "the pull overwrote the cancellation"
    );

    sync_until_settled(&clinic).await;
    assert_eq!(city_bookings(&city).await[0].4, "cancelled");
    assert_eq!(city_bookings(&city).await, cached_bookings(&clinic).await);
}

/// The server answers the pull with `Resync` (a cursor it never issued) and the cache is rebuilt
/// from a snapshot while two kinds of local work are held: a cancellation typed while the round
/// waited for the snapshot, and a refused registration with its booking in 同期の問題 (which the
/// snapshot does not hold). The rebuild keeps both, and the slot the refused booking names.
#[tokio::test]
async fn a_rebuild_from_a_snapshot_keeps_held_work_a_cancellation_and_a_refused_booking() {
    let (city, proxy, _dir, clinic) = booked_behind_a_proxy(1).await;
    let booking = cached_bookings(&clinic).await.remove(0).0;
    let slots = open_slots(&clinic, 1).await;
    let refused = book_made_up(&clinic, &slots[5]).await;
    let snapshot_at = || async {
        sqlx::query_scalar::<_, Option<String>>("SELECT snapshot_at FROM sync_state")
            .fetch_one(clinic.store().pool())
            .await
            .unwrap()
    };
    let first_snapshot = snapshot_at().await;
    sqlx::query("UPDATE sync_state SET cursor = 999999999")
        .execute(clinic.store().pool())
        .await
        .unwrap();

    let status = cancel_while_the_round_waits_at(
        &proxy,
        &clinic,
        "GET /api/v1/sync/snapshot",
        booking.parse().unwrap(),
    )
    .await;
    assert!(status.last_error.is_none(), "{status:?}");
    assert_ne!(snapshot_at().await, first_snapshot, "the cache was rebuilt");
    assert_eq!((status.pending, status.problems), (1, 2), "{status:?}");
    assert_eq!(
        cached_state(&clinic, &booking).await,
        ("cancelled".into(), "pending".into()),
        "the rebuild overwrote the cancellation"
    );
    assert_eq!(
        cached_state(&clinic, &refused).await,
        ("reserved".into(), "rejected".into()),
        "the rebuild dropped the refused booking"
    );
    let problems = clinic.sync_problems().await.unwrap();
    let codes: Vec<Code> = problems.iter().map(|p| p.rejection.known_code()).collect();
    assert_eq!(
        codes,
        vec![Code::TicketNotInRegistry, Code::SyncDependencyRejected]
    );

    sync_until_settled(&clinic).await;
    assert_eq!(city_bookings(&city).await[0].4, "cancelled");
    let mut kept = cached_bookings(&clinic).await;
    kept.retain(|b| b.0 != refused);
    assert_eq!(city_bookings(&city).await, kept);
}

#[tokio::test]
async fn a_made_up_ticket_and_a_dose_booked_twice_come_back_as_problems_and_hold_back_nothing() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let slots = open_slots(&clinic, 2).await;
    let twice = register(&clinic, 3).await;
    sync_until_settled(&clinic).await;

    city.stop().await;
    // A ticket typed in offline that the registry does not hold, and its booking.
    book_made_up(&clinic, &slots[0]).await;
    clinic
        .book(BookRequest {
            resident: twice.clone(),
            slot_id: slot_id(&slots[1]),
            dose: DoseNumber::FIRST,
        })
        .await
        .unwrap();
    // Someone else's work that must go through all the same.
    let fine = register(&clinic, 4).await;
    clinic
        .book(BookRequest {
            resident: fine,
            slot_id: slot_id(&slots[2]),
            dose: DoseNumber::FIRST,
        })
        .await
        .unwrap();

    city.restart().await;
    // Meanwhile the same resident booked dose 1 on the web.
    let (ticket, born) = registry_entry(3);
    let url = city.url();
    let public = slots.iter().find(|s| s.visibility == "public").unwrap();
    WebResident {
        url: &url,
        ticket: &ticket,
        born,
    }
    .book(&public.slot_id, 1)
    .await;

    let status = clinic.sync_now().await;
    assert_eq!((status.pending, status.problems), (0, 3), "{status:?}");
    let problems = clinic.sync_problems().await.unwrap();
    let codes: Vec<Code> = problems.iter().map(|p| p.rejection.known_code()).collect();
    assert_eq!(
        codes,
        vec![
            Code::TicketNotInRegistry,
            Code::SyncDependencyRejected,
            Code::BookingDuplicateDose
        ]
    );
    assert_eq!(problems[1].rejection.caused_by, Some(problems[0].intent_id));
    // The rest went through.
    let fine_at_city: i64 = sqlx::query_scalar(
        "select count(*) from bookings where ticket_number = $1 and status = 'reserved'",
    )
    .bind(registry_entry(4).0)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!(fine_at_city, 1);

    // Discarding the made-up ticket takes its booking with it.
    clinic.discard_problem(problems[0].intent_id).await.unwrap();
    assert_eq!(clinic.sync_problems().await.unwrap().len(), 1);
    let gone: i64 =
        sqlx::query_scalar("SELECT count(*) FROM bookings WHERE ticket_number = '9999999999'")
            .fetch_one(clinic.store().pool())
            .await
            .unwrap();
    assert_eq!(gone, 0);
}

/// How many sync rounds the status shows within `window`: each round is one burst of changes
/// (its outcome, then its counts, a few ms apart), and rounds are at least half a second apart.
async fn rounds_within(
    status: &mut tokio::sync::watch::Receiver<yoyaku_clinic::SyncStatus>,
    window: Duration,
) -> usize {
    let end = tokio::time::Instant::now() + window;
    let mut rounds = 0;
    while tokio::time::timeout_at(end, status.changed()).await.is_ok() {
        rounds += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
        status.borrow_and_update();
    }
    rounds
}

/// While the city cannot be reached the loop retries sooner than its steady interval, backing off
/// with jitter and never in a tight loop; its first success puts it back on the steady interval.
#[tokio::test]
async fn the_loop_backs_off_while_the_city_is_gone_and_returns_to_its_interval() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    city.stop().await;
    let schedule = yoyaku_clinic::Schedule {
        interval: Duration::from_secs(3600),
        first_retry: Duration::from_secs(1),
        max_retry: Duration::from_secs(2),
    };
    let mut status = clinic.subscribe();
    status.borrow_and_update();
    let looping = tokio::spawn(clinic.clone().run_sync_loop(schedule));

    // A round at once, then after 0.5–1 s, then every 0.5–2 s: 3 to 11 rounds in 5 s (an hourly
    // interval would give 1, a loop without backoff hundreds).
    let rounds = rounds_within(&mut status, Duration::from_secs(5)).await;
    assert!((3..=11).contains(&rounds), "{rounds} rounds in 5 s");
    assert!(!clinic.status().online);

    city.restart().await;
    tokio::time::timeout(Duration::from_secs(10), async {
        while !(status.borrow_and_update().online && clinic.status().last_error.is_none()) {
            status.changed().await.unwrap();
        }
    })
    .await
    .expect("the next retry reached the city");
    tokio::time::sleep(Duration::from_millis(300)).await;
    status.borrow_and_update();
    assert_eq!(
        rounds_within(&mut status, Duration::from_secs(3)).await,
        0,
        "back on the hourly interval"
    );
    looping.abort();
}

#[tokio::test]
async fn the_background_loop_pushes_a_new_write_without_being_asked() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let schedule = yoyaku_clinic::Schedule {
        interval: Duration::from_secs(3600),
        first_retry: Duration::from_millis(200),
        max_retry: Duration::from_secs(1),
    };
    let looping = tokio::spawn(clinic.clone().run_sync_loop(schedule));
    let mut status = clinic.subscribe();
    // The loop's first round runs at once; let it finish so the write below is what wakes it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    register(&clinic, 5).await;
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if status.borrow_and_update().pending == 0
                && clinic.status().last_success_at.is_some()
                && outbox_states(&clinic).await == vec![("applied".into(), 1)]
            {
                return;
            }
            status.changed().await.unwrap();
        }
    })
    .await
    .expect("the write was pushed by the loop, long before its hourly timer");
    looping.abort();
}

#[tokio::test]
async fn more_offline_work_than_one_push_carries_goes_in_several() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    city.stop().await;
    // 300 registrations, then 250 情報変更: 550 intents, more than a batch and far more bytes
    // than the API's general body limit.
    for i in 0..300u32 {
        register(&clinic, i).await;
    }
    for i in 0..250u32 {
        let (ticket, born) = registry_entry(i);
        clinic
            .register_resident(RegistrationForm {
                key: ResidentKeyInput {
                    municipality_code: Some("431001".into()),
                    ticket,
                    birth_date: born.to_string(),
                },
                details: ResidentForm {
                    family_name_kana: "ヘンコウ".into(),
                    given_name_kana: "サレタ".into(),
                    sex: Some(Sex::Female),
                    phone: "090-1234-5678".into(),
                    email: String::new(),
                    memo: "電話番号変更".into(),
                },
                outside: None,
            })
            .await
            .unwrap();
    }
    assert_eq!(clinic.status().pending, 550);
    city.restart().await;
    sync_until_settled(&clinic).await;
    assert_eq!(outbox_states(&clinic).await, vec![("applied".into(), 550)]);
    let at_city: (i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where family_name_kana = 'ヘンコウ')
         from residents where ticket_number between '9000001000' and '9000001299'",
    )
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!(at_city, (300, 250));
}

/// The manual's dose-2 step (2-1 ⑪): a first dose booked in the demo's coming days has slots
/// three weeks later at the same venue to be offered.
#[tokio::test]
async fn a_first_dose_in_the_demo_is_offered_its_second_three_weeks_later() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let first = open_slots(&clinic, 1)
        .await
        .into_iter()
        .find(|s| s.visibility == "private")
        .expect("a private slot ahead");
    let booked = register_and_book(&clinic, 7, &first).await;
    let plan = clinic
        .second_dose_plan(booked.booking.booking_id.parse().unwrap())
        .await
        .unwrap()
        .expect("a first dose has a dose-2 plan");
    let first_date: NaiveDate = first.date.parse().unwrap();
    assert_eq!(plan.standard_date, first_date + Days::new(21));
    match plan.proposal {
        yoyaku_core::second_dose::Proposal::SameVenue { slots } => {
            assert!(slots.iter().all(|s| s.date() == plan.standard_date));
            assert!(!slots.is_empty());
        }
        other => panic!("no slots three weeks later: {other:?}"),
    }
}

/// A clinic that has not synced for longer than the city keeps changes (here: none are kept)
/// gets a resync answer; it rebuilds its cache from a snapshot and loses none of its unsent work,
/// while what others booked meanwhile arrives too.
#[tokio::test]
async fn a_clinic_older_than_the_change_retention_recovers_with_its_unsent_work() {
    let mut city = City::start_with(|| {
        yoyaku_city::Server::options()
            .change_retention(TimeDelta::zero())
            .housekeeping_period(Duration::from_millis(100))
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let slots = open_slots(&clinic, 1).await;
    let snapshot_at = || async {
        sqlx::query_scalar::<_, String>("SELECT snapshot_at FROM sync_state")
            .fetch_one(clinic.store().pool())
            .await
            .unwrap()
    };
    let first_snapshot = snapshot_at().await;

    city.stop().await;
    for i in 0..3 {
        let private = slots
            .iter()
            .filter(|s| s.visibility == "private")
            .nth(i)
            .unwrap();
        register_and_book(&clinic, 40 + i as u32, private).await;
    }
    assert_eq!(clinic.status().pending, 6);
    city.restart().await;
    // A resident books on the web meanwhile; every change is pruned soon after it is numbered.
    let (ticket, born) = registry_entry(60);
    let web = reqwest::Client::new();
    let public = slots.iter().find(|s| s.visibility == "public").unwrap();
    let body = serde_json::json!({
        "resident": {"municipality_code": "431001", "ticket": ticket,
                     "birth_date": born.to_string()},
        "slot_id": public.slot_id, "dose": 1
    });
    sqlx::query(
        "insert into residents (municipality_code, home_code, ticket_number, birth_date,
             family_name_kana, given_name_kana, sex, phone)
         values ('431001', '431001', $1, $2, 'ウェブ', 'ハナコ', 'female', '0963281999')",
    )
    .bind(&ticket)
    .bind(born)
    .execute(&city.pool)
    .await
    .unwrap();
    let response = web
        .post(format!("{}/api/v1/bookings", city.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        reqwest::StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sqlx::query_scalar::<_, i64>("select count(*) from changes")
        .fetch_one(&city.pool)
        .await
        .unwrap()
        > 0
    {
        assert!(std::time::Instant::now() < deadline, "nothing was pruned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    sync_until_settled(&clinic).await;
    assert_ne!(snapshot_at().await, first_snapshot, "the cache was rebuilt");
    assert_eq!(outbox_states(&clinic).await, vec![("applied".into(), 6)]);
    assert_eq!(clinic.status().problems, 0);
    let at_city = city_bookings(&city).await;
    assert_eq!(at_city.len(), 4, "three from the clinic, one from the web");
    assert_eq!(at_city, cached_bookings(&clinic).await);
}

/// A 非公開枠 with seats from `from_day` days ahead: a booking there is certain but for the rules.
#[tokio::test]
async fn online_a_booking_is_confirmed_only_once_the_city_took_it() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let key = register(&clinic, 20).await;
    sync_until_settled(&clinic).await;
    let slot = private_slot(&clinic, 1).await;

    let booked = book_with_city(&clinic, key, &slot, 1).await.unwrap();
    assert_eq!(booked.certainty, Certainty::TakenByCity);
    assert_eq!(booked.certainty_label, "予約確定");
    assert_eq!(booked.booking.sync_state, SyncState::Synced);
    let at_city: i64 = sqlx::query_scalar("select count(*) from bookings where id = $1::uuid")
        .bind(&booked.booking.booking_id)
        .fetch_one(&city.pool)
        .await
        .unwrap();
    assert_eq!(at_city, 1);
}

/// Resident `i` registered at the clinic and synced; then dose 1 booked on the web in a 公開枠
/// after the clinic's last pull, so that the cache does not know of it yet.
async fn dose_1_booked_on_the_web_meanwhile(city: &City, clinic: &Clinic, i: u32) -> ResidentKey {
    let key = register(clinic, i).await;
    sync_until_settled(clinic).await;
    let public = public_slot_beyond_leases(clinic).await;
    let (ticket, born) = registry_entry(i);
    let url = city.url();
    WebResident {
        url: &url,
        ticket: &ticket,
        born,
    }
    .book(&public.slot_id, 1)
    .await;
    key
}

#[tokio::test]
async fn a_dose_booked_on_the_web_meanwhile_is_refused_in_place_and_nothing_stays_booked() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let key = dose_1_booked_on_the_web_meanwhile(&city, &clinic, 22).await;
    let ticket = key.ticket_number.to_string();
    let slot = private_slot(&clinic, 1).await;

    let (code, way_out, ja) = refusal(book_with_city(&clinic, key, &slot, 1).await);
    assert_eq!(code, Code::BookingDuplicateDose);
    assert_eq!(way_out, WayOut::ChooseAgain);
    assert!(ja.contains("予約は登録されていません"), "{ja}");
    // Nothing left to resolve: the refused booking is gone and the slot's seat is free.
    assert_eq!(clinic.sync_problems().await.unwrap().len(), 0);
    assert_eq!(clinic.status().problems, 0);
    let in_slot: i64 =
        sqlx::query_scalar("SELECT count(*) FROM bookings WHERE ticket_number = ? AND slot_id = ?")
            .bind(&ticket)
            .bind(&slot.slot_id)
            .fetch_one(clinic.store().pool())
            .await
            .unwrap();
    assert_eq!(in_slot, 0);
    let after = open_slots(&clinic, 1)
        .await
        .into_iter()
        .find(|s| s.slot_id == slot.slot_id)
        .map_or(0, |s| s.remaining);
    assert_eq!(after, slot.remaining);
}

#[tokio::test]
async fn with_the_city_gone_a_booking_stands_as_the_cache_has_it_once_the_round_fails() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let key = register(&clinic, 23).await;
    sync_until_settled(&clinic).await;
    let slot = private_slot(&clinic, 1).await;
    // The status still says online: the last round reached the city.
    city.stop().await;
    assert!(clinic.status().online);

    let started = std::time::Instant::now();
    let booked = clinic
        .book_with_city(
            BookRequest {
                resident: key,
                slot_id: slot_id(&slot),
                dose: DoseNumber::FIRST,
            },
            Duration::from_secs(120),
        )
        .await
        .unwrap();
    // Not the whole wait: the round that could not reach the city ended it.
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(booked.certainty, Certainty::PrivateSlot);
    assert_eq!(booked.booking.sync_state, SyncState::Pending);
    assert!(!clinic.status().online);
}

#[tokio::test]
async fn a_problem_names_the_resident_to_call_back_and_remembers_the_call() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let key = dose_1_booked_on_the_web_meanwhile(&city, &clinic, 24).await;
    let ticket = key.ticket_number.to_string();
    clinic
        .book(BookRequest {
            resident: key,
            slot_id: slot_id(&private_slot(&clinic, 1).await),
            dose: DoseNumber::FIRST,
        })
        .await
        .unwrap();
    clinic.sync_now().await;

    let problems = clinic.sync_problems().await.unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let problem = &problems[0];
    // The row says whom to phone: カナ as registered (half-width typed, stored full-width), and
    // the number.
    let resident = problem
        .resident
        .as_ref()
        .expect("the resident of the booking");
    assert_eq!(resident.ticket_number, ticket);
    assert_eq!(resident.family_name_kana.as_deref(), Some("テスト"));
    assert_eq!(
        resident.phone.as_deref().map(|p| p.replace('-', "")),
        Some("0963281024".to_owned())
    );
    assert_eq!(problem.called_at, None);

    let called = clinic
        .mark_problem_called(problem.intent_id, true)
        .await
        .unwrap();
    assert!(called.called_at.is_some());
    // Kept across a sync round and a restart of the list; still a problem until resolved.
    clinic.sync_now().await;
    let listed = clinic.sync_problems().await.unwrap();
    assert_eq!(listed[0].called_at, called.called_at);
    assert_eq!(clinic.status().problems, 1);
    let again = clinic
        .mark_problem_called(problem.intent_id, false)
        .await
        .unwrap();
    assert_eq!(again.called_at, None);

    let unknown = clinic
        .mark_problem_called(Uuid::new_v4(), true)
        .await
        .unwrap_err();
    assert_eq!(
        yoyaku_core::Coded::code(&unknown),
        Code::SyncProblemNotFound
    );
}

/// The call center, acting for clinic-a (the manual's 'コールセンターに操作を依頼'), through a
/// front of the city of its own: the clinic's network can be down meanwhile.
struct CallCenterForClinic {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl CallCenterForClinic {
    async fn log_in(city: &City, base: String) -> Self {
        let http = reqwest::Client::new();
        let account = &city.demo.call_center;
        let login: serde_json::Value = http
            .post(format!("{base}/api/v1/login"))
            .json(&serde_json::json!({
                "municipality_code": "431001", "account_id": account.account_id,
                "password": account.password, "agreed_to_terms": true
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().unwrap().to_owned();
        Self { http, base, token }
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("x-yoyaku-on-behalf-of", "clinic-a")
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn book(&self, i: u32, slot: &str) -> (u16, serde_json::Value) {
        let (ticket, born) = registry_entry(i);
        let resident = serde_json::json!({
            "municipality_code": "431001", "ticket": ticket, "birth_date": born.to_string()
        });
        self.post(
            "/api/v1/bookings",
            serde_json::json!({ "resident": resident, "slot_id": slot, "dose": 1 }),
        )
        .await
    }
}

/// A booking into this clinic's 非公開枠 made offline is 予約確定, and nothing can make it false:
/// the call center acting for the clinic meanwhile cannot take the private seat, by booking or by
/// a same-day move; it books the clinic's 公開枠.
#[tokio::test]
async fn an_offline_private_booking_stands_while_the_call_center_acts_for_the_clinic() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    let key = register(&clinic, 50).await;
    for i in [51, 52] {
        register(&clinic, i).await;
    }
    let private = private_slot(&clinic, 2).await;
    // One seat left in it.
    sqlx::query("update slots set booked = capacity - 1 where id = $1")
        .bind(slot_id(&private))
        .execute(&city.pool)
        .await
        .unwrap();
    sync_until_settled(&clinic).await;

    city.stop().await;
    let booked = clinic
        .book(BookRequest {
            resident: key,
            slot_id: slot_id(&private),
            dose: DoseNumber::FIRST,
        })
        .await
        .unwrap();
    assert_eq!(booked.certainty, Certainty::PrivateSlot);
    assert_eq!(booked.certainty_label, "予約確定");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front = format!("http://{}", listener.local_addr().unwrap());
    let server = yoyaku_city::Server::spawn(listener, city.pool.clone()).unwrap();
    let call_center = CallCenterForClinic::log_in(&city, front).await;
    let (status, refused) = call_center.book(51, &private.slot_id).await;
    assert_eq!(
        (status, refused["code"].as_str().and_then(Code::parse)),
        (403, Some(Code::SlotClinicOnly))
    );
    assert!(refused["message_ja"].as_str().unwrap().contains("公開枠"));
    // A public slot of the same day and time is the call center's to book; moving that booking
    // into the private slot within the day is refused the same way.
    let public = open_slots(&clinic, 2)
        .await
        .into_iter()
        .find(|s| s.visibility == "public" && s.date == private.date)
        .expect("a public slot on the private slot's day");
    let (status, made) = call_center.book(52, &public.slot_id).await;
    assert_eq!(status, 201, "{made}");
    let moved = format!(
        "/api/v1/bookings/{}/same-day-move",
        made["booking"]["id"].as_str().unwrap()
    );
    let (status, refused) = call_center
        .post(&moved, serde_json::json!({ "slot_id": private.slot_id }))
        .await;
    assert_eq!(
        (status, refused["code"].as_str().and_then(Code::parse)),
        (403, Some(Code::SlotClinicOnly))
    );
    server.shutdown().await.unwrap();

    city.restart().await;
    sync_until_settled(&clinic).await;
    assert_eq!(clinic.status().problems, 0);
    let state: String = sqlx::query_scalar("select status::text from bookings where id = $1::uuid")
        .bind(&booked.booking.booking_id)
        .fetch_one(&city.pool)
        .await
        .unwrap();
    assert_eq!(state, "reserved");
}
