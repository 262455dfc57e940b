//! The benchmark's own data, written straight into the server's database so that a run needs no
//! admin account: a venue of 熊本市 (431001, as `yoyaku-city seed-demo` creates it) with two weeks
//! of public slots, one slot to race for, and registry residents with registered details. Every
//! row is tagged by a random run number, so runs never collide and a database may hold many.

use anyhow::Context;
use chrono::{Days, NaiveDate, NaiveTime, TimeDelta};
use rand::Rng;
use sqlx::PgPool;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::{from_tokyo, tokyo_today};

pub const MUNICIPALITY: &str = "431001";
const VACCINE: &str = "pfizer";
/// Slots the uncontended bookings spread over (and the reads ask about).
const OPEN_SLOTS: usize = 112;
const DAYS: u64 = 14;

pub struct Fixture {
    /// The run's number, in its venue's number and its tickets.
    pub run: u32,
    pub venue_id: Uuid,
    pub vaccine_code: String,
    pub read_dates: Vec<NaiveDate>,
    pub race_slot_id: Uuid,
    pub open_slot_ids: Vec<Uuid>,
    pub residents: Vec<ResidentKey>,
}

pub async fn prepare(pool: &PgPool, race_seats: u32, residents: usize) -> anyhow::Result<Fixture> {
    anyhow::ensure!(residents < 1_000_000, "at most 999,999 residents a run");
    let run: u32 = rand::thread_rng().gen_range(0..1000);
    let venue_id = Uuid::new_v4();
    let venue_number = 10_000 + i32::try_from(run)?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO venues (municipality_code, id, venue_number, name) VALUES ($1, $2, $3, $4)",
    )
    .bind(MUNICIPALITY)
    .bind(venue_id)
    .bind(venue_number)
    .bind(format!("負荷試験会場{run:03}"))
    .execute(&mut *tx)
    .await
    .context("creating the bench venue (is the demo municipality 431001 seeded?)")?;

    let first_day = tokyo_today() + Days::new(1);
    let read_dates: Vec<NaiveDate> = (0..DAYS).map(|d| first_day + Days::new(d)).collect();
    let per_slot = residents.div_ceil(OPEN_SLOTS) as i32 + 1;
    let mut slots = Vec::with_capacity(OPEN_SLOTS + 1);
    for i in 0..OPEN_SLOTS {
        let date = read_dates[i % read_dates.len()];
        let start = NaiveTime::from_hms_opt(9, 0, 0).unwrap()
            + TimeDelta::minutes(30 * (i / read_dates.len()) as i64);
        slots.push((Uuid::new_v4(), date, start, per_slot));
    }
    let race_slot_id = Uuid::new_v4();
    slots.push((
        race_slot_id,
        first_day,
        NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
        i32::try_from(race_seats)?,
    ));
    for (id, date, start, capacity) in &slots {
        let starts_at = from_tokyo(*date, *start);
        sqlx::query(
            "INSERT INTO slots (municipality_code, id, venue_id, vaccine_code, name, starts_at, ends_at,
                                visibility, capacity)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'public', $8)",
        )
        .bind(MUNICIPALITY)
        .bind(id)
        .bind(venue_id)
        .bind(VACCINE)
        .bind(format!("【負荷試験】{venue_number}.{}.{}", date.format("%Y%m%d"), start.format("%H%M")))
        .bind(starts_at)
        .bind(starts_at + TimeDelta::minutes(30))
        .bind(capacity)
        .execute(&mut *tx)
        .await?;
    }

    let municipality = MunicipalityCode::parse(MUNICIPALITY)?;
    let today = tokyo_today();
    let mut keys = Vec::with_capacity(residents);
    let (mut tickets, mut births) = (Vec::with_capacity(residents), Vec::with_capacity(residents));
    for i in 0..residents {
        let ticket = format!("7{run:03}{i:06}");
        let birth = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + Days::new((i % 20_000) as u64);
        keys.push(ResidentKey {
            municipality_code: municipality,
            ticket_number: TicketNumber::parse(&ticket)?,
            birth_date: BirthDate::from_date(birth, today)?,
        });
        tickets.push(ticket);
        births.push(birth);
    }
    sqlx::query(
        "INSERT INTO valid_tickets (municipality_code, ticket_number, birth_date)
         SELECT $1, t, b FROM unnest($2::text[], $3::date[]) AS u(t, b)",
    )
    .bind(MUNICIPALITY)
    .bind(&tickets)
    .bind(&births)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO residents (municipality_code, home_code, ticket_number, birth_date,
                                family_name_kana, given_name_kana, sex, phone)
         SELECT $1, $1, t, b, 'フカシケン', 'タロウ', 'unset', '0961234567'
         FROM unnest($2::text[], $3::date[]) AS u(t, b)",
    )
    .bind(MUNICIPALITY)
    .bind(&tickets)
    .bind(&births)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    Ok(Fixture {
        run,
        venue_id,
        vaccine_code: VACCINE.into(),
        read_dates,
        race_slot_id,
        open_slot_ids: slots[..OPEN_SLOTS].iter().map(|s| s.0).collect(),
        residents: keys,
    })
}

/// The invariants, over the whole database (not only this run's rows).
pub struct Check {
    /// Slots holding more seat-taking bookings than seats, or whose `booked` disagrees with them.
    pub overbooked_slots: i64,
    /// (resident, dose) pairs with more than one active booking.
    pub duplicate_active_bookings: i64,
}

pub async fn check(pool: &PgPool) -> anyhow::Result<Check> {
    let overbooked_slots = sqlx::query_scalar(
        "SELECT count(*) FROM slots s
         LEFT JOIN (SELECT municipality_code, slot_id, count(*) AS n FROM bookings
                    WHERE status IN ('reserved', 'checked_in', 'vaccinated')
                    GROUP BY municipality_code, slot_id) b
           ON b.municipality_code = s.municipality_code AND b.slot_id = s.id
         WHERE coalesce(b.n, 0) > s.capacity OR coalesce(b.n, 0) > s.booked",
    )
    .fetch_one(pool)
    .await?;
    let duplicate_active_bookings = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM bookings
                               WHERE status IN ('reserved', 'checked_in', 'vaccinated')
                               GROUP BY municipality_code, ticket_number, dose
                               HAVING count(*) > 1) d",
    )
    .fetch_one(pool)
    .await?;
    Ok(Check {
        overbooked_slots,
        duplicate_active_bookings,
    })
}
