//! 住民情報登録 (manual 2-1 ④): the details taken on a resident's first booking.
//! ※姓・名・性別・電話番号は必須; メールアドレス and メモ may be left empty.

use crate::code::Code;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::contact::{Email, EmailError, Phone, PhoneError};
use crate::error::Coded;
use crate::kana::{KanaName, KanaNameError};

/// 性別. 未設定 is a choice the receptionist makes, not a missing answer.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Sex {
    Male,
    Female,
    Unset,
}

impl Sex {
    /// 男性, 女性, 未設定 as the form labels them.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Male => "男性",
            Self::Female => "女性",
            Self::Unset => "未設定",
        }
    }

    /// As the wire and the stores spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
            Self::Unset => "unset",
        }
    }
}

/// メモ: free text for the city's staff, trimmed, at most [`Memo::MAX_CHARS`] characters.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Memo(String);

impl Memo {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(input: &str) -> Result<Self, MemoError> {
        let trimmed = input.trim();
        let len = trimmed.chars().count();
        if len > Self::MAX_CHARS {
            return Err(MemoError::TooLong(len));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Memo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Memo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemoError {
    #[error("the memo must be at most 500 characters ({0} were entered)")]
    TooLong(usize),
}

impl Coded for MemoError {
    fn code(&self) -> Code {
        Code::MemoTooLong
    }
    fn message_ja(&self) -> String {
        match self {
            Self::TooLong(n) => format!("メモは500文字以内で入力してください(入力は{n}文字です)。"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SexError {
    #[error("please choose male, female or unset")]
    Required,
}

impl Coded for SexError {
    fn code(&self) -> Code {
        Code::SexRequired
    }
    fn message_ja(&self) -> String {
        "性別を選択してください(わからない場合は「未設定」)。".into()
    }
}

/// The form as typed, before any checking.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResidentForm {
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub sex: Option<Sex>,
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub memo: String,
}

/// The registered details; every field already checked.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResidentDetails {
    pub family_name_kana: KanaName,
    pub given_name_kana: KanaName,
    pub sex: Sex,
    pub phone: Phone,
    pub email: Option<Email>,
    pub memo: Memo,
}

/// One field's error, so a form can show it under that field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("family name (kana): {0}")]
    FamilyNameKana(KanaNameError),
    #[error("given name (kana): {0}")]
    GivenNameKana(KanaNameError),
    #[error("sex: {0}")]
    Sex(SexError),
    #[error("phone: {0}")]
    Phone(PhoneError),
    #[error("e-mail: {0}")]
    Email(EmailError),
    #[error("memo: {0}")]
    Memo(MemoError),
}

impl FieldError {
    /// The form field's name, as in [`ResidentForm`].
    pub fn field(&self) -> &'static str {
        match self {
            Self::FamilyNameKana(_) => "family_name_kana",
            Self::GivenNameKana(_) => "given_name_kana",
            Self::Sex(_) => "sex",
            Self::Phone(_) => "phone",
            Self::Email(_) => "email",
            Self::Memo(_) => "memo",
        }
    }

    /// The field's own error.
    pub fn error(&self) -> &dyn Coded {
        match self {
            Self::FamilyNameKana(e) | Self::GivenNameKana(e) => e,
            Self::Sex(e) => e,
            Self::Phone(e) => e,
            Self::Email(e) => e,
            Self::Memo(e) => e,
        }
    }
}

impl Coded for FieldError {
    fn code(&self) -> Code {
        self.error().code()
    }
    /// Names the field, since the name fields share their errors' wording.
    fn message_ja(&self) -> String {
        let label = match self {
            Self::FamilyNameKana(_) => "姓(カナ)",
            Self::GivenNameKana(_) => "名(カナ)",
            Self::Sex(_) => "性別",
            Self::Phone(_) => "電話番号",
            Self::Email(_) => "メールアドレス",
            Self::Memo(_) => "メモ",
        };
        format!("{label}: {}", self.error().message_ja())
    }
}

impl ResidentForm {
    /// Checks every field and reports every error at once, in the form's order.
    pub fn parse(&self) -> Result<ResidentDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let family = keep(
            &mut errors,
            KanaName::parse(&self.family_name_kana).map_err(FieldError::FamilyNameKana),
        );
        let given = keep(
            &mut errors,
            KanaName::parse(&self.given_name_kana).map_err(FieldError::GivenNameKana),
        );
        let sex = keep(
            &mut errors,
            self.sex.ok_or(FieldError::Sex(SexError::Required)),
        );
        let phone = keep(
            &mut errors,
            Phone::parse(&self.phone).map_err(FieldError::Phone),
        );
        let email = keep(
            &mut errors,
            Email::parse_optional(&self.email).map_err(FieldError::Email),
        );
        let memo = keep(
            &mut errors,
            Memo::parse(&self.memo).map_err(FieldError::Memo),
        );
        match (family, given, sex, phone, email, memo) {
            (Some(family), Some(given), Some(sex), Some(phone), Some(email), Some(memo)) => {
                Ok(ResidentDetails {
                    family_name_kana: family,
                    given_name_kana: given,
                    sex,
                    phone,
                    email,
                    memo,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The value of a field that parsed, or `None` with its error recorded.
fn keep<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// A resident search with nothing to search by: 住民検索 needs a ticket number, a phone number or
/// a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("please enter a ticket number, a phone number or a name in kana")]
pub struct NoSearchCriteria;

impl Coded for NoSearchCriteria {
    fn code(&self) -> Code {
        Code::ResidentSearchCriteriaRequired
    }
    fn message_ja(&self) -> String {
        "接種券番号・電話番号・カナ氏名のいずれかを入力してください。".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manual_form() -> ResidentForm {
        ResidentForm {
            family_name_kana: "テスト".into(),
            given_name_kana: "タロー".into(),
            sex: Some(Sex::Male),
            phone: "0961234567".into(),
            email: String::new(),
            memo: String::new(),
        }
    }

    #[test]
    fn the_manuals_registration_parses() {
        let details = manual_form().parse().unwrap();
        assert_eq!(details.family_name_kana.as_str(), "テスト");
        assert_eq!(details.given_name_kana.as_str(), "タロー");
        assert_eq!(details.sex.label_ja(), "男性");
        assert_eq!(details.phone.digits(), "0961234567");
        assert_eq!(details.email, None);
        assert_eq!(details.memo.as_str(), "");
    }

    #[test]
    fn typed_input_is_normalised() {
        let form = ResidentForm {
            family_name_kana: "ﾃｽﾄ".into(),
            given_name_kana: "たろー ".into(),
            sex: Some(Sex::Unset),
            phone: "０９６－１２３－４５６７".into(),
            email: " taro＠example.jp ".into(),
            memo: "  耳が遠いのでゆっくり  ".into(),
        };
        let details = form.parse().unwrap();
        assert_eq!(details.family_name_kana.as_str(), "テスト");
        assert_eq!(details.given_name_kana.as_str(), "タロー");
        assert_eq!(details.phone.digits(), "0961234567");
        assert_eq!(details.email.unwrap().as_str(), "taro@example.jp");
        assert_eq!(details.memo.as_str(), "耳が遠いのでゆっくり");
    }

    #[test]
    fn an_empty_form_reports_every_required_field() {
        let errors = ResidentForm::default().parse().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field(), e.code())).collect();
        assert_eq!(
            fields,
            [
                ("family_name_kana", Code::KanaNameRequired),
                ("given_name_kana", Code::KanaNameRequired),
                ("sex", Code::SexRequired),
                ("phone", Code::PhoneRequired),
            ]
        );
        assert!(errors[1].message_ja().starts_with("名(カナ): "));
    }

    #[test]
    fn optional_fields_report_their_own_errors_alongside_others() {
        let form = ResidentForm {
            given_name_kana: "taro".into(),
            email: "taro@".into(),
            memo: "あ".repeat(501),
            ..manual_form()
        };
        let errors = form.parse().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field(), e.code())).collect();
        assert_eq!(
            fields,
            [
                ("given_name_kana", Code::KanaNameLatin),
                ("email", Code::EmailInvalid),
                ("memo", Code::MemoTooLong),
            ]
        );
    }

    #[test]
    fn memo_limit_counts_characters_after_trimming() {
        assert!(Memo::parse(&format!(" {} ", "あ".repeat(500))).is_ok());
        assert_eq!(Memo::parse(&"あ".repeat(501)), Err(MemoError::TooLong(501)));
    }

    #[test]
    fn sex_labels_and_serde_names() {
        assert_eq!(Sex::Female.label_ja(), "女性");
        assert_eq!(Sex::Unset.label_ja(), "未設定");
        assert_eq!(serde_json::to_string(&Sex::Unset).unwrap(), "\"unset\"");
        assert_eq!(
            serde_json::from_str::<Sex>("\"female\"").unwrap(),
            Sex::Female
        );
        assert!(serde_json::from_str::<Sex>("\"other\"").is_err());
    }

    #[test]
    fn details_round_trip_through_serde_and_refuse_bad_fields() {
        let details = manual_form().parse().unwrap();
        let json = serde_json::to_value(&details).unwrap();
        assert_eq!(json["phone"], "0961234567");
        assert_eq!(json["sex"], "male");
        let back: ResidentDetails = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, details);
        let mut bad = json;
        bad["family_name_kana"] = "山田".into();
        assert!(serde_json::from_value::<ResidentDetails>(bad).is_err());
    }

    #[test]
    fn the_form_deserialises_from_raw_fields() {
        let form: ResidentForm = serde_json::from_str(
            r#"{"family_name_kana":"テスト","given_name_kana":"タロー","sex":"male","phone":"0961234567"}"#,
        )
        .unwrap();
        assert_eq!(form, manual_form());
    }
}
