//! キャンセル待ちへ提供 against a real city server: free seats of a 非公開枠 go to a public slot
//! of the same time and to the waiting list, after every unsent booking has reached the city; the
//! cache has both slots' new seats after a pull; offline the receptionist is told so and nothing moves.

mod common;

use std::time::{Duration, Instant};

use common::City;
use common::work::{logged_in, open_slots, register, slot_id, sync_until_settled};
use yoyaku_clinic::BookRequest;
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::time::tokyo_today;
use yoyaku_core::{Code, Coded};

async fn city_capacity(city: &City, slot: uuid::Uuid) -> i32 {
    sqlx::query_scalar("select capacity from slots where id = $1")
        .bind(slot)
        .fetch_one(&city.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn free_private_seats_go_to_the_waiting_list_online_after_the_unsent_bookings() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    let slot = open_slots(&clinic, 3)
        .await
        .into_iter()
        .find(|s| s.visibility == "private" && s.remaining >= 2)
        .expect("a private slot with two seats");
    let id = slot_id(&slot);
    let capacity = city_capacity(&city, id).await;
    let resident = register(&clinic, 40).await;
    sync_until_settled(&clinic).await;

    // Offline, a booking into the slot waits in the outbox: nothing can be given.
    city.stop().await;
    clinic
        .book(BookRequest {
            resident,
            slot_id: id,
            dose: DoseNumber::FIRST,
        })
        .await
        .unwrap();
    let offline = clinic.release_to_waitlist(id, 1).await.unwrap_err();
    assert_eq!(offline.code(), Code::WaitlistReleaseOffline);
    assert!(offline.message_ja().contains("何も送信していません"));
    city.restart().await;
    assert_eq!(city_capacity(&city, id).await, capacity, "nothing moved");

    // Online: the booking goes first, so the city counts its seat; then all the free seats.
    let free = i32::try_from(slot.remaining).unwrap() - 1;
    let released = clinic.release_to_waitlist(id, free).await.unwrap();
    assert_eq!(
        (released.capacity, released.seats, released.offered),
        (capacity - free, free, 0),
        "nobody waits: all public"
    );
    assert!(
        released
            .public_slot_name
            .starts_with(&format!("【キャンセル待ち補充】{}.", slot.venue_number)),
        "{released:?}"
    );
    assert_eq!(clinic.status().pending, 0, "the booking reached the city");
    // Both slots' new seats reach the cache with a pull, once the city has numbered the changes.
    let deadline = Instant::now() + Duration::from_secs(10);
    let cached = loop {
        clinic.sync_now().await;
        let cached = clinic.slot_list(tokyo_today()).await.unwrap();
        let now_private = cached.iter().find(|s| s.slot_id == slot.slot_id).unwrap();
        if now_private.remaining == 0 {
            break cached;
        }
        assert!(
            Instant::now() < deadline,
            "the cache never had the slot's new seats"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let public = cached
        .iter()
        .find(|s| s.slot_name == released.public_slot_name)
        .expect("the public slot in the cache");
    assert_eq!(
        (public.visibility.as_str(), public.remaining),
        ("public", i64::from(free))
    );

    // The city's own refusal is said as it is: the slot has no free seat left.
    let none = clinic.release_to_waitlist(id, 1).await.unwrap_err();
    assert_eq!(none.code(), Code::WaitlistReleaseSeats);
    assert!(none.message_ja().contains("空きはありません"), "{none:?}");
}
