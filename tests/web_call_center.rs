//! The call center's console in a real browser (Chromium) against a real city server: sign in
//! (the session an HttpOnly, Secure, SameSite=Strict cookie), book for a caller, act for a clinic
//! that asks (recorded as on its behalf), see a venue's day, book a seat held from キャンセル待ち
//! after phoning the resident, and give a clinic's free private seats to the line at its request;
//! each page checked against WCAG 2.1 AA by axe-core.

mod support;

use chrono::Days;
use support::browser::{Browser, DESKTOP, assert_accessible, click_first, screenshot, select};
use support::city::{City, WebResident, serving_pages};
use support::desktop::{by_testid, click, text_of, type_into};
use uuid::Uuid;
use yoyaku_city::Server;
use yoyaku_core::time::tokyo_today;

/// Demo ticket 9000001000, born 1930-01-01: in the registry, not yet registered.
const CALLER: &str = "9000001000";

/// The caller's bookings: (dose, channel, on whose behalf the audit log says it was made).
async fn caller_bookings(city: &City) -> Vec<(i16, String, Option<Uuid>)> {
    sqlx::query_as(
        "select b.dose, b.channel, a.on_behalf_of from bookings b
         join audit_log a on a.entity_kind = 'booking' and a.entity_id = b.id::text
              and a.action = 'booking.book'
         where b.ticket_number = $1 and b.status = 'reserved' order by b.dose",
    )
    .bind(CALLER)
    .fetch_all(&city.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_books_for_callers_acts_for_a_clinic_sees_a_day_and_keeps_the_waiting_list() {
    let city = City::start_with(|| serving_pages(Server::options())).await;
    let browser = Browser::start();
    let client = browser.open(DESKTOP).await;
    client
        .goto(&format!("{}/call-center/", city.url()))
        .await
        .unwrap();

    // サインイン: the session is a cookie the page's scripts cannot read.
    assert_eq!(
        by_testid(&client, "login-municipality")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("431001")
    );
    assert_accessible(&client, "サインイン").await;
    let operator = &city.demo.call_center;
    type_into(&client, "login-account", operator.account_id).await;
    type_into(&client, "login-password", operator.password).await;
    click(&client, "login-agree").await;
    click(&client, "login-submit").await;
    assert_eq!(text_of(&client, "operator").await, operator.display_name);
    let cookies = client.get_all_cookies().await.unwrap();
    let session = cookies
        .iter()
        .find(|c| c.name() == "yoyaku_session")
        .expect("the session cookie");
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(session.secure(), Some(true));
    assert_eq!(format!("{:?}", session.same_site()), "Some(Strict)");
    let seen_by_script = client
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    assert!(
        !seen_by_script
            .as_str()
            .unwrap_or_default()
            .contains("yoyaku_session")
    );

    // In English too, then back to Japanese for the calls.
    click(&client, "language").await;
    assert_eq!(text_of(&client, "tab-waitlist").await, "Waiting list");
    assert_accessible(&client, "the console in English").await;
    screenshot(&client, "call-center-en").await;
    click(&client, "language").await;
    assert_eq!(text_of(&client, "tab-waitlist").await, "キャンセル待ち");

    // A caller's first booking, as the call center: the residents' flow with the operator's session.
    type_into(&client, "key-ticket", CALLER).await;
    type_into(&client, "key-birth", "S5.1.1").await;
    click(&client, "key-submit").await;
    type_into(&client, "register-family", "デンワ").await;
    type_into(&client, "register-given", "タロウ").await;
    type_into(&client, "register-phone", "0963282113").await;
    click(&client, "register-submit").await;
    assert_accessible(&client, "会場の選択（コールセンター）").await;
    screenshot(&client, "call-center-venues").await;
    click(&client, "venue-101").await;
    click_first(&client, "[data-testid^='day-']").await;
    click_first(&client, "[data-testid^='slot-']").await;
    click(&client, "book").await;
    assert!(
        text_of(&client, "done")
            .await
            .contains("予約が完了しました")
    );
    let first = caller_bookings(&city).await;
    assert_eq!(first, vec![(1, "call_center".to_owned(), None)]);

    // 代理操作: clinic A asks the call center to book dose 2 for it.
    select(&client, "on-behalf", city.demo.clinic_a.account_id).await;
    assert!(
        text_of(&client, "acting-for")
            .await
            .contains("A胃腸科内科医院")
    );
    assert_accessible(&client, "代理操作").await;
    type_into(&client, "key-ticket", CALLER).await;
    type_into(&client, "key-birth", "1930-01-01").await;
    click(&client, "key-submit").await;
    click(&client, "new-booking").await;
    click(&client, "venue-101").await;
    let dose_1_day: chrono::NaiveDate = sqlx::query_scalar(
        "select (s.starts_at at time zone 'Asia/Tokyo')::date from bookings b
         join slots s on s.id = b.slot_id where b.ticket_number = $1 and b.dose = 1",
    )
    .bind(CALLER)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    click(
        &client,
        &format!("day-{}", dose_1_day + chrono::TimeDelta::days(21)),
    )
    .await;
    click_first(&client, "[data-testid^='slot-']").await;
    click(&client, "book").await;
    by_testid(&client, "done").await;
    let clinic_a: Uuid =
        sqlx::query_scalar("select id from accounts where account_id = 'clinic-a'")
            .fetch_one(&city.pool)
            .await
            .unwrap();
    let both = caller_bookings(&city).await;
    assert_eq!(both[1], (2, "call_center".to_owned(), Some(clinic_a)));
    select(&client, "on-behalf", "").await;

    // 会場の一日: venue 101 on dose 1's day lists the caller.
    click(&client, "tab-day").await;
    let venue_101: Uuid = sqlx::query_scalar("select id from venues where venue_number = 101")
        .fetch_one(&city.pool)
        .await
        .unwrap();
    select(&client, "day-venue", &venue_101.to_string()).await;
    let date = by_testid(&client, "day-date").await;
    client
        .execute(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            vec![serde_json::to_value(&date).unwrap(), serde_json::json!(dose_1_day.to_string())],
        )
        .await
        .unwrap();
    click(&client, "day-show").await;
    assert!(text_of(&client, "day-table").await.contains(CALLER));
    assert_accessible(&client, "会場の一日").await;
    screenshot(&client, "call-center-day").await;

    // キャンセル待ち: a resident waiting on the web for full venue 105 is offered a freed seat;
    // the operator phones them and books it.
    let (slot, venue_105) = city.full_but_one_seat(105).await;
    let url = city.url();
    let leaving = WebResident {
        url: &url,
        ticket: "9000001001",
        born: chrono::NaiveDate::from_ymd_opt(1930, 4, 3).unwrap(),
    };
    leaving.register().await;
    let leaving_booking = leaving.book(&slot.to_string(), 1).await;
    let waiting = WebResident {
        url: &url,
        ticket: "9000001002",
        born: chrono::NaiveDate::from_ymd_opt(1930, 7, 4).unwrap(),
    };
    waiting.register().await;
    waiting
        .wait_for(venue_105, tokyo_today(), tokyo_today() + Days::new(14))
        .await;
    leaving.cancel(&leaving_booking).await;
    click(&client, "tab-waitlist").await;
    let entry = by_testid(&client, "desk-entry").await;
    let shown = entry.text().await.unwrap();
    assert!(
        shown.contains("ウェブ ハナコ")
            && shown.contains("0963280000")
            && shown.contains("ご案内中"),
        "{shown}"
    );
    assert_accessible(&client, "キャンセル待ち").await;
    screenshot(&client, "call-center-waitlist").await;
    click(&client, "desk-accept").await;
    assert!(text_of(&client, "desk-done").await.contains("予約しました"));
    let taken: (Uuid, String) = sqlx::query_as(
        "select slot_id, channel from bookings where ticket_number = '9000001002' and status = 'reserved'",
    )
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!(taken, (slot, "call_center".to_owned()));

    // キャンセル待ちから補充: venue 105's clinic phones in to give two free seats of a 非公開枠
    // to the line; the operator acts for it, finds the slot on the venue's day and gives them.
    let next = WebResident {
        url: &url,
        ticket: "9000001003",
        born: chrono::NaiveDate::from_ymd_opt(1930, 10, 4).unwrap(),
    };
    next.register().await;
    next.wait_for(venue_105, tokyo_today(), tokyo_today() + Days::new(14))
        .await;
    let (private, private_day, owner): (Uuid, chrono::NaiveDate, String) = sqlx::query_as(
        "select s.id, (s.starts_at at time zone 'Asia/Tokyo')::date, a.account_id
         from slots s join venues v on v.id = s.venue_id
         join accounts a on a.id = v.clinic_account_id
         where v.venue_number = 105 and s.visibility = 'private' and s.booked < s.capacity - 1
           and s.starts_at > now() + interval '1 day'
           and s.starts_at < now() + interval '14 days'
         order by s.starts_at limit 1",
    )
    .fetch_one(&city.pool)
    .await
    .unwrap();
    select(&client, "on-behalf", &owner).await;
    click(&client, "tab-day").await;
    select(&client, "day-venue", &venue_105.to_string()).await;
    let date = by_testid(&client, "day-date").await;
    client
        .execute(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            vec![serde_json::to_value(&date).unwrap(), serde_json::json!(private_day.to_string())],
        )
        .await
        .unwrap();
    click(&client, "day-show").await;
    // That slot's own row: the day may have earlier private slots, listed before it.
    let row = |css: String| {
        let client = client.clone();
        async move {
            client
                .wait()
                .at_most(std::time::Duration::from_secs(30))
                .for_element(fantoccini::Locator::Css(&css))
                .await
                .unwrap_or_else(|e| panic!("no {css}: {e}"))
        }
    };
    let seats = row(format!("#release-{private}")).await;
    seats.clear().await.unwrap();
    seats.send_keys("2").await.unwrap();
    assert_accessible(&client, "非公開枠の空きをキャンセル待ちへ").await;
    row(format!(
        "tr:has(#release-{private}) [data-testid='release-submit']"
    ))
    .await
    .click()
    .await
    .unwrap();
    let said = text_of(&client, "release-done").await;
    assert!(
        said.contains("2枠をキャンセル待ちへ提供しました") && said.contains("1名にご案内中"),
        "{said}"
    );
    let offered: String = sqlx::query_scalar(
        "select s.name from waitlist_offers o
         join waitlist_entries e on e.id = o.entry_id join slots s on s.id = o.slot_id
         where e.ticket_number = '9000001003' and o.state = 'open'",
    )
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert!(
        offered.starts_with("【キャンセル待ち補充】105."),
        "{offered}"
    );
    let (given, on_behalf): (i64, Option<Uuid>) = sqlx::query_as(
        "select count(*), max(on_behalf_of::text)::uuid from audit_log
         where action = 'slot.release_to_waitlist' and entity_id = $1",
    )
    .bind(private.to_string())
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!((given, on_behalf.is_some()), (1, true));
    select(&client, "on-behalf", "").await;

    click(&client, "sign-out").await;
    by_testid(&client, "login-account").await;
    client.close().await.unwrap();
}
