//! Reads of the cache as yoyaku-core's rules take them: slots with the seats this device sees,
//! a resident's bookings, the vaccine product and the period.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, SqliteConnection};
use uuid::Uuid;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::booking::{BookingStatus, DoseNumber, ResidentBooking};
use yoyaku_core::period::{DateRange, Period, PeriodSpec};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::slot::{AlternativeSlot, Slot};
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::{tokyo_date_time, tokyo_today};
use yoyaku_core::vaccine::{DoseInterval, VaccineProduct, VaccineSpec};
use yoyaku_core::{MunicipalityCode, Visibility};

use super::error::{Refusal, ResidentRefusal, corrupt};
use crate::error::Result;
use crate::json_rows;
use crate::slots::{SLOT_COLUMNS, SlotRow};

/// A `slot_list` row with its instants: seats as this device sees them (view `slot_seats`). It
/// reads as the row it extends.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct CachedSlot {
    #[serde(flatten)]
    pub row: SlotRow,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl std::ops::Deref for CachedSlot {
    type Target = SlotRow;

    fn deref(&self) -> &SlotRow {
        &self.row
    }
}

impl CachedSlot {
    pub fn core(&self) -> Result<Slot> {
        let id = |s: &str| Uuid::parse_str(s).map_err(|_| corrupt(format!("slot {s}")));
        let count =
            |n: i64| i32::try_from(n).map_err(|_| corrupt(format!("slot {}", self.slot_id)));
        Ok(Slot {
            id: id(&self.slot_id)?,
            venue_id: id(&self.venue_id)?,
            vaccine_code: self.vaccine_code.clone(),
            name: self.slot_name.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            visibility: Visibility::parse(&self.visibility)
                .ok_or_else(|| corrupt(format!("visibility of slot {}", self.slot_id)))?,
            capacity: count(self.capacity)?,
            booked: count(self.booked)?,
            period: None,
            // The cache holds this clinic's own venues only.
            mass_venue: false,
        })
    }

    pub fn row(&self) -> SlotRow {
        self.row.clone()
    }

    /// The slot as a refusal offers it instead of a full one.
    pub fn alternative(&self) -> Result<AlternativeSlot> {
        let slot = self.core()?;
        Ok(AlternativeSlot {
            slot_id: slot.id,
            venue_id: slot.venue_id,
            venue_name: self.venue_name.clone(),
            starts_at: slot.starts_at,
            ends_at: slot.ends_at,
            remaining: slot.remaining(),
            visibility: Some(slot.visibility),
        })
    }
}

pub(super) async fn slot(db: &mut SqliteConnection, id: Uuid) -> Result<Option<CachedSlot>> {
    let id = id.to_string();
    let row = sqlx::query!(
        r#"SELECT l.slot_id, l.venue_id, l.venue_number, l.venue_name, l.vaccine_code,
                  l.vaccine_name, l.slot_name, l.date, l.start_time, l.end_time, l.visibility,
                  l.capacity, l.booked AS "booked!: i64", l.remaining AS "remaining!: i64",
                  s.starts_at AS "starts_at: DateTime<Utc>", s.ends_at AS "ends_at: DateTime<Utc>"
           FROM slot_list l JOIN slots s ON s.id = l.slot_id
           WHERE l.slot_id = ?"#,
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| CachedSlot {
        row: SlotRow {
            slot_id: r.slot_id,
            venue_id: r.venue_id,
            venue_number: r.venue_number,
            venue_name: r.venue_name,
            vaccine_code: r.vaccine_code,
            vaccine_name: r.vaccine_name,
            slot_name: r.slot_name,
            date: r.date,
            start_time: r.start_time,
            end_time: r.end_time,
            visibility: r.visibility,
            capacity: r.capacity,
            booked: r.booked,
            remaining: r.remaining,
        },
        starts_at: r.starts_at,
        ends_at: r.ends_at,
    }))
}

/// The slots of a venue and vaccine dated `from..=to`, in time order.
pub(super) async fn venue_slots(
    db: &mut SqliteConnection,
    venue_id: Uuid,
    vaccine_code: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CachedSlot>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let columns: Vec<&str> = SLOT_COLUMNS
            .iter()
            .copied()
            .chain(["starts_at", "ends_at"])
            .collect();
        json_rows::wrap(
            &columns,
            "SELECT l.*, s.starts_at, s.ends_at
             FROM slot_list l JOIN slots s ON s.id = l.slot_id
             WHERE l.venue_id = ? AND l.vaccine_code = ? AND l.date BETWEEN ? AND ?
             ORDER BY l.date, l.start_time, l.end_time, l.visibility DESC",
        )
    });
    // Runtime query: json_rows wraps the select in SQL built at run time.
    let mut arguments = SqliteArguments::default();
    for value in [
        venue_id.to_string(),
        vaccine_code.to_owned(),
        from.to_string(),
        to.to_string(),
    ] {
        arguments.add(value).map_err(sqlx::Error::Encode)?;
    }
    json_rows::fetch(db, &SQL, arguments).await
}

/// The key of a cached resident, as their booking names them.
pub(super) async fn resident_key(
    db: &mut SqliteConnection,
    municipality_code: &str,
    ticket_number: &str,
) -> Result<ResidentKey> {
    let birth_date = sqlx::query_scalar!(
        r#"SELECT birth_date AS "birth_date: NaiveDate" FROM residents
           WHERE municipality_code = ? AND ticket_number = ?"#,
        municipality_code,
        ticket_number,
    )
    .fetch_optional(db)
    .await?;
    let stored = || corrupt(format!("resident {municipality_code}:{ticket_number}"));
    Ok(ResidentKey {
        municipality_code: MunicipalityCode::parse(municipality_code).map_err(|_| stored())?,
        ticket_number: TicketNumber::parse(ticket_number).map_err(|_| stored())?,
        birth_date: BirthDate::from_date(birth_date.ok_or_else(stored)?, tokyo_today())
            .map_err(|_| stored())?,
    })
}

/// Refuses a resident who is not in the cache under this key, or whose 予約者情報 is not
/// registered: the manual registers before it books (2-1).
pub(super) async fn require_registered(db: &mut SqliteConnection, key: &ResidentKey) -> Result<()> {
    let municipality_code = key.municipality_code.as_string();
    let ticket_number = key.ticket_number.as_string();
    let row = sqlx::query!(
        "SELECT birth_date, family_name_kana FROM residents
         WHERE municipality_code = ? AND ticket_number = ?",
        municipality_code,
        ticket_number,
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.birth_date, r.family_name_kana));
    match row {
        // The birth date is a third of the key: a wrong one is a different person.
        Some((birth_date, _)) if birth_date != key.birth_date.date().to_string() => {
            Err(Refusal::Resident(ResidentRefusal::NotCached).into())
        }
        None => Err(Refusal::Resident(ResidentRefusal::NotCached).into()),
        Some((_, None)) => Err(Refusal::Resident(ResidentRefusal::NotRegistered).into()),
        Some((_, Some(_))) => Ok(()),
    }
}

/// Whether the city holds the resident's 予約者情報 as the cache has them: no registration or
/// change of them is waiting to be sent or was refused.
pub(super) async fn resident_accepted(
    db: &mut SqliteConnection,
    municipality_code: &str,
    ticket_number: &str,
) -> Result<bool> {
    let key = crate::outbox::resident_key(municipality_code, ticket_number);
    let held = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM holds WHERE kind = 'resident' AND key = ?) AS "held!: bool""#,
        key,
    )
    .fetch_one(db)
    .await?;
    Ok(!held)
}

/// Whether the resident is a 市外住民 whose 住所地外接種届 is not received yet (manual 2-3): their
/// bookings are 仮予約 until it is.
pub(super) async fn notification_pending(
    db: &mut SqliteConnection,
    municipality_code: &str,
    ticket_number: &str,
) -> Result<bool> {
    let pending = sqlx::query_scalar!(
        r#"SELECT notification IS 'pending' AS "pending!: bool" FROM residents
           WHERE municipality_code = ? AND ticket_number = ?"#,
        municipality_code,
        ticket_number,
    )
    .fetch_optional(db)
    .await?;
    Ok(pending.unwrap_or(false))
}

/// Every cached booking of the resident, and those at other venues the city's look-up showed, as
/// the dose rules read them.
pub(super) async fn resident_bookings(
    db: &mut SqliteConnection,
    municipality_code: &str,
    ticket_number: &str,
) -> Result<Vec<ResidentBooking>> {
    let rows = sqlx::query_as!(
        RuleRow,
        r#"SELECT b.dose, b.status, s.starts_at AS "starts_at: DateTime<Utc>",
                  b.vaccinated_at AS "vaccinated_at?: DateTime<Utc>", s.vaccine_code, s.vaccine_name
           FROM bookings b JOIN slots s ON s.id = b.slot_id
           WHERE b.municipality_code = ?1 AND b.ticket_number = ?2
           UNION ALL
           SELECT e.dose, e.status, e.starts_at, e.vaccinated_at, e.vaccine_code, e.vaccine_name
           FROM bookings_elsewhere e
           WHERE e.municipality_code = ?1 AND e.ticket_number = ?2
             AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.id = e.id)"#,
        municipality_code,
        ticket_number,
    )
    .fetch_all(db)
    .await?;
    let bad = || corrupt(format!("a booking of {municipality_code}:{ticket_number}"));
    rows.into_iter()
        .map(|row| {
            Ok(ResidentBooking {
                dose: u8::try_from(row.dose)
                    .ok()
                    .and_then(|n| DoseNumber::new(n).ok())
                    .ok_or_else(bad)?,
                status: BookingStatus::parse(&row.status).ok_or_else(bad)?,
                vaccine_code: row.vaccine_code,
                vaccine_name: row.vaccine_name,
                date: tokyo_date_time(row.starts_at).0,
                vaccinated_on: row.vaccinated_at.map(|at| tokyo_date_time(at).0),
            })
        })
        .collect()
}

struct RuleRow {
    dose: i64,
    status: String,
    starts_at: DateTime<Utc>,
    vaccinated_at: Option<DateTime<Utc>>,
    vaccine_code: String,
    vaccine_name: String,
}

pub(super) async fn vaccine(db: &mut SqliteConnection, code: &str) -> Result<VaccineProduct> {
    let row = sqlx::query_as!(
        VaccineRow,
        "SELECT name_ja, name_en, doses_per_vial, usable_hours, standard_days, earliest_days,
                warn_after_days
         FROM vaccines WHERE code = ?",
        code,
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Err(Refusal::VaccineNotCached {
            code: code.to_owned(),
        }
        .into());
    };
    let count = |n: i64| u32::try_from(n).map_err(|_| corrupt(format!("vaccine {code}")));
    VaccineProduct::new(VaccineSpec {
        code: code.to_owned(),
        name_ja: row.name_ja,
        name_en: row.name_en,
        doses_per_vial: count(row.doses_per_vial)?,
        usable_hours: count(row.usable_hours)?,
        interval: DoseInterval {
            standard_days: count(row.standard_days)?,
            earliest_days: count(row.earliest_days)?,
            warn_after_days: row.warn_after_days.map(count).transpose()?,
        },
    })
    .map_err(|_| corrupt(format!("vaccine {code}")))
}

struct VaccineRow {
    name_ja: String,
    name_en: String,
    doses_per_vial: i64,
    usable_hours: i64,
    standard_days: i64,
    earliest_days: i64,
    warn_after_days: Option<i64>,
}

/// The period whose first-dose window holds `first_dose_date`: its second-dose window bounds the
/// second dose (notice of 2021-09-27).
pub(super) async fn period_of_first_dose(
    db: &mut SqliteConnection,
    vaccine_code: &str,
    first_dose_date: NaiveDate,
) -> Result<Option<Period>> {
    let first_dose_date = first_dose_date.to_string();
    let row = sqlx::query!(
        r#"SELECT number, first_dose_first AS "first_dose_first: NaiveDate",
                  first_dose_last AS "first_dose_last: NaiveDate",
                  second_dose_first AS "second_dose_first: NaiveDate",
                  second_dose_last AS "second_dose_last: NaiveDate"
           FROM periods
           WHERE vaccine_code = ? AND ? BETWEEN first_dose_first AND first_dose_last
           ORDER BY number DESC LIMIT 1"#,
        vaccine_code,
        first_dose_date,
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (number, first_first) = (row.number, row.first_dose_first);
    // The cache keeps a period's windows only; its report deadlines, which planning does not
    // read, are set to the first dose day so that Period's ordering rules hold.
    let spec = PeriodSpec {
        number: u32::try_from(number).map_err(|_| corrupt(format!("period {number}")))?,
        first_dose: DateRange {
            first: first_first,
            last: row.first_dose_last,
        },
        second_dose: DateRange {
            first: row.second_dose_first,
            last: row.second_dose_last,
        },
        submission_deadline: first_first,
        correction_deadline: first_first,
        reception_opens: first_first,
    };
    Period::new(spec)
        .map(Some)
        .map_err(|_| corrupt(format!("period {number}")))
}

/// A booking as the lifecycle needs it.
#[derive(Debug, Clone)]
pub(super) struct BookingRecord {
    pub municipality_code: String,
    pub ticket_number: String,
    pub slot_id: String,
    pub dose: i64,
    pub status: String,
    /// The Tokyo date of its slot.
    pub date: NaiveDate,
}

impl BookingRecord {
    pub fn status(&self) -> Result<BookingStatus> {
        BookingStatus::parse(&self.status).ok_or_else(|| corrupt("a booking status"))
    }

    pub fn dose(&self) -> Result<DoseNumber> {
        u8::try_from(self.dose)
            .ok()
            .and_then(|n| DoseNumber::new(n).ok())
            .ok_or_else(|| corrupt("a booking's dose"))
    }

    pub fn slot_id(&self) -> Result<Uuid> {
        Uuid::parse_str(&self.slot_id).map_err(|_| corrupt("a booking's slot"))
    }
}

/// The booking `id` if it is at one of `venues`: another clinic's booking does not exist here.
pub(super) async fn own_booking(
    db: &mut SqliteConnection,
    venues: &[Uuid],
    id: Uuid,
) -> Result<BookingRecord> {
    let id = id.to_string();
    let row = sqlx::query!(
        r#"SELECT b.municipality_code, b.ticket_number, b.slot_id, b.dose, b.status,
                  s.local_date AS "date: NaiveDate", s.venue_id
           FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE b.id = ?"#,
        id,
    )
    .fetch_optional(db)
    .await?;
    match row {
        Some(r) if venues.iter().any(|v| v.to_string() == r.venue_id) => Ok(BookingRecord {
            municipality_code: r.municipality_code,
            ticket_number: r.ticket_number,
            slot_id: r.slot_id,
            dose: r.dose,
            status: r.status,
            date: r.date,
        }),
        _ => Err(Refusal::BookingNotFound.into()),
    }
}
