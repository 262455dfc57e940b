//! Where each column of a form's table is, and a cell's name as Excel shows it (`D9`).

use yoyaku_core::slot_report::ReportForm;
use yoyaku_core::slot_report::input::Column;

use crate::HEADER_ROW;

/// The table's columns of `form`, left to right from column A.
pub(crate) fn columns(form: ReportForm) -> &'static [Column] {
    match form {
        ReportForm::PublicOnly => &[
            Column::Date,
            Column::Start,
            Column::End,
            Column::PublicSeats,
        ],
        ReportForm::PrivateOnly => &[
            Column::Date,
            Column::Start,
            Column::End,
            Column::PrivateSeats,
        ],
        ReportForm::Both => &[
            Column::Date,
            Column::Start,
            Column::End,
            Column::PublicSeats,
            Column::PrivateSeats,
        ],
    }
}

/// The table's heading of `column`, as the form prints it.
pub(crate) fn heading(column: Column) -> &'static str {
    match column {
        Column::Date => "接種日",
        Column::Start => "開始時刻",
        Column::End => "終了時刻",
        Column::PublicSeats => "公開枠",
        Column::PrivateSeats => "非公開枠",
    }
}

/// The 0-based index of `column` in `form`'s table; a column the form lacks falls on the last.
pub fn column_of(form: ReportForm, column: Column) -> u16 {
    let all = columns(form);
    let index = all
        .iter()
        .position(|c| *c == column)
        .unwrap_or(all.len() - 1);
    u16::try_from(index).unwrap_or(u16::MAX)
}

/// The name of the cell of data row `row` (1-based) in `column`.
pub fn cell_name(form: ReportForm, row: usize, column: Column) -> String {
    let excel_row = u64::from(HEADER_ROW) + row as u64;
    format!("{}{excel_row}", letter(column_of(form, column)))
}

/// The Excel address of a 0-based (row, column).
pub(crate) fn address(row: u32, column: u32) -> String {
    format!(
        "{}{}",
        letter(u16::try_from(column).unwrap_or(u16::MAX)),
        row + 1
    )
}

fn letter(column: u16) -> String {
    let mut n = u32::from(column) + 1;
    let mut name = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        name.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    name.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(cell_name(ReportForm::Both, 3, Column::PrivateSeats), "E9");
        assert_eq!(
            cell_name(ReportForm::PrivateOnly, 1, Column::PrivateSeats),
            "D7"
        );
        assert_eq!(address(0, 27), "AB1");
    }
}
