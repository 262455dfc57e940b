//! A booking's vaccine and its resident's other bookings, read (and locked) before a write.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::out_of_municipality::OutsideStay;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::vaccine::{DoseInterval, VaccineProduct, VaccineSpec};

use super::slot::{SlotRow, VenueSlot, select_slots};
use crate::bookings::BookingError;

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

pub(in crate::bookings) async fn load_vaccine(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    code: &str,
) -> Result<VaccineProduct, BookingError> {
    sqlx::query_as!(
        VaccineRow,
        "select name_ja, name_en, doses_per_vial, usable_hours_after_dilution,
                dose_interval_days, earliest_interval_days, warn_after_days
         from vaccines where municipality_code = $1 and code = $2",
        municipality.as_string(),
        code,
    )
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

/// [`SlotRow`]'s columns followed by [`VaccineRow`]'s.
struct TargetRow {
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
    period_number: Option<i32>,
    reception_open: bool,
    name_ja: String,
    name_en: String,
    doses_per_vial: i32,
    usable_hours_after_dilution: i32,
    dose_interval_days: i32,
    earliest_interval_days: i32,
    warn_after_days: i32,
}

impl TryFrom<TargetRow> for Target {
    type Error = BookingError;

    fn try_from(row: TargetRow) -> Result<Self, BookingError> {
        let slot = VenueSlot::try_from(SlotRow {
            id: row.id,
            venue_id: row.venue_id,
            venue_name: row.venue_name,
            vaccine_code: row.vaccine_code,
            vaccine_name: row.vaccine_name,
            name: row.name,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            visibility: row.visibility,
            capacity: row.capacity,
            booked: row.booked,
            mass_venue: row.mass_venue,
            period_number: row.period_number,
            reception_open: row.reception_open,
        })?;
        let vaccine = VaccineRow {
            name_ja: row.name_ja,
            name_en: row.name_en,
            doses_per_vial: row.doses_per_vial,
            usable_hours_after_dilution: row.usable_hours_after_dilution,
            dose_interval_days: row.dose_interval_days,
            earliest_interval_days: row.earliest_interval_days,
            warn_after_days: row.warn_after_days,
        }
        .product(&slot.slot.vaccine_code)?;
        Ok(Self { slot, vaccine })
    }
}

pub(in crate::bookings) async fn load_target(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    slot: Uuid,
) -> Result<Option<Target>, BookingError> {
    select_slots!(
        TargetRow,
        ", vc.name_ja, vc.name_en, vc.doses_per_vial, vc.usable_hours_after_dilution,
           vc.dose_interval_days, vc.earliest_interval_days, vc.warn_after_days",
        "where s.municipality_code = $1 and s.id = $2",
        municipality.as_string(),
        slot,
    )
    .fetch_optional(db)
    .await?
    .map(Target::try_from)
    .transpose()
}

/// What a new booking reads as it takes its resident's lock.
pub(in crate::bookings) struct Locked {
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
pub(in crate::bookings) async fn lock_resident_with_target(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    resident: &ResidentKey,
    slot: Uuid,
    id: Uuid,
) -> Result<Locked, BookingError> {
    // The columns of the lateral join are those of `load_target`'s query.
    let row = sqlx::query!(
        r#"select r.birth_date as "birth_date: chrono::NaiveDate", r.outside_reason, r.notification,
                exists (select 1 from bookings b
                        where b.municipality_code = $1 and b.id = $4
                          and (b.home_code, b.ticket_number) <> ($5, $2))
                    as "id_taken!",
                t.id as "id?", t.venue_id as "venue_id?", t.venue_name as "venue_name?",
                t.vaccine_code as "vaccine_code?", t.vaccine_name as "vaccine_name?",
                t.name as "name?", t.starts_at as "starts_at?: chrono::DateTime<chrono::Utc>",
                t.ends_at as "ends_at?: chrono::DateTime<chrono::Utc>",
                t.visibility as "visibility?", t.capacity as "capacity?", t.booked as "booked?",
                t.mass_venue as "mass_venue?", t.period_number,
                t.reception_open as "reception_open?",
                t.name_ja as "name_ja?", t.name_en as "name_en?",
                t.doses_per_vial as "doses_per_vial?",
                t.usable_hours_after_dilution as "usable_hours_after_dilution?",
                t.dose_interval_days as "dose_interval_days?",
                t.earliest_interval_days as "earliest_interval_days?",
                t.warn_after_days as "warn_after_days?"
         from residents r
         left join lateral (
             select s.id, s.venue_id, v.name as venue_name, s.vaccine_code,
                    vc.name_ja as vaccine_name, s.name, s.starts_at, s.ends_at, s.visibility,
                    s.capacity, s.booked, v.mass_venue, s.period_number,
                    slot_reception_open(s.municipality_code, s.period_number) as reception_open,
                    vc.name_ja, vc.name_en,
                    vc.doses_per_vial, vc.usable_hours_after_dilution, vc.dose_interval_days,
                    vc.earliest_interval_days, vc.warn_after_days
             from slots s
             join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
             join vaccines vc
               on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code
             where s.municipality_code = r.municipality_code and s.id = $3) t
           on true
         where r.municipality_code = $1 and r.home_code = $5 and r.ticket_number = $2
         for update of r"#,
        municipality.as_string(),
        resident.ticket_number.as_string(),
        slot,
        id,
        resident.municipality_code.as_string(),
    )
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
    // The lateral join's columns are all null when the slot does not exist, and none is when it
    // does (they are columns the schema declares not null).
    let target = match row.id {
        Some(id) => {
            let missing = || BookingError::Stored(format!("slot {id}"));
            Some(Target::try_from(TargetRow {
                id,
                venue_id: row.venue_id.ok_or_else(missing)?,
                venue_name: row.venue_name.ok_or_else(missing)?,
                vaccine_code: row.vaccine_code.ok_or_else(missing)?,
                vaccine_name: row.vaccine_name.ok_or_else(missing)?,
                name: row.name.ok_or_else(missing)?,
                starts_at: row.starts_at.ok_or_else(missing)?,
                ends_at: row.ends_at.ok_or_else(missing)?,
                visibility: row.visibility.ok_or_else(missing)?,
                capacity: row.capacity.ok_or_else(missing)?,
                booked: row.booked.ok_or_else(missing)?,
                mass_venue: row.mass_venue.ok_or_else(missing)?,
                period_number: row.period_number,
                reception_open: row.reception_open.ok_or_else(missing)?,
                name_ja: row.name_ja.ok_or_else(missing)?,
                name_en: row.name_en.ok_or_else(missing)?,
                doses_per_vial: row.doses_per_vial.ok_or_else(missing)?,
                usable_hours_after_dilution: row.usable_hours_after_dilution.ok_or_else(missing)?,
                dose_interval_days: row.dose_interval_days.ok_or_else(missing)?,
                earliest_interval_days: row.earliest_interval_days.ok_or_else(missing)?,
                warn_after_days: row.warn_after_days.ok_or_else(missing)?,
            })?)
        }
        None => None,
    };
    Ok(Locked {
        birth_date: Some(row.birth_date),
        target,
        id_taken: row.id_taken,
        outside: OutsideStay::from_stored(
            row.outside_reason.as_deref(),
            row.notification.as_deref(),
        )
        .map_err(|_| {
            BookingError::Stored(format!("outside stay of the resident of booking {id}"))
        })?,
    })
}
