//! Errors that reach a person: a stable machine code plus a message in Japanese and in English.

use serde::{Deserialize, Serialize};

use crate::code::Code;

/// An error a receptionist or a caller of the API may see.
///
/// `code` is stable (UIs and tests match on it) and one of the catalogue's; the messages are for
/// people and may change.
pub trait Coded: std::error::Error {
    fn code(&self) -> Code;
    fn message_ja(&self) -> String;
    fn message_en(&self) -> String {
        self.to_string()
    }
}

/// An RFC 9457 problem document as yoyaku sends it (`application/problem+json`), with the stable
/// code and both languages' messages as extension members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type: `urn:yoyaku:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    /// A [`Code`] of the catalogue. Kept as its text, so that a client built before a code was
    /// added still reads the problem (and shows its messages): [`Problem::known_code`] reads it.
    #[cfg_attr(feature = "openapi", schema(value_type = Code))]
    pub code: String,
    pub message_ja: String,
    pub message_en: String,
    /// Slots the client could choose instead (a full slot, say), nearest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<crate::slot::AlternativeSlot>,
}

impl Problem {
    pub fn new(status: u16, code: Code, message_ja: String, message_en: String) -> Self {
        Self {
            problem_type: format!("urn:yoyaku:problem:{code}"),
            title: message_en.clone(),
            status,
            code: code.as_str().to_owned(),
            message_ja,
            message_en,
            alternatives: Vec::new(),
        }
    }

    pub fn from_coded(status: u16, err: &dyn Coded) -> Self {
        Self::new(status, err.code(), err.message_ja(), err.message_en())
    }

    /// The problem's code, read by [`Code::from_wire`].
    pub fn known_code(&self) -> Code {
        Code::from_wire(&self.code)
    }
}
