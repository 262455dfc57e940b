//! `yoyaku-city init`: a real municipality's first start, without demo data. The password comes
//! on standard input, as from a script, and must never come out again.

use std::process::{Output, Stdio};

use reqwest::StatusCode;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::process::Command;
use yoyaku_city::throwaway_pg::fresh_database;
use yoyaku_city::{Server, connect};
use yoyaku_core::wire::{LoginRequest, LoginResponse, Role};

/// 八代市: not the demo's municipality, so nothing seeded could stand in for what init made.
const YATSUSHIRO: &str = "432024";
const PASSWORD: &str = "kansai-Tsubame-2021";

struct Init<'a> {
    municipality_code: &'a str,
    admin_account_id: &'a str,
    password: &'a str,
}

const GOOD: Init<'static> = Init {
    municipality_code: YATSUSHIRO,
    admin_account_id: "yatsushiro-admin",
    password: PASSWORD,
};

async fn run_init(database_url: &str, init: &Init<'_>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yoyaku-city"))
        .args([
            "init",
            "--municipality-code",
            init.municipality_code,
            "--name-ja",
            "八代市",
            "--name-en",
            "Yatsushiro City",
            "--admin-account-id",
            init.admin_account_id,
            "--admin-display-name",
            "健康福祉部 健康推進課",
        ])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{}\n", init.password).as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    for printed in [&output.stdout, &output.stderr] {
        let printed = String::from_utf8_lossy(printed);
        assert!(
            !printed.contains(init.password),
            "the password was printed: {printed}"
        );
    }
    output
}

async fn login(server: &Server, account_id: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/v1/login", server.url()))
        .json(&LoginRequest {
            municipality_code: YATSUSHIRO.into(),
            account_id: account_id.into(),
            password: password.into(),
            agreed_to_terms: true,
        })
        .send()
        .await
        .unwrap()
}

async fn serve(database_url: &str) -> (Server, sqlx::PgPool) {
    let pool = connect(database_url).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    (Server::spawn(listener, pool.clone()).unwrap(), pool)
}

#[tokio::test]
async fn init_creates_the_municipality_and_an_administrator_who_can_set_up_the_rest() {
    let database_url = fresh_database().await;
    let output = run_init(&database_url, &GOOD).await;
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(printed.contains("432024") && printed.contains("yatsushiro-admin"));

    let (server, pool) = serve(&database_url).await;
    let response = login(&server, "yatsushiro-admin", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: LoginResponse = response.json().await.unwrap();
    assert_eq!(session.profile.role, Role::CityAdmin);

    // The administrator sets up the rest through the admin API: a clinic, a vaccine, a period.
    let post = |path: &str, body: serde_json::Value| {
        reqwest::Client::new()
            .post(format!("{}/api/v1/admin/{path}", server.url()))
            .bearer_auth(&session.token)
            .json(&body)
            .send()
    };
    let today = yoyaku_core::time::tokyo_today();
    let day = |n: u64| today + chrono::Days::new(n);
    let steps = [
        (
            "accounts",
            serde_json::json!({
                "account_id": "yatsushiro-clinic-1", "display_name": "八代内科",
                "role": "clinic", "password": "first-clinic-pass",
            }),
        ),
        (
            "vaccines",
            serde_json::json!({
                "code": "pfizer", "name_ja": "ファイザー社ワクチン", "name_en": "Pfizer",
                "doses_per_vial": 6, "usable_hours": 6,
                "standard_days": 21, "earliest_days": 19, "warn_after_days": 42,
            }),
        ),
        (
            "periods",
            serde_json::json!({
                "number": 1, "vaccine_code": "pfizer",
                "first_dose": {"first": day(30), "last": day(40)},
                "second_dose": {"first": day(51), "last": day(61)},
                "submission_deadline": day(10), "correction_deadline": day(15),
                "reception_opens": day(20),
            }),
        ),
    ];
    for (path, body) in steps {
        let response = post(path, body).await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{path}");
    }

    let audited = sqlx::query_scalar::<_, String>(
        "select action from audit_log where municipality_code = $1 order by id",
    )
    .bind(YATSUSHIRO)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        audited,
        [
            "municipality.init",
            "account.create",
            "vaccine.create",
            "period.create"
        ]
    );
    let stored: String = sqlx::query_scalar("select password_hash from accounts limit 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains(PASSWORD));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_second_init_of_the_same_municipality_is_refused_and_changes_nothing() {
    let database_url = fresh_database().await;
    assert!(run_init(&database_url, &GOOD).await.status.success());
    let again = Init {
        admin_account_id: "someone-else",
        password: "another-password-1",
        ..GOOD
    };
    let output = run_init(&database_url, &again).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("既に登録されています"), "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");

    let (server, _pool) = serve(&database_url).await;
    assert_eq!(
        login(&server, "yatsushiro-admin", PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        login(&server, "someone-else", "another-password-1")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_input_is_refused_in_both_languages_and_stores_nothing() {
    let database_url = fresh_database().await;
    let cases = [
        (
            Init {
                municipality_code: "432025",
                ..GOOD
            },
            "check digit",
        ),
        (
            Init {
                admin_account_id: "八代 管理者",
                ..GOOD
            },
            "アカウントID",
        ),
        (
            Init {
                password: "Xq7#z",
                ..GOOD
            },
            "8〜128文字",
        ),
    ];
    for (init, expected) in &cases {
        let output = run_init(&database_url, init).await;
        assert!(!output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{expected}: {stderr}");
        // Two lines: Japanese, then English.
        assert!(stderr.lines().count() >= 2, "{stderr}");
    }
    let pool = connect(&database_url).await.unwrap();
    let municipalities: i64 = sqlx::query_scalar("select count(*) from municipalities")
        .fetch_one(&pool)
        .await
        .unwrap();
    let accounts: i64 = sqlx::query_scalar("select count(*) from accounts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((municipalities, accounts), (0, 0));
}
