//! Where the city server is, and what to prefill: `settings.json` in the app's config directory,
//! overridden by the environment (`YOYAKU_SERVER_URL`, `YOYAKU_MUNICIPALITY_CODE`).

use std::path::Path;
use yoyaku_core::Code;

use serde::{Deserialize, Serialize};
use yoyaku_core::MunicipalityCode;

use crate::error::{ClinicError, Result};

pub const SETTINGS_FILE: &str = "settings.json";
/// The local demo server started by the README's run command.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8731";
/// 熊本市, as the manual's login screen has it.
pub const DEFAULT_MUNICIPALITY_CODE: &str = "431001";

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server_url: String,
    pub default_municipality_code: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server_url: DEFAULT_SERVER_URL.into(),
            default_municipality_code: DEFAULT_MUNICIPALITY_CODE.into(),
        }
    }
}

impl Settings {
    /// Reads `dir/settings.json` if present, then applies the environment; validates the result.
    pub fn load(dir: &Path) -> Result<Self> {
        let file = dir.join(SETTINGS_FILE);
        // Read as bytes: a file that is not UTF-8 is a settings error like any other bad JSON.
        let mut settings = match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| ClinicError::Invalid {
                code: Code::SettingsInvalid,
                ja: format!("設定ファイル {} を読み取れません: {e}", file.display()),
                en: format!("cannot read the settings file {}: {e}", file.display()),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Settings::default(),
            Err(e) => return Err(ClinicError::Internal(format!("{}: {e}", file.display()))),
        };
        settings.apply_env(|k| std::env::var(k).ok());
        settings.validate()?;
        Ok(settings)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(url) = var("YOYAKU_SERVER_URL").filter(|v| !v.trim().is_empty()) {
            self.server_url = url.trim().to_owned();
        }
        if let Some(code) = var("YOYAKU_MUNICIPALITY_CODE").filter(|v| !v.trim().is_empty()) {
            self.default_municipality_code = code.trim().to_owned();
        }
    }

    fn validate(&mut self) -> Result<()> {
        let url = reqwest::Url::parse(&self.server_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if url.is_none() {
            return Err(ClinicError::Invalid {
                code: Code::SettingsServerUrl,
                ja: format!(
                    "サーバーURL「{}」が正しくありません（例: https://yoyaku.example.jp）。",
                    self.server_url
                ),
                en: format!(
                    "the server URL {:?} is not an http(s) URL (e.g. https://yoyaku.example.jp)",
                    self.server_url
                ),
            });
        }
        self.server_url = self.server_url.trim_end_matches('/').to_owned();
        let code = MunicipalityCode::parse(&self.default_municipality_code)
            .map_err(|e| ClinicError::invalid(&e))?;
        self.default_municipality_code = code.to_string();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Strategy;
    use yoyaku_core::Coded;

    #[test]
    fn defaults_point_at_the_local_demo_server() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::default();
        s.validate().unwrap();
        assert_eq!(s.server_url, DEFAULT_SERVER_URL);
        assert!(!dir.path().join(SETTINGS_FILE).exists());
    }

    #[test]
    fn the_file_is_read_and_the_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            r#"{"server_url": "https://yoyaku.city.example/", "default_municipality_code": "131016"}"#,
        )
        .unwrap();
        let text = std::fs::read_to_string(dir.path().join(SETTINGS_FILE)).unwrap();
        let mut s: Settings = serde_json::from_str(&text).unwrap();
        s.validate().unwrap();
        assert_eq!(s.server_url, "https://yoyaku.city.example");
        assert_eq!(s.default_municipality_code, "131016");
        s.apply_env(|k| (k == "YOYAKU_SERVER_URL").then(|| "http://10.0.0.5:8731".to_owned()));
        assert_eq!(s.server_url, "http://10.0.0.5:8731");
    }

    #[test]
    fn a_bad_url_or_code_is_refused_with_a_clear_error() {
        let mut s = Settings {
            server_url: "yoyaku.example".into(),
            ..Settings::default()
        };
        let err = s.validate().unwrap_err();
        assert!(
            matches!(err, ClinicError::Invalid { ref code, .. } if *code == Code::SettingsServerUrl)
        );
        let mut s = Settings {
            default_municipality_code: "431002".into(),
            ..Settings::default()
        };
        assert!(s.validate().is_err());
    }

    proptest::proptest! {
        /// Whatever is in settings.json (not JSON, JSON of another shape, any URL or code in the
        /// right shape): settings that work, or a coded error in both languages; never a panic.
        #[test]
        fn any_settings_file_loads_or_is_refused_with_a_clear_error(
            file in proptest::prop_oneof![
                proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
                (".{0,40}", ".{0,12}").prop_map(|(url, code)| serde_json::to_vec(
                    &serde_json::json!({"server_url": url, "default_municipality_code": code})
                ).unwrap()),
                ("(https?|ftp)://[a-z0-9.:/-]{0,24}", "[0-9０-９]{5,7}").prop_map(|(url, code)| {
                    serde_json::to_vec(
                        &serde_json::json!({"server_url": url, "default_municipality_code": code})
                    ).unwrap()
                }),
            ]
        ) {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(SETTINGS_FILE), &file).unwrap();
            match Settings::load(dir.path()) {
                Ok(settings) => {
                    let url = reqwest::Url::parse(&settings.server_url).unwrap();
                    proptest::prop_assert!(matches!(url.scheme(), "http" | "https"));
                    proptest::prop_assert!(
                        MunicipalityCode::parse(&settings.default_municipality_code).is_ok()
                    );
                }
                Err(error) => {
                    // What the file says is the user's to fix, never an internal error.
                    proptest::prop_assert!(error.code() != Code::Internal, "{error:?}");
                    proptest::prop_assert!(Code::ALL.contains(&error.code()));
                    proptest::prop_assert!(!error.message_ja().trim().is_empty());
                    proptest::prop_assert!(!error.message_en().trim().is_empty());
                }
            }
        }
    }

    #[test]
    fn unknown_keys_in_the_file_are_an_error_not_silently_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS_FILE), r#"{"server": "x"}"#).unwrap();
        assert!(Settings::load(dir.path()).is_err());
    }
}
