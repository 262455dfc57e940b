use chrono::{NaiveDate, TimeDelta};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use yoyaku_core::Code;

use crate::support::{TestApp, expect_problem, spawn_app};

const IMPORT: &str = "/api/v1/admin/valid-tickets/import";
/// The demo registry's size.
const DEMO_TICKETS: i64 = 302;

async fn post_csv(app: &TestApp, path: &str, token: &str, csv: impl Into<Vec<u8>>) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header(CONTENT_TYPE, "text/csv; charset=utf-8")
        .body(csv.into())
        .send()
        .await
        .unwrap()
}

async fn admin_token(app: &TestApp) -> String {
    app.login(&app.accounts.city_admin).await.token
}

async fn imported(response: Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["errors"], json!([]));
    assert_eq!(report["error_count"], 0);
    report
}

async fn registry_size(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from valid_tickets")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn birth_date_of(app: &TestApp, ticket: &str) -> Option<NaiveDate> {
    sqlx::query_scalar("select birth_date from valid_tickets where ticket_number = $1")
        .bind(ticket)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

/// `count` tickets from 8000000000 with birth dates from 1930, as the city's file lists them.
fn generated_csv(count: u32) -> String {
    let first = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap();
    let mut csv = String::from("ticket_number,birth_date\n");
    for i in 0..count {
        let birth_date = first + TimeDelta::days(i64::from(i % 27_000));
        csv.push_str(&format!(
            "{},{}\n",
            8_000_000_000_u64 + u64::from(i),
            birth_date
        ));
    }
    csv
}

#[tokio::test]
async fn thousands_of_rows_are_imported_into_the_registry() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    // Under the API's usual 64 KiB: the multi-megabyte file has its own test.
    let csv = generated_csv(2_500);
    assert!(csv.len() < 64 * 1024);
    let report = imported(post_csv(&app, IMPORT, &token, csv).await).await;
    assert_eq!(report["imported"], 2_500);
    assert_eq!(report["unchanged"], 0);
    assert_eq!(report["replaced"], 0);
    assert_eq!(registry_size(&app).await, DEMO_TICKETS + 2_500);
    let last = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + TimeDelta::days(2_499);
    assert_eq!(birth_date_of(&app, "8000002499").await, Some(last));
}

#[tokio::test]
async fn a_bom_crlf_quotes_full_width_digits_and_wareki_are_read() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let csv = "\u{feff}ticket_number,birth_date\r\n\
               ９０１２３４５６７８,1950/01/02\r\n\
               \"9012345679\",\"1950-01-03\"\r\n\
               9012-345-680 , 昭和25年1月4日\r\n\
               \r\n\
               9012345681,S25.1.5";
    let report = imported(post_csv(&app, IMPORT, &token, csv).await).await;
    assert_eq!(report["imported"], 4);
    for (ticket, day) in [
        ("9012345678", 2),
        ("9012345679", 3),
        ("9012345680", 4),
        ("9012345681", 5),
    ] {
        assert_eq!(
            birth_date_of(&app, ticket).await,
            NaiveDate::from_ymd_opt(1950, 1, day),
            "{ticket}"
        );
    }

    let japanese_header = "接種券番号,生年月日\n9012345682,1950-01-06\n";
    let report = imported(post_csv(&app, IMPORT, &token, japanese_header).await).await;
    assert_eq!(report["imported"], 1);
}

#[tokio::test]
async fn bad_lines_are_reported_by_number_and_nothing_is_imported() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let csv = "ticket_number,birth_date\n\
               9100000001,1950-01-01\n\
               910000002,1950-01-02\n\
               9100000003,1945-02-30\n\
               9100000004,1950-01-04,extra\n\
               9100000005,1950-01-05\n\
               9100000001,1950-01-09\n\
               91000000O7,2999-01-01\n";
    let response = post_csv(&app, IMPORT, &token, csv).await;
    let body = response.bytes().await.unwrap();
    let problem: yoyaku_core::Problem = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (problem.status, problem.code.as_str()),
        (422, Code::ValidTicketsInvalidLines.as_str())
    );
    assert!(
        problem.message_ja.contains("6件の誤り"),
        "{}",
        problem.message_ja
    );
    let report: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (report["imported"].clone(), report["error_count"].clone()),
        (json!(0), json!(6))
    );
    let errors: Vec<(u64, Option<Code>)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                Code::parse(e["code"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (3, Some(Code::TicketNumberLength)),
            (4, Some(Code::BirthDateImpossible)),
            (5, Some(Code::ValidTicketsColumns)),
            (7, Some(Code::ValidTicketsDuplicate)),
            (8, Some(Code::TicketNumberNotDigits)),
            (8, Some(Code::BirthDateFuture)),
        ]
    );
    let duplicate = &report["errors"][3];
    assert!(duplicate["message_ja"].as_str().unwrap().contains("2行目"));
    assert!(duplicate["message_en"].as_str().unwrap().contains("line 2"));
    assert_eq!(registry_size(&app).await, DEMO_TICKETS, "nothing imported");

    let headerless = "9100000001,1950-01-01\n";
    let response = post_csv(&app, IMPORT, &token, headerless).await;
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        report["errors"][0]["code"],
        Code::ValidTicketsHeader.as_str()
    );
    assert_eq!(report["errors"][0]["line"], 1);
    let response = post_csv(&app, IMPORT, &token, "").await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::ValidTicketsInvalidLines,
    )
    .await;
}

#[tokio::test]
async fn at_most_a_thousand_errors_are_listed_but_all_are_counted() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let mut csv = String::from("ticket_number,birth_date\n");
    for i in 0..1_500 {
        csv.push_str(&format!("{i},1950-01-01\n"));
    }
    let response = post_csv(&app, IMPORT, &token, csv).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["error_count"], 1_500);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1_000);
    assert_eq!(
        (errors[0]["line"].clone(), errors[999]["line"].clone()),
        (json!(2), json!(1_001))
    );
}

#[tokio::test]
async fn a_reimport_is_unchanged_and_another_birth_date_needs_replace_mode() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    // テスト タロー is in the demo registry with 1945-03-03.
    let csv = "ticket_number,birth_date\n9000000062,1945/03/03\n9200000001,1960-06-01\n";
    let report = imported(post_csv(&app, IMPORT, &token, csv).await).await;
    assert_eq!(
        (report["imported"].clone(), report["unchanged"].clone()),
        (json!(1), json!(1))
    );
    let report = imported(post_csv(&app, IMPORT, &token, csv).await).await;
    assert_eq!(
        (report["imported"].clone(), report["unchanged"].clone()),
        (json!(0), json!(2))
    );

    let corrected = "ticket_number,birth_date\n9200000002,1960-06-02\n9200000001,1960-06-11\n";
    let response = post_csv(&app, IMPORT, &token, corrected).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["errors"][0]["line"], 3);
    assert_eq!(
        report["errors"][0]["code"],
        Code::ValidTicketsBirthDateDiffers.as_str()
    );
    assert_eq!(
        birth_date_of(&app, "9200000002").await,
        None,
        "all or nothing"
    );

    let path = format!("{IMPORT}?mode=replace");
    let report = imported(post_csv(&app, &path, &token, corrected).await).await;
    assert_eq!(
        (
            report["imported"].clone(),
            report["replaced"].clone(),
            report["unchanged"].clone()
        ),
        (json!(1), json!(1), json!(0))
    );
    assert_eq!(
        birth_date_of(&app, "9200000001").await,
        NaiveDate::from_ymd_opt(1960, 6, 11)
    );
}

#[tokio::test]
async fn replace_mode_keeps_the_birth_date_a_resident_is_registered_with() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    sqlx::query(
        "insert into residents (municipality_code, home_code, ticket_number, birth_date,
                                family_name_kana, given_name_kana, sex, phone)
         values ('431001', '431001', '9000000062', '1945-03-03', 'テスト', 'タロー', 'male', '0963281111')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let csv = "ticket_number,birth_date\n9000000062,1945-03-13\n";
    let response = post_csv(&app, &format!("{IMPORT}?mode=replace"), &token, csv).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        report["errors"][0]["code"],
        Code::ValidTicketsResidentRegistered.as_str()
    );
    assert_eq!(
        birth_date_of(&app, "9000000062").await,
        NaiveDate::from_ymd_opt(1945, 3, 3)
    );
}

#[tokio::test]
async fn the_import_takes_a_multi_megabyte_file_while_other_routes_keep_their_limit() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let csv = generated_csv(100_000);
    assert!(csv.len() > 2 * 1024 * 1024);
    let response = post_csv(&app, IMPORT, &token, csv).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the import route's own limit applies, not the API's 64 KiB"
    );
    let report = imported(response).await;
    assert_eq!(report["imported"], 100_000);
    assert_eq!(registry_size(&app).await, DEMO_TICKETS + 100_000);

    // 100 KiB of JSON is still too much for the admin's other routes.
    let padding = "x".repeat(100 * 1024);
    let response = app
        .post_json(
            "/api/v1/admin/accounts",
            Some(&token),
            &json!({"account_id": "big", "display_name": padding, "role": "clinic",
                    "password": "long-enough"}),
        )
        .await;
    expect_problem(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        Code::RequestTooLarge,
    )
    .await;
}

#[tokio::test]
async fn only_city_admins_may_import_and_only_csv() {
    let app = spawn_app().await;
    let csv = "ticket_number,birth_date\n9300000001,1960-06-01\n";
    for account in [&app.accounts.clinic_a, &app.accounts.call_center] {
        let token = app.login(account).await.token;
        let response = post_csv(&app, IMPORT, &token, csv).await;
        expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
    }
    let response = post_csv(&app, IMPORT, "no-such-token", csv).await;
    expect_problem(response, StatusCode::UNAUTHORIZED, Code::AuthSessionInvalid).await;

    let token = admin_token(&app).await;
    let as_json = app
        .post_json(IMPORT, Some(&token), &json!({"csv": csv}))
        .await;
    expect_problem(
        as_json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::RequestUnsupportedMediaType,
    )
    .await;
    let response = post_csv(&app, &format!("{IMPORT}?mode=merge"), &token, csv).await;
    expect_problem(response, StatusCode::BAD_REQUEST, Code::RequestMalformed).await;
    assert_eq!(birth_date_of(&app, "9300000001").await, None);
}

/// The next of a seeded sequence (xorshift64*): the same files every run.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// Files an import may be handed by mistake: random bytes, Shift_JIS-looking bytes, the city's
/// file with bytes spoiled, cut short, or with a byte-order mark and CRLF lines.
fn ugly_files(count: usize) -> Vec<Vec<u8>> {
    let good = generated_csv(20).into_bytes();
    let mut random = 0x7e57_c5f1_u64;
    let mut files = Vec::new();
    for i in 0..count {
        let r = next_random(&mut random);
        let file = match i % 5 {
            0 => (0..r % 2000)
                .map(|_| next_random(&mut random) as u8)
                .collect(),
            1 => (0..r % 400)
                .map(|_| 0x81 + (next_random(&mut random) % 0x1f) as u8)
                .collect(),
            2 => {
                let mut spoiled = good.clone();
                for _ in 0..1 + r % 6 {
                    let at = next_random(&mut random) as usize % spoiled.len();
                    spoiled[at] = next_random(&mut random) as u8;
                }
                spoiled
            }
            3 => good[..r as usize % good.len()].to_vec(),
            _ => [b"\xef\xbb\xbf".as_slice(), &good]
                .concat()
                .iter()
                .flat_map(|&b| {
                    if b == b'\n' {
                        vec![b'\r', b'\n']
                    } else {
                        vec![b]
                    }
                })
                .collect(),
        };
        files.push(file);
    }
    files
}

/// Whatever the file, the import answers with its report or a coded refusal (never a server
/// error), and a refused file changes nothing: all or nothing.
#[tokio::test]
async fn any_file_is_imported_whole_or_refused_with_nothing_changed() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let (mut imported, mut refused) = (0, 0);
    for (i, file) in ugly_files(60).into_iter().enumerate() {
        let before = registry_size(&app).await;
        let response = post_csv(&app, IMPORT, &token, file).await;
        let status = response.status();
        if status == StatusCode::OK {
            let report: Value = response.json().await.unwrap();
            let added = report["imported"].as_i64().unwrap();
            assert_eq!(
                registry_size(&app).await,
                before + added,
                "file {i}: {report}"
            );
            imported += 1;
            continue;
        }
        assert!(status.is_client_error(), "file {i}: {status}");
        let problem: yoyaku_core::Problem = response.json().await.unwrap();
        assert_ne!(problem.known_code(), Code::Unknown, "file {i}: {problem:?}");
        assert!(!problem.message_ja.is_empty() && !problem.message_en.is_empty());
        assert_eq!(
            registry_size(&app).await,
            before,
            "file {i}: refused, yet changed"
        );
        refused += 1;
    }
    // Both ways were taken: the good file with a BOM and CRLF imports, random bytes do not.
    assert!(
        imported >= 12 && refused >= 24,
        "{imported} imported, {refused} refused"
    );
}
