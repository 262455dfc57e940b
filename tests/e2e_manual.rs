//! The operations manual walked through the real window (tauri-driver + WebKitWebDriver under
//! Xvfb) against a real city server: §2-1 and §2-2 for テスト タロー at A胃腸科内科医院, §4-2's
//! search by half-width kana, and a made-up ticket refused.

mod support;

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use fantoccini::{Client, Locator};
use support::city::City;
use support::desktop::{Desktop, by_testid, click, log_in, screenshot, type_into};

/// One window at a time: two WebKit processes on a small machine only slow each other down.
static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A private slot of A胃腸科内科医院 (venue 101) with seats, on the first day from tomorrow that
/// has one: (slot id, its Tokyo date).
async fn private_slot_from_tomorrow(city: &City) -> (String, NaiveDate) {
    sqlx::query_as(
        "select s.id::text, (s.starts_at at time zone 'Asia/Tokyo')::date
         from slots s join venues v on v.municipality_code = s.municipality_code
                                   and v.id = s.venue_id
         where v.venue_number = 101 and s.visibility = 'private' and s.booked < s.capacity
           and (s.starts_at at time zone 'Asia/Tokyo')::date
               > (now() at time zone 'Asia/Tokyo')::date
         order by s.starts_at limit 1",
    )
    .fetch_one(&city.pool)
    .await
    .unwrap()
}

/// The demo sets up two weeks of slots; the second dose is three weeks on, so the venue gets that
/// day's slots too (as the next period's setup would).
async fn add_slots_three_weeks_after(city: &City, day: NaiveDate) {
    sqlx::query(
        "insert into slots (municipality_code, venue_id, vaccine_code, id, name, starts_at,
                            ends_at, visibility, capacity)
         select s.municipality_code, s.venue_id, s.vaccine_code, gen_random_uuid(),
                s.name || '（3週後）', s.starts_at + interval '21 days',
                s.ends_at + interval '21 days', s.visibility, s.capacity
         from slots s join venues v on v.municipality_code = s.municipality_code
                                   and v.id = s.venue_id
         where v.venue_number = 101 and (s.starts_at at time zone 'Asia/Tokyo')::date = $1",
    )
    .bind(day)
    .execute(&city.pool)
    .await
    .unwrap();
}

async fn text_of(client: &Client, id: &str) -> String {
    by_testid(client, id).await.text().await.unwrap()
}

/// Waits until the element's text contains `want`.
async fn wait_for_text(client: &Client, id: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = text_of(client, id).await;
        if got.contains(want) {
            return;
        }
        assert!(Instant::now() < deadline, "{id} says {got:?}, not {want:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn is_shown(client: &Client, id: &str) -> bool {
    client
        .find(Locator::Css(&format!("[data-testid='{id}']")))
        .await
        .is_ok()
}

/// The refusal the 予約 screen shows, under the ticket field or above the form.
async fn refusal_text(client: &Client) -> Option<String> {
    for id in ["reserve-ticket-error", "reserve-error"] {
        if is_shown(client, id).await {
            let text = text_of(client, id).await;
            if !text.trim().is_empty() {
                return Some(text);
            }
        }
    }
    None
}

/// In the booking step: the day, the slot, 予約, 確定; then the done panel.
async fn book_slot(client: &Client, day: NaiveDate, slot_id: &str) {
    click(client, &format!("book-day-{day}")).await;
    click(client, &format!("book-slot-{slot_id}")).await;
    click(client, "book-next").await;
    click(client, "book-confirm").await;
    by_testid(client, "book-done").await;
}

/// The resident's bookings at the city: (dose, slot id, status), by dose.
async fn city_bookings_of(city: &City, ticket: &str) -> Vec<(i32, String, String)> {
    sqlx::query_as(
        "select dose::int, slot_id::text, status::text from bookings
         where ticket_number = $1 order by dose",
    )
    .bind(ticket)
    .fetch_all(&city.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn test_taro_is_registered_and_booked_for_both_doses_then_found_by_half_width_kana() {
    let _window = ONE_WINDOW.lock().await;
    let city = City::start().await;
    let (first_slot, first_day) = private_slot_from_tomorrow(&city).await;
    let second_day = first_day + Days::new(21);
    add_slots_three_weeks_after(&city, first_day).await;
    let second_slot: String = sqlx::query_scalar(
        "select s.id::text from slots s
         where s.name = (select name from slots where id = $1::uuid) || '（3週後）'",
    )
    .bind(&first_slot)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let desktop = Desktop::start(&[
        ("YOYAKU_SERVER_URL", &city.url()),
        ("YOYAKU_DATA_DIR", data.path().to_str().unwrap()),
    ]);
    let client = desktop.open_app().await;
    log_in(
        &client,
        city.demo.clinic_a.account_id,
        city.demo.clinic_a.password,
    )
    .await;
    by_testid(&client, "top-screen").await;

    // §2-1 ①–③: 予約 → 自治体番号 (prefilled), 接種券番号, 生年月日 in 和暦.
    click(&client, "menu-reserve").await;
    type_into(&client, "reserve-ticket", "9000000062").await;
    type_into(&client, "reserve-birth-date", "S20.3.3").await;
    wait_for_text(&client, "reserve-birth-date-parsed", "1945").await;
    click(&client, "reserve-lookup").await;

    // ④ 住民情報登録 (a first visit), typed in half-width kana, then 登録確認 read back.
    type_into(&client, "reg-family-kana", "ﾃｽﾄ").await;
    type_into(&client, "reg-given-kana", "ﾀﾛｰ").await;
    click(&client, "reg-sex-male").await;
    type_into(&client, "reg-phone", "096-328-1111").await;
    click(&client, "reg-submit").await;
    by_testid(&client, "reg-review").await;
    screenshot(&client, "registration-review").await;
    assert_eq!(text_of(&client, "review-ticket").await.trim(), "9000000062");
    click(&client, "reg-confirm").await;
    by_testid(&client, "reg-done").await;
    click(&client, "reg-to-booking").await;

    // ⑤–⑫ 接種予約: A胃腸科内科医院, a 非公開枠, 確定.
    by_testid(&client, "book-step").await;
    click(&client, &format!("book-day-{first_day}")).await;
    screenshot(&client, "booking").await;
    book_slot(&client, first_day, &first_slot).await;
    wait_for_text(&client, "book-certainty", "予約確定").await;
    screenshot(&client, "booking-done").await;

    // §2-2: straight on to the second dose, three weeks later on the same weekday.
    click(&client, "book-second-dose").await;
    let step = by_testid(&client, "book-step").await;
    assert_eq!(step.attr("data-dose").await.unwrap().as_deref(), Some("2"));
    book_slot(&client, second_day, &second_slot).await;

    // The city has both doses once the app has synced.
    click(&client, "sync-now").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let bookings = city_bookings_of(&city, "9000000062").await;
        if bookings.len() == 2 {
            assert_eq!(
                bookings,
                vec![
                    (1, first_slot.clone(), "reserved".into()),
                    (2, second_slot.clone(), "reserved".into())
                ]
            );
            break;
        }
        assert!(Instant::now() < deadline, "the city has {bookings:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let name: (String, String) = sqlx::query_as(
        "select family_name_kana, given_name_kana from residents where ticket_number = '9000000062'",
    )
    .fetch_one(&city.pool)
    .await
    .unwrap();
    assert_eq!(name, ("テスト".into(), "タロー".into()));

    // §4-2 住民検索 by half-width kana finds テスト タロー with both doses.
    click(&client, "back").await;
    by_testid(&client, "top-screen").await;
    click(&client, "menu-residents").await;
    type_into(&client, "search-family-kana", "ﾃｽﾄ").await;
    click(&client, "search-submit").await;
    let row = by_testid(&client, "search-row").await;
    screenshot(&client, "resident-search").await;
    let text = row.text().await.unwrap();
    assert!(text.contains("9000000062"), "{text}");
    assert!(text.contains("テスト"), "{text}");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_made_up_ticket_is_refused_and_nothing_is_registered() {
    let _window = ONE_WINDOW.lock().await;
    let city = City::start().await;
    let data = tempfile::tempdir().unwrap();
    let desktop = Desktop::start(&[
        ("YOYAKU_SERVER_URL", &city.url()),
        ("YOYAKU_DATA_DIR", data.path().to_str().unwrap()),
    ]);
    let client = desktop.open_app().await;
    log_in(
        &client,
        city.demo.clinic_a.account_id,
        city.demo.clinic_a.password,
    )
    .await;
    click(&client, "menu-reserve").await;
    type_into(&client, "reserve-ticket", "1234567890").await;
    type_into(&client, "reserve-birth-date", "1960/01/01").await;
    click(&client, "reserve-lookup").await;

    let deadline = Instant::now() + Duration::from_secs(30);
    let refusal = loop {
        if let Some(text) = refusal_text(&client).await {
            break text;
        }
        assert!(Instant::now() < deadline, "no refusal shown");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(refusal.contains("接種券"), "{refusal}");
    assert!(
        !is_shown(&client, "reg-family-kana").await,
        "no registration form"
    );
    let residents: i64 =
        sqlx::query_scalar("select count(*) from residents where ticket_number = '1234567890'")
            .fetch_one(&city.pool)
            .await
            .unwrap();
    assert_eq!(residents, 0);
    client.close().await.unwrap();
}
