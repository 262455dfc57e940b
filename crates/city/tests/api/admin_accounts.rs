use reqwest::StatusCode;
use serde_json::{Value, json};
use yoyaku_core::wire::LoginRequest;
use yoyaku_core::{Code, MunicipalityCode};

use crate::support::{TestApp, expect_problem, spawn_app};

const ACCOUNTS: &str = "/api/v1/admin/accounts";
const VENUES: &str = "/api/v1/admin/venues";

async fn admin_token(app: &TestApp) -> String {
    app.login(&app.accounts.city_admin).await.token
}

fn login_request(account_id: &str, password: &str) -> LoginRequest {
    LoginRequest {
        municipality_code: MunicipalityCode::parse("431001").unwrap().to_string(),
        account_id: account_id.into(),
        password: password.into(),
        agreed_to_terms: true,
    }
}

async fn list(app: &TestApp, path: &str, token: &str, key: &str) -> Vec<Value> {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body[key].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_admin_creates_accounts_that_can_log_in_and_lists_them() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let new = json!({"account_id": "clinic-f", "display_name": "F内科クリニック",
                     "role": "clinic", "password": "f-clinic-pass"});
    let response = app.post_json(ACCOUNTS, Some(&token), &new).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        (
            &created["account_id"],
            &created["display_name"],
            &created["role"]
        ),
        (
            &json!("clinic-f"),
            &json!("F内科クリニック"),
            &json!("clinic")
        )
    );
    let stored: String =
        sqlx::query_scalar("select password_hash from accounts where account_id = 'clinic-f'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(stored.starts_with("$argon2id$"));
    let login = app
        .post_login(&login_request("clinic-f", "f-clinic-pass"))
        .await;
    assert_eq!(login.status(), StatusCode::OK);

    let ids: Vec<Value> = list(&app, ACCOUNTS, &token, "accounts")
        .await
        .iter()
        .map(|a| a["account_id"].clone())
        .collect();
    assert_eq!(
        ids,
        [
            json!("callcenter"),
            json!("city-admin"),
            json!("clinic-a"),
            json!("clinic-e"),
            json!("clinic-f")
        ]
    );

    let again = app.post_json(ACCOUNTS, Some(&token), &new).await;
    let problem = expect_problem(again, StatusCode::CONFLICT, Code::AccountDuplicate).await;
    assert!(problem.message_ja.contains("clinic-f"));
}

#[tokio::test]
async fn bad_account_input_is_refused_with_its_reason() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let account = |account_id: &str, display_name: &str, role: &str, password: &str| {
        json!({"account_id": account_id, "display_name": display_name, "role": role,
               "password": password})
    };
    for (body, status, code) in [
        (
            account("a b", "x", "clinic", "long-enough"),
            StatusCode::BAD_REQUEST,
            Code::AccountIdFormat,
        ),
        (
            account("ok", " ", "clinic", "long-enough"),
            StatusCode::BAD_REQUEST,
            Code::AccountDisplayNameRequired,
        ),
        (
            account("ok", "x", "clinic", "short"),
            StatusCode::BAD_REQUEST,
            Code::PasswordLength,
        ),
        (
            account("ok", "x", "root", "long-enough"),
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::RequestMalformed,
        ),
    ] {
        let response = app.post_json(ACCOUNTS, Some(&token), &body).await;
        expect_problem(response, status, code).await;
    }
    assert_eq!(list(&app, ACCOUNTS, &token, "accounts").await.len(), 4);
}

#[tokio::test]
async fn a_password_reset_ends_sessions_lifts_a_lockout_and_the_new_password_works() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let clinic_token = app.login(&app.accounts.clinic_a).await.token;
    sqlx::query("update accounts set locked_until = now() + interval '1 hour' where account_id = 'clinic-a'")
        .execute(&app.pool)
        .await
        .unwrap();
    let path = format!("{ACCOUNTS}/clinic-a/password");
    let response = app
        .post_json(&path, Some(&token), &json!({"password": "new-secret-a"}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let old_session = app.get("/api/v1/clinic/slots", Some(&clinic_token)).await;
    expect_problem(
        old_session,
        StatusCode::UNAUTHORIZED,
        Code::AuthSessionInvalid,
    )
    .await;
    let old = app.post_login(&app.accounts.clinic_a.login_request()).await;
    expect_problem(old, StatusCode::UNAUTHORIZED, Code::AuthInvalidCredentials).await;
    let new = app
        .post_login(&login_request("clinic-a", "new-secret-a"))
        .await;
    assert_eq!(new.status(), StatusCode::OK);

    let unknown = app
        .post_json(
            &format!("{ACCOUNTS}/nobody/password"),
            Some(&token),
            &json!({"password": "new-secret-a"}),
        )
        .await;
    expect_problem(unknown, StatusCode::NOT_FOUND, Code::AccountNotFound).await;
}

#[tokio::test]
async fn venues_are_created_for_clinics_listed_and_their_numbers_unique() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let venue = json!({"venue_number": 102, "name": "A胃腸科内科医院 別館",
                       "clinic_account_id": "clinic-a"});
    let response = app.post_json(VENUES, Some(&token), &venue).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["clinic_account_id"], "clinic-a");

    let venues = list(&app, VENUES, &token, "venues").await;
    let numbers: Vec<_> = venues.iter().map(|v| v["venue_number"].clone()).collect();
    assert_eq!(numbers, [json!(101), json!(102), json!(105), json!(900)]);
    assert_eq!(venues[1]["name"], "A胃腸科内科医院 別館");
    // The clinic sees its new venue when it logs in.
    let profile = app.login(&app.accounts.clinic_a).await.profile;
    assert_eq!(profile.venues.len(), 2);

    let taken = json!({"venue_number": 105, "name": "X", "clinic_account_id": "clinic-a"});
    let response = app.post_json(VENUES, Some(&token), &taken).await;
    expect_problem(response, StatusCode::CONFLICT, Code::VenueDuplicate).await;
    for (clinic, status, code) in [
        (
            "callcenter",
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::AccountNotAClinic,
        ),
        ("nobody", StatusCode::NOT_FOUND, Code::AccountNotFound),
    ] {
        let venue = json!({"venue_number": 106, "name": "X", "clinic_account_id": clinic});
        let response = app.post_json(VENUES, Some(&token), &venue).await;
        expect_problem(response, status, code).await;
    }
    let out_of_range = json!({"venue_number": 1000, "name": "X", "clinic_account_id": "clinic-a"});
    let response = app.post_json(VENUES, Some(&token), &out_of_range).await;
    expect_problem(response, StatusCode::BAD_REQUEST, Code::VenueNumber).await;
    assert_eq!(list(&app, VENUES, &token, "venues").await.len(), 4);
}

#[tokio::test]
async fn only_city_admins_may_manage_accounts_and_venues() {
    let app = spawn_app().await;
    for account in [&app.accounts.clinic_a, &app.accounts.call_center] {
        let token = app.login(account).await.token;
        for path in [ACCOUNTS, VENUES] {
            let response = app.get(path, Some(&token)).await;
            expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
        }
        let response = app
            .post_json(
                &format!("{ACCOUNTS}/clinic-a/password"),
                Some(&token),
                &json!({"password": "taken-over"}),
            )
            .await;
        expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
    }
}

#[tokio::test]
async fn admin_actions_are_audited_without_secrets_and_refusals_leave_no_row() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let admin = app.account_uuid("city-admin").await;
    let new = json!({"account_id": "clinic-g", "display_name": "G眼科",
                     "role": "clinic", "password": "g-clinic-secret"});
    assert_eq!(
        app.post_json(ACCOUNTS, Some(&token), &new).await.status(),
        StatusCode::CREATED
    );
    let reset = json!({"password": "g-clinic-secret-2"});
    let response = app
        .post_json(
            &format!("{ACCOUNTS}/clinic-g/password"),
            Some(&token),
            &reset,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let venue = json!({"venue_number": 120, "name": "G眼科", "clinic_account_id": "clinic-g"});
    assert_eq!(
        app.post_json(VENUES, Some(&token), &venue).await.status(),
        StatusCode::CREATED
    );
    // Refused: the same venue number again. Nothing is logged for it.
    let response = app.post_json(VENUES, Some(&token), &venue).await;
    expect_problem(response, StatusCode::CONFLICT, Code::VenueDuplicate).await;

    let rows: Vec<(uuid::Uuid, String, String, String, String, String)> = sqlx::query_as(
        "select account_id, channel, action, entity_kind, entity_id, after::text
         from audit_log where channel = 'admin' order by id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let actions: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r.2.as_str(), r.3.as_str(), r.4.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("account.create", "account", "clinic-g"),
            ("account.reset_password", "account", "clinic-g"),
            ("venue.create", "venue", "120"),
        ]
    );
    assert!(rows.iter().all(|r| r.0 == admin && r.1 == "admin"));
    assert!(
        rows.iter()
            .all(|r| !r.5.contains("secret") && !r.5.contains("argon2")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_locked_account_cannot_log_in_until_unlocked_and_the_list_shows_it() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let clinic_token = app.login(&app.accounts.clinic_a).await.token;
    let account = |accounts: &[Value], id: &str| {
        accounts
            .iter()
            .find(|a| a["account_id"] == id)
            .unwrap()
            .clone()
    };
    let before = list(&app, ACCOUNTS, &token, "accounts").await;
    assert!(account(&before, "clinic-a")["last_login_at"].is_string());
    assert!(account(&before, "clinic-e")["last_login_at"].is_null());
    assert!(account(&before, "clinic-a")["locked_at"].is_null());

    let lock = format!("{ACCOUNTS}/clinic-a/lock");
    let response = app.post_json(&lock, Some(&token), &json!({})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let old_session = app.get("/api/v1/clinic/slots", Some(&clinic_token)).await;
    expect_problem(
        old_session,
        StatusCode::UNAUTHORIZED,
        Code::AuthSessionInvalid,
    )
    .await;
    // The right password learns why; a wrong one learns nothing more than before.
    let refused = app.post_login(&app.accounts.clinic_a.login_request()).await;
    let problem = expect_problem(refused, StatusCode::LOCKED, Code::AuthLockedByCity).await;
    assert!(problem.message_ja.contains("市の管理者により停止"));
    let wrong = app
        .post_login(&login_request("clinic-a", "not-the-password"))
        .await;
    expect_problem(
        wrong,
        StatusCode::UNAUTHORIZED,
        Code::AuthInvalidCredentials,
    )
    .await;
    let locked = list(&app, ACCOUNTS, &token, "accounts").await;
    assert!(account(&locked, "clinic-a")["locked_at"].is_string());

    // Its own account an administrator cannot lock; another administrator must.
    let own = format!("{ACCOUNTS}/{}/lock", app.accounts.city_admin.account_id);
    let response = app.post_json(&own, Some(&token), &json!({})).await;
    expect_problem(response, StatusCode::CONFLICT, Code::AccountLockSelf).await;
    let response = app
        .post_json(&format!("{ACCOUNTS}/nobody/lock"), Some(&token), &json!({}))
        .await;
    expect_problem(response, StatusCode::NOT_FOUND, Code::AccountNotFound).await;

    let unlock = format!("{ACCOUNTS}/clinic-a/unlock");
    let response = app.post_json(&unlock, Some(&token), &json!({})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    app.login(&app.accounts.clinic_a).await;
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where entity_kind = 'account' and entity_id = 'clinic-a'
         order by id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["account.lock", "account.unlock"]);
    let admin_still: bool =
        sqlx::query_scalar("select locked_at is null from accounts where role = 'city_admin'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(admin_still);
}
