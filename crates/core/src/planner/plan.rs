//! The fewest vials that cover a day's doses without breaching any vial's window.
//!
//! Each dose can be served by a vial diluted at any `t` in `[slot end − window, slot start]`; a
//! vial is one such `t` with at most `doses_per_vial` doses whose intervals contain it. This is
//! interval stabbing with a uniform capacity, which the greedy of [`plan_day`] solves exactly.

use chrono::{NaiveTime, TimeDelta};

use super::{Day, SlotDoses, SlotTime, VialRule};

/// One vial: when to dilute it, by when it must be used up, and whose doses it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vial {
    /// The latest dilution that serves every dose in the vial: the start of its earliest slot.
    pub diluted_at: NaiveTime,
    /// `diluted_at` + the window, or the day's last instant if midnight comes first (the plan is
    /// of one day: none of its doses is later).
    pub use_by: NaiveTime,
    /// In slot order.
    pub doses: Vec<SlotDoses>,
}

impl Vial {
    pub fn dose_count(&self) -> u32 {
        self.doses.iter().map(|d| d.doses).sum()
    }
}

/// Doses no vial can serve safely, whenever diluted: their slot is longer than the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breach {
    pub slot: SlotTime,
    pub doses: u32,
}

/// The vials of a day. Doses in [`DayPlan::breaches`] are in no vial: the plan does not pretend
/// they are safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPlan {
    vials: Vec<Vial>,
    breaches: Vec<Breach>,
    doses: u32,
    doses_per_vial: u32,
}

impl DayPlan {
    pub fn vials(&self) -> &[Vial] {
        &self.vials
    }

    pub fn breaches(&self) -> &[Breach] {
        &self.breaches
    }

    /// The doses the vials hold (every dose of the day but the breaches).
    pub fn doses(&self) -> u32 {
        self.doses
    }

    /// Doses opened and not given: vials × doses per vial − doses.
    pub fn wasted(&self) -> u32 {
        self.vial_count() * self.doses_per_vial - self.doses
    }

    /// The waste no plan avoids: the day's doses are not a multiple of the vial size.
    pub fn unavoidable_waste(&self) -> u32 {
        (self.doses_per_vial - self.doses % self.doses_per_vial) % self.doses_per_vial
    }

    /// The waste the windows cause: vials opened beyond the fewest the dose count needs.
    pub fn window_waste(&self) -> u32 {
        self.wasted() - self.unavoidable_waste()
    }

    fn vial_count(&self) -> u32 {
        u32::try_from(self.vials.len()).expect("a day's vials fit in u32: each holds a dose")
    }
}

/// Plans the fewest vials for `day`, each diluted as late as it can be.
///
/// Greedy: take the pending dose whose interval ends first (the earliest slot start `r`), dilute at
/// `r`, and fill the vial with pending doses whose intervals contain `r` (their slots fit in
/// `[r, r + window]`), earliest starts first; repeat.
///
/// Why it is optimal (exchange argument): in any optimal plan, move each vial's dilution to the
/// earliest start among its doses (still valid for all of them); every vial is then diluted at or
/// after `r`. Let `O` be that plan's vial holding the dose that starts at `r` (so diluted at `r`)
/// and `G` the greedy's vial. If `G` is not full it holds every dose `r` can serve, so `O ⊆ G` and
/// `G`'s other doses can be moved into `O` from their vials. If it is full, a dose `x ∈ O \ G`
/// starts no earlier than any `g ∈ G \ O`, so `x` and `g` can swap: `g`'s vial at `u` has
/// `r ≤ u ≤ start(g) ≤ start(x)`, and `end(x) − window ≤ r ≤ u`. Either way some optimal plan
/// contains `G`, and the rest of it plans the remaining doses, where the same holds again.
pub fn plan_day(day: &Day, rule: VialRule) -> DayPlan {
    let size = rule.doses_per_vial();
    let window = rule.window();
    let mut breaches = Vec::new();
    // Slots in start order with the doses not yet in a vial.
    let mut pending: Vec<SlotDoses> = Vec::with_capacity(day.slots().len());
    for &s in day.slots() {
        if s.doses == 0 {
            continue;
        }
        if s.slot.end_after(s.slot.start()) > window {
            breaches.push(Breach {
                slot: s.slot,
                doses: s.doses,
            });
        } else {
            pending.push(s);
        }
    }
    let doses = pending.iter().map(|s| s.doses).sum();

    let mut vials = Vec::new();
    let mut first = 0;
    while first < pending.len() {
        let t = pending[first].slot.start();
        let mut room = size;
        let mut held = Vec::new();
        for s in &mut pending[first..] {
            // A slot starting more than a window after `t` ends beyond it, as do all later ones.
            if room == 0 || s.slot.start().signed_duration_since(t) > window {
                break;
            }
            if s.doses > 0 && rule.reaches(t, s.slot) {
                let take = s.doses.min(room);
                s.doses -= take;
                room -= take;
                held.push(SlotDoses {
                    slot: s.slot,
                    doses: take,
                });
            }
        }
        vials.push(Vial {
            diluted_at: t,
            use_by: use_by(t, window),
            doses: held,
        });
        while first < pending.len() && pending[first].doses == 0 {
            first += 1;
        }
    }

    DayPlan {
        vials,
        breaches,
        doses,
        doses_per_vial: size,
    }
}

/// `t + window`, kept within the day.
pub(super) fn use_by(t: NaiveTime, window: TimeDelta) -> NaiveTime {
    let (end, wrapped) = t.overflowing_add_signed(window);
    if wrapped == 0 {
        end
    } else {
        NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).expect("a valid time")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn slot(h: u32, m: u32, minutes: i64) -> SlotTime {
        let start = at(h, m);
        SlotTime::new(start, start + TimeDelta::minutes(minutes)).unwrap()
    }

    fn day(slots: &[(SlotTime, u32)]) -> Day {
        Day::new(slots.iter().map(|&(slot, doses)| SlotDoses { slot, doses }))
    }

    fn rule(size: u32, hours: i64) -> VialRule {
        VialRule::new(size, TimeDelta::hours(hours)).unwrap()
    }

    #[test]
    fn an_empty_day_needs_no_vial() {
        let plan = plan_day(&Day::default(), rule(6, 6));
        assert!(plan.vials().is_empty());
        assert_eq!((plan.doses(), plan.wasted()), (0, 0));
        let plan = plan_day(&day(&[(slot(10, 0, 60), 0)]), rule(6, 6));
        assert!(plan.vials().is_empty());
    }

    #[test]
    fn six_hourly_doses_share_one_vial_diluted_at_the_first() {
        let d = day(&(10..16).map(|h| (slot(h, 0, 60), 1)).collect::<Vec<_>>());
        let plan = plan_day(&d, rule(6, 6));
        assert_eq!(plan.vials().len(), 1);
        let vial = &plan.vials()[0];
        assert_eq!((vial.diluted_at, vial.use_by), (at(10, 0), at(16, 0)));
        assert_eq!(vial.dose_count(), 6);
        assert_eq!(plan.wasted(), 0);
    }

    #[test]
    fn far_apart_doses_need_their_own_vials_and_that_waste_is_the_windows() {
        let d = day(&[(slot(8, 0, 30), 1), (slot(18, 0, 30), 1)]);
        let plan = plan_day(&d, rule(6, 6));
        assert_eq!(plan.vials().len(), 2);
        assert_eq!(plan.wasted(), 10);
        assert_eq!(plan.unavoidable_waste(), 4);
        assert_eq!(plan.window_waste(), 6);
    }

    #[test]
    fn five_dose_vials_leave_the_remainder_as_unavoidable_waste() {
        let d = day(&(10..16).map(|h| (slot(h, 0, 60), 1)).collect::<Vec<_>>());
        let plan = plan_day(&d, rule(5, 6));
        assert_eq!(plan.vials().len(), 2);
        assert_eq!(plan.vials()[1].diluted_at, at(15, 0));
        assert_eq!((plan.wasted(), plan.unavoidable_waste()), (4, 4));
    }

    #[test]
    fn a_slot_longer_than_the_window_is_a_breach_in_no_vial() {
        let long = slot(9, 0, 7 * 60);
        let d = day(&[(long, 2), (slot(10, 0, 60), 3)]);
        let plan = plan_day(&d, rule(6, 6));
        assert_eq!(
            plan.breaches(),
            &[Breach {
                slot: long,
                doses: 2
            }]
        );
        assert_eq!(plan.doses(), 3);
        assert_eq!(plan.vials().len(), 1);
        assert_eq!(plan.wasted(), 3);
    }

    #[test]
    fn the_earliest_ending_doses_fill_the_vial_first() {
        // The 13:00 dose could join the 10:00 vial, but the 11:00 doses must be diluted sooner:
        // one of them left over could not share a vial with 16:30–17:30, while 13:00 can.
        let d = day(&[
            (slot(10, 0, 60), 1),
            (slot(11, 0, 60), 5),
            (slot(13, 0, 60), 1),
            (slot(16, 30, 60), 5),
        ]);
        let plan = plan_day(&d, rule(6, 6));
        assert_eq!(plan.vials().len(), 2);
        assert_eq!(plan.vials()[1].diluted_at, at(13, 0));
        assert_eq!(plan.wasted(), 0);
    }

    #[test]
    fn a_busy_day_is_planned_on_counts() {
        let slots: Vec<_> = (0..19)
            .map(|i| {
                let start = at(8, 30) + TimeDelta::minutes(30 * i);
                let s = SlotTime::new(start, start + TimeDelta::minutes(30)).unwrap();
                (s, if i < 11 { 32 } else { 31 })
            })
            .collect();
        let plan = plan_day(&day(&slots), rule(6, 6));
        assert_eq!(plan.doses(), 600);
        assert_eq!(plan.vials().len(), 100);
        assert!(plan.vials().iter().all(|v| v.dose_count() == 6));
    }

    #[test]
    fn use_by_stops_at_the_end_of_the_day() {
        assert_eq!(
            use_by(at(20, 0), TimeDelta::hours(6))
                .format("%H:%M:%S")
                .to_string(),
            "23:59:59"
        );
        assert_eq!(use_by(at(9, 0), TimeDelta::hours(6)), at(15, 0));
    }
}
