//! A NUL character (U+0000) PostgreSQL cannot store: in a JSON body (escaped, as `\u0000`) or a
//! query (`%00`) it is refused with `request.malformed` before any query runs, where it used to
//! fail the request with a server error. Found by schemathesis (`schemathesis.rs`).

use reqwest::StatusCode;
use serde_json::json;
use yoyaku_core::Code;

use crate::support::{expect_json, expect_problem, spawn_app};

#[tokio::test]
async fn a_nul_in_a_json_text_is_refused_and_nothing_is_published() {
    let app = spawn_app().await;
    let admin = app.login(&app.accounts.city_admin).await.token;
    let path = "/api/v1/admin/information";
    let information = json!({
        "terms": {"version": "2.0.0", "text_ja": "第1条\u{0}改定", "text_en": "Article 1"},
        "contacts": {"main": {"name_ja": "市コールセンター", "name_en": "City call center",
                              "tel": ["096-000-0000"]}}
    });
    let problem = expect_problem(
        app.put_json(path, Some(&admin), &information).await,
        StatusCode::BAD_REQUEST,
        Code::RequestMalformed,
    )
    .await;
    assert!(problem.message_en.contains("NUL"), "{}", problem.message_en);
    // In a key too.
    let mut keyed = information.clone();
    keyed["terms"]["text_ja"] = json!("第1条 改定");
    keyed["contacts"]["main"]["x\u{0}"] = json!(1);
    expect_problem(
        app.put_json(path, Some(&admin), &keyed).await,
        StatusCode::BAD_REQUEST,
        Code::RequestMalformed,
    )
    .await;
    let terms = expect_json(
        app.get("/api/v1/municipalities/431001/terms", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(terms["version"], "1.1.0", "nothing was published");
}

#[tokio::test]
async fn a_nul_in_a_query_is_refused_by_every_reader() {
    let app = spawn_app().await;
    for account in [
        &app.accounts.clinic_a,
        &app.accounts.call_center,
        &app.accounts.city_admin,
    ] {
        let token = app.login(account).await.token;
        for path in [
            "/api/v1/bookings?date=2027-01-05&vaccine=a%00b",
            "/api/v1/slots?date=2027-01-05&vaccine=%00",
            "/api/v1/residents?kana=%E3%82%A2%00",
        ] {
            expect_problem(
                app.get(path, Some(&token)).await,
                StatusCode::BAD_REQUEST,
                Code::RequestMalformed,
            )
            .await;
        }
    }
    // The web reads without a token.
    expect_problem(
        app.get(
            "/api/v1/slots?date=2027-01-05&municipality_code=431001&vaccine=%00",
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        Code::RequestMalformed,
    )
    .await;
}
