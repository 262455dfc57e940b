//! What the residents' page reads before it books, for anyone: the municipalities served, the
//! venues with 公開枠 to come by ward, a venue's days with their seats; and the pages themselves.

use chrono::{Datelike, TimeDelta, Weekday};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use serde_json::Value;
use yoyaku_city::{Server, WebPages};
use yoyaku_core::Code;
use yoyaku_core::time::tokyo_today;

use crate::support::{
    expect_json, expect_problem, insert_slot, next_slot_day, spawn_app, spawn_app_with,
};

#[tokio::test]
async fn the_page_learns_which_municipality_it_serves() {
    let app = spawn_app().await;
    let list = expect_json(
        app.get("/api/v1/municipalities", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        list["municipalities"],
        serde_json::json!([{ "code": "431001", "name_ja": "熊本市", "name_en": "Kumamoto City" }])
    );
}

#[tokio::test]
async fn venues_with_public_slots_to_come_are_listed_with_ward_address_and_vaccines() {
    let app = spawn_app().await;
    // A venue with a private slot only, and one whose only public slot is over: neither listed.
    for (number, visibility, days) in [(301, "private", 1), (302, "public", -1)] {
        sqlx::query(
            "insert into venues (municipality_code, id, venue_number, name, mass_venue)
             values ('431001', gen_random_uuid(), $1, $2, true)",
        )
        .bind(number)
        .bind(format!("会場{number}"))
        .execute(&app.pool)
        .await
        .unwrap();
        let venue = app.venue_id(number).await;
        let date = tokyo_today() + TimeDelta::days(days);
        insert_slot(&app.pool, venue, date, (10, 0), 30, visibility, 5).await;
    }

    let list = expect_json(
        app.get("/api/v1/municipalities/431001/venues", None).await,
        StatusCode::OK,
    )
    .await;
    let venues = list["venues"].as_array().unwrap();
    let shown: Vec<_> = venues
        .iter()
        .map(|v| {
            (
                v["venue_number"].as_i64().unwrap(),
                v["ward"].as_str().unwrap(),
            )
        })
        .collect();
    let mut numbers: Vec<_> = shown.iter().map(|(n, _)| *n).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [101, 105, 900], "{shown:?}");
    let wards: Vec<_> = shown.iter().map(|(_, w)| *w).collect();
    assert!(wards.is_sorted(), "by ward: {wards:?}");
    let a = venues.iter().find(|v| v["venue_number"] == 101).unwrap();
    assert_eq!(a["name"], "A胃腸科内科医院");
    assert_eq!(a["ward"], "中央区");
    assert_eq!(a["address"], "熊本市中央区水前寺3丁目2-10");
    assert_eq!(a["mass_venue"], false);
    assert_eq!(
        a["vaccines"],
        serde_json::json!([{ "code": "pfizer", "name_ja": "ファイザー社ワクチン", "name_en": "Pfizer" }])
    );
}

#[tokio::test]
async fn a_venues_days_sum_the_public_seats_left_by_tokyo_date() {
    let app = spawn_app().await;
    let venue = app.venue_id(101).await;
    let path = format!("/api/v1/municipalities/431001/venues/{venue}/days?vaccine=pfizer");
    let days = expect_json(app.get(&path, None).await, StatusCode::OK).await;
    let days = days["days"].as_array().unwrap();
    let day = next_slot_day();
    let seats_on = |days: &[Value], date: chrono::NaiveDate| {
        days.iter()
            .find(|d| d["date"] == date.to_string())
            .map(|d| d["remaining"].as_i64().unwrap())
    };
    // Twelve half hours of three public seats; the private ones are not the web's.
    assert_eq!(seats_on(days, day), Some(36));
    assert!(days.iter().all(|d| {
        let date: chrono::NaiveDate = d["date"].as_str().unwrap().parse().unwrap();
        date >= tokyo_today() && date.weekday() != Weekday::Sun
    }));
    let dates: Vec<_> = days.iter().map(|d| d["date"].as_str().unwrap()).collect();
    assert!(dates.is_sorted());

    // A full slot counts nothing, never less; the answer is a second old at most.
    sqlx::query(
        "update slots set booked = capacity + 1
         where venue_id = $1 and visibility = 'public' and name like $2",
    )
    .bind(venue)
    .bind(format!("%{}.0900", day.format("%Y%m%d")))
    .execute(&app.pool)
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let days = expect_json(app.get(&path, None).await, StatusCode::OK).await;
    assert_eq!(seats_on(days["days"].as_array().unwrap(), day), Some(33));

    let unknown = format!(
        "/api/v1/municipalities/431001/venues/{}/days",
        uuid::Uuid::new_v4()
    );
    let none = expect_json(app.get(&unknown, None).await, StatusCode::OK).await;
    assert_eq!(none["days"], serde_json::json!([]));
}

#[tokio::test]
async fn a_malformed_municipality_code_is_refused() {
    let app = spawn_app().await;
    for (path, code) in [
        (
            "/api/v1/municipalities/43100/venues",
            Code::MunicipalityCodeFormat,
        ),
        (
            "/api/v1/municipalities/431002/venues",
            Code::MunicipalityCodeCheckDigit,
        ),
    ] {
        expect_problem(app.get(path, None).await, StatusCode::BAD_REQUEST, code).await;
    }
}

#[tokio::test]
async fn the_pages_are_served_beside_the_api_with_their_caching_and_policy() {
    let build = tempfile::tempdir().unwrap();
    assert!(
        WebPages::in_dir(build.path()).is_err(),
        "an unbuilt directory is refused"
    );
    std::fs::create_dir(build.path().join("assets")).unwrap();
    std::fs::write(
        build.path().join("index.html"),
        "<!doctype html><title>予約</title>",
    )
    .unwrap();
    std::fs::write(build.path().join("assets/index-Ab12.js"), "export {};").unwrap();
    let pages = WebPages::in_dir(build.path()).unwrap();
    let app = spawn_app_with(move |listener, pool| {
        Server::options()
            .web_pages(pages)
            .spawn(listener, pool)
            .unwrap()
    })
    .await;

    let page = app.get("/", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[CACHE_CONTROL], "no-cache");
    let csp = page.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert!(page.text().await.unwrap().contains("予約"));

    let asset = app.get("/assets/index-Ab12.js", None).await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(
        asset.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(
        asset.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript")
    );

    // The API keeps its answers, and an unknown path is still a problem document.
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    let missing = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()[CONTENT_TYPE], "application/problem+json");
    assert_eq!(
        app.get("/assets/missing.js", None).await.status(),
        StatusCode::NOT_FOUND
    );
}
