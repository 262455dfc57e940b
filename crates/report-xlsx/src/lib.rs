//! 予約枠報告様式 as the Excel file the city hands out and clinics e-mail back: read with calamine
//! (the clinic app fills its form from it; the city's console imports it) and written with
//! rust_xlsxwriter (the clinic app saves its form as one).
//!
//! The file's layout ([`write`] makes it, [`read`] expects it):
//! - one sheet named for its form: 予約枠報告様式１ (公開枠のみ), ２ (非公開枠のみ) or ３ (both);
//!   half-width digits are read the same;
//! - A1 the form's title; A2 `接種期` with the period number in B2; A3 `会場番号` with the venue
//!   number in B3; A4 `医療機関名` with the clinic's name in B4;
//! - row 6 the table's header: 接種日, 開始時刻, 終了時刻, then 公開枠 and/or 非公開枠 as the form has
//!   them; from row 7 one slot time per row, until the first empty row.
//!
//! Dates and times may be Excel dates and times or text (`2021/10/25`, `9:00`). A file that is
//! not this shape is refused with the sheet or the cell named, and a cell that cannot be read is
//! named by its address (`D9`), every one at once.

mod cells;
mod read;
mod write;

pub use cells::{cell_name, column_of};
pub use read::{SheetError, SheetReport, SlotProblems, read, rows_refused, slot_problems};
pub use write::{SheetHeader, write};

/// The header row of the table (1-based, as Excel numbers it); the rows follow it.
pub const HEADER_ROW: u32 = 6;

/// The sheet of a form, as the city names it.
pub fn sheet_name(form: yoyaku_core::slot_report::ReportForm) -> String {
    format!("予約枠報告様式{}", full_width(form.number()))
}

fn full_width(n: u8) -> char {
    char::from_u32(u32::from('０') + u32::from(n)).unwrap_or('？')
}
