//! The audit log as the city's administrators read it: filtered by account, channel, resident,
//! venue and day, a page at a time, and exported as CSV.

use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::{Value, json};
use yoyaku_core::Code;

use crate::support::{
    TestApp, book, demo_slot, expect_json, expect_problem, next_slot_day, seed_residents,
    spawn_app, tickets,
};

const BORN: &str = "1950-05-05";

fn born() -> NaiveDate {
    NaiveDate::from_ymd_opt(1950, 5, 5).unwrap()
}

async fn page(app: &TestApp, token: &str, query: &str) -> Value {
    let path = format!("/api/v1/admin/audit?{query}");
    expect_json(app.get(&path, Some(token)).await, StatusCode::OK).await
}

fn actions(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_log_is_filtered_by_channel_resident_venue_account_and_day_and_paged() {
    let app = spawn_app().await;
    let people = tickets(9_400_000_100, 3);
    seed_residents(&app.pool, &people, born()).await;
    let day = next_slot_day();
    let at_101 = demo_slot(&app.pool, 101, day, "0900", "public").await;
    let at_105 = demo_slot(&app.pool, 105, day, "0900", "public").await;
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    let operator = app.login(&app.accounts.call_center).await.token;
    book(&app, None, &people[0], BORN, at_101, 1).await;
    book(&app, Some(&clinic), &people[1], BORN, at_101, 1).await;
    book(&app, Some(&operator), &people[2], BORN, at_105, 1).await;
    let admin = app.login(&app.accounts.city_admin).await.token;

    let all = page(&app, &admin, "").await;
    let booked: Vec<&Value> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "booking.book")
        .collect();
    assert_eq!(booked.len(), 3);
    // Newest first, each with who, through which channel, for whom and where.
    assert_eq!(booked[0]["channel"], "call_center");
    assert_eq!(booked[0]["account"], "callcenter");
    assert_eq!(booked[0]["resident"], people[2].as_str());
    assert_eq!(booked[0]["venue_number"], 105);
    assert_eq!(booked[2]["channel"], "web");
    assert!(booked[2]["account"].is_null());
    assert_eq!(booked[2]["after"]["dose"], 1, "{}", booked[2]);

    let web = page(&app, &admin, "channel=web").await;
    assert!(
        web["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["channel"] == "web")
    );
    assert!(actions(&web).contains(&"booking.book".to_owned()));
    let resident = page(&app, &admin, &format!("resident={}", people[1])).await;
    assert!(!actions(&resident).is_empty());
    assert!(
        resident["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["resident"] == people[1].as_str())
    );
    let at_venue = page(&app, &admin, "venue=105").await;
    assert_eq!(actions(&at_venue), ["booking.book"]);
    let by_clinic = page(&app, &admin, "account=clinic-a&channel=clinic").await;
    assert_eq!(by_clinic["entries"][0]["resident"], people[1].as_str());
    let tomorrow = yoyaku_core::time::tokyo_today() + chrono::Days::new(1);
    let later = page(&app, &admin, &format!("from={tomorrow}")).await;
    assert_eq!(later["entries"], json!([]));
    assert!(later["next_before"].is_null());

    // A page at a time: the cursor leads to the next older entry and on to the end.
    let first = page(&app, &admin, "limit=2").await;
    assert_eq!(first["entries"].as_array().unwrap().len(), 2);
    let before = first["next_before"].as_i64().unwrap();
    let second = page(&app, &admin, &format!("limit=2&before={before}")).await;
    assert!(second["entries"][0]["id"].as_i64().unwrap() < before);
    let total = all["entries"].as_array().unwrap().len();
    let everything = page(&app, &admin, &format!("limit={total}")).await;
    assert!(everything["next_before"].is_i64());
    let rest = format!(
        "limit={total}&before={}",
        everything["next_before"].as_i64().unwrap()
    );
    assert_eq!(page(&app, &admin, &rest).await["entries"], json!([]));
}

#[tokio::test]
async fn the_export_is_csv_excel_reads_with_every_entry_of_the_filter() {
    let app = spawn_app().await;
    let people = tickets(9_400_000_200, 2);
    seed_residents(&app.pool, &people, born()).await;
    let slot = demo_slot(&app.pool, 101, next_slot_day(), "1000", "public").await;
    for ticket in &people {
        book(&app, None, ticket, BORN, slot, 1).await;
    }
    let admin = app.login(&app.accounts.city_admin).await.token;
    let response = app
        .get("/api/v1/admin/audit.csv?channel=web", Some(&admin))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"audit-")
    );
    let csv = response.text().await.unwrap();
    let csv = csv.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("id,日時,アカウントID,アカウント名,チャネル"));
    let web = page(&app, &admin, "channel=web&limit=500").await;
    assert_eq!(lines.len() - 1, web["entries"].as_array().unwrap().len());
    let newest = &web["entries"][0];
    assert!(lines[1].starts_with(&format!("{},", newest["id"])));
    assert!(lines[1].contains(",web,"));
    assert!(lines[1].contains(&people[1]));
    // JSON columns are quoted, their quotes doubled.
    assert!(lines[1].contains("\"{\"\""), "{}", lines[1]);
}

#[tokio::test]
async fn bad_filters_are_refused_and_only_admins_read_the_log() {
    let app = spawn_app().await;
    let admin = app.login(&app.accounts.city_admin).await.token;
    let response = app
        .get("/api/v1/admin/audit?account=nobody", Some(&admin))
        .await;
    expect_problem(response, StatusCode::NOT_FOUND, Code::AccountNotFound).await;
    let response = app
        .get("/api/v1/admin/audit?account=no%20body", Some(&admin))
        .await;
    expect_problem(response, StatusCode::BAD_REQUEST, Code::AccountIdFormat).await;
    let response = app
        .get("/api/v1/admin/audit?from=2021-13-01", Some(&admin))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    for account in [&app.accounts.clinic_a, &app.accounts.call_center] {
        let token = app.login(account).await.token;
        for path in ["/api/v1/admin/audit", "/api/v1/admin/audit.csv"] {
            let response = app.get(path, Some(&token)).await;
            expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
        }
    }
}
