//! A clinic gives free seats of one of its 非公開枠 to the waiting list: seats it will not fill
//! itself, or, as the slot-setup notice has it for an earlier period's slots made private when
//! the next period opens, 「市のキャンセル待ちリストから補充を希望される場合は医療機関専用ダイヤル
//! へ」 (the call center acting for the clinic), or from its own window.
//!
//! The seats leave the private slot for a public one at the same venue and time, so that a 非公開枠
//! stays the clinic's alone (what lets it say 予約確定 offline), and are offered to the first in
//! line at once. Seats nobody in line takes stay public, for the web and the call center to book.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::slot::remaining_seats;
use yoyaku_core::time::to_tokyo;

use super::offers::offer_freed_seats;
use super::{OFFER_LEAD, WaitlistError, WaitlistRefusal};
use crate::audit::{self, Caller, Entity};

/// Seats of the private slot `slot`, at one of `venues` (the caller's), to give to the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Release<'v> {
    pub slot: Uuid,
    pub seats: i32,
    pub venues: &'v [Uuid],
}

/// Where the seats went, and how many residents in line were offered one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Released {
    /// The private slot, and its capacity now.
    pub slot_id: Uuid,
    pub capacity: i32,
    /// The public slot the seats joined: 【キャンセル待ち補充】<会場番号>.<YYYYMMDD>.<HHMM>
    pub public_slot_id: Uuid,
    pub public_slot_name: String,
    pub seats: i32,
    pub offered: u64,
}

struct PrivateSlot {
    venue_id: Uuid,
    venue_number: i32,
    vaccine_code: String,
    name: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    visibility: String,
    capacity: i32,
    booked: i32,
}

/// Moves `release.seats` free seats of the private slot to the public one of its time and offers
/// them to the line, in the caller's transaction.
pub(crate) async fn release_to_waitlist(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    release: &Release<'_>,
) -> Result<Released, WaitlistError> {
    let slot = sqlx::query_as!(
        PrivateSlot,
        r#"select s.venue_id, v.venue_number, s.vaccine_code, s.name,
                  s.starts_at as "starts_at: DateTime<Utc>", s.ends_at as "ends_at: DateTime<Utc>",
                  s.visibility, s.capacity, s.booked
           from slots s
           join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
           where s.municipality_code = $1 and s.id = $2 and s.venue_id = any($3)
           for update of s"#,
        municipality.as_string(),
        release.slot,
        release.venues,
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or(WaitlistRefusal::UnknownSlot)?;
    if slot.visibility != "private" {
        return Err(WaitlistRefusal::ReleasePublic.into());
    }
    if slot.starts_at <= Utc::now() + OFFER_LEAD {
        return Err(WaitlistRefusal::ReleaseTooLate.into());
    }
    let free = remaining_seats(slot.capacity, slot.booked);
    if !(1..=free).contains(&release.seats) {
        return Err(WaitlistRefusal::ReleaseSeats { free }.into());
    }
    // A trigger queues both slots' changes for the clinic's app.
    let capacity = sqlx::query_scalar!(
        "update slots set capacity = capacity - $3, updated_at = now()
         where municipality_code = $1 and id = $2
         returning capacity",
        municipality.as_string(),
        release.slot,
        release.seats,
    )
    .fetch_one(&mut *db)
    .await?;
    let public_name = format!(
        "【キャンセル待ち補充】{}.{}",
        slot.venue_number,
        to_tokyo(slot.starts_at).format("%Y%m%d.%H%M")
    );
    // It belongs to no period, so that no period's opening turns it private again.
    let public_slot = sqlx::query_scalar!(
        "insert into slots (municipality_code, id, venue_id, vaccine_code, name, starts_at,
                            ends_at, visibility, capacity)
         values ($1, $2, $3, $4, $5, $6, $7, 'public', $8)
         on conflict (municipality_code, name)
             do update set capacity = slots.capacity + excluded.capacity, updated_at = now()
             where slots.vaccine_code = excluded.vaccine_code and slots.ends_at = excluded.ends_at
         returning id",
        municipality.as_string(),
        Uuid::new_v4(),
        slot.venue_id,
        slot.vaccine_code,
        public_name,
        slot.starts_at as _,
        slot.ends_at as _,
        release.seats,
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or(WaitlistRefusal::ReleaseNameTaken)?;
    let offered = offer_freed_seats(db, municipality, public_slot).await?;
    audit::record(
        db,
        municipality,
        caller,
        "slot.release_to_waitlist",
        Entity::Slot(release.slot),
        Some(&json!({ "name": slot.name, "capacity": slot.capacity })),
        Some(&json!({
            "capacity": capacity,
            "released": release.seats,
            "to": public_name,
            "offered": offered,
        })),
    )
    .await?;
    Ok(Released {
        slot_id: release.slot,
        capacity,
        public_slot_id: public_slot,
        public_slot_name: public_name,
        seats: release.seats,
        offered,
    })
}
