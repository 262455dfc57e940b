//! Pull: the server's changes after the cursor, page by page, each page written with its cursor
//! in one transaction, so a pull cut short resumes where it stopped. A cursor the server no longer
//! serves, or none at all, rebuilds the cache from a snapshot.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::sync::{Change, ChangedEntity, PullResponse, Snapshot};

use crate::cache;
use crate::city_client::CityClient;
use crate::error::{ClinicError, Result};
use crate::store::Store;

/// Changes per page: big enough that a day's catch-up is a few requests.
const PAGE: u32 = 2_000;

/// What a pull did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pulled {
    pub changes: u64,
    pub resynced: bool,
}

pub(crate) async fn pull(store: &Store, client: &CityClient, token: &str) -> Result<Pulled> {
    let mut pulled = Pulled::default();
    loop {
        let cursor = sqlx::query_scalar!("SELECT cursor FROM sync_state")
            .fetch_one(store.pool())
            .await?;
        let Some(cursor) = cursor else {
            resync(store, client, token).await?;
            pulled.resynced = true;
            continue;
        };
        let query = [("cursor", cursor.to_string()), ("limit", PAGE.to_string())];
        let page = match client
            .get_json::<_, PullResponse>(token, "/api/v1/sync/pull", &query)
            .await?
        {
            PullResponse::Changes(page) => page,
            PullResponse::Resync { reason } => {
                tracing::info!(%reason, "the server asks for a resync");
                resync(store, client, token).await?;
                pulled.resynced = true;
                continue;
            }
        };
        let mut tx = store.begin_write().await?;
        apply(&mut tx, &page.changes).await?;
        let next = page.cursor as i64;
        sqlx::query!(
            "UPDATE sync_state SET cursor = ? WHERE cursor = ?",
            next,
            cursor,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        pulled.changes += page.changes.len() as u64;
        if !page.has_more {
            return Ok(pulled);
        }
    }
}

/// Writes a page: the server sends each entity's current state, slots and residents before the
/// bookings that refer to them, so the page goes in by kind.
async fn apply(db: &mut SqliteConnection, changes: &[Change]) -> Result<()> {
    let removed: Vec<Uuid> = changes
        .iter()
        .filter_map(|c| match c.entity {
            ChangedEntity::SlotRemoved { id } => Some(id),
            _ => None,
        })
        .collect();
    let slots = changes.iter().filter_map(|c| match &c.entity {
        ChangedEntity::Slot(slot) => Some(slot),
        _ => None,
    });
    let residents = changes.iter().filter_map(|c| match &c.entity {
        ChangedEntity::Resident(resident) => Some(resident),
        _ => None,
    });
    let bookings = changes.iter().filter_map(|c| match &c.entity {
        ChangedEntity::Booking(booking) => Some(booking),
        _ => None,
    });
    cache::remove_slots(db, &removed).await?;
    cache::write_slots(db, slots).await?;
    cache::write_server_residents(db, residents).await?;
    cache::write_server_bookings(db, bookings).await
}

/// Rebuilds the cache from a snapshot in one transaction: the server's rows replace the cached
/// ones, except rows local work holds; rows the server no longer sends go, unless held.
pub(crate) async fn resync(store: &Store, client: &CityClient, token: &str) -> Result<()> {
    let snapshot: Snapshot = client
        .get_json(token, "/api/v1/sync/snapshot", &[] as &[(&str, &str)])
        .await?;
    rebuild(store, &snapshot, Utc::now()).await
}

pub(crate) async fn rebuild(store: &Store, snapshot: &Snapshot, now: DateTime<Utc>) -> Result<()> {
    let ids = |ids: Vec<Uuid>| {
        serde_json::to_string(&ids).map_err(|e| ClinicError::Internal(format!("snapshot: {e}")))
    };
    let slot_ids = ids(snapshot.slots.iter().map(|s| s.id).collect())?;
    let booking_ids = ids(snapshot.bookings.iter().map(|b| b.id).collect())?;
    let mut tx = store.begin_write().await?;
    // What the snapshot does not hold goes first: synced bookings, then slots and residents no
    // booking refers to any more. Rows local work holds, and what they refer to, stay.
    sqlx::query!(
        "DELETE FROM bookings
         WHERE id NOT IN (SELECT value FROM json_each(?))
           AND id NOT IN (SELECT key FROM holds WHERE kind = 'booking')",
        booking_ids,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM slots
         WHERE id NOT IN (SELECT value FROM json_each(?))
           AND id NOT IN (SELECT slot_id FROM bookings)",
        slot_ids,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM residents
         WHERE municipality_code || ':' || ticket_number
                   NOT IN (SELECT key FROM holds WHERE kind = 'resident')
           AND NOT EXISTS (SELECT 1 FROM bookings b
                           WHERE b.municipality_code = residents.municipality_code
                             AND b.ticket_number = residents.ticket_number)"
    )
    .execute(&mut *tx)
    .await?;

    cache::write_slots(&mut tx, &snapshot.slots).await?;
    cache::write_server_residents(&mut tx, &snapshot.residents).await?;
    cache::write_server_bookings(&mut tx, &snapshot.bookings).await?;
    write_reference_data(&mut tx, snapshot).await?;
    let cursor = snapshot.cursor as i64;
    sqlx::query!(
        "UPDATE sync_state SET cursor = ?, snapshot_at = ?",
        cursor,
        now,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Vaccine products and periods change rarely and come whole with each snapshot.
async fn write_reference_data(db: &mut SqliteConnection, snapshot: &Snapshot) -> Result<()> {
    sqlx::query!("DELETE FROM vaccines")
        .execute(&mut *db)
        .await?;
    for v in &snapshot.vaccines {
        sqlx::query!(
            "INSERT INTO vaccines (code, name_ja, name_en, doses_per_vial, usable_hours,
                 standard_days, earliest_days, warn_after_days)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            v.code,
            v.name_ja,
            v.name_en,
            v.doses_per_vial,
            v.usable_hours,
            v.interval.standard_days,
            v.interval.earliest_days,
            v.interval.warn_after_days,
        )
        .execute(&mut *db)
        .await?;
    }
    sqlx::query!("DELETE FROM periods")
        .execute(&mut *db)
        .await?;
    for p in &snapshot.periods {
        let spec = &p.period;
        let (first_dose_first, first_dose_last) = (
            spec.first_dose.first.to_string(),
            spec.first_dose.last.to_string(),
        );
        let (second_dose_first, second_dose_last) = (
            spec.second_dose.first.to_string(),
            spec.second_dose.last.to_string(),
        );
        sqlx::query!(
            "INSERT INTO periods (number, vaccine_code, first_dose_first, first_dose_last,
                 second_dose_first, second_dose_last)
             VALUES (?, ?, ?, ?, ?, ?)",
            spec.number,
            p.vaccine_code,
            first_dose_first,
            first_dose_last,
            second_dose_first,
            second_dose_last,
        )
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}
