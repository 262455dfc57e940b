//! Whether a same-day change (manual 3-2 ②) can be accepted, why not, and what would make it so.

use crate::code::Code;
use chrono::NaiveTime;

use super::plan::use_by;
use super::{Day, DayPlan, SlotTime, VialRule, hm, plan_day};
use crate::error::Coded;

/// A change asked for on the day itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// 予約時間の変更: one booking moves from `from` to `to`. `to` may be a time the day has no slot
    /// for yet, or a slot at capacity: the clinic may exceed it when the doses allow.
    Move { from: SlotTime, to: SlotTime },
    /// One more person to vaccinate at `at` (a walk-in), which may also be a new time.
    WalkIn { at: SlotTime },
    /// One booking fewer at `at`.
    Cancel { at: SlotTime },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("the day has no {slot} slot")]
    UnknownSlot { slot: SlotTime },
    #[error("the {slot} slot has no booking to move or cancel")]
    NoBooking { slot: SlotTime },
}

impl Coded for ChangeError {
    fn code(&self) -> Code {
        match self {
            Self::UnknownSlot { .. } => Code::SameDayChangeUnknownSlot,
            Self::NoBooking { .. } => Code::SameDayChangeNoBooking,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::UnknownSlot { slot } => format!("この日に{slot}の予約枠はありません。"),
            Self::NoBooking { slot } => {
                format!("{slot}の予約枠には変更・キャンセルできる予約がありません。")
            }
        }
    }
}

/// Why a change cannot be accepted, in the manual's two conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// 条件1: the slot is longer than the window, so no dilution time serves its doses safely.
    SlotLongerThanWindow { slot: SlotTime, doses: u32 },
    /// 条件1: the vial that would have to hold the dose, diluted at `diluted_at`, must be used by
    /// `use_by`, and `slot` ends later.
    VialWindow {
        diluted_at: NaiveTime,
        use_by: NaiveTime,
        slot: SlotTime,
    },
    /// 条件2: doses the change would waste that were not wasted before.
    Waste { added: u32 },
}

impl Reason {
    pub fn message_ja(&self) -> String {
        match *self {
            Self::SlotLongerThanWindow { slot, doses } => format!(
                "{slot}の枠は希釈後の使用可能時間より長いため、{doses}回分の接種を安全に行えません（条件1）。"
            ),
            Self::VialWindow {
                diluted_at,
                use_by,
                slot,
            } => format!(
                "{}に希釈したバイアルは{}までに使い切る必要がありますが、{slot}の枠は{}に終わります（条件1）。",
                hm(diluted_at),
                hm(use_by),
                hm(slot.end())
            ),
            Self::Waste { added } => {
                format!("この変更で新たに{added}回分のワクチンが無駄になります（条件2）。")
            }
        }
    }

    pub fn message_en(&self) -> String {
        match *self {
            Self::SlotLongerThanWindow { slot, doses } => format!(
                "the {slot} slot is longer than a vial may be used after dilution: its {doses} \
                 dose(s) cannot be given safely"
            ),
            Self::VialWindow {
                diluted_at,
                use_by,
                slot,
            } => format!(
                "the vial diluted at {} must be used by {}, but the {slot} slot ends at {}",
                hm(diluted_at),
                hm(use_by),
                hm(slot.end())
            ),
            Self::Waste { added } => {
                format!("the change would waste {added} dose(s) that were not wasted before")
            }
        }
    }
}

/// A vial of the plan after the change with room left: a booking whose whole slot lies between
/// `diluted_at` and `use_by` takes one of its `spare` doses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenVial {
    pub diluted_at: NaiveTime,
    pub use_by: NaiveTime,
    pub spare: u32,
}

/// How the added waste could be avoided: `bookings` more, each in a spare place of `vials`. Each
/// such booking is given from a vial already opened, so it lowers the waste by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fill {
    pub bookings: u32,
    pub vials: Vec<OpenVial>,
}

impl Fill {
    pub fn message_ja(&self) -> String {
        let n = self.bookings;
        match self.vials.as_slice() {
            [v] => format!(
                "あと{n}件、{}〜{}の間に予約が入れば無駄は出ません。",
                hm(v.diluted_at),
                hm(v.use_by)
            ),
            vials => {
                let ranges: Vec<String> = vials
                    .iter()
                    .map(|v| format!("{}〜{}に最大{}件", hm(v.diluted_at), hm(v.use_by), v.spare))
                    .collect();
                format!(
                    "あと{n}件、次の時間帯に予約が入れば無駄は出ません：{}。",
                    ranges.join("、")
                )
            }
        }
    }

    pub fn message_en(&self) -> String {
        let n = self.bookings;
        let (bookings, avoid) = if n == 1 {
            ("booking", "avoids")
        } else {
            ("bookings", "avoid")
        };
        match self.vials.as_slice() {
            [v] => format!(
                "{n} more {bookings} between {} and {} {avoid} the waste",
                hm(v.diluted_at),
                hm(v.use_by)
            ),
            vials => {
                let ranges: Vec<String> = vials
                    .iter()
                    .map(|v| {
                        format!(
                            "up to {} between {} and {}",
                            v.spare,
                            hm(v.diluted_at),
                            hm(v.use_by)
                        )
                    })
                    .collect();
                format!(
                    "{n} more {bookings} {avoid} the waste: {}",
                    ranges.join(", ")
                )
            }
        }
    }
}

/// A change checked against the day's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeCheck {
    pub before: DayPlan,
    pub after: DayPlan,
    pub day_after: Day,
    /// Empty exactly when the change is feasible.
    pub reasons: Vec<Reason>,
    /// For an infeasible move: the day's other slots the booking could move to instead.
    pub targets: Vec<SlotTime>,
    /// For a change that adds waste: the bookings that would avoid it.
    pub fill: Option<Fill>,
}

impl ChangeCheck {
    pub fn is_feasible(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// Checks `change` on `day`.
///
/// Feasible means: after the change no dose breaches a window (条件1: every slot fits within its
/// vial's `[dilution, dilution + window]`) and the fewest vials waste no more doses than before
/// (条件2: `wasted_after ≤ wasted_before`). Judging by growth rather than by "a multiple of the
/// vial size" keeps a day that was already short of a multiple open to harmless moves.
pub fn check_change(day: &Day, change: Change, rule: VialRule) -> Result<ChangeCheck, ChangeError> {
    let day_after = apply(day, change)?;
    let before = plan_day(day, rule);
    let after = plan_day(&day_after, rule);

    let mut reasons: Vec<Reason> = after
        .breaches()
        .iter()
        .map(|b| Reason::SlotLongerThanWindow {
            slot: b.slot,
            doses: b.doses,
        })
        .collect();
    let added = after.wasted().saturating_sub(before.wasted());
    let mut fill = None;
    if added > 0 {
        reasons.extend(vial_windows(&before, change, rule));
        reasons.push(Reason::Waste { added });
        fill = Some(Fill {
            bookings: added,
            vials: open_vials(&after, rule),
        });
    }

    let targets = match change {
        Change::Move { from, to } if !reasons.is_empty() => day
            .slots()
            .iter()
            .map(|s| s.slot)
            .filter(|&s| s != from && s != to)
            .filter(|&s| {
                let moved = apply(day, Change::Move { from, to: s }).expect("from was checked");
                acceptable(&before, &plan_day(&moved, rule))
            })
            .collect(),
        _ => Vec::new(),
    };

    Ok(ChangeCheck {
        before,
        after,
        day_after,
        reasons,
        targets,
        fill,
    })
}

fn acceptable(before: &DayPlan, after: &DayPlan) -> bool {
    after.breaches().is_empty() && after.wasted() <= before.wasted()
}

fn apply(day: &Day, change: Change) -> Result<Day, ChangeError> {
    let mut after = day.clone();
    match change {
        Change::Move { from, to } => {
            take_one(&mut after, from)?;
            after.add_one(to);
        }
        Change::WalkIn { at } => after.add_one(at),
        Change::Cancel { at } => take_one(&mut after, at)?,
    }
    Ok(after)
}

/// One dose fewer in `slot`; the slot itself stays in the day.
fn take_one(day: &mut Day, slot: SlotTime) -> Result<(), ChangeError> {
    let i = day
        .position(slot)
        .map_err(|_| ChangeError::UnknownSlot { slot })?;
    let s = &mut day.slots[i];
    if s.doses == 0 {
        return Err(ChangeError::NoBooking { slot });
    }
    s.doses -= 1;
    Ok(())
}

/// 条件1 behind added waste: the vials of the plan before that would have to take the arriving
/// dose, and whose window it would breach. Had one of them room for it, the old vials would still
/// do and no waste would be added, so for a move or walk-in that adds waste every one breaches.
fn vial_windows(before: &DayPlan, change: Change, rule: VialRule) -> Vec<Reason> {
    let long = |s: SlotTime| s.end_after(s.start()) > rule.window();
    match change {
        Change::Move { from, to } if !long(to) => before
            .vials()
            .iter()
            .rev()
            .find(|v| v.doses.iter().any(|d| d.slot == from))
            .and_then(|v| {
                let staying = v
                    .doses
                    .iter()
                    .filter(|d| d.slot != from || d.doses > 1)
                    .map(|d| d.slot);
                breached_window(staying.chain([to]), rule)
            })
            .into_iter()
            .collect(),
        Change::WalkIn { at } if !long(at) => before
            .vials()
            .iter()
            .filter(|v| v.dose_count() < rule.doses_per_vial())
            .filter_map(|v| breached_window(v.doses.iter().map(|d| d.slot).chain([at]), rule))
            .collect(),
        _ => Vec::new(),
    }
}

/// The window a vial holding doses of `slots` breaches, if it does: diluted at the earliest start
/// (the latest it may be), it runs out before the latest end.
fn breached_window(slots: impl Iterator<Item = SlotTime>, rule: VialRule) -> Option<Reason> {
    let mut slots = slots.peekable();
    let first = *slots.peek()?;
    let (start, last) = slots.fold((first.start(), first), |(start, last), s| {
        (
            start.min(s.start()),
            if s.end() > last.end() { s } else { last },
        )
    });
    (last.end_after(start) > rule.window()).then(|| Reason::VialWindow {
        diluted_at: start,
        use_by: use_by(start, rule.window()),
        slot: last,
    })
}

/// The day as booked, seen from 受付: the doses its fewest vials would waste at closing and the
/// times at which that many more bookings would use them (none when nothing would be wasted).
pub fn fill_day(plan: &DayPlan, rule: VialRule) -> Option<Fill> {
    (plan.wasted() > 0).then(|| Fill {
        bookings: plan.wasted(),
        vials: open_vials(plan, rule),
    })
}

fn open_vials(plan: &DayPlan, rule: VialRule) -> Vec<OpenVial> {
    plan.vials()
        .iter()
        .filter(|v| v.dose_count() < rule.doses_per_vial())
        .map(|v| OpenVial {
            diluted_at: v.diluted_at,
            use_by: v.use_by,
            spare: rule.doses_per_vial() - v.dose_count(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::planner::SlotDoses;

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// The one-hour slot starting at `h`:00.
    fn hour(h: u32) -> SlotTime {
        SlotTime::new(at(h, 0), at(h + 1, 0)).unwrap()
    }

    /// One dose in each one-hour slot starting at `hours`.
    fn one_each(hours: impl IntoIterator<Item = u32>) -> Day {
        Day::new(hours.into_iter().map(|h| SlotDoses {
            slot: hour(h),
            doses: 1,
        }))
    }

    fn pfizer() -> VialRule {
        VialRule::new(6, TimeDelta::hours(6)).unwrap()
    }

    #[test]
    fn the_manuals_example_moving_10_to_15_is_feasible() {
        let day = one_each(10..16);
        let check = check_change(
            &day,
            Change::Move {
                from: hour(10),
                to: hour(15),
            },
            pfizer(),
        )
        .unwrap();
        for plan in [&check.before, &check.after] {
            assert_eq!((plan.doses(), plan.vials().len(), plan.wasted()), (6, 1, 0));
        }
        assert!(check.is_feasible());
        assert_eq!(check.day_after.doses_at(hour(10)), Some(0));
        assert_eq!(check.day_after.doses_at(hour(15)), Some(2));
        let vial = &check.after.vials()[0];
        assert_eq!(
            vial.doses.last(),
            Some(&SlotDoses {
                slot: hour(15),
                doses: 2
            })
        );
        assert_eq!((vial.diluted_at, vial.use_by), (at(11, 0), at(17, 0)));
        assert!(check.targets.is_empty() && check.fill.is_none());
    }

    #[test]
    fn moving_beyond_the_window_names_the_vial_and_the_slot() {
        let day = one_each(9..15);
        let check = check_change(
            &day,
            Change::Move {
                from: hour(10),
                to: hour(17),
            },
            pfizer(),
        )
        .unwrap();
        assert!(!check.is_feasible());
        let breach = Reason::VialWindow {
            diluted_at: at(9, 0),
            use_by: at(15, 0),
            slot: hour(17),
        };
        assert_eq!(check.reasons, [breach, Reason::Waste { added: 6 }]);
        assert_eq!(
            breach.message_en(),
            "the vial diluted at 09:00 must be used by 15:00, but the 17:00–18:00 slot ends at 18:00"
        );
        assert!(
            breach
                .message_ja()
                .contains("09:00に希釈したバイアルは15:00まで")
        );
        assert_eq!(
            check.targets,
            [hour(9), hour(11), hour(12), hour(13), hour(14)]
        );
    }

    #[test]
    fn targets_are_the_slots_the_move_would_fit() {
        // Empty slots at 15:00 and 16:00. Moving the 09:00 booking lets the vial wait until 10:00,
        // so 15:00–16:00 fits its window and 16:00–17:00 does not.
        let day = Day::new(
            one_each(9..15)
                .slots()
                .iter()
                .copied()
                .chain([15, 16].map(|h| SlotDoses {
                    slot: hour(h),
                    doses: 0,
                })),
        );
        let check = check_change(
            &day,
            Change::Move {
                from: hour(9),
                to: hour(17),
            },
            pfizer(),
        )
        .unwrap();
        assert!(!check.is_feasible());
        assert_eq!(check.targets, (10..16).map(hour).collect::<Vec<_>>());
    }

    #[test]
    fn moving_earlier_than_the_vial_can_be_diluted_names_the_slot_left_behind() {
        let check = check_change(
            &one_each(9..15),
            Change::Move {
                from: hour(12),
                to: hour(7),
            },
            pfizer(),
        )
        .unwrap();
        assert_eq!(
            check.reasons[0],
            Reason::VialWindow {
                diluted_at: at(7, 0),
                use_by: at(13, 0),
                slot: hour(14),
            }
        );
    }

    #[test]
    fn a_cancellation_that_leaves_a_vial_short_needs_one_more_booking() {
        let check =
            check_change(&one_each(10..16), Change::Cancel { at: hour(12) }, pfizer()).unwrap();
        assert!(!check.is_feasible());
        assert_eq!(check.reasons, [Reason::Waste { added: 1 }]);
        let fill = check.fill.unwrap();
        assert_eq!(
            fill.vials,
            [OpenVial {
                diluted_at: at(10, 0),
                use_by: at(16, 0),
                spare: 1,
            }]
        );
        assert_eq!(
            fill.message_en(),
            "1 more booking between 10:00 and 16:00 avoids the waste"
        );
        assert_eq!(
            fill.message_ja(),
            "あと1件、10:00〜16:00の間に予約が入れば無駄は出ません。"
        );
    }

    #[test]
    fn a_cancellation_that_completes_a_multiple_is_feasible() {
        let check =
            check_change(&one_each(9..16), Change::Cancel { at: hour(9) }, pfizer()).unwrap();
        assert_eq!((check.before.wasted(), check.after.wasted()), (5, 0));
        assert!(check.is_feasible());
    }

    #[test]
    fn a_walk_in_on_a_full_multiple_needs_five_more_bookings() {
        let check =
            check_change(&one_each(10..16), Change::WalkIn { at: hour(12) }, pfizer()).unwrap();
        assert!(!check.is_feasible());
        assert_eq!(check.reasons, [Reason::Waste { added: 5 }]);
        assert_eq!(check.day_after.doses_at(hour(12)), Some(2));
        assert_eq!(
            check.fill.unwrap().message_en(),
            "5 more bookings between 15:00 and 21:00 avoid the waste"
        );
    }

    #[test]
    fn a_walk_in_into_a_spare_dose_is_feasible_unless_outside_its_window() {
        let day = one_each(10..15);
        let fits = check_change(&day, Change::WalkIn { at: hour(15) }, pfizer()).unwrap();
        assert!(fits.is_feasible());
        assert_eq!(fits.after.wasted(), 0);

        let late = check_change(&day, Change::WalkIn { at: hour(17) }, pfizer()).unwrap();
        assert_eq!(
            late.reasons,
            [
                Reason::VialWindow {
                    diluted_at: at(10, 0),
                    use_by: at(16, 0),
                    slot: hour(17),
                },
                Reason::Waste { added: 5 },
            ]
        );
        assert_eq!(
            late.fill.unwrap().message_en(),
            "5 more bookings avoid the waste: up to 1 between 10:00 and 16:00, up to 5 between \
             17:00 and 23:00"
        );
    }

    #[test]
    fn with_five_dose_vials_the_manuals_example_wastes_four_either_way() {
        let five = VialRule::new(5, TimeDelta::hours(6)).unwrap();
        let check = check_change(
            &one_each(10..16),
            Change::Move {
                from: hour(10),
                to: hour(15),
            },
            five,
        )
        .unwrap();
        assert_eq!((check.before.vials().len(), check.before.wasted()), (2, 4));
        assert_eq!(check.after.wasted(), 4);
        assert!(check.is_feasible());

        let cancel = check_change(&one_each(10..16), Change::Cancel { at: hour(15) }, five);
        assert!(cancel.unwrap().is_feasible(), "five doses fill one vial");
    }

    #[test]
    fn a_slot_longer_than_the_window_makes_any_change_infeasible_until_it_is_emptied() {
        let long = SlotTime::new(at(9, 0), at(16, 0)).unwrap();
        let day = Day::new(one_each(10..15).slots().iter().copied().chain([SlotDoses {
            slot: long,
            doses: 1,
        }]));
        let walk_in = check_change(&day, Change::WalkIn { at: hour(14) }, pfizer()).unwrap();
        assert_eq!(
            walk_in.reasons,
            [Reason::SlotLongerThanWindow {
                slot: long,
                doses: 1
            }]
        );
        assert!(walk_in.reasons[0].message_en().contains("09:00–16:00"));

        let out = Change::Move {
            from: long,
            to: hour(15),
        };
        let check = check_change(&day, out, pfizer()).unwrap();
        assert!(check.is_feasible());
        assert_eq!((check.before.wasted(), check.after.wasted()), (1, 0));

        let into = check_change(&one_each(10..15), Change::WalkIn { at: long }, pfizer());
        assert!(!into.unwrap().is_feasible());
    }

    #[test]
    fn a_walk_in_on_an_empty_day_opens_a_vial() {
        let check =
            check_change(&Day::default(), Change::WalkIn { at: hour(10) }, pfizer()).unwrap();
        assert_eq!(check.before.vials().len(), 0);
        assert_eq!(check.reasons, [Reason::Waste { added: 5 }]);
        assert_eq!(
            check.fill.unwrap().message_en(),
            "5 more bookings between 10:00 and 16:00 avoid the waste"
        );
    }

    #[test]
    fn changes_must_name_a_slot_of_the_day_with_a_booking() {
        let mut day = one_each(10..12);
        day.slots.push(SlotDoses {
            slot: hour(12),
            doses: 0,
        });
        let unknown = check_change(&day, Change::Cancel { at: hour(9) }, pfizer()).unwrap_err();
        assert_eq!(unknown, ChangeError::UnknownSlot { slot: hour(9) });
        assert_eq!(unknown.code(), Code::SameDayChangeUnknownSlot);
        let empty = Change::Move {
            from: hour(12),
            to: hour(10),
        };
        let err = check_change(&day, empty, pfizer()).unwrap_err();
        assert_eq!(err.code(), Code::SameDayChangeNoBooking);
        assert!(err.message_ja().contains("12:00–13:00"));
        assert!(check_change(&day, Change::Cancel { at: hour(12) }, pfizer()).is_err());
    }

    #[test]
    fn a_day_as_booked_says_what_it_would_waste_and_when_bookings_would_use_it() {
        let rule = VialRule::new(6, TimeDelta::hours(6)).unwrap();
        // Eight doses from 09:00: two vials, four doses of the second unused at closing.
        let day = Day::new([
            SlotDoses {
                slot: hour(9),
                doses: 6,
            },
            SlotDoses {
                slot: hour(10),
                doses: 2,
            },
        ]);
        let plan = plan_day(&day, rule);
        let fill = fill_day(&plan, rule).unwrap();
        assert_eq!(fill.bookings, 4);
        assert_eq!(fill.vials.len(), 1);
        assert_eq!(
            (fill.vials[0].diluted_at, fill.vials[0].spare),
            (at(10, 0), 4)
        );
        assert!(
            fill.message_ja().contains("あと4件"),
            "{}",
            fill.message_ja()
        );
        let full = Day::new([SlotDoses {
            slot: hour(9),
            doses: 12,
        }]);
        assert_eq!(fill_day(&plan_day(&full, rule), rule), None);
    }
}
