//! Period 8 replayed from the city's notice of 2021-09-27, end to end, with its dates moved to
//! today: the city's administrator in the console (Chromium) sets period 8's windows and three
//! clinics' caps; clinic A reports 様式３ in the real app window, clinic E 様式１ and clinic C 様式２
//! from theirs (HTTP), C's first form over its cap refused row by row; the city sets all three up
//! while period 7's slots, already open, share the days; A asks for a correction before
//! 修正受付期限, E's comes after it and is taken by the city only after the notice's warning; and at
//! 受付開始 period 8 opens by itself: the web saw none of its slots before, sees them after, and
//! period 7's 公開枠 are private from then on.

mod support;

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta};
use reqwest::Method;
use serde_json::{Value, json};
use support::browser::{Browser, DESKTOP, assert_accessible, screenshot, select};
use support::city::{City, serving_pages};
use support::console::{Api, period, report_row, set_value, sign_in, wait_for_state, within};
use support::desktop::{Desktop, by_testid, click, log_in_to_top, text_of, type_into};
use yoyaku_city::Server;
use yoyaku_core::time::tokyo_today;

fn day(offset: i64) -> NaiveDate {
    tokyo_today() + TimeDelta::days(offset)
}

/// The 予約枠名 of periods' slots the web is offered on `date` (anyone, no session); the demo's
/// everyday slots, which belong to no report, are left out.
async fn offered_to_the_web(api: &Api, date: NaiveDate) -> Vec<String> {
    let list: Value = api
        .http_get(&format!(
            "/api/v1/slots?municipality_code=431001&date={date}"
        ))
        .await;
    list["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| slot["name"].as_str().unwrap().to_owned())
        .filter(|name| name.starts_with("【（第"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn period_8_from_the_notice_to_the_opening_of_reception() {
    let city = City::start_with(|| serving_pages(Server::options())).await;
    let api = Api::new(&city);
    let admin = api.token(&city.demo.city_admin).await;

    // Period 7 is under way: its second doses fall in period 8's first-dose days, set up and open.
    let seventh = json!({
        "number": 7, "vaccine_code": "pfizer",
        "first_dose": {"first": day(1), "last": day(16)},
        "second_dose": {"first": day(22), "last": day(37)},
        "submission_deadline": day(-10), "correction_deadline": day(-5), "reception_opens": day(-2),
    });
    api.send(Method::POST, &admin, "/api/v1/admin/periods", seventh)
        .await;
    let cap = "/api/v1/admin/periods/7/caps/clinic-a";
    api.send(Method::PUT, &admin, cap, json!({"doses": 100}))
        .await;
    let rows = [report_row(day(22), "11:00", "11:30", 3, 0)];
    let body = json!({"clinic_account_id": "clinic-a", "venue_number": 101, "form": "public_only",
                      "rows": rows, "late_correction": true});
    let reports_7 = "/api/v1/admin/periods/7/slot-reports";
    api.send(Method::POST, &admin, reports_7, body).await;
    api.send(
        Method::POST,
        &admin,
        "/api/v1/admin/periods/7/open",
        json!({}),
    )
    .await;
    let period_7_slot = format!(
        "【（第７期）WEB・コールセンター受付】101.{}.1100",
        day(22).format("%Y%m%d")
    );
    assert!(
        offered_to_the_web(&api, day(22))
            .await
            .contains(&period_7_slot)
    );

    // Clinic C joins: its account and venue.
    let account = json!({"account_id": "clinic-c", "display_name": "C内科クリニック",
                         "role": "clinic", "password": "clinic-c-password"});
    api.send(Method::POST, &admin, "/api/v1/admin/accounts", account)
        .await;
    let venue = json!({"venue_number": 103, "name": "C内科クリニック", "clinic_account_id": "clinic-c",
                       "ward": "中央区"});
    api.send(Method::POST, &admin, "/api/v1/admin/venues", venue)
        .await;

    // The console: period 8's windows and deadlines, and the three clinics' caps.
    let browser = Browser::start();
    let console = browser.open(DESKTOP).await;
    console
        .goto(&format!("{}/city/", city.url()))
        .await
        .unwrap();
    sign_in(&console, &city.demo.city_admin).await;
    select(&console, "period-choice", "7").await;
    click(&console, "new-period").await;
    let spec = period(8, 10);
    type_into(&console, "period-number", "8").await;
    for (id, value) in [
        ("period-first-from", &spec["first_dose"]["first"]),
        ("period-first-to", &spec["first_dose"]["last"]),
        ("period-second-from", &spec["second_dose"]["first"]),
        ("period-second-to", &spec["second_dose"]["last"]),
        ("period-submission", &spec["submission_deadline"]),
        ("period-correction", &spec["correction_deadline"]),
        ("period-opens", &spec["reception_opens"]),
    ] {
        set_value(
            &console,
            &by_testid(&console, id).await,
            value.as_str().unwrap(),
        )
        .await;
    }
    click(&console, "period-create").await;
    assert!(
        text_of(&console, "new-period-done")
            .await
            .contains("第８期")
    );
    for (clinic, doses) in [("clinic-a", "40"), ("clinic-c", "10"), ("clinic-e", "20")] {
        select(&console, "cap-clinic", clinic).await;
        type_into(&console, "cap-doses", doses).await;
        click(&console, "cap-set").await;
        within(&console, &format!("cap-{clinic}"), "own-reception").await;
    }
    for venue in [101, 103, 105] {
        wait_for_state(&console, venue, "none").await;
    }

    // Clinic A reports 様式３ in its app.
    let data = tempfile::tempdir().unwrap();
    let desktop = Desktop::start(&city, data.path());
    let window = desktop.open_app().await;
    log_in_to_top(&window, &city).await;
    click(&window, "menu-slot-reports").await;
    assert_eq!(text_of(&window, "cap-doses").await, "40");
    click(&window, "open-report-form").await;
    let cell = |row: usize, id: &'static str| {
        let window = window.clone();
        async move {
            let css = format!("[data-testid='report-row-{row}'] [data-testid='{id}']");
            window
                .wait()
                .at_most(Duration::from_secs(30))
                .for_element(fantoccini::Locator::Css(&css))
                .await
                .unwrap()
        }
    };
    for (row, start, end, public, private) in [
        (1, "11:00", "11:30", "6", "2"),
        (2, "14:00", "14:30", "4", "2"),
    ] {
        if row > 1 {
            click(&window, "add-row").await;
        }
        for (id, text) in [
            ("row-start", start),
            ("row-end", end),
            ("row-public", public),
            ("row-private", private),
        ] {
            let input = cell(row, id).await;
            input.clear().await.unwrap();
            input.send_keys(text).await.unwrap();
        }
    }
    click(&window, "submit-report").await;
    let said = text_of(&window, "slot-report-said").await;
    assert!(said.contains("提出済"), "{said}");

    // Clinics E (様式１) and C (様式２) from their own apps; C's first form is over its cap.
    let clinic_e = api.token(&city.demo.clinic_e).await;
    let path = "/api/v1/clinic/periods/8/slot-reports";
    let form_1 = json!({"id": uuid::Uuid::new_v4(), "venue_number": 105, "form": "public_only",
                        "rows": [report_row(day(22), "09:00", "09:30", 5, 0),
                                 report_row(day(43), "09:00", "09:30", 5, 0)]});
    api.send(Method::POST, &clinic_e, path, form_1).await;
    let login = api.log_in("clinic-c", "clinic-c-password").await;
    let clinic_c = login.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let over = json!({"id": uuid::Uuid::new_v4(), "venue_number": 103, "form": "private_only",
                      "rows": [report_row(day(22), "10:00", "10:30", 0, 8),
                               report_row(day(60), "10:00", "10:30", 0, 4),
                               report_row(day(23), "10:00", "10:30", 1, 0)]});
    let refused = api.post_raw(&clinic_c, path, &over).await;
    assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = refused.json().await.unwrap();
    let said = problem["message_ja"].as_str().unwrap();
    for expected in [
        "2行目",
        "3行目",
        "枠数の合計13が接種可能上限量10を超えています",
    ] {
        assert!(said.contains(expected), "{expected}: {said}");
    }
    let form_2 = json!({"id": uuid::Uuid::new_v4(), "venue_number": 103, "form": "private_only",
                        "rows": [report_row(day(22), "10:00", "10:30", 0, 8)]});
    api.send(Method::POST, &clinic_c, path, form_2).await;

    // The city sets all three up; period 7's slot keeps its day; the web sees no period 8 slot.
    click(&console, "tab-audit").await;
    click(&console, "tab-periods").await;
    select(&console, "period-choice", "8").await;
    for venue in [101, 103, 105] {
        wait_for_state(&console, venue, "submitted").await;
        within(&console, &format!("report-{venue}"), "set-up")
            .await
            .click()
            .await
            .unwrap();
        wait_for_state(&console, venue, "set_up").await;
    }
    assert_accessible(&console, "第８期 セットアップ済").await;
    screenshot(&console, "period-8-set-up").await;
    let web = offered_to_the_web(&api, day(22)).await;
    assert_eq!(
        web,
        std::slice::from_ref(&period_7_slot),
        "before 受付開始 the web sees period 7 only"
    );

    // Clinic A checks its slots by name and asks for a correction before 修正受付期限.
    click(&window, "back").await;
    click(&window, "menu-slot-reports").await;
    let ymd = day(22).format("%Y%m%d");
    let set_up = text_of(&window, "set-up-slots").await;
    assert!(
        set_up.contains(&format!(
            "【（第８期）WEB・コールセンター受付】101.{ymd}.1100"
        )),
        "{set_up}"
    );
    click(&window, "open-report-form").await;
    let input = cell(2, "row-public").await;
    input.clear().await.unwrap();
    input.send_keys("6").await.unwrap();
    click(&window, "submit-report").await;
    let said = text_of(&window, "slot-report-said").await;
    assert!(said.contains("修正依頼"), "{said}");
    click(&console, "tab-audit").await;
    click(&console, "tab-periods").await;
    select(&console, "period-choice", "8").await;
    wait_for_state(&console, 101, "correction_requested").await;
    within(&console, "report-101", "set-up")
        .await
        .click()
        .await
        .unwrap();
    wait_for_state(&console, 101, "set_up").await;

    // The days pass: 修正受付期限 is behind. The app sends clinic A to the city; clinic E phones
    // and the city enters its correction knowing the notice's warning.
    sqlx::query(
        "update periods set correction_deadline = $1, submission_deadline = $2 where number = 8",
    )
    .bind(day(-1))
    .bind(day(-3))
    .execute(&city.pool)
    .await
    .unwrap();
    click(&window, "back").await;
    click(&window, "menu-slot-reports").await;
    by_testid(&window, "past-correction-deadline").await;
    click(&console, "tab-audit").await;
    click(&console, "tab-periods").await;
    select(&console, "period-choice", "8").await;
    by_testid(&console, "past-correction-deadline").await;
    click(&console, "enter-report").await;
    select(&console, "entry-venue", "105").await;
    select(&console, "entry-form", "public_only").await;
    set_value(
        &console,
        &within(&console, "entry-row-1", "row-date").await,
        &day(23).to_string(),
    )
    .await;
    let seats = within(&console, "entry-row-1", "row-public").await;
    seats.clear().await.unwrap();
    seats.send_keys("7").await.unwrap();
    click(&console, "entry-submit").await;
    let warning = by_testid(&console, "entry-problem").await;
    assert_eq!(
        warning.attr("data-code").await.unwrap().as_deref(),
        Some("slot_report.late")
    );
    click(&console, "enter-late").await;
    by_testid(&console, "entry-done").await;
    support::console::wait_for_text(&console, "report-105", "report-state", "期限後の修正").await;

    // 受付開始: period 8 opens by itself; the web sees its 公開枠, and period 7's are private.
    sqlx::query("update periods set reception_opens = $1 where number = 8")
        .bind(day(0))
        .execute(&city.pool)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let web = offered_to_the_web(&api, day(22)).await;
        if web.contains(&format!(
            "【（第８期）WEB・コールセンター受付】101.{ymd}.1100"
        )) {
            assert!(
                !web.contains(&period_7_slot),
                "period 7's 公開枠 is private now: {web:?}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "period 8 never opened: {web:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let visibility: String = sqlx::query_scalar("select visibility from slots where name = $1")
        .bind(&period_7_slot)
        .fetch_one(&city.pool)
        .await
        .unwrap();
    assert_eq!(visibility, "private");
    click(&console, "tab-audit").await;
    click(&console, "tab-periods").await;
    select(&console, "period-choice", "8").await;
    assert!(
        text_of(&console, "reception-state")
            .await
            .contains("受付中")
    );
    window.close().await.unwrap();
    drop(desktop);
}
