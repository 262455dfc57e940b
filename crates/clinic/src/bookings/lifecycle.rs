//! キャンセル (manual 3-1), 受付, 接種記録 and 来院なし on the cache, each through yoyaku_core's
//! `transition`. A booking that stops holding a seat gives it back through the view `slot_seats`,
//! which counts seat-holding statuses.

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::booking::{BookingEvent, BookingStatus, LotNumber, check_event_day, transition};
use yoyaku_core::sync::Action;
use yoyaku_core::time::tokyo_date_time;

use super::Ctx;
use super::cache;
use super::day_list::{self, BookingRow};
use super::error::Refusal;
use crate::ClinicError;
use crate::error::Result;
use crate::outbox::{NewIntent, Row, enqueue};

/// A device's clock may run a little ahead of the server's; beyond this a time is in the future
/// (the city server allows as much).
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(10);

pub(super) async fn cancel(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    id: Uuid,
) -> Result<BookingRow> {
    apply(db, ctx, id, BookingEvent::Cancel, None).await
}

pub(super) async fn check_in(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    id: Uuid,
) -> Result<BookingRow> {
    apply(db, ctx, id, BookingEvent::CheckIn, None).await
}

pub(super) async fn mark_no_show(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    id: Uuid,
) -> Result<BookingRow> {
    apply(db, ctx, id, BookingEvent::MarkNoShow, None).await
}

/// 接種済み with the vial's ロット番号 as typed, given at `vaccinated_at` (now when not said).
pub(super) async fn record_vaccination(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    id: Uuid,
    lot_number: &str,
    vaccinated_at: Option<DateTime<Utc>>,
) -> Result<BookingRow> {
    let lot_number = LotNumber::parse(lot_number).map_err(|e| ClinicError::invalid(&e))?;
    let vaccinated_at = vaccinated_at.unwrap_or(ctx.now);
    if vaccinated_at > ctx.now + CLOCK_SKEW {
        return Err(Refusal::VaccinatedInFuture.into());
    }
    let event = BookingEvent::RecordVaccination { lot_number };
    apply(db, ctx, id, event, Some(vaccinated_at)).await
}

async fn apply(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    id: Uuid,
    event: BookingEvent,
    vaccinated_at: Option<DateTime<Utc>>,
) -> Result<BookingRow> {
    let booking = cache::own_booking(db, ctx.venues, id).await?;
    let to = transition(booking.status()?, &event).map_err(|e| ClinicError::invalid(&e))?;
    check_event_day(
        &event,
        booking.date,
        tokyo_date_time(ctx.now).0,
        vaccinated_at.map(|at| tokyo_date_time(at).0),
    )
    .map_err(|e| ClinicError::invalid(&e))?;
    let (action, lot_number) = match event {
        BookingEvent::Cancel => (Action::Cancel { booking_id: id }, None),
        BookingEvent::CheckIn => (Action::CheckIn { booking_id: id }, None),
        BookingEvent::MarkNoShow => (Action::MarkNoShow { booking_id: id }, None),
        BookingEvent::RecordVaccination { lot_number } => {
            let vaccinated_at = vaccinated_at.unwrap_or(ctx.now);
            let action = Action::RecordVaccination {
                booking_id: id,
                lot_number: lot_number.clone(),
                vaccinated_at,
            };
            (action, Some(lot_number))
        }
    };
    set_status(db, id, to, lot_number.as_ref(), vaccinated_at).await?;
    enqueue(
        db,
        NewIntent {
            action,
            changes: vec![Row::Booking(id)],
            needs: vec![],
        },
    )
    .await?;
    day_list::row(db, id).await
}

/// Writes a booking's new status, and its lot number and time when it was given.
pub(super) async fn set_status(
    db: &mut SqliteConnection,
    id: Uuid,
    status: BookingStatus,
    lot_number: Option<&LotNumber>,
    vaccinated_at: Option<DateTime<Utc>>,
) -> Result<()> {
    let status = status.as_str();
    let lot_number = lot_number.map(LotNumber::as_str);
    let id = id.to_string();
    sqlx::query!(
        "UPDATE bookings SET status = ?,
                lot_number = coalesce(?, lot_number), vaccinated_at = coalesce(?, vaccinated_at)
         WHERE id = ?",
        status,
        lot_number,
        vaccinated_at,
        id,
    )
    .execute(db)
    .await?;
    Ok(())
}
