//! 当日内で予約時間の変更 (manual 3-2 ②): how many vials a venue's day needs, and whether a
//! same-day change keeps every dose within its vial's window after dilution (条件1) without wasting
//! doses that were not wasted before (条件2, "接種回数が6の倍数").
//!
//! Never optimistic: a dose may be given at any moment of its slot, so a vial diluted at `t` holds
//! a dose only if the dose's whole slot lies within `[t, t + window]`. Doses in one slot are
//! interchangeable, so everything here works on counts per slot.

mod change;
mod plan;

pub use change::{
    Change, ChangeCheck, ChangeError, Fill, OpenVial, Reason, check_change, fill_day,
};
pub use plan::{Breach, DayPlan, Vial, plan_day};

use crate::code::Code;
use std::fmt;

use chrono::{NaiveTime, TimeDelta};

use crate::error::Coded;

/// When a slot runs on the day: it ends after it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotTime {
    start: NaiveTime,
    end: NaiveTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a slot must end after it starts ({} to {})", hm(*.start), hm(*.end))]
pub struct SlotTimeError {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Coded for SlotTimeError {
    fn code(&self) -> Code {
        Code::SlotEndNotAfterStart
    }
    fn message_ja(&self) -> String {
        format!(
            "予約枠の終了時刻は開始時刻より後にしてください（{}〜{}）。",
            hm(self.start),
            hm(self.end)
        )
    }
}

impl SlotTime {
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, SlotTimeError> {
        if end <= start {
            return Err(SlotTimeError { start, end });
        }
        Ok(Self { start, end })
    }

    pub fn start(self) -> NaiveTime {
        self.start
    }

    pub fn end(self) -> NaiveTime {
        self.end
    }

    /// The time from `t` to the slot's end: a vial diluted at `t` reaches the whole slot only if
    /// this is within its window (and the slot does not start before `t`).
    fn end_after(self, t: NaiveTime) -> TimeDelta {
        self.end.signed_duration_since(t)
    }
}

impl fmt::Display for SlotTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", hm(self.start), hm(self.end))
    }
}

/// How a vial is used: doses per vial (Pfizer as shipped in 2021: 6; with standard syringes: 5)
/// and how long it may be used after dilution. Vaccine products own these numbers; the planner
/// takes them as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VialRule {
    doses_per_vial: u32,
    window: TimeDelta,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VialRuleError {
    #[error("a vial must give at least one dose")]
    NoDoses,
    #[error("the time a vial may be used after dilution must be positive")]
    NoWindow,
}

impl Coded for VialRuleError {
    fn code(&self) -> Code {
        match self {
            Self::NoDoses => Code::VialRuleDosesPerVial,
            Self::NoWindow => Code::VialRuleWindow,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::NoDoses => "1バイアルの接種回数は1以上にしてください。",
            Self::NoWindow => "希釈後の使用可能時間は0より長くしてください。",
        }
        .into()
    }
}

impl VialRule {
    pub fn new(doses_per_vial: u32, window: TimeDelta) -> Result<Self, VialRuleError> {
        if doses_per_vial == 0 {
            return Err(VialRuleError::NoDoses);
        }
        if window <= TimeDelta::zero() {
            return Err(VialRuleError::NoWindow);
        }
        Ok(Self {
            doses_per_vial,
            window,
        })
    }

    pub fn doses_per_vial(self) -> u32 {
        self.doses_per_vial
    }

    pub fn window(self) -> TimeDelta {
        self.window
    }

    /// Whether a vial diluted at `t` may hold a dose of `slot`.
    fn reaches(self, t: NaiveTime, slot: SlotTime) -> bool {
        slot.start >= t && slot.end_after(t) <= self.window
    }
}

/// A number of doses (bookings expected to be vaccinated) in one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotDoses {
    pub slot: SlotTime,
    pub doses: u32,
}

/// A venue's day: its slots in time order, each once, with their doses. Slots without doses stay:
/// they are where a booking could still go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Day {
    slots: Vec<SlotDoses>,
}

impl Day {
    /// The same slot time given twice is one slot (a public and a private slot, say): its doses add.
    pub fn new(slots: impl IntoIterator<Item = SlotDoses>) -> Self {
        let mut slots: Vec<SlotDoses> = slots.into_iter().collect();
        slots.sort_by_key(|s| s.slot);
        slots.dedup_by(|later, kept| {
            let same = later.slot == kept.slot;
            if same {
                kept.doses += later.doses;
            }
            same
        });
        Self { slots }
    }

    pub fn slots(&self) -> &[SlotDoses] {
        &self.slots
    }

    /// The doses in `slot`, or `None` if the day has no such slot.
    pub fn doses_at(&self, slot: SlotTime) -> Option<u32> {
        self.position(slot).ok().map(|i| self.slots[i].doses)
    }

    pub fn doses(&self) -> u32 {
        self.slots.iter().map(|s| s.doses).sum()
    }

    fn position(&self, slot: SlotTime) -> Result<usize, usize> {
        self.slots.binary_search_by_key(&slot, |s| s.slot)
    }

    /// One more dose in `slot`, which is added to the day if it is new.
    fn add_one(&mut self, slot: SlotTime) {
        match self.position(slot) {
            Ok(i) => self.slots[i].doses += 1,
            Err(i) => self.slots.insert(i, SlotDoses { slot, doses: 1 }),
        }
    }
}

/// `t` as a receptionist reads it.
fn hm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn a_slot_must_end_after_it_starts() {
        let err = SlotTime::new(at(10, 0), at(10, 0)).unwrap_err();
        assert_eq!(err.code(), Code::SlotEndNotAfterStart);
        assert!(err.message_ja().contains("10:00〜10:00"));
        assert!(SlotTime::new(at(11, 0), at(10, 0)).is_err());
        assert_eq!(
            SlotTime::new(at(10, 0), at(10, 30)).unwrap().to_string(),
            "10:00–10:30"
        );
    }

    #[test]
    fn a_vial_rule_needs_doses_and_a_window() {
        assert_eq!(
            VialRule::new(0, TimeDelta::hours(6)),
            Err(VialRuleError::NoDoses)
        );
        assert_eq!(
            VialRule::new(6, TimeDelta::zero()),
            Err(VialRuleError::NoWindow)
        );
        assert_eq!(VialRuleError::NoWindow.code(), Code::VialRuleWindow);
        let rule = VialRule::new(6, TimeDelta::hours(6)).unwrap();
        assert_eq!(
            (rule.doses_per_vial(), rule.window()),
            (6, TimeDelta::hours(6))
        );
    }

    #[test]
    fn a_vial_reaches_only_whole_slots_inside_its_window() {
        let rule = VialRule::new(6, TimeDelta::hours(6)).unwrap();
        let slot = |h| SlotTime::new(at(h, 0), at(h + 1, 0)).unwrap();
        assert!(rule.reaches(at(9, 0), slot(9)));
        assert!(rule.reaches(at(9, 0), slot(14)));
        assert!(
            !rule.reaches(at(9, 0), slot(15)),
            "ends at 16:00, after 15:00"
        );
        assert!(!rule.reaches(at(10, 0), slot(9)), "starts before dilution");
    }

    #[test]
    fn the_same_slot_twice_is_one_slot() {
        let a = SlotTime::new(at(10, 0), at(11, 0)).unwrap();
        let b = SlotTime::new(at(9, 0), at(10, 0)).unwrap();
        let day = Day::new([
            SlotDoses { slot: a, doses: 2 },
            SlotDoses { slot: b, doses: 0 },
            SlotDoses { slot: a, doses: 3 },
        ]);
        assert_eq!(day.slots().len(), 2);
        assert_eq!(day.slots()[0].slot, b);
        assert_eq!(day.doses_at(a), Some(5));
        assert_eq!(day.doses_at(b), Some(0));
        assert_eq!(day.doses(), 5);
        let c = SlotTime::new(at(12, 0), at(13, 0)).unwrap();
        assert_eq!(day.doses_at(c), None);
    }
}
