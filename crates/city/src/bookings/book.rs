//! 接種予約 (manual 2-1, 2-2) and 予約の変更 to a later date (3-2 ①): one transaction takes the seat
//! by a conditional update, inserts the booking, and appends its audit and change rows.

use chrono::{DateTime, Days, Utc};
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::booking::{
    BookingEvent, BookingRuleError, BookingStatus, DoseNumber, check_new_booking, transition,
};
use yoyaku_core::channel::may_book;
use yoyaku_core::slot::Slot;
use yoyaku_core::sync::{AlternativeSlot, ResidentKey};
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::tokyo_date_time;
use yoyaku_core::vaccine::IntervalCheck;

use super::lifecycle::{lock_booking, may_touch, set_status};
use super::rows::{
    BookingRecord, SlotRange, add_to_booked, load_booking, load_slot, load_vaccine, lock_slots,
    resident_bookings, slots_in, take_seat,
};
use super::{BookingError, Refusal};
use crate::audit::{self, Caller, Entity};
use crate::residents;

/// How many days either side of a full slot to look for seats.
const NEARBY_DAYS: u64 = 7;
const MAX_ALTERNATIVES: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewBooking {
    /// Made by the client, so that a retry is recognised, or by the server.
    pub id: Uuid,
    pub resident: ResidentKey,
    pub slot_id: Uuid,
    pub dose: DoseNumber,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Booked {
    pub booking: BookingRecord,
    /// False when the booking existed already: a retry of the same request.
    pub created: bool,
    /// The dose is later than usual after the previous one: tell the resident.
    pub interval_warning: Option<IntervalCheck>,
}

/// Books `request` for `caller`. A retry with the same id and content answers the booking as it
/// is; the same id with other content is refused.
pub(crate) async fn book(
    db: &mut PgConnection,
    caller: &Caller,
    request: &NewBooking,
) -> Result<Booked, BookingError> {
    let key = &request.resident;
    // A resident on the web books only for the key they identified with.
    if caller.web_resident().is_some_and(|own| own != key) {
        return Err(residents::ResidentRefusal::NotInRegistry.into());
    }
    residents::lock_for_booking(db, key).await?;
    let municipality = key.municipality_code;
    if let Some(existing) = load_booking(db, municipality, request.id).await? {
        let same = existing.ticket_number == key.ticket_number
            && existing.slot.id == request.slot_id
            && existing.dose == request.dose
            && may_touch(caller, &existing, false).is_ok();
        if !same {
            return Err(Refusal::IdConflict.into());
        }
        return Ok(Booked {
            booking: existing,
            created: false,
            interval_warning: None,
        });
    }
    let (booking, interval_warning) = place(
        db,
        caller,
        municipality,
        key.ticket_number,
        request.id,
        request.slot_id,
        request.dose,
    )
    .await?;
    Ok(Booked {
        booking,
        created: true,
        interval_warning,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Changed {
    pub cancelled: BookingRecord,
    pub booked: Booked,
}

/// 後日の予約日時に変更 (manual 3-2 ①): cancels booking `id` and books its dose into `slot_id`
/// as `new_id`, both or neither. When the new slot is full the old booking stays as it was.
pub(crate) async fn change(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    id: Uuid,
    new_id: Uuid,
    slot_id: Uuid,
) -> Result<Changed, BookingError> {
    let old = lock_booking(db, caller, municipality, id).await?;
    may_touch(caller, &old, false)?;
    if let Some(existing) = load_booking(db, municipality, new_id).await? {
        let same = existing.ticket_number == old.ticket_number
            && existing.slot.id == slot_id
            && existing.dose == old.dose
            && old.status == BookingStatus::Cancelled
            && may_touch(caller, &existing, false).is_ok();
        if !same {
            return Err(Refusal::IdConflict.into());
        }
        return Ok(Changed {
            cancelled: old,
            booked: Booked {
                booking: existing,
                created: false,
                interval_warning: None,
            },
        });
    }
    let cancelled_status = transition(old.status, &BookingEvent::Cancel)?;
    lock_slots(db, municipality, &[old.slot.id, slot_id]).await?;
    let cancelled = set_status(db, municipality, &old, cancelled_status, None, None).await?;
    if old.status.holds_seat() {
        add_to_booked(db, municipality, old.slot.id, -1).await?;
        audit::record_change(
            db,
            municipality,
            Entity::Slot(old.slot.id),
            old.slot.venue_id,
        )
        .await?;
    }
    let mut after = cancelled.audit_state();
    after["replaced_by"] = new_id.to_string().into();
    audit::record(
        db,
        municipality,
        caller,
        "booking.change",
        Entity::Booking(id),
        Some(&old.audit_state()),
        Some(&after),
    )
    .await?;
    audit::record_change(db, municipality, Entity::Booking(id), old.slot.venue_id).await?;

    let (booking, interval_warning) = place(
        db,
        caller,
        municipality,
        old.ticket_number,
        new_id,
        slot_id,
        old.dose,
    )
    .await?;
    Ok(Changed {
        cancelled,
        booked: Booked {
            booking,
            created: true,
            interval_warning,
        },
    })
}

/// The booking itself, once the resident's lock is held: the channel and dose rules, then the
/// seat, the row, and its audit and change rows.
async fn place(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    ticket: TicketNumber,
    id: Uuid,
    slot_id: Uuid,
    dose: DoseNumber,
) -> Result<(BookingRecord, Option<IntervalCheck>), BookingError> {
    let slot = load_slot(db, municipality, slot_id)
        .await?
        .ok_or(Refusal::SlotNotFound)?
        .slot;
    may_book(caller.actor(), &slot)?;
    if slot.ends_at <= Utc::now() {
        return Err(Refusal::SlotPast.into());
    }
    let vaccine = load_vaccine(db, municipality, &slot.vaccine_code).await?;
    let existing = resident_bookings(db, municipality, ticket).await?;
    let interval_warning = check_new_booking(&existing, dose, slot.date(), &vaccine)?;

    if !take_seat(db, municipality, slot_id).await? {
        let alternatives = alternatives(db, caller, municipality, &slot).await?;
        return Err(Refusal::SlotFull { alternatives }.into());
    }
    // The partial unique index is the last word on one active booking per dose, whatever the
    // channel; ON CONFLICT keeps the caller's transaction usable (the sync push settles other
    // intents in it) where a unique violation would abort it.
    let inserted = sqlx::query(
        "insert into bookings (municipality_code, id, ticket_number, slot_id, dose, status,
                               channel, booked_by)
         values ($1, $2, $3, $4, $5, 'reserved', $6, $7)
         on conflict (municipality_code, ticket_number, dose)
             where status in ('reserved', 'checked_in', 'vaccinated')
             do nothing",
    )
    .bind(municipality.as_string())
    .bind(id)
    .bind(ticket.as_string())
    .bind(slot_id)
    .bind(i16::from(dose.get()))
    .bind(audit::channel_str(caller.channel()))
    .bind(caller.account())
    .execute(&mut *db)
    .await
    .map_err(|error| match &error {
        // The same client-made id for another resident, racing the check in `book`.
        sqlx::Error::Database(db_error) if db_error.constraint() == Some("bookings_pkey") => {
            Refusal::IdConflict.into()
        }
        _ => BookingError::from(error),
    })?;
    if inserted.rows_affected() == 0 {
        return Err(duplicate_dose(db, municipality, ticket, dose).await?.into());
    }

    let booking = load_booking(db, municipality, id)
        .await?
        .ok_or_else(|| BookingError::Stored(format!("booking {id} vanished after its insert")))?;
    audit::record(
        db,
        municipality,
        caller,
        "booking.book",
        Entity::Booking(id),
        None,
        Some(&booking.audit_state()),
    )
    .await?;
    for entity in [
        Entity::Booking(id),
        Entity::Slot(slot_id),
        // The venue's clinic now needs the resident in its cache.
        Entity::Resident(ticket),
    ] {
        audit::record_change(db, municipality, entity, slot.venue_id).await?;
    }
    Ok((booking, interval_warning))
}

/// The core rule's refusal for the active booking the unique index found.
async fn duplicate_dose(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    ticket: TicketNumber,
    dose: DoseNumber,
) -> Result<Refusal, BookingError> {
    let (status, starts_at): (String, DateTime<Utc>) = sqlx::query_as(
        "select b.status, s.starts_at
         from bookings b
         join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
         where b.municipality_code = $1 and b.ticket_number = $2 and b.dose = $3
           and b.status in ('reserved', 'checked_in', 'vaccinated')",
    )
    .bind(municipality.as_string())
    .bind(ticket.as_string())
    .bind(i16::from(dose.get()))
    .fetch_one(db)
    .await?;
    let status = BookingStatus::parse(&status)
        .ok_or_else(|| BookingError::Stored(format!("a booking status of {ticket}")))?;
    Ok(BookingRuleError::DuplicateDose {
        dose: dose.get(),
        status,
        date: tokyo_date_time(starts_at).0,
    }
    .into())
}

/// The nearest slots with a seat the caller may book, at the venue and for the vaccine of `full`:
/// the same day first, then the days around it, each by closeness of the time of day.
async fn alternatives(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    full: &Slot,
) -> Result<Vec<AlternativeSlot>, BookingError> {
    let date = full.date();
    let range = SlotRange::days_around(
        full,
        date - Days::new(NEARBY_DAYS),
        date + Days::new(NEARBY_DAYS),
    );
    let now = Utc::now();
    let time_of_day = |s: &Slot| tokyo_date_time(s.starts_at).1;
    let mut candidates: Vec<_> = slots_in(db, municipality, range, false)
        .await?
        .into_iter()
        .filter(|s| {
            s.slot.id != full.id
                && s.slot.remaining() > 0
                && s.slot.starts_at > now
                && may_book(caller.actor(), &s.slot).is_ok()
        })
        .collect();
    candidates.sort_by_key(|s| {
        (
            (s.slot.date() - date).num_days().abs(),
            (time_of_day(&s.slot) - time_of_day(full))
                .num_minutes()
                .abs(),
            s.slot.starts_at,
        )
    });
    Ok(candidates
        .iter()
        .take(MAX_ALTERNATIVES)
        .map(|s| s.alternative())
        .collect())
}
