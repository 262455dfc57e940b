//! キャンセル (manual 3-1), 受付, 接種記録 and 来院なし: each through yoyaku_core's `transition`,
//! giving the seat back when the booking stops holding one.

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::booking::{BookingEvent, BookingStatus, LotNumber, check_event_day, transition};
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::{tokyo_date_time, tokyo_today};

use super::rows::{BookingRecord, free_seat, load_booking_for_update};
use super::{BookingError, Refusal};
use crate::audit::{self, Caller, Entity};
use crate::residents::{self, ResidentId};

/// A device's clock may run a little ahead of the server's; beyond this a time is in the future.
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(10);

/// 予約済み/受付済み → キャンセル, by the resident's clinic, the call center or the resident.
pub(crate) async fn cancel(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<BookingRecord, BookingError> {
    apply(db, caller, municipality, id, BookingEvent::Cancel, None).await
}

/// 受付: the resident arrived at the clinic.
pub(crate) async fn check_in(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<BookingRecord, BookingError> {
    apply(db, caller, municipality, id, BookingEvent::CheckIn, None).await
}

/// 接種済み, with the vial's ロット番号 and when the dose was given.
pub(crate) async fn record_vaccination(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    id: Uuid,
    lot_number: LotNumber,
    vaccinated_at: DateTime<Utc>,
) -> Result<BookingRecord, BookingError> {
    if vaccinated_at > Utc::now() + CLOCK_SKEW {
        return Err(Refusal::VaccinatedInFuture.into());
    }
    let event = BookingEvent::RecordVaccination { lot_number };
    apply(db, caller, municipality, id, event, Some(vaccinated_at)).await
}

/// 来院なし: the resident did not come; the seat is free again.
pub(crate) async fn mark_no_show(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<BookingRecord, BookingError> {
    apply(db, caller, municipality, id, BookingEvent::MarkNoShow, None).await
}

async fn apply(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    id: Uuid,
    event: BookingEvent,
    vaccinated_at: Option<DateTime<Utc>>,
) -> Result<BookingRecord, BookingError> {
    let booking = lock_booking(db, caller, municipality, id).await?;
    // Residents and the call center cancel; the rest is the clinic's own work at reception.
    may_touch(caller, &booking, event != BookingEvent::Cancel)?;
    let to = transition(booking.status, &event)?;
    check_event_day(
        &event,
        tokyo_date_time(booking.slot.starts_at).0,
        tokyo_today(),
        vaccinated_at.map(|at| tokyo_date_time(at).0),
    )?;
    let lot_number = match &event {
        BookingEvent::RecordVaccination { lot_number } => Some(lot_number),
        _ => None,
    };
    let updated = set_status(db, municipality, &booking, to, lot_number, vaccinated_at).await?;
    let venue = booking.slot.venue_id;
    if booking.status.holds_seat() && !to.holds_seat() {
        free_seat(db, municipality, id, booking.slot.id).await?;
        audit::record_change(db, municipality, Entity::Slot(booking.slot.id), venue).await?;
    }
    let action = match event {
        BookingEvent::Cancel => "booking.cancel",
        BookingEvent::CheckIn => "booking.check_in",
        BookingEvent::RecordVaccination { .. } => "booking.record_vaccination",
        BookingEvent::MarkNoShow => "booking.no_show",
    };
    audit::record(
        db,
        municipality,
        caller,
        action,
        Entity::Booking(id),
        Some(&booking.audit_state()),
        Some(&updated.audit_state()),
    )
    .await?;
    audit::record_change(db, municipality, Entity::Booking(id), venue).await?;
    Ok(updated)
}

/// Locks the booking's resident, then the booking: the order every booking write takes its locks
/// in. A web caller's key must be the booking's resident's, birth date included.
pub(super) async fn lock_booking(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<BookingRecord, BookingError> {
    let row = sqlx::query!(
        "select home_code, ticket_number from bookings where municipality_code = $1 and id = $2",
        municipality.as_string(),
        id,
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or(Refusal::BookingNotFound)?;
    let stored = || BookingError::Stored(format!("resident of booking {id}"));
    let resident = ResidentId {
        home: MunicipalityCode::parse(&row.home_code).map_err(|_| stored())?,
        ticket: TicketNumber::parse(&row.ticket_number).map_err(|_| stored())?,
    };
    match caller.web_resident() {
        Some(key) if ResidentId::from(key) != resident => {
            return Err(Refusal::BookingNotFound.into());
        }
        Some(key) => residents::lock_for_booking(db, municipality, key).await?,
        None => residents::lock(db, municipality, resident).await?,
    }
    Ok(load_booking_for_update(db, municipality, id)
        .await?
        .ok_or(Refusal::BookingNotFound)?)
}

/// Whether `caller` may act on `booking`; `clinic_only` for the clinic's own work. Another
/// clinic's booking does not exist for a clinic.
pub(super) fn may_touch(
    caller: &Caller,
    booking: &BookingRecord,
    clinic_only: bool,
) -> Result<(), Refusal> {
    let venue = booking.slot.venue_id;
    match caller {
        Caller::Clinic { venues, .. } if venues.contains(&venue) => Ok(()),
        Caller::Clinic { .. } => Err(Refusal::BookingNotFound),
        Caller::CallCenterForClinic { venues, .. } if venues.contains(&venue) => Ok(()),
        // `lock_booking` matched the booking to the web caller's key.
        Caller::Web { .. } | Caller::CallCenter { .. } | Caller::CallCenterForClinic { .. }
            if !clinic_only =>
        {
            Ok(())
        }
        _ => Err(Refusal::ClinicOnly),
    }
}

/// Writes the booking's new status (with the vaccination's lot and time) and reads it back.
pub(super) async fn set_status(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    booking: &BookingRecord,
    status: BookingStatus,
    lot_number: Option<&LotNumber>,
    vaccinated_at: Option<DateTime<Utc>>,
) -> Result<BookingRecord, BookingError> {
    sqlx::query!(
        "update bookings set status = $3, lot_number = $4, vaccinated_at = $5, updated_at = now()
         where municipality_code = $1 and id = $2",
        municipality.as_string(),
        booking.id,
        status.as_str(),
        lot_number.map(LotNumber::as_str),
        vaccinated_at as _,
    )
    .execute(&mut *db)
    .await?;
    Ok(load_booking_for_update(db, municipality, booking.id)
        .await?
        .ok_or(Refusal::BookingNotFound)?)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use yoyaku_core::Visibility;
    use yoyaku_core::booking::DoseNumber;
    use yoyaku_core::channel::Channel;

    use super::*;
    use crate::bookings::rows::SlotSummary;

    fn booking_at(venue: Uuid) -> BookingRecord {
        let at = Utc.with_ymd_and_hms(2021, 5, 19, 0, 0, 0).unwrap();
        BookingRecord {
            id: Uuid::new_v4(),
            municipality_code: MunicipalityCode::parse("431001").unwrap(),
            resident_municipality_code: MunicipalityCode::parse("431001").unwrap(),
            ticket_number: TicketNumber::parse("9000000062").unwrap(),
            dose: DoseNumber::FIRST,
            status: BookingStatus::Reserved,
            status_label_ja: BookingStatus::Reserved.label_ja(),
            channel: Channel::Clinic,
            outside: None,
            slot: SlotSummary {
                id: Uuid::new_v4(),
                name: "【医療機関受付分】101.20210519.0900".into(),
                venue_id: venue,
                venue_name: "A胃腸科内科医院".into(),
                vaccine_code: "pfizer".into(),
                vaccine_name: "ファイザー社ワクチン".into(),
                starts_at: at,
                ends_at: at + TimeDelta::minutes(30),
                visibility: Visibility::Private,
            },
            lot_number: None,
            vaccinated_at: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_clinic_touches_only_its_own_venues_bookings() {
        let own = Uuid::new_v4();
        let clinic = Caller::Clinic {
            account: Uuid::new_v4(),
            venues: vec![own],
        };
        assert_eq!(may_touch(&clinic, &booking_at(own), true), Ok(()));
        let other = booking_at(Uuid::new_v4());
        assert_eq!(
            may_touch(&clinic, &other, false),
            Err(Refusal::BookingNotFound)
        );
    }

    #[test]
    fn the_call_center_cancels_anywhere_but_does_reception_work_only_for_a_clinic() {
        let venue = Uuid::new_v4();
        let booking = booking_at(venue);
        let call_center = Caller::CallCenter {
            account: Uuid::new_v4(),
        };
        assert_eq!(may_touch(&call_center, &booking, false), Ok(()));
        assert_eq!(
            may_touch(&call_center, &booking, true),
            Err(Refusal::ClinicOnly)
        );
        let for_clinic = |venues| Caller::CallCenterForClinic {
            account: Uuid::new_v4(),
            clinic: Uuid::new_v4(),
            venues,
        };
        assert_eq!(may_touch(&for_clinic(vec![venue]), &booking, true), Ok(()));
        assert_eq!(
            may_touch(&for_clinic(vec![Uuid::new_v4()]), &booking, true),
            Err(Refusal::ClinicOnly)
        );
    }
}
