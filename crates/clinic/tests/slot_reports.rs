//! 予約枠報告 from the clinic engine against a real city server: the clinic's period with its cap
//! read online and kept for offline; a form with unreadable cells or over the cap refused row by
//! row with nothing kept; a report sent online (提出済); one written offline kept and sent by the
//! next sync round, once; one the city refuses later kept with the refusal until discarded.

mod common;

use chrono::TimeDelta;
use common::City;
use common::work::logged_in;
use serde_json::{Value, json};
use yoyaku_clinic::slot_reports::{ReportDraft, Submitted};
use yoyaku_core::slot_report::ReportForm;
use yoyaku_core::slot_report::ReportState;
use yoyaku_core::slot_report::input::RowInput;
use yoyaku_core::time::tokyo_today;
use yoyaku_core::{Code, Coded};

/// The city's administrator over HTTP: period 8 with its dates from today, and clinic-a's cap.
async fn period_with_cap(city: &City, cap: u32) -> chrono::NaiveDate {
    let http = reqwest::Client::new();
    let admin = &city.demo.city_admin;
    let login: Value = http
        .post(format!("{}/api/v1/login", city.url()))
        .json(
            &json!({"municipality_code": "431001", "account_id": admin.account_id,
                      "password": admin.password, "agreed_to_terms": true}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let day = |offset: i64| tokyo_today() + TimeDelta::days(offset);
    let period = json!({
        "number": 8, "vaccine_code": "pfizer",
        "first_dose": {"first": day(22), "last": day(37)},
        "second_dose": {"first": day(43), "last": day(58)},
        "submission_deadline": day(5), "correction_deadline": day(10), "reception_opens": day(13),
    });
    let created = http
        .post(format!("{}/api/v1/admin/periods", city.url()))
        .bearer_auth(&token)
        .json(&period)
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let capped = http
        .put(format!(
            "{}/api/v1/admin/periods/8/caps/clinic-a",
            city.url()
        ))
        .bearer_auth(&token)
        .json(&json!({"doses": cap}))
        .send()
        .await
        .unwrap();
    assert!(capped.status().is_success());
    day(22)
}

fn row(date: &str, start: &str, public: &str, private: &str) -> RowInput {
    RowInput {
        date: date.into(),
        start: start.into(),
        end: "23:00".into(),
        public_seats: public.into(),
        private_seats: private.into(),
    }
}

fn draft(form: ReportForm, rows: Vec<RowInput>) -> ReportDraft {
    ReportDraft {
        period_number: 8,
        venue_number: 101,
        form,
        rows,
    }
}

async fn reports_at_city(city: &City) -> i64 {
    sqlx::query_scalar("select count(*) from slot_reports")
        .fetch_one(&city.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_clinic_reports_its_slots_online_and_offline_and_reads_what_the_city_set_up() {
    let mut city = City::start().await;
    let first = period_with_cap(&city, 30).await.to_string();
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;

    let screen = clinic.slot_reports().await.unwrap();
    assert!(screen.online);
    let period = &screen.periods[0];
    assert_eq!((period.period.period.number, period.cap.doses), (8, 30));
    assert!(period.venues[0].report.report.is_none(), "未提出");

    // Unreadable cells, every one named; then rows over the cap; nothing kept either time.
    let bad = draft(
        ReportForm::Both,
        vec![
            row(&first, "9:00", "３", "0"),
            row("10月25日", "9:30", "-1", "x"),
        ],
    );
    let refused = clinic.submit_slot_report(bad).await.unwrap_err();
    assert_eq!(refused.code(), Code::SlotReportInvalid);
    let ja = refused.message_ja();
    assert!(
        ja.contains("2行目: 接種日「10月25日」") && ja.contains("公開枠の枠数「-1」"),
        "{ja}"
    );
    let over = draft(ReportForm::PublicOnly, vec![row(&first, "09:00", "31", "")]);
    let refused = clinic.submit_slot_report(over).await.unwrap_err();
    assert!(
        refused
            .message_ja()
            .contains("接種可能上限量30を超えています")
    );
    assert_eq!(reports_at_city(&city).await, 0);
    assert!(clinic.slot_reports().await.unwrap().unsent.is_empty());

    // Online: 提出済 at once.
    let sent = clinic
        .submit_slot_report(draft(
            ReportForm::Both,
            vec![row(&first, "09:00", "6", "2")],
        ))
        .await
        .unwrap();
    let Submitted::Sent { report } = sent else {
        panic!("sent online: {sent:?}")
    };
    assert_eq!(report.report.unwrap().state, ReportState::Submitted);

    // Offline: kept, shown as waiting, and the screen reads this computer's copy.
    city.stop().await;
    let queued = clinic
        .submit_slot_report(draft(
            ReportForm::PublicOnly,
            vec![row(&first, "10:00", "12", "")],
        ))
        .await
        .unwrap();
    assert!(matches!(queued, Submitted::Queued { .. }), "{queued:?}");
    let offline = clinic.slot_reports().await.unwrap();
    assert!(!offline.online);
    assert_eq!(offline.periods[0].cap.reported_seats, 8);
    assert_eq!(offline.unsent.len(), 1);
    assert!(offline.unsent[0].refusal.is_none());

    // Back online, the sync round sends it once; the city replaced the first report with it.
    city.restart().await;
    clinic.sync_now().await;
    clinic.sync_now().await;
    assert_eq!(reports_at_city(&city).await, 2);
    let online = clinic.slot_reports().await.unwrap();
    assert!(online.unsent.is_empty());
    let venue = &online.periods[0].venues[0];
    let live = venue.report.report.as_ref().unwrap();
    assert_eq!((live.state, live.total_seats), (ReportState::Submitted, 12));
    assert_eq!(online.periods[0].cap.own_reception, 18);
    assert!(venue.slots.is_empty(), "nothing set up yet");
}

#[tokio::test]
async fn a_report_the_city_refuses_after_it_was_kept_offline_waits_with_the_refusal() {
    let mut city = City::start().await;
    let first = period_with_cap(&city, 30).await.to_string();
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    clinic.slot_reports().await.unwrap();

    city.stop().await;
    let queued = clinic
        .submit_slot_report(draft(
            ReportForm::PublicOnly,
            vec![row(&first, "10:00", "12", "")],
        ))
        .await
        .unwrap();
    let Submitted::Queued { id } = queued else {
        panic!("{queued:?}")
    };
    city.restart().await;
    // Meanwhile the city lowered the cap below the report.
    sqlx::query("update period_dose_caps set doses = 5")
        .execute(&city.pool)
        .await
        .unwrap();
    clinic.sync_now().await;
    let screen = clinic.slot_reports().await.unwrap();
    assert_eq!(screen.unsent.len(), 1);
    let refusal = screen.unsent[0]
        .refusal
        .as_ref()
        .expect("the city's refusal");
    assert_eq!(refusal.code, "slot_report.invalid");
    assert!(
        refusal.message_ja.contains("接種可能上限量5"),
        "{}",
        refusal.message_ja
    );
    clinic.discard_unsent_report(id).await.unwrap();
    assert!(clinic.slot_reports().await.unwrap().unsent.is_empty());
    assert_eq!(reports_at_city(&city).await, 0);
}
