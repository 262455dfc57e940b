//! The app killed mid-write: a child process books offline as fast as it can and is killed
//! (SIGKILL) at a random moment. Reopened, the cache holds whole use cases only — every booking
//! with its intent, sequence numbers without gaps — and, with the network back, the city ends up
//! with exactly what the cache has.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{City, form, open_clinic};
use yoyaku_clinic::{BookRequest, RegistrationForm};
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident::{ResidentForm, Sex};
use yoyaku_core::resident_key::ResidentKeyInput;
use yoyaku_core::time::tokyo_today;

const CHILD_DIR: &str = "YOYAKU_CRASH_CHILD_DIR";
const CHILD_SERVER: &str = "YOYAKU_CRASH_CHILD_SERVER";

/// In the child: log in offline on the cache and book resident after resident until killed.
async fn write_until_killed(dir: &str, server_url: &str) {
    let settings = yoyaku_clinic::Settings {
        server_url: server_url.to_owned(),
        ..yoyaku_clinic::Settings::default()
    };
    let clinic = yoyaku_clinic::Clinic::open(std::path::Path::new(dir), settings)
        .await
        .unwrap();
    clinic
        .login(yoyaku_clinic::LoginForm {
            municipality_code: "431001".into(),
            account_id: "clinic-a".into(),
            password: "demo-clinic-a".into(),
            agreed_to_terms: true,
        })
        .await
        .unwrap();
    for i in 0u32.. {
        let born = chrono::NaiveDate::from_ymd_opt(1930, 1, 1).unwrap()
            + chrono::TimeDelta::days(i64::from(i) * 92);
        let registration = clinic
            .register_resident(RegistrationForm {
                key: ResidentKeyInput {
                    municipality_code: Some("431001".into()),
                    ticket: (9_000_001_000 + u64::from(i)).to_string(),
                    birth_date: born.to_string(),
                },
                details: ResidentForm {
                    family_name_kana: "クラッシュ".into(),
                    given_name_kana: "テスト".into(),
                    sex: Some(Sex::Unset),
                    phone: "0963281111".into(),
                    email: String::new(),
                    memo: String::new(),
                },
                outside: None,
            })
            .await
            .unwrap();
        let slot = clinic
            .slot_list(tokyo_today() + chrono::Days::new(1))
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.visibility == "private" && s.remaining > 0)
            .map(|s| s.slot_id);
        let Some(slot) = slot else { break };
        clinic
            .book(BookRequest {
                resident: registration.key,
                slot_id: slot.parse().unwrap(),
                dose: DoseNumber::FIRST,
            })
            .await
            .unwrap();
    }
    // Out of private seats before the kill: wait for it.
    std::thread::sleep(Duration::from_secs(600));
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

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "killed_mid_write_the_cache_holds_whole_use_cases_and_syncs_exactly_once",
            "--nocapture",
        ])
        .env(CHILD_DIR, dir.path())
        .env(CHILD_SERVER, city.url())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has written a fair amount, in the middle of whatever it is doing.
    let file = dir.path().join(yoyaku_clinic::store::DATABASE_FILE);
    let url = format!("sqlite:{}?mode=ro", file.display());
    let mut written = 0i64;
    for _ in 0..600 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if let Ok(pool) = sqlx::SqlitePool::connect(&url).await {
            written = sqlx::query_scalar("SELECT count(*) FROM outbox")
                .fetch_one(&pool)
                .await
                .unwrap_or(0);
            pool.close().await;
        }
        if written >= 40 {
            break;
        }
    }
    assert!(written >= 40, "the child wrote too little: {written}");
    tokio::time::sleep(Duration::from_millis(u64::from(rand_millis()))).await;
    child.kill().unwrap();
    child.wait().unwrap();

    let clinic = open_clinic(&city, dir.path()).await;
    let pool = clinic.store().pool();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let (intents, max_seq, next_seq): (i64, i64, i64) =
        sqlx::query_as("SELECT count(*), max(seq), (SELECT next_seq FROM sync_state) FROM outbox")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(
        (max_seq, next_seq),
        (intents, intents + 1),
        "no gap, no reuse"
    );
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bookings b
         WHERE NOT EXISTS (SELECT 1 FROM outbox_touches t WHERE t.kind = 'booking' AND t.key = b.id)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "every booking came with its intent");
    let bookings: i64 = sqlx::query_scalar("SELECT count(*) FROM bookings")
        .fetch_one(pool)
        .await
        .unwrap();

    city.restart().await;
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    for _ in 0..5 {
        if clinic.sync_now().await.pending == 0 {
            break;
        }
    }
    let status = clinic.status();
    assert_eq!((status.pending, status.problems), (0, 0), "{status:?}");
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
