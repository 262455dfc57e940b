//! 利用規約 for anyone (the login screen), 問い合わせ先 for the municipality's staff, both set by
//! the city admin.

use reqwest::StatusCode;
use serde_json::json;
use yoyaku_core::Code;

use crate::support::{expect_json, expect_problem, spawn_app};

#[tokio::test]
async fn the_terms_are_public_and_the_contacts_are_the_staffs() {
    let app = spawn_app().await;
    let terms = expect_json(
        app.get("/api/v1/municipalities/431001/terms", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(terms["version"], "1.1.0");
    assert!(terms["text_ja"].as_str().unwrap().contains("個人情報"));
    assert!(terms["text_en"].as_str().unwrap().contains("Personal data"));
    expect_problem(
        app.get("/api/v1/municipalities/131016/terms", None).await,
        StatusCode::NOT_FOUND,
        Code::InformationNotPublished,
    )
    .await;
    expect_problem(
        app.get("/api/v1/municipalities/43100/terms", None).await,
        StatusCode::BAD_REQUEST,
        Code::MunicipalityCodeFormat,
    )
    .await;

    let path = "/api/v1/municipalities/431001/contacts";
    assert_eq!(app.get(path, None).await.status(), StatusCode::UNAUTHORIZED);
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    let contacts = expect_json(app.get(path, Some(&clinic)).await, StatusCode::OK).await;
    assert_eq!(contacts["main"]["name_ja"], "熊本市医療機関専用ダイヤル");
    assert_eq!(contacts["main"]["tel"], json!(["096-300-9377"]));
    assert_eq!(contacts["wards"].as_array().unwrap().len(), 5);
    assert_eq!(contacts["wards"][0]["ward"], "中央区");
    expect_problem(
        app.get("/api/v1/municipalities/131016/contacts", Some(&clinic))
            .await,
        StatusCode::FORBIDDEN,
        Code::AuthForbidden,
    )
    .await;
}

#[tokio::test]
async fn only_the_city_admin_publishes_and_an_incomplete_text_changes_nothing() {
    let app = spawn_app().await;
    let path = "/api/v1/admin/information";
    let information = json!({
        "terms": {"version": "2.0.0", "text_ja": "第1条 改定", "text_en": "Article 1, revised"},
        "contacts": {"main": {"name_ja": "市コールセンター", "name_en": "City call center",
                              "tel": ["096-000-0000"]}}
    });
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    expect_problem(
        app.put_json(path, Some(&clinic), &information).await,
        StatusCode::FORBIDDEN,
        Code::AuthForbidden,
    )
    .await;
    let admin = app.login(&app.accounts.city_admin).await.token;
    let mut blank = information.clone();
    blank["terms"]["text_en"] = json!(" ");
    expect_problem(
        app.put_json(path, Some(&admin), &blank).await,
        StatusCode::BAD_REQUEST,
        Code::InformationTermsIncomplete,
    )
    .await;
    let mut unreachable = information.clone();
    unreachable["contacts"]["main"]["tel"] = json!([]);
    expect_problem(
        app.put_json(path, Some(&admin), &unreachable).await,
        StatusCode::BAD_REQUEST,
        Code::InformationContactIncomplete,
    )
    .await;
    let terms = expect_json(
        app.get("/api/v1/municipalities/431001/terms", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(terms["version"], "1.1.0");

    expect_json(
        app.put_json(path, Some(&admin), &information).await,
        StatusCode::OK,
    )
    .await;
    let terms = expect_json(
        app.get("/api/v1/municipalities/431001/terms", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(terms["version"], "2.0.0");
    let contacts = expect_json(
        app.get("/api/v1/municipalities/431001/contacts", Some(&clinic))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(contacts["wards"], json!([]));
}
