//! 接種ワクチン as data: the city's administrators add products, each checked by the domain's rules.

use reqwest::StatusCode;
use serde_json::{Value, json};
use yoyaku_core::Code;

use crate::support::{expect_json, expect_problem, spawn_app};

const VACCINES: &str = "/api/v1/admin/vaccines";

fn moderna() -> Value {
    json!({
        "code": "moderna", "name_ja": "武田/モデルナ社ワクチン", "name_en": "Takeda/Moderna",
        "doses_per_vial": 10, "usable_hours": 6,
        "standard_days": 28, "earliest_days": 27, "warn_after_days": 42,
    })
}

#[tokio::test]
async fn an_admin_adds_a_vaccine_product_that_periods_can_then_use() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.city_admin).await.token;
    let token = Some(token.as_str());
    let created = expect_json(
        app.post_json(VACCINES, token, &moderna()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created, moderna());

    let list = expect_json(app.get(VACCINES, token).await, StatusCode::OK).await;
    let codes: Vec<_> = list["vaccines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["moderna", "pfizer"]);
    assert_eq!(list["vaccines"][0], moderna());

    let today = yoyaku_core::time::tokyo_today();
    let day = |n: u64| today + chrono::Days::new(n);
    let period = json!({
        "number": 9, "vaccine_code": "moderna",
        "first_dose": {"first": day(30), "last": day(40)},
        "second_dose": {"first": day(58), "last": day(70)},
        "submission_deadline": day(10), "correction_deadline": day(15),
        "reception_opens": day(20),
    });
    let response = app.post_json("/api/v1/admin/periods", token, &period).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'vaccine.create' and entity_id = 'moderna'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn inconsistent_or_duplicate_products_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.city_admin).await.token;
    let token = Some(token.as_str());
    let with = |field: &str, value: Value| {
        let mut body = moderna();
        body[field] = value;
        body
    };
    let cases = [
        (with("code", json!("Moderna 2021")), Code::VaccineCode),
        (with("name_en", json!("  ")), Code::VaccineName),
        (with("doses_per_vial", json!(0)), Code::VaccineVial),
        (with("earliest_days", json!(29)), Code::VaccineInterval),
        (with("earliest_days", json!(0)), Code::VaccineInterval),
        (with("warn_after_days", json!(27)), Code::VaccineInterval),
    ];
    for (body, code) in &cases {
        let response = app.post_json(VACCINES, token, body).await;
        expect_problem(response, StatusCode::BAD_REQUEST, *code).await;
    }
    let response = app
        .post_json(VACCINES, token, &with("code", json!("pfizer")))
        .await;
    let problem = expect_problem(response, StatusCode::CONFLICT, Code::VaccineDuplicate).await;
    assert!(problem.message_ja.contains("pfizer"));
    let stored: i64 = sqlx::query_scalar("select count(*) from vaccines")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 1, "the demo's pfizer only");

    for account in [&app.accounts.clinic_a, &app.accounts.call_center] {
        let token = app.login(account).await.token;
        let response = app.post_json(VACCINES, Some(&token), &moderna()).await;
        expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
    }
}
