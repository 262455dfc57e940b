//! ★ 残液の案内: at the end of a day a clinic has doses left in an open vial, which must be used
//! within the vaccine's hours after dilution or thrown away. From 受付 it offers them to the
//! waiting list: a public slot of that many seats at its venue, at a time the residents can reach,
//! whose seats are offered to the first in line like any freed seat. Seats nobody in line takes
//! stay public, for the web and the call center to book.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::time::to_tokyo;

use super::offers::offer_freed_seats;
use super::{OFFER_LEAD, WaitlistError, WaitlistRefusal};
use crate::audit::{self, Caller, Entity};

/// How long the residents offered such a dose have to get there.
const SLOT_MINUTES: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenVial {
    pub venue: Uuid,
    pub vaccine: String,
    pub doses: i32,
    pub starts_at: DateTime<Utc>,
}

/// The slot made for the doses, and how many residents in line were offered one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct OpenVialOffered {
    pub slot_id: Uuid,
    /// 予約枠名: 【残液】<会場番号>.<YYYYMMDD>.<HHMM>
    pub slot_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The seats of the slot: more than `doses` when the clinic offered doses at that time before.
    pub capacity: i32,
    pub offered: u64,
}

struct VenueVaccine {
    venue_number: i32,
    doses_per_vial: i32,
    usable_hours: i32,
}

/// Makes the doses of `vial` a public slot at the caller's venue and offers them to the line.
/// The caller's right to the venue is checked by the caller of this function.
pub(crate) async fn offer_open_vial(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    vial: &OpenVial,
) -> Result<OpenVialOffered, WaitlistError> {
    let found = sqlx::query_as!(
        VenueVaccine,
        r#"select v.venue_number, vc.doses_per_vial, vc.usable_hours_after_dilution as usable_hours
           from venues v join vaccines vc on vc.municipality_code = v.municipality_code
           where v.municipality_code = $1 and v.id = $2 and vc.code = $3"#,
        municipality.as_string(),
        vial.venue,
        vial.vaccine,
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or(WaitlistRefusal::UnknownPlace)?;
    // An open vial has at most all its doses but the one given.
    let max = (found.doses_per_vial - 1).max(1);
    if !(1..=max).contains(&vial.doses) {
        return Err(WaitlistRefusal::OpenVialDoses { max }.into());
    }
    let now = Utc::now();
    let (earliest, latest) = (
        now + OFFER_LEAD,
        now + TimeDelta::hours(i64::from(found.usable_hours)),
    );
    if vial.starts_at < earliest || vial.starts_at > latest {
        let at = |t: DateTime<Utc>| to_tokyo(t).format("%m/%d %H:%M").to_string();
        return Err(WaitlistRefusal::OpenVialTime {
            earliest: at(earliest),
            latest: at(latest),
        }
        .into());
    }
    let ends_at = vial.starts_at + TimeDelta::minutes(SLOT_MINUTES);
    let name = format!(
        "【残液】{}.{}",
        found.venue_number,
        to_tokyo(vial.starts_at).format("%Y%m%d.%H%M")
    );
    let slot = sqlx::query!(
        "insert into slots (municipality_code, id, venue_id, vaccine_code, name, starts_at,
                            ends_at, visibility, capacity)
         values ($1, $2, $3, $4, $5, $6, $7, 'public', $8)
         on conflict (municipality_code, name)
             do update set capacity = slots.capacity + excluded.capacity, updated_at = now()
         returning id, capacity",
        municipality.as_string(),
        Uuid::new_v4(),
        vial.venue,
        vial.vaccine,
        name,
        vial.starts_at as _,
        ends_at as _,
        vial.doses,
    )
    .fetch_one(&mut *db)
    .await?;
    let offered = offer_freed_seats(db, municipality, slot.id).await?;
    audit::record(
        db,
        municipality,
        caller,
        "slot.open_vial",
        Entity::Slot(slot.id),
        None,
        Some(&json!({ "name": name, "doses": vial.doses, "offered": offered })),
    )
    .await?;
    Ok(OpenVialOffered {
        slot_id: slot.id,
        slot_name: name,
        starts_at: vial.starts_at,
        ends_at,
        capacity: slot.capacity,
        offered,
    })
}
