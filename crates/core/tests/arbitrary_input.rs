//! Anything at all into the parsers of what receptionists, residents and operators type: never a
//! panic, every refusal a coded one with words in Japanese and English, and whatever is accepted
//! is kept in a form that parses again to the same value.

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use yoyaku_core::account::AccountId;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::booking::LotNumber;
use yoyaku_core::contact::{Email, Phone};
use yoyaku_core::kana::KanaName;
use yoyaku_core::municipality::MunicipalityCode;
use yoyaku_core::resident::Memo;
use yoyaku_core::ticket::{TicketInput, TicketNumber, TicketOcrLine};
use yoyaku_core::{Code, Coded};

/// Pieces that trip Japanese input up: full- and half-width digits and kana, voiced marks on
/// their own, era names and their letters, every kind of dash and space, invisible and
/// right-to-left marks, a byte-order mark, markup, emoji.
const UGLY: &[&str] = &[
    "0",
    "1",
    "9",
    "０",
    "９",
    "-",
    "ー",
    "－",
    "‐",
    "―",
    "ｰ",
    "〜",
    "～",
    " ",
    "　",
    "\t",
    "\n",
    "\r\n",
    "\0",
    "ｱ",
    "ｶﾞ",
    "ﾞ",
    "ﾟ",
    "\u{3099}",
    "\u{309a}",
    "あ",
    "ア",
    "ヴ",
    "ヵ",
    "・",
    "漢",
    "昭和",
    "平成",
    "令和",
    "大正",
    "明治",
    "S",
    "H",
    "R",
    "元",
    "年",
    "月",
    "日",
    "/",
    ".",
    "@",
    "+",
    "(",
    ")",
    "\u{200b}",
    "\u{202e}",
    "\u{feff}",
    "😀",
    "A",
    "z",
    "%",
    "\"",
    "'",
    "<script>",
    "9000000062",
    "431001",
    "1945",
    "12",
    "31",
    "2",
    "29",
    "e",
    "1e9",
];

/// Any text, text made of [`UGLY`] pieces, and arbitrary bytes read as text the lossy way (what a
/// pasted or scanned value can become).
fn anything() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(UGLY), 0..24).prop_map(|pieces| pieces.concat()),
        prop::collection::vec(any::<u8>(), 0..48)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
}

/// A refusal the screens can show: a code of the catalogue and words in both languages.
fn refused_well(error: &dyn Coded) -> Result<(), TestCaseError> {
    prop_assert!(Code::ALL.contains(&error.code()), "{:?}", error.code());
    prop_assert!(!error.message_ja().trim().is_empty(), "{error}");
    prop_assert!(!error.message_en().trim().is_empty(), "{error}");
    Ok(())
}

/// Accepted, the kept form parses again to the same value; refused, the refusal is coded.
fn parses_again<T, E>(
    parsed: Result<T, E>,
    again: impl Fn(&str) -> Result<T, E>,
) -> Result<(), TestCaseError>
where
    T: std::fmt::Display + PartialEq + std::fmt::Debug,
    E: Coded + std::fmt::Debug,
{
    match parsed {
        Ok(value) => {
            let kept = value.to_string();
            prop_assert_eq!(
                again(&kept).map_err(|e| e.to_string()),
                Ok(value),
                "kept as {:?}",
                kept
            );
            Ok(())
        }
        Err(error) => refused_well(&error),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ticket_numbers(input in anything()) {
        parses_again(TicketNumber::parse(&input), TicketNumber::parse)?;
    }

    #[test]
    fn ocr_lines(input in anything()) {
        parses_again(TicketOcrLine::parse(&input), TicketOcrLine::parse)?;
    }

    #[test]
    fn tickets_of_either_shape(input in anything()) {
        if let Err(error) = TicketInput::parse(&input) {
            refused_well(&error)?;
        }
    }

    #[test]
    fn municipality_codes(input in anything()) {
        parses_again(MunicipalityCode::parse(&input), MunicipalityCode::parse)?;
    }

    #[test]
    fn birth_dates_in_any_era_or_notation(input in anything()) {
        parses_again(BirthDate::parse(&input, today()), |kept| BirthDate::parse(kept, today()))?;
    }

    #[test]
    fn kana_names(input in anything()) {
        parses_again(KanaName::parse(&input), KanaName::parse)?;
    }

    #[test]
    fn phone_numbers(input in anything()) {
        parses_again(Phone::parse(&input), Phone::parse)?;
    }

    #[test]
    fn email_addresses(input in anything()) {
        parses_again(Email::parse(&input), Email::parse)?;
    }

    #[test]
    fn lot_numbers(input in anything()) {
        parses_again(LotNumber::parse(&input), LotNumber::parse)?;
    }

    #[test]
    fn account_ids(input in anything()) {
        parses_again(AccountId::parse(&input), AccountId::parse)?;
    }

    #[test]
    fn memos(input in anything()) {
        parses_again(Memo::parse(&input), Memo::parse)?;
    }
}
