//! The session: the call center operating for a clinic (`X-Yoyaku-On-Behalf-Of`), and expired
//! sessions leaving the database.

use std::time::Duration;
use yoyaku_core::Code;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use yoyaku_city::Server;

use crate::support::{TestApp, expect_problem, spawn_app, spawn_app_with};

const ON_BEHALF_OF: &str = "x-yoyaku-on-behalf-of";

async fn session(app: &TestApp, token: &str, on_behalf_of: Option<&str>) -> Response {
    let request = app
        .client
        .get(app.url("/api/v1/session"))
        .bearer_auth(token);
    let request = match on_behalf_of {
        Some(clinic) => request.header(ON_BEHALF_OF, clinic),
        None => request,
    };
    request.send().await.unwrap()
}

async fn session_json(app: &TestApp, token: &str, on_behalf_of: Option<&str>) -> Value {
    let response = session(app, token, on_behalf_of).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn venue_numbers(profile: &Value) -> Vec<i64> {
    let venues = profile["venues"].as_array().unwrap();
    venues
        .iter()
        .map(|venue| venue["venue_number"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_call_center_operates_for_a_clinic_on_its_venues() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.call_center).await.token;

    let acting = session_json(&app, &token, Some("clinic-a")).await;
    assert_eq!(acting["profile"]["account_id"], "callcenter");
    assert_eq!(acting["profile"]["role"], "call_center");
    assert!(venue_numbers(&acting["profile"]).is_empty());
    assert_eq!(acting["on_behalf_of"]["account_id"], "clinic-a");
    assert_eq!(acting["on_behalf_of"]["display_name"], "A胃腸科内科医院");
    assert_eq!(acting["on_behalf_of"]["role"], "clinic");
    assert_eq!(venue_numbers(&acting["on_behalf_of"]), [101]);
    let other = session_json(&app, &token, Some("clinic-e")).await;
    assert_eq!(venue_numbers(&other["on_behalf_of"]), [105]);

    let itself = session_json(&app, &token, None).await;
    assert_eq!(itself["profile"]["account_id"], "callcenter");
    assert_eq!(itself["on_behalf_of"], Value::Null);
}

#[tokio::test]
async fn a_clinic_sees_its_own_venues_and_may_not_act_for_another() {
    let app = spawn_app().await;
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    let itself = session_json(&app, &clinic, None).await;
    assert_eq!(itself["profile"]["account_id"], "clinic-a");
    assert_eq!(venue_numbers(&itself["profile"]), [101]);
    assert_eq!(itself["on_behalf_of"], Value::Null);

    for on_behalf_of in ["clinic-e", "clinic-a", "no such clinic"] {
        let response = session(&app, &clinic, Some(on_behalf_of)).await;
        expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
    }
    let admin = app.login(&app.accounts.city_admin).await.token;
    let response = session(&app, &admin, Some("clinic-a")).await;
    expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
    // Without a session, the header gets nobody anywhere.
    let response = app
        .client
        .get(app.url("/api/v1/session"))
        .header(ON_BEHALF_OF, "clinic-a")
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::UNAUTHORIZED, Code::AuthSessionInvalid).await;
}

#[tokio::test]
async fn only_a_clinic_of_the_same_municipality_can_be_acted_for() {
    let app = spawn_app().await;
    // 千代田区 with a clinic of its own.
    sqlx::query("insert into municipalities (code, name_ja, name_en) values ('131016', '千代田区', 'Chiyoda')")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into accounts (municipality_code, id, account_id, display_name, role, password_hash)
         select '131016', $1, 'clinic-tokyo', '千代田クリニック', 'clinic', password_hash
         from accounts where account_id = 'clinic-a'",
    )
    .bind(Uuid::new_v4())
    .execute(&app.pool)
    .await
    .unwrap();
    let token = app.login(&app.accounts.call_center).await.token;

    for not_a_clinic in ["clinic-z", "clinic-tokyo", "callcenter", "city-admin"] {
        let response = session(&app, &token, Some(not_a_clinic)).await;
        let problem =
            expect_problem(response, StatusCode::NOT_FOUND, Code::AuthUnknownClinic).await;
        assert!(problem.message_ja.contains(not_a_clinic), "{problem:?}");
    }
    let response = session(&app, &token, Some("clinic a")).await;
    expect_problem(response, StatusCode::BAD_REQUEST, Code::AccountIdFormat).await;
}

#[tokio::test]
async fn expired_sessions_are_deleted_in_the_background() {
    let app = spawn_app_with(|listener, pool| {
        Server::options()
            .housekeeping_period(Duration::from_millis(100))
            .spawn(listener, pool)
            .unwrap()
    })
    .await;
    let expired = app.login(&app.accounts.clinic_a).await.token;
    let live = app.login(&app.accounts.clinic_e).await.token;
    let hash = |token: &str| Sha256::digest(token.as_bytes()).to_vec();
    sqlx::query(
        "update sessions set created_at = now() - interval '13 hours',
                             expires_at = now() - interval '1 hour'
         where token_hash = $1",
    )
    .bind(hash(&expired))
    .execute(&app.pool)
    .await
    .unwrap();

    let remaining = || async {
        sqlx::query_scalar::<_, Vec<u8>>("select token_hash from sessions")
            .fetch_all(&app.pool)
            .await
            .unwrap()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while remaining().await.len() > 1 {
        assert!(tokio::time::Instant::now() < deadline, "not deleted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(remaining().await, [hash(&live)]);
    let still_in = session_json(&app, &live, None).await;
    assert_eq!(still_in["profile"]["account_id"], json!("clinic-e"));
}
