//! アカウントID: the login name the city hands a clinic, the call center or its own staff.

use crate::code::Code;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Coded;

/// 1–64 characters of ASCII letters, digits, `.`, `_` and `-`, compared case-sensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AccountId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the account ID must be 1 to 64 letters, digits, '.', '_' or '-'")]
pub struct AccountIdError;

impl Coded for AccountIdError {
    fn code(&self) -> Code {
        Code::AccountIdFormat
    }
    fn message_ja(&self) -> String {
        "アカウントIDは半角英数字と . _ - の64文字以内で入力してください。".into()
    }
}

impl AccountId {
    pub fn parse(input: &str) -> Result<Self, AccountIdError> {
        let trimmed = input.trim();
        let ok = !trimmed.is_empty()
            && trimmed.len() <= 64
            && trimmed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(AccountIdError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_ids_and_trims() {
        assert_eq!(
            AccountId::parse(" clinic-a01 ").unwrap().as_str(),
            "clinic-a01"
        );
    }

    #[test]
    fn refuses_empty_long_and_odd_characters() {
        assert!(AccountId::parse("").is_err());
        assert!(AccountId::parse(&"a".repeat(65)).is_err());
        assert!(AccountId::parse("clinic a").is_err());
        assert!(AccountId::parse("ｃｌｉｎｉｃ").is_err());
    }
}
