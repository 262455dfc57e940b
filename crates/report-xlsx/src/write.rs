//! A 予約枠報告様式 filled in (or blank, to hand out), as the Excel file [`crate::read`] reads.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use yoyaku_core::slot_report::input::Column;
use yoyaku_core::slot_report::{ReportForm, ReportRow};

use crate::cells::{columns, heading};
use crate::{HEADER_ROW, sheet_name};

/// What the sheet says above its table.
pub struct SheetHeader<'a> {
    pub period_number: u32,
    pub venue_number: u32,
    pub clinic_name: &'a str,
}

/// The form with `rows` (none: a blank form) as an .xlsx file's bytes.
pub fn write(
    header: &SheetHeader,
    form: ReportForm,
    rows: &[ReportRow],
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name(sheet_name(form))?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let time = Format::new().set_num_format("hh:mm");
    sheet.write_string_with_format(0, 0, form.label_ja(), &bold)?;
    sheet.write_string(1, 0, "接種期")?;
    sheet.write_number(1, 1, header.period_number)?;
    sheet.write_string(2, 0, "会場番号")?;
    sheet.write_number(2, 1, header.venue_number)?;
    sheet.write_string(3, 0, "医療機関名")?;
    sheet.write_string(3, 1, header.clinic_name)?;
    let header_row = HEADER_ROW - 1;
    for (i, column) in (0u16..).zip(columns(form)) {
        sheet.write_string_with_format(header_row, i, heading(*column), &bold)?;
        sheet.set_column_width(i, 14)?;
    }
    for (r, row) in (header_row + 1..).zip(rows) {
        for (c, column) in (0u16..).zip(columns(form)) {
            match column {
                Column::Date => {
                    let day =
                        ExcelDateTime::parse_from_str(&row.date.format("%Y-%m-%d").to_string())?;
                    sheet.write_datetime_with_format(r, c, &day, &date)?;
                }
                Column::Start | Column::End => {
                    let at = if *column == Column::Start {
                        row.start
                    } else {
                        row.end
                    };
                    let at = ExcelDateTime::parse_from_str(&at.format("%H:%M:%S").to_string())?;
                    sheet.write_datetime_with_format(r, c, &at, &time)?;
                }
                Column::PublicSeats => {
                    sheet.write_number(r, c, row.public_seats)?;
                }
                Column::PrivateSeats => {
                    sheet.write_number(r, c, row.private_seats)?;
                }
            }
        }
    }
    workbook.save_to_buffer()
}
