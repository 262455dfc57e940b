use chrono::{NaiveDate, NaiveTime, TimeDelta};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;
use yoyaku_core::Code;
use yoyaku_core::time::{from_tokyo, tokyo_today};

use crate::support::{TestApp, expect_problem, spawn_app};

pub(crate) const PERIODS: &str = "/api/v1/admin/periods";

/// A city admin's session.
pub(crate) struct Admin<'a> {
    pub app: &'a TestApp,
    pub token: String,
}

impl<'a> Admin<'a> {
    pub async fn login(app: &'a TestApp) -> Self {
        let token = app.login(&app.accounts.city_admin).await.token;
        Self { app, token }
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.app.post_json(path, Some(&self.token), &body).await
    }

    async fn create_period(&self, spec: Value) -> Response {
        self.post(PERIODS, spec).await
    }

    pub async fn set_cap(&self, period: u32, clinic: &str, doses: u32) -> Response {
        let path = format!("{PERIODS}/{period}/caps/{clinic}");
        let body = json!({"doses": doses});
        self.app.put_json(&path, Some(&self.token), &body).await
    }

    pub async fn report(&self, period: u32, venue: u32, form: &str, rows: Vec<Value>) -> Response {
        let path = format!("{PERIODS}/{period}/slot-reports");
        let body = json!({"clinic_account_id": "clinic-a", "venue_number": venue, "form": form,
                          "rows": rows});
        self.post(&path, body).await
    }

    /// A period that takes reports until `correction` days from today, with a cap for clinic-a.
    pub async fn period_with_cap(&self, number: u32, correction: i64, cap: u32) -> Dates {
        let dates = Dates::from_today(correction);
        let response = self.create_period(dates.spec(number)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let response = self.set_cap(number, "clinic-a", cap).await;
        assert_eq!(response.status(), StatusCode::OK);
        dates
    }
}

/// A period's dates, counted from today in Tokyo.
pub(crate) struct Dates {
    pub submission: NaiveDate,
    pub correction: NaiveDate,
    pub opens: NaiveDate,
    pub first_dose: NaiveDate,
    pub second_dose: NaiveDate,
}

impl Dates {
    fn from_today(correction: i64) -> Self {
        let day = |offset: i64| tokyo_today() + TimeDelta::days(offset);
        Self {
            submission: day(correction - 5),
            correction: day(correction),
            opens: day(correction + 3),
            first_dose: day(correction + 12),
            second_dose: day(correction + 33),
        }
    }

    /// Both windows are 16 days, as in the notice.
    fn spec(&self, number: u32) -> Value {
        let last = |first: NaiveDate| first + TimeDelta::days(15);
        json!({
            "number": number,
            "first_dose": {"first": self.first_dose, "last": last(self.first_dose)},
            "second_dose": {"first": self.second_dose, "last": last(self.second_dose)},
            "submission_deadline": self.submission,
            "correction_deadline": self.correction,
            "reception_opens": self.opens,
            "vaccine_code": "pfizer",
        })
    }
}

pub(crate) fn row(date: NaiveDate, start: &str, public_seats: u32, private_seats: u32) -> Value {
    let start_time = NaiveTime::parse_from_str(start, "%H:%M").unwrap();
    let end = (start_time + TimeDelta::minutes(30))
        .format("%H:%M")
        .to_string();
    json!({"date": date, "start": start, "end": end, "public_seats": public_seats,
           "private_seats": private_seats})
}

pub(crate) fn name(visibility: &str, venue: u32, date: NaiveDate, start: &str) -> String {
    let channel = match visibility {
        "public" => "WEB・コールセンター受付",
        _ => "医療機関受付分",
    };
    format!(
        "【（第８期）{channel}】{venue:03}.{}.{}",
        date.format("%Y%m%d"),
        start.replace(':', "")
    )
}

async fn accepted(response: Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

pub(crate) fn slot_names(report: &Value) -> Vec<String> {
    report["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| slot["name"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn periods_are_validated_by_the_domain_rules_and_unique() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let dates = Dates::from_today(10);
    let response = admin.create_period(dates.spec(8)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["label_ja"], "第８期");
    assert_eq!(created["first_dose"]["first"], json!(dates.first_dose));

    let again = admin.create_period(dates.spec(8)).await;
    expect_problem(again, StatusCode::CONFLICT, Code::PeriodDuplicate).await;

    let broken = |change: &dyn Fn(&mut Value)| {
        let mut spec = dates.spec(9);
        change(&mut spec);
        spec
    };
    for (spec, status, code) in [
        (
            broken(&|s| s["number"] = json!(0)),
            StatusCode::BAD_REQUEST,
            Code::PeriodNumber,
        ),
        (
            broken(&|s| s["first_dose"]["last"] = json!(dates.opens)),
            StatusCode::BAD_REQUEST,
            Code::PeriodEmptyWindow,
        ),
        (
            broken(&|s| s["second_dose"]["first"] = json!(dates.first_dose)),
            StatusCode::BAD_REQUEST,
            Code::PeriodWindowsOrder,
        ),
        (
            broken(&|s| s["reception_opens"] = json!(dates.submission - TimeDelta::days(1))),
            StatusCode::BAD_REQUEST,
            Code::PeriodDeadlinesOrder,
        ),
        (
            broken(&|s| s["vaccine_code"] = json!("moderna")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::VaccineUnknown,
        ),
    ] {
        let response = admin.create_period(spec).await;
        expect_problem(response, status, code).await;
    }
    // Period 8, and the demo's own.
    assert_eq!(count(&app, "select count(*) from periods").await, 2);

    for (clinic, status, code) in [
        (
            "callcenter",
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::AccountNotAClinic,
        ),
        ("nobody", StatusCode::NOT_FOUND, Code::AccountNotFound),
    ] {
        let response = admin.set_cap(8, clinic, 10).await;
        expect_problem(response, status, code).await;
    }
    let response = admin.set_cap(9, "clinic-a", 10).await;
    expect_problem(response, StatusCode::NOT_FOUND, Code::PeriodNotFound).await;
}

#[tokio::test]
async fn a_form_3_report_for_the_eighth_period_sets_up_the_notices_slots() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let dates = admin.period_with_cap(8, 10, 60).await;
    let (first, second) = (dates.first_dose, dates.second_dose);
    let rows = vec![
        row(first, "09:00", 3, 2),
        row(first, "10:00", 3, 0),
        row(second, "09:00", 0, 2),
    ];
    let report = accepted(admin.report(8, 101, "both", rows).await).await;
    assert_eq!(
        (
            &report["dose_cap"],
            &report["total_seats"],
            &report["own_reception"]
        ),
        (&json!(60), &json!(10), &json!(50)),
        "独自の受付枠 is the cap less the reported seats"
    );
    assert_eq!(
        slot_names(&report),
        [
            name("public", 101, first, "09:00"),
            name("private", 101, first, "09:00"),
            name("public", 101, first, "10:00"),
            name("private", 101, second, "09:00"),
        ]
    );
    assert_eq!(
        slot_names(&report)[0],
        format!(
            "【（第８期）WEB・コールセンター受付】101.{}.0900",
            first.format("%Y%m%d")
        )
    );
    let slot = &report["slots"][1];
    assert_eq!(
        (&slot["visibility"], &slot["capacity"]),
        (&json!("private"), &json!(2))
    );
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    assert_eq!(slot["starts_at"], json!(from_tokyo(first, nine)));

    let in_period = "select count(*) from slots where period_number = 8";
    assert_eq!(count(&app, in_period).await, 4);
    let (form, rows, by): (i16, i64, String) = sqlx::query_as(
        "select r.form, jsonb_array_length(r.rows)::bigint, a.account_id
         from slot_reports r join accounts a on a.id = r.received_by",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((form, rows, by.as_str()), (3, 3, "city-admin"));

    // The clinic sees its new slots; the cap cannot drop below them.
    let token = app.login(&app.accounts.clinic_a).await.token;
    let query = format!("/api/v1/clinic/slots?from={first}&to={first}");
    let list: Value = app.get(&query, Some(&token)).await.json().await.unwrap();
    let names: Vec<_> = list["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert!(names.contains(&json!(name("public", 101, first, "10:00"))));
    let response = admin.set_cap(8, "clinic-a", 9).await;
    expect_problem(response, StatusCode::CONFLICT, Code::PeriodCapBelowSlots).await;
    let response = admin.set_cap(8, "clinic-a", 10).await;
    let cap: Value = response.json().await.unwrap();
    assert_eq!(
        (&cap["seats"], &cap["own_reception"]),
        (&json!(10), &json!(0))
    );
}

#[tokio::test]
async fn a_report_over_the_cap_is_refused_with_every_row_problem() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let dates = admin.period_with_cap(8, 10, 5).await;
    let first = dates.first_dose;
    let between_windows = first + TimeDelta::days(18);
    let rows = vec![
        row(first, "09:00", 3, 0),
        row(between_windows, "09:00", 3, 0),
        row(first, "10:00", 3, 2),
        row(first, "09:00", 1, 0),
    ];
    let response = admin.report(8, 101, "public_only", rows).await;
    let problem = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SlotReportInvalid,
    )
    .await;
    for expected in [
        "2行目",
        "3行目",
        "4行目: 1行目と時間が重なっています",
        "接種可能上限量5",
    ] {
        assert!(
            problem.message_ja.contains(expected),
            "{expected}: {}",
            problem.message_ja
        );
    }
    assert!(
        problem.message_en.contains("row 2"),
        "{}",
        problem.message_en
    );
    assert_eq!(
        count(&app, "select count(*) from slots where period_number = 8").await,
        0
    );
    assert_eq!(count(&app, "select count(*) from slot_reports").await, 0);

    // The cap is over all the clinic's venues.
    let venue = json!({"venue_number": 102, "name": "A胃腸科内科医院 別館",
                       "clinic_account_id": "clinic-a"});
    let response = admin.post("/api/v1/admin/venues", venue).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    accepted(
        admin
            .report(8, 101, "public_only", vec![row(first, "09:00", 3, 0)])
            .await,
    )
    .await;
    let response = admin
        .report(8, 102, "public_only", vec![row(first, "09:00", 3, 0)])
        .await;
    let problem = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SlotReportInvalid,
    )
    .await;
    assert!(
        problem.message_ja.contains("接種可能上限量2"),
        "{}",
        problem.message_ja
    );
    let report = accepted(
        admin
            .report(8, 102, "public_only", vec![row(first, "09:00", 2, 0)])
            .await,
    )
    .await;
    assert_eq!(report["own_reception"], 0);

    let response = admin
        .report(8, 105, "public_only", vec![row(first, "09:00", 1, 0)])
        .await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::VenueOtherClinic,
    )
    .await;

    let absurd = vec![row(first, "11:00", u32::MAX, 1)];
    let response = admin.report(8, 101, "both", absurd).await;
    expect_problem(response, StatusCode::BAD_REQUEST, Code::RequestMalformed).await;
}

#[tokio::test]
async fn after_the_correction_deadline_the_city_enters_a_report_only_when_warned() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let dates = admin.period_with_cap(8, -1, 60).await;
    let rows = vec![row(dates.first_dose, "09:00", 3, 2)];
    let response = admin.report(8, 101, "both", rows.clone()).await;
    let problem = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SlotReportLate,
    )
    .await;
    let opens = format!(
        "{}の受付開始に間に合わない",
        dates.opens.format("%-m月%-d日")
    );
    assert!(
        problem.message_ja.contains(&opens),
        "{}",
        problem.message_ja
    );
    assert_eq!(
        count(&app, "select count(*) from slots where period_number = 8").await,
        0
    );

    let path = format!("{PERIODS}/8/slot-reports");
    let body = json!({"clinic_account_id": "clinic-a", "venue_number": 101, "form": "both",
                      "rows": rows, "late_correction": true});
    let report = accepted(admin.post(&path, body).await).await;
    assert_eq!(report["late"], true);
    assert!(report["warning_ja"].as_str().unwrap().contains(&opens));
    assert_eq!(slot_names(&report).len(), 2);
    assert_eq!(
        count(
            &app,
            "select count(*) from slot_reports where late and state = 'set_up'"
        )
        .await,
        1
    );

    let response = admin.report(9, 101, "both", vec![]).await;
    expect_problem(response, StatusCode::NOT_FOUND, Code::PeriodNotFound).await;
}

#[tokio::test]
async fn a_resubmission_replaces_unbooked_slots_and_keeps_booked_ones() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let first = admin.period_with_cap(8, 10, 60).await.first_dose;
    let report = accepted(
        admin
            .report(
                8,
                101,
                "both",
                vec![
                    row(first, "09:00", 3, 2),
                    row(first, "10:00", 3, 0),
                    row(first, "11:00", 3, 0),
                ],
            )
            .await,
    )
    .await;
    let id_of = |report: &Value, name: &str| {
        report["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|slot| slot["name"] == name)
            .map(|slot| slot["id"].clone())
    };
    let ten = name("public", 101, first, "10:00");
    let ten_id = id_of(&report, &ten).unwrap();
    sqlx::query("update slots set booked = 2 where id = $1")
        .bind(Uuid::parse_str(ten_id.as_str().unwrap()).unwrap())
        .execute(&app.pool)
        .await
        .unwrap();

    // Dropping the booked 10:00 slot, or leaving it fewer seats than bookings, is refused.
    for rows in [
        vec![row(first, "09:00", 4, 2), row(first, "13:00", 3, 0)],
        vec![row(first, "09:00", 4, 2), row(first, "10:00", 1, 0)],
    ] {
        let response = admin.report(8, 101, "both", rows).await;
        let problem =
            expect_problem(response, StatusCode::CONFLICT, Code::SlotReportBookedSlots).await;
        assert!(problem.message_ja.contains(&ten), "{}", problem.message_ja);
    }
    assert_eq!(
        count(&app, "select count(*) from slots where period_number = 8").await,
        4
    );

    let rows = vec![
        row(first, "09:00", 4, 0),
        row(first, "10:00", 2, 0),
        row(first, "13:00", 3, 0),
    ];
    let report = accepted(admin.report(8, 101, "public_only", rows).await).await;
    assert_eq!(
        slot_names(&report),
        [
            name("public", 101, first, "09:00"),
            ten.clone(),
            name("public", 101, first, "13:00"),
        ]
    );
    assert_eq!(
        id_of(&report, &ten),
        Some(ten_id),
        "the booked slot is kept"
    );
    assert_eq!(
        (
            &report["slots"][1]["capacity"],
            &report["slots"][1]["booked"]
        ),
        (&json!(2), &json!(2))
    );
    assert_eq!(
        report["removed_slots"], 2,
        "the 9:00 private and the 11:00 slots"
    );
    assert_eq!(
        (&report["total_seats"], &report["own_reception"]),
        (&json!(9), &json!(51))
    );
    assert_eq!(count(&app, "select count(*) from slot_reports").await, 2);
}

#[tokio::test]
async fn opening_a_period_turns_earlier_periods_public_slots_private_once() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let seventh = admin.period_with_cap(7, 10, 60).await.first_dose;
    let eighth = admin.period_with_cap(8, 10, 60).await.second_dose;
    accepted(
        admin
            .report(
                7,
                101,
                "both",
                vec![row(seventh, "09:00", 3, 2), row(seventh, "10:00", 3, 0)],
            )
            .await,
    )
    .await;
    accepted(
        admin
            .report(8, 101, "public_only", vec![row(eighth, "09:00", 3, 0)])
            .await,
    )
    .await;
    let public = |period: u32| {
        format!(
            "select count(*) from slots where period_number = {period} and visibility = 'public'"
        )
    };
    let unassigned_public =
        "select count(*) from slots where period_number is null and visibility = 'public'";
    let demo_public = count(&app, unassigned_public).await;
    assert!(demo_public > 0);

    let open = format!("{PERIODS}/8/open");
    let response = admin.post(&open, json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let opened: Value = response.json().await.unwrap();
    assert_eq!(
        (
            &opened["slots_made_private"],
            &opened["slots_made_private_total"]
        ),
        (&json!(2), &json!(2))
    );
    assert_eq!(count(&app, &public(7)).await, 0);
    assert_eq!(
        count(&app, &public(8)).await,
        1,
        "the period's own slots stay public"
    );
    assert_eq!(
        count(&app, unassigned_public).await,
        demo_public,
        "slots of no period stay"
    );
    let pulled = "select count(*) from changes c join slots s on s.id::text = c.entity_id
                  where c.entity_kind = 'slot' and s.period_number = 7";
    assert!(
        count(&app, pulled).await >= 2,
        "the clinic's app pulls the change"
    );

    let again: Value = admin.post(&open, json!({})).await.json().await.unwrap();
    assert_eq!(
        (
            &again["slots_made_private"],
            &again["slots_made_private_total"]
        ),
        (&json!(0), &json!(2))
    );
    assert_eq!(again["opened_at"], opened["opened_at"]);

    let response = admin.post(&format!("{PERIODS}/99/open"), json!({})).await;
    expect_problem(response, StatusCode::NOT_FOUND, Code::PeriodNotFound).await;
}

#[tokio::test]
async fn only_city_admins_may_manage_periods() {
    let app = spawn_app().await;
    let spec = Dates::from_today(10).spec(8);
    for account in [&app.accounts.clinic_a, &app.accounts.call_center] {
        let token = app.login(account).await.token;
        let token = Some(token.as_str());
        let cap = format!("{PERIODS}/8/caps/clinic-a");
        let responses = [
            app.post_json(PERIODS, token, &spec).await,
            app.put_json(&cap, token, &json!({"doses": 1})).await,
            app.post_json(&format!("{PERIODS}/8/slot-reports"), token, &json!({}))
                .await,
            app.post_json(&format!("{PERIODS}/8/open"), token, &json!({}))
                .await,
        ];
        for response in responses {
            expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
        }
    }
}

#[tokio::test]
async fn an_earlier_periods_free_seats_made_private_go_to_the_line_when_the_clinic_asks() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    // Past the demo's slots, so that the period's slots are the venue's only ones.
    let seventh = admin.period_with_cap(7, 50, 60).await.first_dose;
    admin.period_with_cap(8, 55, 60).await;
    let report = accepted(
        admin
            .report(7, 101, "public_only", vec![row(seventh, "09:00", 3, 0)])
            .await,
    )
    .await;
    let slot: Uuid = report["slots"][0]["id"].as_str().unwrap().parse().unwrap();
    let response = admin.post(&format!("{PERIODS}/8/open"), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let visibility: String = sqlx::query_scalar("select visibility from slots where id = $1")
        .bind(slot)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(visibility, "private", "第７期の予約枠は非公開");

    // A resident waits for the venue on that day; the clinic phones the call center
    // (医療機関専用ダイヤル), which gives two of the slot's free seats to the line for it.
    let ticket = "9300001000";
    crate::support::seed_residents(&app.pool, &[ticket.to_owned()], born()).await;
    let venue = app.venue_id(101).await;
    let wait = json!({
        "resident": crate::support::key_json(ticket, BORN),
        "dose": 1, "vaccine": "pfizer", "venue_id": venue,
        "first_date": seventh, "last_date": seventh,
    });
    let response = app.post_json("/api/v1/waitlist", None, &wait).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let operator = app.login(&app.accounts.call_center).await.token;
    let released: Value = app
        .client
        .post(app.url("/api/v1/waitlist/release"))
        .bearer_auth(&operator)
        .header("x-yoyaku-on-behalf-of", "clinic-a")
        .json(&json!({ "id": Uuid::new_v4(), "slot_id": slot, "seats": 2 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&released["capacity"], &released["offered"]),
        (&json!(1), &json!(1)),
        "{released}"
    );

    // The resident takes it on the web; a later period's opening leaves the seats public.
    let mine: Value = app
        .post_json(
            "/api/v1/waitlist/mine",
            None,
            &json!({ "resident": crate::support::key_json(ticket, BORN) }),
        )
        .await
        .json()
        .await
        .unwrap();
    let offer = mine["entries"][0]["offer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let accept = app
        .post_json(
            &format!("/api/v1/waitlist/offers/{offer}/accept"),
            None,
            &json!({ "resident": crate::support::key_json(ticket, BORN) }),
        )
        .await;
    assert_eq!(accept.status(), StatusCode::CREATED);
    let again: Value = admin
        .post(&format!("{PERIODS}/8/open"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["slots_made_private"], 0);
    let public = released["public_slot_id"].as_str().unwrap();
    let still: String = sqlx::query_scalar("select visibility from slots where id::text = $1")
        .bind(public)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(still, "public");
}

const BORN: &str = "1950-05-05";

fn born() -> NaiveDate {
    NaiveDate::from_ymd_opt(1950, 5, 5).unwrap()
}

/// The names of the slots `token`'s caller (the web when `None`) is offered on `date`.
async fn offered(app: &TestApp, token: Option<&str>, date: NaiveDate) -> Vec<String> {
    let path = match token {
        None => format!("/api/v1/slots?municipality_code=431001&date={date}"),
        Some(_) => format!("/api/v1/slots?date={date}"),
    };
    let list = crate::support::expect_json(app.get(&path, token).await, StatusCode::OK).await;
    list["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| slot["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The days the residents' page offers at the venue.
async fn calendar(app: &TestApp, venue: Uuid) -> Value {
    let path = format!("/api/v1/municipalities/431001/venues/{venue}/days");
    crate::support::expect_json(app.get(&path, None).await, StatusCode::OK).await["days"].clone()
}

fn booking(ticket: &str, slot: &Value) -> Value {
    json!({
        "resident": crate::support::key_json(ticket, BORN),
        "slot_id": slot["id"], "dose": 1,
    })
}

#[tokio::test]
async fn set_up_slots_are_offered_to_the_web_and_the_call_center_only_from_reception_opening() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    // Past the demo's slots: the period's are the venue's only ones on its days.
    let dates = admin.period_with_cap(8, 50, 60).await;
    let first = dates.first_dose;
    let report = accepted(
        admin
            .report(8, 101, "both", vec![row(first, "09:00", 3, 2)])
            .await,
    )
    .await;
    let (public, private) = (&report["slots"][0], &report["slots"][1]);
    assert_eq!(
        (&public["visibility"], &private["visibility"]),
        (&json!("public"), &json!("private"))
    );
    let people = crate::support::tickets(9_300_002_000, 4);
    crate::support::seed_residents(&app.pool, &people, born()).await;
    let operator = app.login(&app.accounts.call_center).await.token;
    let clinic = app.login(&app.accounts.clinic_a).await.token;
    let venue = app.venue_id(101).await;

    // Before 受付開始: the web and the call center see nothing of it and cannot book it.
    assert!(offered(&app, None, first).await.is_empty());
    assert!(offered(&app, Some(&operator), first).await.is_empty());
    let day = json!(first.to_string());
    assert!(
        !calendar(&app, venue)
            .await
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["date"] == day)
    );
    for (token, ticket) in [(None, &people[0]), (Some(operator.as_str()), &people[1])] {
        let response = app
            .post_json("/api/v1/bookings", token, &booking(ticket, public))
            .await;
        let problem = expect_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::SlotNotOpen,
        )
        .await;
        let opens = dates.opens;
        let on = format!("{}月{}日から", opens.format("%-m"), opens.format("%-d"));
        assert!(problem.message_ja.contains(&on), "{}", problem.message_ja);
        assert!(problem.message_en.contains(&opens.to_string()));
    }
    // The clinic checks its set-up slots and books its own seats; the public ones wait too.
    assert_eq!(
        offered(&app, Some(&clinic), first).await,
        [
            public["name"].as_str().unwrap(),
            private["name"].as_str().unwrap()
        ]
    );
    let response = app
        .post_json(
            "/api/v1/bookings",
            Some(&clinic),
            &booking(&people[2], public),
        )
        .await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::SlotNotOpen,
    )
    .await;
    let lease = app
        .post_json(
            "/api/v1/sync/leases",
            Some(&clinic),
            &json!({ "id": Uuid::new_v4(), "slot_id": public["id"], "seats": 1 }),
        )
        .await;
    expect_problem(lease, StatusCode::UNPROCESSABLE_ENTITY, Code::SlotNotOpen).await;
    let response = app
        .post_json(
            "/api/v1/bookings",
            Some(&clinic),
            &booking(&people[2], private),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // Nobody is offered its seats from the waiting list before it opens either.
    let wait = json!({
        "resident": crate::support::key_json(&people[3], BORN),
        "dose": 1, "vaccine": "pfizer", "venue_id": venue,
        "first_date": first, "last_date": first,
    });
    let response = app.post_json("/api/v1/waitlist", None, &wait).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "no seat is open to take"
    );
    let public_id: Uuid = public["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(crate::support::booked(&app.pool, public_id).await, 0);

    let response = admin.post(&format!("{PERIODS}/8/open"), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let name = public["name"].as_str().unwrap().to_owned();
    assert_eq!(
        offered(&app, Some(&operator), first).await,
        std::slice::from_ref(&name)
    );
    // The web's answers are shared for a second: the next one has it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(offered(&app, None, first).await, [name]);
    assert!(
        calendar(&app, venue)
            .await
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["date"] == day)
    );
    let response = app
        .post_json("/api/v1/bookings", None, &booking(&people[0], public))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_period_opens_by_itself_when_its_reception_day_begins_in_tokyo() {
    let app = spawn_app().await;
    let admin = Admin::login(&app).await;
    let seventh = admin.period_with_cap(7, 50, 60).await.first_dose;
    let eighth = admin.period_with_cap(8, 52, 60).await.first_dose;
    accepted(
        admin
            .report(7, 101, "public_only", vec![row(seventh, "09:00", 3, 0)])
            .await,
    )
    .await;
    accepted(
        admin
            .report(8, 101, "public_only", vec![row(eighth, "10:00", 3, 0)])
            .await,
    )
    .await;
    let opened_at = |period: u32| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
                "select opened_at from periods where number = $1",
            )
            .bind(i32::try_from(period).unwrap())
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(opened_at(8).await, None);

    // The days pass: period 8's reception day begins today.
    let today = tokyo_today();
    sqlx::query(
        "update periods set submission_deadline = $1, correction_deadline = $1,
                            reception_opens = $1
         where number = 8",
    )
    .bind(today)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut waited = 0;
    while opened_at(8).await.is_none() {
        assert!(waited < 100, "period 8 did not open by itself");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(opened_at(7).await, None, "period 7's day has not come");
    let operator = app.login(&app.accounts.call_center).await.token;
    assert_eq!(
        offered(&app, Some(&operator), eighth).await,
        [name("public", 101, eighth, "10:00")]
    );
    let visibility: String =
        sqlx::query_scalar("select visibility from slots where period_number = 7")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(visibility, "private", "第７期の予約枠は非公開");
    let audited: Vec<(Option<Uuid>, String)> =
        sqlx::query_as("select account_id, entity_id from audit_log where action = 'period.open'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        audited,
        [(None, "8".to_owned())],
        "opened once, by the schedule"
    );
}
