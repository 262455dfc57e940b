//! The app killed mid-write: a child process books offline as fast as it can and is killed
//! (SIGKILL) at a random moment. Reopened, the cache holds whole use cases only — every booking
//! with its intent, sequence numbers without gaps — and, with the network back, the city ends up
//! with exactly what the cache has.
//!
//! Then the same online, over many kill points: the child books with the city reachable (each
//! booking sent at once), cancels some, syncs every few bookings, and is killed wherever it is —
//! in a push, between the city's answer and settling it, in a pull or a lease renewal.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use common::work::{add_to_registry, overbooked_and_doubled, registry_born};
use common::{City, form, next_random, open_clinic, spawn_child};
use yoyaku_clinic::{BookRequest, Booked, Clinic, RegistrationForm};
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident::{ResidentForm, Sex};
use yoyaku_core::resident_key::ResidentKeyInput;
use yoyaku_core::time::tokyo_today;

const CHILD_DIR: &str = "YOYAKU_CRASH_CHILD_DIR";
const CHILD_SERVER: &str = "YOYAKU_CRASH_CHILD_SERVER";
/// The online child's first 接種券番号 (it books from there on).
const CHILD_FIRST_TICKET: &str = "YOYAKU_CRASH_CHILD_FIRST_TICKET";
/// Kill points of the online campaign (default [`KILLS`]) and the seed of its delays.
const KILLS_VAR: &str = "YOYAKU_SYNC_KILLS";
const SEED_VAR: &str = "YOYAKU_SYNC_KILL_SEED";
const KILLS: u32 = 24;
/// Tickets the city's registry gets for each kill point, far more than a child books before it.
const TICKETS_PER_KILL: u64 = 200;
const FIRST_CAMPAIGN_TICKET: u64 = 7_300_000_000;

/// In a child: the cache in `dir`, logged in as clinic-a (offline from the cached password when
/// the city is gone).
async fn child_clinic(dir: &str, server_url: &str) -> Arc<Clinic> {
    let settings = yoyaku_clinic::Settings {
        server_url: server_url.to_owned(),
        ..yoyaku_clinic::Settings::default()
    };
    let clinic = Clinic::open(Path::new(dir), settings).await.unwrap();
    clinic
        .login(yoyaku_clinic::LoginForm {
            municipality_code: "431001".into(),
            account_id: "clinic-a".into(),
            password: "demo-clinic-a".into(),
            agreed_to_terms: true,
        })
        .await
        .unwrap();
    clinic
}

/// Registers クラッシュ `given_name_kana` and books their first dose in the first slot from
/// tomorrow with a seat, of the first of `visibilities` that has one; `None` when none has.
async fn register_and_book(
    clinic: &Clinic,
    ticket: u64,
    born: NaiveDate,
    given_name_kana: &str,
    visibilities: &[&str],
) -> Option<Booked> {
    let registration = clinic
        .register_resident(RegistrationForm {
            key: ResidentKeyInput {
                municipality_code: Some("431001".into()),
                ticket: ticket.to_string(),
                birth_date: born.to_string(),
            },
            details: ResidentForm {
                family_name_kana: "クラッシュ".into(),
                given_name_kana: given_name_kana.into(),
                sex: Some(Sex::Unset),
                phone: "0963281111".into(),
                email: String::new(),
                memo: String::new(),
            },
            outside: None,
        })
        .await
        .unwrap();
    let slots = clinic
        .slot_list(tokyo_today() + chrono::Days::new(1))
        .await
        .unwrap();
    let slot = visibilities.iter().find_map(|visibility| {
        slots
            .iter()
            .find(|s| s.visibility == *visibility && s.remaining > 0)
    })?;
    let booked = clinic
        .book(BookRequest {
            resident: registration.key,
            slot_id: slot.slot_id.parse().unwrap(),
            dose: DoseNumber::FIRST,
        })
        .await
        .unwrap();
    Some(booked)
}

/// In the offline child: book resident after resident in 非公開枠 until killed.
async fn write_until_killed(dir: &str, server_url: &str) {
    let clinic = child_clinic(dir, server_url).await;
    for i in 0u32.. {
        let born = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap()
            + chrono::TimeDelta::days(i64::from(i) * 92);
        let ticket = 9_000_001_000 + u64::from(i);
        if register_and_book(&clinic, ticket, born, "テスト", &["private"])
            .await
            .is_none()
        {
            break;
        }
    }
    // Out of private seats before the kill: wait for it.
    std::thread::sleep(Duration::from_secs(600));
}

/// In the online child: book resident after resident (a 非公開枠 while any is left, then a 公開枠),
/// each sent at once, cancel every fourth booking again, and sync after every third resident,
/// until killed.
async fn book_and_sync_until_killed(dir: &str, server_url: &str, first_ticket: u64) {
    let clinic = child_clinic(dir, server_url).await;
    for ticket in first_ticket.. {
        let born = registry_born(ticket);
        let Some(booked) =
            register_and_book(&clinic, ticket, born, "ドウキ", &["private", "public"]).await
        else {
            break;
        };
        if ticket % 4 == 1 {
            clinic
                .cancel(booked.booking.booking_id.parse().unwrap())
                .await
                .unwrap();
        }
        if ticket % 3 == 2 {
            clinic.sync_now().await;
        }
    }
    std::thread::sleep(Duration::from_secs(600));
}

/// The cache's intents so far, read while the child writes (read-only; 0 while it is locked).
async fn intents_written(file: &Path) -> i64 {
    let url = format!("sqlite:{}?mode=ro", file.display());
    let Ok(pool) = sqlx::SqlitePool::connect(&url).await else {
        return 0;
    };
    let n = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap_or(0);
    pool.close().await;
    n
}

/// Waits until the cache in `dir` holds at least `intents` intents (30 s at most): the child is
/// under way.
async fn until_written(dir: &Path, intents: i64) {
    let file = dir.join(yoyaku_clinic::store::DATABASE_FILE);
    let mut written = 0;
    for _ in 0..1200 {
        written = intents_written(&file).await;
        if written >= intents {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the child wrote too little: {written} of {intents} intents");
}

/// The cache reopened after a kill holds whole use cases: SQLite's own check passes, the intents'
/// numbers have no gap and none is reused, and every booking came with its intent.
async fn assert_whole(clinic: &Clinic, context: &str) {
    let pool = clinic.store().pool();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(check, "ok", "{context}");
    let (intents, max_seq, next_seq): (i64, i64, i64) =
        sqlx::query_as("SELECT count(*), max(seq), (SELECT next_seq FROM sync_state) FROM outbox")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(
        (max_seq, next_seq),
        (intents, intents + 1),
        "{context}: a gap or a reuse"
    );
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bookings b
         WHERE NOT EXISTS (SELECT 1 FROM outbox_touches t WHERE t.kind = 'booking' AND t.key = b.id)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "{context}: a booking without its intent");
}

/// Logs in again and syncs until nothing is pending; nothing may be refused.
async fn sync_all(city: &City, clinic: &Clinic, context: &str) {
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    for _ in 0..5 {
        if clinic.sync_now().await.pending == 0 {
            break;
        }
    }
    let status = clinic.status();
    assert_eq!(
        (status.pending, status.problems),
        (0, 0),
        "{context}: {status:?}"
    );
}

#[tokio::test]
async fn killed_mid_write_the_cache_holds_whole_use_cases_and_syncs_exactly_once() {
    if let (Ok(dir), Ok(server)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_SERVER)) {
        write_until_killed(&dir, &server).await;
        return;
    }
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    {
        let clinic = open_clinic(&city, dir.path()).await;
        clinic.login(form(&city.demo.clinic_a)).await.unwrap();
        clinic.store().close().await;
    }
    city.stop().await;

    let mut child = spawn_child(
        "killed_mid_write_the_cache_holds_whole_use_cases_and_syncs_exactly_once",
        &[
            (CHILD_DIR, dir.path().display().to_string()),
            (CHILD_SERVER, city.url()),
        ],
    );
    // Kill it once it has written a fair amount, in the middle of whatever it is doing.
    until_written(dir.path(), 40).await;
    tokio::time::sleep(Duration::from_millis(u64::from(rand_millis()))).await;
    child.kill().unwrap();
    child.wait().unwrap();

    let clinic = open_clinic(&city, dir.path()).await;
    assert_whole(&clinic, "killed offline").await;
    let bookings: i64 = sqlx::query_scalar("SELECT count(*) FROM bookings")
        .fetch_one(clinic.store().pool())
        .await
        .unwrap();

    city.restart().await;
    sync_all(&city, &clinic, "killed offline").await;
    let at_city: i64 =
        sqlx::query_scalar("select count(*) from bookings where ticket_number >= '9000001000'")
            .fetch_one(&city.pool)
            .await
            .unwrap();
    assert_eq!(at_city, bookings);
}

/// 0–49 ms, so the kill lands at a different point of a use case each run.
fn rand_millis() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        % 50
}

/// The campaign's bookings at the city, as (id, ticket, slot, status).
async fn campaign_bookings_at_city(city: &City) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "select id::text, ticket_number, slot_id::text, status::text from bookings
         where ticket_number >= $1 order by id",
    )
    .bind(FIRST_CAMPAIGN_TICKET.to_string())
    .fetch_all(&city.pool)
    .await
    .unwrap()
}

/// The cache's bookings (only the campaign's are there), as (id, ticket, slot, status).
async fn bookings_cached(clinic: &Clinic) -> Vec<(String, String, String, String)> {
    sqlx::query_as("SELECT id, ticket_number, slot_id, status FROM bookings ORDER BY id")
        .fetch_all(clinic.store().pool())
        .await
        .unwrap()
}

/// Kill points over online work: after each kill, the cache reopens whole, and once synced no
/// intent is lost or applied twice: the city and the cache hold the same bookings, no slot is
/// overbooked and no resident holds two active first doses.
#[tokio::test]
async fn killed_at_random_points_of_online_work_and_sync_the_city_and_cache_agree() {
    const NAME: &str = "killed_at_random_points_of_online_work_and_sync_the_city_and_cache_agree";
    if let (Ok(dir), Ok(server), Ok(first)) = (
        std::env::var(CHILD_DIR),
        std::env::var(CHILD_SERVER),
        std::env::var(CHILD_FIRST_TICKET),
    ) {
        book_and_sync_until_killed(&dir, &server, first.parse().unwrap()).await;
        return;
    }
    let kills: u32 = std::env::var(KILLS_VAR).map_or(KILLS, |v| v.parse().expect(KILLS_VAR));
    let seed: u64 = std::env::var(SEED_VAR).map_or(0x5eed_1234, |v| v.parse().expect(SEED_VAR));
    let mut random = seed.max(1);
    let city = City::start().await;
    add_to_registry(
        &city,
        FIRST_CAMPAIGN_TICKET,
        u64::from(kills) * TICKETS_PER_KILL,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(yoyaku_clinic::store::DATABASE_FILE);
    let mut booked = 0;
    for kill in 0..kills {
        let context = format!("kill {kill}");
        let before = intents_written(&file).await;
        let first = FIRST_CAMPAIGN_TICKET + u64::from(kill) * TICKETS_PER_KILL;
        let mut child = spawn_child(
            NAME,
            &[
                (CHILD_DIR, dir.path().display().to_string()),
                (CHILD_SERVER, city.url()),
                (CHILD_FIRST_TICKET, first.to_string()),
            ],
        );
        // Once the child is under way (a few intents written), kill it 0–299 ms later.
        until_written(dir.path(), before + 3).await;
        let delay = next_random(&mut random) % 300;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        child.kill().unwrap();
        child.wait().unwrap();

        let clinic = open_clinic(&city, dir.path()).await;
        assert_whole(&clinic, &context).await;
        sync_all(&city, &clinic, &context).await;
        let at_city = campaign_bookings_at_city(&city).await;
        assert_eq!(at_city, bookings_cached(&clinic).await, "{context}");
        let (overbooked, doubled) = overbooked_and_doubled(&city).await;
        assert_eq!((overbooked, doubled), (0, 0), "{context}");
        booked = at_city.len();
        clinic.store().close().await;
    }
    println!("{kills} kill points (seed {seed}): {booked} bookings, 0 invariant violations");
    assert!(
        booked >= kills as usize,
        "the children booked too little: {booked}"
    );
}
