//! ★ 残液の案内 against a real city server: the doses left in an open vial become a public slot at
//! the clinic's venue, offered to the waiting list; offline the receptionist is told so and
//! nothing is made.

mod common;

use chrono::{TimeDelta, Utc};
use common::City;
use common::work::{logged_in, sync_until_settled};
use uuid::Uuid;
use yoyaku_core::{Code, Coded};

async fn venue_101(city: &City) -> Uuid {
    sqlx::query_scalar("select id from venues where venue_number = 101")
        .fetch_one(&city.pool)
        .await
        .unwrap()
}

async fn open_vial_slots(city: &City) -> Vec<(String, i32)> {
    sqlx::query_as("select name, capacity from slots where name like '【残液】%'")
        .fetch_all(&city.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_open_vials_doses_go_to_the_city_online_and_nowhere_offline() {
    let mut city = City::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&city.url(), &city, dir.path()).await;
    sync_until_settled(&clinic).await;
    let venue = venue_101(&city).await;
    let in_an_hour = Utc::now() + TimeDelta::hours(1);

    let offered = clinic
        .offer_open_vial(venue, "pfizer", 3, in_an_hour)
        .await
        .unwrap();
    assert!(offered.slot_name.starts_with("【残液】101."), "{offered:?}");
    assert_eq!(
        (offered.capacity, offered.offered),
        (3, 0),
        "nobody waits: all public"
    );
    assert_eq!(open_vial_slots(&city).await.len(), 1);

    // The city's own refusal is said as it is.
    let too_many = clinic
        .offer_open_vial(venue, "pfizer", 6, in_an_hour)
        .await
        .unwrap_err();
    assert_eq!(too_many.code(), Code::WaitlistOpenVialDoses);

    city.stop().await;
    let offline = clinic
        .offer_open_vial(venue, "pfizer", 2, in_an_hour + TimeDelta::minutes(30))
        .await
        .unwrap_err();
    assert_eq!(offline.code(), Code::WaitlistOpenVialOffline);
    assert!(offline.message_ja().contains("何も送信していません"));
    city.restart().await;
    assert_eq!(open_vial_slots(&city).await, vec![(offered.slot_name, 3)]);
}
