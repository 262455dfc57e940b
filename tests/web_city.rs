//! The city's console in a real browser (Chromium) against a real city server: an administrator
//! keeps the accounts and venues, opens a period with its caps, takes the clinics' 予約枠報告 from
//! 提出済 to 確定 (set up, sent back, a report entered from e-mail, a late correction only after the
//! notice's warning), reads the audit log and imports the 有効接種券 file with every bad line
//! named; each page checked against WCAG 2.1 AA by axe-core.

mod support;

use std::time::Duration;

use chrono::{NaiveDate, TimeDelta};
use fantoccini::Client;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::browser::{Browser, DESKTOP, assert_accessible, screenshot, select};
use support::city::{City, serving_pages};
use support::console::{
    Api, period, report_row, set_value, sign_in, wait_for_state, wait_for_text, within,
};
use support::desktop::{by_testid, click, text_of, type_into};
use yoyaku_city::Server;

/// Shows period `number` afresh (the console reads it again).
async fn show_period(client: &Client, number: u32) {
    click(client, "tab-audit").await;
    click(client, "tab-periods").await;
    select(client, "period-choice", &number.to_string()).await;
    by_testid(client, "period-detail").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_city_runs_a_period_from_caps_to_confirmed_reports_in_its_console() {
    let city = City::start_with(|| serving_pages(Server::options())).await;
    let api = Api::new(&city);
    let browser = Browser::start();
    let client = browser.open(DESKTOP).await;
    client.goto(&format!("{}/city/", city.url())).await.unwrap();
    assert_accessible(&client, "管理画面 サインイン").await;
    sign_in(&client, &city.demo.city_admin).await;
    assert_eq!(
        text_of(&client, "admin-name").await,
        city.demo.city_admin.display_name
    );

    // アカウント: a new clinic, its password reset, and clinic A locked out and let back in.
    click(&client, "tab-accounts").await;
    type_into(&client, "account-id", "clinic-c").await;
    type_into(&client, "account-name", "C内科クリニック").await;
    select(&client, "account-role", "clinic").await;
    type_into(&client, "account-password", "first-password-c1").await;
    click(&client, "account-create").await;
    by_testid(&client, "account-clinic-c").await;
    select(&client, "reset-account", "clinic-c").await;
    type_into(&client, "reset-password", "second-password-c2").await;
    click(&client, "reset-submit").await;
    assert!(
        text_of(&client, "accounts-done")
            .await
            .contains("パスワードを変更しました")
    );
    let status = api.log_in("clinic-c", "second-password-c2").await.status();
    assert_eq!(status, StatusCode::OK);
    within(&client, "account-clinic-a", "lock-toggle")
        .await
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "account-clinic-a", "lock-state", "ロック中").await;
    let clinic_a = &city.demo.clinic_a;
    let locked = api.log_in(clinic_a.account_id, clinic_a.password).await;
    assert_eq!(locked.status(), StatusCode::LOCKED);
    within(&client, "account-clinic-a", "lock-toggle")
        .await
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "account-clinic-a", "lock-state", "利用可").await;
    assert_eq!(
        api.log_in(clinic_a.account_id, clinic_a.password)
            .await
            .status(),
        StatusCode::OK
    );
    click(&client, "tab-venues").await;
    click(&client, "tab-accounts").await;
    let last_login = wait_for_text(&client, "account-clinic-c", "last-login", "/").await;
    assert!(!last_login.contains("なし"), "{last_login}");
    assert_accessible(&client, "アカウント").await;
    screenshot(&client, "city-accounts").await;

    // 接種会場: clinic C's venue.
    click(&client, "tab-venues").await;
    type_into(&client, "venue-number", "103").await;
    type_into(&client, "venue-name", "C内科クリニック").await;
    type_into(&client, "venue-ward", "中央区").await;
    type_into(&client, "venue-address", "熊本市中央区手取本町1-1").await;
    select(&client, "venue-clinic", "clinic-c").await;
    click(&client, "venue-create").await;
    assert!(
        text_of(&client, "venue-103")
            .await
            .contains("C内科クリニック")
    );
    assert_accessible(&client, "接種会場").await;

    // 第８期 from the notice's dates, and each clinic's 接種可能上限量.
    click(&client, "tab-periods").await;
    click(&client, "new-period").await;
    let spec = period(8, 10);
    let date = |path: &str| {
        let mut value = &spec;
        for key in path.split('.') {
            value = &value[key];
        }
        value.as_str().unwrap().to_owned()
    };
    type_into(&client, "period-number", "8").await;
    for (id, path) in [
        ("period-first-from", "first_dose.first"),
        ("period-first-to", "first_dose.last"),
        ("period-second-from", "second_dose.first"),
        ("period-second-to", "second_dose.last"),
        ("period-submission", "submission_deadline"),
        ("period-correction", "correction_deadline"),
        ("period-opens", "reception_opens"),
    ] {
        set_value(&client, &by_testid(&client, id).await, &date(path)).await;
    }
    click(&client, "period-create").await;
    assert!(text_of(&client, "new-period-done").await.contains("第８期"));
    assert!(
        text_of(&client, "reception-state")
            .await
            .contains("受付開始前")
    );
    for (clinic, doses) in [("clinic-a", "60"), ("clinic-c", "20"), ("clinic-e", "30")] {
        select(&client, "cap-clinic", clinic).await;
        type_into(&client, "cap-doses", doses).await;
        click(&client, "cap-set").await;
        wait_for_text(&client, &format!("cap-{clinic}"), "own-reception", doses).await;
    }
    wait_for_state(&client, 103, "none").await;
    assert!(text_of(&client, "report-103").await.contains("未提出"));

    // Clinics A and E submit from their apps; the console shows 提出済.
    let first_day: NaiveDate = date("first_dose.first").parse().unwrap();
    let clinic_token = api.token(&city.demo.clinic_a).await;
    let submit = reqwest::Method::POST;
    let path = "/api/v1/clinic/periods/8/slot-reports";
    let rows = [
        report_row(first_day, "09:00", "09:30", 6, 2),
        report_row(first_day, "10:00", "10:30", 4, 0),
    ];
    let body = json!({"id": uuid::Uuid::new_v4(), "venue_number": 101, "form": "both",
                      "rows": rows});
    api.send(submit.clone(), &clinic_token, path, body).await;
    let clinic_e = api.token(&city.demo.clinic_e).await;
    let rows = [report_row(first_day, "09:00", "09:30", 5, 0)];
    let body = json!({"id": uuid::Uuid::new_v4(), "venue_number": 105, "form": "public_only",
                      "rows": rows});
    api.send(submit.clone(), &clinic_e, path, body).await;
    show_period(&client, 8).await;
    wait_for_state(&client, 101, "submitted").await;
    wait_for_state(&client, 105, "submitted").await;
    wait_for_text(&client, "cap-clinic-a", "own-reception", "48").await;
    assert_accessible(&client, "接種期と予約枠報告").await;
    screenshot(&client, "city-period").await;

    // Set up A's, send E's back with a reason, confirm A's.
    within(&client, "report-101", "set-up")
        .await
        .click()
        .await
        .unwrap();
    wait_for_state(&client, 101, "set_up").await;
    let reason = "２回目接種期間の枠も報告してください";
    within(&client, "report-105", "reason")
        .await
        .send_keys(reason)
        .await
        .unwrap();
    within(&client, "report-105", "send-back")
        .await
        .click()
        .await
        .unwrap();
    wait_for_state(&client, 105, "returned").await;
    wait_for_text(&client, "report-105", "returned-reason", reason).await;
    within(&client, "report-101", "confirm")
        .await
        .click()
        .await
        .unwrap();
    wait_for_state(&client, 101, "confirmed").await;
    let clinic_view = api
        .send(
            reqwest::Method::GET,
            &clinic_e,
            "/api/v1/clinic/periods",
            Value::Null,
        )
        .await;
    assert_eq!(
        clinic_view[0]["venues"][0]["report"]["returned_reason"],
        reason
    );

    // Clinic C e-mailed its 様式２: entered row by row, set up at once.
    click(&client, "enter-report").await;
    select(&client, "entry-venue", "103").await;
    select(&client, "entry-form", "private_only").await;
    let row = "entry-row-1";
    set_value(
        &client,
        &within(&client, row, "row-date").await,
        &first_day.to_string(),
    )
    .await;
    set_value(&client, &within(&client, row, "row-start").await, "14:00").await;
    set_value(&client, &within(&client, row, "row-end").await, "14:30").await;
    within(&client, row, "row-private")
        .await
        .clear()
        .await
        .unwrap();
    within(&client, row, "row-private")
        .await
        .send_keys("5")
        .await
        .unwrap();
    click(&client, "entry-submit").await;
    assert!(
        text_of(&client, "entry-done")
            .await
            .contains("独自の受付枠は15")
    );
    wait_for_state(&client, 103, "set_up").await;
    let names: Vec<String> = sqlx::query_scalar(
        "select s.name from slots s join venues v on v.id = s.venue_id
         where s.period_number = 8
         order by v.venue_number, s.starts_at, s.visibility = 'private'",
    )
    .fetch_all(&city.pool)
    .await
    .unwrap();
    let ymd = first_day.format("%Y%m%d");
    assert_eq!(
        names,
        [
            format!("【（第８期）WEB・コールセンター受付】101.{ymd}.0900"),
            format!("【（第８期）医療機関受付分】101.{ymd}.0900"),
            format!("【（第８期）WEB・コールセンター受付】101.{ymd}.1000"),
            format!("【（第８期）医療機関受付分】103.{ymd}.1400"),
        ]
    );
    assert_accessible(&client, "予約枠報告の登録").await;

    // Clinic E e-mails its corrected 様式 as Excel: a date outside the windows is named by its
    // cell and nothing is stored; the corrected file is set up.
    let files = tempfile::tempdir().unwrap();
    let header = yoyaku_report_xlsx::SheetHeader {
        period_number: 8,
        venue_number: 105,
        clinic_name: "E耳鼻咽喉科",
    };
    let at = |date: NaiveDate| yoyaku_core::slot_report::ReportRow {
        date,
        start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        public_seats: 5,
        private_seats: 0,
    };
    let second_day: NaiveDate = date("second_dose.first").parse().unwrap();
    let form_1 = yoyaku_core::slot_report::ReportForm::PublicOnly;
    let outside = second_day + TimeDelta::days(60);
    let bad = files.path().join("bad-105.xlsx");
    let written = yoyaku_report_xlsx::write(&header, form_1, &[at(first_day), at(outside)]);
    std::fs::write(&bad, written.unwrap()).unwrap();
    by_testid(&client, "entry-file")
        .await
        .send_keys(bad.to_str().unwrap())
        .await
        .unwrap();
    click(&client, "entry-file-import").await;
    let refused = text_of(&client, "entry-file-problem").await;
    assert!(refused.contains("セルA8"), "{refused}");
    wait_for_state(&client, 105, "returned").await;
    let good = files.path().join("good-105.xlsx");
    let written = yoyaku_report_xlsx::write(&header, form_1, &[at(first_day), at(second_day)]);
    std::fs::write(&good, written.unwrap()).unwrap();
    by_testid(&client, "entry-file")
        .await
        .send_keys(good.to_str().unwrap())
        .await
        .unwrap();
    click(&client, "entry-file-import").await;
    wait_for_state(&client, 105, "set_up").await;
    assert!(
        text_of(&client, "entry-done")
            .await
            .contains("Excelの様式から会場105")
    );

    // 操作ログ: the administrators' own steps, and the CSV of the same filter.
    click(&client, "tab-audit").await;
    select(&client, "audit-channel", "admin").await;
    click(&client, "audit-search").await;
    let confirm = "[data-testid='audit-entry'][data-action='slot_report.confirm']";
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(fantoccini::Locator::Css(confirm))
        .await
        .expect("the confirmation in the log");
    let csv = by_testid(&client, "audit-csv")
        .await
        .attr("href")
        .await
        .unwrap();
    assert!(csv.unwrap_or_default().contains("channel=admin"));
    assert_accessible(&client, "操作ログ").await;
    screenshot(&client, "city-audit").await;

    // 有効接種券: a file with a bad line stores nothing and names the line; then a good one.
    click(&client, "tab-tickets").await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "ticket_number,birth_date\n9100000001,1950-04-01\n91000X0002,1950-04-02\n",
    )
    .unwrap();
    let before: i64 = sqlx::query_scalar("select count(*) from valid_tickets")
        .fetch_one(&city.pool)
        .await
        .unwrap();
    by_testid(&client, "tickets-file")
        .await
        .send_keys(bad.to_str().unwrap())
        .await
        .unwrap();
    click(&client, "tickets-import").await;
    let errors = text_of(&client, "tickets-errors").await;
    assert!(errors.contains('3'), "{errors}");
    let after: i64 = sqlx::query_scalar("select count(*) from valid_tickets")
        .fetch_one(&city.pool)
        .await
        .unwrap();
    assert_eq!(after, before, "nothing half-imported");
    assert_accessible(&client, "有効接種券（誤りあり）").await;
    screenshot(&client, "city-tickets-errors").await;
    // A whole city's file: the bar shows the server at work until every line is in.
    let good = dir.path().join("good.csv");
    let mut csv = String::from("ticket_number,birth_date\n");
    for i in 0..100_000u64 {
        csv.push_str(&format!("{},1950-04-01\n", 8_100_000_000 + i));
    }
    std::fs::write(&good, csv).unwrap();
    by_testid(&client, "tickets-file")
        .await
        .send_keys(good.to_str().unwrap())
        .await
        .unwrap();
    click(&client, "tickets-import").await;
    let progress = text_of(&client, "tickets-progress").await;
    assert!(
        progress.contains("送信中") || progress.contains("サーバーで確認"),
        "{progress}"
    );
    screenshot(&client, "city-tickets-progress").await;
    let done = text_of(&client, "tickets-done").await;
    assert!(done.contains("新規100000件"), "{done}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_correction_is_entered_only_after_the_notices_warning() {
    let city = City::start_with(|| serving_pages(Server::options())).await;
    let api = Api::new(&city);
    let admin = api.token(&city.demo.city_admin).await;
    let put = reqwest::Method::PUT;
    api.send(
        reqwest::Method::POST,
        &admin,
        "/api/v1/admin/periods",
        period(9, -1),
    )
    .await;
    let cap = "/api/v1/admin/periods/9/caps/clinic-a";
    api.send(put, &admin, cap, json!({"doses": 40})).await;

    let browser = Browser::start();
    let client = browser.open(DESKTOP).await;
    client.goto(&format!("{}/city/", city.url())).await.unwrap();
    // Neither a clinic's account nor the call center's is the city's.
    for (account, problem) in [
        (&city.demo.clinic_a, "login-problem"),
        (&city.demo.call_center, "city-problem"),
    ] {
        sign_in(&client, account).await;
        let refused = by_testid(&client, problem).await;
        assert_eq!(
            refused.attr("data-code").await.unwrap().as_deref(),
            Some("auth.forbidden"),
            "{}",
            account.account_id
        );
        client.refresh().await.unwrap();
    }
    sign_in(&client, &city.demo.city_admin).await;
    select(&client, "period-choice", "9").await;
    by_testid(&client, "past-correction-deadline").await;

    click(&client, "enter-report").await;
    select(&client, "entry-venue", "101").await;
    select(&client, "entry-form", "public_only").await;
    let first_day = period(9, -1)["first_dose"]["first"]
        .as_str()
        .unwrap()
        .to_owned();
    let row = "entry-row-1";
    set_value(&client, &within(&client, row, "row-date").await, &first_day).await;
    within(&client, row, "row-public")
        .await
        .clear()
        .await
        .unwrap();
    within(&client, row, "row-public")
        .await
        .send_keys("4")
        .await
        .unwrap();
    click(&client, "entry-submit").await;
    let warning = by_testid(&client, "entry-problem").await;
    assert_eq!(
        warning.attr("data-code").await.unwrap().as_deref(),
        Some("slot_report.late")
    );
    assert!(warning.text().await.unwrap().contains("間に合わない可能性"));
    let slots: i64 = sqlx::query_scalar("select count(*) from slots where period_number = 9")
        .fetch_one(&city.pool)
        .await
        .unwrap();
    assert_eq!(slots, 0, "nothing stored before the city says so");
    assert_accessible(&client, "期限後の修正の警告").await;
    screenshot(&client, "city-late-correction").await;
    click(&client, "enter-late").await;
    by_testid(&client, "entry-done").await;
    wait_for_state(&client, 101, "set_up").await;
    wait_for_text(&client, "report-101", "report-state", "期限後の修正").await;
}
