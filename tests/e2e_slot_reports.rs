//! 予約枠報告 in the clinic app's real window (tauri-driver + WebKitWebDriver under Xvfb) against
//! a real city server: the period's cap and the 独自の受付枠 left as the receptionist types, a form
//! with an unreadable date refused row by row, 様式３ submitted (提出済), the slots the city set up
//! read back with their names and 公開/非公開, a correction asked for (修正依頼), and one written
//! offline kept and sent once the city can be reached.

mod support;

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta};
use fantoccini::Client;
use fantoccini::elements::Element;
use serde_json::{Value, json};
use support::city::City;
use support::console::{Api, period};
use support::desktop::{by_testid, click, open_logged_in, screenshot, text_of, wait_for_text};
use yoyaku_core::time::tokyo_today;

/// The city's administrator over HTTP.
struct Admin {
    api: Api,
    token: String,
}

impl Admin {
    async fn log_in(city: &City) -> Self {
        let api = Api::new(city);
        let token = api.token(&city.demo.city_admin).await;
        Self { api, token }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        self.api.send(method, &self.token, path, body).await
    }

    /// The live report of venue 101 in period 8, as the city's console reads it.
    async fn report_101(&self) -> Value {
        let period = self
            .send(reqwest::Method::GET, "/api/v1/admin/periods/8", Value::Null)
            .await;
        period["venues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["venue_number"] == 101)
            .unwrap()["report"]
            .clone()
    }
}

/// Period 8 with its dates from today and clinic-a's cap; its first day of first doses.
async fn period_8(admin: &Admin, cap: u32) -> NaiveDate {
    admin
        .send(
            reqwest::Method::POST,
            "/api/v1/admin/periods",
            period(8, 10),
        )
        .await;
    let cap_path = "/api/v1/admin/periods/8/caps/clinic-a";
    admin
        .send(reqwest::Method::PUT, cap_path, json!({"doses": cap}))
        .await;
    tokyo_today() + TimeDelta::days(22)
}

/// The control `id` in row `row` of the form.
async fn cell(client: &Client, row: usize, id: &str) -> Element {
    let css = format!("[data-testid='report-row-{row}'] [data-testid='{id}']");
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(fantoccini::Locator::Css(&css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

async fn retype(client: &Client, row: usize, id: &str, text: &str) {
    let input = cell(client, row, id).await;
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// Opens the screen afresh (the city's view read again) and waits for venue 101's `state`.
async fn reopen_until(client: &Client, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        click(client, "back").await;
        click(client, "menu-slot-reports").await;
        let shown = by_testid(client, "report-state")
            .await
            .attr("data-state")
            .await
            .unwrap();
        if shown.as_deref() == Some(state) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "venue 101 stayed {shown:?}, never {state}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn a_receptionist_reports_the_clinics_slots_checks_them_and_asks_for_a_correction() {
    let mut city = City::start().await;
    let admin = Admin::log_in(&city).await;
    let first_day = period_8(&admin, 30).await;
    let data = tempfile::tempdir().unwrap();
    let (_desktop, client) = open_logged_in(&city, data.path()).await;

    click(&client, "menu-slot-reports").await;
    by_testid(&client, "slot-reports-screen").await;
    assert_eq!(text_of(&client, "cap-doses").await, "30");
    reopen_until(&client, "none").await;

    // 様式３ with a date typed as a person might; 独自の受付枠 follows the seats as they are typed.
    click(&client, "open-report-form").await;
    retype(&client, 1, "row-start", "９：００").await;
    retype(&client, 1, "row-end", "9:30").await;
    retype(&client, 1, "row-public", "６").await;
    retype(&client, 1, "row-private", "2").await;
    click(&client, "add-row").await;
    retype(&client, 2, "row-date", "10月25日").await;
    retype(&client, 2, "row-start", "10:00").await;
    retype(&client, 2, "row-end", "10:30").await;
    retype(&client, 2, "row-public", "-1").await;
    wait_for_text(&client, "own-reception", "22").await;
    click(&client, "submit-report").await;
    let refused = text_of(&client, "slot-report-error").await;
    assert!(
        refused.contains("2行目: 接種日「10月25日」を読み取れません")
            && refused.contains("公開枠の枠数「-1」"),
        "{refused}"
    );
    assert!(
        admin.report_101().await.is_null(),
        "nothing reached the city"
    );
    screenshot(&client, "slot-report-refused").await;

    retype(&client, 2, "row-date", &first_day.to_string()).await;
    retype(&client, 2, "row-public", "4").await;
    wait_for_text(&client, "own-reception", "18").await;
    click(&client, "submit-report").await;
    wait_for_text(&client, "slot-report-said", "提出済").await;
    assert_eq!(admin.report_101().await["state"], "submitted");

    // The city sets it up; the receptionist checks the slots by their names.
    let id = admin.report_101().await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/admin/slot-reports/{id}/set-up");
    admin.send(reqwest::Method::POST, &path, json!({})).await;
    reopen_until(&client, "set_up").await;
    let slots = text_of(&client, "set-up-slots").await;
    let ymd = first_day.format("%Y%m%d");
    for name in [
        format!("【（第８期）WEB・コールセンター受付】101.{ymd}.0900"),
        format!("【（第８期）医療機関受付分】101.{ymd}.0900"),
        format!("【（第８期）WEB・コールセンター受付】101.{ymd}.1000"),
    ] {
        assert!(slots.contains(&name), "{name} in {slots}");
    }
    assert!(
        slots.contains("公開") && slots.contains("非公開"),
        "{slots}"
    );
    screenshot(&client, "slot-report-set-up").await;

    // A correction before 修正受付期限: the form comes filled with what the city has.
    click(&client, "open-report-form").await;
    assert_eq!(
        cell(&client, 2, "row-public")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("4")
    );
    retype(&client, 2, "row-public", "6").await;
    click(&client, "submit-report").await;
    wait_for_text(&client, "slot-report-said", "修正依頼").await;
    assert_eq!(admin.report_101().await["state"], "correction_requested");

    // Offline: the screen reads this computer's copy; a new correction is kept, not claimed sent.
    city.stop().await;
    click(&client, "back").await;
    click(&client, "menu-slot-reports").await;
    by_testid(&client, "slot-reports-copy").await;
    click(&client, "open-report-form").await;
    retype(&client, 1, "row-private", "4").await;
    click(&client, "submit-report").await;
    wait_for_text(&client, "slot-report-said", "送信待ち").await;
    by_testid(&client, "unsent-report").await;
    screenshot(&client, "slot-report-offline").await;

    city.restart().await;
    click(&client, "sync-now").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while admin.report_101().await["total_seats"] != 16 {
        assert!(
            Instant::now() < deadline,
            "the kept correction never reached the city"
        );
        click(&client, "sync-now").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    reopen_until(&client, "correction_requested").await;
    let unsent = client
        .find_all(fantoccini::Locator::Css("[data-testid='unsent-report']"))
        .await
        .unwrap();
    assert!(unsent.is_empty(), "sent, so no longer waiting");

    // For a clinic that e-mails: the form saved as the city's Excel 様式, and one read back in.
    click(&client, "open-report-form").await;
    click(&client, "save-report-file").await;
    let saved = text_of(&client, "slot-report-file-saved").await;
    let path = saved
        .split_once(": ")
        .map(|(_, p)| p.trim().to_owned())
        .unwrap();
    let sheet = yoyaku_report_xlsx::read(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!((sheet.venue_number, sheet.period_number), (101, Some(8)));
    let rows = sheet.read_rows().unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r.public_seats + r.private_seats)
            .sum::<u32>(),
        16
    );
    let mut more = rows.clone();
    more.push(yoyaku_core::slot_report::ReportRow {
        start: chrono::NaiveTime::from_hms_opt(15, 0, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(15, 30, 0).unwrap(),
        ..rows[0]
    });
    let header = yoyaku_report_xlsx::SheetHeader {
        period_number: 8,
        venue_number: 101,
        clinic_name: "A胃腸科内科医院",
    };
    let emailed = data.path().join("emailed.xlsx");
    let file =
        yoyaku_report_xlsx::write(&header, yoyaku_core::slot_report::ReportForm::Both, &more);
    std::fs::write(&emailed, file.unwrap()).unwrap();
    by_testid(&client, "report-file")
        .await
        .send_keys(emailed.to_str().unwrap())
        .await
        .unwrap();
    let start = cell(&client, 3, "row-start").await;
    assert_eq!(start.prop("value").await.unwrap().as_deref(), Some("15:00"));
    client.close().await.unwrap();
}
