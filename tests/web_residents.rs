//! The residents' page in a real browser (Chromium), against a real city server and PostgreSQL:
//! the manual's web flow from 接種券番号 to 予約完了 and the dose-2 offer, 'my bookings' (change,
//! print, cancel), refusals that do not say which part of a key was wrong, and opening day's
//! waiting room; at phone and desktop sizes, in Japanese and English, each page checked against
//! WCAG 2.1 AA by axe-core.

mod support;

use std::num::NonZeroU32;

use fantoccini::{Client, Locator};
use support::browser::{Browser, DESKTOP, PHONE, assert_accessible, click_first, screenshot};
use support::city::{City, WebResident, serving_pages};
use support::desktop::{by_testid, click, text_of, type_into};
use uuid::Uuid;
use yoyaku_city::Server;

/// Demo ticket 9000001000, born 1930-01-01 (昭和5年1月1日): in the registry, not yet registered.
const TICKET: &str = "9000001000";

async fn city_with_pages() -> City {
    City::start_with(|| serving_pages(Server::options())).await
}

/// The statuses of the ticket's bookings by dose and creation, as the city stores them.
async fn bookings(city: &City) -> Vec<(Uuid, i16, String, String)> {
    sqlx::query_as(
        "select id, dose, status, channel from bookings
         where municipality_code = '431001' and ticket_number = $1 order by created_at",
    )
    .bind(TICKET)
    .fetch_all(&city.pool)
    .await
    .unwrap()
}

/// The first day after the ticket's dose 2 on which the demo has slots (none on Sundays).
async fn day_after_dose_2(city: &City) -> chrono::NaiveDate {
    let starts_at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "select s.starts_at from bookings b join slots s on s.id = b.slot_id
         where b.ticket_number = $1 and b.dose = 2 and b.status = 'reserved'",
    )
    .bind(TICKET)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    let dose_2 = yoyaku_core::time::tokyo_date_time(starts_at).0;
    (1..3)
        .map(|days| dose_2 + chrono::TimeDelta::days(days))
        .find(|date| chrono::Datelike::weekday(date) != chrono::Weekday::Sun)
        .unwrap()
}

/// From the venue list to 確認: venue 101, its first day with seats, that day's first time.
async fn choose_a_slot(client: &Client) {
    click(client, "venue-101").await;
    click_first(client, "[data-testid^='day-']").await;
    click_first(client, "[data-testid^='slot-']").await;
    by_testid(client, "book").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resident_books_both_doses_then_changes_prints_and_cancels_on_a_phone() {
    let city = city_with_pages().await;
    let browser = Browser::start();
    let client = browser.open(PHONE).await;
    client.goto(&city.url()).await.unwrap();

    // 接種券番号の入力: 自治体番号 is filled in; full-width digits and 和暦 are read.
    let code = by_testid(&client, "key-municipality").await;
    assert_eq!(code.prop("value").await.unwrap().as_deref(), Some("431001"));
    assert_accessible(&client, "接種券番号の入力").await;
    screenshot(&client, "web-key-phone").await;
    type_into(&client, "key-ticket", "９０００００１０００").await;
    type_into(&client, "key-birth", "S5.1.1").await;
    click(&client, "key-submit").await;

    // 予約者情報の登録, in half-width kana.
    by_testid(&client, "register-family").await;
    assert_accessible(&client, "予約者情報の登録").await;
    type_into(&client, "register-family", "ﾖﾔｸ").await;
    type_into(&client, "register-given", "ﾊﾅｺ").await;
    type_into(&client, "register-phone", "096-328-2111").await;
    click(&client, "register-submit").await;
    let venue = text_of(&client, "venue-101").await;
    let (family, phone): (String, String) = sqlx::query_as(
        "select family_name_kana, phone from residents
         where municipality_code = '431001' and ticket_number = $1",
    )
    .bind(TICKET)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!((family.as_str(), phone.as_str()), ("ヨヤク", "0963282111"));

    // 会場 by ward with its address → day with 残りN枠 → time.
    assert!(
        venue.contains("A胃腸科内科医院") && venue.contains("熊本市中央区"),
        "{venue}"
    );
    assert_accessible(&client, "会場の選択").await;
    screenshot(&client, "web-venues-phone").await;
    click(&client, "venue-101").await;
    let day = click_first(&client, "[data-testid^='day-']").await;
    assert!(day.starts_with("day-20"), "{day}");
    // The first time still open that day (today's morning may be past): 残りN枠 beside it.
    let slot = client
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(fantoccini::Locator::Css(
            "[data-testid^='slot-']:not([disabled])",
        ))
        .await
        .unwrap();
    let said = slot.text().await.unwrap();
    let left = said
        .split_once("残り")
        .and_then(|(_, rest)| rest.split_once('枠'));
    assert!(
        left.is_some_and(|(n, _)| n.parse::<u32>().is_ok_and(|n| n > 0)),
        "{said}"
    );
    assert_accessible(&client, "時間の選択").await;
    click_first(&client, "[data-testid^='slot-']").await;

    // 確認, then 予約完了 with the number the city gave.
    assert!(text_of(&client, "summary-dose").await.contains("1回目"));
    assert_accessible(&client, "予約内容の確認").await;
    screenshot(&client, "web-confirm-phone").await;
    assert!(
        bookings(&city).await.is_empty(),
        "nothing is booked before 予約する"
    );
    click(&client, "book").await;
    assert!(
        text_of(&client, "done")
            .await
            .contains("予約が完了しました")
    );
    let first = bookings(&city).await;
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0].1, first[0].2.as_str(), first[0].3.as_str()),
        (1, "reserved", "web")
    );
    assert_eq!(
        text_of(&client, "booking-number").await,
        first[0].0.to_string()
    );
    assert_accessible(&client, "予約完了").await;
    screenshot(&client, "web-done-phone").await;

    // The dose-2 offer: three weeks later at the same venue, booked through 確認.
    by_testid(&client, "second-dose").await;
    click_first(&client, "[data-testid='second-slot']").await;
    assert!(text_of(&client, "summary-dose").await.contains("2回目"));
    click(&client, "book").await;
    assert!(text_of(&client, "done").await.contains("2回目"));
    let both = bookings(&city).await;
    assert_eq!(both.len(), 2);
    assert_eq!((both[1].1, both[1].2.as_str()), (2, "reserved"));

    // 予約の確認: change dose 2 to another time.
    click(&client, "home").await;
    by_testid(&client, "new-booking").await;
    assert_accessible(&client, "予約の確認・変更・取り消し").await;
    screenshot(&client, "web-my-bookings-phone").await;
    let changes = client
        .find_all(Locator::Css("[data-testid='change']"))
        .await
        .unwrap();
    assert_eq!(changes.len(), 2, "both bookings may be changed");
    changes[1].click().await.unwrap();
    by_testid(&client, "changing").await;
    // The first day with seats is too soon after dose 1: refused in place, nothing changed.
    choose_a_slot(&client).await;
    assert!(
        text_of(&client, "change-from")
            .await
            .contains("A胃腸科内科医院")
    );
    click(&client, "book").await;
    let refusal = by_testid(&client, "book-problem").await;
    assert_eq!(
        refusal.attr("data-code").await.unwrap().as_deref(),
        Some("booking.too_early")
    );
    assert_eq!(bookings(&city).await.len(), 2);
    // A day after dose 2's: a later time is allowed.
    click(&client, "confirm-back").await;
    click(&client, "venue-101").await;
    click(&client, &format!("day-{}", day_after_dose_2(&city).await)).await;
    click_first(&client, "[data-testid^='slot-']").await;
    click(&client, "book").await;
    by_testid(&client, "changed-from").await;
    let after_change = bookings(&city).await;
    assert_eq!(after_change.len(), 3);
    assert_eq!(after_change[1].2, "cancelled", "the old dose 2");
    assert_eq!(
        (after_change[2].1, after_change[2].2.as_str()),
        (2, "reserved")
    );

    // A printable 予約確認.
    click(&client, "print").await;
    let confirmation = text_of(&client, "confirmation").await;
    assert!(confirmation.contains(&after_change[2].0.to_string()) && confirmation.contains(TICKET));
    assert_accessible(&client, "予約確認").await;
    click(&client, "print-back").await;

    // 取り消し asks first, then cancels.
    click(&client, "home").await;
    let cancels = client
        .find_all(Locator::Css("[data-testid='cancel']"))
        .await
        .unwrap();
    cancels[1].click().await.unwrap();
    click(&client, "cancel-no").await;
    assert_eq!(bookings(&city).await[2].2, "reserved", "やめる keeps it");
    let cancels = client
        .find_all(Locator::Css("[data-testid='cancel']"))
        .await
        .unwrap();
    cancels[1].click().await.unwrap();
    click(&client, "cancel-yes").await;
    assert!(
        text_of(&client, "cancelled")
            .await
            .contains("予約を取り消しました")
    );
    assert_eq!(bookings(&city).await[2].2, "cancelled");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_made_up_ticket_and_a_wrong_birth_date_get_one_answer_in_english_on_a_desktop() {
    let city = city_with_pages().await;
    let browser = Browser::start();
    let client = browser.open(DESKTOP).await;
    client.goto(&city.url()).await.unwrap();
    click(&client, "language").await;
    assert_eq!(text_of(&client, "language").await, "日本語");
    assert_eq!(
        client
            .find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap()
            .as_deref(),
        Some("en")
    );
    assert_accessible(&client, "the key form in English").await;
    screenshot(&client, "web-key-desktop-en").await;

    let refusal = |ticket: &'static str, birth: &'static str| {
        let client = client.clone();
        async move {
            for (id, text) in [("key-ticket", ticket), ("key-birth", birth)] {
                by_testid(&client, id).await.clear().await.unwrap();
                type_into(&client, id, text).await;
            }
            click(&client, "key-submit").await;
            let problem = by_testid(&client, "key-problem").await;
            let answer = (
                problem.attr("data-code").await.unwrap().unwrap_or_default(),
                problem.text().await.unwrap(),
            );
            // The next try starts from no answer.
            click(&client, "key-submit").await;
            answer
        }
    };
    let wrong_birth = refusal(TICKET, "1930-01-02").await;
    let made_up = refusal("9000009999", "1930-01-01").await;
    assert_eq!(wrong_birth, made_up, "neither says which part was wrong");
    // Shown in English; the Japanese stays for screen readers.
    let shown = wrong_birth.1.lines().next().unwrap_or_default();
    assert!(!shown.is_empty() && shown.is_ascii(), "{}", wrong_birth.1);
    assert_accessible(&client, "a refused key in English").await;
    assert_eq!(
        sqlx::query_scalar::<_, i64>("select count(*) from residents")
            .fetch_one(&city.pool)
            .await
            .unwrap(),
        0,
        "nothing is stored"
    );
    client.close().await.unwrap();
}

fn one_place_a_second() -> yoyaku_city::ServerOptions {
    serving_pages(Server::options()).waiting_room(NonZeroU32::new(1).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn on_opening_day_the_page_waits_its_turn_in_line_then_books_with_its_place() {
    let city = City::start_with(one_place_a_second).await;
    // Four residents arrived first: the page's place is the fifth, let in four seconds on.
    let http = reqwest::Client::new();
    for _ in 0..4 {
        let entered = http
            .post(format!("{}/api/v1/waiting-room", city.url()))
            .json(&serde_json::json!({ "municipality_code": "431001" }))
            .send()
            .await
            .unwrap();
        assert!(entered.status().is_success());
    }
    let browser = Browser::start();
    let client = browser.open(PHONE).await;
    client.goto(&city.url()).await.unwrap();
    by_testid(&client, "waiting-room").await;
    assert_eq!(text_of(&client, "line-position").await, "5");
    assert!(text_of(&client, "line-wait").await.contains("約"));
    assert_accessible(&client, "順番待ち").await;
    screenshot(&client, "web-waiting-room-phone").await;

    // A reload keeps the place.
    client.refresh().await.unwrap();
    assert_eq!(text_of(&client, "line-position").await, "5");

    // Its turn comes by itself; the booking carries the place.
    type_into(&client, "key-ticket", TICKET).await;
    type_into(&client, "key-birth", "1930/1/1").await;
    click(&client, "key-submit").await;
    type_into(&client, "register-family", "ヨヤク").await;
    type_into(&client, "register-given", "ハナコ").await;
    type_into(&client, "register-phone", "09012345678").await;
    click(&client, "register-submit").await;
    choose_a_slot(&client).await;
    click(&client, "book").await;
    assert!(
        text_of(&client, "done")
            .await
            .contains("予約が完了しました")
    );
    assert_eq!(bookings(&city).await.len(), 1);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resident_joins_the_waiting_list_for_a_full_venue_and_books_the_seat_that_frees() {
    let city = city_with_pages().await;
    // Venue 105 (E耳鼻咽喉科) is full: every public seat taken, the last by a resident who will
    // cancel.
    let other = WebResident {
        url: &city.url(),
        ticket: "9000001001",
        born: chrono::NaiveDate::from_ymd_opt(1930, 4, 3).unwrap(),
    };
    other.register().await;
    let (slot, _) = city.full_but_one_seat(105).await;
    let other_booking = other.book(&slot.to_string(), 1).await;

    let browser = Browser::start();
    let client = browser.open(DESKTOP).await;
    client.goto(&city.url()).await.unwrap();
    type_into(&client, "key-ticket", TICKET).await;
    type_into(&client, "key-birth", "昭和5年1月1日").await;
    click(&client, "key-submit").await;
    type_into(&client, "register-family", "ヨヤク").await;
    type_into(&client, "register-given", "ハナコ").await;
    type_into(&client, "register-phone", "0963282111").await;
    click(&client, "register-submit").await;
    click(&client, "venue-105").await;
    // Every day full: the days say 満枠 and cannot be chosen; the waiting list can be joined.
    let days = client
        .wait()
        .for_element(Locator::Css("[data-testid^='day-']"))
        .await
        .unwrap();
    assert!(days.text().await.unwrap().contains("満枠"));
    assert!(
        client
            .find_all(Locator::Css("[data-testid^='day-']:not([disabled])"))
            .await
            .unwrap()
            .is_empty()
    );
    click(&client, "waitlist-open").await;
    assert_accessible(&client, "キャンセル待ちの登録").await;
    screenshot(&client, "web-waitlist-desktop").await;
    click(&client, "waitlist-submit").await;
    assert!(
        text_of(&client, "waitlist-joined")
            .await
            .contains("キャンセル待ちに登録しました")
    );

    // The other resident cancels: the seat is held for the one waiting.
    other.cancel(&other_booking).await;
    click(&client, "choose-back").await;
    click(&client, "choose-back").await;
    let offer = by_testid(&client, "offer").await;
    assert!(offer.text().await.unwrap().contains("E耳鼻咽喉科"));
    assert_accessible(&client, "キャンセル待ちのご案内").await;
    screenshot(&client, "web-waitlist-offer-desktop").await;
    click(&client, "offer-accept").await;
    assert!(
        text_of(&client, "done")
            .await
            .contains("予約が完了しました")
    );
    let taken: (Uuid, String) = sqlx::query_as(
        "select slot_id, channel from bookings where ticket_number = $1 and status = 'reserved'",
    )
    .bind(TICKET)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!(taken, (slot, "web".to_owned()));
    client.close().await.unwrap();
}
