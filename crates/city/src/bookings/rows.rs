//! Bookings, slots and vaccines as read from the database, and the seat counter they share.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::booking::{BookingStatus, DoseNumber, LotNumber, ResidentBooking};
use yoyaku_core::channel::Channel;
use yoyaku_core::slot::{Slot, remaining_seats};
use yoyaku_core::sync::AlternativeSlot;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::{from_tokyo, tokyo_date_time};
use yoyaku_core::vaccine::{DoseInterval, VaccineProduct, VaccineSpec};
use yoyaku_core::wire::SlotInfo;
use yoyaku_core::{MunicipalityCode, Visibility};

use super::BookingError;
use crate::audit::parse_channel;

/// A booking with what a person reads next to it: 予約枠日時, 予約枠名, 会場, 接種ワクチン.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct BookingRecord {
    pub id: Uuid,
    pub municipality_code: MunicipalityCode,
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
    /// What the audit log keeps of a booking before and after a write.
    pub fn audit_state(&self) -> Value {
        json!({
            "slot_id": self.slot.id,
            "dose": self.dose,
            "status": self.status.as_str(),
            "lot_number": self.lot_number,
            "vaccinated_at": self.vaccinated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct BookingRow {
    id: Uuid,
    municipality_code: String,
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
}

/// Selects [`BookingRow`]s as `b`, with their slot `s`, venue `v` and vaccine `vc`.
pub(super) const BOOKING_SELECT: &str = "
    select b.id, b.municipality_code, b.ticket_number, b.dose, b.status, b.channel, b.lot_number,
           b.vaccinated_at, b.created_at, b.updated_at,
           s.id as slot_id, s.name as slot_name, s.venue_id, v.name as venue_name,
           s.vaccine_code, vc.name_ja as vaccine_name, s.starts_at, s.ends_at, s.visibility
    from bookings b
    join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
    join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
    join vaccines vc on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code";

impl TryFrom<BookingRow> for BookingRecord {
    type Error = BookingError;

    fn try_from(row: BookingRow) -> Result<Self, BookingError> {
        let stored = |what: &str| BookingError::Stored(format!("{what} of booking {}", row.id));
        let status = BookingStatus::parse(&row.status).ok_or_else(|| stored("status"))?;
        Ok(Self {
            id: row.id,
            municipality_code: MunicipalityCode::parse(&row.municipality_code)
                .map_err(|_| stored("municipality_code"))?,
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
struct RuleRow {
    dose: i16,
    status: String,
    starts_at: DateTime<Utc>,
    vaccinated_at: Option<DateTime<Utc>>,
}

/// Every booking of the resident, any status, as the booking rules need them.
pub(super) async fn resident_bookings(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    ticket: TicketNumber,
) -> Result<Vec<ResidentBooking>, BookingError> {
    let rows = sqlx::query_as::<_, RuleRow>(
        "select b.dose, b.status, s.starts_at, b.vaccinated_at
         from bookings b
         join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
         where b.municipality_code = $1 and b.ticket_number = $2",
    )
    .bind(municipality.as_string())
    .bind(ticket.as_string())
    .fetch_all(db)
    .await?;
    let stored = || BookingError::Stored(format!("a booking of {ticket}"));
    rows.into_iter()
        .map(|row| {
            Ok(ResidentBooking {
                dose: u8::try_from(row.dose)
                    .ok()
                    .and_then(|n| DoseNumber::new(n).ok())
                    .ok_or_else(stored)?,
                status: BookingStatus::parse(&row.status).ok_or_else(stored)?,
                date: tokyo_date_time(row.starts_at).0,
                vaccinated_on: row.vaccinated_at.map(|at| tokyo_date_time(at).0),
            })
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
}

/// Selects [`SlotRow`]s as `s`, with venue `v` and vaccine `vc`.
pub(super) const SLOT_SELECT: &str = "
    select s.id, s.venue_id, v.name as venue_name, s.vaccine_code, vc.name_ja as vaccine_name,
           s.name, s.starts_at, s.ends_at, s.visibility, s.capacity, s.booked
    from slots s
    join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
    join vaccines vc on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code";

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

/// Takes a seat if one is left: a conditional update, so two requests can never both take the
/// last seat (the second waits for the first's row lock, then sees its count).
pub(super) async fn take_seat(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    slot: Uuid,
) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query(
        "update slots set booked = booked + 1, updated_at = now()
         where municipality_code = $1 and id = $2 and booked < capacity",
    )
    .bind(municipality.as_string())
    .bind(slot)
    .execute(db)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// Changes the seat count without looking at the capacity: a seat given back (`-1`), or a
/// same-day move the planner allowed past the capacity (`+1`, manual 3-2 ②).
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

pub(super) async fn load_vaccine(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    code: &str,
) -> Result<VaccineProduct, BookingError> {
    let row = sqlx::query_as::<_, VaccineRow>(
        "select name_ja, name_en, doses_per_vial, usable_hours_after_dilution,
                dose_interval_days, earliest_interval_days, warn_after_days
         from vaccines where municipality_code = $1 and code = $2",
    )
    .bind(municipality.as_string())
    .bind(code)
    .fetch_one(db)
    .await?;
    let stored = || BookingError::Stored(format!("vaccine {code}"));
    let count = |n: i32| u32::try_from(n).map_err(|_| stored());
    VaccineProduct::new(VaccineSpec {
        code: code.to_owned(),
        name_ja: row.name_ja,
        name_en: row.name_en,
        doses_per_vial: count(row.doses_per_vial)?,
        usable_hours: count(row.usable_hours_after_dilution)?,
        interval: DoseInterval {
            standard_days: count(row.dose_interval_days)?,
            earliest_days: count(row.earliest_interval_days)?,
            warn_after_days: Some(count(row.warn_after_days)?),
        },
    })
    .map_err(|_| stored())
}
