//! The notice's workflow of 予約枠報告 between a clinic and the city: 未提出 → 提出済 →
//! セットアップ済 → 修正依頼 → 確定, with the city sending a report back and entering a late one.

use reqwest::StatusCode;
use serde_json::{Value, json};
use yoyaku_city::demo::DemoAccount;
use yoyaku_core::Code;

use crate::periods::{Admin, PERIODS, count, name, row, slot_names};
use crate::support::{TestApp, expect_json, expect_problem, spawn_app};

/// A clinic's session, for its own reports.
struct Clinic<'a> {
    app: &'a TestApp,
    token: String,
}

impl<'a> Clinic<'a> {
    async fn login(app: &'a TestApp, account: &DemoAccount) -> Self {
        let token = app.login(account).await.token;
        Self { app, token }
    }

    async fn submit(
        &self,
        period: u32,
        venue: u32,
        form: &str,
        rows: Vec<Value>,
    ) -> reqwest::Response {
        self.send(
            period,
            &json!({"id": uuid::Uuid::new_v4(), "venue_number": venue,
                                  "form": form, "rows": rows}),
        )
        .await
    }

    async fn send(&self, period: u32, body: &Value) -> reqwest::Response {
        let path = format!("/api/v1/clinic/periods/{period}/slot-reports");
        self.app.post_json(&path, Some(&self.token), body).await
    }

    async fn periods(&self) -> Value {
        let response = self
            .app
            .get("/api/v1/clinic/periods", Some(&self.token))
            .await;
        expect_json(response, StatusCode::OK).await
    }
}

/// The live report of venue `venue` in the console's view of period 8.
async fn console_report(admin: &Admin<'_>, venue: u32) -> Value {
    let response = admin
        .app
        .get(&format!("{PERIODS}/8"), Some(&admin.token))
        .await;
    let overview = expect_json(response, StatusCode::OK).await;
    overview["venues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["venue_number"] == venue)
        .unwrap_or_else(|| panic!("venue {venue} in {overview}"))
        .clone()
}

async fn decide(admin: &Admin<'_>, report: &Value, action: &str, body: Value) -> reqwest::Response {
    let id = report["report"]["id"].as_str().unwrap();
    admin
        .post(&format!("/api/v1/admin/slot-reports/{id}/{action}"), body)
        .await
}

#[tokio::test]
async fn a_clinics_report_goes_from_submitted_to_confirmed_through_a_correction() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let dates = admin.period_with_cap(8, 10, 60).await;
    assert_eq!(
        admin.set_cap(8, "clinic-e", 20).await.status(),
        StatusCode::OK
    );
    let clinic = Clinic::login(&app, &app.accounts.clinic_a).await;

    // 未提出 everywhere first.
    assert!(console_report(&admin, 101).await["report"].is_null());
    assert!(console_report(&admin, 105).await["report"].is_null());

    let first = dates.first_dose;
    let response = clinic
        .submit(
            8,
            101,
            "both",
            vec![row(first, "09:00", 6, 2), row(first, "10:00", 4, 0)],
        )
        .await;
    let submitted = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(submitted["report"]["state"], "submitted");
    assert_eq!(submitted["report"]["state_ja"], "提出済");
    assert_eq!(submitted["report"]["entered_by_city"], false);
    assert_eq!(
        count(&app, "select count(*) from slots where period_number = 8").await,
        0,
        "nothing is set up before the city does it"
    );
    let periods = clinic.periods().await;
    let period = &periods[0];
    assert_eq!(period["number"], 8);
    assert_eq!(period["accepts_reports"], true);
    assert_eq!(period["cap"]["doses"], 60);
    assert_eq!(period["cap"]["reported_seats"], 12);
    assert_eq!(period["cap"]["own_reception"], 48);
    assert_eq!(period["venues"][0]["slots"], json!([]));
    let audit = count(
        &app,
        "select count(*) from audit_log where action = 'slot_report.submit' and channel = 'clinic'",
    )
    .await;
    assert_eq!(audit, 1);

    // The city sets it up: the notice's names, and the clinic sees them.
    let on_console = console_report(&admin, 101).await;
    assert_eq!(on_console["report"]["state"], "submitted");
    let response = decide(&admin, &on_console, "confirm", json!({})).await;
    expect_problem(response, StatusCode::CONFLICT, Code::SlotReportState).await;
    let set_up = expect_json(
        decide(&admin, &on_console, "set-up", json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(set_up["report"]["state"], "set_up");
    assert_eq!(
        slot_names(&set_up),
        [
            name("public", 101, first, "09:00"),
            name("private", 101, first, "09:00"),
            name("public", 101, first, "10:00"),
        ]
    );
    let periods = clinic.periods().await;
    let venue = &periods[0]["venues"][0];
    assert_eq!(venue["report"]["state_ja"], "セットアップ済");
    let seen: Vec<(&str, &str, i64)> = venue["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["visibility"].as_str().unwrap(),
                s["capacity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen[1],
        (name("private", 101, first, "09:00").as_str(), "private", 2)
    );

    // The clinic asks for a correction: 修正依頼, the slots unchanged until the city acts.
    let response = clinic
        .submit(8, 101, "public_only", vec![row(first, "09:00", 8, 0)])
        .await;
    let correction = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(correction["report"]["state"], "correction_requested");
    assert_eq!(
        count(&app, "select count(*) from slots where period_number = 8").await,
        3
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from slot_reports where state = 'superseded'"
        )
        .await,
        1
    );

    // The city sends it back with its reason; the clinic sees it and submits again.
    let on_console = console_report(&admin, 101).await;
    let response = decide(&admin, &on_console, "send-back", json!({"reason": "  "})).await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SlotReportReasonRequired,
    )
    .await;
    let reason = "10時台の枠も残してください";
    let returned = expect_json(
        decide(&admin, &on_console, "send-back", json!({"reason": reason})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(returned["report"]["state_ja"], "修正依頼（市から差し戻し）");
    let periods = clinic.periods().await;
    assert_eq!(periods[0]["venues"][0]["report"]["returned_reason"], reason);
    let response = decide(&admin, &on_console, "set-up", json!({})).await;
    expect_problem(response, StatusCode::CONFLICT, Code::SlotReportState).await;

    let response = clinic
        .submit(
            8,
            101,
            "public_only",
            vec![row(first, "09:00", 8, 0), row(first, "10:00", 4, 0)],
        )
        .await;
    assert_eq!(
        expect_json(response, StatusCode::CREATED).await["report"]["state"],
        "submitted"
    );
    let on_console = console_report(&admin, 101).await;
    let set_up = expect_json(
        decide(&admin, &on_console, "set-up", json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(set_up["removed_slots"], 1, "the private 09:00 slot went");
    let confirmed = expect_json(
        decide(&admin, &on_console, "confirm", json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(confirmed["report"]["state_ja"], "確定");

    // Confirmed: the clinic phones the city, which may still enter a correction.
    let response = clinic
        .submit(8, 101, "public_only", vec![row(first, "09:00", 9, 0)])
        .await;
    let problem = expect_problem(response, StatusCode::CONFLICT, Code::SlotReportConfirmed).await;
    assert!(problem.message_ja.contains("医療機関専用ダイヤル"));
    let entered = admin
        .report(
            8,
            101,
            "public_only",
            vec![row(first, "09:00", 9, 0), row(first, "10:00", 4, 0)],
        )
        .await;
    assert_eq!(entered.status(), StatusCode::CREATED);
    let on_console = console_report(&admin, 101).await;
    assert_eq!(on_console["report"]["state"], "set_up");
    assert_eq!(on_console["report"]["entered_by_city"], true);
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where entity_kind = 'slot_report' order by id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "slot_report.submit",
            "slot_report.set_up",
            "slot_report.submit",
            "slot_report.send_back",
            "slot_report.submit",
            "slot_report.set_up",
            "slot_report.confirm",
            "slot_report.accept",
        ]
    );
}

#[tokio::test]
async fn a_clinics_report_over_its_cap_is_refused_row_by_row_counting_its_other_venues() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let dates = admin.period_with_cap(8, 10, 20).await;
    let venue = json!({"venue_number": 102, "name": "A胃腸科内科医院 分院", "clinic_account_id": "clinic-a"});
    assert_eq!(
        admin.post("/api/v1/admin/venues", venue).await.status(),
        StatusCode::CREATED
    );
    let clinic = Clinic::login(&app, &app.accounts.clinic_a).await;
    let first = dates.first_dose;
    let response = clinic
        .submit(8, 101, "public_only", vec![row(first, "09:00", 12, 0)])
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let outside = dates.second_dose + chrono::TimeDelta::days(40);
    let response = clinic
        .submit(
            8,
            102,
            "private_only",
            vec![
                row(first, "09:00", 0, 6),
                row(outside, "09:00", 0, 1),
                row(first, "13:00", 2, 1),
            ],
        )
        .await;
    let problem = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SlotReportInvalid,
    )
    .await;
    for expected in [
        "2行目",
        "3行目",
        "枠数の合計10が接種可能上限量8を超えています",
    ] {
        assert!(
            problem.message_ja.contains(expected),
            "{expected}: {}",
            problem.message_ja
        );
    }
    assert_eq!(count(&app, "select count(*) from slot_reports").await, 1);

    // Another clinic's venue, the call center and the city itself may not use the clinic's way.
    let response = clinic
        .submit(8, 105, "public_only", vec![row(first, "09:00", 1, 0)])
        .await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::VenueOtherClinic,
    )
    .await;
    let other = Clinic::login(&app, &app.accounts.clinic_e).await;
    let response = other
        .submit(8, 105, "public_only", vec![row(first, "09:00", 1, 0)])
        .await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::PeriodNoCap,
    )
    .await;
    assert_eq!(
        other.periods().await,
        json!([]),
        "no cap, no period to report on"
    );
    let call_center = Clinic::login(&app, &app.accounts.call_center).await;
    let response = call_center
        .submit(8, 101, "public_only", vec![row(first, "09:00", 1, 0)])
        .await;
    expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
    let response = app.get("/api/v1/clinic/periods", Some(&admin.token)).await;
    expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
}

#[tokio::test]
async fn after_the_correction_deadline_a_clinic_is_sent_to_the_city() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let dates = admin.period_with_cap(8, -1, 60).await;
    let clinic = Clinic::login(&app, &app.accounts.clinic_a).await;
    assert_eq!(clinic.periods().await[0]["accepts_reports"], false);
    let response = clinic
        .submit(
            8,
            101,
            "public_only",
            vec![row(dates.first_dose, "09:00", 3, 0)],
        )
        .await;
    let problem = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SlotReportInvalid,
    )
    .await;
    assert!(
        problem.message_ja.contains("修正受付期限を過ぎています"),
        "{}",
        problem.message_ja
    );
    assert_eq!(count(&app, "select count(*) from slot_reports").await, 0);

    let unknown = uuid::Uuid::new_v4();
    let response = admin
        .post(
            &format!("/api/v1/admin/slot-reports/{unknown}/confirm"),
            json!({}),
        )
        .await;
    expect_problem(response, StatusCode::NOT_FOUND, Code::SlotReportNotFound).await;
}

/// Posts an Excel file to the console's import of e-mailed reports.
async fn post_file(admin: &Admin<'_>, file: Vec<u8>, content_type: &str) -> reqwest::Response {
    admin
        .app
        .client
        .post(admin.app.url(&format!("{PERIODS}/8/slot-reports.xlsx")))
        .bearer_auth(&admin.token)
        .header("content-type", content_type)
        .body(file)
        .send()
        .await
        .unwrap()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[tokio::test]
async fn an_emailed_excel_form_is_entered_as_it_is_or_refused_by_its_cells() {
    use yoyaku_core::slot_report::{ReportForm, ReportRow};
    use yoyaku_report_xlsx::{SheetHeader, write};

    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let dates = admin.period_with_cap(8, 10, 60).await;
    let header = SheetHeader {
        period_number: 8,
        venue_number: 101,
        clinic_name: "A胃腸科内科医院",
    };
    let at = |date, hour| ReportRow {
        date,
        start: chrono::NaiveTime::from_hms_opt(hour, 0, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(hour, 30, 0).unwrap(),
        public_seats: 4,
        private_seats: 2,
    };

    // A date outside both windows, named by its cell; nothing stored.
    let outside = dates.second_dose + chrono::TimeDelta::days(30);
    let rows = [at(dates.first_dose, 9), at(outside, 9)];
    let file = write(&header, ReportForm::Both, &rows).unwrap();
    let response = post_file(&admin, file, XLSX).await;
    let problem = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SlotReportInvalid,
    )
    .await;
    assert!(
        problem.message_ja.starts_with("セルA8: "),
        "{}",
        problem.message_ja
    );
    assert_eq!(count(&app, "select count(*) from slot_reports").await, 0);

    // Not the 様式, or not an Excel file at all.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().set_name("Sheet1").unwrap();
    let response = post_file(&admin, book.save_to_buffer().unwrap(), XLSX).await;
    let problem = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SlotReportFile,
    )
    .await;
    assert!(
        problem.message_ja.contains("Sheet1"),
        "{}",
        problem.message_ja
    );
    let response = post_file(&admin, b"ticket_number\n".to_vec(), "text/csv").await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(count(&app, "select count(*) from slot_reports").await, 0);

    // As the clinic filled it: entered and set up for venue 101's clinic.
    let file = write(&header, ReportForm::Both, &[at(dates.first_dose, 9)]).unwrap();
    let response = post_file(&admin, file, XLSX).await;
    let set_up = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(
        slot_names(&set_up),
        [
            name("public", 101, dates.first_dose, "09:00"),
            name("private", 101, dates.first_dose, "09:00"),
        ]
    );
    assert_eq!(
        console_report(&admin, 101).await["report"]["entered_by_city"],
        true
    );
}
