//! 受付's open vials: from the doses recorded as given on a day, which vials were opened, how many
//! doses each has left, and by when it must be used; and the day as booked (row ★): its doses
//! against the fewest vials, and what it would waste at closing with the times that would fill
//! the last vial.
//!
//! The cache records when each dose was given, not when a vial was diluted, so this assumes what
//! the manual asks of the clinic: a vial is diluted when the first dose from it is given, and the
//! next vial only when the previous one is used up or past its window. The real dilution is at
//! or before that first dose, so a vial's real limit may be a little earlier than `use_by`.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::time::{from_tokyo, tokyo_date_time};

use yoyaku_core::planner::{Day, SlotDoses, VialRule, fill_day, plan_day};

use super::cache;
use super::same_day::{FillView, PlanView, fill_view, plan_view, slot_time};
use crate::error::{ClinicError, Result};

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenVials {
    pub date: NaiveDate,
    pub vaccine_code: String,
    pub doses_per_vial: u32,
    pub usable_hours: u32,
    /// In the order they were opened.
    pub vials: Vec<VialUse>,
    pub doses_given: u32,
    /// Doses still usable now, in the vial that is open.
    pub doses_left: u32,
    /// Doses left in vials past their window: lost.
    pub doses_wasted: u32,
    /// The day as booked.
    pub day_plan: DayPlanView,
}

/// The day's booked doses (reserved, checked in and given) against the fewest vials.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayPlanView {
    pub plan: PlanView,
    /// What the day as booked would waste at closing, and how bookings would use it instead.
    pub fill: Option<FillView>,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VialUse {
    /// 1 for the day's first vial.
    pub number: u32,
    pub opened_at: DateTime<Utc>,
    pub use_by: DateTime<Utc>,
    /// The same as Tokyo wall-clock times, `HH:MM`.
    pub opened_time: String,
    pub use_by_time: String,
    pub doses_used: u32,
    pub doses_left: u32,
    pub state: VialState,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VialState {
    /// Doses left and within its window.
    Open,
    UsedUp,
    /// Doses left, past its window.
    Expired,
}

pub(super) async fn open_vials(
    db: &mut SqliteConnection,
    venue_id: Uuid,
    vaccine_code: &str,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<OpenVials> {
    let vaccine = cache::vaccine(db, vaccine_code).await?;
    let day_start = from_tokyo(date, NaiveTime::MIN);
    // julianday() reads the stored instant whatever its RFC 3339 spelling.
    let (venue, day_end) = (venue_id.to_string(), day_start + TimeDelta::days(1));
    let given = sqlx::query_scalar!(
        r#"SELECT b.vaccinated_at AS "vaccinated_at!: DateTime<Utc>"
           FROM bookings b JOIN slots s ON s.id = b.slot_id
           WHERE s.venue_id = ? AND s.vaccine_code = ? AND b.status = 'vaccinated'
             AND julianday(b.vaccinated_at) >= julianday(?)
             AND julianday(b.vaccinated_at) < julianday(?)
           ORDER BY julianday(b.vaccinated_at)"#,
        venue,
        vaccine_code,
        day_start,
        day_end,
    )
    .fetch_all(&mut *db)
    .await?;
    let per_vial = vaccine.doses_per_vial();
    let vials = simulate(&given, per_vial, vaccine.window(), now);
    let rule = VialRule::new(per_vial, vaccine.window())
        .map_err(|_| ClinicError::Internal(format!("vial rule of {vaccine_code}")))?;
    let mut booked = Vec::new();
    for s in cache::venue_slots(db, venue_id, vaccine_code, date, date).await? {
        booked.push(SlotDoses {
            slot: slot_time(&s.core()?)?,
            doses: u32::try_from(s.booked.max(0)).unwrap_or(0),
        });
    }
    let plan = plan_day(&Day::new(booked), rule);
    Ok(OpenVials {
        date,
        vaccine_code: vaccine_code.to_owned(),
        doses_per_vial: per_vial,
        usable_hours: vaccine.spec().usable_hours,
        doses_given: vials.iter().map(|v| v.doses_used).sum(),
        doses_left: left_in(&vials, VialState::Open),
        doses_wasted: left_in(&vials, VialState::Expired),
        vials,
        day_plan: DayPlanView {
            plan: plan_view(&plan),
            fill: fill_day(&plan, rule).as_ref().map(fill_view),
        },
    })
}

fn left_in(vials: &[VialUse], state: VialState) -> u32 {
    vials
        .iter()
        .filter(|v| v.state == state)
        .map(|v| v.doses_left)
        .sum()
}

/// Replays the doses given, in time order, through vials of `per_vial` doses usable for `window`.
fn simulate(
    given: &[DateTime<Utc>],
    per_vial: u32,
    window: TimeDelta,
    now: DateTime<Utc>,
) -> Vec<VialUse> {
    let mut vials: Vec<VialUse> = Vec::new();
    for &at in given {
        match vials.last_mut() {
            Some(v) if v.doses_left > 0 && at <= v.use_by => {
                v.doses_used += 1;
                v.doses_left -= 1;
            }
            _ => {
                let use_by = at + window;
                vials.push(VialUse {
                    number: u32::try_from(vials.len() + 1).unwrap_or(u32::MAX),
                    opened_at: at,
                    use_by,
                    opened_time: hm(at),
                    use_by_time: hm(use_by),
                    doses_used: 1,
                    doses_left: per_vial - 1,
                    state: VialState::Open,
                });
            }
        }
    }
    for v in &mut vials {
        v.state = if v.doses_left == 0 {
            VialState::UsedUp
        } else if now > v.use_by {
            VialState::Expired
        } else {
            VialState::Open
        };
    }
    vials
}

fn hm(t: DateTime<Utc>) -> String {
    tokyo_date_time(t).1.format("%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        // 2021-05-15 in Tokyo: UTC is nine hours behind.
        Utc.with_ymd_and_hms(2021, 5, 15, h - 9, m, 0).unwrap()
    }

    #[test]
    fn a_vial_is_opened_when_the_last_is_used_up_or_past_its_window() {
        let mut given: Vec<_> = (0..7).map(|i| at(9, i * 5)).collect();
        // The seventh dose at 09:30 opened vial 2; the next dose is after its window.
        given.push(at(15, 31));
        let vials = simulate(&given, 6, TimeDelta::hours(6), at(16, 0));
        assert_eq!(vials.len(), 3);
        assert_eq!(
            (vials[0].doses_used, vials[0].state),
            (6, VialState::UsedUp)
        );
        assert_eq!(
            (vials[1].opened_time.as_str(), vials[1].use_by_time.as_str()),
            ("09:30", "15:30")
        );
        assert_eq!(
            (vials[1].doses_left, vials[1].state),
            (5, VialState::Expired)
        );
        assert_eq!((vials[2].number, vials[2].doses_left), (3, 5));
        assert_eq!(vials[2].state, VialState::Open);
    }
}
