//! What a municipality tells the clinics that use its system: the 利用規約 they agree to at
//! ログイン, and the 問い合わせ先 (manual §5; the notice's 医療機関専用ダイヤル by ward). The city
//! serves both; the clinic app keeps a copy for when the network is down.

use crate::code::Code;
use serde::{Deserialize, Serialize};

use crate::Coded;

/// The longest text the city accepts for the 利用規約, in characters.
const MAX_TERMS_CHARS: usize = 50_000;

/// 利用規約
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermsOfUse {
    /// Changes whenever the text does (a version number or a date).
    pub version: String,
    pub text_ja: String,
    pub text_en: String,
}

/// One line of the 問い合わせ先.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    /// e.g. 熊本市医療機関専用ダイヤル
    pub name_ja: String,
    pub name_en: String,
    /// The 区 it serves; none for the whole city.
    #[serde(default)]
    pub ward: Option<String>,
    #[serde(default)]
    pub tel: Vec<String>,
    #[serde(default)]
    pub fax: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// 受付時間
    #[serde(default)]
    pub hours_ja: Option<String>,
    #[serde(default)]
    pub hours_en: Option<String>,
}

/// 問い合わせ先
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contacts {
    /// The call center for questions about the system and operations done for the clinic
    /// (manual §5): the number shown wherever the app says to ask the call center.
    pub main: Contact,
    /// By ward: where the period's slot reports and their questions go (the notice).
    #[serde(default)]
    pub wards: Vec<Contact>,
}

/// What makes a text or a contact unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InformationError {
    #[error("the terms of use need a version and a text in Japanese and English")]
    TermsIncomplete,
    #[error("the terms of use are longer than 50,000 characters")]
    TermsTooLong,
    #[error("every contact needs a name in Japanese and English and a phone number or e-mail")]
    ContactIncomplete,
}

impl Coded for InformationError {
    fn code(&self) -> Code {
        match self {
            Self::TermsIncomplete => Code::InformationTermsIncomplete,
            Self::TermsTooLong => Code::InformationTermsTooLong,
            Self::ContactIncomplete => Code::InformationContactIncomplete,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::TermsIncomplete => "利用規約には版と、日本語・英語の本文が必要です。",
            Self::TermsTooLong => "利用規約は50,000文字以内にしてください。",
            Self::ContactIncomplete => {
                "問い合わせ先には日本語・英語の名称と、電話番号またはメールアドレスが必要です。"
            }
        }
        .into()
    }
}

impl TermsOfUse {
    pub fn check(&self) -> Result<(), InformationError> {
        let blank = |s: &str| s.trim().is_empty();
        if blank(&self.version) || blank(&self.text_ja) || blank(&self.text_en) {
            return Err(InformationError::TermsIncomplete);
        }
        if self.text_ja.chars().count() > MAX_TERMS_CHARS
            || self.text_en.chars().count() > MAX_TERMS_CHARS
        {
            return Err(InformationError::TermsTooLong);
        }
        Ok(())
    }
}

impl Contact {
    fn check(&self) -> Result<(), InformationError> {
        let blank = |s: &str| s.trim().is_empty();
        let reachable =
            self.tel.iter().any(|t| !blank(t)) || self.email.as_deref().is_some_and(|e| !blank(e));
        if blank(&self.name_ja) || blank(&self.name_en) || !reachable {
            return Err(InformationError::ContactIncomplete);
        }
        Ok(())
    }
}

impl Contacts {
    pub fn check(&self) -> Result<(), InformationError> {
        std::iter::once(&self.main)
            .chain(&self.wards)
            .try_for_each(Contact::check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(tel: &[&str], email: Option<&str>) -> Contact {
        Contact {
            name_ja: "熊本市医療機関専用ダイヤル".into(),
            name_en: "Kumamoto clinics' line".into(),
            ward: None,
            tel: tel.iter().map(|t| (*t).to_owned()).collect(),
            fax: None,
            email: email.map(str::to_owned),
            hours_ja: None,
            hours_en: None,
        }
    }

    #[test]
    fn a_contact_needs_a_name_and_a_way_to_reach_it() {
        let mut contacts = Contacts {
            main: line(&["096-300-9377"], None),
            wards: vec![line(&[], Some("vproject@city.kumamoto.kumamoto.jp"))],
        };
        assert_eq!(contacts.check(), Ok(()));
        contacts.wards.push(line(&[" "], None));
        assert_eq!(contacts.check(), Err(InformationError::ContactIncomplete));
    }

    #[test]
    fn terms_need_both_languages_and_a_bounded_length() {
        let mut terms = TermsOfUse {
            version: "1.1.0".into(),
            text_ja: "第1条".into(),
            text_en: "Article 1".into(),
        };
        assert_eq!(terms.check(), Ok(()));
        terms.text_en = String::new();
        assert_eq!(terms.check(), Err(InformationError::TermsIncomplete));
        terms.text_en = "a".repeat(MAX_TERMS_CHARS + 1);
        assert_eq!(terms.check(), Err(InformationError::TermsTooLong));
    }
}
