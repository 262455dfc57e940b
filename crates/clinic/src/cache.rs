//! Writing the server's rows into the cache: slots, residents and bookings as a pull or a snapshot
//! delivers them. A row that local work holds (an unsettled or refused intent touches it) is left
//! alone: the receptionist's version stands until its intent settles (docs/ARCHITECTURE.md, Sync).
//!
//! Rows go in by the batch: each batch is serialised to JSON once and written by one statement
//! over `json_each`, so a snapshot of 10,000 bookings costs a handful of statements, not tens of
//! thousands of round trips to SQLite's thread.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::out_of_municipality::OutsideStay;
use yoyaku_core::resident::ResidentDetails;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::sync::{BookingInfo, ResidentInfo};
use yoyaku_core::time::tokyo_date_time;
use yoyaku_core::wire::SlotInfo;

use crate::error::{ClinicError, Result};

/// True when an unsettled or refused intent touches the row.
pub(crate) async fn is_held(db: &mut SqliteConnection, kind: &str, key: &str) -> Result<bool> {
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!: i64" FROM holds WHERE kind = ? AND key = ?"#,
        kind,
        key,
    )
    .fetch_one(db)
    .await?;
    Ok(count > 0)
}

/// Text as sqlx stores a `DateTime<Utc>`, so rows written in batches compare and sort with the
/// others.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn to_json<T: Serialize>(rows: &[T]) -> Result<String> {
    serde_json::to_string(rows).map_err(|e| ClinicError::Internal(format!("cache batch: {e}")))
}

/// A slot as the `slots` table holds it.
#[derive(Serialize)]
struct SlotJson<'a> {
    id: Uuid,
    venue_id: Uuid,
    name: &'a str,
    vaccine_code: &'a str,
    vaccine_name: &'a str,
    starts_at: String,
    ends_at: String,
    local_date: String,
    start_time: String,
    end_time: String,
    visibility: &'static str,
    capacity: i32,
    booked: i32,
}

impl<'a> From<&'a SlotInfo> for SlotJson<'a> {
    fn from(slot: &'a SlotInfo) -> Self {
        let (date, start) = tokyo_date_time(slot.starts_at);
        let (_, end) = tokyo_date_time(slot.ends_at);
        Self {
            id: slot.id,
            venue_id: slot.venue_id,
            name: &slot.name,
            vaccine_code: &slot.vaccine_code,
            vaccine_name: &slot.vaccine_name,
            starts_at: timestamp(slot.starts_at),
            ends_at: timestamp(slot.ends_at),
            local_date: date.to_string(),
            start_time: start.format("%H:%M").to_string(),
            end_time: end.format("%H:%M").to_string(),
            visibility: slot.visibility.as_str(),
            capacity: slot.capacity,
            booked: slot.booked,
        }
    }
}

/// Writes slots of the clinic's venues; a slot of a venue this device does not keep is skipped.
pub(crate) async fn write_slots<'a>(
    db: &mut SqliteConnection,
    slots: impl IntoIterator<Item = &'a SlotInfo>,
) -> Result<()> {
    let rows: Vec<SlotJson> = slots.into_iter().map(SlotJson::from).collect();
    if rows.is_empty() {
        return Ok(());
    }
    let rows = to_json(&rows)?;
    sqlx::query!(
        "INSERT INTO slots (id, venue_id, name, vaccine_code, vaccine_name, starts_at,
             ends_at, local_date, start_time, end_time, visibility, capacity, booked)
         SELECT r->>'id', r->>'venue_id', r->>'name', r->>'vaccine_code', r->>'vaccine_name',
                r->>'starts_at', r->>'ends_at', r->>'local_date', r->>'start_time',
                r->>'end_time', r->>'visibility', r->>'capacity', r->>'booked'
         FROM (SELECT value AS r FROM json_each(?))
         WHERE EXISTS (SELECT 1 FROM venues WHERE id = r->>'venue_id')
         ON CONFLICT (id) DO UPDATE SET
             venue_id = excluded.venue_id, name = excluded.name,
             vaccine_code = excluded.vaccine_code, vaccine_name = excluded.vaccine_name,
             starts_at = excluded.starts_at, ends_at = excluded.ends_at,
             local_date = excluded.local_date, start_time = excluded.start_time,
             end_time = excluded.end_time, visibility = excluded.visibility,
             capacity = excluded.capacity, booked = excluded.booked",
        rows,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The name key resident search matches by prefix: 姓 then 名 without the spaces between words
/// (ASCII or full-width), as yoyaku-core's `search_key` folds what the receptionist types.
pub(crate) fn name_key(details: &ResidentDetails) -> String {
    details
        .family_name_kana
        .as_str()
        .chars()
        .chain(details.given_name_kana.as_str().chars())
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A resident as the `residents` table holds it; the 予約者情報 are all null when not given.
#[derive(Serialize)]
struct ResidentJson<'a> {
    municipality_code: String,
    ticket_number: String,
    birth_date: String,
    family_name_kana: Option<&'a str>,
    given_name_kana: Option<&'a str>,
    sex: Option<&'static str>,
    phone: Option<&'a str>,
    email: Option<&'a str>,
    memo: Option<&'a str>,
    name_key: Option<String>,
    phone_digits: Option<&'a str>,
}

impl<'a> ResidentJson<'a> {
    fn new(key: &ResidentKey, details: Option<&'a ResidentDetails>) -> Self {
        Self {
            municipality_code: key.municipality_code.to_string(),
            ticket_number: key.ticket_number.to_string(),
            birth_date: key.birth_date.to_string(),
            family_name_kana: details.map(|d| d.family_name_kana.as_str()),
            given_name_kana: details.map(|d| d.given_name_kana.as_str()),
            sex: details.map(|d| d.sex.as_str()),
            phone: details.map(|d| d.phone.display()),
            email: details.and_then(|d| d.email.as_ref().map(|e| e.as_str())),
            memo: details.map(|d| d.memo.as_str()),
            name_key: details.map(name_key),
            phone_digits: details.map(|d| d.phone.digits()),
        }
    }
}

/// Which residents of a batch are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Held {
    /// The server's rows: one that local work holds keeps the receptionist's version.
    Skip,
    /// A use case's own write.
    Overwrite,
}

/// Writes residents: the key always, the 予約者情報 where given (a row without them keeps its
/// own). `verified` says the registry confirmed the tickets; once confirmed, a row stays so.
async fn write_residents(
    db: &mut SqliteConnection,
    rows: &[ResidentJson<'_>],
    verified: bool,
    held: Held,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // 予約者情報 always come with a 姓(カナ): its absence marks a key-only row, whose update
    // leaves the stored details as they are.
    let (rows, skip_held) = (to_json(rows)?, held == Held::Skip);
    sqlx::query!(
        "INSERT INTO residents (municipality_code, ticket_number, birth_date,
             family_name_kana, given_name_kana, sex, phone, email, memo, name_key,
             phone_digits, verified)
         SELECT r->>'municipality_code', r->>'ticket_number', r->>'birth_date',
                r->>'family_name_kana', r->>'given_name_kana', r->>'sex', r->>'phone',
                r->>'email', coalesce(r->>'memo', ''), r->>'name_key', r->>'phone_digits', ?2
         FROM (SELECT value AS r FROM json_each(?1))
         WHERE NOT (?3 AND EXISTS (
             SELECT 1 FROM holds h
             WHERE h.kind = 'resident'
               AND h.key = (r->>'municipality_code') || ':' || (r->>'ticket_number')))
         ON CONFLICT (municipality_code, ticket_number) DO UPDATE SET
             birth_date = excluded.birth_date,
             family_name_kana = CASE WHEN excluded.family_name_kana IS NULL
                 THEN family_name_kana ELSE excluded.family_name_kana END,
             given_name_kana = CASE WHEN excluded.family_name_kana IS NULL
                 THEN given_name_kana ELSE excluded.given_name_kana END,
             sex = CASE WHEN excluded.family_name_kana IS NULL THEN sex ELSE excluded.sex END,
             phone = CASE WHEN excluded.family_name_kana IS NULL
                 THEN phone ELSE excluded.phone END,
             email = CASE WHEN excluded.family_name_kana IS NULL
                 THEN email ELSE excluded.email END,
             memo = CASE WHEN excluded.family_name_kana IS NULL THEN memo ELSE excluded.memo END,
             name_key = CASE WHEN excluded.family_name_kana IS NULL
                 THEN name_key ELSE excluded.name_key END,
             phone_digits = CASE WHEN excluded.family_name_kana IS NULL
                 THEN phone_digits ELSE excluded.phone_digits END,
             verified = max(verified, excluded.verified)
         -- A key the row already holds as confirmed changes nothing: no write.
         WHERE excluded.family_name_kana IS NOT NULL OR verified < excluded.verified
            OR birth_date IS NOT excluded.birth_date",
        rows,
        verified,
        skip_held,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Writes one resident for a use case: the key always, the 予約者情報 when given.
pub(crate) async fn write_resident(
    db: &mut SqliteConnection,
    key: &ResidentKey,
    details: Option<&ResidentDetails>,
    verified: bool,
) -> Result<()> {
    write_residents(
        db,
        &[ResidentJson::new(key, details)],
        verified,
        Held::Overwrite,
    )
    .await
}

/// Writes the residents the server sent, except those local work holds.
pub(crate) async fn write_server_residents<'a>(
    db: &mut SqliteConnection,
    residents: impl IntoIterator<Item = &'a ResidentInfo>,
) -> Result<()> {
    let residents: Vec<&ResidentInfo> = residents.into_iter().collect();
    let rows: Vec<ResidentJson> = residents
        .iter()
        .map(|r| ResidentJson::new(&r.key, Some(&r.details)))
        .collect();
    write_residents(db, &rows, true, Held::Skip).await?;
    let stays: Vec<(&ResidentKey, Option<OutsideStay>)> =
        residents.iter().map(|r| (&r.key, r.outside)).collect();
    write_outside(db, &stays, Held::Skip).await
}

/// A resident's 住所地外 stay as the `residents` table keeps it.
#[derive(Serialize)]
struct OutsideJson {
    municipality_code: String,
    ticket_number: String,
    reason: Option<&'static str>,
    notification: Option<&'static str>,
}

/// Writes residents' 住所地外 stays (manual 2-3; `None` for this city's residents), for a use
/// case (`Held::Overwrite`) or from the server (skipped while local work holds the row). One
/// statement for a whole snapshot; rows already so are not written.
pub(crate) async fn write_outside(
    db: &mut SqliteConnection,
    stays: &[(&ResidentKey, Option<OutsideStay>)],
    held: Held,
) -> Result<()> {
    if stays.is_empty() {
        return Ok(());
    }
    let rows: Vec<OutsideJson> = stays
        .iter()
        .map(|(key, stay)| OutsideJson {
            municipality_code: key.municipality_code.to_string(),
            ticket_number: key.ticket_number.to_string(),
            reason: stay.map(|s| s.reason().as_str()),
            notification: stay.map(|s| s.notification().as_str()),
        })
        .collect();
    let (rows, skip_held) = (to_json(&rows)?, held == Held::Skip);
    sqlx::query!(
        "UPDATE residents SET outside_reason = o.reason, notification = o.notification
         FROM (SELECT value->>'municipality_code' AS m, value->>'ticket_number' AS t,
                      value->>'reason' AS reason, value->>'notification' AS notification
               FROM json_each(?1)) AS o
         WHERE residents.municipality_code = o.m AND residents.ticket_number = o.t
           AND (residents.outside_reason IS NOT o.reason
                OR residents.notification IS NOT o.notification)
           AND NOT (?2 AND EXISTS (SELECT 1 FROM holds h
                                   WHERE h.kind = 'resident' AND h.key = o.m || ':' || o.t))",
        rows,
        skip_held,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A booking as the `bookings` table holds it.
#[derive(Serialize)]
struct BookingJson<'a> {
    id: Uuid,
    municipality_code: String,
    ticket_number: String,
    slot_id: Uuid,
    dose: u8,
    status: &'static str,
    channel: &'static str,
    lot_number: Option<&'a str>,
    vaccinated_at: Option<String>,
    server_holds_seat: bool,
}

/// Writes the bookings the server sent, except those local work holds, and the keys of their
/// residents (whose details may come later in the same pull). A booking in a slot this device
/// does not keep (long past, or at another venue) is skipped.
pub(crate) async fn write_server_bookings<'a>(
    db: &mut SqliteConnection,
    bookings: impl IntoIterator<Item = &'a BookingInfo>,
) -> Result<()> {
    let bookings: Vec<&BookingInfo> = bookings.into_iter().collect();
    if bookings.is_empty() {
        return Ok(());
    }
    let rows: Vec<BookingJson> = bookings
        .iter()
        .map(|b| BookingJson {
            id: b.id,
            municipality_code: b.resident.municipality_code.to_string(),
            ticket_number: b.resident.ticket_number.to_string(),
            slot_id: b.slot_id,
            dose: b.dose.get(),
            status: b.status.as_str(),
            channel: b.channel.as_str(),
            lot_number: b.lot_number.as_ref().map(|l| l.as_str()),
            vaccinated_at: b.vaccinated_at.map(timestamp),
            server_holds_seat: b.status.holds_seat(),
        })
        .collect();
    let keys: Vec<ResidentJson> = bookings
        .iter()
        .map(|b| ResidentJson::new(&b.resident, None))
        .collect();
    // The key is enough to hold the booking; it is one the registry confirmed.
    write_residents(db, &keys, true, Held::Overwrite).await?;
    let rows = to_json(&rows)?;
    sqlx::query!(
        "INSERT INTO bookings (id, municipality_code, ticket_number, slot_id, dose, status,
             channel, lot_number, vaccinated_at, server_holds_seat, lease_id, tentative)
         SELECT r->>'id', r->>'municipality_code', r->>'ticket_number', r->>'slot_id',
                r->>'dose', r->>'status', r->>'channel', r->>'lot_number', r->>'vaccinated_at',
                r->>'server_holds_seat', NULL, 0
         FROM (SELECT value AS r FROM json_each(?))
         WHERE EXISTS (SELECT 1 FROM slots WHERE id = r->>'slot_id')
           AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.kind = 'booking' AND h.key = r->>'id')
         ON CONFLICT (id) DO UPDATE SET
             municipality_code = excluded.municipality_code,
             ticket_number = excluded.ticket_number, slot_id = excluded.slot_id,
             dose = excluded.dose, status = excluded.status, channel = excluded.channel,
             lot_number = excluded.lot_number, vaccinated_at = excluded.vaccinated_at,
             server_holds_seat = excluded.server_holds_seat, tentative = 0, moved_from = NULL",
        rows,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes slots the server no longer has, with the synced bookings in them. A slot that local
/// work still holds a booking in stays until that work settles.
pub(crate) async fn remove_slots(db: &mut SqliteConnection, slot_ids: &[Uuid]) -> Result<()> {
    if slot_ids.is_empty() {
        return Ok(());
    }
    let ids = to_json(slot_ids)?;
    sqlx::query!(
        "DELETE FROM bookings
         WHERE slot_id IN (SELECT value FROM json_each(?))
           AND NOT EXISTS (SELECT 1 FROM bookings b JOIN holds h
                               ON h.kind = 'booking' AND h.key = b.id
                           WHERE b.slot_id = bookings.slot_id)",
        ids,
    )
    .execute(&mut *db)
    .await?;
    // A slot with a held booking still has it, and stays.
    sqlx::query!(
        "DELETE FROM slots
         WHERE id IN (SELECT value FROM json_each(?))
           AND NOT EXISTS (SELECT 1 FROM bookings WHERE slot_id = slots.id)",
        ids,
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}
