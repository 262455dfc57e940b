use chrono::{Datelike, TimeDelta, Weekday};
use reqwest::StatusCode;
use reqwest::header::WWW_AUTHENTICATE;
use yoyaku_city::demo::DemoAccount;
use yoyaku_core::time::{to_tokyo, tokyo_today};
use yoyaku_core::wire::SlotList;
use yoyaku_core::{Code, Visibility};

use crate::support::{TestApp, expect_problem, spawn_app};

async fn slots_of(app: &TestApp, account: &DemoAccount, query: &str) -> SlotList {
    let token = app.login(account).await.token;
    let response = app
        .get(&format!("/api/v1/clinic/slots{query}"), Some(&token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Every slot is the clinic's own venue's, seeded as the notice names them, in order.
async fn assert_only_own_venue(app: &TestApp, account: &DemoAccount) {
    let venue = account.venue.unwrap();
    let venue_id = app.login(account).await.profile.venues[0].id;
    let list = slots_of(app, account, "").await;

    // The default four weeks from today, Sundays skipped: 24 days of 12 half hours, public and
    // private.
    assert_eq!(list.slots.len(), 24 * 12 * 2);
    for slot in &list.slots {
        assert_eq!(slot.venue_id, venue_id);
        let start = to_tokyo(slot.starts_at);
        assert_ne!(start.weekday(), Weekday::Sun);
        assert_eq!(slot.ends_at - slot.starts_at, TimeDelta::minutes(30));
        let (channel, capacity) = match slot.visibility {
            Visibility::Public => ("【WEB・コールセンター受付】", 3),
            Visibility::Private => ("【医療機関受付分】", 2),
        };
        let expected_name = format!("{channel}{}.{}", venue.number, start.format("%Y%m%d.%H%M"));
        assert_eq!(slot.name, expected_name);
        assert_eq!(
            (slot.capacity, slot.booked, slot.remaining),
            (capacity, 0, capacity)
        );
        assert_eq!(slot.vaccine_code, "pfizer");
        assert_eq!(slot.vaccine_name, "ファイザー社ワクチン");
    }
    let order: Vec<_> = list
        .slots
        .iter()
        .map(|slot| (slot.starts_at, slot.visibility == Visibility::Private))
        .collect();
    assert!(order.is_sorted(), "by start, the public slot first");
}

#[tokio::test]
async fn each_clinic_sees_only_its_own_venues_slots() {
    let app = spawn_app().await;
    assert_only_own_venue(&app, &app.accounts.clinic_a).await;
    assert_only_own_venue(&app, &app.accounts.clinic_e).await;
}

#[tokio::test]
async fn remaining_seats_follow_the_bookings_and_never_go_negative() {
    let app = spawn_app().await;
    let first = slots_of(&app, &app.accounts.clinic_a, "").await.slots[0].clone();
    let set_booked = |booked: i32| {
        sqlx::query("UPDATE slots SET booked = $1 WHERE id = $2")
            .bind(booked)
            .bind(first.id)
            .execute(&app.pool)
    };
    let remaining = |list: SlotList| {
        list.slots
            .iter()
            .find(|s| s.id == first.id)
            .unwrap()
            .remaining
    };

    set_booked(first.capacity - 1).await.unwrap();
    assert_eq!(
        remaining(slots_of(&app, &app.accounts.clinic_a, "").await),
        1
    );
    // A clinic's same-day change may take a slot past its capacity (manual 3-2 ②).
    set_booked(first.capacity + 1).await.unwrap();
    assert_eq!(
        remaining(slots_of(&app, &app.accounts.clinic_a, "").await),
        0
    );
}

#[tokio::test]
async fn a_date_range_selects_whole_tokyo_days() {
    let app = spawn_app().await;
    let weekday = (0..7)
        .map(|offset| tokyo_today() + TimeDelta::days(offset))
        .find(|date| date.weekday() != Weekday::Sun)
        .unwrap();
    let list = slots_of(
        &app,
        &app.accounts.clinic_e,
        &format!("?from={weekday}&to={weekday}"),
    )
    .await;
    assert_eq!(list.slots.len(), 24);
    assert!(
        list.slots
            .iter()
            .all(|slot| to_tokyo(slot.starts_at).date_naive() == weekday)
    );
    assert_eq!(
        list.slots[0].name,
        format!(
            "【WEB・コールセンター受付】105.{}.0900",
            weekday.format("%Y%m%d")
        )
    );

    let past = tokyo_today() - TimeDelta::days(30);
    let empty = slots_of(&app, &app.accounts.clinic_e, &format!("?from={past}")).await;
    assert!(empty.slots.is_empty());
}

#[tokio::test]
async fn a_missing_unknown_or_expired_session_is_refused() {
    let app = spawn_app().await;
    let path = "/api/v1/clinic/slots";
    for token in [None, Some("garbage")] {
        let response = app.get(path, token).await;
        assert_eq!(response.headers().get(WWW_AUTHENTICATE).unwrap(), "Bearer");
        expect_problem(response, StatusCode::UNAUTHORIZED, Code::AuthSessionInvalid).await;
    }
    let no_bearer = app
        .client
        .get(app.url(path))
        .basic_auth("clinic-a", Some("demo-clinic-a"))
        .send()
        .await
        .unwrap();
    expect_problem(
        no_bearer,
        StatusCode::UNAUTHORIZED,
        Code::AuthSessionInvalid,
    )
    .await;

    let token = app.login(&app.accounts.clinic_a).await.token;
    sqlx::query("update sessions set created_at = now() - interval '13 hours', expires_at = now() - interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();
    let problem = expect_problem(
        app.get(path, Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        Code::AuthSessionInvalid,
    )
    .await;
    assert_eq!(
        problem.message_ja,
        "ログインの有効期限が切れました。もう一度ログインしてください。"
    );
}

#[tokio::test]
async fn accounts_that_are_not_clinics_are_forbidden() {
    let app = spawn_app().await;
    for account in [&app.accounts.call_center, &app.accounts.city_admin] {
        let token = app.login(account).await.token;
        let response = app.get("/api/v1/clinic/slots", Some(&token)).await;
        expect_problem(response, StatusCode::FORBIDDEN, Code::AuthForbidden).await;
    }
}

#[tokio::test]
async fn bad_date_queries_are_problems() {
    let app = spawn_app().await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    for (query, code) in [
        ("?from=2021-13-01", Code::RequestMalformed),
        ("?from=20211025", Code::RequestMalformed),
        ("?to=tomorrow", Code::RequestMalformed),
        ("?from=2021-10-25&to=2021-10-24", Code::SlotsRangeReversed),
        ("?from=2021-01-01&to=2021-04-03", Code::SlotsRangeTooLong),
    ] {
        let response = app
            .get(&format!("/api/v1/clinic/slots{query}"), Some(&token))
            .await;
        expect_problem(response, StatusCode::BAD_REQUEST, code).await;
    }
    let longest = app
        .get(
            "/api/v1/clinic/slots?from=2021-01-01&to=2021-04-02",
            Some(&token),
        )
        .await;
    assert_eq!(longest.status(), StatusCode::OK);
}
