//! A booking's vaccine and its resident's other bookings, read (and locked) before a write.

use chrono::NaiveDate;
use sqlx::{FromRow, PgConnection, Row};
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::out_of_municipality::OutsideStay;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::vaccine::{DoseInterval, VaccineProduct, VaccineSpec};

use super::slot::{SlotRow, TARGET_SELECT, VenueSlot};
use crate::bookings::BookingError;

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

pub(in crate::bookings) async fn load_vaccine(
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

pub(in crate::bookings) async fn load_target(
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
        outside: OutsideStay::from_stored(
            row.try_get::<Option<String>, _>("outside_reason")?
                .as_deref(),
            row.try_get::<Option<String>, _>("notification")?.as_deref(),
        )
        .map_err(|_| {
            BookingError::Stored(format!("outside stay of the resident of booking {id}"))
        })?,
    })
}
