//! 接種券番号 and the ticket's OCR line.
//!
//! The ticket number is 10 digits with no check digit, so a typo cannot be caught here: only the
//! city's valid-ticket registry can say whether a number exists. The 18-digit OCR line printed on
//! the ticket is 券種(1) + 回数(1) + 自治体番号(6) + 接種券番号(10) (MHLW 予防接種の実施に関する
//! 手引き); the municipality code inside it carries a check digit, which we do verify.

use crate::code::Code;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Coded;
use crate::municipality::{MunicipalityCode, MunicipalityCodeError, ascii_digits};

const NUMBER_LEN: usize = 10;
const OCR_LEN: usize = 18;

// Serialized as its string, by the hand-written `Serialize` below.
#[cfg_attr(feature = "specta", derive(specta::Type), specta(type = String))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketNumber([u8; NUMBER_LEN]);

/// The 18-digit OCR line: the kind and count digits, the municipality and the ticket number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TicketOcrLine {
    kind: u8,
    count: u8,
    municipality: MunicipalityCode,
    number: TicketNumber,
}

/// What a receptionist typed (or scanned) into the 接種券番号 box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketInput {
    Number(TicketNumber),
    /// A whole OCR line: fills 自治体番号 as well as 接種券番号.
    Ocr(TicketOcrLine),
}

/// Which shape of input a length error was measured against, so the message names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketShape {
    Number,
    OcrLine,
    NumberOrOcrLine,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("please enter the ticket number")]
    Required,
    #[error("the ticket number must contain digits only")]
    NotDigits,
    #[error("{}; {given} digits were entered", expected_en(*expected))]
    Length { given: usize, expected: TicketShape },
    #[error("the municipality code in the OCR line is wrong: {0}")]
    Municipality(#[from] MunicipalityCodeError),
}

fn expected_en(shape: TicketShape) -> &'static str {
    match shape {
        TicketShape::Number => "the ticket number must be 10 digits",
        TicketShape::OcrLine => "the ticket's OCR line must be 18 digits",
        TicketShape::NumberOrOcrLine => {
            "enter the 10-digit ticket number or the ticket's 18-digit OCR line"
        }
    }
}

impl Coded for TicketError {
    fn code(&self) -> Code {
        match self {
            Self::Required => Code::TicketNumberRequired,
            Self::NotDigits => Code::TicketNumberNotDigits,
            Self::Length { .. } => Code::TicketNumberLength,
            Self::Municipality(e) => e.code(),
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::Required => "接種券番号を入力してください。".into(),
            Self::NotDigits => "接種券番号は数字で入力してください。".into(),
            Self::Length { given, expected } => {
                let want = match expected {
                    TicketShape::Number => "接種券番号は10桁の数字です。",
                    TicketShape::OcrLine => "接種券のOCR行は18桁の数字です。",
                    TicketShape::NumberOrOcrLine => {
                        "接種券番号(10桁)または接種券のOCR行(18桁)を入力してください。"
                    }
                };
                format!("{want}入力された数字は{given}桁です。")
            }
            Self::Municipality(e) => {
                format!(
                    "OCR行に含まれる自治体番号に誤りがあります。{}",
                    e.message_ja()
                )
            }
        }
    }
}

/// The digits of a person's input, or the error that tells them what they typed wrong.
fn digits(input: &str) -> Result<Vec<u8>, TicketError> {
    let digits = ascii_digits(input).ok_or(TicketError::NotDigits)?;
    if digits.is_empty() {
        return Err(TicketError::Required);
    }
    Ok(digits)
}

fn digit_string(digits: &[u8]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

impl TicketNumber {
    /// Parses a number as typed: full-width digits, spaces and hyphens are accepted.
    pub fn parse(input: &str) -> Result<Self, TicketError> {
        Self::from_digits(&digits(input)?, TicketShape::Number)
    }

    fn from_digits(digits: &[u8], expected: TicketShape) -> Result<Self, TicketError> {
        digits
            .try_into()
            .map(Self)
            .map_err(|_| TicketError::Length {
                given: digits.len(),
                expected,
            })
    }

    pub fn as_string(&self) -> String {
        digit_string(&self.0)
    }
}

impl TicketOcrLine {
    /// Builds a line from its parts; `None` unless `kind` and `count` are single digits.
    pub fn new(
        kind: u8,
        count: u8,
        municipality: MunicipalityCode,
        number: TicketNumber,
    ) -> Option<Self> {
        (kind <= 9 && count <= 9).then_some(Self {
            kind,
            count,
            municipality,
            number,
        })
    }

    pub fn parse(input: &str) -> Result<Self, TicketError> {
        Self::from_digits(&digits(input)?)
    }

    fn from_digits(digits: &[u8]) -> Result<Self, TicketError> {
        if digits.len() != OCR_LEN {
            return Err(TicketError::Length {
                given: digits.len(),
                expected: TicketShape::OcrLine,
            });
        }
        Ok(Self {
            kind: digits[0],
            count: digits[1],
            municipality: MunicipalityCode::parse(&digit_string(&digits[2..8]))?,
            number: TicketNumber::from_digits(&digits[8..], TicketShape::OcrLine)?,
        })
    }

    /// 券種: the kind of ticket.
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// 回数: which dose the ticket is for.
    pub fn count(&self) -> u8 {
        self.count
    }

    pub fn municipality(&self) -> MunicipalityCode {
        self.municipality
    }

    pub fn number(&self) -> TicketNumber {
        self.number
    }

    pub fn as_string(&self) -> String {
        format!(
            "{}{}{}{}",
            self.kind, self.count, self.municipality, self.number
        )
    }
}

impl TicketInput {
    /// Accepts either a 10-digit ticket number or a whole 18-digit OCR line, decided by length.
    pub fn parse(input: &str) -> Result<Self, TicketError> {
        let digits = digits(input)?;
        match digits.len() {
            NUMBER_LEN => TicketNumber::from_digits(&digits, TicketShape::Number).map(Self::Number),
            OCR_LEN => TicketOcrLine::from_digits(&digits).map(Self::Ocr),
            given => Err(TicketError::Length {
                given,
                expected: TicketShape::NumberOrOcrLine,
            }),
        }
    }

    pub fn number(&self) -> TicketNumber {
        match self {
            Self::Number(n) => *n,
            Self::Ocr(line) => line.number(),
        }
    }

    /// The municipality, when the input said which (an OCR line does; a bare number does not).
    pub fn municipality(&self) -> Option<MunicipalityCode> {
        match self {
            Self::Number(_) => None,
            Self::Ocr(line) => Some(line.municipality()),
        }
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl fmt::Display for TicketOcrLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl FromStr for TicketNumber {
    type Err = TicketError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl FromStr for TicketOcrLine {
    type Err = TicketError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for TicketNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_string())
    }
}

impl<'de> Deserialize<'de> for TicketNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for TicketOcrLine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_string())
    }
}

impl<'de> Deserialize<'de> for TicketOcrLine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manuals_ticket_number_parses() {
        assert_eq!(
            TicketNumber::parse("9000000062").unwrap().to_string(),
            "9000000062"
        );
    }

    #[test]
    fn full_width_digits_hyphens_and_spaces_are_normalised() {
        assert_eq!(
            TicketNumber::parse("９０００ ０００－０６２")
                .unwrap()
                .to_string(),
            "9000000062"
        );
    }

    #[test]
    fn a_missing_digit_is_reported_with_the_count() {
        // The manual's own screenshot shows this 9-digit typo.
        let err = TicketNumber::parse("900000062").unwrap_err();
        assert_eq!(
            err,
            TicketError::Length {
                given: 9,
                expected: TicketShape::Number
            }
        );
        assert_eq!(err.code(), Code::TicketNumberLength);
        assert!(err.message_ja().contains("9桁"), "{}", err.message_ja());
    }

    #[test]
    fn letters_and_empty_input_have_their_own_errors() {
        assert_eq!(
            TicketNumber::parse("90000O0062"),
            Err(TicketError::NotDigits)
        );
        assert_eq!(TicketNumber::parse(" "), Err(TicketError::Required));
        assert_eq!(TicketNumber::parse(""), Err(TicketError::Required));
        assert_eq!(TicketError::NotDigits.code(), Code::TicketNumberNotDigits);
        assert_eq!(TicketError::Required.code(), Code::TicketNumberRequired);
    }

    #[test]
    fn an_ocr_line_splits_into_its_four_fields() {
        let line = TicketOcrLine::parse("114310019000000062").unwrap();
        assert_eq!(line.kind(), 1);
        assert_eq!(line.count(), 1);
        assert_eq!(line.municipality().to_string(), "431001");
        assert_eq!(line.number().to_string(), "9000000062");
        assert_eq!(line.to_string(), "114310019000000062");
    }

    #[test]
    fn an_ocr_line_with_a_wrong_municipality_check_digit_is_refused() {
        let err = TicketOcrLine::parse("114310029000000062").unwrap_err();
        assert_eq!(
            err,
            TicketError::Municipality(MunicipalityCodeError::CheckDigit)
        );
        assert_eq!(err.code(), Code::MunicipalityCodeCheckDigit);
        assert!(err.message_ja().contains("OCR行"));
    }

    #[test]
    fn an_ocr_line_of_the_wrong_length_says_18() {
        let err = TicketOcrLine::parse("11431001900000006").unwrap_err();
        assert_eq!(
            err,
            TicketError::Length {
                given: 17,
                expected: TicketShape::OcrLine
            }
        );
        assert!(err.message_ja().contains("18桁"));
    }

    #[test]
    fn the_input_box_takes_a_number_or_a_whole_ocr_line() {
        let number = TicketInput::parse("9000000062").unwrap();
        assert_eq!(number.number().to_string(), "9000000062");
        assert_eq!(number.municipality(), None);

        let ocr = TicketInput::parse("１１ ４３１００１ ９０００００００６２").unwrap();
        assert!(matches!(ocr, TicketInput::Ocr(_)));
        assert_eq!(ocr.number().to_string(), "9000000062");
        assert_eq!(ocr.municipality().unwrap().to_string(), "431001");
    }

    #[test]
    fn the_input_box_refuses_other_lengths_and_bad_lines() {
        for (input, given) in [("123", 3), ("900000006", 9), ("12345678901234567890", 20)] {
            let err = TicketInput::parse(input).unwrap_err();
            assert_eq!(
                err,
                TicketError::Length {
                    given,
                    expected: TicketShape::NumberOrOcrLine
                }
            );
            assert!(err.message_ja().contains("18桁"));
        }
        assert_eq!(
            TicketInput::parse("114310029000000062").unwrap_err().code(),
            Code::MunicipalityCodeCheckDigit
        );
        assert_eq!(
            TicketInput::parse("9000-000-06a"),
            Err(TicketError::NotDigits)
        );
    }

    #[test]
    fn ocr_lines_are_built_only_from_single_digits() {
        let m = MunicipalityCode::parse("431001").unwrap();
        let n = TicketNumber::parse("9000000062").unwrap();
        assert_eq!(
            TicketOcrLine::new(2, 3, m, n).unwrap().to_string(),
            "234310019000000062"
        );
        assert_eq!(TicketOcrLine::new(10, 3, m, n), None);
        assert_eq!(TicketOcrLine::new(2, 10, m, n), None);
    }

    #[test]
    fn serde_round_trips_as_strings_and_refuses_bad_values() {
        let n: TicketNumber = serde_json::from_str("\"9000000062\"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"9000000062\"");
        assert!(serde_json::from_str::<TicketNumber>("\"900000062\"").is_err());

        let line: TicketOcrLine = serde_json::from_str("\"114310019000000062\"").unwrap();
        assert_eq!(
            serde_json::to_string(&line).unwrap(),
            "\"114310019000000062\""
        );
        assert!(serde_json::from_str::<TicketOcrLine>("\"114310029000000062\"").is_err());
    }
}
