use chrono::NaiveDate;
use sqlx::PgPool;
use yoyaku_city::demo::seed_demo;

use crate::support::spawn_app;

const TABLES: [&str; 8] = [
    "municipalities",
    "vaccines",
    "venues",
    "accounts",
    "sessions",
    "slots",
    "valid_tickets",
    "periods",
];

async fn row_counts(pool: &PgPool) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        let count: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(pool)
            .await
            .unwrap();
        counts.push(count);
    }
    counts
}

#[tokio::test]
async fn seeding_again_changes_nothing() {
    let app = spawn_app().await;
    let password_hashes = "select string_agg(password_hash, ',' order by account_id) from accounts";
    let counts = row_counts(&app.pool).await;
    let hashes: String = sqlx::query_scalar(password_hashes)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // Two clinics' venues with public and private slots, and the mass venue with public ones.
    assert_eq!(counts, [1, 1, 3, 4, 0, 2 * 1152 + 576, 302, 1]);

    seed_demo(&app.pool).await.unwrap();
    assert_eq!(row_counts(&app.pool).await, counts);
    let hashes_again: String = sqlx::query_scalar(password_hashes)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(hashes_again, hashes);
}

#[tokio::test]
async fn the_manuals_resident_holds_a_valid_ticket() {
    let app = spawn_app().await;
    let birth_date: NaiveDate = sqlx::query_scalar(
        "select birth_date from valid_tickets
         where municipality_code = '431001' and ticket_number = '9000000062'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(birth_date, NaiveDate::from_ymd_opt(1945, 3, 3).unwrap());
}

#[tokio::test]
async fn the_schema_refuses_a_venue_run_by_a_call_center() {
    let app = spawn_app().await;
    let refused = sqlx::query(
        "insert into venues (municipality_code, id, venue_number, name, clinic_account_id)
         select '431001', gen_random_uuid(), 999, 'コールセンター会場', id
         from accounts where account_id = 'callcenter'",
    )
    .execute(&app.pool)
    .await
    .unwrap_err();
    let foreign_key_violation = "23503";
    assert_eq!(
        refused.as_database_error().unwrap().code().unwrap(),
        foreign_key_violation
    );
}
