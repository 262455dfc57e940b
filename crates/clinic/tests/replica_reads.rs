//! The web's availability reads from a streaming replica (`--replica-database-url`): while the
//! replica streams, 残りN枠 comes from it, a moment behind the primary (here held 4 s behind, so
//! that the test can see where the answer came from) and then caught up; when the replica is out
//! of reach, or its replay is paused and it could be behind by any amount, the primary answers.
//! The bookings themselves always go to the primary.

mod common;

use std::time::{Duration, Instant};

use common::City;
use common::killable_postgres::KillablePostgres;
use common::work::{add_to_registry, registry_born};
use reqwest::Client;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

const FIRST_TICKET: u64 = 7_800_000_000;
/// How far behind the primary the replica replays.
const APPLY_DELAY: &str = "recovery_min_apply_delay=4s";
/// Longer than the availability cache keeps an answer.
const CACHE_EXPIRY: Duration = Duration::from_millis(1_200);

/// A public slot days ahead: its id, its venue and its Tokyo date.
async fn public_slot(city: &City) -> (String, String, String) {
    sqlx::query_as(
        "select s.id::text, s.venue_id::text, (s.starts_at at time zone 'Asia/Tokyo')::date::text
         from slots s join venues v on v.id = s.venue_id
         where v.venue_number = 101 and s.visibility = 'public' and s.booked = 0 and s.capacity >= 3
           and s.starts_at > now() + interval '2 days'
         order by s.starts_at limit 1",
    )
    .fetch_one(&city.pool)
    .await
    .unwrap()
}

/// 残りN枠 of the slot, as the residents' page reads it.
async fn remaining(
    client: &Client,
    url: &str,
    (slot, venue, date): &(String, String, String),
) -> i64 {
    let list: Value = client
        .get(format!(
            "{url}/api/v1/slots?municipality_code=431001&date={date}&venue_id={venue}"
        ))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let slots = list["slots"].as_array().unwrap();
    let found = slots.iter().find(|s| s["id"] == slot.as_str()).unwrap();
    found["remaining"].as_i64().unwrap()
}

/// Registers the ticket's resident and books it into the slot, from the web.
async fn web_booking(client: &Client, url: &str, ticket: u64, slot: &str) {
    let born = registry_born(ticket).to_string();
    client
        .put(format!("{url}/api/v1/residents/431001/{ticket}"))
        .json(&json!({"birth_date": born, "family_name_kana": "ウェブ",
                      "given_name_kana": "ハナコ", "sex": "female", "phone": "0963280000"}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let key = json!({"municipality_code": "431001", "ticket": ticket.to_string(),
                     "birth_date": born});
    client
        .post(format!("{url}/api/v1/bookings"))
        .json(&json!({"resident": key, "slot_id": slot, "dose": 1}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

async fn until_streaming(replica: &KillablePostgres) -> PgConnection {
    let mut conn = PgConnection::connect(&replica.url("postgres"))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status: Option<String> = sqlx::query_scalar("select status from pg_stat_wal_receiver")
            .fetch_optional(&mut conn)
            .await
            .unwrap();
        if status.as_deref() == Some("streaming") {
            return conn;
        }
        assert!(Instant::now() < deadline, "the replica never streamed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webs_availability_comes_from_the_replica_while_it_streams_and_from_the_primary_otherwise()
 {
    let primary = KillablePostgres::start().await;
    let city = City::start_on(primary.url("postgres"), yoyaku_city::Server::options).await;
    add_to_registry(&city, FIRST_TICKET, 3).await;
    let mut replica = primary.replica(&[APPLY_DELAY]).await;
    let reads = yoyaku_city::connect_replica(&replica.url("postgres")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = yoyaku_city::Server::options()
        .replica(reads)
        .spawn(listener, city.pool.clone())
        .unwrap();
    let url = server.url();
    let client = Client::new();
    let slot = public_slot(&city).await;
    drop(until_streaming(&replica).await);
    // Whatever the copy missed has been replayed.
    tokio::time::sleep(Duration::from_secs(5)).await;

    // Streaming: the answer is the replica's, 4 s behind the booking, then caught up.
    let before = remaining(&client, &url, &slot).await;
    web_booking(&client, &url, FIRST_TICKET, &slot.0).await;
    tokio::time::sleep(CACHE_EXPIRY).await;
    assert_eq!(
        remaining(&client, &url, &slot).await,
        before,
        "not the replica's answer"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while remaining(&client, &url, &slot).await != before - 1 {
        assert!(Instant::now() < deadline, "the replica never caught up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Out of reach: the primary answers, current.
    replica.kill();
    web_booking(&client, &url, FIRST_TICKET + 1, &slot.0).await;
    tokio::time::sleep(CACHE_EXPIRY).await;
    assert_eq!(remaining(&client, &url, &slot).await, before - 2);

    // Back, but its replay paused: it could be behind by any amount, so the primary answers.
    replica.restart().await;
    let mut conn = until_streaming(&replica).await;
    sqlx::query("select pg_wal_replay_pause()")
        .execute(&mut conn)
        .await
        .unwrap();
    web_booking(&client, &url, FIRST_TICKET + 2, &slot.0).await;
    tokio::time::sleep(CACHE_EXPIRY).await;
    assert_eq!(remaining(&client, &url, &slot).await, before - 3);
    server.shutdown().await.unwrap();
}
