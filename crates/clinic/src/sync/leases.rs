//! Seat leases (docs/ARCHITECTURE.md, Sync: seat leases): while online, the clinic holds a couple
//! of seats in each of its public slots of the coming day and a half, so that if the network drops,
//! the next callers can still be booked into public slots with certainty. Expired leases are
//! forgotten; the server returns their unused seats.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;
use yoyaku_core::sync::{Lease, LeaseRequest};

use crate::city_client::CityClient;
use crate::error::{ClinicError, Result};
use crate::store::Store;

/// Seats per lease: enough for the calls of a network outage, few enough not to starve the web.
const SEATS: u32 = 2;
/// Slots starting within this are leased: the rest of today and tomorrow.
const HORIZON: TimeDelta = TimeDelta::hours(36);
/// A lease with less time than this left is renewed.
const RENEW_BEFORE: TimeDelta = TimeDelta::hours(1);
/// At most this many new leases a round, so one round stays quick.
const PER_ROUND: i64 = 20;
/// The city's longest lease (`yoyaku_city::sync::leases::LEASE_LIFETIME`).
const LEASE_LIFETIME: TimeDelta = TimeDelta::hours(12);

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
        // A lease asked for and not answered is asked again first, whatever the seats now shown
        // (they count its seats if the city made it).
        "SELECT s.id FROM slots s JOIN slot_seats seats ON seats.slot_id = s.id
         LEFT JOIN lease_requests r ON r.slot_id = s.id
         WHERE s.visibility = 'public'
           AND julianday(s.ends_at) > julianday(?1)
           AND (r.id IS NOT NULL
                OR (julianday(s.starts_at) < julianday(?2)
                    AND seats.capacity - seats.booked >= ?3
                    AND NOT EXISTS (
                        SELECT 1 FROM leases l
                        WHERE l.slot_id = s.id AND julianday(l.expires_at) > julianday(?4)
                          AND l.seats > (SELECT count(*) FROM bookings b
                                         WHERE b.lease_id = l.id
                                           AND b.status IN ('reserved', 'checked_in', 'vaccinated')))))
         ORDER BY r.id IS NULL, s.starts_at
         LIMIT ?5",
        now,
        until,
        SEATS,
        renew_before,
        PER_ROUND,
    )
    .fetch_all(store.pool())
    .await?;
    let mut granted = Vec::new();
    // Requests the city answered (with a lease or a refusal): not to be asked again.
    let mut answered = Vec::new();
    let mut unreachable = None;
    for slot in wanted {
        let Ok(slot_id) = slot.parse::<Uuid>() else {
            continue;
        };
        let request = LeaseRequest {
            id: asked_id(store, &slot, now).await?,
            slot_id,
            seats: SEATS,
        };
        match client
            .post_json::<_, Lease>(token, "/api/v1/sync/leases", &request)
            .await
        {
            Ok(lease) => {
                answered.push(request.id.to_string());
                granted.push(lease);
            }
            Err(e) if e.is_unreachable() => {
                unreachable = Some(e);
                break;
            }
            Err(ClinicError::Rejected(problem)) => {
                tracing::debug!(%slot_id, code = %problem.code, "slot not leased");
                answered.push(request.id.to_string());
            }
            // No answer to trust: the request is asked again with its id next round.
            Err(e) => tracing::debug!(%slot_id, error = %e, "lease unanswered"),
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
    // A request older than a lease lives made nothing that still holds a seat.
    let forgotten = now - LEASE_LIFETIME;
    let answered =
        serde_json::to_string(&answered).map_err(|e| ClinicError::Internal(e.to_string()))?;
    sqlx::query!(
        "DELETE FROM lease_requests
         WHERE id IN (SELECT value FROM json_each(?)) OR julianday(asked_at) <= julianday(?)",
        answered,
        forgotten,
    )
    .execute(&mut *tx)
    .await?;
    for lease in &granted {
        let (id, slot_id) = (lease.id.to_string(), lease.slot_id.to_string());
        // Answered again after a lost answer, an expired lease is of no use.
        if lease.expires_at <= now {
            continue;
        }
        let added = sqlx::query!(
            "INSERT INTO leases (id, slot_id, seats, expires_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING",
            id,
            slot_id,
            lease.seats,
            lease.expires_at,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if added == 1 {
            sqlx::query!(
                "UPDATE slots SET booked = booked + ? WHERE id = ?",
                lease.seats,
                slot_id,
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    match unreachable {
        Some(e) => Err(e),
        None => Ok(granted.len() as u64),
    }
}

/// The id of the lease asked for `slot` and not answered yet, or a new one, written before it is
/// sent: asked again with it, the city answers with the lease it may have made already.
async fn asked_id(store: &Store, slot: &str, now: DateTime<Utc>) -> Result<Uuid> {
    let fresh = Uuid::new_v4().to_string();
    let mut tx = store.begin_write().await?;
    sqlx::query!(
        "INSERT INTO lease_requests (id, slot_id, asked_at) VALUES (?, ?, ?)
         ON CONFLICT (slot_id) DO NOTHING",
        fresh,
        slot,
        now,
    )
    .execute(&mut *tx)
    .await?;
    let id = sqlx::query_scalar!("SELECT id FROM lease_requests WHERE slot_id = ?", slot)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    id.parse()
        .map_err(|_| ClinicError::Internal(format!("lease request id {id}")))
}
