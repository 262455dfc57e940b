use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use yoyaku_core::Code;
use yoyaku_core::wire::Role;

use crate::support::{expect_problem, spawn_app};

#[tokio::test]
async fn a_clinic_logs_in_and_gets_a_token_and_its_venues() {
    let app = spawn_app().await;
    let login = app.login(&app.accounts.clinic_a).await;

    // The municipality's code, a dot, and 32 random bytes in base64url.
    let (code, random) = login.token.split_once('.').unwrap();
    assert_eq!((code, random.len()), ("431001", 43));
    let twelve_hours = Utc::now() + TimeDelta::hours(12);
    assert!((login.expires_at - twelve_hours).num_seconds().abs() < 60);
    let profile = login.profile;
    assert_eq!(profile.municipality_code.to_string(), "431001");
    assert_eq!(profile.municipality_name, "熊本市");
    assert_eq!(profile.account_id, "clinic-a");
    assert_eq!(profile.display_name, "A胃腸科内科医院");
    assert_eq!(profile.role, Role::Clinic);
    let venues: Vec<_> = profile
        .venues
        .iter()
        .map(|venue| (venue.venue_number, venue.name.as_str()))
        .collect();
    assert_eq!(venues, [(101, "A胃腸科内科医院")]);

    // Only the token's hash is kept.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("select token_hash from sessions")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, [Sha256::digest(login.token.as_bytes()).to_vec()]);
}

#[tokio::test]
async fn the_call_center_logs_in_without_venues() {
    let app = spawn_app().await;
    let profile = app.login(&app.accounts.call_center).await.profile;
    assert_eq!(profile.role, Role::CallCenter);
    assert!(profile.venues.is_empty());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    let mut wrong_password = app.accounts.clinic_a.login_request();
    wrong_password.password = "demo-clinic-e".into();
    let mut unknown_account = app.accounts.clinic_a.login_request();
    unknown_account.account_id = "clinic-z".into();
    let mut other_municipality = app.accounts.clinic_a.login_request();
    other_municipality.municipality_code = "131016".into();

    let mut answers = Vec::new();
    for request in [&wrong_password, &unknown_account, &other_municipality] {
        let response = app.post_login(request).await;
        let status = response.status();
        let body = response.bytes().await.unwrap();
        answers.push((status, body));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    let problem = expect_problem(
        app.post_login(&wrong_password).await,
        StatusCode::UNAUTHORIZED,
        Code::AuthInvalidCredentials,
    )
    .await;
    assert_eq!(
        problem.message_ja,
        "自治体番号、アカウントID、パスワードのいずれかが正しくありません。"
    );
    let sessions: i64 = sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn login_without_agreeing_to_the_terms_is_refused() {
    let app = spawn_app().await;
    let mut request = app.accounts.clinic_a.login_request();
    request.agreed_to_terms = false;
    let problem = expect_problem(
        app.post_login(&request).await,
        StatusCode::BAD_REQUEST,
        Code::AuthTermsNotAgreed,
    )
    .await;
    assert_eq!(problem.message_ja, "利用規約に同意してください。");
}

#[tokio::test]
async fn malformed_login_fields_get_the_parsers_codes() {
    let app = spawn_app().await;
    let mut bad_check_digit = app.accounts.clinic_a.login_request();
    bad_check_digit.municipality_code = "431002".into();
    expect_problem(
        app.post_login(&bad_check_digit).await,
        StatusCode::BAD_REQUEST,
        Code::MunicipalityCodeCheckDigit,
    )
    .await;

    let mut bad_account_id = app.accounts.clinic_a.login_request();
    bad_account_id.account_id = "clinic a".into();
    expect_problem(
        app.post_login(&bad_account_id).await,
        StatusCode::BAD_REQUEST,
        Code::AccountIdFormat,
    )
    .await;
}

#[tokio::test]
async fn a_body_that_is_not_a_login_request_is_a_problem_too() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/login"))
        .header("content-type", "application/json")
        .body(r#"{"municipality_code": "431001"}"#)
        .send()
        .await
        .unwrap();
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::RequestMalformed,
    )
    .await;

    let response = app
        .client
        .post(app.url("/api/v1/login"))
        .body("municipality_code=431001")
        .send()
        .await
        .unwrap();
    expect_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::RequestUnsupportedMediaType,
    )
    .await;
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let logout = || {
        app.client
            .post(app.url("/api/v1/logout"))
            .bearer_auth(&token)
            .send()
    };

    assert_eq!(logout().await.unwrap().status(), StatusCode::NO_CONTENT);
    let slots = app.get("/api/v1/clinic/slots", Some(&token)).await;
    expect_problem(slots, StatusCode::UNAUTHORIZED, Code::AuthSessionInvalid).await;
    let again = logout().await.unwrap();
    expect_problem(again, StatusCode::UNAUTHORIZED, Code::AuthSessionInvalid).await;
}
