//! 当日内で予約時間の変更 (manual 3-2 ②) on the cache: yoyaku_core's planner judges the venue's
//! day before and after the move (条件1: every dose within its vial's window after dilution;
//! 条件2: no dose newly wasted). When it is feasible the target slot may go past its capacity.

use chrono::NaiveTime;
use serde::Serialize;
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::booking::BookingStatus;
use yoyaku_core::channel::may_book;
use yoyaku_core::planner::{
    Change, Day, DayPlan, Fill, Reason, SlotDoses, SlotTime, VialRule, check_change,
};
use yoyaku_core::slot::Slot;
use yoyaku_core::sync::Action;
use yoyaku_core::time::tokyo_date_time;

use super::Ctx;
use super::cache;
use super::day_list::{self, BookingRow};
use super::error::{Refusal, corrupt};
use crate::ClinicError;
use crate::error::Result;
use crate::outbox::{NewIntent, Row, enqueue};
use crate::slots::SlotRow;

/// The manual's table for a same-day change, and the verdict.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SameDayCheck {
    pub feasible: bool,
    pub from: SlotRow,
    pub to: SlotRow,
    /// 予約枠 / 接種回数 変更前 → 変更後, one row per time of the day (a 公開枠 and a 非公開枠
    /// at the same time are one row: their doses come from the same vials).
    pub table: Vec<DoseCount>,
    pub before: PlanView,
    pub after: PlanView,
    /// Why not, in the manual's two conditions; empty when feasible.
    pub reasons: Vec<Message>,
    /// What would make it feasible: more bookings in the vials already opened.
    pub fill: Option<FillView>,
    /// Other slots of the day the booking could move to instead.
    pub alternatives: Vec<SlotRow>,
    /// The move takes the target slot past its capacity, as the manual allows (医療機関の判断で、
    /// 接種の対応が可能であれば予約枠における接種回数の超過が可能).
    pub exceeds_capacity: bool,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoseCount {
    pub start_time: String,
    pub end_time: String,
    pub before: u32,
    pub after: u32,
}

/// The fewest vials for the day's doses.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanView {
    /// 接種回数計
    pub total_doses: u32,
    pub vial_count: usize,
    /// Doses opened and not given.
    pub wasted: u32,
    pub vials: Vec<VialView>,
}

/// A vial: diluted at `diluted_at`, to be used up by `use_by` (the 6-hour window).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VialView {
    pub diluted_at: String,
    pub use_by: String,
    pub doses: u32,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub message_ja: String,
    pub message_en: String,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FillView {
    pub bookings: u32,
    /// Vials with room: a booking whose slot lies between `diluted_at` and `use_by` takes a spare.
    pub vials: Vec<SpareView>,
    pub message_ja: String,
    pub message_en: String,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpareView {
    pub diluted_at: String,
    pub use_by: String,
    pub spare: u32,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    pub booking: BookingRow,
    pub check: SameDayCheck,
}

/// The check, and core's reasons for a refusal.
struct Assessment {
    check: SameDayCheck,
    reasons: Vec<Reason>,
    fill: Option<Fill>,
}

pub(super) async fn check(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    booking_id: Uuid,
    slot_id: Uuid,
) -> Result<SameDayCheck> {
    Ok(assess(db, ctx, booking_id, slot_id).await?.check)
}

pub(super) async fn apply(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    booking_id: Uuid,
    slot_id: Uuid,
) -> Result<Moved> {
    let Assessment {
        check,
        reasons,
        fill,
    } = assess(db, ctx, booking_id, slot_id).await?;
    if !check.feasible {
        return Err(Refusal::Infeasible {
            reasons,
            fill,
            alternatives: Vec::new(),
        }
        .into());
    }
    // Until the server applies the move, its count of the new slot lacks the booking and its
    // count of the first slot still has it (`moved_from`, the first move of a pending few). A
    // booking on a leased seat gives the seat back to the lease, as the server does.
    let (to, id) = (slot_id.to_string(), booking_id.to_string());
    sqlx::query!(
        "UPDATE bookings
         SET moved_from = coalesce(moved_from,
                                   CASE WHEN server_holds_seat = 1 AND lease_id IS NULL
                                        THEN slot_id END),
             slot_id = ?, server_holds_seat = 0, lease_id = NULL
         WHERE id = ?",
        to,
        id,
    )
    .execute(&mut *db)
    .await?;
    enqueue(
        db,
        NewIntent {
            action: Action::SameDayMove {
                booking_id,
                slot_id,
            },
            changes: vec![Row::Booking(booking_id)],
            needs: vec![],
        },
    )
    .await?;
    Ok(Moved {
        booking: day_list::row(db, booking_id).await?,
        check,
    })
}

async fn assess(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    booking_id: Uuid,
    slot_id: Uuid,
) -> Result<Assessment> {
    let booking = cache::own_booking(db, ctx.venues, booking_id).await?;
    if booking.status()? != BookingStatus::Reserved {
        return Err(Refusal::NotReserved.into());
    }
    let from = cache::slot(db, booking.slot_id()?)
        .await?
        .ok_or_else(|| corrupt(format!("slot of booking {booking_id}")))?;
    let to = cache::slot(db, slot_id)
        .await?
        .ok_or(Refusal::SlotNotFound)?;
    let (from_slot, to_slot) = (from.core()?, to.core()?);
    may_book(ctx.actor(), &to_slot).map_err(|e| ClinicError::invalid(&e))?;
    if to_slot.id == from_slot.id {
        return Err(Refusal::SameSlot.into());
    }
    let date = from_slot.date();
    if to_slot.venue_id != from_slot.venue_id
        || to_slot.vaccine_code != from_slot.vaccine_code
        || to_slot.date() != date
    {
        return Err(Refusal::NotSameDay.into());
    }
    if to_slot.ends_at <= ctx.now {
        return Err(Refusal::SlotPast.into());
    }
    let vaccine = cache::vaccine(db, &from_slot.vaccine_code).await?;
    let rule = VialRule::new(vaccine.doses_per_vial(), vaccine.window())
        .map_err(|_| corrupt(format!("vial rule of {}", from_slot.vaccine_code)))?;

    let day_slots =
        cache::venue_slots(db, from_slot.venue_id, &from_slot.vaccine_code, date, date).await?;
    let mut counts = Vec::with_capacity(day_slots.len());
    for s in &day_slots {
        counts.push(SlotDoses {
            slot: slot_time(&s.core()?)?,
            // Seat-holding bookings: reserved, checked in and already vaccinated, as the server
            // counts them.
            doses: u32::try_from(s.booked.max(0)).map_err(|_| corrupt("a slot's count"))?,
        });
    }
    let day = Day::new(counts);
    let change = Change::Move {
        from: slot_time(&from_slot)?,
        to: slot_time(&to_slot)?,
    };
    let checked = check_change(&day, change, rule).map_err(|e| ClinicError::invalid(&e))?;

    let table = day
        .slots()
        .iter()
        .map(|s| DoseCount {
            start_time: hm(s.slot.start()),
            end_time: hm(s.slot.end()),
            before: s.doses,
            after: checked.day_after.doses_at(s.slot).unwrap_or(0),
        })
        .collect();
    let mut alternatives = Vec::new();
    for s in &day_slots {
        let slot = s.core()?;
        if slot.id != from_slot.id
            && slot.ends_at > ctx.now
            && may_book(ctx.actor(), &slot).is_ok()
            && checked.targets.contains(&slot_time(&slot)?)
        {
            alternatives.push(s.row());
        }
    }
    let check = SameDayCheck {
        feasible: checked.is_feasible(),
        from: from.row(),
        to: to.row(),
        table,
        before: plan_view(&checked.before),
        after: plan_view(&checked.after),
        reasons: checked
            .reasons
            .iter()
            .map(|r| Message {
                message_ja: r.message_ja(),
                message_en: r.message_en(),
            })
            .collect(),
        fill: checked.fill.as_ref().map(fill_view),
        alternatives,
        exceeds_capacity: to.remaining <= 0,
    };
    Ok(Assessment {
        check,
        reasons: checked.reasons,
        fill: checked.fill,
    })
}

pub(super) fn plan_view(plan: &DayPlan) -> PlanView {
    PlanView {
        total_doses: plan.doses() + plan.breaches().iter().map(|b| b.doses).sum::<u32>(),
        vial_count: plan.vials().len(),
        wasted: plan.wasted(),
        vials: plan
            .vials()
            .iter()
            .map(|v| VialView {
                diluted_at: hm(v.diluted_at),
                use_by: hm(v.use_by),
                doses: v.dose_count(),
            })
            .collect(),
    }
}

pub(super) fn fill_view(fill: &Fill) -> FillView {
    FillView {
        bookings: fill.bookings,
        vials: fill
            .vials
            .iter()
            .map(|v| SpareView {
                diluted_at: hm(v.diluted_at),
                use_by: hm(v.use_by),
                spare: v.spare,
            })
            .collect(),
        message_ja: fill.message_ja(),
        message_en: fill.message_en(),
    }
}

/// The slot's Tokyo wall-clock times, as the planner takes them.
pub(super) fn slot_time(slot: &Slot) -> Result<SlotTime> {
    SlotTime::new(
        tokyo_date_time(slot.starts_at).1,
        tokyo_date_time(slot.ends_at).1,
    )
    .map_err(|_| corrupt(format!("slot {} does not fit in a day", slot.id)))
}

fn hm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}
