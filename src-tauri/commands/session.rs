use serde::Serialize;
use tauri::State;
use yoyaku_clinic::{LoginForm, Session, Settings};

use super::engine;
use crate::EngineState;
use crate::error::CommandResult;

#[derive(Serialize, specta::Type)]
pub struct AppState {
    settings: Settings,
    /// Read-only `sqlite:` URL of the cache, for the list screens (plugin-sql, select only).
    cache_db_url: String,
    version: &'static str,
}

#[tauri::command]
#[specta::specta]
pub fn app_state(state: State<'_, EngineState>) -> CommandResult<AppState> {
    let clinic = engine(&state)?;
    Ok(AppState {
        settings: clinic.settings().clone(),
        cache_db_url: clinic.store().read_only_url(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn login(state: State<'_, EngineState>, request: LoginForm) -> CommandResult<Session> {
    Ok(engine(&state)?.login(request).await?)
}

/// The session-renewal dialog: the password again, for the account logged in.
#[tauri::command]
#[specta::specta]
pub async fn renew_session(
    state: State<'_, EngineState>,
    password: String,
) -> CommandResult<Session> {
    Ok(engine(&state)?.renew_session(password).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn logout(state: State<'_, EngineState>) -> CommandResult<()> {
    Ok(engine(&state)?.logout().await?)
}
