//! 姓(カナ)・名(カナ): names in full-width katakana, however they were typed.
//!
//! Normalisation: NFKC (half-width kana become full-width and a separate dakuten is composed, so
//! ﾀﾞ becomes ダ; the ideographic space becomes a plain one), hiragana becomes katakana, spaces are
//! trimmed and inner runs folded to one full-width space. Latin letters are refused rather than
//! converted: wana_kana's `to_katakana` would turn "taro" into タロ, but a receptionist who typed
//! romaji should see it and retype, not have a guess stored.

use crate::code::Code;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use unicode_normalization::UnicodeNormalization;
use wana_kana::utils::hiragana_to_katakana;

use crate::error::Coded;

/// The longest name accepted, in characters (full-width spaces included).
pub const MAX_CHARS: usize = 50;

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct KanaName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KanaNameError {
    #[error("please enter the name in kana")]
    Required,
    #[error("Latin letters are not accepted; please type the name in katakana")]
    Latin,
    #[error("'{0}' is not katakana; please type the name in katakana")]
    NotKatakana(char),
    #[error("the name must be at most {MAX_CHARS} characters ({0} were entered)")]
    TooLong(usize),
}

impl Coded for KanaNameError {
    fn code(&self) -> Code {
        match self {
            Self::Required => Code::KanaNameRequired,
            Self::Latin => Code::KanaNameLatin,
            Self::NotKatakana(_) => Code::KanaNameNotKatakana,
            Self::TooLong(_) => Code::KanaNameTooLong,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::Required => "カナで入力してください。".into(),
            Self::Latin => "ローマ字は使えません。カナで入力してください。".into(),
            Self::NotKatakana(c) => format!("「{c}」は使えません。カナで入力してください。"),
            Self::TooLong(n) => {
                format!("{MAX_CHARS}文字以内で入力してください(入力は{n}文字です)。")
            }
        }
    }
}

impl KanaName {
    pub fn parse(input: &str) -> Result<Self, KanaNameError> {
        let words = normalised_words(input)?;
        if words.is_empty() {
            return Err(KanaNameError::Required);
        }
        let name = words.join("　");
        let len = name.chars().count();
        if len > MAX_CHARS {
            return Err(KanaNameError::TooLong(len));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The key resident search compares: the same normalisation as [`KanaName::parse`], but empty
/// input is allowed (no filter), there is no length limit, and spaces are dropped so that
/// "テスト タロー" and "テストタロー" find the same person. A prefix of a name gives a prefix of
/// its key, so callers match keys by prefix; apply this to stored names too (they are already
/// normalised, so only their spaces go).
pub fn search_key(input: &str) -> Result<String, KanaNameError> {
    Ok(normalised_words(input)?.concat())
}

/// The input's space-separated words, each in full-width katakana.
fn normalised_words(input: &str) -> Result<Vec<String>, KanaNameError> {
    let folded: String = input.nfkc().collect();
    let katakana = hiragana_to_katakana(&folded);
    let words: Vec<String> = katakana.split_whitespace().map(str::to_owned).collect();
    for c in words.iter().flat_map(|w| w.chars()) {
        if c.is_ascii_alphabetic() {
            return Err(KanaNameError::Latin);
        }
        if !is_name_katakana(c) {
            return Err(KanaNameError::NotKatakana(c));
        }
    }
    Ok(words)
}

/// Full-width katakana letters (small ones, ヴ, ヵ, ヶ and ヷ–ヺ included), ・ and ー.
fn is_name_katakana(c: char) -> bool {
    matches!(c, 'ァ'..='ヺ' | '・' | 'ー')
}

impl fmt::Display for KanaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KanaName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(input: &str) -> String {
        KanaName::parse(input).unwrap().to_string()
    }

    #[test]
    fn the_manuals_names_pass_unchanged() {
        assert_eq!(name("テスト"), "テスト");
        assert_eq!(name("タロー"), "タロー");
    }

    #[test]
    fn half_width_hiragana_and_padded_input_become_the_same_katakana() {
        for input in ["ﾃｽﾄ", "てすと", "テスト ", "　テスト"] {
            assert_eq!(name(input), "テスト", "{input}");
        }
    }

    #[test]
    fn half_width_dakuten_and_handakuten_are_composed() {
        assert_eq!(name("ﾀﾞｲｽｹ"), "ダイスケ");
        assert_eq!(name("ﾊﾟｰｸ"), "パーク");
        // A combining dakuten typed after a full-width letter, too.
        assert_eq!(name("タ\u{3099}イスケ"), "ダイスケ");
    }

    #[test]
    fn inner_spaces_fold_to_one_full_width_space() {
        assert_eq!(name("テスト タロー"), "テスト　タロー");
        assert_eq!(name("ﾃｽﾄ 　  ﾀﾛｰ"), "テスト　タロー");
    }

    #[test]
    fn small_kana_vu_and_the_middle_dot_are_kept() {
        assert_eq!(name("ヴァレンティーナ・ショウ"), "ヴァレンティーナ・ショウ");
        assert_eq!(name("ゔぃっきー"), "ヴィッキー");
        assert_eq!(name("ヶヵヮ"), "ヶヵヮ");
    }

    #[test]
    fn romaji_is_refused_not_converted() {
        for input in ["taro", "ＴＡＲＯ", "テストtaro"] {
            assert_eq!(KanaName::parse(input), Err(KanaNameError::Latin), "{input}");
        }
        assert_eq!(KanaNameError::Latin.code(), Code::KanaNameLatin);
    }

    #[test]
    fn kanji_digits_and_symbols_are_refused_naming_the_character() {
        assert_eq!(
            KanaName::parse("山田"),
            Err(KanaNameError::NotKatakana('山'))
        );
        assert_eq!(
            KanaName::parse("タロウ1"),
            Err(KanaNameError::NotKatakana('1'))
        );
        assert_eq!(
            KanaName::parse("タロ-"),
            Err(KanaNameError::NotKatakana('-'))
        );
        assert!(
            KanaNameError::NotKatakana('山')
                .message_ja()
                .contains("「山」")
        );
    }

    #[test]
    fn empty_is_required() {
        for input in ["", "   ", "　"] {
            assert_eq!(KanaName::parse(input), Err(KanaNameError::Required));
        }
        assert_eq!(KanaNameError::Required.code(), Code::KanaNameRequired);
    }

    #[test]
    fn fifty_characters_pass_and_fifty_one_do_not() {
        assert!(KanaName::parse(&"ア".repeat(50)).is_ok());
        assert_eq!(
            KanaName::parse(&"ア".repeat(51)),
            Err(KanaNameError::TooLong(51))
        );
    }

    #[test]
    fn search_keys_allow_empty_and_ignore_spaces() {
        assert_eq!(search_key("").unwrap(), "");
        assert_eq!(search_key("ﾃｽ").unwrap(), "テス");
        assert_eq!(search_key("てすと たろー").unwrap(), "テストタロー");
        assert_eq!(search_key("テスト　タロー").unwrap(), "テストタロー");
        assert_eq!(search_key("tes"), Err(KanaNameError::Latin));
    }

    #[test]
    fn serde_normalises_and_refuses_bad_names() {
        let n: KanaName = serde_json::from_str("\"ﾃｽﾄ\"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"テスト\"");
        assert!(serde_json::from_str::<KanaName>("\"taro\"").is_err());
        assert!(serde_json::from_str::<KanaName>("\"\"").is_err());
    }
}
