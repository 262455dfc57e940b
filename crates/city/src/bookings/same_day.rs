//! 当日内で予約時間の変更 (manual 3-2 ②): the clinic moves a booking to another time of the same
//! day when yoyaku_core's planner finds every dose within its vial's window (条件1) and no dose
//! newly wasted (条件2). The target slot may then go past its capacity: the manual allows it.

use chrono::{NaiveTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::booking::BookingStatus;
use yoyaku_core::channel::may_book;
use yoyaku_core::planner::{Change, Day, DayPlan, SlotDoses, SlotTime, VialRule, check_change};
use yoyaku_core::slot::Slot;
use yoyaku_core::time::tokyo_date_time;

use super::lifecycle::{lock_booking, may_touch};
use super::rows::{
    BookingRecord, SlotRange, VenueSlot, add_to_booked, free_seat, load_booking_for_update,
    load_slot, load_vaccine, not_open, slots_in,
};
use super::{BookingError, Refusal};
use crate::audit::{self, Caller, Entity};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct Moved {
    pub booking: BookingRecord,
    /// The venue's day after the move, as the planner would dilute it.
    pub plan: PlanSummary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct PlanSummary {
    pub vials: Vec<VialSummary>,
    /// Doses opened and not given.
    pub wasted: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct VialSummary {
    pub diluted_at: NaiveTime,
    pub use_by: NaiveTime,
    pub doses: u32,
}

impl From<&DayPlan> for PlanSummary {
    fn from(plan: &DayPlan) -> Self {
        Self {
            vials: plan
                .vials()
                .iter()
                .map(|v| VialSummary {
                    diluted_at: v.diluted_at,
                    use_by: v.use_by,
                    doses: v.dose_count(),
                })
                .collect(),
            wasted: plan.wasted(),
        }
    }
}

/// Moves reserved booking `id` to `slot_id`, a slot of the same day, venue and vaccine, if the
/// planner finds the day's doses still feasible. Only the venue's clinic, or the call center
/// acting for it, may.
pub(crate) async fn same_day_move(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    id: Uuid,
    slot_id: Uuid,
) -> Result<Moved, BookingError> {
    if caller.clinic_venues().is_none() {
        return Err(Refusal::ClinicOnly.into());
    }
    let booking = lock_booking(db, caller, municipality, id).await?;
    may_touch(caller, &booking, true)?;
    if booking.status != BookingStatus::Reserved {
        return Err(Refusal::NotReserved.into());
    }
    let from = load_slot(db, municipality, booking.slot.id)
        .await?
        .ok_or(Refusal::SlotNotFound)?
        .slot;
    let to = load_slot(db, municipality, slot_id)
        .await?
        .ok_or(Refusal::SlotNotFound)?;
    if !to.on_offer() {
        return Err(not_open(db, municipality, &to.slot).await?.into());
    }
    let to = to.slot;
    may_book(caller.actor(), &to)?;
    let date = from.date();
    if to.venue_id != from.venue_id || to.vaccine_code != from.vaccine_code || to.date() != date {
        return Err(Refusal::NotSameDay.into());
    }

    // The whole day is locked so that two moves at the venue are judged one after the other.
    let day_slots = slots_in(
        db,
        municipality,
        SlotRange::days_around(&from, date, date),
        true,
    )
    .await?;
    let vaccine = load_vaccine(db, municipality, &from.vaccine_code).await?;
    let rule = VialRule::new(vaccine.doses_per_vial(), vaccine.window())
        .map_err(|_| BookingError::Stored(format!("vial rule of {}", from.vaccine_code)))?;
    let day = Day::new(
        day_slots
            .iter()
            .map(|s| {
                Ok(SlotDoses {
                    slot: slot_time(&s.slot)?,
                    // Seat-holding bookings: reserved, checked in and already vaccinated.
                    doses: u32::try_from(s.slot.booked).map_err(|_| stored_slot(&s.slot))?,
                })
            })
            .collect::<Result<Vec<_>, BookingError>>()?,
    );
    let check = check_change(
        &day,
        Change::Move {
            from: slot_time(&from)?,
            to: slot_time(&to)?,
        },
        rule,
    )?;
    if !check.is_feasible() {
        let alternatives = targets(&day_slots, &check.targets, &booking)?;
        return Err(Refusal::Infeasible {
            reasons: check.reasons,
            fill: check.fill,
            alternatives,
        }
        .into());
    }

    sqlx::query!(
        "update bookings set slot_id = $3, updated_at = now()
         where municipality_code = $1 and id = $2",
        municipality.as_string(),
        id,
        slot_id,
    )
    .execute(&mut *db)
    .await?;
    free_seat(db, municipality, id, from.id).await?;
    add_to_booked(db, municipality, to.id, 1).await?;
    let moved = load_booking_for_update(db, municipality, id)
        .await?
        .ok_or(Refusal::BookingNotFound)?;
    audit::record(
        db,
        municipality,
        caller,
        "booking.same_day_move",
        Entity::Booking(id),
        Some(&booking.audit_state()),
        Some(&moved.audit_state()),
    )
    .await?;
    for entity in [
        Entity::Booking(id),
        Entity::Slot(from.id),
        Entity::Slot(to.id),
    ] {
        audit::record_change(db, municipality, entity, from.venue_id).await?;
    }
    Ok(Moved {
        booking: moved,
        plan: PlanSummary::from(&check.after),
    })
}

/// The slot's Tokyo wall-clock times, as the planner takes them.
fn slot_time(slot: &Slot) -> Result<SlotTime, BookingError> {
    SlotTime::new(
        tokyo_date_time(slot.starts_at).1,
        tokyo_date_time(slot.ends_at).1,
    )
    .map_err(|_| stored_slot(slot))
}

fn stored_slot(slot: &Slot) -> BookingError {
    BookingError::Stored(format!("slot {} does not fit the planner's day", slot.id))
}

/// The day's slots at the planner's target times, still ahead, for the booking to move to instead.
fn targets(
    day: &[VenueSlot],
    times: &[SlotTime],
    booking: &BookingRecord,
) -> Result<Vec<yoyaku_core::slot::AlternativeSlot>, BookingError> {
    let now = Utc::now();
    let mut alternatives = Vec::new();
    for s in day {
        if s.slot.id != booking.slot.id
            && s.slot.ends_at > now
            && times.contains(&slot_time(&s.slot)?)
        {
            alternatives.push(s.alternative());
        }
    }
    Ok(alternatives)
}
