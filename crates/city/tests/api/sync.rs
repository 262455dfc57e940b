//! The clinic sync over HTTP: push settles each intent once however often it is sent, a rejection
//! rejects its dependants and nothing else, pull resumes from its cursor after a snapshot, and
//! seat leases hold public seats for offline bookings.

use std::time::{Duration, Instant};
use yoyaku_core::Code;

use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;
use yoyaku_city::Server;
use yoyaku_core::slot::Visibility;
use yoyaku_core::sync::{Outcome, PullResponse, PushResponse, Snapshot};

use crate::support::{
    TestApp, book, booked, demo_slot, expect_json, expect_problem, insert_slot, next_slot_day,
    seed_residents, seed_tickets, spawn_app, spawn_app_with, tickets,
};

const BORN: &str = "1960-04-01";

fn born() -> NaiveDate {
    NaiveDate::from_ymd_opt(1960, 4, 1).unwrap()
}

fn resident(ticket: &str) -> Value {
    json!({ "municipality_code": "431001", "ticket_number": ticket, "birth_date": BORN })
}

fn register(id: Uuid, seq: u64, ticket: &str) -> Value {
    json!({
        "id": id, "seq": seq, "depends_on": [],
        "action": {
            "type": "register_resident",
            "resident": resident(ticket),
            "details": {
                "family_name_kana": "テスト", "given_name_kana": "ハナコ", "sex": "female",
                "phone": "0961234567", "email": null, "memo": ""
            }
        }
    })
}

fn book_intent(
    id: Uuid,
    seq: u64,
    depends_on: &[Uuid],
    ticket: &str,
    slot: Uuid,
    lease: Option<Uuid>,
) -> Value {
    json!({
        "id": id, "seq": seq, "depends_on": depends_on,
        "action": {
            "type": "book", "booking_id": Uuid::new_v4(), "resident": resident(ticket),
            "slot_id": slot, "dose": 1, "lease_id": lease
        }
    })
}

async fn push(app: &TestApp, token: &str, device: Uuid, intents: Vec<Value>) -> PushResponse {
    let body = json!({ "device_id": device, "intents": intents });
    let response = app.post_json("/api/v1/sync/push", Some(token), &body).await;
    serde_json::from_value(expect_json(response, StatusCode::OK).await).unwrap()
}

fn statuses(response: &PushResponse) -> Vec<String> {
    response
        .results
        .iter()
        .map(|r| {
            serde_json::to_value(&r.outcome).unwrap()["status"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn a_batch_sent_again_after_a_lost_reply_settles_nothing_twice() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let ticket = &tickets(9_100_000_000, 1)[0];
    seed_tickets(&app.pool, std::slice::from_ref(ticket), born()).await;
    let slot = demo_slot(&app.pool, 101, next_slot_day(), "0900", "private").await;
    let device = Uuid::new_v4();
    let (r, b) = (Uuid::new_v4(), Uuid::new_v4());
    let batch = vec![
        register(r, 1, ticket),
        book_intent(b, 2, &[r], ticket, slot, None),
    ];

    let first = push(&app, &token, device, batch.clone()).await;
    assert_eq!(statuses(&first), ["applied", "applied"]);
    assert_eq!(first.last_settled_seq, 2);
    // The reply was lost; the device sends the same batch again.
    let again = push(&app, &token, device, batch).await;
    assert_eq!(again.results, first.results);
    assert_eq!(count(&app, "select count(*) from bookings").await, 1);
    assert_eq!(booked(&app.pool, slot).await, 1);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_log where action = 'booking.book'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_rejection_rejects_its_dependants_and_holds_back_nothing_else() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let known = tickets(9_100_000_010, 2);
    seed_residents(&app.pool, &known, born()).await;
    let slot = demo_slot(&app.pool, 101, next_slot_day(), "0930", "private").await;
    let (made_up, dependant, other) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let response = push(
        &app,
        &token,
        Uuid::new_v4(),
        vec![
            // A made-up ticket never books.
            register(made_up, 1, "1234567890"),
            book_intent(dependant, 2, &[made_up], "1234567890", slot, None),
            book_intent(other, 3, &[], &known[0], slot, None),
        ],
    )
    .await;
    assert_eq!(statuses(&response), ["rejected", "rejected", "applied"]);
    let outcomes: Vec<Value> = response
        .results
        .iter()
        .map(|r| serde_json::to_value(&r.outcome).unwrap())
        .collect();
    assert_eq!(outcomes[0]["code"], Code::TicketNotInRegistry.as_str());
    assert!(!outcomes[0]["message_ja"].as_str().unwrap().is_empty());
    assert_eq!(outcomes[1]["code"], Code::SyncDependencyRejected.as_str());
    assert_eq!(outcomes[1]["caused_by"], made_up.to_string());
    assert_eq!(response.last_settled_seq, 3);
    assert_eq!(
        count(
            &app,
            "select count(*) from residents where ticket_number = '1234567890'"
        )
        .await,
        0
    );
}

/// A clinic registered a resident offline who meanwhile registered on the web: the city's details
/// stand, the clinic is told them to choose, and the booking made with the registration goes on.
#[tokio::test]
async fn an_offline_registration_of_a_resident_registered_elsewhere_keeps_the_citys_details() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_e).await.token;
    let ticket = &tickets(9_100_000_090, 1)[0];
    // Registered elsewhere as テスト タロー, 0961234567.
    seed_residents(&app.pool, std::slice::from_ref(ticket), born()).await;
    let slot = demo_slot(&app.pool, 105, next_slot_day(), "0900", "private").await;
    let device = Uuid::new_v4();
    let (r, b) = (Uuid::new_v4(), Uuid::new_v4());
    let response = push(
        &app,
        &token,
        device,
        vec![
            register(r, 1, ticket),
            book_intent(b, 2, &[r], ticket, slot, None),
        ],
    )
    .await;
    assert_eq!(statuses(&response), ["details_differ", "applied"]);
    let Outcome::DetailsDiffer { city } = &response.results[0].outcome else {
        unreachable!()
    };
    assert_eq!(city.given_name_kana.as_str(), "タロー");
    let stored: String = sqlx::query_scalar("select given_name_kana from residents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, "タロー");
    assert_eq!(booked(&app.pool, slot).await, 1);

    // The receptionist chose the clinic's details: a change based on the city's applies.
    let mut change = register(Uuid::new_v4(), 3, ticket);
    change["action"]["based_on"] = serde_json::to_value(city).unwrap();
    let response = push(&app, &token, device, vec![change.clone()]).await;
    assert_eq!(statuses(&response), ["applied"]);
    let stored: String = sqlx::query_scalar("select given_name_kana from residents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, "ハナコ");
    // The same change based on details that are no longer the city's changes nothing more; the
    // same details again are simply applied.
    let mut stale = register(Uuid::new_v4(), 4, ticket);
    stale["action"]["details"]["given_name_kana"] = json!("ジロー");
    stale["action"]["based_on"] = change["action"]["based_on"].clone();
    let same = register(Uuid::new_v4(), 5, ticket);
    let response = push(&app, &token, device, vec![stale, same]).await;
    assert_eq!(statuses(&response), ["details_differ", "applied"]);
    assert_eq!(
        count(
            &app,
            "select count(*) from residents where given_name_kana = 'ハナコ'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_full_slot_comes_back_with_alternatives() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let people = tickets(9_100_000_020, 3);
    seed_residents(&app.pool, &people, born()).await;
    let venue = app.venue_id(101).await;
    let full = insert_slot(&app.pool, venue, next_slot_day(), (18, 0), 30, "public", 1).await;
    book(&app, None, &people[0], BORN, full, 1).await;
    let response = push(
        &app,
        &token,
        Uuid::new_v4(),
        vec![book_intent(Uuid::new_v4(), 1, &[], &people[1], full, None)],
    )
    .await;
    let outcome = serde_json::to_value(&response.results[0].outcome).unwrap();
    assert_eq!(outcome["code"], Code::SlotFull.as_str(), "{outcome:#}");
    assert!(!outcome["alternatives"].as_array().unwrap().is_empty());

    // A clinic may book its own 非公開枠 too: each alternative says which kind it is, as stored.
    let Outcome::Rejected(rejection) = &response.results[0].outcome else {
        panic!("{outcome:#}");
    };
    for (alternative, json) in rejection
        .alternatives
        .iter()
        .zip(outcome["alternatives"].as_array().unwrap())
    {
        let stored: String = sqlx::query_scalar("select visibility::text from slots where id = $1")
            .bind(alternative.slot_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(
            alternative.visibility.map(|v| v.as_str()),
            Some(stored.as_str())
        );
        assert_eq!(json["visibility"], stored);
    }
    let day = next_slot_day();
    let kind_of = |slot: Uuid| {
        rejection
            .alternatives
            .iter()
            .find(|a| a.slot_id == slot)
            .and_then(|a| a.visibility)
    };
    assert_eq!(
        kind_of(demo_slot(&app.pool, 101, day, "1630", "private").await),
        Some(Visibility::Private),
        "{outcome:#}"
    );
    assert_eq!(
        kind_of(demo_slot(&app.pool, 101, day, "1630", "public").await),
        Some(Visibility::Public),
        "{outcome:#}"
    );
}

#[tokio::test]
async fn sequence_gaps_wait_and_reused_numbers_are_refused() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let people = tickets(9_100_000_030, 2);
    seed_tickets(&app.pool, &people, born()).await;
    let device = Uuid::new_v4();
    let gap = push(
        &app,
        &token,
        device,
        vec![register(Uuid::new_v4(), 2, &people[0])],
    )
    .await;
    assert_eq!(statuses(&gap), ["retry_later"]);
    assert_eq!(gap.last_settled_seq, 0);
    let first = push(
        &app,
        &token,
        device,
        vec![register(Uuid::new_v4(), 1, &people[0])],
    )
    .await;
    assert_eq!(statuses(&first), ["applied"]);
    let reused = push(
        &app,
        &token,
        device,
        vec![register(Uuid::new_v4(), 1, &people[1])],
    )
    .await;
    let outcome = serde_json::to_value(&reused.results[0].outcome).unwrap();
    assert_eq!(outcome["code"], Code::SyncSequenceReused.as_str());
    assert_eq!(count(&app, "select count(*) from residents").await, 1);
}

#[tokio::test]
async fn a_device_belongs_to_one_clinic_and_only_clinics_sync() {
    let app = spawn_app().await;
    let a = app.login(&app.accounts.clinic_a).await.token;
    let e = app.login(&app.accounts.clinic_e).await.token;
    let device = Uuid::new_v4();
    push(&app, &a, device, vec![]).await;
    let body = json!({ "device_id": device, "intents": [] });
    let response = app.post_json("/api/v1/sync/push", Some(&e), &body).await;
    expect_problem(
        response,
        StatusCode::FORBIDDEN,
        Code::SyncDeviceOfAnotherAccount,
    )
    .await;
    let call_center = app.login(&app.accounts.call_center).await.token;
    let response = app.get("/api/v1/sync/snapshot", Some(&call_center)).await;
    expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
}

/// Pulls until a page holds `wanted` (the sequencer numbers changes a moment after commit). Pages
/// without it are passed: on a busy machine the demo's own slots may be numbered only after the
/// snapshot was taken, and come first.
async fn pull_until(
    app: &TestApp,
    token: &str,
    mut cursor: u64,
    wanted: impl Fn(&Value) -> bool,
) -> (Value, u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = app
            .get(&format!("/api/v1/sync/pull?cursor={cursor}"), Some(token))
            .await;
        let page = expect_json(response, StatusCode::OK).await;
        let next = page["cursor"].as_u64().unwrap();
        if wanted(&page) {
            return (page, next);
        }
        assert!(Instant::now() < deadline, "no such page: {page:#}");
        if next == cursor {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        cursor = next;
    }
}

#[tokio::test]
async fn pull_starts_from_a_snapshot_and_resumes_from_its_cursor() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let first: PullResponse = serde_json::from_value(
        expect_json(
            app.get("/api/v1/sync/pull", Some(&token)).await,
            StatusCode::OK,
        )
        .await,
    )
    .unwrap();
    assert!(
        matches!(first, PullResponse::Resync { .. }),
        "a first sync starts from a snapshot"
    );

    let snapshot: Snapshot = serde_json::from_value(
        expect_json(
            app.get("/api/v1/sync/snapshot", Some(&token)).await,
            StatusCode::OK,
        )
        .await,
    )
    .unwrap();
    let venue_a = app.venue_id(101).await;
    assert!(!snapshot.slots.is_empty());
    assert!(
        snapshot.slots.iter().all(|s| s.venue_id == venue_a),
        "only its own venues"
    );

    // A resident books on the web at clinic A's public slot; clinic E's bookings stay E's.
    let people = tickets(9_100_000_040, 2);
    seed_residents(&app.pool, &people, born()).await;
    let slot_a = demo_slot(&app.pool, 101, next_slot_day(), "1000", "public").await;
    let slot_e = demo_slot(&app.pool, 105, next_slot_day(), "1000", "public").await;
    let booking = book(&app, None, &people[0], BORN, slot_a, 1).await;
    book(&app, None, &people[1], BORN, slot_e, 1).await;

    let has_booking = |page: &Value| {
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["entity"]["type"] == "booking")
    };
    let (page, cursor) = pull_until(&app, &token, snapshot.cursor, has_booking).await;
    let entities: Vec<&Value> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["entity"])
        .collect();
    let bookings: Vec<&&Value> = entities.iter().filter(|e| e["type"] == "booking").collect();
    assert_eq!(bookings.len(), 1, "only clinic A's: {page:#}");
    assert_eq!(bookings[0]["id"], booking.to_string());
    assert_eq!(bookings[0]["channel"], "web");
    let slot = entities
        .iter()
        .find(|e| e["type"] == "slot" && e["id"] == slot_a.to_string())
        .expect("its slot");
    assert_eq!(slot["booked"], 1);
    assert!(
        entities
            .iter()
            .any(|e| e["type"] == "resident" && e["key"]["ticket_number"] == people[0].as_str())
    );

    // Resuming from the cursor: nothing new.
    let again = expect_json(
        app.get(&format!("/api/v1/sync/pull?cursor={cursor}"), Some(&token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["changes"].as_array().unwrap().len(), 0);
    assert_eq!(again["cursor"].as_u64().unwrap(), cursor);
    // A cursor this server never issued asks for a resync.
    let bogus = expect_json(
        app.get("/api/v1/sync/pull?cursor=999999999", Some(&token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(bogus["kind"], "resync");
}

/// Changes older than the retention are deleted; a cursor from before them gets a resync, and the
/// snapshot's cursor is one a pull serves.
#[tokio::test]
async fn changes_past_the_retention_are_pruned_and_an_older_cursor_resyncs() {
    let app = spawn_app_with(|listener, pool| {
        Server::options()
            .change_retention(chrono::TimeDelta::zero())
            .housekeeping_period(Duration::from_millis(100))
            .spawn(listener, pool)
            .unwrap()
    })
    .await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let people = tickets(9_100_000_090, 1);
    seed_residents(&app.pool, &people, born()).await;
    let slot = demo_slot(&app.pool, 101, next_slot_day(), "1000", "public").await;
    book(&app, None, &people[0], BORN, slot, 1).await;
    // The booking's change is numbered, then pruned.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (kept, horizon): (i64, i64) = sqlx::query_as(
            "select (select count(*) from changes), (select pruned_through from change_horizon)",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if kept == 0 && horizon > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{kept} changes kept, horizon {horizon}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let old = expect_json(
        app.get("/api/v1/sync/pull?cursor=1", Some(&token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(old["kind"], "resync", "{old:#}");
    assert!(old["reason"].as_str().unwrap().contains("no longer kept"));

    let snapshot: Snapshot = serde_json::from_value(
        expect_json(
            app.get("/api/v1/sync/snapshot", Some(&token)).await,
            StatusCode::OK,
        )
        .await,
    )
    .unwrap();
    assert_eq!(snapshot.bookings.len(), 1);
    let from_snapshot = expect_json(
        app.get(
            &format!("/api/v1/sync/pull?cursor={}", snapshot.cursor),
            Some(&token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(from_snapshot["kind"], "changes", "{from_snapshot:#}");
}

/// A booking on a leased seat that is cancelled gives the seat back to the lease while it runs:
/// the clinic's next offline booking on that lease is certain again, and the web does not get a
/// seat the clinic counts as its own.
#[tokio::test]
async fn a_cancelled_leased_booking_gives_its_seat_back_to_the_lease() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let venue = app.venue_id(101).await;
    let slot = insert_slot(&app.pool, venue, next_slot_day(), (18, 0), 30, "public", 2).await;
    let lease = expect_json(
        app.post_json(
            "/api/v1/sync/leases",
            Some(&token),
            &json!({ "id": Uuid::new_v4(), "slot_id": slot, "seats": 1 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let lease_id: Uuid = lease["id"].as_str().unwrap().parse().unwrap();
    let people = tickets(9_100_000_070, 3);
    seed_residents(&app.pool, &people, born()).await;
    let used = || async {
        sqlx::query_scalar::<_, i32>("select used from leases where id = $1")
            .bind(lease_id)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };

    let device = Uuid::new_v4();
    let intent = book_intent(Uuid::new_v4(), 1, &[], &people[0], slot, Some(lease_id));
    let booking: Uuid = intent["action"]["booking_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        statuses(&push(&app, &token, device, vec![intent]).await),
        ["applied"]
    );
    assert_eq!((used().await, booked(&app.pool, slot).await), (1, 1));
    let cancel = json!({
        "id": Uuid::new_v4(), "seq": 2, "depends_on": [],
        "action": { "type": "cancel", "booking_id": booking }
    });
    assert_eq!(
        statuses(&push(&app, &token, device, vec![cancel]).await),
        ["applied"]
    );
    assert_eq!(
        (used().await, booked(&app.pool, slot).await),
        (0, 1),
        "the seat is the lease's again, still counted in the slot"
    );
    // The web takes the one public seat; the clinic's next booking on the lease still holds.
    book(&app, None, &people[1], BORN, slot, 1).await;
    let again = book_intent(Uuid::new_v4(), 3, &[], &people[2], slot, Some(lease_id));
    assert_eq!(
        statuses(&push(&app, &token, device, vec![again]).await),
        ["applied"]
    );
    assert_eq!((used().await, booked(&app.pool, slot).await), (1, 2));
}

/// A lease request sent again (its answer lost, or sent twice at once by the line) is answered
/// with the lease it made and takes no more seats; its id is no one else's to use.
#[tokio::test]
async fn a_lease_asked_again_is_the_same_lease_and_takes_no_more_seats() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let venue = app.venue_id(101).await;
    let slot = insert_slot(&app.pool, venue, next_slot_day(), (18, 0), 30, "public", 6).await;
    let ask = |id: Uuid, slot: Uuid| {
        let (app, token) = (&app, &token);
        async move {
            let body = json!({ "id": id, "slot_id": slot, "seats": 2 });
            app.post_json("/api/v1/sync/leases", Some(token), &body)
                .await
        }
    };
    let id = Uuid::new_v4();
    let first = expect_json(ask(id, slot).await, StatusCode::CREATED).await;
    let again = expect_json(ask(id, slot).await, StatusCode::CREATED).await;
    assert_eq!(first, again);
    assert_eq!(first["id"], json!(id));
    assert_eq!(booked(&app.pool, slot).await, 2);

    // Twice at once: one lease, two seats.
    let twin = Uuid::new_v4();
    let (a, b) = tokio::join!(ask(twin, slot), ask(twin, slot));
    let (a, b) = (
        expect_json(a, StatusCode::CREATED).await,
        expect_json(b, StatusCode::CREATED).await,
    );
    assert_eq!(a, b);
    assert_eq!(booked(&app.pool, slot).await, 4);
    let leases: i64 = sqlx::query_scalar("select count(*) from leases where slot_id = $1")
        .bind(slot)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(leases, 2);

    // The id names that lease only: not one of another slot, nor another clinic's.
    let other_slot =
        insert_slot(&app.pool, venue, next_slot_day(), (18, 30), 30, "public", 6).await;
    expect_problem(
        ask(id, other_slot).await,
        StatusCode::CONFLICT,
        Code::LeaseIdTaken,
    )
    .await;
    let e = app.login(&app.accounts.clinic_e).await.token;
    let theirs = demo_slot(&app.pool, 105, next_slot_day(), "0900", "public").await;
    let response = app
        .post_json(
            "/api/v1/sync/leases",
            Some(&e),
            &json!({ "id": id, "slot_id": theirs, "seats": 2 }),
        )
        .await;
    expect_problem(response, StatusCode::CONFLICT, Code::LeaseIdTaken).await;
    assert_eq!(booked(&app.pool, other_slot).await, 0);
}

#[tokio::test]
async fn a_lease_holds_public_seats_for_offline_bookings_and_returns_the_rest() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let venue = app.venue_id(101).await;
    let slot = insert_slot(&app.pool, venue, next_slot_day(), (18, 0), 30, "public", 3).await;
    let lease = expect_json(
        app.post_json(
            "/api/v1/sync/leases",
            Some(&token),
            &json!({ "id": Uuid::new_v4(), "slot_id": slot, "seats": 2 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        booked(&app.pool, slot).await,
        2,
        "leased seats are taken from the public"
    );
    let lease_id: Uuid = lease["id"].as_str().unwrap().parse().unwrap();

    // The web can take the one seat left, and then none.
    let people = tickets(9_100_000_050, 3);
    seed_residents(&app.pool, &people, born()).await;
    book(&app, None, &people[0], BORN, slot, 1).await;
    assert_eq!(booked(&app.pool, slot).await, 3);

    // The clinic's offline booking with the lease is certain even though the slot is full.
    let pushed = push(
        &app,
        &token,
        Uuid::new_v4(),
        vec![book_intent(
            Uuid::new_v4(),
            1,
            &[],
            &people[1],
            slot,
            Some(lease_id),
        )],
    )
    .await;
    assert_eq!(statuses(&pushed), ["applied"]);
    assert_eq!(booked(&app.pool, slot).await, 3);

    // At expiry the unused seat returns.
    sqlx::query("update leases set expires_at = now() - interval '1 second' where id = $1")
        .bind(lease_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while booked(&app.pool, slot).await != 2 {
        assert!(
            Instant::now() < deadline,
            "the unused leased seat never came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Leases are for the clinic's own public slots only.
    let private = demo_slot(&app.pool, 101, next_slot_day(), "0900", "private").await;
    let response = app
        .post_json(
            "/api/v1/sync/leases",
            Some(&token),
            &json!({ "id": Uuid::new_v4(), "slot_id": private, "seats": 1 }),
        )
        .await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::LeasePrivateSlot,
    )
    .await;
    let other = demo_slot(&app.pool, 105, next_slot_day(), "0900", "public").await;
    let response = app
        .post_json(
            "/api/v1/sync/leases",
            Some(&token),
            &json!({ "id": Uuid::new_v4(), "slot_id": other, "seats": 1 }),
        )
        .await;
    expect_problem(response, StatusCode::NOT_FOUND, Code::SlotNotFound).await;
}
