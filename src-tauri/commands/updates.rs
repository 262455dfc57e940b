use std::sync::Arc;

use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::updates::{UpdateView, Updates};

/// The updater, which runs once the engine has opened, or why the engine did not.
pub type UpdatesState = Result<Arc<Updates>, CommandError>;

fn updates(state: &UpdatesState) -> CommandResult<Arc<Updates>> {
    state.clone()
}

#[tauri::command]
#[specta::specta]
pub fn update_status(state: State<'_, UpdatesState>) -> CommandResult<UpdateView> {
    Ok(updates(&state)?.view())
}

/// 更新を確認: checks the feed now and downloads what is newer.
#[tauri::command]
#[specta::specta]
pub async fn check_for_update(state: State<'_, UpdatesState>) -> CommandResult<UpdateView> {
    Ok(updates(&state)?.check().await)
}

/// 更新して再起動: installs the downloaded version when nothing is unsent, then restarts into it.
#[tauri::command]
#[specta::specta]
pub async fn install_update(
    app: tauri::AppHandle,
    state: State<'_, UpdatesState>,
) -> CommandResult<()> {
    updates(&state)?.install().await?;
    app.restart()
}
