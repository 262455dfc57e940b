//! 電話番号 and メールアドレス: how the city reaches a resident.

use crate::code::Code;
use std::fmt;

use email_address::{EmailAddress, Options};
use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, Type};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use crate::error::Coded;

/// A Japanese phone number a person answers: fixed line, mobile (090/080/070), 050 IP phone or
/// toll-free (0120/0800). Stored as national digits ("0961234567").
// Serialized as its string, by the hand-written `Serialize` below.
#[cfg_attr(feature = "specta", derive(specta::Type), specta(type = String))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    digits: String,
    /// The national format with hyphens ("096-123-4567"), derived from `digits`.
    display: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("please enter a phone number")]
    Required,
    #[error("this is not a valid phone number; enter it with the area code, e.g. 096-123-4567")]
    Invalid,
    #[error("please enter a phone number in Japan")]
    NotDomestic,
    #[error("premium-rate, navigation-dial and similar numbers cannot be registered as a contact")]
    Unsupported,
}

impl Coded for PhoneError {
    fn code(&self) -> Code {
        match self {
            Self::Required => Code::PhoneRequired,
            Self::Invalid => Code::PhoneInvalid,
            Self::NotDomestic => Code::PhoneNotDomestic,
            Self::Unsupported => Code::PhoneUnsupported,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::Required => "電話番号を入力してください。".into(),
            Self::Invalid => "電話番号が正しくありません。市外局番から入力してください(例: 096-123-4567)。".into(),
            Self::NotDomestic => "日本国内の電話番号を入力してください。".into(),
            Self::Unsupported => "この種類の番号(0570・0990など)は連絡先に登録できません。固定電話または携帯電話の番号を入力してください。".into(),
        }
    }
}

impl Phone {
    /// Accepts hyphens, spaces, parentheses, full-width digits and the +81 form. The number must
    /// start with 0 or +: without it "961234567" would be guessed, and a dropped digit missed.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let folded: String = input.nfkc().collect();
        let folded = folded.trim();
        if folded.is_empty() {
            return Err(PhoneError::Required);
        }
        // phonenumber reads letters as keypad digits and "ext." as an extension; a contact
        // number has neither.
        let plain = folded.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | 'ー' | '−' | '‐')
        });
        let first_digit_or_plus = folded.chars().find(|c| c.is_ascii_digit() || *c == '+');
        if !plain || !matches!(first_digit_or_plus, Some('0' | '+')) {
            return Err(PhoneError::Invalid);
        }
        // 00… dials out of Japan or through a chosen carrier: not a number a person answers.
        if folded
            .chars()
            .filter(char::is_ascii_digit)
            .take(2)
            .eq(['0', '0'])
        {
            return Err(PhoneError::Invalid);
        }
        let dashed: String = folded
            .chars()
            .map(|c| {
                if matches!(c, 'ー' | '−' | '‐') {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        let number = phonenumber::parse(Some(Id::JP), &dashed).map_err(|_| PhoneError::Invalid)?;
        if number.country().id() != Some(Id::JP) {
            return Err(PhoneError::NotDomestic);
        }
        if !number.is_valid() {
            return Err(PhoneError::Invalid);
        }
        match number.number_type(&DATABASE) {
            Type::FixedLine
            | Type::Mobile
            | Type::FixedLineOrMobile
            | Type::Voip
            | Type::TollFree => {}
            _ => return Err(PhoneError::Unsupported),
        }
        Ok(Self {
            digits: format!("0{}", number.national()),
            display: number.format().mode(Mode::National).to_string(),
        })
    }

    /// National digits without separators: "0961234567".
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// With hyphens as the national format groups them: "096-123-4567".
    pub fn display(&self) -> &str {
        &self.display
    }
}

/// The rule of [`Phone::parse`] as an SQL condition on a column holding national digits
/// ("0961234567"), for the city database's CHECK: the same descriptors of the same numbering
/// plan (libphonenumber's, for Japan), in the order `phonenumber` tries them, so that the database
/// stores exactly the numbers the parser accepts. A number matches a descriptor when its length
/// is one of the descriptor's and the descriptor's pattern matches from its start.
pub fn phone_check_sql(column: &str) -> String {
    let meta = DATABASE.by_id("JP").expect("phonenumber knows Japan");
    let d = meta.descriptors();
    let matches = |descriptor: Option<&phonenumber::metadata::Descriptor>| -> String {
        let Some(descriptor) = descriptor else {
            return "false".into();
        };
        // The metadata lays its patterns out over lines; whitespace in them means nothing.
        let pattern: String = descriptor
            .national_number()
            .as_str()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let pattern = pattern.replace('\'', "''");
        let lengths = descriptor.possible_length();
        let length = match lengths {
            [] => String::new(),
            _ => format!(
                "length({column}) - 1 in ({}) and ",
                lengths
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        format!("({length}{column} ~ '^0(?:{pattern})')")
    };
    // phonenumber's number_type: premium rate, toll free, shared cost, VoIP, personal, pager,
    // UAN and voicemail are tried before fixed line and mobile; the parser takes toll free,
    // VoIP, fixed line and mobile.
    format!(
        "({column} ~ '^0[1-9][0-9]*$' and {general} and not {premium} and ({toll_free} or (not {shared} \
         and ({voip} or (not {personal} and not {pager} and not {uan} and not {voicemail} \
         and ({fixed} or {mobile}))))))",
        general = matches(Some(d.general())),
        premium = matches(d.premium_rate()),
        toll_free = matches(d.toll_free()),
        shared = matches(d.shared_cost()),
        voip = matches(d.voip()),
        personal = matches(d.personal_number()),
        pager = matches(d.pager()),
        uan = matches(d.uan()),
        voicemail = matches(d.voicemail()),
        fixed = matches(d.fixed_line()),
        mobile = matches(d.mobile()),
    )
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.digits)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An e-mail address, trimmed and NFKC-folded (an IME's full-width ＠ or letters) but otherwise
/// kept as typed: the local part may be case-sensitive.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("please enter an e-mail address")]
    Required,
    #[error("this is not a valid e-mail address")]
    Invalid,
}

impl Coded for EmailError {
    fn code(&self) -> Code {
        match self {
            Self::Required => Code::EmailRequired,
            Self::Invalid => Code::EmailInvalid,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::Required => "メールアドレスを入力してください。".into(),
            Self::Invalid => "メールアドレスが正しくありません。半角英数字で「名前@ドメイン」の形で入力してください。".into(),
        }
    }
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        Self::parse_optional(input)?.ok_or(EmailError::Required)
    }

    /// For forms where the address may be left empty: blank input is `None`, not an error.
    pub fn parse_optional(input: &str) -> Result<Option<Self>, EmailError> {
        let folded: String = input.nfkc().collect();
        let folded = folded.trim();
        if folded.is_empty() {
            return Ok(None);
        }
        // A bare address with a dotted domain: no "Name <…>", no [IP literal]; and ASCII only,
        // since Japanese carriers' mail does not deliver to internationalised addresses.
        let options = Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        if !folded.is_ascii() || EmailAddress::parse_with_options(folded, options).is_err() {
            return Err(EmailError::Invalid);
        }
        Ok(Some(Self(folded.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(input: &str) -> (String, String) {
        let p = Phone::parse(input).unwrap_or_else(|e| panic!("{input}: {e:?}"));
        (p.digits().to_owned(), p.to_string())
    }

    #[test]
    fn the_manuals_number_is_stored_as_digits_and_shown_with_hyphens() {
        assert_eq!(
            phone("0961234567"),
            ("0961234567".into(), "096-123-4567".into())
        );
        assert_eq!(
            phone("096-123-4567"),
            ("0961234567".into(), "096-123-4567".into())
        );
    }

    #[test]
    fn every_kind_of_number_a_resident_answers() {
        for (input, digits, shown) in [
            ("03-1234-5678", "0312345678", "03-1234-5678"),
            ("090-1234-5678", "09012345678", "090-1234-5678"),
            ("080 1234 5678", "08012345678", "080-1234-5678"),
            ("070-1234-5678", "07012345678", "070-1234-5678"),
            ("050-1234-5678", "05012345678", "050-1234-5678"),
            ("0120-123-456", "0120123456", "0120-123-456"),
            ("0800-123-4567", "08001234567", "0800-123-4567"),
        ] {
            assert_eq!(phone(input), (digits.into(), shown.into()), "{input}");
        }
    }

    #[test]
    fn typed_decorations_and_the_international_form_are_accepted() {
        for input in [
            "(096)123-4567",
            "096 123 4567",
            "０９６－１２３－４５６７",
            "０９６ー１２３ー４５６７",
            "+81 96-123-4567",
            "+81-96-123-4567",
            "＋８１９６１２３４５６７",
            " 0961234567 ",
        ] {
            assert_eq!(phone(input).0, "0961234567", "{input}");
        }
    }

    #[test]
    fn invalid_numbers_are_refused() {
        for input in [
            "096-123-456",
            "123",
            "117",
            "0000000000",
            "961234567",
            "096-123-4567 ext 8",
            "0120-FLOWERS",
            "電話なし",
            // An international or carrier-selection prefix, not a number.
            "001-1343-1267",
            "0033-010-123-4567",
        ] {
            assert_eq!(Phone::parse(input), Err(PhoneError::Invalid), "{input}");
        }
        assert_eq!(Phone::parse(" "), Err(PhoneError::Required));
        assert_eq!(PhoneError::Invalid.code(), Code::PhoneInvalid);
    }

    #[test]
    fn foreign_and_non_contact_numbers_are_refused() {
        assert_eq!(
            Phone::parse("+1 650 253 0000"),
            Err(PhoneError::NotDomestic)
        );
        assert_eq!(Phone::parse("0570-123-456"), Err(PhoneError::Unsupported));
        assert_eq!(Phone::parse("0990-123-456"), Err(PhoneError::Unsupported));
    }

    #[test]
    fn phone_serde_is_national_digits() {
        let p: Phone = serde_json::from_str("\"096-123-4567\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"0961234567\"");
        assert!(serde_json::from_str::<Phone>("\"123\"").is_err());
    }

    #[test]
    fn email_is_trimmed_folded_and_otherwise_kept() {
        let e = Email::parse(" Taro.Test@Example.jp ").unwrap();
        assert_eq!(e.as_str(), "Taro.Test@Example.jp");
        assert_eq!(
            Email::parse("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ")
                .unwrap()
                .as_str(),
            "taro@example.jp"
        );
        assert_eq!(
            Email::parse("taro＠example.jp").unwrap().as_str(),
            "taro@example.jp"
        );
    }

    #[test]
    fn email_may_be_left_empty_in_forms() {
        assert_eq!(Email::parse_optional("  "), Ok(None));
        assert_eq!(Email::parse(""), Err(EmailError::Required));
    }

    #[test]
    fn bad_emails_are_refused() {
        for input in [
            "taro",
            "taro@",
            "@example.jp",
            "taro@localhost",
            "taro@[127.0.0.1]",
            "Taro <taro@example.jp>",
            "たろう@example.jp",
            "taro@@example.jp",
        ] {
            assert_eq!(Email::parse(input), Err(EmailError::Invalid), "{input}");
        }
        assert_eq!(EmailError::Invalid.code(), Code::EmailInvalid);
    }

    #[test]
    fn email_serde_refuses_bad_addresses() {
        let e: Email = serde_json::from_str("\"taro@example.jp\"").unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"taro@example.jp\"");
        assert!(serde_json::from_str::<Email>("\"taro\"").is_err());
    }
}
