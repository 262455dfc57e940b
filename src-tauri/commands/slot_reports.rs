//! 予約枠報告: the clinic's periods and its reports to the city, readable offline.

use tauri::State;
use uuid::Uuid;
use yoyaku_clinic::slot_reports::{ReportDraft, SlotReportScreen, Submitted};

use super::engine;
use crate::EngineState;
use crate::error::CommandResult;

#[tauri::command]
#[specta::specta]
pub async fn slot_reports(state: State<'_, EngineState>) -> CommandResult<SlotReportScreen> {
    Ok(engine(&state)?.slot_reports().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn submit_slot_report(
    state: State<'_, EngineState>,
    draft: ReportDraft,
) -> CommandResult<Submitted> {
    Ok(engine(&state)?.submit_slot_report(draft).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn discard_unsent_report(state: State<'_, EngineState>, id: Uuid) -> CommandResult<()> {
    Ok(engine(&state)?.discard_unsent_report(id).await?)
}
