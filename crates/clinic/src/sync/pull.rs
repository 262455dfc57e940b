//! Pull: the server's changes after the cursor, page by page, each page written with its cursor
//! in one transaction, so a pull cut short resumes where it stopped. A cursor the server no longer
//! serves, or none at all, rebuilds the cache from a snapshot.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use yoyaku_core::sync::{ChangedEntity, PullResponse, Snapshot};

use crate::cache;
use crate::city_client::CityClient;
use crate::error::Result;
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
        let cursor: Option<i64> = sqlx::query_scalar("SELECT cursor FROM sync_state")
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
        for change in &page.changes {
            apply(&mut tx, &change.entity).await?;
        }
        sqlx::query("UPDATE sync_state SET cursor = ? WHERE cursor = ?")
            .bind(page.cursor as i64)
            .bind(cursor)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        pulled.changes += page.changes.len() as u64;
        if !page.has_more {
            return Ok(pulled);
        }
    }
}

async fn apply(db: &mut SqliteConnection, entity: &ChangedEntity) -> Result<()> {
    match entity {
        ChangedEntity::Slot(slot) => {
            cache::write_slot(db, slot).await?;
        }
        ChangedEntity::SlotRemoved { id } => cache::remove_slot(db, &id.to_string()).await?,
        ChangedEntity::Resident(resident) => {
            cache::write_server_resident(db, &resident.key, &resident.details).await?
        }
        ChangedEntity::Booking(booking) => {
            if !cache::write_server_booking(db, booking).await? {
                tracing::debug!(booking = %booking.id, "booking in a slot not kept here");
            }
        }
    }
    Ok(())
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
    let mut tx = store.begin_write().await?;
    // What the snapshot does not hold goes first: synced bookings, then slots and residents no
    // booking refers to any more. Rows local work holds, and what they refer to, stay.
    sqlx::query("CREATE TEMP TABLE IF NOT EXISTS snapshot_ids (kind TEXT, id TEXT, PRIMARY KEY (kind, id)) WITHOUT ROWID")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM temp.snapshot_ids")
        .execute(&mut *tx)
        .await?;
    for slot in &snapshot.slots {
        remember(&mut tx, "slot", &slot.id.to_string()).await?;
    }
    for booking in &snapshot.bookings {
        remember(&mut tx, "booking", &booking.id.to_string()).await?;
    }
    sqlx::query(
        "DELETE FROM bookings
         WHERE id NOT IN (SELECT id FROM temp.snapshot_ids WHERE kind = 'booking')
           AND id NOT IN (SELECT key FROM holds WHERE kind = 'booking')",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM slots
         WHERE id NOT IN (SELECT id FROM temp.snapshot_ids WHERE kind = 'slot')
           AND id NOT IN (SELECT slot_id FROM bookings)",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM residents
         WHERE municipality_code || ':' || ticket_number
                   NOT IN (SELECT key FROM holds WHERE kind = 'resident')
           AND NOT EXISTS (SELECT 1 FROM bookings b
                           WHERE b.municipality_code = residents.municipality_code
                             AND b.ticket_number = residents.ticket_number)",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM temp.snapshot_ids")
        .execute(&mut *tx)
        .await?;

    for slot in &snapshot.slots {
        cache::write_slot(&mut tx, slot).await?;
    }
    for resident in &snapshot.residents {
        cache::write_server_resident(&mut tx, &resident.key, &resident.details).await?;
    }
    for booking in &snapshot.bookings {
        cache::write_server_booking(&mut tx, booking).await?;
    }
    write_reference_data(&mut tx, snapshot).await?;
    sqlx::query("UPDATE sync_state SET cursor = ?, snapshot_at = ?")
        .bind(snapshot.cursor as i64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn remember(db: &mut SqliteConnection, kind: &str, id: &str) -> Result<()> {
    sqlx::query("INSERT OR IGNORE INTO temp.snapshot_ids (kind, id) VALUES (?, ?)")
        .bind(kind)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Vaccine products and periods change rarely and come whole with each snapshot.
async fn write_reference_data(db: &mut SqliteConnection, snapshot: &Snapshot) -> Result<()> {
    sqlx::query("DELETE FROM vaccines")
        .execute(&mut *db)
        .await?;
    for v in &snapshot.vaccines {
        sqlx::query(
            "INSERT INTO vaccines (code, name_ja, name_en, doses_per_vial, usable_hours,
                 standard_days, earliest_days, warn_after_days)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&v.code)
        .bind(&v.name_ja)
        .bind(&v.name_en)
        .bind(v.doses_per_vial)
        .bind(v.usable_hours)
        .bind(v.interval.standard_days)
        .bind(v.interval.earliest_days)
        .bind(v.interval.warn_after_days)
        .execute(&mut *db)
        .await?;
    }
    sqlx::query("DELETE FROM periods").execute(&mut *db).await?;
    for p in &snapshot.periods {
        let spec = &p.period;
        sqlx::query(
            "INSERT INTO periods (number, vaccine_code, first_dose_first, first_dose_last,
                 second_dose_first, second_dose_last)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(spec.number)
        .bind(&p.vaccine_code)
        .bind(spec.first_dose.first.to_string())
        .bind(spec.first_dose.last.to_string())
        .bind(spec.second_dose.first.to_string())
        .bind(spec.second_dose.last.to_string())
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}
