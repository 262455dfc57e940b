//! 電話番号: one rule for the parser and the database, and a stored number no rule accepts any
//! more never stops a clinic's sync.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use yoyaku_core::contact::{Phone, phone_check_sql};
use yoyaku_core::sync::Snapshot;

use crate::support::{
    KUMAMOTO, book, demo_slot, expect_json, next_slot_day, seed_residents, spawn_app, tickets,
};

#[test]
fn the_migration_holds_the_parsers_rule() {
    let migration = include_str!("../../migrations/0007_phone_rule.sql");
    assert!(
        migration.contains(&phone_check_sql("phone")),
        "the numbering plan changed: add a migration with phone_check_sql(\"phone\")"
    );
}

/// Numbers of 9 to 12 digits under every three-digit prefix, a few of each, and one with a
/// letter: the database's CHECK and `Phone::parse` agree on every one.
#[tokio::test]
async fn the_database_and_the_parser_accept_the_same_numbers() {
    let app = spawn_app().await;
    let mut rng = StdRng::seed_from_u64(7);
    let mut numbers = Vec::new();
    for prefix in 0..1000u32 {
        for length in 9..=12usize {
            for _ in 0..3 {
                let mut n = format!("0{prefix:03}");
                while n.len() < length {
                    n.push(char::from(b'0' + rng.gen_range(0..10u8)));
                }
                numbers.push(n);
            }
        }
    }
    numbers.push("09612345a7".into());
    let parsed: Vec<bool> = numbers.iter().map(|n| Phone::parse(n).is_ok()).collect();
    assert!(
        parsed.iter().filter(|p| **p).count() > 1000,
        "a fair share is valid"
    );
    let disagree: Vec<(String, bool)> = sqlx::query_as(&format!(
        "select phone, parsed from unnest($1::text[], $2::bool[]) as t (phone, parsed)
         where ({}) is distinct from parsed",
        phone_check_sql("phone")
    ))
    .bind(&numbers)
    .bind(&parsed)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(disagree.is_empty(), "{disagree:?}");
}

/// A row stored under an older rule (096-0…, which the numbering plan does not use) is left out
/// of the snapshot, and everything else still reaches the clinic.
#[tokio::test]
async fn a_stored_number_no_longer_valid_leaves_out_its_resident_not_the_snapshot() {
    let app = spawn_app().await;
    let residents = tickets(7_000_000_301, 2);
    seed_residents(
        &app.pool,
        &residents,
        chrono::NaiveDate::from_ymd_opt(1950, 4, 1).unwrap(),
    )
    .await;
    let token = app.login(&app.accounts.clinic_a).await.token;
    let day = next_slot_day();
    for (ticket, time) in residents.iter().zip(["0900", "0930"]) {
        let slot = demo_slot(&app.pool, 101, day, time, "private").await;
        book(&app, Some(&token), ticket, "1950-04-01", slot, 1).await;
    }
    // The database refuses the number today …
    let update = "update residents set phone = '0960123456'
                  where municipality_code = $1 and ticket_number = $2";
    let refused = sqlx::query(update)
        .bind(KUMAMOTO)
        .bind(&residents[0])
        .execute(&app.pool)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("residents_phone_rule"),
        "{refused}"
    );
    // … but a row from before the rule may hold it.
    let mut tx = app.pool.begin().await.unwrap();
    for statement in [
        "alter table residents drop constraint residents_phone_rule",
        update,
    ] {
        sqlx::query(statement)
            .bind(KUMAMOTO)
            .bind(&residents[0])
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query(&format!(
        "alter table residents add constraint residents_phone_rule check ({}) not valid",
        phone_check_sql("phone")
    ))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let snapshot: Snapshot = serde_json::from_value(
        expect_json(
            app.get("/api/v1/sync/snapshot", Some(&token)).await,
            StatusCode::OK,
        )
        .await,
    )
    .unwrap();
    let sent: Vec<String> = snapshot
        .residents
        .iter()
        .map(|r| r.key.ticket_number.as_string())
        .collect();
    assert_eq!(sent, [residents[1].clone()]);
    // Both bookings still go: the resident's key is in the booking.
    assert_eq!(snapshot.bookings.len(), 2);
}
