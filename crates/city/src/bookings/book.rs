//! 接種予約 (manual 2-1, 2-2) and 予約の変更 to a later date (3-2 ①): one transaction takes the seat
//! by a conditional update, inserts the booking, and appends its audit and change rows.
//!
//! A booking is the server's busiest write, so it makes few round trips: one statement locks the
//! resident and reads the slot, one reads the resident's bookings, and one does all the writing.

use chrono::{DateTime, Days, Utc};
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::booking::{
    BookingEvent, BookingRuleError, BookingStatus, DoseNumber, ResidentBooking, check_new_booking,
    transition,
};
use yoyaku_core::channel::may_book;
use yoyaku_core::out_of_municipality::OutsideStay;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::slot::AlternativeSlot;
use yoyaku_core::slot::Slot;
use yoyaku_core::time::tokyo_date_time;
use yoyaku_core::vaccine::IntervalCheck;

use super::lifecycle::{lock_booking, may_touch, set_status};
use super::rows::{
    BookingRecord, SlotRange, Target, audit_state, free_seat, load_booking, load_target,
    lock_resident_with_target, lock_slots, not_open, resident_bookings, slots_in,
};
use super::{BookingError, Refusal};
use crate::audit::{self, Caller, Entity};
use crate::residents::{self, ResidentId};

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
    /// The booking's slot and vaccine, for the advice given next.
    pub target: Target,
}

/// Books `request` for `caller`. A retry with the same id and content answers the booking as it
/// is; the same id with other content is refused.
pub(crate) async fn book(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    request: &NewBooking,
) -> Result<Booked, BookingError> {
    let key = &request.resident;
    // A resident on the web books only for the key they identified with.
    if caller.web_resident().is_some_and(|own| own != key) {
        return Err(residents::ResidentRefusal::NotInRegistry.into());
    }
    let locked =
        lock_resident_with_target(db, municipality, key, request.slot_id, request.id).await?;
    residents::check_locked(db, municipality, key, locked.birth_date).await?;
    if locked.id_taken {
        return Err(Refusal::IdConflict.into());
    }
    let resident = ResidentId::from(key);
    // DV等: only the clinic that has the resident books for them (the city and the call center
    // too); another clinic's booking would show it where they are.
    let protected = locked
        .outside
        .is_some_and(|stay| stay.reason().protects_whereabouts());
    if let (true, Caller::Clinic { account, venues }) = (protected, caller) {
        if !residents::owned_by_clinic(db, municipality, resident, *account, venues).await? {
            return Err(residents::ResidentRefusal::Protected.into());
        }
    }
    let target = locked.target;
    // Read once the lock is held, so that a retry racing its original finds it here.
    let held = resident_bookings(db, municipality, resident).await?;
    if held.iter().any(|b| b.id == request.id) {
        let existing = load_booking(db, municipality, request.id)
            .await?
            .ok_or_else(|| BookingError::Stored(format!("booking {}", request.id)))?;
        let same = existing.slot.id == request.slot_id
            && existing.dose == request.dose
            && may_touch(caller, &existing, false).is_ok();
        if !same {
            return Err(Refusal::IdConflict.into());
        }
        // The existing booking's slot is the one asked for, so it was found.
        let target = target
            .ok_or_else(|| BookingError::Stored(format!("slot of booking {}", request.id)))?;
        return Ok(Booked {
            booking: existing,
            created: false,
            interval_warning: None,
            target,
        });
    }
    let target = target.ok_or(Refusal::SlotNotFound)?;
    let existing: Vec<_> = held.into_iter().map(|b| b.rule).collect();
    let placing = Placing {
        municipality,
        resident,
        outside: locked.outside,
        id: request.id,
        dose: request.dose,
    };
    place(db, caller, &placing, target, &existing).await
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
        let same = existing.resident() == old.resident()
            && existing.slot.id == slot_id
            && existing.dose == old.dose
            && old.status == BookingStatus::Cancelled
            && may_touch(caller, &existing, false).is_ok();
        if !same {
            return Err(Refusal::IdConflict.into());
        }
        let target = load_target(db, municipality, slot_id)
            .await?
            .ok_or_else(|| BookingError::Stored(format!("slot of booking {new_id}")))?;
        return Ok(Changed {
            cancelled: old,
            booked: Booked {
                booking: existing,
                created: false,
                interval_warning: None,
                target,
            },
        });
    }
    let cancelled_status = transition(old.status, &BookingEvent::Cancel)?;
    lock_slots(db, municipality, &[old.slot.id, slot_id]).await?;
    let cancelled = set_status(db, municipality, &old, cancelled_status, None, None).await?;
    if old.status.holds_seat() {
        free_seat(db, municipality, old.id, old.slot.id).await?;
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

    let target = load_target(db, municipality, slot_id)
        .await?
        .ok_or(Refusal::SlotNotFound)?;
    let existing: Vec<_> = resident_bookings(db, municipality, old.resident())
        .await?
        .into_iter()
        .map(|b| b.rule)
        .collect();
    let placing = Placing {
        municipality,
        resident: old.resident(),
        outside: old.outside,
        id: new_id,
        dose: old.dose,
    };
    let booked = place(db, caller, &placing, target, &existing).await?;
    Ok(Changed { cancelled, booked })
}

/// A booking about to be placed.
struct Placing {
    municipality: MunicipalityCode,
    resident: ResidentId,
    outside: Option<OutsideStay>,
    id: Uuid,
    dose: DoseNumber,
}

/// The booking itself, once the resident's lock is held and `existing` (their other bookings)
/// read: the channel and dose rules, then the seat, the row, and its audit and change rows.
async fn place(
    db: &mut PgConnection,
    caller: &Caller,
    placing: &Placing,
    target: Target,
    existing: &[ResidentBooking],
) -> Result<Booked, BookingError> {
    let &Placing {
        municipality,
        resident,
        outside,
        id,
        dose,
    } = placing;
    let slot = &target.slot.slot;
    may_book(caller.actor(), slot)?;
    if !target.slot.on_offer() {
        return Err(not_open(db, municipality, slot).await?.into());
    }
    if slot.ends_at <= Utc::now() {
        return Err(Refusal::SlotPast.into());
    }
    let interval_warning = check_new_booking(existing, dose, slot.date(), &target.vaccine)?;

    let written = write(db, caller, placing, slot.id).await?;
    if !written.seat_taken {
        let alternatives = alternatives(db, caller, municipality, slot).await?;
        return Err(Refusal::SlotFull { alternatives }.into());
    }
    let (Some(created_at), Some(updated_at)) = (written.created_at, written.updated_at) else {
        return Err(duplicate_dose(db, municipality, resident, dose)
            .await?
            .into());
    };
    // Booked otherwise than from キャンセル待ち: the resident's place in line for the dose ends.
    crate::waitlist::offers::close_for_booking(db, municipality, resident, dose).await?;
    let booking = BookingRecord {
        id,
        municipality_code: municipality,
        resident_municipality_code: resident.home,
        ticket_number: resident.ticket,
        dose,
        status: BookingStatus::Reserved,
        status_label_ja: BookingStatus::Reserved.label_ja(),
        channel: caller.channel(),
        slot: target.slot.summary(),
        lot_number: None,
        vaccinated_at: None,
        created_at,
        updated_at,
        outside,
    };
    Ok(Booked {
        booking,
        created: true,
        interval_warning,
        target,
    })
}

/// Every write of a booking in one statement, so that the slot's row lock, which every booking
/// of the slot waits for, is held for one round trip and the commit. Each part writes only when
/// the one before it did: the seat by a conditional update (none left: nothing more), the
/// booking (the partial unique index of active doses refusing it: no logs), then its audit row
/// and the change rows for the venue's clinic. A refused row leaves the seat taken until the
/// caller rolls back, as it does on every refusal.
///
/// ON CONFLICT keeps the caller's transaction usable (the sync push settles other intents in it)
/// where a unique violation would abort it.
struct Written {
    seat_taken: bool,
    /// Null when the seat was taken but the row refused.
    created_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
}

async fn write(
    db: &mut PgConnection,
    caller: &Caller,
    placing: &Placing,
    slot: Uuid,
) -> Result<Written, BookingError> {
    let &Placing {
        municipality,
        resident,
        id,
        dose,
        ..
    } = placing;
    let entity = Entity::Booking(id);
    let after = audit_state(slot, dose, BookingStatus::Reserved, None, None);
    let changes = [
        entity,
        Entity::Slot(slot),
        // The venue's clinic now needs the resident in its cache.
        resident.entity(),
    ];
    let entity_id = |e: Entity| e.id(municipality);
    // $11 is text, so the check needs no JSON type: `after` is bound as its text.
    sqlx::query_as!(
        Written,
        r#"with seat as (
            update slots set booked = booked + 1, updated_at = now()
            where municipality_code = $1 and id = $2 and booked < capacity
            returning venue_id
        ), booking as (
            insert into bookings (municipality_code, id, home_code, ticket_number, slot_id, dose,
                                  status, channel, booked_by)
            select $1, $3, $14, $4, $2, $5, 'reserved', $6, $7 from seat
            on conflict (municipality_code, home_code, ticket_number, dose)
                where status in ('reserved', 'checked_in', 'vaccinated')
                do nothing
            returning created_at, updated_at
        ), audit as (
            insert into audit_log (municipality_code, account_id, channel, on_behalf_of, action,
                                   entity_kind, entity_id, after)
            select $1, $7, $6, $8, 'booking.book', $9, $10, $11::text::jsonb from booking
        ), change as (
            insert into changes (municipality_code, entity_kind, entity_id, venue_id)
            select $1, e.kind, e.id, seat.venue_id
            from booking, seat, unnest($12::text[], $13::text[]) e (kind, id)
        )
        select exists (select 1 from seat) as "seat_taken!",
               booking.created_at as "created_at?: DateTime<Utc>",
               booking.updated_at as "updated_at?: DateTime<Utc>"
        from (values (1)) one left join booking on true"#,
        municipality.as_string(),
        slot,
        id,
        resident.ticket.as_string(),
        i16::from(dose.get()),
        caller.channel().as_str(),
        caller.account(),
        caller.on_behalf_of(),
        entity.kind(),
        entity_id(entity),
        after.to_string(),
        &changes.map(Entity::kind) as &[&str],
        &changes.map(entity_id)[..],
        resident.home.as_string(),
    )
    .fetch_one(db)
    .await
    .map_err(|error| match &error {
        // The client-made id of another resident's booking, made after `book` looked.
        sqlx::Error::Database(db_error) if db_error.constraint() == Some("bookings_pkey") => {
            Refusal::IdConflict.into()
        }
        _ => BookingError::from(error),
    })
}

/// The core rule's refusal for the active booking the unique index found.
async fn duplicate_dose(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    resident: ResidentId,
    dose: DoseNumber,
) -> Result<Refusal, BookingError> {
    let active = sqlx::query!(
        r#"select b.status, s.starts_at as "starts_at: DateTime<Utc>"
         from bookings b
         join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
         where b.municipality_code = $1 and b.home_code = $4 and b.ticket_number = $2
           and b.dose = $3 and b.status in ('reserved', 'checked_in', 'vaccinated')"#,
        municipality.as_string(),
        resident.ticket.as_string(),
        i16::from(dose.get()),
        resident.home.as_string(),
    )
    .fetch_one(db)
    .await?;
    let status = BookingStatus::parse(&active.status)
        .ok_or_else(|| BookingError::Stored(format!("a booking status of {resident}")))?;
    Ok(BookingRuleError::DuplicateDose {
        dose: dose.get(),
        status,
        date: tokyo_date_time(active.starts_at).0,
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
                && s.on_offer()
                && may_book(caller.actor(), &s.slot).is_ok()
        })
        .collect();
    // Cached: the key converts to Tokyo time, and a full slot's crowd asks for it many times.
    let full_time = time_of_day(full);
    candidates.sort_by_cached_key(|s| {
        (
            (s.slot.date() - date).num_days().abs(),
            (time_of_day(&s.slot) - full_time).num_minutes().abs(),
            s.slot.starts_at,
        )
    });
    Ok(candidates
        .iter()
        .take(MAX_ALTERNATIVES)
        .map(|s| s.alternative())
        .collect())
}
