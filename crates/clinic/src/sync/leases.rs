//! Seat leases (docs/ARCHITECTURE.md, Sync: seat leases): while online, the clinic holds a couple
//! of seats in each of its public slots of the coming day and a half, so that if the network drops,
//! the next callers can still be booked into public slots with certainty. Expired leases are
//! forgotten; the server returns their unused seats.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;
use yoyaku_core::sync::{Lease, LeaseRequest};

use crate::city_client::CityClient;
use crate::error::Result;
use crate::store::Store;

/// Seats per lease: enough for the calls of a network outage, few enough not to starve the web.
const SEATS: u32 = 2;
/// Slots starting within this are leased: the rest of today and tomorrow.
const HORIZON: TimeDelta = TimeDelta::hours(36);
/// A lease with less time than this left is renewed.
const RENEW_BEFORE: TimeDelta = TimeDelta::hours(1);
/// At most this many new leases a round, so one round stays quick.
const PER_ROUND: i64 = 20;

/// Drops expired leases and takes new ones for public slots soon to start that have no usable
/// lease. A slot the server cannot lease (full, closed) is simply skipped.
pub(crate) async fn refresh(
    store: &Store,
    client: &CityClient,
    token: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    let (until, renew_before) = (now + HORIZON, now + RENEW_BEFORE);
    let wanted = sqlx::query_scalar!(
        "SELECT s.id FROM slots s JOIN slot_seats seats ON seats.slot_id = s.id
         WHERE s.visibility = 'public'
           AND julianday(s.ends_at) > julianday(?1)
           AND julianday(s.starts_at) < julianday(?2)
           AND seats.capacity - seats.booked >= ?3
           AND NOT EXISTS (
               SELECT 1 FROM leases l
               WHERE l.slot_id = s.id AND julianday(l.expires_at) > julianday(?4)
                 AND l.seats > (SELECT count(*) FROM bookings b
                                WHERE b.lease_id = l.id
                                  AND b.status IN ('reserved', 'checked_in', 'vaccinated')))
         ORDER BY s.starts_at LIMIT ?5",
        now,
        until,
        SEATS,
        renew_before,
        PER_ROUND,
    )
    .fetch_all(store.pool())
    .await?;
    let mut granted = Vec::new();
    let mut unreachable = None;
    for slot in wanted {
        let Ok(slot_id) = slot.parse::<Uuid>() else {
            continue;
        };
        let request = LeaseRequest {
            slot_id,
            seats: SEATS,
        };
        match client
            .post_json::<_, Lease>(token, "/api/v1/sync/leases", &request)
            .await
        {
            Ok(lease) => granted.push(lease),
            Err(e) if e.is_unreachable() => {
                unreachable = Some(e);
                break;
            }
            Err(e) => tracing::debug!(%slot_id, error = %e, "slot not leased"),
        }
    }
    // The leases' seats are now in the server's count: take them into ours at once, so the seats
    // shown stay right until the next pull. What was granted before the network dropped is kept.
    let mut tx = store.begin_write().await?;
    sqlx::query!(
        "DELETE FROM leases WHERE julianday(expires_at) <= julianday(?)",
        now,
    )
    .execute(&mut *tx)
    .await?;
    for lease in &granted {
        let (id, slot_id) = (lease.id.to_string(), lease.slot_id.to_string());
        sqlx::query!(
            "INSERT INTO leases (id, slot_id, seats, expires_at) VALUES (?, ?, ?, ?)",
            id,
            slot_id,
            lease.seats,
            lease.expires_at,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "UPDATE slots SET booked = booked + ? WHERE id = ?",
            lease.seats,
            slot_id,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    match unreachable {
        Some(e) => Err(e),
        None => Ok(granted.len() as u64),
    }
}
