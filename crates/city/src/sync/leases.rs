//! Seat leases: a clinic online takes a few public seats of its own slot, counted in the slot's
//! `booked` at once, so that bookings it makes offline later are certain. A booking pushed with
//! the lease uses one of its seats instead of taking a new one; at expiry the unused seats return.

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;
use yoyaku_core::sync::{Lease, LeaseRequest};

use crate::audit::{self, Entity};

use super::{LeaseRefusal, SyncError, pull::Scope};

/// A morning's or an afternoon's worth of offline work; never past the slot's end.
pub(crate) const LEASE_LIFETIME: TimeDelta = TimeDelta::hours(12);
/// More than this would take public seats away from the web and the call center for long.
pub(crate) const MAX_SEATS: u32 = 10;

/// Takes `request.seats` public seats of the slot for the lease `request.id`. The same request
/// sent again (its answer lost on the way, or sent twice by the line) gets the lease it made the
/// first time and takes no more seats: otherwise every lost answer would hold seats away from the
/// web until they expire, and the clinic, not knowing of them, would lease again.
pub(crate) async fn take(
    db: &mut PgConnection,
    scope: &Scope,
    account: Uuid,
    request: LeaseRequest,
    now: DateTime<Utc>,
) -> Result<Lease, SyncError> {
    let LeaseRequest { id, slot_id, seats } = request;
    if !(1..=MAX_SEATS).contains(&seats) {
        return Err(LeaseRefusal::Seats.into());
    }
    // The lease row first: a request sent twice at once waits here for the first one's outcome.
    let claimed = sqlx::query_scalar!(
        r#"insert into leases (municipality_code, id, slot_id, account_id, seats, expires_at)
           select s.municipality_code, $2, s.id, $4, $5, least($6, s.ends_at)
           from slots s
           where s.municipality_code = $1 and s.id = $3 and s.venue_id = any($7)
           on conflict (municipality_code, id) do nothing
           returning expires_at as "expires_at: DateTime<Utc>""#,
        scope.municipality.as_string(),
        id,
        slot_id,
        account,
        seats as i32,
        (now + LEASE_LIFETIME) as _,
        &scope.venues,
    )
    .fetch_optional(&mut *db)
    .await?;
    let Some(expires_at) = claimed else {
        return granted_before(db, scope, account, request, now).await;
    };
    // Refused, the caller's transaction rolls back with the lease row.
    let taken = sqlx::query_scalar!(
        "update slots set booked = booked + $3, updated_at = now()
         where municipality_code = $1 and id = $2
           and visibility = 'public' and booked + $3 <= capacity and ends_at > $4
           and slot_reception_open(municipality_code, period_number)
         returning venue_id",
        scope.municipality.as_string(),
        slot_id,
        seats as i32,
        now as _,
    )
    .fetch_optional(&mut *db)
    .await?;
    let Some(venue_id) = taken else {
        return Err(why_not(db, scope, slot_id, now).await?.into());
    };
    audit::record_change(db, scope.municipality, Entity::Slot(slot_id), venue_id).await?;
    Ok(Lease {
        id,
        slot_id,
        seats,
        expires_at,
    })
}

/// The lease `request.id` already made, for the same clinic, slot and seats: answered again as
/// it was. Another lease of that id is refused; with none, the slot is not the clinic's.
async fn granted_before(
    db: &mut PgConnection,
    scope: &Scope,
    account: Uuid,
    request: LeaseRequest,
    now: DateTime<Utc>,
) -> Result<Lease, SyncError> {
    let before = sqlx::query!(
        r#"select slot_id, account_id, seats, expires_at as "expires_at: DateTime<Utc>"
           from leases where municipality_code = $1 and id = $2"#,
        scope.municipality.as_string(),
        request.id,
    )
    .fetch_optional(&mut *db)
    .await?;
    match before {
        Some(lease)
            if lease.account_id == account
                && lease.slot_id == request.slot_id
                && lease.seats == request.seats as i32 =>
        {
            Ok(Lease {
                id: request.id,
                slot_id: lease.slot_id,
                seats: request.seats,
                expires_at: lease.expires_at,
            })
        }
        Some(_) => Err(LeaseRefusal::IdTaken.into()),
        None => Err(why_not(db, scope, request.slot_id, now).await?.into()),
    }
}

async fn why_not(
    db: &mut PgConnection,
    scope: &Scope,
    slot_id: Uuid,
    now: DateTime<Utc>,
) -> Result<LeaseRefusal, SyncError> {
    let slot = sqlx::query!(
        r#"select visibility, ends_at as "ends_at: DateTime<Utc>",
                  slot_reception_open(municipality_code, period_number) as "reception_open!"
           from slots
           where municipality_code = $1 and id = $2 and venue_id = any($3)"#,
        scope.municipality.as_string(),
        slot_id,
        &scope.venues,
    )
    .fetch_optional(db)
    .await?;
    Ok(match slot {
        None => LeaseRefusal::NotOwnSlot,
        Some(slot) if slot.visibility == "private" => LeaseRefusal::PrivateSlot,
        Some(slot) if slot.ends_at <= now => LeaseRefusal::Past,
        Some(slot) if !slot.reception_open => LeaseRefusal::NotOpen,
        Some(_) => LeaseRefusal::Full,
    })
}

/// Uses one seat of `lease_id` for a booking of `slot_id` by `account`, handing it back to the
/// slot so the booking takes it in the same transaction. False (and nothing changed) when the
/// lease has no seat left or has expired and returned its seats: the booking must then find a
/// seat like any other.
pub(crate) async fn use_seat(
    db: &mut PgConnection,
    municipality: &str,
    lease_id: Uuid,
    account: Uuid,
    slot_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let used = sqlx::query!(
        "with used as (
             update leases set used = used + 1
             where municipality_code = $1 and id = $2 and account_id = $3 and slot_id = $4
               and released_at is null and used < seats
             returning slot_id
         )
         update slots set booked = booked - 1
         where municipality_code = $1 and id = (select slot_id from used)",
        municipality,
        lease_id,
        account,
        slot_id,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(used == 1)
}

/// Records that `booking` took a seat of `lease`: if it stops holding the seat while the lease
/// runs, the seat goes back to the lease (`bookings::rows::free_seat`).
pub(crate) async fn link_booking(
    db: &mut PgConnection,
    municipality: &str,
    lease: Uuid,
    booking: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update bookings set lease_id = $3 where municipality_code = $1 and id = $2",
        municipality,
        booking,
        lease,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Returns the unused seats of every expired lease to its slot, where they are offered to the
/// waiting list like any freed seat. Returns how many slots got seats back.
pub(crate) async fn release_expired(db: &PgPool, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let released = sqlx::query!(
        r#"-- every municipality: the chore ends every lease past its time, wherever it is
           with ended as (
             update leases set released_at = $1
             where released_at is null and expires_at <= $1
             returning municipality_code, slot_id, seats - used as unused
         ), returned as (
             update slots s set booked = s.booked - e.unused, updated_at = now()
             from (select municipality_code, slot_id, sum(unused)::int as unused
                   from ended group by municipality_code, slot_id) e
             where s.municipality_code = e.municipality_code and s.id = e.slot_id
             returning s.municipality_code, s.id, s.venue_id, e.unused
         )
         select municipality_code as "municipality_code!", id as "id!",
                venue_id as "venue_id!", unused as "unused!"
         from returned"#,
        now as _,
    )
    .fetch_all(&mut *tx)
    .await?;
    for slot in &released {
        // A returned seat is a freed seat: the first resident waiting for it is offered it.
        let municipality = yoyaku_core::MunicipalityCode::parse(&slot.municipality_code)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        crate::waitlist::offers::offer_freed_seats(&mut tx, municipality, slot.id).await?;
        sqlx::query!(
            "insert into changes (municipality_code, entity_kind, entity_id, venue_id)
             values ($1, 'slot', $2, $3)",
            slot.municipality_code,
            slot.id.to_string(),
            slot.venue_id,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(released.len() as u64)
}
