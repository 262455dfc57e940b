//! A clinic's whole cache at once: for its first sync, or when its cursor is too old. Read in one
//! repeatable-read transaction, so the cursor and the data agree.

use serde_json::Value;
use sqlx::PgPool;
use yoyaku_core::sync::{ResidentInfo, Snapshot};
use yoyaku_core::wire::SlotInfo;

use super::pull::{BookingRow, Scope, select_booking_infos};
use super::{SyncError, retention};
use crate::residents::{self, ResidentId};
use crate::slot_info::select_slot_infos;

/// Slots that ended longer ago than this stay out of a snapshot: the day list of a week ago is the
/// oldest a receptionist looks at.
const PAST_DAYS: i32 = 7;

pub(crate) async fn take(db: &PgPool, scope: &Scope) -> Result<Snapshot, SyncError> {
    let mut tx = db.begin().await?;
    sqlx::query!("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    // Changes committed but not numbered yet are in the data below and will be pulled again with
    // a higher number: applying a state twice is harmless.
    let (_, cursor) = retention::bounds(&mut tx, scope.municipality).await?;
    let slot_rows = select_slot_infos!(
        "where s.municipality_code = $1 and s.venue_id = any($2)
           and s.ends_at >= now() - make_interval(days => $3)
         order by s.starts_at",
        scope.municipality.as_string(),
        &scope.venues,
        PAST_DAYS,
    )
    .fetch_all(&mut *tx)
    .await?;
    let booking_rows = select_booking_infos!(
        "where b.municipality_code = $1 and s.venue_id = any($2)
           and s.ends_at >= now() - make_interval(days => $3)",
        scope.municipality.as_string(),
        &scope.venues,
        PAST_DAYS,
    )
    .fetch_all(&mut *tx)
    .await?;
    let slots = slot_rows
        .into_iter()
        .map(SlotInfo::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let bookings = booking_rows
        .into_iter()
        .map(BookingRow::into_info)
        .collect::<Result<Vec<_>, _>>()?;
    let mut ids: Vec<ResidentId> = bookings
        .iter()
        .map(|b| ResidentId::from(&b.resident))
        .collect();
    ids.sort();
    ids.dedup();
    let residents = residents::find_many(&mut tx, scope.municipality, &ids)
        .await?
        .into_iter()
        .map(|r| ResidentInfo {
            key: r.key,
            details: r.details,
            outside: r.outside,
        })
        .collect();
    // `: Value`: without sqlx's JSON feature the macros have no type for json of their own.
    let vaccines = reference_data(
        sqlx::query_scalar!(
            r#"select json_build_object(
                 'code', code, 'name_ja', name_ja, 'name_en', name_en,
                 'doses_per_vial', doses_per_vial, 'usable_hours', usable_hours_after_dilution,
                 'interval', json_build_object(
                     'standard_days', dose_interval_days, 'earliest_days', earliest_interval_days,
                     'warn_after_days', warn_after_days)) as "vaccine!: Value"
             from vaccines where municipality_code = $1 order by code"#,
            scope.municipality.as_string(),
        )
        .fetch_all(&mut *tx)
        .await?,
    )?;
    let periods = reference_data(
        sqlx::query_scalar!(
            r#"select json_build_object(
                 'vaccine_code', vaccine_code,
                 'period', json_build_object(
                     'number', number,
                     'first_dose',
                         json_build_object('first', first_dose_first, 'last', first_dose_last),
                     'second_dose',
                         json_build_object('first', second_dose_first, 'last', second_dose_last),
                     'submission_deadline', submission_deadline,
                     'correction_deadline', correction_deadline,
                     'reception_opens', reception_opens)) as "period!: Value"
             from periods where municipality_code = $1 order by number"#,
            scope.municipality.as_string(),
        )
        .fetch_all(&mut *tx)
        .await?,
    )?;
    tx.commit().await?;
    Ok(Snapshot {
        cursor: cursor as u64,
        slots,
        residents,
        bookings,
        vaccines,
        periods,
    })
}

/// The municipality's vaccine products or periods, built as the wire's JSON in SQL so their
/// columns map to the core's types in one place.
fn reference_data<T: serde::de::DeserializeOwned>(rows: Vec<Value>) -> Result<Vec<T>, SyncError> {
    rows.into_iter()
        .map(|row| {
            serde_json::from_value(row).map_err(|e| SyncError::Stored(format!("snapshot: {e}")))
        })
        .collect()
}
