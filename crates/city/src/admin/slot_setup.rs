//! Setting up a venue's slots for a period from an accepted 予約枠報告様式.
//!
//! A re-submission replaces what the venue's previous report set up. A slot the new report keeps
//! (same name: same visibility, date and start) is updated in place, so its bookings stay with
//! it; the others are removed and the new ones added. A booked slot may be neither removed nor
//! shrunk below its bookings, and a slot with any booking or seat lease on record (cancelled ones
//! too, which are history) may not be removed: then nothing changes and those slots are named.
//! The database's triggers tell the clinics' apps what changed.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::slot_report::PlannedSlot;
use yoyaku_core::time::from_tokyo;
use yoyaku_core::{Code, Coded, MunicipalityCode};

/// A slot the venue's earlier report set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExistingSlot {
    pub id: Uuid,
    pub name: String,
    pub booked: i32,
    /// Whether any booking (a cancelled one too) or seat lease refers to it.
    pub referenced: bool,
}

/// What a report changes among the venue's slots of the period.
#[derive(Debug, PartialEq, Eq)]
struct Changes<'a> {
    added: Vec<&'a PlannedSlot>,
    updated: Vec<(Uuid, &'a PlannedSlot)>,
    removed: Vec<Uuid>,
}

/// Booked slots a re-submission would remove or shrink below their bookings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "these slots have bookings (cancelled ones count) and cannot be removed or shrunk below them: {}",
    .0.join(", ")
)]
pub(crate) struct BookedSlots(pub Vec<String>);

impl Coded for BookedSlots {
    fn code(&self) -> Code {
        Code::SlotReportBookedSlots
    }
    fn message_ja(&self) -> String {
        format!(
            "予約（キャンセル済みを含む）のある予約枠は削除できず、予約数より少ない枠数にもできません: {}",
            self.0.join("、")
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SetUpError {
    #[error(transparent)]
    Booked(BookedSlots),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A slot as set up, for the answer to the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct SetUpSlot {
    pub id: Uuid,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[schema(value_type = yoyaku_core::Visibility)]
    pub visibility: String,
    pub capacity: i32,
    pub booked: i32,
}

/// Where the slots go.
pub(crate) struct Target {
    pub municipality: MunicipalityCode,
    pub period_number: u32,
    pub venue_id: Uuid,
    pub vaccine_code: String,
}

fn plan_changes<'a>(
    existing: &[ExistingSlot],
    planned: &'a [PlannedSlot],
) -> Result<Changes<'a>, BookedSlots> {
    let mut changes = Changes {
        added: Vec::new(),
        updated: Vec::new(),
        removed: Vec::new(),
    };
    let mut booked = Vec::new();
    for slot in planned {
        match existing.iter().find(|e| e.name == slot.name) {
            Some(kept) => {
                if i64::from(kept.booked) > i64::from(slot.capacity) {
                    booked.push(kept.name.clone());
                }
                changes.updated.push((kept.id, slot));
            }
            None => changes.added.push(slot),
        }
    }
    for gone in existing
        .iter()
        .filter(|e| planned.iter().all(|p| p.name != e.name))
    {
        if gone.referenced || gone.booked > 0 {
            booked.push(gone.name.clone());
        }
        changes.removed.push(gone.id);
    }
    if booked.is_empty() {
        Ok(changes)
    } else {
        booked.sort();
        Err(BookedSlots(booked))
    }
}

/// Replaces the target's slots with `planned`, inside the caller's transaction, and returns the
/// slots as set up, by start time (the public slot first) and the number removed.
pub(crate) async fn set_up(
    tx: &mut PgConnection,
    target: &Target,
    planned: &[PlannedSlot],
) -> Result<(Vec<SetUpSlot>, usize), SetUpError> {
    let municipality = target.municipality.as_string();
    let period = i32::try_from(target.period_number).expect("period numbers fit in int");
    let existing = sqlx::query_as!(
        ExistingSlot,
        r#"select s.id, s.name, s.booked,
                  exists (select 1 from bookings b
                          where b.municipality_code = s.municipality_code and b.slot_id = s.id)
                  or exists (select 1 from leases l
                             where l.municipality_code = s.municipality_code and l.slot_id = s.id)
                      as "referenced!"
           from slots s
           where s.municipality_code = $1 and s.period_number = $2 and s.venue_id = $3
           for update of s"#,
        &municipality,
        period,
        target.venue_id,
    )
    .fetch_all(&mut *tx)
    .await?;
    let changes = plan_changes(&existing, planned).map_err(SetUpError::Booked)?;

    // Removed first: an added slot may take a removed one's place.
    sqlx::query!(
        "delete from slots where municipality_code = $1 and id = any($2)",
        &municipality,
        &changes.removed,
    )
    .execute(&mut *tx)
    .await?;
    let (ids, updated): (Vec<Uuid>, Vec<&PlannedSlot>) = changes.updated.iter().copied().unzip();
    let columns = SlotColumns::of(&updated);
    sqlx::query!(
        "update slots s
         set ends_at = kept.ends_at, capacity = kept.capacity, updated_at = now()
         from unnest($2::uuid[], $3::timestamptz[], $4::int[]) as kept (id, ends_at, capacity)
         where s.municipality_code = $1 and s.id = kept.id",
        &municipality,
        &ids,
        &columns.ends as _,
        &columns.capacities,
    )
    .execute(&mut *tx)
    .await?;
    let columns = SlotColumns::of(&changes.added);
    let new_ids: Vec<Uuid> = changes.added.iter().map(|_| Uuid::new_v4()).collect();
    sqlx::query!(
        "insert into slots (municipality_code, venue_id, vaccine_code, period_number,
                            id, name, starts_at, ends_at, visibility, capacity)
         select $1, $2, $3, $4, added.*
         from unnest($5::uuid[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::text[],
                     $10::int[]) as added",
        &municipality,
        target.venue_id,
        &target.vaccine_code,
        period,
        &new_ids,
        &columns.names as &[&str],
        &columns.starts as _,
        &columns.ends as _,
        &columns.visibilities as &[&str],
        &columns.capacities,
    )
    .execute(&mut *tx)
    .await?;

    let slots = slots_of(
        &mut *tx,
        target.municipality,
        target.period_number,
        target.venue_id,
    )
    .await?;
    Ok((slots, changes.removed.len()))
}

/// A venue's slots of a period as set up, by start time (the public slot first).
pub(crate) async fn slots_of(
    db: impl sqlx::PgExecutor<'_>,
    municipality: MunicipalityCode,
    period_number: u32,
    venue_id: Uuid,
) -> Result<Vec<SetUpSlot>, sqlx::Error> {
    let period = i32::try_from(period_number).expect("period numbers fit in int");
    sqlx::query_as!(
        SetUpSlot,
        r#"select id, name, starts_at as "starts_at: DateTime<Utc>",
           ends_at as "ends_at: DateTime<Utc>",
                visibility, capacity, booked from slots
         where municipality_code = $1 and period_number = $2 and venue_id = $3
         order by starts_at, visibility = 'private'"#,
        municipality.as_string(),
        period,
        venue_id,
    )
    .fetch_all(db)
    .await
}

/// Planned slots as the column arrays of an `unnest`.
struct SlotColumns<'a> {
    names: Vec<&'a str>,
    starts: Vec<DateTime<Utc>>,
    ends: Vec<DateTime<Utc>>,
    visibilities: Vec<&'static str>,
    capacities: Vec<i32>,
}

impl<'a> SlotColumns<'a> {
    fn of(slots: &[&'a PlannedSlot]) -> Self {
        Self {
            names: slots.iter().map(|s| s.name.as_str()).collect(),
            starts: slots.iter().map(|s| from_tokyo(s.date, s.start)).collect(),
            ends: slots.iter().map(|s| from_tokyo(s.date, s.end)).collect(),
            visibilities: slots.iter().map(|s| s.visibility.as_str()).collect(),
            capacities: slots
                .iter()
                .map(|s| i32::try_from(s.capacity).unwrap_or(i32::MAX))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveTime};
    use yoyaku_core::Visibility;

    use super::*;

    fn planned(name: &str, capacity: u32) -> PlannedSlot {
        PlannedSlot {
            name: name.into(),
            date: NaiveDate::from_ymd_opt(2021, 10, 25).unwrap(),
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            visibility: Visibility::Public,
            capacity,
        }
    }

    fn existing(name: &str, booked: i32, referenced: bool) -> ExistingSlot {
        ExistingSlot {
            id: Uuid::new_v4(),
            name: name.into(),
            booked,
            referenced,
        }
    }

    #[test]
    fn kept_names_are_updated_the_rest_removed_or_added() {
        let old = [existing("a", 2, true), existing("b", 0, false)];
        let new = [planned("a", 3), planned("c", 1)];
        let changes = plan_changes(&old, &new).unwrap();
        assert_eq!(changes.updated, [(old[0].id, &new[0])]);
        assert_eq!(changes.added, [&new[1]]);
        assert_eq!(changes.removed, [old[1].id]);
    }

    #[test]
    fn booked_slots_are_neither_removed_nor_shrunk_below_their_bookings() {
        let old = [
            existing("a", 3, true),
            existing("b", 0, true), // a cancelled booking only
            existing("c", 2, true),
            existing("d", 0, false),
        ];
        let new = [planned("a", 2), planned("c", 2)];
        assert_eq!(
            plan_changes(&old, &new),
            Err(BookedSlots(vec!["a".into(), "b".into()]))
        );
    }
}
