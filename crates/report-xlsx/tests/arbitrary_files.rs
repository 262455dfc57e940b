//! Whatever file a clinic picks or e-mails as its 予約枠報告様式 — not a spreadsheet at all, the
//! city's form with bytes spoiled, or cut short — is read without a panic: the form, or a coded
//! refusal with words in Japanese and English.

use chrono::{NaiveDate, NaiveTime};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use yoyaku_core::slot_report::{ReportForm, ReportRow};
use yoyaku_core::{Code, Coded};
use yoyaku_report_xlsx::{SheetHeader, read, write};

/// The city's form 様式３ filled in with two rows, as the app writes it.
fn filled_form() -> Vec<u8> {
    let row = |hour| ReportRow {
        date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
        start: NaiveTime::from_hms_opt(hour, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(hour, 30, 0).unwrap(),
        public_seats: 3,
        private_seats: 2,
    };
    let header = SheetHeader {
        period_number: 10,
        venue_number: 101,
        clinic_name: "さくら内科クリニック",
    };
    write(&header, ReportForm::Both, &[row(9), row(14)]).unwrap()
}

fn read_or_refused_well(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Err(error) = read(bytes) {
        prop_assert!(Code::ALL.contains(&error.code()));
        prop_assert!(!error.message_ja().trim().is_empty(), "{error}");
        prop_assert!(!error.message_en().trim().is_empty(), "{error}");
    }
    Ok(())
}

#[test]
fn the_form_as_written_reads_back() {
    let sheet = read(&filled_form()).expect("the city's own form");
    assert_eq!((sheet.form, sheet.venue_number), (ReportForm::Both, 101));
    assert_eq!(sheet.rows.len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_at_all(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        read_or_refused_well(&bytes)?;
    }

    #[test]
    fn the_form_with_bytes_spoiled(spoiled in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let mut bytes = filled_form();
        for (at, byte) in spoiled {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        read_or_refused_well(&bytes)?;
    }

    #[test]
    fn the_form_cut_short(keep in any::<prop::sample::Index>()) {
        let bytes = filled_form();
        read_or_refused_well(&bytes[..keep.index(bytes.len())])?;
    }
}
