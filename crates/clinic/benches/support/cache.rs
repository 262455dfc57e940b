//! A busy clinic's cache, filled by SQL as pulls would have left it, for the benchmarks that need no
//! city server: clinic-a's venue with public and private half-hour slots from four weeks ago to
//! eight weeks ahead, 50,000 residents, and their bookings.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use chrono::{Days, NaiveTime, TimeDelta};
use uuid::Uuid;
use yoyaku_clinic::{Clinic, LoginForm};
use yoyaku_core::contact::Phone;
use yoyaku_core::kana::search_key;
use yoyaku_core::time::{from_tokyo, tokyo_today};

use super::{MUNICIPALITY, Resident, open_clinic};

pub const RESIDENTS: u32 = 50_000;
pub const FIRST_TICKET: u64 = 5_000_000_000;
/// Days of slots before today, and from today on.
const DAYS_BEFORE: u64 = 28;
const DAYS_AHEAD: u64 = 56;
/// Half-hour slots from 09:00 to 17:00, each public and private.
const SLOTS_A_DAY: u32 = 16;
const PASSWORD: &str = "demo-clinic-a";

/// The `n`th public or private slot of `day` (0 is four weeks ago).
pub fn slot_id(day: u64, n: u32, public: bool) -> Uuid {
    Uuid::from_u128((u128::from(day) << 32) | (u128::from(n) << 1) | u128::from(public))
}

/// The index of today's slots (`day` of [`slot_id`]).
pub const TODAY: u64 = DAYS_BEFORE;

/// A residents' first ticket: every fifth resident (`i % 5 == 0`) has no booking yet.
pub fn unbooked(i: u32) -> Resident {
    Resident::nth(FIRST_TICKET, i * 5)
}

/// Opens a clinic on a new cache in `dir`, fills it and logs clinic-a in offline (the server URL
/// is never contacted: the benchmarks that use this work on the cache alone). Returns the number
/// of bookings.
pub async fn filled_clinic(dir: &std::path::Path) -> (Arc<Clinic>, u64) {
    let clinic = open_clinic("http://127.0.0.1:9", dir).await;
    let bookings = fill(&clinic).await;
    let session = clinic
        .login(LoginForm {
            municipality_code: MUNICIPALITY.into(),
            account_id: "clinic-a".into(),
            password: PASSWORD.into(),
            agreed_to_terms: true,
        })
        .await
        .expect("log in on the cache");
    assert!(!session.online);
    (clinic, bookings)
}

/// The cache: the account as an earlier online login left it, the vaccine and period, the slots,
/// 50,000 verified residents with their search keys folded as the engine folds them, four in five
/// with a first dose (reserved or vaccinated), one in seven of those with a cancelled one before
/// it, and one in three with a second dose.
async fn fill(clinic: &Clinic) -> u64 {
    let salt = SaltString::from_b64("c2FsdHNhbHRzYWx0c2FsdA").unwrap();
    let hash = Argon2::default()
        .hash_password(PASSWORD.as_bytes(), &salt)
        .unwrap()
        .to_string();
    let mut tx = clinic.store().begin_write().await.unwrap();
    for statement in [
        "UPDATE sync_state SET device_id = '5f0c3c1e-8a53-4c1e-9a7e-2f1b2d3c4e5f', cursor = 1",
        "INSERT INTO venues (id, venue_number, name)
         VALUES ('0b9c6d84-2d61-4c8f-8e0e-0d2c4c1f7a10', 101, 'A胃腸科内科医院')",
        "INSERT INTO vaccines VALUES ('pfizer', 'ファイザー社ワクチン', 'Pfizer', 6, 6, 21, 19, 42)",
    ] {
        sqlx::query(statement).execute(&mut *tx).await.unwrap();
    }
    sqlx::query(
        "INSERT INTO account (singleton, municipality_code, municipality_name, account_id,
             display_name, role, logged_in_at)
         VALUES (1, ?, '熊本市', 'clinic-a', 'A胃腸科内科医院', 'clinic', ?)",
    )
    .bind(MUNICIPALITY)
    .bind(chrono::Utc::now())
    .execute(&mut *tx)
    .await
    .unwrap();
    // The offline password check, where the engine keeps it: out of the database.
    let data_dir = clinic.store().path().parent().unwrap();
    let secrets = serde_json::json!({
        "municipality_code": MUNICIPALITY, "account_id": "clinic-a",
        "password_hash": hash, "session_token": null
    });
    std::fs::write(
        data_dir.join(yoyaku_clinic::SECRETS_FILE),
        secrets.to_string(),
    )
    .unwrap();
    let first_day = tokyo_today() - Days::new(DAYS_BEFORE);
    sqlx::query("INSERT INTO periods VALUES (1, 'pfizer', ?, ?, ?, ?)")
        .bind(first_day.to_string())
        .bind((first_day + Days::new(DAYS_BEFORE + DAYS_AHEAD / 2)).to_string())
        .bind((first_day + Days::new(21)).to_string())
        .bind((first_day + Days::new(DAYS_BEFORE + DAYS_AHEAD)).to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    for day in 0..DAYS_BEFORE + DAYS_AHEAD {
        let date = first_day + Days::new(day);
        for n in 0..SLOTS_A_DAY {
            let start =
                NaiveTime::from_hms_opt(9, 0, 0).unwrap() + TimeDelta::minutes(30 * i64::from(n));
            let end = start + TimeDelta::minutes(30);
            let starts_at = from_tokyo(date, start);
            for public in [true, false] {
                sqlx::query(
                    "INSERT INTO slots (id, venue_id, name, vaccine_code, vaccine_name, starts_at,
                         ends_at, local_date, start_time, end_time, visibility, capacity, booked)
                     VALUES (?, '0b9c6d84-2d61-4c8f-8e0e-0d2c4c1f7a10', ?, 'pfizer',
                             'ファイザー社ワクチン', ?, ?, ?, ?, ?, ?, 5000, 0)",
                )
                .bind(slot_id(day, n, public).to_string())
                .bind(format!(
                    "{}101.{}.{}",
                    if public {
                        ""
                    } else {
                        "【医療機関受付分】"
                    },
                    date.format("%Y%m%d"),
                    start.format("%H%M")
                ))
                .bind(starts_at)
                .bind(starts_at + TimeDelta::minutes(30))
                .bind(date.to_string())
                .bind(start.format("%H:%M").to_string())
                .bind(end.format("%H:%M").to_string())
                .bind(if public { "public" } else { "private" })
                .execute(&mut *tx)
                .await
                .unwrap();
            }
        }
    }
    // Booked slots: the days of the past four weeks for dose 1 (and a cancelled one), three weeks
    // later for dose 2, spread over the day's slots.
    let slot_of = |i: u32, day: u64| slot_id(day, i % SLOTS_A_DAY, i % 2 == 0);
    let mut bookings = 0u64;
    for i in 0..RESIDENTS {
        let r = Resident::nth(FIRST_TICKET, i);
        let phone = Phone::parse(&r.phone).expect("a valid phone number");
        sqlx::query(
            "INSERT INTO residents (municipality_code, ticket_number, birth_date,
                 family_name_kana, given_name_kana, sex, phone, email, memo, name_key,
                 phone_digits, verified)
             VALUES (?, ?, ?, ?, ?, ?, ?, NULL, '', ?, ?, 1)",
        )
        .bind(MUNICIPALITY)
        .bind(&r.ticket)
        .bind(r.birth_date.to_string())
        .bind(r.family)
        .bind(r.given)
        .bind(r.sex)
        .bind(phone.display())
        .bind(search_key(r.family).unwrap() + &search_key(r.given).unwrap())
        .bind(phone.digits())
        .execute(&mut *tx)
        .await
        .unwrap();
        let mut book = |slot: Uuid, dose: i64, status: &'static str| {
            bookings += 1;
            sqlx::query(
                "INSERT INTO bookings (id, municipality_code, ticket_number, slot_id, dose, status,
                     channel, server_holds_seat)
                 VALUES (?, ?, ?, ?, ?, ?, 'clinic', ?)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(MUNICIPALITY)
            .bind(r.ticket.clone())
            .bind(slot.to_string())
            .bind(dose)
            .bind(status)
            .bind(status != "cancelled")
        };
        if i % 5 == 0 {
            continue;
        }
        let first = u64::from(i) % DAYS_BEFORE;
        if i % 7 == 0 {
            book(slot_of(i + 1, first), 1, "cancelled")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let status = if first + 1 < DAYS_BEFORE {
            "vaccinated"
        } else {
            "reserved"
        };
        book(slot_of(i, first), 1, status)
            .execute(&mut *tx)
            .await
            .unwrap();
        if i % 3 == 0 {
            book(slot_of(i, first + 21), 2, "reserved")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
    }
    sqlx::query(
        "UPDATE slots SET booked = (SELECT count(*) FROM bookings b
                                    WHERE b.slot_id = slots.id AND b.status <> 'cancelled')",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    bookings
}
