//! The clinic's resident use cases against a real city server: the valid-ticket check online and
//! offline, 住民情報登録 through the outbox, and 住民検索 over what was registered.

mod common;

use std::sync::Arc;
use yoyaku_core::Code;

use common::{City, form, open_clinic};
use yoyaku_clinic::{Clinic, ClinicError, RegistrationForm, ResidentQuery, SyncState};
use yoyaku_core::Coded;
use yoyaku_core::resident::{ResidentForm, Sex};
use yoyaku_core::resident_key::ResidentKeyInput;

fn key(ticket: &str, birth_date: &str) -> ResidentKeyInput {
    ResidentKeyInput {
        municipality_code: Some("431001".into()),
        ticket: ticket.into(),
        birth_date: birth_date.into(),
    }
}

async fn logged_in(city: &City, dir: &std::path::Path) -> Arc<Clinic> {
    let clinic = open_clinic(city, dir).await;
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    clinic
}

async fn count(clinic: &Clinic, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(clinic.store().pool())
        .await
        .unwrap()
}

async fn cached_resident(clinic: &Clinic, ticket: &str) -> Option<(String, i64)> {
    sqlx::query_as("SELECT birth_date, verified FROM residents WHERE ticket_number = ?")
        .bind(ticket)
        .fetch_optional(clinic.store().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_valid_ticket_is_confirmed_online_by_number_ocr_line_or_wareki_and_cached() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city, dir.path()).await;

    let lookup = clinic
        .lookup_ticket(key("9000000062", "1945-03-03"))
        .await
        .unwrap();
    assert!(lookup.verified && lookup.online);
    assert!(!lookup.registered, "the demo registers no resident");
    assert!(!lookup.out_of_municipality);
    assert_eq!(lookup.notice, None);
    assert!(lookup.history.is_empty());
    assert_eq!(
        cached_resident(&clinic, "9000000062").await,
        Some(("1945-03-03".into(), 1))
    );

    let wareki = clinic
        .lookup_ticket(key("9000000001", "昭和20年1月1日"))
        .await
        .unwrap();
    assert_eq!(wareki.key.birth_date.to_string(), "1945-01-01");
    assert!(wareki.verified);

    let ocr = clinic
        .lookup_ticket(ResidentKeyInput {
            municipality_code: None,
            ticket: "１１４３１００１９０００００００６２".into(),
            birth_date: "S20.3.3".into(),
        })
        .await
        .unwrap();
    assert_eq!(ocr.key, lookup.key);
    assert!(ocr.verified);
}

#[tokio::test]
async fn a_made_up_ticket_or_a_wrong_birth_date_is_refused_and_nothing_is_written() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city, dir.path()).await;
    let residents = count(&clinic, "residents").await;

    for (ticket, birth_date) in [("9999999999", "1945-03-03"), ("9000000062", "1945-03-04")] {
        let err = clinic
            .lookup_ticket(key(ticket, birth_date))
            .await
            .unwrap_err();
        assert!(matches!(err, ClinicError::Rejected(_)), "{err:?}");
        assert_eq!(
            err.code(),
            Code::TicketNotInRegistry,
            "{ticket} {birth_date}"
        );
        assert!(!err.message_ja().is_empty());
    }
    assert_eq!(count(&clinic, "residents").await, residents);
    assert_eq!(cached_resident(&clinic, "9999999999").await, None);
}

#[tokio::test]
async fn registration_normalises_queues_one_intent_reaches_the_city_and_is_found_by_kana() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city, dir.path()).await;
    clinic
        .lookup_ticket(key("9000000062", "1945-03-03"))
        .await
        .unwrap();

    let registered = clinic
        .register_resident(RegistrationForm {
            key: key("9000000062", "1945/3/3"),
            details: ResidentForm {
                family_name_kana: "ﾃｽﾄ".into(),
                given_name_kana: "たろー".into(),
                sex: Some(Sex::Male),
                phone: "０９６ー３２８ー１１１１".into(),
                email: String::new(),
                memo: String::new(),
            },
            outside: None,
        })
        .await
        .unwrap();
    assert!(registered.changed && registered.verified);
    assert_eq!(registered.details.family_name_kana.as_str(), "テスト");
    assert_eq!(registered.details.given_name_kana.as_str(), "タロー");
    assert_eq!(registered.details.phone.digits(), "0963281111");
    assert_eq!(count(&clinic, "outbox").await, 1);

    let found = clinic
        .search_residents(ResidentQuery {
            family_name_kana: "ﾃｽﾄ".into(),
            given_name_kana: "ﾀ".into(),
            ..ResidentQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(found.rows.len(), 1);
    assert_eq!(found.rows[0].ticket_number, "9000000062");
    assert_eq!(found.rows[0].sync_state, SyncState::Pending);
    let by_phone = clinic
        .search_residents(ResidentQuery {
            phone: "096 328 1111".into(),
            ..ResidentQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(by_phone.rows, found.rows);

    let status = clinic.sync_now().await;
    assert!(status.online, "{status:?}");
    let (family, phone): (String, String) = sqlx::query_as(
        "SELECT family_name_kana, phone FROM residents
         WHERE municipality_code = '431001' AND ticket_number = '9000000062'",
    )
    .fetch_one(&city.pool)
    .await
    .expect("the registration reached the city");
    assert_eq!((family.as_str(), phone.as_str()), ("テスト", "0963281111"));

    let detail = clinic
        .resident_detail("431001", "9000000062")
        .await
        .unwrap();
    assert_eq!(detail.sync_state, SyncState::Synced);
    assert_eq!(detail.details, Some(registered.details.clone()));
    let lookup = clinic
        .lookup_ticket(key("9000000062", "1945-03-03"))
        .await
        .unwrap();
    assert!(lookup.registered);
    assert_eq!(lookup.details, Some(registered.details));
}

#[tokio::test]
async fn every_field_error_comes_at_once_and_nothing_is_written() {
    let city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city, dir.path()).await;
    let residents = count(&clinic, "residents").await;
    let err = clinic
        .register_resident(RegistrationForm {
            key: key("9000000062", "1945-03-03"),
            details: ResidentForm {
                family_name_kana: "Tesuto".into(),
                given_name_kana: String::new(),
                sex: None,
                phone: "12-34".into(),
                email: "tesuto@".into(),
                memo: String::new(),
            },
            outside: None,
        })
        .await
        .unwrap_err();
    let ClinicError::InvalidFields(fields) = &err else {
        panic!("{err:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        names,
        [
            "family_name_kana",
            "given_name_kana",
            "sex",
            "phone",
            "email"
        ]
    );
    assert!(
        fields
            .iter()
            .all(|f| !f.message_ja.is_empty() && !f.message_en.is_empty())
    );
    assert_eq!(count(&clinic, "residents").await, residents);
    assert_eq!(count(&clinic, "outbox").await, 0);
}

#[tokio::test]
async fn offline_an_unknown_ticket_is_unverified_a_cached_one_answers_and_online_checks_again() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city, dir.path()).await;
    clinic
        .lookup_ticket(key("9000000001", "1945-01-01"))
        .await
        .unwrap();
    let residents = count(&clinic, "residents").await;
    city.stop().await;

    let unknown = clinic
        .lookup_ticket(key("9000000062", "1945-03-03"))
        .await
        .unwrap();
    assert!(!unknown.verified && !unknown.online);
    let notice = unknown.notice.expect("unverified tickets carry a notice");
    assert!(
        notice.message_ja.starts_with("未確認"),
        "{}",
        notice.message_ja
    );
    assert_eq!(count(&clinic, "residents").await, residents);
    assert_eq!(cached_resident(&clinic, "9000000062").await, None);

    let cached = clinic
        .lookup_ticket(key("9000000001", "1945-01-01"))
        .await
        .unwrap();
    assert!(cached.verified && !cached.online);
    assert_eq!(cached.notice, None);

    city.restart().await;
    let back = clinic
        .lookup_ticket(key("9000000062", "1945-03-03"))
        .await
        .unwrap();
    assert!(
        back.verified && back.online,
        "checked once the server is back"
    );
    assert_eq!(
        cached_resident(&clinic, "9000000062").await,
        Some(("1945-03-03".into(), 1))
    );
}
