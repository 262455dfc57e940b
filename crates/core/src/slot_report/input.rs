//! A report's rows as a person types them (or a spreadsheet holds them): text, read into
//! [`ReportRow`]s. Full-width digits and separators are read as their ASCII forms; anything that is
//! not a date, a time or a whole number of seats (0 or more) is refused with its row and column
//! named, every one at once.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::ReportRow;
use crate::code::Code;
use crate::error::Coded;

/// One row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RowInput {
    pub date: String,
    pub start: String,
    pub end: String,
    pub public_seats: String,
    pub private_seats: String,
}

/// A column of the report form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Date,
    Start,
    End,
    PublicSeats,
    PrivateSeats,
}

impl Column {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Date => "接種日",
            Self::Start => "開始時刻",
            Self::End => "終了時刻",
            Self::PublicSeats => "公開枠の枠数",
            Self::PrivateSeats => "非公開枠の枠数",
        }
    }

    fn label_en(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Start => "start time",
            Self::End => "end time",
            Self::PublicSeats => "public seats",
            Self::PrivateSeats => "private seats",
        }
    }

    fn expects_ja(self) -> &'static str {
        match self {
            Self::Date => "2021-10-25 のように入力してください",
            Self::Start | Self::End => "9:00 のように入力してください",
            Self::PublicSeats | Self::PrivateSeats => "0以上の整数で入力してください",
        }
    }
}

/// A cell that could not be read; `row` is numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellError {
    pub row: usize,
    pub column: Column,
    pub value: String,
}

/// Every cell of the rows that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", self.summary_en())]
pub struct InputErrors(pub Vec<CellError>);

impl InputErrors {
    fn summary_en(&self) -> String {
        self.0
            .iter()
            .map(|e| {
                format!(
                    "row {}: the {} {:?} cannot be read",
                    e.row,
                    e.column.label_en(),
                    e.value
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Coded for InputErrors {
    fn code(&self) -> Code {
        Code::SlotReportInvalid
    }
    fn message_ja(&self) -> String {
        self.0
            .iter()
            .map(|e| {
                let value = if e.value.is_empty() {
                    "（空欄）".to_owned()
                } else {
                    format!("「{}」", e.value)
                };
                format!(
                    "{}行目: {}{}を読み取れません。{}。",
                    e.row,
                    e.column.label_ja(),
                    value,
                    e.column.expects_ja()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn folded(text: &str) -> String {
    text.nfkc().collect::<String>().trim().to_owned()
}

fn date(text: &str) -> Option<NaiveDate> {
    let text = folded(text).replace(['/', '.'], "-");
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
}

fn time(text: &str) -> Option<NaiveTime> {
    let text = folded(text);
    let text = match (text.contains(':'), text.len()) {
        (false, 3 | 4) if text.chars().all(|c| c.is_ascii_digit()) => {
            format!("{}:{}", &text[..text.len() - 2], &text[text.len() - 2..])
        }
        _ => text,
    };
    NaiveTime::parse_from_str(&text, "%H:%M").ok()
}

/// Seats: a whole number, 0 or more; blank is 0 (a form that has no such column).
fn seats(text: &str) -> Option<u32> {
    let text = folded(text);
    if text.is_empty() {
        return Some(0);
    }
    text.parse().ok()
}

/// Reads `rows`, or names every cell that cannot be read.
pub fn read_rows(rows: &[RowInput]) -> Result<Vec<ReportRow>, InputErrors> {
    let mut errors = Vec::new();
    let mut read = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let mut cell = |column, value: &String, ok: bool| {
            if !ok {
                errors.push(CellError {
                    row: i + 1,
                    column,
                    value: value.trim().to_owned(),
                });
            }
        };
        let (d, s, e) = (date(&row.date), time(&row.start), time(&row.end));
        let (public, private) = (seats(&row.public_seats), seats(&row.private_seats));
        cell(Column::Date, &row.date, d.is_some());
        cell(Column::Start, &row.start, s.is_some());
        cell(Column::End, &row.end, e.is_some());
        cell(Column::PublicSeats, &row.public_seats, public.is_some());
        cell(Column::PrivateSeats, &row.private_seats, private.is_some());
        if let (Some(date), Some(start), Some(end), Some(public_seats), Some(private_seats)) =
            (d, s, e, public, private)
        {
            read.push(ReportRow {
                date,
                start,
                end,
                public_seats,
                private_seats,
            });
        }
    }
    if errors.is_empty() {
        Ok(read)
    } else {
        Err(InputErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(date: &str, start: &str, end: &str, public: &str, private: &str) -> RowInput {
        RowInput {
            date: date.into(),
            start: start.into(),
            end: end.into(),
            public_seats: public.into(),
            private_seats: private.into(),
        }
    }

    #[test]
    fn full_width_and_slashed_input_reads_as_typed_in_ascii() {
        let rows = read_rows(&[
            input("２０２１／１０／２５", "９：００", "0930", "３", ""),
            input("2021-10-26", "14:00", "14:30", "0", "2"),
        ])
        .unwrap();
        assert_eq!(rows[0].date, NaiveDate::from_ymd_opt(2021, 10, 25).unwrap());
        assert_eq!(rows[0].start, NaiveTime::from_hms_opt(9, 0, 0).unwrap());
        assert_eq!(rows[0].end, NaiveTime::from_hms_opt(9, 30, 0).unwrap());
        assert_eq!((rows[0].public_seats, rows[0].private_seats), (3, 0));
        assert_eq!(rows[1].private_seats, 2);
    }

    #[test]
    fn every_unreadable_cell_is_named_by_row_and_column() {
        let errors = read_rows(&[
            input("2021-10-25", "9:00", "9:30", "3", "0"),
            input("10月25日", "25:00", "9:30", "-1", "abc"),
        ])
        .unwrap_err();
        let cells: Vec<_> = errors.0.iter().map(|e| (e.row, e.column)).collect();
        assert_eq!(
            cells,
            [
                (2, Column::Date),
                (2, Column::Start),
                (2, Column::PublicSeats),
                (2, Column::PrivateSeats),
            ]
        );
        let ja = errors.message_ja();
        assert!(
            ja.contains("2行目: 公開枠の枠数「-1」を読み取れません"),
            "{ja}"
        );
        assert_eq!(errors.code(), Code::SlotReportInvalid);
    }
}
