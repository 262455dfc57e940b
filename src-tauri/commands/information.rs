//! 利用規約 (from the login screen) and 問い合わせ先, the city's copies kept for offline.

use tauri::State;
use yoyaku_clinic::information::Published;
use yoyaku_core::information::{Contacts, TermsOfUse};

use super::engine;
use crate::EngineState;
use crate::error::CommandResult;

#[tauri::command]
#[specta::specta]
pub async fn terms_of_use(
    state: State<'_, EngineState>,
    municipality_code: String,
) -> CommandResult<Published<TermsOfUse>> {
    Ok(engine(&state)?.terms_of_use(&municipality_code).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn contacts(state: State<'_, EngineState>) -> CommandResult<Published<Contacts>> {
    Ok(engine(&state)?.contacts().await?)
}
