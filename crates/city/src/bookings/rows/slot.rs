//! Slots as read from the database, and the seat counter every booking write shares.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::slot::AlternativeSlot;
use yoyaku_core::slot::{Slot, remaining_seats};
use yoyaku_core::time::from_tokyo;
use yoyaku_core::wire::SlotInfo;
use yoyaku_core::{MunicipalityCode, Visibility};

use super::booking::SlotSummary;
use crate::bookings::{BookingError, Refusal};

/// A slot with the names a person reads next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VenueSlot {
    pub slot: Slot,
    pub venue_name: String,
    pub vaccine_name: String,
    /// False while the slot's period has not reached 受付開始 (`slot_reception_open` in SQL).
    pub reception_open: bool,
}

impl VenueSlot {
    /// Whether its seats are on offer yet: a 公開枠 only from its period's 受付開始; a 非公開枠,
    /// its clinic's own, always.
    pub fn on_offer(&self) -> bool {
        self.reception_open || self.slot.visibility == Visibility::Private
    }

    /// What a booking record shows of its slot.
    pub fn summary(&self) -> SlotSummary {
        let s = &self.slot;
        SlotSummary {
            id: s.id,
            name: s.name.clone(),
            venue_id: s.venue_id,
            venue_name: self.venue_name.clone(),
            vaccine_code: s.vaccine_code.clone(),
            vaccine_name: self.vaccine_name.clone(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            visibility: s.visibility,
        }
    }

    pub fn info(&self) -> SlotInfo {
        let s = &self.slot;
        SlotInfo {
            id: s.id,
            venue_id: s.venue_id,
            name: s.name.clone(),
            vaccine_code: s.vaccine_code.clone(),
            vaccine_name: self.vaccine_name.clone(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            visibility: s.visibility,
            capacity: s.capacity,
            booked: s.booked,
            remaining: remaining_seats(s.capacity, s.booked),
        }
    }

    pub fn alternative(&self) -> AlternativeSlot {
        AlternativeSlot {
            slot_id: self.slot.id,
            venue_id: self.slot.venue_id,
            venue_name: self.venue_name.clone(),
            starts_at: self.slot.starts_at,
            ends_at: self.slot.ends_at,
            remaining: self.slot.remaining(),
            visibility: Some(self.slot.visibility),
        }
    }
}

/// Its fields are seen in all of `bookings`, where [`select_slots`] builds it.
pub(in crate::bookings) struct SlotRow {
    pub(in crate::bookings) id: Uuid,
    pub(in crate::bookings) venue_id: Uuid,
    pub(in crate::bookings) venue_name: String,
    pub(in crate::bookings) vaccine_code: String,
    pub(in crate::bookings) vaccine_name: String,
    pub(in crate::bookings) name: String,
    pub(in crate::bookings) starts_at: DateTime<Utc>,
    pub(in crate::bookings) ends_at: DateTime<Utc>,
    pub(in crate::bookings) visibility: String,
    pub(in crate::bookings) capacity: i32,
    pub(in crate::bookings) booked: i32,
    pub(in crate::bookings) mass_venue: bool,
    pub(in crate::bookings) period_number: Option<i32>,
    pub(in crate::bookings) reception_open: bool,
}

/// `sqlx::query_as!` of `$row`s: [`SlotRow`]'s columns and any `$extra` ones, from slots `s`
/// with venue `v` and vaccine `vc`, followed by `$rest` with its arguments. Literals only, so that
/// the whole query is checked at compile time.
macro_rules! select_slots {
    ($row:path, $extra:literal, $rest:literal $($args:tt)*) => {
        sqlx::query_as!(
            $row,
            r#"select s.id, s.venue_id, v.name as venue_name, s.vaccine_code,
                    vc.name_ja as vaccine_name, s.name,
                    s.starts_at as "starts_at: chrono::DateTime<chrono::Utc>",
                    s.ends_at as "ends_at: chrono::DateTime<chrono::Utc>", s.visibility,
                    s.capacity, s.booked, v.mass_venue, s.period_number,
                    slot_reception_open(s.municipality_code, s.period_number)
                        as "reception_open!""#
                + $extra
                + " from slots s
                   join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
                   join vaccines vc
                     on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code "
                + $rest
            $($args)*
        )
    };
    ($rest:literal $($args:tt)*) => {
        select_slots!($crate::bookings::rows::SlotRow, "", $rest $($args)*)
    };
}
pub(in crate::bookings) use select_slots;

impl TryFrom<SlotRow> for VenueSlot {
    type Error = BookingError;

    fn try_from(row: SlotRow) -> Result<Self, BookingError> {
        let visibility = Visibility::parse(&row.visibility)
            .ok_or_else(|| BookingError::Stored(format!("visibility of slot {}", row.id)))?;
        Ok(Self {
            slot: Slot {
                id: row.id,
                venue_id: row.venue_id,
                vaccine_code: row.vaccine_code,
                name: row.name,
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                visibility,
                capacity: row.capacity,
                booked: row.booked,
                period: row.period_number.map(i32::unsigned_abs),
                mass_venue: row.mass_venue,
            },
            venue_name: row.venue_name,
            vaccine_name: row.vaccine_name,
            reception_open: row.reception_open,
        })
    }
}

pub(in crate::bookings) fn venue_slots(rows: Vec<SlotRow>) -> Result<Vec<VenueSlot>, BookingError> {
    rows.into_iter().map(VenueSlot::try_from).collect()
}

pub(in crate::bookings) async fn load_slot(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<Option<VenueSlot>, BookingError> {
    select_slots!(
        "where s.municipality_code = $1 and s.id = $2",
        municipality.as_string(),
        id,
    )
    .fetch_optional(db)
    .await?
    .map(VenueSlot::try_from)
    .transpose()
}

/// The refusal of a 公開枠 before its period's 受付開始, naming the day it opens.
pub(in crate::bookings) async fn not_open(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    slot: &Slot,
) -> Result<Refusal, BookingError> {
    let stored = || BookingError::Stored(format!("the period of slot {}", slot.id));
    let period = slot.period.ok_or_else(stored)?;
    let opens = sqlx::query_scalar!(
        r#"select reception_opens as "opens: NaiveDate" from periods
           where municipality_code = $1 and number = $2"#,
        municipality.as_string(),
        i32::try_from(period).map_err(|_| stored())?,
    )
    .fetch_one(db)
    .await?;
    Ok(Refusal::SlotNotOpen { opens })
}

/// Where slots are looked for: one venue and vaccine, starting in `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::bookings) struct SlotRange<'a> {
    pub venue: Uuid,
    pub vaccine: &'a str,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl<'a> SlotRange<'a> {
    /// The Tokyo days `first..=last` at the venue of `slot`, for its vaccine.
    pub fn days_around(slot: &'a Slot, first: NaiveDate, last: NaiveDate) -> Self {
        Self {
            venue: slot.venue_id,
            vaccine: &slot.vaccine_code,
            from: from_tokyo(first, NaiveTime::MIN),
            to: from_tokyo(last + Days::new(1), NaiveTime::MIN),
        }
    }
}

/// The slots of `range` by start, the public slot first at one time. `lock` takes their row locks
/// in id order, so that writers locking several slots never wait on each other in a circle.
pub(in crate::bookings) async fn slots_in(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    range: SlotRange<'_>,
    lock: bool,
) -> Result<Vec<VenueSlot>, BookingError> {
    let rows = if lock {
        select_slots!(
            "where s.municipality_code = $1 and s.venue_id = $2 and s.vaccine_code = $3
               and s.starts_at >= $4 and s.starts_at < $5
             order by s.id for update of s",
            municipality.as_string(),
            range.venue,
            range.vaccine,
            range.from as _,
            range.to as _,
        )
        .fetch_all(db)
        .await?
    } else {
        select_slots!(
            "where s.municipality_code = $1 and s.venue_id = $2 and s.vaccine_code = $3
               and s.starts_at >= $4 and s.starts_at < $5
             order by s.id",
            municipality.as_string(),
            range.venue,
            range.vaccine,
            range.from as _,
            range.to as _,
        )
        .fetch_all(db)
        .await?
    };
    let mut slots = venue_slots(rows)?;
    slots.sort_by_key(|s| (s.slot.starts_at, s.slot.visibility == Visibility::Private));
    Ok(slots)
}

/// Locks the slots' rows in id order (see [`slots_in`]).
pub(in crate::bookings) async fn lock_slots(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    ids: &[Uuid],
) -> Result<(), sqlx::Error> {
    // Only the locks are wanted, not the rows.
    sqlx::query!(
        "select 1 as locked from slots where municipality_code = $1 and id = any($2)
         order by id for update",
        municipality.as_string(),
        ids,
    )
    .fetch_all(db)
    .await?;
    Ok(())
}

/// Gives back the seat `booking` held in `slot`: to the clinic's seat lease it was booked on, while
/// that lease runs (the slot's count, which includes the lease's seats, stays), else to the slot,
/// where it is offered to the first resident waiting for it (キャンセル待ち).
pub(in crate::bookings) async fn free_seat(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    booking: Uuid,
    slot: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "with to_lease as (
             update leases l set used = l.used - 1
             from bookings b
             where b.municipality_code = $1 and b.id = $2
               and l.municipality_code = b.municipality_code and l.id = b.lease_id
               and l.released_at is null and l.expires_at > now() and l.used > 0
             returning l.id
         ), unlinked as (
             update bookings set lease_id = null
             where municipality_code = $1 and id = $2 and lease_id is not null
             returning id
         )
         update slots set booked = booked - 1, updated_at = now()
         where municipality_code = $1 and id = $3 and not exists (select 1 from to_lease)",
        municipality.as_string(),
        booking,
        slot,
    )
    .execute(&mut *db)
    .await?;
    crate::waitlist::offers::offer_freed_seats(db, municipality, slot).await?;
    Ok(())
}

/// Changes the seat count without looking at the capacity: a same-day move the planner allowed
/// past the capacity (`+1`, manual 3-2 ②).
pub(in crate::bookings) async fn add_to_booked(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    slot: Uuid,
    seats: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update slots set booked = booked + $3, updated_at = now()
         where municipality_code = $1 and id = $2",
        municipality.as_string(),
        slot,
        seats,
    )
    .execute(db)
    .await?;
    Ok(())
}
