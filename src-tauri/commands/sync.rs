use tauri::State;
use yoyaku_clinic::SyncStatus;

use super::engine;
use crate::EngineState;
use crate::error::CommandResult;

#[tauri::command]
#[specta::specta]
pub async fn sync_now(state: State<'_, EngineState>) -> CommandResult<SyncStatus> {
    Ok(engine(&state)?.sync_now().await)
}

#[tauri::command]
#[specta::specta]
pub fn sync_status(state: State<'_, EngineState>) -> CommandResult<SyncStatus> {
    Ok(engine(&state)?.status())
}
