//! Properties of the parsers for what receptionists type: kana names, birth dates, tickets.

use chrono::{Datelike, Days, NaiveDate};
use proptest::prelude::*;
use yoyaku_core::Code;
use yoyaku_core::Coded;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::kana::{KanaName, KanaNameError, search_key};
use yoyaku_core::municipality::{MunicipalityCode, check_digit};
use yoyaku_core::ticket::{TicketInput, TicketNumber, TicketOcrLine};

/// A fixed "today": the parsers take it as an argument, and the tests must not depend on the clock.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 30).unwrap()
}

fn earliest() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()
}

/// Stored names: full-width katakana words, ・ and ー, joined by single full-width spaces.
fn is_stored_form(name: &str) -> bool {
    name.chars()
        .all(|c| matches!(c, 'ァ'..='ヺ' | '・' | 'ー' | '　'))
        && !name.starts_with('　')
        && !name.ends_with('　')
        && !name.contains("　　")
}

fn municipality(prefix: u32) -> MunicipalityCode {
    let digits: Vec<u8> = format!("{prefix:05}").bytes().map(|b| b - b'0').collect();
    let code = format!("{prefix:05}{}", check_digit(&digits));
    MunicipalityCode::parse(&code).unwrap()
}

fn full_width(ascii_digits: &str) -> String {
    ascii_digits
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect()
}

proptest! {
    /// Anything that parses is in stored form, and parsing it again changes nothing. What does
    /// not parse is refused for its reason: blank, too long, or a stray voiced mark (one that
    /// composes with nothing before it).
    #[test]
    fn kana_normalisation_is_idempotent_and_yields_katakana(
        chars in prop::collection::vec(
            prop_oneof![
                30 => "[ぁ-ゖァ-ヺｦ-ﾝーｰ・･]",
                5 => "[ 　]",
                1 => "[ﾞﾟ\u{3099}\u{309A}]",
            ],
            0..60,
        )
    ) {
        let input = chars.concat();
        match KanaName::parse(&input) {
            Ok(name) => {
                prop_assert!(is_stored_form(name.as_str()), "{:?} -> {:?}", input, name);
                prop_assert!(name.as_str().chars().count() <= 50);
                prop_assert_eq!(KanaName::parse(name.as_str()), Ok(name.clone()));
                prop_assert_eq!(search_key(name.as_str()).unwrap(), name.as_str().replace('　', ""));
            }
            Err(KanaNameError::Required) => {
                prop_assert!(input.chars().all(|c| c == ' ' || c == '　'), "{:?}", input);
            }
            Err(KanaNameError::TooLong(n)) => prop_assert!(n > 50, "{:?}: {}", input, n),
            Err(KanaNameError::NotKatakana(c)) => {
                prop_assert!(
                    matches!(c, 'ﾞ' | 'ﾟ' | '゛' | '゜' | '\u{3099}' | '\u{309A}'),
                    "{:?}: {:?}", input, c
                );
            }
            Err(KanaNameError::Latin) => prop_assert!(false, "no Latin letter in {:?}", input),
        }
    }

    /// Romaji anywhere in otherwise good kana is refused, never converted.
    #[test]
    fn latin_letters_are_always_refused(
        before in "[ぁ-ゖァ-ヺｦ-ﾝ]{0,10}",
        latin in "[a-zA-Zａ-ｚＡ-Ｚ]{1,5}",
        after in "[ぁ-ゖァ-ヺｦ-ﾝ]{0,10}",
    ) {
        let input = format!("{before}{latin}{after}");
        prop_assert_eq!(KanaName::parse(&input), Err(KanaNameError::Latin));
        prop_assert_eq!(search_key(&input), Err(KanaNameError::Latin));
    }

    /// Kana of any width or script, spaced any way, always parses.
    #[test]
    fn plain_kana_always_parses(
        words in prop::collection::vec("[ぁ-ゖァ-ヺｦ-ﾝー・]{1,8}", 1..5),
        space in "[ 　]{1,3}",
    ) {
        let input = words.join(&space);
        let name = KanaName::parse(&input);
        prop_assert!(name.is_ok(), "{:?}: {:?}", input, name);
        prop_assert!(is_stored_form(name.unwrap().as_str()));
    }

    /// Every date a living resident can be born on prints in 和暦 and reads back the same, both
    /// from the confirmation screen's form and from the short era forms receptionists type.
    #[test]
    fn birth_dates_round_trip_through_japanese_eras(
        offset in 0..=(today() - earliest()).num_days() as u64
    ) {
        let date = earliest() + Days::new(offset);
        let birth = BirthDate::from_date(date, today()).unwrap();
        let era = birth.japanese_year().expect("every date since 1900 has a modern era");
        let (m, d) = (date.month(), date.day());
        for typed in [
            birth.display_ja(),
            birth.to_string(),
            format!("{}{}.{}.{}", era.era().letter(), era.year(), m, d),
            format!("{}{}/{m:02}/{d:02}", era.era().letter().to_ascii_lowercase(), era.year()),
            format!("{era}{m}月{d}日"),
        ] {
            prop_assert_eq!(BirthDate::parse(&typed, today()), Ok(birth), "{}", typed);
        }
    }

    /// Any ticket of any municipality survives being printed as an OCR line and read back.
    #[test]
    fn ocr_lines_round_trip(
        kind in 0u8..=9,
        count in 0u8..=9,
        prefix in 0u32..100_000,
        number in "[0-9]{10}",
    ) {
        let ticket = TicketNumber::parse(&number).unwrap();
        prop_assert_eq!(TicketNumber::parse(&full_width(&number)), Ok(ticket));
        let line = TicketOcrLine::new(kind, count, municipality(prefix), ticket).unwrap();
        let printed = line.to_string();
        prop_assert_eq!(printed.len(), 18);
        prop_assert_eq!(TicketOcrLine::parse(&printed), Ok(line));
        prop_assert_eq!(TicketInput::parse(&full_width(&printed)), Ok(TicketInput::Ocr(line)));
    }

    /// Changing the municipality's check digit inside an OCR line is always caught.
    #[test]
    fn a_wrong_check_digit_in_an_ocr_line_is_always_refused(
        prefix in 0u32..100_000,
        shift in 1u8..=9,
        number in "[0-9]{10}",
    ) {
        let code = municipality(prefix).to_string();
        let check = code.as_bytes()[5] - b'0';
        let wrong = format!("11{prefix:05}{}{number}", (check + shift) % 10);
        let err = TicketInput::parse(&wrong).unwrap_err();
        prop_assert_eq!(err.code(), Code::MunicipalityCodeCheckDigit);
    }
}

/// Exhaustively: every valid municipality code carries a ticket through an OCR line.
#[test]
fn every_valid_municipality_code_round_trips_in_an_ocr_line() {
    let ticket = TicketNumber::parse("9000000062").unwrap();
    for prefix in 0..100_000 {
        let line = TicketOcrLine::new(1, 1, municipality(prefix), ticket).unwrap();
        let back = TicketOcrLine::parse(&line.to_string()).unwrap();
        assert_eq!(back, line);
        assert_eq!(back.number(), ticket);
    }
}
