//! 予約枠報告様式 1/2/3: a clinic's report of the slots it offers in a period (the notice of
//! 2021-09-27). 様式1 has public seats only, 様式2 private only, 様式3 both. A report is accepted
//! when every row lies in the period's windows, its seats match the form, no two rows overlap, and
//! the total is within the clinic's 接種可能上限量; the rest of the cap is the clinic's own
//! reception (独自の受付枠).
//!
//! Slot names follow the notice's example:
//! `【（第８期）WEB・コールセンター受付】101.20211025.0900` for a public slot and
//! `【（第８期）医療機関受付分】101.20211025.0900` for a private one, where the three parts after
//! the bracket are, in ASCII digits: the 会場番号 zero-padded to three digits, the 接種日 as
//! YYYYMMDD (the year keeps names unique across years), and the 接種時刻 (slot start) as HHMM.
//! The period number inside the bracket is written with full-width digits, as in the notice.

use crate::code::Code;
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::error::Coded;
use crate::period::{Period, PeriodNumber};
use crate::slot::Visibility;

pub mod input;
pub mod state;
pub mod view;

pub use state::{ReportAction, ReportState, StateError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReportForm {
    /// 予約枠報告様式１（公開枠のみ）
    PublicOnly,
    /// 予約枠報告様式２（非公開枠のみ）
    PrivateOnly,
    /// 予約枠報告様式３（公開・非公開）
    Both,
}

impl ReportForm {
    /// The form of a stored number (1, 2 or 3).
    pub fn from_number(number: u8) -> Option<Self> {
        [Self::PublicOnly, Self::PrivateOnly, Self::Both]
            .into_iter()
            .find(|form| form.number() == number)
    }

    pub fn number(self) -> u8 {
        match self {
            Self::PublicOnly => 1,
            Self::PrivateOnly => 2,
            Self::Both => 3,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::PublicOnly => "予約枠報告様式１（公開枠のみ）",
            Self::PrivateOnly => "予約枠報告様式２（非公開枠のみ）",
            Self::Both => "予約枠報告様式３（公開・非公開）",
        }
    }

    fn allows(self, public_seats: u32, private_seats: u32) -> bool {
        match self {
            Self::PublicOnly => private_seats == 0,
            Self::PrivateOnly => public_seats == 0,
            Self::Both => true,
        }
    }
}

/// One row of a report: a time on a date and its seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub public_seats: u32,
    pub private_seats: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotReport {
    pub form: ReportForm,
    /// 会場番号
    pub venue_number: u32,
    pub rows: Vec<ReportRow>,
}

/// A slot to set up from an accepted report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedSlot {
    pub name: String,
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub visibility: Visibility,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptedReport {
    pub total_seats: u32,
    /// 独自の受付枠 = 接種可能上限量 − the report's seats.
    pub own_reception: u32,
    pub slots: Vec<PlannedSlot>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RowProblem {
    OutsideWindows,
    SeatsDoNotMatchForm,
    EndNotAfterStart,
    NoSeats,
    /// Overlaps the row with this (1-based) number.
    Overlaps {
        row: usize,
    },
}

impl RowProblem {
    pub fn message_ja(self, form: ReportForm) -> String {
        match self {
            Self::OutsideWindows => "１回目・２回目接種期間の外の日付です。".into(),
            Self::SeatsDoNotMatchForm => format!("{}では設定できない枠数です。", form.label_ja()),
            Self::EndNotAfterStart => "終了時刻が開始時刻より後になっていません。".into(),
            Self::NoSeats => "枠数が0です。".into(),
            Self::Overlaps { row } => format!("{row}行目と時間が重なっています。"),
        }
    }

    fn message_en(self) -> String {
        match self {
            Self::OutsideWindows => "the date is outside the period's dose windows".into(),
            Self::SeatsDoNotMatchForm => "the seats do not match the form".into(),
            Self::EndNotAfterStart => "the end time is not after the start time".into(),
            Self::NoSeats => "the row has no seats".into(),
            Self::Overlaps { row } => format!("the time overlaps row {row}"),
        }
    }
}

/// A problem of a row, numbered from 1 as the clinic's spreadsheet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub problem: RowProblem,
}

/// Everything wrong with a report, so the clinic can fix it in one go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("the slot report was not accepted: {}", self.summary_en())]
pub struct ReportErrors {
    pub form: ReportForm,
    pub rows: Vec<RowError>,
    /// (report total, cap) when the total exceeds the cap.
    pub over_cap: Option<(u32, u32)>,
    pub empty: bool,
    pub past_correction_deadline: bool,
}

impl ReportErrors {
    fn summary_en(&self) -> String {
        let mut parts: Vec<String> = self
            .rows
            .iter()
            .map(|e| format!("row {}: {}", e.row, e.problem.message_en()))
            .collect();
        if let Some((total, cap)) = self.over_cap {
            parts.push(format!("{total} seats exceed the dose cap of {cap}"));
        }
        if self.empty {
            parts.push("the report has no rows".into());
        }
        if self.past_correction_deadline {
            parts.push("the correction deadline has passed".into());
        }
        parts.join("; ")
    }

    fn is_empty(&self) -> bool {
        self.rows.is_empty()
            && self.over_cap.is_none()
            && !self.empty
            && !self.past_correction_deadline
    }
}

impl Coded for ReportErrors {
    fn code(&self) -> Code {
        Code::SlotReportInvalid
    }
    fn message_ja(&self) -> String {
        let mut lines: Vec<String> = self
            .rows
            .iter()
            .map(|e| format!("{}行目: {}", e.row, e.problem.message_ja(self.form)))
            .collect();
        if let Some((total, cap)) = self.over_cap {
            lines.push(format!(
                "枠数の合計{total}が接種可能上限量{cap}を超えています。"
            ));
        }
        if self.empty {
            lines.push("予約枠が1行もありません。".into());
        }
        if self.past_correction_deadline {
            lines.push("修正受付期限を過ぎています。医療機関専用ダイヤルへご連絡ください。".into());
        }
        lines.join("\n")
    }
}

/// The notice's slot name (see the module documentation for the format).
pub fn slot_name(
    period: PeriodNumber,
    visibility: Visibility,
    venue_number: u32,
    date: NaiveDate,
    start: NaiveTime,
) -> String {
    let channel = match visibility {
        Visibility::Public => "WEB・コールセンター受付",
        Visibility::Private => "医療機関受付分",
    };
    format!(
        "【（{}）{channel}】{venue_number:03}.{}.{}",
        period.label_ja(),
        date.format("%Y%m%d"),
        start.format("%H%M")
    )
}

/// The notice's warning for a report the city enters after 修正受付期限: it is taken only when the
/// city says so knowingly, since the slots may not be ready for 受付開始.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[error(
    "the correction deadline ({deadline}) has passed: the slots may not be ready when reception \
     opens on {opens}; submit it as a late correction to go on"
)]
pub struct LateCorrection {
    pub deadline: NaiveDate,
    pub opens: NaiveDate,
}

impl LateCorrection {
    /// The warning when a report reaches the city on `today` after the period's deadline.
    pub fn on(period: &Period, today: NaiveDate) -> Option<Self> {
        (!period.accepts_reports_on(today)).then(|| Self {
            deadline: period.spec().correction_deadline,
            opens: period.spec().reception_opens,
        })
    }
}

impl Coded for LateCorrection {
    fn code(&self) -> Code {
        Code::SlotReportLate
    }
    fn message_ja(&self) -> String {
        format!(
            "修正受付期限（{}）を過ぎた修正です。{}の受付開始に間に合わない可能性があります。\
             承知の上で登録する場合は「期限後の修正として登録」を選んでください。",
            self.deadline.format("%-m月%-d日"),
            self.opens.format("%-m月%-d日")
        )
    }
}

/// Whose report is checked, and so whether 修正受付期限 binds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// A clinic's own report, on this day in Tokyo: refused after the correction deadline.
    Clinic(NaiveDate),
    /// The city enters or sets up a report: after the deadline it decides, warned
    /// ([`LateCorrection`]).
    City,
}

/// Checks a clinic's report against the period and its cap.
pub fn validate(
    report: &SlotReport,
    period: &Period,
    cap: u32,
    deadline: Deadline,
) -> Result<AcceptedReport, ReportErrors> {
    let mut errors = ReportErrors {
        form: report.form,
        rows: Vec::new(),
        over_cap: None,
        empty: report.rows.is_empty(),
        past_correction_deadline: match deadline {
            Deadline::Clinic(today) => !period.accepts_reports_on(today),
            Deadline::City => false,
        },
    };
    for (i, row) in report.rows.iter().enumerate() {
        let mut problem = |p| {
            errors.rows.push(RowError {
                row: i + 1,
                problem: p,
            })
        };
        if !period.covers(row.date) {
            problem(RowProblem::OutsideWindows);
        }
        if row.end <= row.start {
            problem(RowProblem::EndNotAfterStart);
        }
        if row.public_seats == 0 && row.private_seats == 0 {
            problem(RowProblem::NoSeats);
        } else if !report.form.allows(row.public_seats, row.private_seats) {
            problem(RowProblem::SeatsDoNotMatchForm);
        }
        let overlapping = report.rows[..i]
            .iter()
            .position(|r| r.date == row.date && r.start < row.end && row.start < r.end);
        if let Some(j) = overlapping {
            problem(RowProblem::Overlaps { row: j + 1 });
        }
    }
    // Summed wide: a form full of absurd seat counts must be refused, not overflow.
    let total: u64 = report
        .rows
        .iter()
        .map(|r| u64::from(r.public_seats) + u64::from(r.private_seats))
        .sum();
    if total > u64::from(cap) {
        errors.over_cap = Some((u32::try_from(total).unwrap_or(u32::MAX), cap));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let slots = report
        .rows
        .iter()
        .flat_map(|row| {
            [
                (Visibility::Public, row.public_seats),
                (Visibility::Private, row.private_seats),
            ]
            .into_iter()
            .filter(|(_, seats)| *seats > 0)
            .map(move |(visibility, capacity)| PlannedSlot {
                name: slot_name(
                    period.number(),
                    visibility,
                    report.venue_number,
                    row.date,
                    row.start,
                ),
                date: row.date,
                start: row.start,
                end: row.end,
                visibility,
                capacity,
            })
        })
        .collect();
    // total <= cap here, so it fits in u32.
    let total = total as u32;
    Ok(AcceptedReport {
        total_seats: total,
        own_reception: cap - total,
        slots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::tests::eighth;

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn row(m: u32, d: u32, h: u32, public_seats: u32, private_seats: u32) -> ReportRow {
        ReportRow {
            date: NaiveDate::from_ymd_opt(2021, m, d).unwrap(),
            start: time(h, 0),
            end: time(h, 30),
            public_seats,
            private_seats,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 10, 8).unwrap()
    }

    #[test]
    fn names_follow_the_notice() {
        let date = NaiveDate::from_ymd_opt(2021, 10, 25).unwrap();
        assert_eq!(
            slot_name(PeriodNumber(8), Visibility::Public, 101, date, time(9, 0)),
            "【（第８期）WEB・コールセンター受付】101.20211025.0900"
        );
        assert_eq!(
            slot_name(PeriodNumber(8), Visibility::Private, 7, date, time(14, 30)),
            "【（第８期）医療機関受付分】007.20211025.1430"
        );
    }

    #[test]
    fn a_form_3_report_within_the_cap_is_accepted_with_the_remainder_for_own_reception() {
        let period = Period::new(eighth()).unwrap();
        let report = SlotReport {
            form: ReportForm::Both,
            venue_number: 101,
            rows: vec![
                row(10, 25, 9, 3, 2),
                row(10, 25, 10, 3, 0),
                row(11, 15, 9, 0, 2),
            ],
        };
        let accepted = validate(&report, &period, 60, Deadline::Clinic(today())).unwrap();
        assert_eq!(accepted.total_seats, 10);
        assert_eq!(accepted.own_reception, 50);
        assert_eq!(
            accepted.slots.len(),
            4,
            "one slot per visibility with seats"
        );
        assert_eq!(
            accepted.slots[0].name,
            "【（第８期）WEB・コールセンター受付】101.20211025.0900"
        );
        assert_eq!(accepted.slots[1].visibility, Visibility::Private);
        assert_eq!(accepted.slots[1].capacity, 2);
    }

    #[test]
    fn every_problem_is_reported_with_its_row() {
        let period = Period::new(eighth()).unwrap();
        let mut backwards = row(10, 26, 9, 1, 0);
        backwards.end = time(8, 0);
        let report = SlotReport {
            form: ReportForm::PublicOnly,
            venue_number: 101,
            rows: vec![
                row(10, 25, 9, 3, 0),
                row(11, 12, 9, 3, 0),  // between the windows
                row(10, 25, 10, 3, 2), // private seats on 様式1
                backwards,
                row(10, 25, 9, 1, 0), // same time as row 1
                row(10, 27, 9, 0, 0),
            ],
        };
        let errors = validate(&report, &period, 5, Deadline::Clinic(today())).unwrap_err();
        let rows: Vec<_> = errors.rows.iter().map(|e| (e.row, e.problem)).collect();
        assert_eq!(
            rows,
            [
                (2, RowProblem::OutsideWindows),
                (3, RowProblem::SeatsDoNotMatchForm),
                (4, RowProblem::EndNotAfterStart),
                (5, RowProblem::Overlaps { row: 1 }),
                (6, RowProblem::NoSeats),
            ]
        );
        assert_eq!(errors.over_cap, Some((13, 5)));
        let ja = errors.message_ja();
        assert!(
            ja.contains("2行目") && ja.contains("接種可能上限量5"),
            "{ja}"
        );
        assert_eq!(errors.code(), Code::SlotReportInvalid);
    }

    #[test]
    fn absurd_seat_counts_are_refused_not_overflowed() {
        let period = Period::new(eighth()).unwrap();
        let report = SlotReport {
            form: ReportForm::Both,
            venue_number: 101,
            rows: vec![
                row(10, 25, 9, u32::MAX, u32::MAX),
                row(10, 26, 9, u32::MAX, 0),
            ],
        };
        let errors = validate(&report, &period, 60, Deadline::Clinic(today())).unwrap_err();
        assert_eq!(errors.over_cap, Some((u32::MAX, 60)));
    }

    #[test]
    fn form_2_takes_private_seats_only_and_late_reports_are_refused() {
        let period = Period::new(eighth()).unwrap();
        let report = SlotReport {
            form: ReportForm::PrivateOnly,
            venue_number: 101,
            rows: vec![row(10, 25, 9, 1, 2)],
        };
        let errors = validate(&report, &period, 60, Deadline::Clinic(today())).unwrap_err();
        assert_eq!(errors.rows[0].problem, RowProblem::SeatsDoNotMatchForm);
        let ok = SlotReport {
            form: ReportForm::PrivateOnly,
            venue_number: 101,
            rows: vec![row(10, 25, 9, 0, 2)],
        };
        assert!(validate(&ok, &period, 60, Deadline::Clinic(today())).is_ok());
        let late = NaiveDate::from_ymd_opt(2021, 10, 14).unwrap();
        assert!(
            validate(&ok, &period, 60, Deadline::Clinic(late))
                .unwrap_err()
                .past_correction_deadline
        );
        // The city takes it, warned first.
        assert!(validate(&ok, &period, 60, Deadline::City).is_ok());
        let warning = LateCorrection::on(&period, late).unwrap();
        assert_eq!(warning.code(), Code::SlotReportLate);
        assert!(
            warning.message_ja().contains("10月13日") && warning.message_ja().contains("10月16日"),
            "{}",
            warning.message_ja()
        );
        assert_eq!(LateCorrection::on(&period, today()), None);
        let empty = SlotReport {
            form: ReportForm::Both,
            venue_number: 101,
            rows: vec![],
        };
        assert!(
            validate(&empty, &period, 60, Deadline::Clinic(today()))
                .unwrap_err()
                .empty
        );
    }
}
