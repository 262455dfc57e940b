//! 生年月日: parsed from what a receptionist hears and types, in 西暦 or 和暦.
//!
//! Era arithmetic comes from `icu_calendar`'s Japanese calendar. What icu_calendar 2.4 does at era
//! boundaries (read in `cal/japanese.rs`, `calendar_arithmetic.rs`): `try_new_japanese_with_calendar`
//! only range-checks month and day, and turns (era, year) into a Gregorian year as
//! `year - 1 + era_start_year` without asking whether the date lies inside that era. So
//! 昭和64年1月8日 silently becomes 1989-01-08 (平成元年), 平成31年5月1日 becomes 令和元年5月1日, and
//! 昭和元年12月24日 becomes 大正15年. We therefore read the era back from the constructed date and
//! refuse the input when it differs from the era typed. (icu also reports 明治1–5年 as CE, since
//! the Gregorian calendar started in 明治6年; those years are before 1900 and refused as too old
//! before the era check runs.)

use crate::code::Code;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use icu_calendar::cal::Japanese;
use icu_calendar::{Date, Iso};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use crate::error::Coded;

/// Earlier birth dates are typing mistakes, not residents.
const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BirthDate(NaiveDate);

/// The modern eras a living resident can be born in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

/// A year counted in an era, e.g. 昭和20年; year 1 displays as 元年.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JapaneseYear {
    era: Era,
    year: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BirthDateError {
    #[error("please enter the date of birth")]
    Required,
    #[error("enter the date of birth like 1945/03/03, S20.3.3 or 昭和20年3月3日")]
    Format,
    #[error("no such date; please check the month and day")]
    Impossible,
    #[error("{given} is not within {era:?}; did you mean {actual}?")]
    OutsideEra {
        given: String,
        era: Era,
        actual: String,
    },
    #[error("the Western and Japanese years disagree; the date's year is {actual}")]
    EraMismatch { actual: String },
    #[error("the date of birth is after today; please check the year")]
    Future,
    #[error("dates of birth before 1900 are not accepted; please check the year and era")]
    TooOld,
}

impl Coded for BirthDateError {
    fn code(&self) -> Code {
        match self {
            Self::Required => Code::BirthDateRequired,
            Self::Format => Code::BirthDateFormat,
            Self::Impossible => Code::BirthDateImpossible,
            Self::OutsideEra { .. } => Code::BirthDateOutsideEra,
            Self::EraMismatch { .. } => Code::BirthDateEraMismatch,
            Self::Future => Code::BirthDateFuture,
            Self::TooOld => Code::BirthDateTooOld,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::Required => "生年月日を入力してください。".into(),
            Self::Format => {
                "生年月日は「1945/03/03」「S20.3.3」「昭和20年3月3日」のように入力してください。"
                    .into()
            }
            Self::Impossible => "存在しない日付です。月日をご確認ください。".into(),
            Self::OutsideEra { given, era, actual } => format!(
                "{given}は{}の期間外の日付です。{actual}のことでしたら、元号をご確認のうえ入力し直してください。",
                era.name_ja()
            ),
            Self::EraMismatch { actual } => {
                format!(
                    "西暦と和暦の年が一致しません(この日付は{actual}です)。年をご確認ください。"
                )
            }
            Self::Future => "生年月日が今日より後の日付になっています。年をご確認ください。".into(),
            Self::TooOld => {
                "1900年より前の生年月日は登録できません。年と元号をご確認ください。".into()
            }
        }
    }
}

impl Era {
    pub const ALL: [Self; 5] = [
        Self::Meiji,
        Self::Taisho,
        Self::Showa,
        Self::Heisei,
        Self::Reiwa,
    ];

    /// 明治, 大正, 昭和, 平成, 令和.
    pub fn name_ja(self) -> &'static str {
        match self {
            Self::Meiji => "明治",
            Self::Taisho => "大正",
            Self::Showa => "昭和",
            Self::Heisei => "平成",
            Self::Reiwa => "令和",
        }
    }

    /// The initial receptionists write: M, T, S, H, R.
    pub fn letter(self) -> char {
        match self {
            Self::Meiji => 'M',
            Self::Taisho => 'T',
            Self::Showa => 'S',
            Self::Heisei => 'H',
            Self::Reiwa => 'R',
        }
    }

    /// The CLDR era code icu_calendar uses.
    fn icu_code(self) -> &'static str {
        match self {
            Self::Meiji => "meiji",
            Self::Taisho => "taisho",
            Self::Showa => "showa",
            Self::Heisei => "heisei",
            Self::Reiwa => "reiwa",
        }
    }

    fn from_icu_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.icu_code() == code)
    }

    /// Splits a leading era (昭和, 昭, S or s, …) off NFKC-folded, lower-cased input.
    fn strip_prefix(input: &str) -> Option<(Self, &str)> {
        Self::ALL.into_iter().find_map(|era| {
            let name = era.name_ja();
            let first = name.chars().next().expect("era names are not empty");
            let letter = era.letter().to_ascii_lowercase();
            input
                .strip_prefix(name)
                .or_else(|| input.strip_prefix(first))
                .or_else(|| input.strip_prefix(letter))
                .map(|rest| (era, rest))
        })
    }
}

impl JapaneseYear {
    pub fn era(&self) -> Era {
        self.era
    }

    pub fn year(&self) -> i32 {
        self.year
    }
}

impl fmt::Display for JapaneseYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year {
            1 => write!(f, "{}元年", self.era.name_ja()),
            y => write!(f, "{}{y}年", self.era.name_ja()),
        }
    }
}

impl BirthDate {
    /// Parses 1945/03/03, 1945-03-03, 1945.3.3, 19450303, 1945年3月3日, and 和暦 such as S20.3.3,
    /// 昭20.3.3 or 昭和20年3月3日 (元年 for year 1), after NFKC folding and ignoring spaces. The
    /// form [`display_ja`](Self::display_ja) prints, 1945/03/03 (昭和20年), parses too, provided
    /// the two years agree.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, BirthDateError> {
        let folded = fold(input)?;
        let (main, annotation) = match folded.strip_suffix(')').and_then(|s| s.split_once('(')) {
            Some((main, note)) => (main, Some(note)),
            None => (folded.as_str(), None),
        };
        let (date, typed_era) = read_date(main)?;
        // Too old first: icu has no era for 明治1–5年, so the era check would mislead there.
        check_not_too_old(date)?;
        check_era(date, typed_era)?;
        let actual = Self(date).japanese_year();
        let birth_date = Self::from_date(date, today)?;
        if let Some(note) = annotation {
            if actual != Some(read_japanese_year(note)?) {
                return Err(BirthDateError::EraMismatch {
                    actual: birth_date.era_year_ja(),
                });
            }
        }
        Ok(birth_date)
    }

    /// A date already known as a date (e.g. from the registry), checked against `today`.
    pub fn from_date(date: NaiveDate, today: NaiveDate) -> Result<Self, BirthDateError> {
        check_not_too_old(date)?;
        if date > today {
            return Err(BirthDateError::Future);
        }
        Ok(Self(date))
    }

    pub fn date(&self) -> NaiveDate {
        self.0
    }

    /// The era and year icu_calendar assigns this date. `None` only if icu's data knows an era
    /// newer than [`Era`] does.
    pub fn japanese_year(&self) -> Option<JapaneseYear> {
        let d = self.0;
        let iso = Date::<Iso>::try_new_iso(d.year(), d.month() as u8, d.day() as u8)
            .expect("a chrono date is a valid ISO date");
        let era_year = iso.to_calendar(Japanese::new()).era_year();
        Era::from_icu_code(era_year.era.as_str()).map(|era| JapaneseYear {
            era,
            year: era_year.year,
        })
    }

    /// 昭和20年, 平成元年 (西暦1945年 should icu ever know an era this code does not).
    pub fn era_year_ja(&self) -> String {
        self.japanese_year()
            .map_or_else(|| format!("西暦{}年", self.0.year()), |y| y.to_string())
    }

    /// 1945/03/03 (昭和20年), as the confirmation screen shows it.
    pub fn display_ja(&self) -> String {
        format!("{} ({})", self.0.format("%Y/%m/%d"), self.era_year_ja())
    }
}

/// Any calendar date typed in the spellings [`BirthDate::parse`] takes (西暦 or 和暦; a 和暦 date
/// must lie in its era), with no check of how far it lies from today: a 予約日 is ahead.
pub fn read_calendar_date(input: &str) -> Result<NaiveDate, BirthDateError> {
    let (date, typed_era) = read_date(&fold(input)?)?;
    check_not_too_old(date)?;
    check_era(date, typed_era)?;
    Ok(date)
}

/// NFKC-folded, lower-case, without spaces; empty is [`BirthDateError::Required`].
fn fold(input: &str) -> Result<String, BirthDateError> {
    let folded: String = input
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if folded.is_empty() {
        Err(BirthDateError::Required)
    } else {
        Ok(folded)
    }
}

/// A date typed in 和暦 must lie in the era and year typed (昭和64年2月1日 does not).
fn check_era(date: NaiveDate, typed_era: Option<JapaneseYear>) -> Result<(), BirthDateError> {
    let actual = BirthDate(date).japanese_year();
    match typed_era.filter(|t| actual != Some(*t)) {
        Some(typed) => {
            let month_day = format!("{}月{}日", date.month(), date.day());
            Err(BirthDateError::OutsideEra {
                given: format!("{typed}{month_day}"),
                era: typed.era,
                actual: format!("{}{month_day}", BirthDate(date).era_year_ja()),
            })
        }
        None => Ok(()),
    }
}

/// The date typed, with its era and year when typed in 和暦 (not yet checked against each other).
fn read_date(input: &str) -> Result<(NaiveDate, Option<JapaneseYear>), BirthDateError> {
    match Era::strip_prefix(input) {
        Some((era, rest)) => {
            let (year, month, day) = split_ymd(rest, era_year)?;
            let date = japanese_to_gregorian(era, year, month, day)?;
            Ok((date, Some(JapaneseYear { era, year })))
        }
        None => {
            let (year, month, day) =
                compact_ymd(input).map_or_else(|| split_ymd(input, western_year), Ok)?;
            let date = NaiveDate::from_ymd_opt(year, month.into(), day.into())
                .ok_or(BirthDateError::Impossible)?;
            Ok((date, None))
        }
    }
}

/// 昭和20年, 平成元年, S20: the year in [`BirthDate::display_ja`]'s parentheses.
fn read_japanese_year(input: &str) -> Result<JapaneseYear, BirthDateError> {
    let (era, rest) = Era::strip_prefix(input).ok_or(BirthDateError::Format)?;
    let year = era_year(rest.strip_suffix('年').unwrap_or(rest))?;
    Ok(JapaneseYear { era, year })
}

fn check_not_too_old(date: NaiveDate) -> Result<(), BirthDateError> {
    if date < EARLIEST {
        return Err(BirthDateError::TooOld);
    }
    Ok(())
}

/// The Gregorian date of an era date, if the month and day exist (the era is checked later).
fn japanese_to_gregorian(
    era: Era,
    year: i32,
    month: u8,
    day: u8,
) -> Result<NaiveDate, BirthDateError> {
    // Every error icu can give here is a range error on month or day: the era codes are ours and
    // a two-digit year is always in range.
    let japanese =
        Date::try_new_japanese_with_calendar(era.icu_code(), year, month, day, Japanese::new())
            .map_err(|_| BirthDateError::Impossible)?;
    let iso = japanese.to_calendar(Iso);
    Ok(NaiveDate::from_ymd_opt(
        iso.year().extended_year(),
        iso.month().ordinal.into(),
        iso.day_of_month().0.into(),
    )
    .expect("icu's ISO date is a valid date"))
}

/// 19450303.
fn compact_ymd(input: &str) -> Option<(i32, u8, u8)> {
    if input.len() != 8 || !input.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| input[range].parse().ok();
    Some((num(0..4)?, num(4..6)? as u8, num(6..8)? as u8))
}

/// Year, month and day separated by 年/月(/日), `/`, `-`, `.` or a long-vowel mark typed as a
/// hyphen; the year part is read by `year`.
fn split_ymd(
    input: &str,
    year: fn(&str) -> Result<i32, BirthDateError>,
) -> Result<(i32, u8, u8), BirthDateError> {
    let body = input.strip_suffix('日').unwrap_or(input);
    let parts: Vec<&str> = body
        .split(['年', '月', '/', '-', '.', 'ー', '−', '‐'])
        .collect();
    let [y, m, d] = parts[..] else {
        return Err(BirthDateError::Format);
    };
    Ok((year(y)?, small_number(m)?, small_number(d)?))
}

fn western_year(s: &str) -> Result<i32, BirthDateError> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BirthDateError::Format);
    }
    s.parse().map_err(|_| BirthDateError::Format)
}

fn era_year(s: &str) -> Result<i32, BirthDateError> {
    if s == "元" {
        return Ok(1);
    }
    small_number(s).map(i32::from)
}

/// One or two ASCII digits.
fn small_number(s: &str) -> Result<u8, BirthDateError> {
    if !(1..=2).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BirthDateError::Format);
    }
    s.parse().map_err(|_| BirthDateError::Format)
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl Serialize for BirthDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Strict ISO `YYYY-MM-DD`, not before 1900. Deserialising has no "today", so a future date is
/// only refused where [`BirthDate::parse`] or [`BirthDate::from_date`] runs.
impl<'de> Deserialize<'de> for BirthDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let date = NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .ok()
            .filter(|_| s.len() == 10)
            .ok_or_else(|| serde::de::Error::custom("expected a date as YYYY-MM-DD"))?;
        check_not_too_old(date).map_err(serde::de::Error::custom)?;
        Ok(Self(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_calendar_date_ahead_reads_in_every_spelling_and_its_era_is_checked() {
        for typed in [
            "2026/12/7",
            "R8.12.7",
            "令和8年12月7日",
            "２０２６－１２－０７",
            "20261207",
        ] {
            assert_eq!(read_calendar_date(typed), Ok(ymd(2026, 12, 7)), "{typed}");
        }
        assert!(matches!(
            read_calendar_date("昭和64年2月1日"),
            Err(BirthDateError::OutsideEra { .. })
        ));
        assert_eq!(read_calendar_date(" "), Err(BirthDateError::Required));
        assert!(read_calendar_date("2/30").is_err());
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 5, 15).unwrap()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn parse(input: &str) -> Result<NaiveDate, BirthDateError> {
        BirthDate::parse(input, today()).map(|b| b.date())
    }

    fn code(input: &str) -> Code {
        parse(input).unwrap_err().code()
    }

    #[test]
    fn the_manuals_dates_in_every_western_spelling() {
        for input in [
            "1945/03/03",
            "1945-03-03",
            "1945.3.3",
            "19450303",
            "1945年3月3日",
            "1945 / 3 / 3",
            "１９４５／０３／０３",
            "1945ー03ー03",
        ] {
            assert_eq!(parse(input), Ok(ymd(1945, 3, 3)), "{input}");
        }
        assert_eq!(parse("1945-01-01"), Ok(ymd(1945, 1, 1)));
    }

    #[test]
    fn japanese_era_spellings() {
        for input in [
            "S20.3.3",
            "S20/3/3",
            "s20.3.3",
            "S20-03-03",
            "昭和20年3月3日",
            "昭20.3.3",
            "昭和 20年 3月 3日",
            "Ｓ２０．３．３",
            "㍼20年3月3日",
        ] {
            assert_eq!(parse(input), Ok(ymd(1945, 3, 3)), "{input}");
        }
        assert_eq!(parse("M33.1.1"), Ok(ymd(1900, 1, 1)));
        assert_eq!(parse("T2.4.1"), Ok(ymd(1913, 4, 1)));
        assert_eq!(parse("H2.4.1"), Ok(ymd(1990, 4, 1)));
        assert_eq!(parse("R2.4.1"), Ok(ymd(2020, 4, 1)));
        assert_eq!(parse("令和2年4月1日"), Ok(ymd(2020, 4, 1)));
    }

    #[test]
    fn gannen_is_year_one() {
        assert_eq!(parse("平成元年1月8日"), Ok(ymd(1989, 1, 8)));
        assert_eq!(parse("令和元年5月1日"), Ok(ymd(2019, 5, 1)));
        assert_eq!(parse("R1.5.1"), Ok(ymd(2019, 5, 1)));
    }

    #[test]
    fn era_boundaries_are_exact() {
        assert_eq!(parse("昭和64年1月7日"), Ok(ymd(1989, 1, 7)));
        assert_eq!(parse("平成元年1月8日"), Ok(ymd(1989, 1, 8)));
        assert_eq!(parse("平成31年4月30日"), Ok(ymd(2019, 4, 30)));
        assert_eq!(parse("令和元年5月1日"), Ok(ymd(2019, 5, 1)));
        assert_eq!(parse("大正15年12月24日"), Ok(ymd(1926, 12, 24)));
        assert_eq!(parse("昭和元年12月25日"), Ok(ymd(1926, 12, 25)));
        assert_eq!(parse("明治45年7月29日"), Ok(ymd(1912, 7, 29)));
        assert_eq!(parse("大正元年7月30日"), Ok(ymd(1912, 7, 30)));
    }

    #[test]
    fn dates_outside_the_typed_era_are_refused_with_the_right_era_suggested() {
        for (input, actual) in [
            ("昭和64年1月8日", "平成元年1月8日"),
            ("平成31年5月1日", "令和元年5月1日"),
            ("平成元年1月7日", "昭和64年1月7日"),
            ("令和元年4月30日", "平成31年4月30日"),
            ("昭和元年12月24日", "大正15年12月24日"),
            ("H40.1.1", "令和10年1月1日"),
        ] {
            let today = ymd(2030, 1, 1);
            match BirthDate::parse(input, today) {
                Err(BirthDateError::OutsideEra { actual: a, .. }) => assert_eq!(a, actual),
                other => panic!("{input}: {other:?}"),
            }
        }
        let err = parse("昭和64年1月8日").unwrap_err();
        assert_eq!(err.code(), Code::BirthDateOutsideEra);
        assert!(err.message_ja().contains("昭和64年1月8日は昭和の期間外"));
        assert!(err.message_ja().contains("平成元年1月8日"));
    }

    #[test]
    fn impossible_dates_are_refused() {
        for input in [
            "1945/02/30",
            "S20.2.30",
            "2001/02/29",
            "1945/13/01",
            "1945/00/10",
        ] {
            assert_eq!(code(input), Code::BirthDateImpossible, "{input}");
        }
        assert_eq!(parse("2000/02/29"), Ok(ymd(2000, 2, 29)));
    }

    #[test]
    fn future_dates_are_refused_but_today_is_accepted() {
        assert_eq!(code("2021/05/16"), Code::BirthDateFuture);
        assert_eq!(code("R3.5.16"), Code::BirthDateFuture);
        assert_eq!(parse("2021/05/15"), Ok(today()));
    }

    #[test]
    fn dates_before_1900_are_refused() {
        assert_eq!(code("1899/12/31"), Code::BirthDateTooOld);
        assert_eq!(code("M32.12.31"), Code::BirthDateTooOld);
        // 明治5年 is before the Gregorian calendar; icu calls it CE, we call it too old.
        assert_eq!(code("M5.1.1"), Code::BirthDateTooOld);
        assert_eq!(parse("1900/01/01"), Ok(ymd(1900, 1, 1)));
    }

    #[test]
    fn malformed_input_has_its_own_codes() {
        assert_eq!(code(""), Code::BirthDateRequired);
        assert_eq!(code("  "), Code::BirthDateRequired);
        for input in [
            "45/3/3",
            "1945/3",
            "1945/3/3/3",
            "X20.3.3",
            "昭和二十年三月三日",
            "S123.3.3",
            "1945年3月3日生",
            "194533",
        ] {
            assert_eq!(code(input), Code::BirthDateFormat, "{input}");
        }
    }

    #[test]
    fn display_shows_western_and_japanese_years() {
        let b = BirthDate::parse("S20.3.3", today()).unwrap();
        assert_eq!(b.display_ja(), "1945/03/03 (昭和20年)");
        assert_eq!(b.era_year_ja(), "昭和20年");
        assert_eq!(b.to_string(), "1945-03-03");
        let gannen = BirthDate::parse("1989-01-08", today()).unwrap();
        assert_eq!(gannen.era_year_ja(), "平成元年");
        assert_eq!(gannen.display_ja(), "1989/01/08 (平成元年)");
        assert_eq!(
            BirthDate::parse("1989-01-07", today())
                .unwrap()
                .era_year_ja(),
            "昭和64年"
        );
    }

    #[test]
    fn the_display_form_parses_back_and_must_agree() {
        assert_eq!(parse("1945/03/03 (昭和20年)"), Ok(ymd(1945, 3, 3)));
        assert_eq!(parse("1989/01/08（平成元年）"), Ok(ymd(1989, 1, 8)));
        let err = parse("1945/03/03 (昭和21年)").unwrap_err();
        assert_eq!(
            err,
            BirthDateError::EraMismatch {
                actual: "昭和20年".into()
            }
        );
        assert_eq!(code("1945/03/03 (あ)"), Code::BirthDateFormat);
    }

    #[test]
    fn serde_is_iso_and_refuses_bad_dates() {
        let b: BirthDate = serde_json::from_str("\"1945-03-03\"").unwrap();
        assert_eq!(b.date(), ymd(1945, 3, 3));
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"1945-03-03\"");
        for bad in [
            "\"1945/03/03\"",
            "\"1945-3-3\"",
            "\"1899-12-31\"",
            "\"1945-02-30\"",
        ] {
            assert!(serde_json::from_str::<BirthDate>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn from_date_checks_the_range() {
        assert_eq!(
            BirthDate::from_date(ymd(2021, 5, 16), today()),
            Err(BirthDateError::Future)
        );
        assert_eq!(
            BirthDate::from_date(ymd(1899, 12, 31), today()),
            Err(BirthDateError::TooOld)
        );
    }
}
