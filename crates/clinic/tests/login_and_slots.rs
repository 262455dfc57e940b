//! The clinic engine against a real city server: login, pulling the clinic's own slots into the
//! SQLite cache, and opening on that cache when the server cannot be reached.

mod common;

use chrono::NaiveDate;
use common::work::{register, sync_until_settled};
use common::{City, form, open_clinic, open_clinic_on};
use yoyaku_clinic::{ClinicError, LoginForm};
use yoyaku_core::Code;
use yoyaku_core::Coded;
use yoyaku_core::time::tokyo_today;

/// The ids of the slots the city holds for a venue from today on (Tokyo).
async fn city_slot_ids(city: &City, venue_number: i32) -> Vec<String> {
    let from: NaiveDate = tokyo_today();
    let mut ids: Vec<String> = sqlx::query_scalar(
        "SELECT s.id::text FROM slots s
         JOIN venues v ON v.municipality_code = s.municipality_code AND v.id = s.venue_id
         WHERE v.venue_number = $1
           AND (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date >= $2",
    )
    .bind(venue_number)
    .bind(from)
    .fetch_all(&city.pool)
    .await
    .unwrap();
    ids.sort();
    ids
}

async fn cached_slot_ids(clinic: &yoyaku_clinic::Clinic) -> Vec<String> {
    let mut ids: Vec<String> = clinic
        .slot_list(tokyo_today())
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.slot_id)
        .collect();
    ids.sort();
    ids
}

async fn cached_accounts(clinic: &yoyaku_clinic::Clinic) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM account")
        .fetch_one(clinic.store().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn logs_in_and_pulls_exactly_its_own_venues_slots() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city, dir.path()).await;

    let session = clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    assert!(session.online);
    assert_eq!(session.profile.display_name, "A胃腸科内科医院");
    let venues: Vec<_> = session
        .profile
        .venues
        .iter()
        .map(|v| (v.venue_number, v.name.as_str()))
        .collect();
    assert_eq!(venues, [(101, "A胃腸科内科医院")]);

    let expected = city_slot_ids(&city, 101).await;
    assert!(
        !expected.is_empty(),
        "the demo has slots in the coming weeks"
    );
    assert_eq!(cached_slot_ids(&clinic).await, expected);
    let others = city_slot_ids(&city, 105).await;
    let cached = cached_slot_ids(&clinic).await;
    assert!(
        others.iter().all(|id| !cached.contains(id)),
        "no slot of E耳鼻咽喉科 is cached"
    );

    let rows = clinic.slot_list(tokyo_today()).await.unwrap();
    assert!(rows.iter().all(|r| r.venue_name == "A胃腸科内科医院"));
    assert!(
        rows.iter().any(|r| r.visibility == "public")
            && rows.iter().any(|r| r.visibility == "private")
    );
    assert!(rows.iter().all(|r| r.remaining == r.capacity - r.booked));
    let status = clinic.status();
    assert!(status.online && status.last_error.is_none() && status.last_success_at.is_some());
}

#[tokio::test]
async fn after_one_online_login_it_opens_offline_on_its_cache() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city, dir.path()).await;
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    let cached = cached_slot_ids(&clinic).await;
    clinic.store().close().await;
    drop(clinic);

    city.stop().await;
    let clinic = open_clinic(&city, dir.path()).await;
    let session = clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    assert!(
        !session.online,
        "the server is down: the session says offline"
    );
    assert_eq!(session.profile.display_name, "A胃腸科内科医院");
    assert_eq!(session.profile.venues.len(), 1);
    assert_eq!(cached_slot_ids(&clinic).await, cached);
    let status = clinic.status();
    assert!(!status.online);
    assert!(
        status.last_success_at.is_some(),
        "the last success survives a restart"
    );

    // The network comes back: the next round is online again.
    city.restart().await;
    let status = clinic.sync_now().await;
    assert!(status.online && status.last_error.is_none(), "{status:?}");
}

#[tokio::test]
async fn offline_login_checks_the_password_and_the_account() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city, dir.path()).await;
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    clinic.logout().await.unwrap();
    city.stop().await;

    let wrong = LoginForm {
        password: "not-the-password".into(),
        ..form(&city.demo.clinic_a)
    };
    let err = clinic.login(wrong).await.unwrap_err();
    assert!(matches!(err, ClinicError::InvalidCredentials), "{err:?}");
    assert!(clinic.profile().await.is_none());

    let other = clinic.login(form(&city.demo.clinic_e)).await.unwrap_err();
    assert!(matches!(other, ClinicError::NoCachedLogin), "{other:?}");
    assert!(!other.message_ja().is_empty() && !other.message_en().is_empty());
}

#[tokio::test]
async fn a_first_login_without_the_server_says_so_and_writes_nothing() {
    let mut city = City::start().await;
    city.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city, dir.path()).await;
    let err = clinic.login(form(&city.demo.clinic_a)).await.unwrap_err();
    assert_eq!(err.code(), Code::AuthOfflineFirstLogin);
    assert!(err.message_ja().contains("ネットワーク"));
    assert_eq!(cached_accounts(&clinic).await, 0);
    assert!(!clinic.status().online);
}

#[tokio::test]
async fn the_servers_refusals_reach_the_receptionist_and_nothing_is_cached() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city, dir.path()).await;

    let wrong = LoginForm {
        password: "not-the-password".into(),
        ..form(&city.demo.clinic_a)
    };
    let err = clinic.login(wrong).await.unwrap_err();
    assert_eq!(err.code(), Code::AuthInvalidCredentials);
    assert!(
        err.message_ja().contains("正しくありません"),
        "{}",
        err.message_ja()
    );

    let unknown = LoginForm {
        account_id: "no-such-clinic".into(),
        ..form(&city.demo.clinic_a)
    };
    assert_eq!(
        clinic.login(unknown).await.unwrap_err().code(),
        Code::AuthInvalidCredentials
    );

    let bad_code = LoginForm {
        municipality_code: "431002".into(),
        ..form(&city.demo.clinic_a)
    };
    assert_eq!(
        clinic.login(bad_code).await.unwrap_err().code(),
        Code::MunicipalityCodeCheckDigit
    );

    assert_eq!(cached_accounts(&clinic).await, 0);
    assert!(cached_slot_ids(&clinic).await.is_empty());
    // The server answered each time: it is reachable, just refusing.
    assert!(clinic.status().online);
}

#[tokio::test]
async fn another_account_on_the_same_device_starts_from_its_own_slots() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city, dir.path()).await;
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    clinic.logout().await.unwrap();
    clinic.login(form(&city.demo.clinic_e)).await.unwrap();
    assert_eq!(
        cached_slot_ids(&clinic).await,
        city_slot_ids(&city, 105).await
    );
}

/// Another account's login would empty the cache for it: while the first account's work is
/// unsent it is refused, saying whose work and what to do, and nothing of that work is lost; once
/// the work has reached the city, the other account starts from its own slots.
#[tokio::test]
async fn another_accounts_login_waits_for_the_unsent_work_and_loses_none_of_it() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city, dir.path()).await;
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    city.stop().await;
    let resident = register(&clinic, 1).await;
    city.restart().await;
    clinic.logout().await.unwrap();

    let refused = clinic
        .login(form(&city.demo.clinic_e))
        .await
        .expect_err("clinic-e over clinic-a's unsent work");
    assert_eq!(refused.code(), Code::SyncOtherAccountUnsent);
    let words = refused.message_ja();
    assert!(
        words.contains(city.demo.clinic_a.account_id) && words.contains("未送信の操作が1件"),
        "{words}"
    );
    assert_eq!(
        cached_slot_ids(&clinic).await,
        city_slot_ids(&city, 101).await,
        "the cache is still clinic-a's"
    );
    assert_eq!(clinic.status().pending, 1);

    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    sync_until_settled(&clinic).await;
    let at_city: i64 =
        sqlx::query_scalar("select count(*) from residents where ticket_number = $1")
            .bind(resident.ticket_number.as_string())
            .fetch_one(&city.pool)
            .await
            .unwrap();
    assert_eq!(at_city, 1, "the registration reached the city");
    clinic.logout().await.unwrap();
    clinic.login(form(&city.demo.clinic_e)).await.unwrap();
    assert_eq!(
        cached_slot_ids(&clinic).await,
        city_slot_ids(&city, 105).await
    );
}

#[tokio::test]
async fn a_sync_round_without_login_is_refused_cleanly() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city, dir.path()).await;
    let status = clinic.sync_now().await;
    assert_eq!(
        status.last_error.map(|e| e.code),
        Some(Code::AuthNotLoggedIn.to_owned())
    );
    assert!(cached_slot_ids(&clinic).await.is_empty());
}

/// Every file of the closed cache in `from`, copied into `to` as a thief with the disk would.
///
/// sqlx finishes closing a connection that was on its way back to the pool in a task of its own,
/// after `close` has returned; SQLite removes the WAL when the last connection closes. Copying
/// before then could catch the WAL as it is checkpointed and removed, so wait for it (on the
/// runtime, which that task needs).
async fn copy_cache(from: &std::path::Path, to: &std::path::Path) {
    let wal = from.join("yoyaku.sqlite3-wal");
    let mut waited = 0;
    while wal.exists() {
        assert!(
            waited < 1000,
            "the closed cache still has its WAL after 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waited += 1;
    }
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[tokio::test]
async fn a_copied_cache_holds_no_session_token_another_computer_can_use() {
    let mut city = City::start().await;
    let here = "4c1f0e3c9d2b4a6f8e7d6c5b4a392817";
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic_on(&city, dir.path(), here).await;
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    let secrets: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(yoyaku_clinic::SECRETS_FILE)).unwrap(),
    )
    .unwrap();
    let stored = secrets["session_token"].as_str().unwrap();
    assert!(stored.starts_with("v1:"), "stored sealed, not as issued");
    clinic.store().close().await;
    drop(clinic);
    let copy = tempfile::tempdir().unwrap();
    copy_cache(dir.path(), copy.path()).await;

    // Both caches open offline with the password (the cached check), as before.
    city.stop().await;
    let elsewhere = open_clinic_on(&city, copy.path(), "0123456789abcdef0123456789abcdef").await;
    assert!(
        !elsewhere
            .login(form(&city.demo.clinic_a))
            .await
            .unwrap()
            .online
    );
    let original = open_clinic_on(&city, dir.path(), here).await;
    assert!(
        !original
            .login(form(&city.demo.clinic_a))
            .await
            .unwrap()
            .online
    );

    // Back online, the original computer's token still works; the copy's opens nowhere else.
    city.restart().await;
    let status = original.sync_now().await;
    assert!(status.online && status.last_error.is_none(), "{status:?}");
    let status = elsewhere.sync_now().await;
    assert_eq!(
        status.last_error.map(|e| e.code),
        Some(Code::AuthLogInAgainOnline),
        "a copied cache must log in again"
    );
}

/// The session expired while the clinic was offline: when the city answers again, the password is
/// asked for (`auth.session_expired`), a wrong one changes nothing, and the right one sends every
/// change made meanwhile.
#[tokio::test]
async fn a_session_expired_while_offline_is_renewed_with_the_password_and_nothing_unsent_is_lost() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city, dir.path()).await;
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    city.stop().await;
    let key = common::work::register(&clinic, 60).await;
    let slot = common::work::private_slot(&clinic, 1).await;
    clinic
        .book(yoyaku_clinic::BookRequest {
            resident: key,
            slot_id: common::work::slot_id(&slot),
            dose: yoyaku_core::booking::DoseNumber::FIRST,
        })
        .await
        .unwrap();
    // The sessions end at the city meanwhile (their lifetime passed).
    sqlx::query("delete from sessions")
        .execute(&city.pool)
        .await
        .unwrap();
    city.restart().await;

    let status = clinic.sync_now().await;
    let error = status.last_error.expect("the renewal asked for");
    assert_eq!(error.code, Code::AuthSessionExpired);
    assert!(
        error.message_ja.contains("パスワード"),
        "{}",
        error.message_ja
    );
    assert!(status.online);
    assert_eq!(status.pending, 2);

    let wrong = clinic.renew_session("not the password".into()).await;
    assert_eq!(wrong.unwrap_err().code(), Code::AuthInvalidCredentials);
    assert_eq!(clinic.status().pending, 2);

    let session = clinic
        .renew_session(city.demo.clinic_a.password.to_owned())
        .await
        .unwrap();
    assert!(session.online);
    let status = clinic.status();
    assert_eq!((status.pending, status.problems), (0, 0), "{status:?}");
    assert!(status.last_error.is_none());
    let booked: i64 = sqlx::query_scalar("select count(*) from bookings where ticket_number = $1")
        .bind(common::work::registry_entry(60).0)
        .fetch_one(&city.pool)
        .await
        .unwrap();
    assert_eq!(booked, 1);
}

/// 利用規約 from the login screen and 問い合わせ先 after login, read from the city while online and
/// from this computer's copy while not.
#[tokio::test]
async fn the_terms_and_the_contacts_read_the_same_offline() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = open_clinic(&city, dir.path()).await;
    let terms = clinic.terms_of_use("431001").await.unwrap();
    assert!(terms.online);
    assert_eq!(terms.body.version, "1.1.0");
    let err = clinic.terms_of_use("43100").await.unwrap_err();
    assert_eq!(err.code(), Code::MunicipalityCodeFormat);
    let err = clinic.terms_of_use("131016").await.unwrap_err();
    assert_eq!(err.code(), Code::InformationNotPublished);
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    let contacts = clinic.contacts().await.unwrap();
    assert!(contacts.online);
    assert_eq!(contacts.body.main.tel, ["096-300-9377"]);

    city.stop().await;
    let copy = clinic.contacts().await.unwrap();
    assert!(!copy.online);
    assert_eq!(copy.body, contacts.body);
    let copy = clinic.terms_of_use("431001").await.unwrap();
    assert_eq!((copy.online, copy.body), (false, terms.body));
    let err = clinic.terms_of_use("131016").await.unwrap_err();
    assert_eq!(err.code(), Code::InformationNoCopyYet);
}
