//! Where the cache and the settings live: the platform's app data and config directories, or
//! `YOYAKU_DATA_DIR` for both (tests, or a second instance on one machine). Exported lists go to
//! the user's ダウンロード folder, where a browser would have put them.

use std::path::PathBuf;

use tauri::{Manager, Runtime};

use crate::error::CommandError;

pub struct AppDirs {
    pub data: PathBuf,
    pub config: PathBuf,
}

impl AppDirs {
    pub fn resolve<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<Self, CommandError> {
        if let Some(dir) = std::env::var_os("YOYAKU_DATA_DIR").filter(|d| !d.is_empty()) {
            let dir = PathBuf::from(dir);
            return Ok(Self {
                data: dir.clone(),
                config: dir,
            });
        }
        let path = app.path();
        Ok(Self {
            data: path.app_data_dir().map_err(CommandError::startup)?,
            config: path.app_config_dir().map_err(CommandError::startup)?,
        })
    }
}

/// The folder exported lists are saved in: the user's Downloads, or `exports` beside the cache
/// when the platform names none.
pub fn export_dir<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<PathBuf, CommandError> {
    match app.path().download_dir() {
        Ok(dir) => Ok(dir),
        Err(_) => Ok(AppDirs::resolve(app)?.data.join("exports")),
    }
}

/// The platform's own answer on each OS, as the release workflow runs these tests on Windows,
/// macOS and Linux: the settings file is where that OS keeps an app's settings, per user.
#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use yoyaku_clinic::settings::SETTINGS_FILE;

    use super::AppDirs;

    fn home() -> PathBuf {
        let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
        PathBuf::from(std::env::var_os(var).expect("a home directory"))
    }

    #[test]
    fn the_settings_and_the_cache_are_in_the_users_app_directories() {
        if std::env::var_os("YOYAKU_DATA_DIR").is_some() {
            // Both are that directory then, by design: nothing of the platform's to check.
            return;
        }
        // The app's own identifier, from the config every build reads.
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        let identifier = config["identifier"].as_str().unwrap().to_owned();
        assert_eq!(identifier, "jp.yoyaku.clinic");
        let mut context = tauri::test::mock_context(tauri::test::noop_assets());
        context.config_mut().identifier = identifier.clone();
        let app = tauri::test::mock_builder().build(context).unwrap();
        let dirs = AppDirs::resolve(app.handle()).expect("the platform names the directories");
        let settings = dirs.config.join(SETTINGS_FILE);
        let (config_base, data_base) = if cfg!(target_os = "macos") {
            let support = home().join("Library/Application Support");
            (support.clone(), support)
        } else if cfg!(windows) {
            let roaming = PathBuf::from(std::env::var_os("APPDATA").expect("APPDATA"));
            (roaming.clone(), roaming)
        } else {
            let xdg = |var: &str, default: &str| {
                std::env::var_os(var)
                    .filter(|v| !v.is_empty())
                    .map_or_else(|| home().join(default), PathBuf::from)
            };
            (
                xdg("XDG_CONFIG_HOME", ".config"),
                xdg("XDG_DATA_HOME", ".local/share"),
            )
        };
        assert_eq!(
            settings,
            config_base.join(&identifier).join("settings.json")
        );
        assert_eq!(dirs.data, data_base.join(&identifier));
    }
}
