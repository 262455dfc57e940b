//! Second-dose planning (manual 2-1): when booking the first dose, check that the second can be
//! had three weeks later on the same weekday at the same venue, and book both. If that date falls
//! after the period's second-dose window, the second dose is at the city's mass-vaccination venue
//! (市総合体育館等, the notice of 2021-09-27, item 1).

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::channel::{Actor, may_book};
use crate::period::Period;
use crate::slot::Slot;
use crate::time::tokyo_date_time;
use crate::vaccine::VaccineProduct;

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Proposal {
    /// Slots with seats at the same venue on the standard date, closest to the first dose's time.
    SameVenue { slots: Vec<Slot> },
    /// None free on the standard date: slots at the venue on other allowed dates nearby.
    NoSeatsOnTheDate { nearby: Vec<Slot> },
    /// After the period's second-dose window: 2回目は市総合体育館等になります.
    MassVaccinationVenue { window_last: NaiveDate },
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondDosePlan {
    /// 3週間後の同じ曜日 (21 days for Pfizer).
    pub standard_date: NaiveDate,
    pub earliest_date: NaiveDate,
    pub proposal: Proposal,
}

/// How far past the standard date to look for seats when it is full.
const NEARBY_DAYS: u64 = 7;

/// Proposes the second dose for a first dose booked in `first`, from `candidates` (the venue's
/// slots around the standard date, as far as the caller has them).
pub fn propose_second_dose(
    first: &Slot,
    vaccine: &VaccineProduct,
    period: Option<&Period>,
    actor: Actor<'_>,
    candidates: &[Slot],
) -> SecondDosePlan {
    let first_date = first.date();
    let standard_date = vaccine.standard_next_date(first_date);
    let earliest_date = vaccine.earliest_next_date(first_date);
    let plan = |proposal| SecondDosePlan {
        standard_date,
        earliest_date,
        proposal,
    };

    if let Some(window) = period
        .map(Period::second_dose)
        .filter(|w| standard_date > w.last)
    {
        return plan(Proposal::MassVaccinationVenue {
            window_last: window.last,
        });
    }
    let usable = |s: &&Slot| {
        s.venue_id == first.venue_id
            && s.vaccine_code == first.vaccine_code
            && s.remaining() > 0
            && may_book(actor, s).is_ok()
    };
    // Tokyo wall-clock times: in UTC, 08:30 and 09:00 in Tokyo fall either side of midnight.
    let first_time = tokyo_date_time(first.starts_at).1;
    let time_of_day_distance = |s: &Slot| {
        (tokyo_date_time(s.starts_at).1 - first_time)
            .num_minutes()
            .abs()
    };
    let mut same_day: Vec<Slot> = candidates
        .iter()
        .filter(usable)
        .filter(|s| s.date() == standard_date)
        .cloned()
        .collect();
    if !same_day.is_empty() {
        // Same time of day first; at equal distance, the private slot first (manual 2-1 ⑫).
        same_day.sort_by_key(|s| {
            (
                time_of_day_distance(s),
                s.visibility != crate::Visibility::Private,
                s.starts_at,
            )
        });
        return plan(Proposal::SameVenue { slots: same_day });
    }
    let last = standard_date + Days::new(NEARBY_DAYS);
    let last = period.map_or(last, |p| last.min(p.second_dose().last));
    let mut nearby: Vec<Slot> = candidates
        .iter()
        .filter(usable)
        .filter(|s| (earliest_date..=last).contains(&s.date()))
        .cloned()
        .collect();
    nearby.sort_by_key(|s| {
        (
            (s.date() - standard_date).num_days().abs(),
            time_of_day_distance(s),
            s.starts_at,
        )
    });
    plan(Proposal::NoSeatsOnTheDate { nearby })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Visibility;
    use crate::period::{DateRange, PeriodSpec};
    use crate::time::from_tokyo;
    use crate::vaccine::Syringes;
    use chrono::{NaiveTime, TimeDelta};
    use uuid::Uuid;

    fn slot(venue: Uuid, date: NaiveDate, hour: u32, visibility: Visibility, booked: i32) -> Slot {
        let starts_at = from_tokyo(date, NaiveTime::from_hms_opt(hour, 0, 0).unwrap());
        Slot {
            id: Uuid::new_v4(),
            venue_id: venue,
            vaccine_code: "pfizer".into(),
            name: String::new(),
            starts_at,
            ends_at: starts_at + TimeDelta::minutes(30),
            visibility,
            capacity: 3,
            booked,
            period: None,
            mass_venue: false,
        }
    }

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, m, d).unwrap()
    }

    #[test]
    fn proposes_the_same_weekday_three_weeks_later_at_the_same_venue() {
        let venue = Uuid::new_v4();
        let venues = [venue];
        let clinic = Actor::Clinic { venues: &venues };
        let pfizer = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        // Manual 2-1/2-2: first dose 2021-05-13 09:00 at E耳鼻咽喉科 → 2021-06-03.
        let first = slot(venue, date(5, 13), 9, Visibility::Public, 0);
        let at_nine = slot(venue, date(6, 3), 9, Visibility::Public, 1);
        let private_at_nine = slot(venue, date(6, 3), 9, Visibility::Private, 0);
        let at_ten = slot(venue, date(6, 3), 10, Visibility::Public, 0);
        let full = slot(venue, date(6, 3), 9, Visibility::Public, 3);
        let elsewhere = slot(Uuid::new_v4(), date(6, 3), 9, Visibility::Public, 0);
        let candidates = [
            at_ten.clone(),
            full,
            elsewhere,
            at_nine.clone(),
            private_at_nine.clone(),
        ];
        let plan = propose_second_dose(&first, &pfizer, None, clinic, &candidates);
        assert_eq!(plan.standard_date, date(6, 3));
        assert_eq!(plan.earliest_date, date(6, 1));
        assert_eq!(
            plan.proposal,
            Proposal::SameVenue {
                slots: vec![private_at_nine, at_nine, at_ten]
            }
        );
    }

    #[test]
    fn time_of_day_is_compared_in_tokyo_across_utc_midnight() {
        let venue = Uuid::new_v4();
        let pfizer = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        let mut first = slot(venue, date(5, 13), 8, Visibility::Public, 0);
        first.starts_at += TimeDelta::minutes(30); // 08:30 Tokyo = 23:30 UTC the day before
        let at_nine = slot(venue, date(6, 3), 9, Visibility::Public, 0);
        let at_sixteen = slot(venue, date(6, 3), 16, Visibility::Public, 0);
        let plan = propose_second_dose(
            &first,
            &pfizer,
            None,
            Actor::Web,
            &[at_sixteen.clone(), at_nine.clone()],
        );
        assert_eq!(
            plan.proposal,
            Proposal::SameVenue {
                slots: vec![at_nine, at_sixteen]
            }
        );
    }

    #[test]
    fn the_web_is_never_proposed_a_private_slot() {
        let venue = Uuid::new_v4();
        let pfizer = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        let first = slot(venue, date(5, 13), 9, Visibility::Public, 0);
        let private = slot(venue, date(6, 3), 9, Visibility::Private, 0);
        let plan = propose_second_dose(&first, &pfizer, None, Actor::Web, &[private]);
        assert_eq!(plan.proposal, Proposal::NoSeatsOnTheDate { nearby: vec![] });
    }

    #[test]
    fn a_full_date_offers_the_nearest_allowed_dates() {
        let venue = Uuid::new_v4();
        let pfizer = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        let first = slot(venue, date(5, 13), 9, Visibility::Public, 0);
        let too_early = slot(venue, date(5, 31), 9, Visibility::Public, 0);
        let day_before = slot(venue, date(6, 2), 9, Visibility::Public, 0);
        let week_later = slot(venue, date(6, 10), 9, Visibility::Public, 0);
        let too_late = slot(venue, date(6, 11), 9, Visibility::Public, 0);
        let plan = propose_second_dose(
            &first,
            &pfizer,
            None,
            Actor::CallCenter,
            &[week_later.clone(), too_early, too_late, day_before.clone()],
        );
        assert_eq!(
            plan.proposal,
            Proposal::NoSeatsOnTheDate {
                nearby: vec![day_before, week_later]
            }
        );
    }

    #[test]
    fn after_the_periods_window_the_second_dose_is_at_the_mass_vaccination_venue() {
        let venue = Uuid::new_v4();
        let pfizer = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        let period = Period::new(PeriodSpec {
            number: 8,
            first_dose: DateRange {
                first: date(10, 25),
                last: date(11, 9),
            },
            second_dose: DateRange {
                first: date(11, 15),
                last: date(11, 30),
            },
            submission_deadline: date(10, 8),
            correction_deadline: date(10, 13),
            reception_opens: date(10, 16),
        })
        .unwrap();
        let inside = slot(venue, date(11, 9), 9, Visibility::Public, 0);
        let plan = propose_second_dose(&inside, &pfizer, Some(&period), Actor::Web, &[]);
        assert_eq!(plan.standard_date, date(11, 30));
        assert!(matches!(plan.proposal, Proposal::NoSeatsOnTheDate { .. }));
        // Booked late (a change): 11/10 + 21 = 12/1, after 11/30.
        let late = slot(venue, date(11, 10), 9, Visibility::Public, 0);
        let plan = propose_second_dose(&late, &pfizer, Some(&period), Actor::Web, &[]);
        assert_eq!(
            plan.proposal,
            Proposal::MassVaccinationVenue {
                window_last: date(11, 30)
            }
        );
    }
}
