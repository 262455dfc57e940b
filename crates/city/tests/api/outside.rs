//! 市外住民 (manual 2-3): a resident of another municipality, not in this city's registry, is
//! registered with a reason of the guidance and booked here; the booking is provisional until
//! the notification is received, where the reason needs one; a DV-type reason keeps the
//! resident's whereabouts with their clinic and the city.

use reqwest::StatusCode;
use serde_json::{Value, json};
use yoyaku_core::Code;

use crate::support::{
    TestApp, demo_slot, expect_json, expect_problem, key_json, next_slot_day, spawn_app,
};

/// 千代田区 (131016): its ticket 9000000062 is a different person from 熊本市's テスト タロー.
const CHIYODA: &str = "131016";
const TICKET: &str = "9000000062";
const BORN: &str = "1999-05-05";

fn chiyoda_key(born: &str) -> Value {
    json!({"municipality_code": CHIYODA, "ticket": TICKET, "birth_date": born})
}

fn form(outside: Value) -> Value {
    json!({
        "birth_date": BORN,
        "family_name_kana": "シガイ",
        "given_name_kana": "ハナコ",
        "sex": "female",
        "phone": "090-1234-5678",
        "outside": outside,
    })
}

async fn register(app: &TestApp, token: &str, outside: Value) -> reqwest::Response {
    app.put_json(
        &format!("/api/v1/residents/{CHIYODA}/{TICKET}"),
        Some(token),
        &form(outside),
    )
    .await
}

async fn lookup(app: &TestApp, token: Option<&str>, key: &Value) -> reqwest::Response {
    app.post_json("/api/v1/residents/lookup", token, key).await
}

async fn book(app: &TestApp, token: &str, venue: i32, visibility: &str) -> reqwest::Response {
    let slot = demo_slot(&app.pool, venue, next_slot_day(), "0900", visibility).await;
    let body = json!({"resident": chiyoda_key(BORN), "slot_id": slot, "dose": 1});
    app.post_json("/api/v1/bookings", Some(token), &body).await
}

async fn residents_from_chiyoda(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from residents where home_code = $1")
        .bind(CHIYODA)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_resident_of_another_municipality_is_registered_with_a_reason_and_booked_here() {
    let app = spawn_app().await;
    let clinic = app.login(&app.accounts.clinic_a).await.token;

    let answer = expect_json(
        lookup(&app, Some(&clinic), &chiyoda_key(BORN)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["registered"], false);

    let created = expect_json(
        register(&app, &clinic, json!({"reason": "student_living_away"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        created["outside"],
        json!({"reason": "student_living_away", "notification": "pending"})
    );
    // 熊本市's own テスト タロー with the same number is another resident.
    let taro = json!({"birth_date": "1945-03-03", "family_name_kana": "テスト",
                      "given_name_kana": "タロー", "sex": "male", "phone": "0963281111"});
    let response = app
        .put_json(
            &format!("/api/v1/residents/431001/{TICKET}"),
            Some(&clinic),
            &taro,
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let booked = expect_json(
        book(&app, &clinic, 101, "private").await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(booked["booking"]["resident_municipality_code"], CHIYODA);
    assert_eq!(booked["booking"]["municipality_code"], "431001");
    assert_eq!(booked["booking"]["outside"]["notification"], "pending");
    // Kumamoto's resident of the same number books dose 1 too: no clash.
    let slot = demo_slot(&app.pool, 101, next_slot_day(), "0930", "private").await;
    let body = json!({"resident": key_json(TICKET, "1945-03-03"), "slot_id": slot, "dose": 1});
    let response = app
        .post_json("/api/v1/bookings", Some(&clinic), &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // The city's list of the day (manual 4-1) shows the booking as 住所地外.
    let venue = app.venue_id(101).await;
    let list = expect_json(
        app.get(
            &format!("/api/v1/bookings?venue_id={venue}&date={}", next_slot_day()),
            Some(&clinic),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let rows = list["bookings"].as_array().unwrap();
    let outside: Vec<_> = rows
        .iter()
        .filter(|b| b["outside"] != Value::Null)
        .collect();
    assert_eq!(outside.len(), 1, "{rows:#?}");
    assert_eq!(outside[0]["resident_municipality_code"], CHIYODA);

    // The notification received, then a change that does not know of it keeps it received.
    let changed = expect_json(
        register(
            &app,
            &clinic,
            json!({"reason": "student_living_away", "notification_received": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["outside"]["notification"], "received");
    let again = expect_json(
        register(&app, &clinic, json!({"reason": "student_living_away"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["outside"]["notification"], "received");

    let answer = expect_json(
        lookup(&app, Some(&clinic), &chiyoda_key(BORN)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["registered"], true);
    assert_eq!(answer["details"]["given_name_kana"], "ハナコ");
    assert_eq!(answer["outside"]["reason"], "student_living_away");
    assert_eq!(answer["bookings"].as_array().unwrap().len(), 1);
    let detail = expect_json(
        app.get(
            &format!("/api/v1/residents/{CHIYODA}/{TICKET}"),
            Some(&clinic),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["resident"]["municipality_code"], CHIYODA);
    assert_eq!(detail["outside"]["notification"], "received");
}

#[tokio::test]
async fn bad_input_for_a_resident_from_elsewhere_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let clinic = app.login(&app.accounts.clinic_a).await.token;

    // A 自治体番号 with a wrong check digit.
    let wrong_digit = json!({"municipality_code": "131017", "ticket": TICKET, "birth_date": BORN});
    let problem = expect_problem(
        lookup(&app, Some(&clinic), &wrong_digit).await,
        StatusCode::BAD_REQUEST,
        Code::MunicipalityCodeCheckDigit,
    )
    .await;
    assert!(
        problem.message_ja.contains("自治体番号"),
        "{}",
        problem.message_ja
    );

    // A reason not in the lists, the call center's reason, and none at all.
    let problem = expect_problem(
        register(&app, &clinic, json!({"reason": "tourist"})).await,
        StatusCode::BAD_REQUEST,
        Code::OutsideReasonUnknown,
    )
    .await;
    assert!(problem.message_ja.contains("一覧"));
    let problem = expect_problem(
        register(&app, &clinic, json!({"reason": "other"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::OutsideReferToCallCenter,
    )
    .await;
    assert!(problem.message_ja.contains("コールセンター"));
    expect_problem(
        register(&app, &clinic, Value::Null).await,
        StatusCode::BAD_REQUEST,
        Code::OutsideReasonRequired,
    )
    .await;
    // This city's ticket takes no reason.
    let mut local = form(json!({"reason": "detained"}));
    local["birth_date"] = json!("1945-03-03");
    expect_problem(
        app.put_json(
            &format!("/api/v1/residents/431001/{TICKET}"),
            Some(&clinic),
            &local,
        )
        .await,
        StatusCode::BAD_REQUEST,
        Code::OutsideNotOutside,
    )
    .await;
    // Not registered: no booking.
    expect_problem(
        book(&app, &clinic, 101, "private").await,
        StatusCode::CONFLICT,
        Code::ResidentNotRegistered,
    )
    .await;
    assert_eq!(residents_from_chiyoda(&app).await, 0);

    // Registered, then looked up with another birth date: the one answer for a wrong key.
    register(&app, &clinic, json!({"reason": "disaster_victim"})).await;
    expect_problem(
        lookup(&app, Some(&clinic), &chiyoda_key("1999-05-06")).await,
        StatusCode::NOT_FOUND,
        Code::TicketNotInRegistry,
    )
    .await;
    assert_eq!(residents_from_chiyoda(&app).await, 1);
}

#[tokio::test]
async fn a_dv_victims_details_and_bookings_stay_with_their_clinic_and_the_city() {
    let app = spawn_app().await;
    let clinic_a = app.login(&app.accounts.clinic_a).await.token;
    let created = expect_json(
        register(&app, &clinic_a, json!({"reason": "abuse_victim"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["outside"]["notification"], "pending");
    expect_json(
        book(&app, &clinic_a, 101, "private").await,
        StatusCode::CREATED,
    )
    .await;

    // Another clinic with the key learns nothing and changes nothing.
    let clinic_e = app.login(&app.accounts.clinic_e).await.token;
    let problem = expect_problem(
        lookup(&app, Some(&clinic_e), &chiyoda_key(BORN)).await,
        StatusCode::FORBIDDEN,
        Code::ResidentProtected,
    )
    .await;
    assert!(problem.message_ja.contains("コールセンター"));
    assert!(!problem.message_ja.contains("A胃腸科"));
    expect_problem(
        app.get(
            &format!("/api/v1/residents/{CHIYODA}/{TICKET}"),
            Some(&clinic_e),
        )
        .await,
        StatusCode::NOT_FOUND,
        Code::ResidentNotFound,
    )
    .await;
    expect_problem(
        register(&app, &clinic_e, json!({"reason": "abuse_victim"})).await,
        StatusCode::FORBIDDEN,
        Code::ResidentProtected,
    )
    .await;
    expect_problem(
        book(&app, &clinic_e, 105, "private").await,
        StatusCode::FORBIDDEN,
        Code::ResidentProtected,
    )
    .await;
    let name: String =
        sqlx::query_scalar("select given_name_kana from residents where home_code = $1")
            .bind(CHIYODA)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name, "ハナコ", "unchanged");

    // Their clinic and the city's call center see them.
    for token in [&clinic_a, &app.login(&app.accounts.call_center).await.token] {
        let answer = expect_json(
            lookup(&app, Some(token), &chiyoda_key(BORN)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(answer["details"]["given_name_kana"], "ハナコ");
        assert_eq!(answer["bookings"].as_array().unwrap().len(), 1);
    }
}
