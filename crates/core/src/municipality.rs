//! 自治体番号: the six-digit local government code (全国地方公共団体コード) whose sixth digit is a
//! check digit (総務省): digits 1–5 weighted 6,5,4,3,2, sum mod 11 = r, check = (11 − r) mod 10.

use crate::code::Code;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Coded;

// Serialized as its string, by the hand-written `Serialize` below.
#[cfg_attr(feature = "specta", derive(specta::Type), specta(type = String))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MunicipalityCode([u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MunicipalityCodeError {
    #[error("the municipality code must be 6 digits")]
    NotSixDigits,
    #[error("the municipality code's check digit does not match; please check the number")]
    CheckDigit,
}

impl Coded for MunicipalityCodeError {
    fn code(&self) -> Code {
        match self {
            Self::NotSixDigits => Code::MunicipalityCodeFormat,
            Self::CheckDigit => Code::MunicipalityCodeCheckDigit,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::NotSixDigits => "自治体番号は6桁の数字で入力してください。".into(),
            Self::CheckDigit => {
                "自治体番号の検査数字が一致しません。番号をもう一度ご確認ください。".into()
            }
        }
    }
}

impl MunicipalityCode {
    /// Parses a code as a person may type it: full-width digits, spaces and hyphens are accepted.
    pub fn parse(input: &str) -> Result<Self, MunicipalityCodeError> {
        let digits = ascii_digits(input).ok_or(MunicipalityCodeError::NotSixDigits)?;
        let digits: [u8; 6] = digits
            .try_into()
            .map_err(|_| MunicipalityCodeError::NotSixDigits)?;
        if check_digit(&digits[..5]) != digits[5] {
            return Err(MunicipalityCodeError::CheckDigit);
        }
        Ok(Self(digits))
    }

    pub fn as_string(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

/// The check digit of the first five digits of a local government code.
pub fn check_digit(first_five: &[u8]) -> u8 {
    let sum: u32 = first_five
        .iter()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    ((11 - sum % 11) % 10) as u8
}

/// The digits of `input` with full-width digits folded to ASCII and spaces/hyphens dropped;
/// `None` if anything else is present.
pub(crate) fn ascii_digits(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '0'..='9' => out.push(c as u8 - b'0'),
            '０'..='９' => out.push((c as u32 - '０' as u32) as u8),
            ' ' | '　' | '-' | '－' | 'ー' | '‐' | '−' => {}
            _ => return None,
        }
    }
    Some(out)
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl FromStr for MunicipalityCode {
    type Err = MunicipalityCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for MunicipalityCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_string())
    }
}

impl<'de> Deserialize<'de> for MunicipalityCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kumamoto_and_chiyoda_are_valid() {
        assert_eq!(
            MunicipalityCode::parse("431001").unwrap().to_string(),
            "431001"
        );
        assert_eq!(
            MunicipalityCode::parse("131016").unwrap().to_string(),
            "131016"
        );
    }

    #[test]
    fn a_wrong_check_digit_is_refused() {
        assert_eq!(
            MunicipalityCode::parse("431002"),
            Err(MunicipalityCodeError::CheckDigit)
        );
    }

    #[test]
    fn full_width_digits_are_folded() {
        assert_eq!(
            MunicipalityCode::parse("４３１００１").unwrap().to_string(),
            "431001"
        );
    }

    #[test]
    fn wrong_lengths_and_letters_are_refused() {
        for bad in ["", "43100", "4310011", "43100a", "abcdef"] {
            assert_eq!(
                MunicipalityCode::parse(bad),
                Err(MunicipalityCodeError::NotSixDigits),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_five_digit_prefix_has_exactly_one_valid_check_digit() {
        for prefix in [
            [4u8, 3, 1, 0, 0],
            [0, 0, 0, 0, 0],
            [9, 9, 9, 9, 9],
            [1, 3, 1, 0, 1],
        ] {
            let valid = (0..10u8)
                .filter(|d| {
                    let s: String = prefix
                        .iter()
                        .chain([d])
                        .map(|d| char::from(b'0' + d))
                        .collect();
                    MunicipalityCode::parse(&s).is_ok()
                })
                .count();
            assert_eq!(valid, 1);
        }
    }

    #[test]
    fn serde_round_trips_as_a_string_and_refuses_bad_codes() {
        let code: MunicipalityCode = serde_json::from_str("\"431001\"").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"431001\"");
        assert!(serde_json::from_str::<MunicipalityCode>("\"431002\"").is_err());
    }
}
