//! Reading a 予約枠報告様式 file: its form from the sheet's name, the venue and period above the
//! table, and every row as typed ([`RowInput`]), or what is wrong with the file, by cell.

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use yoyaku_core::slot_report::input::{Column, InputErrors, RowInput, read_rows};
use yoyaku_core::slot_report::{ReportErrors, ReportForm, ReportRow, RowProblem};
use yoyaku_core::{Code, Coded};

use crate::cells::{address, cell_name, columns, heading};
use crate::{HEADER_ROW, sheet_name};

/// What the file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetReport {
    pub form: ReportForm,
    /// B2, when filled.
    pub period_number: Option<u32>,
    /// B3.
    pub venue_number: u32,
    pub rows: Vec<RowInput>,
}

impl SheetReport {
    /// The rows read, or every cell that cannot be, by its address.
    pub fn read_rows(&self) -> Result<Vec<ReportRow>, SheetError> {
        read_rows(&self.rows).map_err(|errors| rows_refused(self.form, &errors))
    }
}

/// Why a file is not a report the system can take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("the file is not an Excel workbook (.xlsx): {0}")]
    NotXlsx(String),
    #[error("no sheet is named 予約枠報告様式１, ２ or ３ (the file has: {})", .0.join(", "))]
    NoFormSheet(Vec<String>),
    #[error("the file has more than one form's sheet: {}", .0.join(", "))]
    TwoFormSheets(Vec<String>),
    #[error("the cells {0} are merged: the table needs one value in each cell")]
    Merged(String),
    #[error("cell {cell} should say {expected:?} and says {found:?}")]
    Header {
        cell: String,
        expected: &'static str,
        found: String,
    },
    #[error("cell B3 should hold the venue number and holds {0:?}")]
    Venue(String),
    #[error("the table below row 6 has no rows")]
    NoRows,
    #[error("{}", .0.iter().map(|(cell, _, value)| format!("cell {cell}: {value:?} cannot be read")).collect::<Vec<_>>().join("; "))]
    Cells(Vec<(String, Column, String)>),
}

impl Coded for SheetError {
    fn code(&self) -> Code {
        match self {
            Self::Cells(_) => Code::SlotReportInvalid,
            _ => Code::SlotReportFile,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::NotXlsx(_) => {
                "Excelのファイル（.xlsx）として読み取れません。市の予約枠報告様式をお使いください。"
                    .into()
            }
            Self::NoFormSheet(found) => format!(
                "「予約枠報告様式１」「２」「３」のシートがありません（このファイルのシート: {}）。市の様式のシート名のままお使いください。",
                found.join("、")
            ),
            Self::TwoFormSheets(found) => format!(
                "様式のシートが複数あります（{}）。1つのファイルには1つの様式だけを入れてください。",
                found.join("、")
            ),
            Self::Merged(range) => format!(
                "セル{range}が結合されています。表のセルは結合せず、1つのセルに1つの値を入力してください。"
            ),
            Self::Header {
                cell,
                expected,
                found,
            } => format!(
                "セル{cell}は「{expected}」のはずですが「{found}」になっています。様式の見出しは変えないでください。"
            ),
            Self::Venue(found) => format!("セルB3に会場番号がありません（「{found}」）。"),
            Self::NoRows => "7行目から予約枠が1行もありません。".into(),
            Self::Cells(cells) => cells
                .iter()
                .map(|(cell, column, value)| {
                    let value = if value.is_empty() {
                        "（空欄）".to_owned()
                    } else {
                        format!("「{value}」")
                    };
                    format!("セル{cell}: {}{value}を読み取れません。", column.label_ja())
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// Unreadable rows, named by their cells.
pub fn rows_refused(form: ReportForm, errors: &InputErrors) -> SheetError {
    SheetError::Cells(
        errors
            .0
            .iter()
            .map(|e| (cell_name(form, e.row, e.column), e.column, e.value.clone()))
            .collect(),
    )
}

/// The problems [`yoyaku_core::slot_report::validate`] found, worded with the file's cells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SlotProblems(ReportErrors);

impl Coded for SlotProblems {
    fn code(&self) -> Code {
        Code::SlotReportInvalid
    }
    fn message_ja(&self) -> String {
        let form = self.0.form;
        let mut lines: Vec<String> = self
            .0
            .rows
            .iter()
            .map(|e| {
                let column = match e.problem {
                    RowProblem::OutsideWindows => Column::Date,
                    RowProblem::EndNotAfterStart => Column::End,
                    RowProblem::Overlaps { .. } => Column::Start,
                    RowProblem::SeatsDoNotMatchForm | RowProblem::NoSeats => match form {
                        ReportForm::PrivateOnly => Column::PrivateSeats,
                        _ => Column::PublicSeats,
                    },
                };
                let said = e.problem.message_ja(form);
                format!("セル{}: {said}", cell_name(form, e.row, column))
            })
            .collect();
        let rest = ReportErrors {
            rows: Vec::new(),
            ..self.0.clone()
        };
        let rest = rest.message_ja();
        if !rest.is_empty() {
            lines.push(rest);
        }
        lines.join("\n")
    }
}

/// `errors` of a report read from a file, with its cells named.
pub fn slot_problems(errors: ReportErrors) -> SlotProblems {
    SlotProblems(errors)
}

fn folded(text: &str) -> String {
    text.nfkc().collect::<String>().trim().to_owned()
}

/// A cell's value as a person would read it: dates as 2021-10-25, times as 9:00, whole numbers
/// without a decimal point.
fn text(cell: Option<&Data>) -> String {
    match cell {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.trim().to_owned(),
        Some(Data::Int(n)) => n.to_string(),
        Some(Data::Float(f)) if f.fract() == 0.0 => format!("{f:.0}"),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::DateTime(at)) => {
            let (y, mo, d, h, mi, _, _) = at.to_ymd_hms_milli();
            if at.as_f64() < 1.0 {
                format!("{h}:{mi:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}")
            }
        }
        Some(Data::DateTimeIso(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn at(range: &Range<Data>, row: u32, column: u32) -> String {
    text(range.get_value((row, column)))
}

/// Reads a 予約枠報告様式 file.
pub fn read(bytes: &[u8]) -> Result<SheetReport, SheetError> {
    let mut book: Xlsx<Cursor<Vec<u8>>> = open_workbook_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e: calamine::XlsxError| SheetError::NotXlsx(e.to_string()))?;
    let names = book.sheet_names();
    let forms: Vec<(String, ReportForm)> = names
        .iter()
        .filter_map(|name| {
            [
                ReportForm::PublicOnly,
                ReportForm::PrivateOnly,
                ReportForm::Both,
            ]
            .into_iter()
            .find(|form| folded(name) == folded(&sheet_name(*form)))
            .map(|form| (name.clone(), form))
        })
        .collect();
    let (sheet, form) = match forms.as_slice() {
        [] => return Err(SheetError::NoFormSheet(names)),
        [one] => one.clone(),
        _ => {
            return Err(SheetError::TwoFormSheets(
                forms.into_iter().map(|f| f.0).collect(),
            ));
        }
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| SheetError::NotXlsx(e.to_string()))?;
    let header = HEADER_ROW - 1;
    if let Some(Ok(merged)) = book.worksheet_merge_cells(&sheet) {
        if let Some(m) = merged.iter().find(|m| m.end.0 >= header) {
            let range = format!(
                "{}:{}",
                address(m.start.0, m.start.1),
                address(m.end.0, m.end.1)
            );
            return Err(SheetError::Merged(range));
        }
    }
    for (i, column) in (0u32..).zip(columns(form)) {
        let found = at(&range, header, i);
        if folded(&found) != heading(*column) {
            return Err(SheetError::Header {
                cell: address(header, i),
                expected: heading(*column),
                found,
            });
        }
    }
    let venue = at(&range, 2, 1);
    let venue_number = folded(&venue)
        .parse()
        .map_err(|_| SheetError::Venue(venue.clone()))?;
    let period_number = folded(&at(&range, 1, 1)).parse().ok();
    let width = u32::try_from(columns(form).len()).unwrap_or(0);
    let mut rows = Vec::new();
    for r in header + 1.. {
        let cells: Vec<String> = (0..width).map(|c| at(&range, r, c)).collect();
        if cells.iter().all(String::is_empty) {
            break;
        }
        let mut row = RowInput::default();
        for (value, column) in cells.into_iter().zip(columns(form)) {
            match column {
                Column::Date => row.date = value,
                Column::Start => row.start = value,
                Column::End => row.end = value,
                Column::PublicSeats => row.public_seats = value,
                Column::PrivateSeats => row.private_seats = value,
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(SheetError::NoRows);
    }
    Ok(SheetReport {
        form,
        period_number,
        venue_number,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveTime};
    use rust_xlsxwriter::Workbook;

    use super::*;
    use crate::{SheetHeader, write};

    fn row(day: u32, hour: u32, public_seats: u32, private_seats: u32) -> ReportRow {
        ReportRow {
            date: NaiveDate::from_ymd_opt(2021, 10, day).unwrap(),
            start: NaiveTime::from_hms_opt(hour, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(hour, 30, 0).unwrap(),
            public_seats,
            private_seats,
        }
    }

    fn header() -> SheetHeader<'static> {
        SheetHeader {
            period_number: 8,
            venue_number: 101,
            clinic_name: "A胃腸科内科医院",
        }
    }

    #[test]
    fn a_written_form_reads_back_as_the_same_report() {
        let rows = vec![row(25, 9, 3, 2), row(26, 14, 0, 4)];
        let file = write(&header(), ReportForm::Both, &rows).unwrap();
        let read = read(&file).unwrap();
        assert_eq!(
            (read.form, read.venue_number, read.period_number),
            (ReportForm::Both, 101, Some(8))
        );
        assert_eq!(read.read_rows().unwrap(), rows);
        let form_2 = write(&header(), ReportForm::PrivateOnly, &[row(25, 9, 0, 2)]).unwrap();
        let read = super::read(&form_2).unwrap();
        assert_eq!(read.form, ReportForm::PrivateOnly);
        assert_eq!(read.read_rows().unwrap()[0].private_seats, 2);
    }

    /// A workbook as a clinic might send it: `sheet` with the header, then `cells` by row.
    fn sent(
        sheet: &str,
        cells: &[(u32, u16, &str)],
        merge: Option<(u32, u16, u32, u16)>,
    ) -> Vec<u8> {
        let mut book = Workbook::new();
        let ws = book.add_worksheet().set_name(sheet).unwrap();
        ws.write_string(2, 0, "会場番号").unwrap();
        ws.write_number(2, 1, 101).unwrap();
        for (i, label) in ["接種日", "開始時刻", "終了時刻", "公開枠", "非公開枠"]
            .iter()
            .enumerate()
        {
            ws.write_string(5, u16::try_from(i).unwrap(), *label)
                .unwrap();
        }
        for (r, c, value) in cells {
            ws.write_string(*r, *c, *value).unwrap();
        }
        if let Some((r1, c1, r2, c2)) = merge {
            ws.merge_range(r1, c1, r2, c2, "", &rust_xlsxwriter::Format::new())
                .unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_wrong_sheet_merged_cells_and_unreadable_cells_are_named() {
        let wrong = sent("Sheet1", &[(6, 0, "2021-10-25")], None);
        let error = read(&wrong).unwrap_err();
        assert_eq!(error.code(), Code::SlotReportFile);
        assert!(
            error.message_ja().contains("Sheet1"),
            "{}",
            error.message_ja()
        );

        let merged = sent(
            "予約枠報告様式3",
            &[(6, 0, "2021-10-25")],
            Some((7, 0, 7, 1)),
        );
        let error = read(&merged).unwrap_err();
        assert_eq!(error, SheetError::Merged("A8:B8".into()));
        assert!(error.message_ja().contains("セルA8:B8が結合されています"));

        let cells = [
            (6, 0, "2021/10/25"),
            (6, 1, "９：００"),
            (6, 2, "9:30"),
            (6, 3, "3"),
            (7, 0, "2021-10-26"),
            (7, 1, "10:00"),
            (7, 2, "10:30"),
            (7, 3, "-2"),
        ];
        let negative = read(&sent("予約枠報告様式３", &cells, None)).unwrap();
        let error = negative.read_rows().unwrap_err();
        assert_eq!(error.code(), Code::SlotReportInvalid);
        assert!(
            error
                .message_ja()
                .contains("セルD8: 公開枠の枠数「-2」を読み取れません"),
            "{}",
            error.message_ja()
        );
    }

    #[test]
    fn a_date_outside_the_windows_is_named_by_its_cell() {
        let period = yoyaku_core::period::Period::new(yoyaku_core::period::PeriodSpec {
            number: 8,
            first_dose: yoyaku_core::period::DateRange {
                first: NaiveDate::from_ymd_opt(2021, 10, 25).unwrap(),
                last: NaiveDate::from_ymd_opt(2021, 11, 9).unwrap(),
            },
            second_dose: yoyaku_core::period::DateRange {
                first: NaiveDate::from_ymd_opt(2021, 11, 15).unwrap(),
                last: NaiveDate::from_ymd_opt(2021, 11, 30).unwrap(),
            },
            submission_deadline: NaiveDate::from_ymd_opt(2021, 10, 8).unwrap(),
            correction_deadline: NaiveDate::from_ymd_opt(2021, 10, 13).unwrap(),
            reception_opens: NaiveDate::from_ymd_opt(2021, 10, 16).unwrap(),
        })
        .unwrap();
        let file = write(
            &header(),
            ReportForm::PublicOnly,
            &[row(25, 9, 3, 0), row(12, 9, 3, 0)],
        )
        .unwrap();
        let sheet = read(&file).unwrap();
        let report = yoyaku_core::slot_report::SlotReport {
            form: sheet.form,
            venue_number: sheet.venue_number,
            rows: sheet.read_rows().unwrap(),
        };
        let errors = yoyaku_core::slot_report::validate(
            &report,
            &period,
            60,
            yoyaku_core::slot_report::Deadline::City,
        )
        .unwrap_err();
        let said = slot_problems(errors).message_ja();
        assert!(
            said.starts_with("セルA8: １回目・２回目接種期間の外の日付です"),
            "{said}"
        );
    }
}
