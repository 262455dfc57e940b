//! Who a resident is ([`ResidentKey`]), and the 予約 screen's first form (manual 2-1 ②): 自治体番号,
//! 接種券番号 and 生年月日 as typed, parsed into one. The city server and the clinic engine both parse it here, so a key the
//! clinic accepts offline is one the server accepts too.

use crate::code::Code;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::birth_date::{BirthDate, BirthDateError};
use crate::error::Coded;
use crate::municipality::{MunicipalityCode, MunicipalityCodeError};
use crate::ticket::{TicketError, TicketInput, TicketNumber};

/// Who a resident is: 自治体番号 + 接種券番号 + 生年月日, checked against the valid-ticket registry.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResidentKey {
    pub municipality_code: MunicipalityCode,
    pub ticket_number: TicketNumber,
    pub birth_date: BirthDate,
}

/// 自治体番号, 接種券番号 and 生年月日 as typed. `ticket` is the 10-digit number or the ticket's
/// 18-digit OCR line, which carries the municipality code too.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResidentKeyInput {
    /// 自治体番号; may be left out when `ticket` is the OCR line.
    #[cfg_attr(feature = "openapi", schema(examples("431001")))]
    #[serde(default)]
    pub municipality_code: Option<String>,
    /// 接種券番号 (10 digits) or the ticket's 18-digit OCR line; full-width digits are taken.
    #[cfg_attr(feature = "openapi", schema(examples("9000000062")))]
    pub ticket: String,
    /// 生年月日 in any common spelling (`1945-03-03`, `1945/3/3`, 和暦 `S20.3.3` …).
    #[cfg_attr(feature = "openapi", schema(examples("1945-03-03")))]
    pub birth_date: String,
}

/// Why a typed key was refused: the first field in the form's order that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentKeyError {
    #[error(transparent)]
    Ticket(TicketError),
    #[error(transparent)]
    Municipality(MunicipalityCodeError),
    #[error(transparent)]
    Mismatch(MunicipalityMismatch),
    #[error(transparent)]
    BirthDate(BirthDateError),
}

/// The typed 自治体番号 and the one in the scanned OCR line differ.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the municipality code {typed} differs from the one in the ticket's OCR line ({scanned})")]
pub struct MunicipalityMismatch {
    pub typed: MunicipalityCode,
    pub scanned: MunicipalityCode,
}

impl Coded for MunicipalityMismatch {
    fn code(&self) -> Code {
        Code::TicketMunicipalityMismatch
    }
    fn message_ja(&self) -> String {
        format!(
            "自治体番号（{}）と接種券のOCR行の自治体番号（{}）が一致しません。",
            self.typed, self.scanned
        )
    }
}

impl ResidentKeyError {
    /// The form field to show the error under, as named in [`ResidentKeyInput`].
    pub fn field(&self) -> &'static str {
        match self {
            Self::Ticket(_) => "ticket",
            Self::Municipality(_) | Self::Mismatch(_) => "municipality_code",
            Self::BirthDate(_) => "birth_date",
        }
    }

    fn inner(&self) -> &dyn Coded {
        match self {
            Self::Ticket(e) => e,
            Self::Municipality(e) => e,
            Self::Mismatch(e) => e,
            Self::BirthDate(e) => e,
        }
    }
}

/// The wrapped error's own code and messages: wrapping changes nothing a person sees.
impl Coded for ResidentKeyError {
    fn code(&self) -> Code {
        self.inner().code()
    }
    fn message_ja(&self) -> String {
        self.inner().message_ja()
    }
    fn message_en(&self) -> String {
        self.inner().message_en()
    }
}

impl ResidentKeyInput {
    /// Parses the ticket first, then the municipality, then the birth date (against `today`, in
    /// any spelling [`BirthDate::parse`] takes), and stops at the first error.
    pub fn parse(&self, today: NaiveDate) -> Result<ResidentKey, ResidentKeyError> {
        let ticket = TicketInput::parse(&self.ticket).map_err(ResidentKeyError::Ticket)?;
        let municipality_code = match (self.municipality_code.as_deref(), ticket.municipality()) {
            (Some(typed), scanned) => {
                let typed =
                    MunicipalityCode::parse(typed).map_err(ResidentKeyError::Municipality)?;
                if let Some(scanned) = scanned.filter(|scanned| *scanned != typed) {
                    return Err(ResidentKeyError::Mismatch(MunicipalityMismatch {
                        typed,
                        scanned,
                    }));
                }
                typed
            }
            (None, Some(scanned)) => scanned,
            // A bare number without a municipality: the parser says a code is needed.
            (None, None) => MunicipalityCode::parse("").map_err(ResidentKeyError::Municipality)?,
        };
        Ok(ResidentKey {
            municipality_code,
            ticket_number: ticket.number(),
            birth_date: BirthDate::parse(&self.birth_date, today)
                .map_err(ResidentKeyError::BirthDate)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 5, 1).unwrap()
    }

    fn input(municipality: Option<&str>, ticket: &str, birth: &str) -> ResidentKeyInput {
        ResidentKeyInput {
            municipality_code: municipality.map(str::to_owned),
            ticket: ticket.into(),
            birth_date: birth.into(),
        }
    }

    #[test]
    fn the_manuals_key_parses_with_any_birth_date_spelling() {
        for birth in ["1945-03-03", "1945/3/3", "S20.3.3", "昭和20年3月3日"] {
            let key = input(Some("431001"), "9000000062", birth)
                .parse(today())
                .unwrap();
            assert_eq!(key.municipality_code.to_string(), "431001");
            assert_eq!(key.ticket_number.to_string(), "9000000062");
            assert_eq!(key.birth_date.to_string(), "1945-03-03", "{birth}");
        }
    }

    #[test]
    fn an_ocr_line_fills_the_municipality_and_must_agree_with_a_typed_one() {
        let line = "１１４３１００１９０００００００６２";
        let key = input(None, line, "1945-03-03").parse(today()).unwrap();
        assert_eq!(key.municipality_code.to_string(), "431001");
        assert_eq!(key.ticket_number.to_string(), "9000000062");
        let err = input(Some("131016"), line, "1945-03-03")
            .parse(today())
            .unwrap_err();
        assert_eq!(err.code(), Code::TicketMunicipalityMismatch);
        assert_eq!(err.field(), "municipality_code");
        assert!(err.message_ja().contains("131016"), "{}", err.message_ja());
    }

    #[test]
    fn errors_keep_their_own_codes_and_come_in_the_forms_order() {
        let err = input(None, "9000000062", "1945-03-03")
            .parse(today())
            .unwrap_err();
        assert_eq!(err.code(), Code::MunicipalityCodeFormat);
        let err = input(Some("431002"), "12345", "not a date")
            .parse(today())
            .unwrap_err();
        assert_eq!(err.field(), "ticket");
        assert_eq!(err.code(), TicketInput::parse("12345").unwrap_err().code());
        let err = input(Some("431002"), "9000000062", "1945-03-03")
            .parse(today())
            .unwrap_err();
        assert_eq!(err.code(), Code::MunicipalityCodeCheckDigit);
        let err = input(Some("431001"), "9000000062", "2030-01-01")
            .parse(today())
            .unwrap_err();
        assert_eq!(err.field(), "birth_date");
        assert_eq!(
            err.message_en(),
            BirthDate::parse("2030-01-01", today())
                .unwrap_err()
                .message_en()
        );
    }
}
