//! Bookings, slots and vaccines as read from the database, and the seat counter they share.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{FromRow, PgConnection, Row};
use uuid::Uuid;
use yoyaku_core::booking::{BookingStatus, DoseNumber, LotNumber, ResidentBooking};
use yoyaku_core::channel::Channel;
use yoyaku_core::out_of_municipality::OutsideStay;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::slot::AlternativeSlot;
use yoyaku_core::slot::{Slot, remaining_seats};
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::{from_tokyo, tokyo_date_time};
use yoyaku_core::vaccine::{DoseInterval, VaccineProduct, VaccineSpec};
use yoyaku_core::wire::SlotInfo;
use yoyaku_core::{MunicipalityCode, Visibility};

use super::BookingError;
use crate::audit::parse_channel;
use crate::residents::{ResidentId, outside_stay};

/// A booking with what a person reads next to it: 予約枠日時, 予約枠名, 会場, 接種ワクチン.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct BookingRecord {
    pub id: Uuid,
    pub municipality_code: MunicipalityCode,
    /// 自治体番号 of the resident's ticket: another municipality's for a 市外住民 (住所地外).
    pub resident_municipality_code: MunicipalityCode,
    pub ticket_number: TicketNumber,
    pub dose: DoseNumber,
    pub status: BookingStatus,
    /// 予約済み, キャンセル, 受付済み, 接種済み, 来院なし
    pub status_label_ja: &'static str,
    pub channel: Channel,
    pub slot: SlotSummary,
    pub lot_number: Option<LotNumber>,
    pub vaccinated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// 住所地外 (manual 2-3): a 市外住民's reason and notification state; lists show it.
    pub outside: Option<OutsideStay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct SlotSummary {
    pub id: Uuid,
    /// 予約枠名
    pub name: String,
    pub venue_id: Uuid,
    pub venue_name: String,
    pub vaccine_code: String,
    pub vaccine_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub visibility: Visibility,
}

impl BookingRecord {
    pub fn resident(&self) -> ResidentId {
        ResidentId {
            home: self.resident_municipality_code,
            ticket: self.ticket_number,
        }
    }

    /// What the audit log keeps of a booking before and after a write.
    pub fn audit_state(&self) -> Value {
        audit_state(
            self.slot.id,
            self.dose,
            self.status,
            self.lot_number.as_ref(),
            self.vaccinated_at,
        )
    }
}

/// [`BookingRecord::audit_state`] of a booking not read back yet (one just being inserted).
pub(super) fn audit_state(
    slot: Uuid,
    dose: DoseNumber,
    status: BookingStatus,
    lot_number: Option<&LotNumber>,
    vaccinated_at: Option<DateTime<Utc>>,
) -> Value {
    json!({
        "slot_id": slot,
        "dose": dose,
        "status": status.as_str(),
        "lot_number": lot_number,
        "vaccinated_at": vaccinated_at,
    })
}

#[derive(sqlx::FromRow)]
pub(super) struct BookingRow {
    id: Uuid,
    municipality_code: String,
    home_code: String,
    ticket_number: String,
    dose: i16,
    status: String,
    channel: String,
    lot_number: Option<String>,
    vaccinated_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    slot_id: Uuid,
    slot_name: String,
    venue_id: Uuid,
    venue_name: String,
    vaccine_code: String,
    vaccine_name: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    visibility: String,
    outside_reason: Option<String>,
    notification: Option<String>,
}

/// Selects [`BookingRow`]s as `b`, with their slot `s`, venue `v`, vaccine `vc` and resident
/// `r`.
pub(super) const BOOKING_SELECT: &str = "
    select b.id, b.municipality_code, b.home_code, b.ticket_number, b.dose, b.status, b.channel, b.lot_number,
           b.vaccinated_at, b.created_at, b.updated_at,
           s.id as slot_id, s.name as slot_name, s.venue_id, v.name as venue_name,
           s.vaccine_code, vc.name_ja as vaccine_name, s.starts_at, s.ends_at, s.visibility,
           r.outside_reason, r.notification
    from bookings b
    join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
    join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
    join vaccines vc on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code
    join residents r on r.municipality_code = b.municipality_code and r.home_code = b.home_code
                    and r.ticket_number = b.ticket_number";

impl TryFrom<BookingRow> for BookingRecord {
    type Error = BookingError;

    fn try_from(row: BookingRow) -> Result<Self, BookingError> {
        let stored = |what: &str| BookingError::Stored(format!("{what} of booking {}", row.id));
        let status = BookingStatus::parse(&row.status).ok_or_else(|| stored("status"))?;
        Ok(Self {
            id: row.id,
            municipality_code: MunicipalityCode::parse(&row.municipality_code)
                .map_err(|_| stored("municipality_code"))?,
            resident_municipality_code: MunicipalityCode::parse(&row.home_code)
                .map_err(|_| stored("home_code"))?,
            ticket_number: TicketNumber::parse(&row.ticket_number)
                .map_err(|_| stored("ticket_number"))?,
            dose: u8::try_from(row.dose)
                .ok()
                .and_then(|n| DoseNumber::new(n).ok())
                .ok_or_else(|| stored("dose"))?,
            status,
            status_label_ja: status.label_ja(),
            channel: parse_channel(&row.channel).ok_or_else(|| stored("channel"))?,
            lot_number: row
                .lot_number
                .as_deref()
                .map(LotNumber::parse)
                .transpose()
                .map_err(|_| stored("lot_number"))?,
            vaccinated_at: row.vaccinated_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            outside: outside_stay(row.outside_reason.as_deref(), row.notification.as_deref())
                .map_err(|_| stored("outside stay"))?,
            slot: SlotSummary {
                id: row.slot_id,
                name: row.slot_name,
                venue_id: row.venue_id,
                venue_name: row.venue_name,
                vaccine_code: row.vaccine_code,
                vaccine_name: row.vaccine_name,
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                visibility: Visibility::parse(&row.visibility)
                    .ok_or_else(|| stored("slot visibility"))?,
            },
        })
    }
}

/// The records of rows selected by [`BOOKING_SELECT`].
pub(super) fn records(rows: Vec<BookingRow>) -> Result<Vec<BookingRecord>, BookingError> {
    rows.into_iter().map(BookingRecord::try_from).collect()
}

pub(super) async fn load_booking(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<Option<BookingRecord>, BookingError> {
    load_one(db, municipality, id, "").await
}

/// The booking, its row locked for the rest of the transaction.
pub(super) async fn load_booking_for_update(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<Option<BookingRecord>, BookingError> {
    load_one(db, municipality, id, "for update of b").await
}

async fn load_one(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
    lock: &str,
) -> Result<Option<BookingRecord>, BookingError> {
    let sql = format!("{BOOKING_SELECT} where b.municipality_code = $1 and b.id = $2 {lock}");
    let row = sqlx::query_as::<_, BookingRow>(&sql)
        .bind(municipality.as_string())
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(BookingRecord::try_from).transpose()
}

#[derive(sqlx::FromRow)]
struct HeldRow {
    id: Uuid,
    dose: i16,
    status: String,
    starts_at: DateTime<Utc>,
    vaccinated_at: Option<DateTime<Utc>>,
    vaccine_code: String,
    vaccine_name: String,
}

/// A booking of the resident as a new booking's checks need it.
pub(super) struct Held {
    pub id: Uuid,
    pub rule: ResidentBooking,
}

/// Every booking of the resident, any status, as the booking rules (and a retry) need them.
pub(super) async fn resident_bookings(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    resident: ResidentId,
) -> Result<Vec<Held>, BookingError> {
    let rows = sqlx::query_as::<_, HeldRow>(
        "select b.id, b.dose, b.status, s.starts_at, b.vaccinated_at, s.vaccine_code,
                v.name_ja as vaccine_name
         from bookings b
         join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
         join vaccines v on v.municipality_code = s.municipality_code and v.code = s.vaccine_code
         where b.municipality_code = $1 and b.home_code = $2 and b.ticket_number = $3",
    )
    .bind(municipality.as_string())
    .bind(resident.home.as_string())
    .bind(resident.ticket.as_string())
    .fetch_all(db)
    .await?;
    let stored = || BookingError::Stored(format!("a booking of {resident}"));
    rows.into_iter()
        .map(|row| {
            let rule = ResidentBooking {
                dose: u8::try_from(row.dose)
                    .ok()
                    .and_then(|n| DoseNumber::new(n).ok())
                    .ok_or_else(stored)?,
                status: BookingStatus::parse(&row.status).ok_or_else(stored)?,
                vaccine_code: row.vaccine_code,
                vaccine_name: row.vaccine_name,
                date: tokyo_date_time(row.starts_at).0,
                vaccinated_on: row.vaccinated_at.map(|at| tokyo_date_time(at).0),
            };
            Ok(Held { id: row.id, rule })
        })
        .collect()
}

/// A slot with the names a person reads next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VenueSlot {
    pub slot: Slot,
    pub venue_name: String,
    pub vaccine_name: String,
}

impl VenueSlot {
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

#[derive(sqlx::FromRow)]
pub(super) struct SlotRow {
    id: Uuid,
    venue_id: Uuid,
    venue_name: String,
    vaccine_code: String,
    vaccine_name: String,
    name: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    visibility: String,
    capacity: i32,
    booked: i32,
    mass_venue: bool,
}

/// A select of [`SlotRow`]'s columns and any `extra` ones, from slots `s` with venue `v` and
/// vaccine `vc`.
macro_rules! slot_select {
    ($($extra:literal)?) => {
        concat!(
            "select s.id, s.venue_id, v.name as venue_name, s.vaccine_code,
                    vc.name_ja as vaccine_name, s.name, s.starts_at, s.ends_at, s.visibility,
                    s.capacity, s.booked, v.mass_venue",
            $($extra,)?
            " from slots s
             join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
             join vaccines vc
               on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code"
        )
    };
}

/// Selects [`SlotRow`]s as `s`, with venue `v` and vaccine `vc`.
pub(super) const SLOT_SELECT: &str = slot_select!();

/// Selects [`TargetRow`]s: [`SLOT_SELECT`] with the vaccine's rules.
const TARGET_SELECT: &str = slot_select!(
    ", vc.name_ja, vc.name_en, vc.doses_per_vial, vc.usable_hours_after_dilution,
       vc.dose_interval_days, vc.earliest_interval_days, vc.warn_after_days"
);

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
                period: None,
                mass_venue: row.mass_venue,
            },
            venue_name: row.venue_name,
            vaccine_name: row.vaccine_name,
        })
    }
}

pub(super) fn venue_slots(rows: Vec<SlotRow>) -> Result<Vec<VenueSlot>, BookingError> {
    rows.into_iter().map(VenueSlot::try_from).collect()
}

pub(super) async fn load_slot(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<Option<VenueSlot>, BookingError> {
    let sql = format!("{SLOT_SELECT} where s.municipality_code = $1 and s.id = $2");
    let row = sqlx::query_as::<_, SlotRow>(&sql)
        .bind(municipality.as_string())
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(VenueSlot::try_from).transpose()
}

/// Where slots are looked for: one venue and vaccine, starting in `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SlotRange<'a> {
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
pub(super) async fn slots_in(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    range: SlotRange<'_>,
    lock: bool,
) -> Result<Vec<VenueSlot>, BookingError> {
    let lock = if lock { "for update of s" } else { "" };
    let sql = format!(
        "{SLOT_SELECT}
         where s.municipality_code = $1 and s.venue_id = $2 and s.vaccine_code = $3
           and s.starts_at >= $4 and s.starts_at < $5
         order by s.id {lock}"
    );
    let rows = sqlx::query_as::<_, SlotRow>(&sql)
        .bind(municipality.as_string())
        .bind(range.venue)
        .bind(range.vaccine)
        .bind(range.from)
        .bind(range.to)
        .fetch_all(db)
        .await?;
    let mut slots = venue_slots(rows)?;
    slots.sort_by_key(|s| (s.slot.starts_at, s.slot.visibility == Visibility::Private));
    Ok(slots)
}

/// Locks the slots' rows in id order (see [`slots_in`]).
pub(super) async fn lock_slots(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    ids: &[Uuid],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "select 1 from slots where municipality_code = $1 and id = any($2)
         order by id for update",
    )
    .bind(municipality.as_string())
    .bind(ids)
    .execute(db)
    .await?;
    Ok(())
}

/// Gives back the seat `booking` held in `slot`: to the clinic's seat lease it was booked on, while
/// that lease runs (the slot's count, which includes the lease's seats, stays), else to the slot.
pub(super) async fn free_seat(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    booking: Uuid,
    slot: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
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
    )
    .bind(municipality.as_string())
    .bind(booking)
    .bind(slot)
    .execute(db)
    .await?;
    Ok(())
}

/// Changes the seat count without looking at the capacity: a same-day move the planner allowed
/// past the capacity (`+1`, manual 3-2 ②).
pub(super) async fn add_to_booked(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    slot: Uuid,
    seats: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update slots set booked = booked + $3, updated_at = now()
         where municipality_code = $1 and id = $2",
    )
    .bind(municipality.as_string())
    .bind(slot)
    .bind(seats)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct VaccineRow {
    name_ja: String,
    name_en: String,
    doses_per_vial: i32,
    usable_hours_after_dilution: i32,
    dose_interval_days: i32,
    earliest_interval_days: i32,
    warn_after_days: i32,
}

impl VaccineRow {
    fn product(self, code: &str) -> Result<VaccineProduct, BookingError> {
        let stored = || BookingError::Stored(format!("vaccine {code}"));
        let count = |n: i32| u32::try_from(n).map_err(|_| stored());
        VaccineProduct::new(VaccineSpec {
            code: code.to_owned(),
            name_ja: self.name_ja,
            name_en: self.name_en,
            doses_per_vial: count(self.doses_per_vial)?,
            usable_hours: count(self.usable_hours_after_dilution)?,
            interval: DoseInterval {
                standard_days: count(self.dose_interval_days)?,
                earliest_days: count(self.earliest_interval_days)?,
                warn_after_days: Some(count(self.warn_after_days)?),
            },
        })
        .map_err(|_| stored())
    }
}

pub(super) async fn load_vaccine(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    code: &str,
) -> Result<VaccineProduct, BookingError> {
    sqlx::query_as::<_, VaccineRow>(
        "select name_ja, name_en, doses_per_vial, usable_hours_after_dilution,
                dose_interval_days, earliest_interval_days, warn_after_days
         from vaccines where municipality_code = $1 and code = $2",
    )
    .bind(municipality.as_string())
    .bind(code)
    .fetch_one(db)
    .await?
    .product(code)
}

/// A slot to book into, with the rules of its vaccine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub slot: VenueSlot,
    pub vaccine: VaccineProduct,
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    #[sqlx(flatten)]
    slot: SlotRow,
    #[sqlx(flatten)]
    vaccine: VaccineRow,
}

impl TryFrom<TargetRow> for Target {
    type Error = BookingError;

    fn try_from(row: TargetRow) -> Result<Self, BookingError> {
        let slot = VenueSlot::try_from(row.slot)?;
        let vaccine = row.vaccine.product(&slot.slot.vaccine_code)?;
        Ok(Self { slot, vaccine })
    }
}

pub(super) async fn load_target(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    slot: Uuid,
) -> Result<Option<Target>, BookingError> {
    let sql = format!("{TARGET_SELECT} where s.municipality_code = $1 and s.id = $2");
    let row = sqlx::query_as::<_, TargetRow>(&sql)
        .bind(municipality.as_string())
        .bind(slot)
        .fetch_optional(db)
        .await?;
    row.map(Target::try_from).transpose()
}

/// What a new booking reads as it takes its resident's lock.
pub(super) struct Locked {
    /// The resident's birth date; `None` when they have no row (nothing was locked).
    pub birth_date: Option<NaiveDate>,
    /// The slot to book; `None` when there is no such slot.
    pub target: Option<Target>,
    /// The booking's id is another resident's booking's (one made after this read meets the
    /// primary key when inserted).
    pub id_taken: bool,
    /// The resident's 住所地外 stay (manual 2-3), if they are a 市外住民.
    pub outside: Option<OutsideStay>,
}

/// Takes the resident's row lock (as [`crate::residents::lock_for_booking`] does) and reads what
/// the booking needs besides, saving round trips. The slot is read, not locked.
pub(super) async fn lock_resident_with_target(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    resident: &ResidentKey,
    slot: Uuid,
    id: Uuid,
) -> Result<Locked, BookingError> {
    let sql = format!(
        "select r.birth_date, r.outside_reason, r.notification,
                exists (select 1 from bookings b
                        where b.municipality_code = $1 and b.id = $4
                          and (b.home_code, b.ticket_number) <> ($5, $2))
                    as id_taken,
                t.*
         from residents r
         left join lateral ({TARGET_SELECT}
                            where s.municipality_code = r.municipality_code and s.id = $3) t
           on true
         where r.municipality_code = $1 and r.home_code = $5 and r.ticket_number = $2
         for update of r"
    );
    let row = sqlx::query(&sql)
        .bind(municipality.as_string())
        .bind(resident.ticket_number.as_string())
        .bind(slot)
        .bind(id)
        .bind(resident.municipality_code.as_string())
        .fetch_optional(db)
        .await?;
    let Some(row) = row else {
        return Ok(Locked {
            birth_date: None,
            target: None,
            id_taken: false,
            outside: None,
        });
    };
    // The lateral join's columns are all null when the slot does not exist.
    let target = match row.try_get::<Option<Uuid>, _>("id")? {
        Some(_) => Some(Target::try_from(TargetRow::from_row(&row)?)?),
        None => None,
    };
    Ok(Locked {
        birth_date: row.try_get("birth_date")?,
        target,
        id_taken: row.try_get("id_taken")?,
        outside: outside_stay(
            row.try_get::<Option<String>, _>("outside_reason")?
                .as_deref(),
            row.try_get::<Option<String>, _>("notification")?.as_deref(),
        )
        .map_err(|what| BookingError::Stored(format!("{what} of the resident of booking {id}")))?,
    })
}
