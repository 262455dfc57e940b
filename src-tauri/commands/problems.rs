//! 同期の問題: the list, rebook / retry / discard, and 連絡済み (called); and the 予約者情報 the
//! city kept over this clinic's, to choose between.

use tauri::State;
use uuid::Uuid;
use yoyaku_clinic::{DetailsChoice, DetailsConflict, SyncProblem};

use super::engine;
use crate::EngineState;
use crate::error::CommandResult;

#[tauri::command]
#[specta::specta]
pub async fn sync_problems(state: State<'_, EngineState>) -> CommandResult<Vec<SyncProblem>> {
    Ok(engine(&state)?.sync_problems().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn rebook_problem(
    state: State<'_, EngineState>,
    intent_id: Uuid,
    slot_id: Uuid,
) -> CommandResult<()> {
    Ok(engine(&state)?.rebook_problem(intent_id, slot_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn retry_problem(state: State<'_, EngineState>, intent_id: Uuid) -> CommandResult<()> {
    Ok(engine(&state)?.retry_problem(intent_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn discard_problem(state: State<'_, EngineState>, intent_id: Uuid) -> CommandResult<()> {
    Ok(engine(&state)?.discard_problem(intent_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn mark_problem_called(
    state: State<'_, EngineState>,
    intent_id: Uuid,
    called: bool,
) -> CommandResult<SyncProblem> {
    Ok(engine(&state)?
        .mark_problem_called(intent_id, called)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn details_conflicts(
    state: State<'_, EngineState>,
) -> CommandResult<Vec<DetailsConflict>> {
    Ok(engine(&state)?.details_conflicts().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn resolve_details_conflict(
    state: State<'_, EngineState>,
    intent_id: Uuid,
    choice: DetailsChoice,
) -> CommandResult<()> {
    Ok(engine(&state)?
        .resolve_details_conflict(intent_id, choice)
        .await?)
}
