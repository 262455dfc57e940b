//! 第N期: a reception period of the city's slot-setup notice: a first-dose window, a second-dose
//! window, and the deadlines for the clinics' slot reports.
//!
//! The notice gives each clinic its own 接種可能上限量 (dose cap) for a period, so the cap is not a field
//! of the period: it is passed to the `slot_report` module's check with the clinic's report.

use crate::code::Code;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Coded;

/// An inclusive range of dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DateRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl DateRange {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }
}

/// The period's number, shown as the notice writes it: 第８期 (full-width digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PeriodNumber(pub u32);

impl PeriodNumber {
    /// 第８期
    pub fn label_ja(self) -> String {
        format!("第{}期", full_width_digits(self.0))
    }
}

impl fmt::Display for PeriodNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label_ja())
    }
}

pub(crate) fn full_width_digits(n: u32) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c))
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodSpec {
    pub number: u32,
    /// １回目接種期間
    pub first_dose: DateRange,
    /// ２回目接種期間
    pub second_dose: DateRange,
    /// 予約枠報告様式提出期限
    pub submission_deadline: NaiveDate,
    /// セットアップされた予約枠の修正受付期限
    pub correction_deadline: NaiveDate,
    /// 予約受付開始
    pub reception_opens: NaiveDate,
}

/// A period whose dates are in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period(PeriodSpec);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("the period number must be 1 or more")]
    Number,
    #[error("a window ends before it starts")]
    EmptyWindow,
    #[error("the second-dose window must start after the first-dose window starts")]
    WindowsOrder,
    #[error(
        "the deadlines must come in order: submission, correction, reception opening, first doses"
    )]
    DeadlinesOrder,
}

impl Coded for PeriodError {
    fn code(&self) -> Code {
        match self {
            Self::Number => Code::PeriodNumber,
            Self::EmptyWindow => Code::PeriodEmptyWindow,
            Self::WindowsOrder => Code::PeriodWindowsOrder,
            Self::DeadlinesOrder => Code::PeriodDeadlinesOrder,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::Number => "期の番号は1以上にしてください。",
            Self::EmptyWindow => "接種期間の終了日が開始日より前になっています。",
            Self::WindowsOrder => "２回目接種期間は１回目接種期間の開始より後にしてください。",
            Self::DeadlinesOrder => "提出期限 → 修正受付期限 → 予約受付開始 → １回目接種開始 の順になるよう日付を設定してください。",
        }
        .into()
    }
}

impl Period {
    pub fn new(spec: PeriodSpec) -> Result<Self, PeriodError> {
        if spec.number == 0 {
            return Err(PeriodError::Number);
        }
        if spec.first_dose.first > spec.first_dose.last
            || spec.second_dose.first > spec.second_dose.last
        {
            return Err(PeriodError::EmptyWindow);
        }
        if spec.second_dose.first <= spec.first_dose.first {
            return Err(PeriodError::WindowsOrder);
        }
        let in_order = spec.submission_deadline <= spec.correction_deadline
            && spec.correction_deadline <= spec.reception_opens
            && spec.reception_opens <= spec.first_dose.first;
        if !in_order {
            return Err(PeriodError::DeadlinesOrder);
        }
        Ok(Self(spec))
    }

    pub fn number(&self) -> PeriodNumber {
        PeriodNumber(self.0.number)
    }

    pub fn first_dose(&self) -> DateRange {
        self.0.first_dose
    }

    pub fn second_dose(&self) -> DateRange {
        self.0.second_dose
    }

    pub fn spec(&self) -> &PeriodSpec {
        &self.0
    }

    /// Whether a slot on `date` belongs in this period's windows.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.0.first_dose.contains(date) || self.0.second_dose.contains(date)
    }

    /// Slot reports are taken (and their slots corrected) until the correction deadline.
    pub fn accepts_reports_on(&self, today: NaiveDate) -> bool {
        today <= self.0.correction_deadline
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(PeriodSpec::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, m, d).unwrap()
    }

    /// 第８期 as the notice of 2021-09-27 sets it.
    pub(crate) fn eighth() -> PeriodSpec {
        PeriodSpec {
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
        }
    }

    #[test]
    fn the_notices_eighth_period_is_valid() {
        let p = Period::new(eighth()).unwrap();
        assert_eq!(p.number().label_ja(), "第８期");
        assert!(p.covers(date(10, 25)) && p.covers(date(11, 30)));
        assert!(!p.covers(date(11, 12)), "between the windows");
        assert!(p.accepts_reports_on(date(10, 13)) && !p.accepts_reports_on(date(10, 14)));
    }

    #[test]
    fn out_of_order_dates_are_refused() {
        let mut s = eighth();
        s.first_dose.last = date(10, 1);
        assert_eq!(Period::new(s), Err(PeriodError::EmptyWindow));
        let mut s = eighth();
        s.second_dose.first = date(10, 20);
        assert_eq!(Period::new(s), Err(PeriodError::WindowsOrder));
        let mut s = eighth();
        s.reception_opens = date(10, 10);
        assert_eq!(Period::new(s), Err(PeriodError::DeadlinesOrder));
        let mut s = eighth();
        s.number = 0;
        assert_eq!(Period::new(s), Err(PeriodError::Number));
    }

    #[test]
    fn period_numbers_use_full_width_digits() {
        assert_eq!(PeriodNumber(12).label_ja(), "第１２期");
    }
}
