//! Where the cache and the settings live: the platform's app data and config directories, or
//! `YOYAKU_DATA_DIR` for both (tests, or a second instance on one machine). Exported lists go to
//! the user's ダウンロード folder, where a browser would have put them.

use std::path::PathBuf;

use tauri::Manager;

use crate::error::CommandError;

pub struct AppDirs {
    pub data: PathBuf,
    pub config: PathBuf,
}

impl AppDirs {
    pub fn resolve(app: &tauri::AppHandle) -> Result<Self, CommandError> {
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
pub fn export_dir(app: &tauri::AppHandle) -> Result<PathBuf, CommandError> {
    match app.path().download_dir() {
        Ok(dir) => Ok(dir),
        Err(_) => Ok(AppDirs::resolve(app)?.data.join("exports")),
    }
}
