//! The planner against brute force on small days: its vial count is the true minimum, its vials
//! are valid, and `check_change` agrees with recomputing both days' plans by brute force.

use std::collections::BTreeMap;

use chrono::{NaiveTime, TimeDelta};
use proptest::prelude::*;
use proptest::sample::Index;
use yoyaku_core::planner::{
    Change, ChangeError, Day, Reason, SlotDoses, SlotTime, VialRule, check_change, plan_day,
};

/// Whether one vial may hold `doses` (given by their slots): at most `doses_per_vial` of them, and
/// some dilution time `t` puts every slot within `[t, t + window]`. Trying the slots' starts is
/// enough: if any `t` works, so does the earliest start (no slot starts before it, and each end is
/// nearer to it than to `t`).
fn valid(doses: &[SlotTime], rule: VialRule) -> bool {
    doses.len() <= rule.doses_per_vial() as usize
        && doses.iter().any(|c| {
            let t = c.start();
            doses
                .iter()
                .all(|d| d.start() >= t && d.end().signed_duration_since(t) <= rule.window())
        })
}

/// The fewest vials for `doses`: every way of putting each dose into one vial. A vial that is
/// already invalid stays so with more doses, and a split with `best` vials cannot improve, so both
/// are cut short.
fn min_vials(doses: &[SlotTime], rule: VialRule) -> usize {
    fn place(rest: &[SlotTime], vials: &mut Vec<Vec<SlotTime>>, best: &mut usize, rule: VialRule) {
        let Some((&dose, rest)) = rest.split_first() else {
            *best = (*best).min(vials.len());
            return;
        };
        for i in 0..vials.len() {
            vials[i].push(dose);
            if valid(&vials[i], rule) {
                place(rest, vials, best, rule);
            }
            vials[i].pop();
        }
        if vials.len() + 1 < *best {
            vials.push(vec![dose]);
            place(rest, vials, best, rule);
            vials.pop();
        }
    }
    let mut best = doses.len();
    place(doses, &mut Vec::new(), &mut best, rule);
    best
}

/// A day as brute force sees it: one entry per dose, and every slot once (with doses or not).
#[derive(Debug, Clone)]
struct Doses {
    doses: Vec<SlotTime>,
    slots: Vec<SlotTime>,
}

impl Doses {
    fn day(&self) -> Day {
        Day::new(self.slots.iter().map(|&slot| SlotDoses {
            slot,
            doses: self.doses.iter().filter(|&&d| d == slot).count() as u32,
        }))
    }

    /// (doses no vial can hold, doses wasted by the fewest vials for the rest).
    fn breaches_and_waste(&self, rule: VialRule) -> (usize, usize) {
        let (ok, breached): (Vec<SlotTime>, Vec<SlotTime>) =
            self.doses.iter().partition(|&&d| valid(&[d], rule));
        let waste = min_vials(&ok, rule) * rule.doses_per_vial() as usize - ok.len();
        (breached.len(), waste)
    }

    fn without(&self, slot: SlotTime) -> Self {
        let mut out = self.clone();
        let i = out.doses.iter().position(|&d| d == slot).unwrap();
        out.doses.remove(i);
        out
    }

    fn with(&self, slot: SlotTime) -> Self {
        let mut out = self.clone();
        out.doses.push(slot);
        if !out.slots.contains(&slot) {
            out.slots.push(slot);
        }
        out
    }
}

/// Feasible as `check_change` defines it, recomputed by brute force.
fn brute_feasible(before: &Doses, after: &Doses, rule: VialRule) -> bool {
    let (_, waste_before) = before.breaches_and_waste(rule);
    let (breached, waste_after) = after.breaches_and_waste(rule);
    breached == 0 && waste_after <= waste_before
}

/// A slot starting in 08:00–20:00 and lasting 15–180 minutes, on a quarter-hour grid so that
/// slots often share or just miss a vial's window: the cases where choices matter.
fn slot() -> impl Strategy<Value = SlotTime> {
    (0..=48i64, 1..=12i64).prop_map(|(quarters_from_eight, quarters)| {
        let start = NaiveTime::from_hms_opt(8, 0, 0).unwrap()
            + TimeDelta::minutes(15 * quarters_from_eight);
        SlotTime::new(start, start + TimeDelta::minutes(15 * quarters)).unwrap()
    })
}

/// Up to 5 slots holding at most 8 doses in all.
fn doses() -> impl Strategy<Value = Doses> {
    prop::collection::vec((slot(), 0..=4u32), 1..=5).prop_map(|slots| {
        let mut doses = Vec::new();
        for &(slot, n) in &slots {
            for _ in 0..n {
                if doses.len() < 8 {
                    doses.push(slot);
                }
            }
        }
        let mut slots: Vec<SlotTime> = slots.into_iter().map(|(s, _)| s).collect();
        slots.sort();
        slots.dedup();
        Doses { doses, slots }
    })
}

fn rule() -> impl Strategy<Value = VialRule> {
    (1..=6u32, 4..=24i64).prop_map(|(size, quarters)| {
        VialRule::new(size, TimeDelta::minutes(15 * quarters)).unwrap()
    })
}

/// How a change is drawn: its kind, a slot of the day, and a target that is a slot of the day or
/// a new time.
#[derive(Debug, Clone)]
struct Draw {
    kind: u8,
    from: Index,
    to: Index,
    new_time: Option<SlotTime>,
}

fn draw() -> impl Strategy<Value = Draw> {
    (
        0..3u8,
        any::<Index>(),
        any::<Index>(),
        prop::option::of(slot()),
    )
        .prop_map(|(kind, from, to, new_time)| Draw {
            kind,
            from,
            to,
            new_time,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_plan_is_valid_and_uses_the_fewest_vials(days in doses(), rule in rule()) {
        let plan = plan_day(&days.day(), rule);
        let size = rule.doses_per_vial();

        let mut covered: BTreeMap<SlotTime, u32> = BTreeMap::new();
        for vial in plan.vials() {
            prop_assert!((1..=size).contains(&vial.dose_count()));
            let earliest = vial.doses.iter().map(|d| d.slot.start()).min().unwrap();
            prop_assert_eq!(vial.diluted_at, earliest, "diluted as late as it can be");
            for d in &vial.doses {
                prop_assert!(d.doses > 0);
                prop_assert!(d.slot.start() >= vial.diluted_at);
                prop_assert!(d.slot.end().signed_duration_since(vial.diluted_at) <= rule.window());
                prop_assert!(d.slot.end() <= vial.use_by);
                *covered.entry(d.slot).or_default() += d.doses;
            }
        }
        for b in plan.breaches() {
            prop_assert!(!valid(&[b.slot], rule));
            *covered.entry(b.slot).or_default() += b.doses;
        }
        let mut booked: BTreeMap<SlotTime, u32> = BTreeMap::new();
        for &d in &days.doses {
            *booked.entry(d).or_default() += 1;
        }
        prop_assert_eq!(covered, booked, "every dose exactly once");

        let (ok, breached): (Vec<SlotTime>, Vec<SlotTime>) =
            days.doses.iter().partition(|&&d| valid(&[d], rule));
        let breach_doses: u32 = plan.breaches().iter().map(|b| b.doses).sum();
        prop_assert_eq!(breach_doses as usize, breached.len());
        prop_assert_eq!(plan.doses() as usize, ok.len());
        prop_assert_eq!(plan.vials().len(), min_vials(&ok, rule));
        prop_assert_eq!(plan.wasted(), plan.vials().len() as u32 * size - plan.doses());
        prop_assert_eq!(plan.unavoidable_waste(), (size - plan.doses() % size) % size);
        prop_assert_eq!(plan.unavoidable_waste() + plan.window_waste(), plan.wasted());
    }

    #[test]
    fn check_change_agrees_with_brute_force(days in doses(), rule in rule(), draw in draw()) {
        let day = days.day();
        let from = *draw.from.get(&days.slots);
        let to = draw.new_time.unwrap_or(*draw.to.get(&days.slots));
        let change = match draw.kind {
            0 => Change::Move { from, to },
            1 => Change::WalkIn { at: to },
            _ => Change::Cancel { at: from },
        };
        let result = check_change(&day, change, rule);
        let after = match change {
            Change::WalkIn { at } => days.with(at),
            Change::Move { from, .. } | Change::Cancel { at: from } if !days.doses.contains(&from) => {
                prop_assert_eq!(result, Err(ChangeError::NoBooking { slot: from }));
                return Ok(());
            }
            Change::Move { from, to } => days.without(from).with(to),
            Change::Cancel { at } => days.without(at),
        };
        let check = result.unwrap();

        let (_, waste_before) = days.breaches_and_waste(rule);
        let (breached_after, waste_after) = after.breaches_and_waste(rule);
        prop_assert_eq!(check.before.wasted() as usize, waste_before);
        prop_assert_eq!(check.after.wasted() as usize, waste_after);
        let breach_doses: u32 = check.after.breaches().iter().map(|b| b.doses).sum();
        prop_assert_eq!(breach_doses as usize, breached_after);
        let feasible = brute_feasible(&days, &after, rule);
        prop_assert_eq!(check.is_feasible(), feasible);

        for reason in &check.reasons {
            match *reason {
                Reason::VialWindow { diluted_at, slot, .. } => prop_assert!(
                    slot.end().signed_duration_since(diluted_at) > rule.window()
                ),
                Reason::Waste { added } => {
                    prop_assert_eq!(added as usize, waste_after - waste_before);
                    let fill = check.fill.as_ref().unwrap();
                    let spare: u32 = fill.vials.iter().map(|v| v.spare).sum();
                    prop_assert!(fill.bookings == added && spare >= added);
                }
                Reason::SlotLongerThanWindow { slot, .. } => prop_assert!(!valid(&[slot], rule)),
            }
        }

        if let (Change::Move { from, to }, false) = (change, feasible) {
            for &s in days.slots.iter().filter(|&&s| s != from && s != to) {
                let elsewhere = days.without(from).with(s);
                prop_assert_eq!(
                    check.targets.contains(&s),
                    brute_feasible(&days, &elsewhere, rule),
                    "target {}", s
                );
            }
        }
    }

    #[test]
    fn a_change_from_a_time_the_day_lacks_is_refused(days in doses(), rule in rule(), at in slot()) {
        prop_assume!(!days.slots.contains(&at));
        let cancel = check_change(&days.day(), Change::Cancel { at }, rule);
        prop_assert_eq!(cancel, Err(ChangeError::UnknownSlot { slot: at }));
    }
}
