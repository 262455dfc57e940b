use reqwest::StatusCode;
use serde_json::{Value, json};
use yoyaku_core::Code;

use crate::support::{
    KUMAMOTO, TestApp, assert_problem_content_type, book, demo_slot, expect_json, expect_problem,
    key_json, next_slot_day, spawn_app, today_slot,
};

/// The manual's resident: テスト タロー, 9000000062, born 1945-03-03.
const TICKET: &str = "9000000062";
const BORN: &str = "1945-03-03";

fn registration(birth_date: &str) -> Value {
    json!({
        "birth_date": birth_date,
        "family_name_kana": "ﾃｽﾄ",
        "given_name_kana": "たろー",
        "sex": "male",
        "phone": "０９６－１２３－４５６７",
        "email": " taro＠example.jp ",
        "memo": "",
    })
}

async fn register(app: &TestApp, token: Option<&str>, ticket: &str, birth_date: &str) -> Value {
    let response = app
        .put_json(
            &format!("/api/v1/residents/{KUMAMOTO}/{ticket}"),
            token,
            &registration(birth_date),
        )
        .await;
    expect_json(response, StatusCode::CREATED).await
}

async fn lookup(app: &TestApp, token: Option<&str>, body: &Value) -> reqwest::Response {
    app.post_json("/api/v1/residents/lookup", token, body).await
}

#[tokio::test]
async fn the_registry_is_checked_by_number_or_ocr_line_and_any_birth_date_spelling() {
    let app = spawn_app().await;
    for (ticket, birth_date) in [
        (TICKET, BORN),
        ("９０００ ０００－０６２", "S20.3.3"),
        (TICKET, "昭和20年3月3日"),
        (TICKET, "１９４５／０３／０３"),
    ] {
        let found = expect_json(
            lookup(&app, None, &key_json(ticket, birth_date)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            found["resident"],
            json!({"municipality_code": KUMAMOTO, "ticket_number": TICKET, "birth_date": BORN})
        );
        assert_eq!(found["registered"], false);
        assert_eq!(found["details"], Value::Null);
        assert_eq!(found["bookings"], json!([]));
    }
    // The 18-digit OCR line fills the municipality code too.
    let ocr = json!({"ticket": "114310019000000062", "birth_date": BORN});
    let found = expect_json(lookup(&app, None, &ocr).await, StatusCode::OK).await;
    assert_eq!(found["resident"]["municipality_code"], KUMAMOTO);
}

#[tokio::test]
async fn a_made_up_ticket_and_a_wrong_birth_date_get_one_and_the_same_answer() {
    let app = spawn_app().await;
    let mut answers = Vec::new();
    for (ticket, birth_date) in [("9999999999", BORN), (TICKET, "1945-03-04")] {
        let response = lookup(&app, None, &key_json(ticket, birth_date)).await;
        let status = response.status();
        answers.push((status, response.bytes().await.unwrap()));
    }
    assert_eq!(answers[0], answers[1]);
    let problem = expect_problem(
        lookup(&app, None, &key_json("9999999999", BORN)).await,
        StatusCode::NOT_FOUND,
        Code::TicketNotInRegistry,
    )
    .await;
    assert!(problem.message_ja.contains("接種券番号と生年月日"));
    // Registering or booking with them is refused the same way, and writes nothing.
    let response = app
        .put_json(
            &format!("/api/v1/residents/{KUMAMOTO}/9999999999"),
            None,
            &registration(BORN),
        )
        .await;
    expect_problem(response, StatusCode::NOT_FOUND, Code::TicketNotInRegistry).await;
    let response = app
        .put_json(
            &format!("/api/v1/residents/{KUMAMOTO}/{TICKET}"),
            None,
            &registration("1945-03-04"),
        )
        .await;
    expect_problem(response, StatusCode::NOT_FOUND, Code::TicketNotInRegistry).await;
    let residents: i64 = sqlx::query_scalar("select count(*) from residents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(residents, 0);
}

#[tokio::test]
async fn malformed_keys_get_the_parsers_codes() {
    let app = spawn_app().await;
    for (body, code) in [
        (key_json("900000062", BORN), Code::TicketNumberLength),
        (key_json("90000O0062", BORN), Code::TicketNumberNotDigits),
        (key_json("", BORN), Code::TicketNumberRequired),
        (key_json(TICKET, "1945/02/30"), Code::BirthDateImpossible),
        (
            key_json(TICKET, "昭和64年1月8日"),
            Code::BirthDateOutsideEra,
        ),
        (key_json(TICKET, "2999-01-01"), Code::BirthDateFuture),
        (
            json!({"municipality_code": "431002", "ticket": TICKET, "birth_date": BORN}),
            Code::MunicipalityCodeCheckDigit,
        ),
        (
            json!({"ticket": TICKET, "birth_date": BORN}),
            Code::MunicipalityCodeFormat,
        ),
        (
            json!({"municipality_code": KUMAMOTO, "ticket": "111310169000000062", "birth_date": BORN}),
            Code::TicketMunicipalityMismatch,
        ),
    ] {
        let response = lookup(&app, None, &body).await;
        expect_problem(response, StatusCode::BAD_REQUEST, code).await;
    }
}

#[tokio::test]
async fn registration_stores_the_normalised_form_audits_it_and_a_change_follows() {
    let app = spawn_app().await;
    let login = app.login(&app.accounts.clinic_a).await;
    let token = Some(login.token.as_str());

    let created = register(&app, token, TICKET, "S20.3.3").await;
    assert_eq!(
        created["details"],
        json!({
            "family_name_kana": "テスト",
            "given_name_kana": "タロー",
            "sex": "male",
            "phone": "0961234567",
            "email": "taro@example.jp",
            "memo": "",
        })
    );
    let mut change = registration(BORN);
    change["memo"] = "耳が遠いのでゆっくり".into();
    let response = app
        .put_json(
            &format!("/api/v1/residents/{KUMAMOTO}/{TICKET}"),
            token,
            &change,
        )
        .await;
    let changed = expect_json(response, StatusCode::OK).await;
    assert_eq!(changed["details"]["memo"], "耳が遠いのでゆっくり");

    // The clinic registered them, so it sees them.
    let found = expect_json(
        lookup(&app, token, &key_json(TICKET, BORN)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["registered"], true);
    assert_eq!(found["details"]["memo"], "耳が遠いのでゆっくり");

    let clinic_a = app.account_uuid("clinic-a").await;
    let audit = sqlx::query_as::<_, AuditRow>(
        "select action, account_id, channel, before::text as before, after::text as after
         from audit_log where entity_kind = 'resident' and entity_id = $1 order by id",
    )
    .bind(TICKET)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(
        (
            audit[0].action.as_str(),
            audit[0].account_id,
            audit[0].channel.as_str()
        ),
        ("resident.register", Some(clinic_a), "clinic")
    );
    assert_eq!(audit[0].before, None);
    assert_eq!(audit[1].action, "resident.update");
    let before: Value = serde_json::from_str(audit[1].before.as_deref().unwrap()).unwrap();
    let after: Value = serde_json::from_str(&audit[1].after).unwrap();
    assert_eq!(
        (before["memo"].as_str(), after["memo"].as_str()),
        (Some(""), Some("耳が遠いのでゆっくり"))
    );
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    action: String,
    account_id: Option<uuid::Uuid>,
    channel: String,
    before: Option<String>,
    after: String,
}

#[tokio::test]
async fn every_field_error_is_reported_at_once_and_nothing_is_stored() {
    let app = spawn_app().await;
    let body = json!({
        "birth_date": BORN,
        "family_name_kana": "",
        "given_name_kana": "taro",
        "phone": "123",
        "email": "taro@",
    });
    let response = app
        .put_json(
            &format!("/api/v1/residents/{KUMAMOTO}/{TICKET}"),
            None,
            &body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_problem_content_type(response.headers());
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], Code::ResidentInvalid.as_str());
    let fields: Vec<(&str, Option<Code>)> = problem["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap(),
                Code::parse(f["code"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("family_name_kana", Some(Code::KanaNameRequired)),
            ("given_name_kana", Some(Code::KanaNameLatin)),
            ("sex", Some(Code::SexRequired)),
            ("phone", Some(Code::PhoneInvalid)),
            ("email", Some(Code::EmailInvalid)),
        ]
    );
    let message_ja = problem["message_ja"].as_str().unwrap();
    for label in ["姓(カナ)", "名(カナ)", "性別", "電話番号", "メールアドレス"] {
        assert!(message_ja.contains(label), "{message_ja}");
    }
    let residents: i64 = sqlx::query_scalar("select count(*) from residents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let audit: i64 = sqlx::query_scalar("select count(*) from audit_log")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!((residents, audit), (0, 0));
}

#[tokio::test]
async fn without_the_key_no_endpoint_shows_a_clinic_another_clinics_resident() {
    let app = spawn_app().await;
    let a = app.login(&app.accounts.clinic_a).await.token;
    let e = app.login(&app.accounts.clinic_e).await.token;
    let call_center = app.login(&app.accounts.call_center).await.token;
    register(&app, Some(&a), TICKET, BORN).await;
    let slot = demo_slot(&app.pool, 101, next_slot_day(), "0900", "private").await;
    book(&app, Some(&a), TICKET, BORN, slot, 1).await;

    let detail_path = format!("/api/v1/residents/{KUMAMOTO}/{TICKET}");
    expect_problem(
        app.get(&detail_path, Some(&e)).await,
        StatusCode::NOT_FOUND,
        Code::ResidentNotFound,
    )
    .await;
    for query in [
        format!("ticket_number={TICKET}"),
        "kana=テスト".into(),
        "phone=0961234567".into(),
    ] {
        let hits = expect_json(
            app.get(&format!("/api/v1/residents?{query}"), Some(&e))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(hits["residents"], json!([]), "{query}");
    }
    // A wrong birth date proves nothing.
    expect_problem(
        lookup(&app, Some(&e), &key_json(TICKET, "1945-03-04")).await,
        StatusCode::NOT_FOUND,
        Code::TicketNotInRegistry,
    )
    .await;
    expect_problem(
        app.get(&detail_path, Some(&e)).await,
        StatusCode::NOT_FOUND,
        Code::ResidentNotFound,
    )
    .await;

    // A and the call center see them, with the booking.
    for token in [&a, &call_center] {
        let detail = expect_json(app.get(&detail_path, Some(token)).await, StatusCode::OK).await;
        assert_eq!(detail["details"]["family_name_kana"], "テスト");
        assert_eq!(detail["bookings"].as_array().unwrap().len(), 1);
    }
    // The web sees its own bookings but never the contact details.
    let found = expect_json(
        lookup(&app, None, &key_json(TICKET, BORN)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["details"], Value::Null);
    assert_eq!(found["bookings"][0]["status"], "reserved");
}

/// Manual 2-1: registration is needed only the first time, wherever it was made. The key the
/// caller reads out is their consent for the clinic they call.
#[tokio::test]
async fn the_key_read_out_by_the_caller_lets_another_clinic_see_change_and_book_them() {
    let app = spawn_app().await;
    let a = app.login(&app.accounts.clinic_a).await.token;
    let e = app.login(&app.accounts.clinic_e).await.token;
    register(&app, Some(&a), TICKET, BORN).await;
    let first_day = next_slot_day();
    let slot = demo_slot(&app.pool, 101, first_day, "0900", "private").await;
    book(&app, Some(&a), TICKET, BORN, slot, 1).await;

    let found = expect_json(
        lookup(&app, Some(&e), &key_json(TICKET, "S20.3.3")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["registered"], true);
    assert_eq!(found["details"]["family_name_kana"], "テスト");
    assert_eq!(found["details"]["phone"], "0961234567");
    // Dose 1 at A is in the 予約履歴, for E to book dose 2 after it.
    assert_eq!(found["bookings"].as_array().unwrap().len(), 1);
    assert_eq!(found["bookings"][0]["dose"], 1);
    let detail_path = format!("/api/v1/residents/{KUMAMOTO}/{TICKET}");
    let detail = expect_json(app.get(&detail_path, Some(&e)).await, StatusCode::OK).await;
    assert_eq!(detail["bookings"].as_array().unwrap().len(), 1);

    // Searching by kana or phone stays limited to E's own residents.
    let hits = expect_json(
        app.get("/api/v1/residents?kana=テスト", Some(&e)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(hits["residents"], json!([]));

    // 情報変更 by E, audited as E's with what changed.
    let mut changed = registration(BORN);
    changed["phone"] = json!("0968889999");
    let response = app.put_json(&detail_path, Some(&e), &changed).await;
    let body = expect_json(response, StatusCode::OK).await;
    assert_eq!(body["details"]["phone"], "0968889999");
    let (who, before, after): (String, String, String) = sqlx::query_as(
        "select a.account_id, l.before->>'phone', l.after->>'phone'
         from audit_log l join accounts a on a.id = l.account_id
         where l.action = 'resident.update'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (who.as_str(), before.as_str(), after.as_str()),
        ("clinic-e", "0961234567", "0968889999")
    );

    // Dose 2 at E, 21 days after dose 1 at A.
    let dose_2 = demo_slot(
        &app.pool,
        105,
        first_day + chrono::Days::new(21),
        "0900",
        "private",
    )
    .await;
    book(&app, Some(&e), TICKET, BORN, dose_2, 2).await;
    let hits = expect_json(
        app.get("/api/v1/residents?kana=テスト", Some(&e)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(hits["residents"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn another_municipalitys_ticket_is_a_resident_from_elsewhere_here_and_shows_nothing_of_there()
{
    let app = spawn_app().await;
    let token = app.login(&app.accounts.call_center).await.token;
    // Chiyoda's ticket 9000000062 is not Kumamoto's テスト タロー: nothing registered here.
    register(&app, Some(&token), TICKET, BORN).await;
    let chiyoda = json!({"municipality_code": "131016", "ticket": TICKET, "birth_date": BORN});
    let answer = expect_json(lookup(&app, Some(&token), &chiyoda).await, StatusCode::OK).await;
    assert_eq!(answer["registered"], false);
    assert_eq!(answer["details"], Value::Null);
    assert_eq!(answer["bookings"], json!([]));
    expect_problem(
        app.get(&format!("/api/v1/residents/131016/{TICKET}"), Some(&token))
            .await,
        StatusCode::NOT_FOUND,
        Code::ResidentNotFound,
    )
    .await;
}

#[tokio::test]
async fn search_normalises_what_was_typed_and_shows_the_dose_columns() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.call_center).await.token;
    register(&app, Some(&token), TICKET, BORN).await;
    register(&app, Some(&token), "9000000001", "1945-01-01").await;
    let slot = demo_slot(&app.pool, 101, next_slot_day(), "0900", "public").await;
    book(&app, Some(&token), TICKET, BORN, slot, 1).await;

    let search = |query: &str| {
        let app = &app;
        let token = &token;
        let path = format!("/api/v1/residents?{query}");
        async move { expect_json(app.get(&path, Some(token)).await, StatusCode::OK).await }
    };
    let both = search("kana=%EF%BE%83%EF%BD%BD").await; // ﾃｽ, half-width
    assert_eq!(both["residents"].as_array().unwrap().len(), 2);
    assert_eq!(both["has_more"], false);
    for query in [
        "kana=%E3%81%A6%E3%81%99%E3%81%A8%E3%80%80%E3%81%9F%E3%82%8D%E3%83%BC", // てすと　たろー
        "ticket_number=%EF%BC%99%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%96%EF%BC%92", // ９０００００００６２
        "ticket_number=114310019000000062&phone=096-123-4567",
    ] {
        let hits = search(query).await;
        let hits = hits["residents"].as_array().unwrap();
        assert_eq!(
            hits.len(),
            2 - usize::from(query.starts_with("ticket")),
            "{query}"
        );
    }
    let one = search(&format!("ticket_number={TICKET}")).await;
    let hit = &one["residents"][0];
    assert_eq!(hit["ticket_number"], TICKET);
    assert_eq!(hit["birth_date"], BORN);
    assert_eq!(hit["family_name_kana"], "テスト");
    assert_eq!(hit["first_dose"]["status"], "reserved");
    assert_eq!(hit["first_dose"]["status_label_ja"], "予約済み");
    assert_eq!(hit["first_dose"]["venue_name"], "A胃腸科内科医院");
    assert_eq!(hit["second_dose"], Value::Null);

    for (query, code) in [
        ("", Code::ResidentSearchCriteriaRequired),
        ("kana=%20&phone=", Code::ResidentSearchCriteriaRequired),
        ("kana=taro", Code::KanaNameLatin),
        ("phone=123", Code::PhoneInvalid),
        ("ticket_number=123", Code::TicketNumberLength),
    ] {
        let response = app
            .get(&format!("/api/v1/residents?{query}"), Some(&token))
            .await;
        expect_problem(response, StatusCode::BAD_REQUEST, code).await;
    }
    expect_problem(
        app.get("/api/v1/residents?kana=%E3%83%86", None).await,
        StatusCode::UNAUTHORIZED,
        Code::AuthSessionInvalid,
    )
    .await;
}

#[tokio::test]
async fn the_detail_shows_booking_and_vaccination_history() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    register(&app, Some(&token), TICKET, BORN).await;
    let day = next_slot_day();
    let cancelled = book(
        &app,
        Some(&token),
        TICKET,
        BORN,
        demo_slot(&app.pool, 101, day, "0900", "private").await,
        1,
    )
    .await;
    let cancel = app
        .post_json(
            &format!("/api/v1/bookings/{cancelled}/cancel"),
            Some(&token),
            &json!({}),
        )
        .await;
    expect_json(cancel, StatusCode::OK).await;
    // Given today: reception happens on the booking's day.
    let given = book(
        &app,
        Some(&token),
        TICKET,
        BORN,
        today_slot(&app.pool, app.venue_id(101).await, "private").await,
        1,
    )
    .await;
    for (action, body) in [
        ("check-in", json!({})),
        ("vaccination", json!({"lot_number": "ｆｆ３６２０"})),
    ] {
        let response = app
            .post_json(
                &format!("/api/v1/bookings/{given}/{action}"),
                Some(&token),
                &body,
            )
            .await;
        expect_json(response, StatusCode::OK).await;
    }

    let detail = expect_json(
        app.get(
            &format!("/api/v1/residents/{KUMAMOTO}/{TICKET}"),
            Some(&token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["resident"]["birth_date"], BORN);
    assert_eq!(detail["details"]["phone"], "0961234567");
    let statuses: Vec<_> = detail["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status_label_ja"].as_str().unwrap())
        .collect();
    // In the order of their slots: today's dose, then the cancelled booking of a later day.
    assert_eq!(statuses, ["接種済み", "キャンセル"]);
    let vaccinations = detail["vaccinations"].as_array().unwrap();
    assert_eq!(vaccinations.len(), 1);
    assert_eq!(vaccinations[0]["lot_number"], "FF3620");
    assert_eq!(vaccinations[0]["dose"], 1);
    assert_eq!(vaccinations[0]["venue_name"], "A胃腸科内科医院");

    expect_problem(
        app.get(
            &format!("/api/v1/residents/{KUMAMOTO}/9000000001"),
            Some(&token),
        )
        .await,
        StatusCode::NOT_FOUND,
        Code::ResidentNotFound,
    )
    .await;
    expect_problem(
        app.get(
            &format!("/api/v1/residents/{KUMAMOTO}/900000001"),
            Some(&token),
        )
        .await,
        StatusCode::BAD_REQUEST,
        Code::TicketNumberLength,
    )
    .await;
}
