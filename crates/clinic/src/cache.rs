//! Writing the server's rows into the cache: slots, residents and bookings as a pull or a snapshot
//! delivers them. A row that local work holds (an unsettled or refused intent touches it) is left
//! alone: the receptionist's version stands until its intent settles (DESIGN.md, Sync).

use sqlx::SqliteConnection;
use yoyaku_core::resident::ResidentDetails;
use yoyaku_core::sync::{BookingInfo, ResidentKey};
use yoyaku_core::time::tokyo_date_time;
use yoyaku_core::wire::SlotInfo;

use crate::error::Result;
use crate::outbox::resident_key;

/// True when an unsettled or refused intent touches the row.
pub(crate) async fn is_held(db: &mut SqliteConnection, kind: &str, key: &str) -> Result<bool> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM holds WHERE kind = ? AND key = ?")
            .bind(kind)
            .bind(key)
            .fetch_one(db)
            .await?
            > 0,
    )
}

/// Writes a slot of one of the clinic's venues; a slot of a venue this device does not keep is
/// skipped (returns false).
pub(crate) async fn write_slot(db: &mut SqliteConnection, slot: &SlotInfo) -> Result<bool> {
    let (date, start) = tokyo_date_time(slot.starts_at);
    let (_, end) = tokyo_date_time(slot.ends_at);
    let written = sqlx::query(
        "INSERT INTO slots (id, venue_id, name, vaccine_code, vaccine_name, starts_at,
             ends_at, local_date, start_time, end_time, visibility, capacity, booked)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
         WHERE EXISTS (SELECT 1 FROM venues WHERE id = ?)
         ON CONFLICT (id) DO UPDATE SET
             venue_id = excluded.venue_id, name = excluded.name,
             vaccine_code = excluded.vaccine_code, vaccine_name = excluded.vaccine_name,
             starts_at = excluded.starts_at, ends_at = excluded.ends_at,
             local_date = excluded.local_date, start_time = excluded.start_time,
             end_time = excluded.end_time, visibility = excluded.visibility,
             capacity = excluded.capacity, booked = excluded.booked",
    )
    .bind(slot.id.to_string())
    .bind(slot.venue_id.to_string())
    .bind(&slot.name)
    .bind(&slot.vaccine_code)
    .bind(&slot.vaccine_name)
    .bind(slot.starts_at)
    .bind(slot.ends_at)
    .bind(date.to_string())
    .bind(start.format("%H:%M").to_string())
    .bind(end.format("%H:%M").to_string())
    .bind(slot.visibility.as_str())
    .bind(slot.capacity)
    .bind(slot.booked)
    .bind(slot.venue_id.to_string())
    .execute(db)
    .await?;
    Ok(written.rows_affected() > 0)
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

/// Writes a resident: the key always, the 予約者情報 when given. `verified` says the registry
/// confirmed the ticket; once confirmed, a row stays so.
pub(crate) async fn write_resident(
    db: &mut SqliteConnection,
    key: &ResidentKey,
    details: Option<&ResidentDetails>,
    verified: bool,
) -> Result<()> {
    let query = match details {
        Some(_) => {
            "INSERT INTO residents (municipality_code, ticket_number, birth_date,
                 family_name_kana, given_name_kana, sex, phone, email, memo, name_key,
                 phone_digits, verified)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (municipality_code, ticket_number) DO UPDATE SET
                 birth_date = excluded.birth_date,
                 family_name_kana = excluded.family_name_kana,
                 given_name_kana = excluded.given_name_kana, sex = excluded.sex,
                 phone = excluded.phone, email = excluded.email, memo = excluded.memo,
                 name_key = excluded.name_key, phone_digits = excluded.phone_digits,
                 verified = max(residents.verified, excluded.verified)"
        }
        None => {
            "INSERT INTO residents (municipality_code, ticket_number, birth_date,
                 family_name_kana, given_name_kana, sex, phone, email, memo, name_key,
                 phone_digits, verified)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, ''), ?, ?, ?)
             ON CONFLICT (municipality_code, ticket_number) DO UPDATE SET
                 birth_date = excluded.birth_date,
                 verified = max(residents.verified, excluded.verified)"
        }
    };
    sqlx::query(query)
        .bind(key.municipality_code.to_string())
        .bind(key.ticket_number.to_string())
        .bind(key.birth_date.to_string())
        .bind(details.map(|d| d.family_name_kana.as_str().to_owned()))
        .bind(details.map(|d| d.given_name_kana.as_str().to_owned()))
        .bind(details.map(|d| d.sex.as_str()))
        .bind(details.map(|d| d.phone.display().to_owned()))
        .bind(details.and_then(|d| d.email.as_ref().map(|e| e.as_str().to_owned())))
        .bind(details.map(|d| d.memo.as_str().to_owned()))
        .bind(details.map(name_key))
        .bind(details.map(|d| d.phone.digits().to_owned()))
        .bind(verified)
        .execute(db)
        .await?;
    Ok(())
}

/// Writes a resident the server sent, unless local work holds it.
pub(crate) async fn write_server_resident(
    db: &mut SqliteConnection,
    key: &ResidentKey,
    details: &ResidentDetails,
) -> Result<()> {
    let held_key = resident_key(
        &key.municipality_code.to_string(),
        &key.ticket_number.to_string(),
    );
    if is_held(db, "resident", &held_key).await? {
        return Ok(());
    }
    write_resident(db, key, Some(details), true).await
}

/// Writes a booking the server sent, unless local work holds it. A booking in a slot this device
/// does not keep (long past, or at another venue) is skipped (returns false).
pub(crate) async fn write_server_booking(
    db: &mut SqliteConnection,
    booking: &BookingInfo,
) -> Result<bool> {
    let id = booking.id.to_string();
    if is_held(db, "booking", &id).await? {
        return Ok(true);
    }
    let slot_known: i64 = sqlx::query_scalar("SELECT count(*) FROM slots WHERE id = ?")
        .bind(booking.slot_id.to_string())
        .fetch_one(&mut *db)
        .await?;
    if slot_known == 0 {
        return Ok(false);
    }
    // The resident's row may come later in the same pull; the key is enough to hold the booking.
    write_resident(db, &booking.resident, None, true).await?;
    sqlx::query(
        "INSERT INTO bookings (id, municipality_code, ticket_number, slot_id, dose, status,
             channel, lot_number, vaccinated_at, server_holds_seat, lease_id, tentative)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)
         ON CONFLICT (id) DO UPDATE SET
             municipality_code = excluded.municipality_code,
             ticket_number = excluded.ticket_number, slot_id = excluded.slot_id,
             dose = excluded.dose, status = excluded.status, channel = excluded.channel,
             lot_number = excluded.lot_number, vaccinated_at = excluded.vaccinated_at,
             server_holds_seat = excluded.server_holds_seat, tentative = 0",
    )
    .bind(&id)
    .bind(booking.resident.municipality_code.to_string())
    .bind(booking.resident.ticket_number.to_string())
    .bind(booking.slot_id.to_string())
    .bind(i64::from(booking.dose.get()))
    .bind(booking.status.as_str())
    .bind(booking.channel.as_str())
    .bind(booking.lot_number.as_ref().map(|l| l.as_str().to_owned()))
    .bind(booking.vaccinated_at)
    .bind(booking.status.holds_seat())
    .execute(db)
    .await?;
    Ok(true)
}

/// Removes a slot the server no longer has, with the synced bookings in it. A slot that local
/// work still holds a booking in stays until that work settles.
pub(crate) async fn remove_slot(db: &mut SqliteConnection, slot_id: &str) -> Result<()> {
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bookings b JOIN holds h ON h.kind = 'booking' AND h.key = b.id
         WHERE b.slot_id = ?",
    )
    .bind(slot_id)
    .fetch_one(&mut *db)
    .await?;
    if held > 0 {
        return Ok(());
    }
    sqlx::query("DELETE FROM bookings WHERE slot_id = ?")
        .bind(slot_id)
        .execute(&mut *db)
        .await?;
    sqlx::query("DELETE FROM slots WHERE id = ?")
        .bind(slot_id)
        .execute(&mut *db)
        .await?;
    Ok(())
}
