//! 予約枠報告: the clinic's periods and its reports to the city, readable offline.

use tauri::{AppHandle, State};
use uuid::Uuid;
use yoyaku_clinic::slot_reports::{ReportDraft, ReportFile, SlotReportScreen, Submitted};

use super::engine;
use crate::error::CommandResult;
use crate::{EngineState, paths};

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

/// A 予約枠報告様式 Excel file the receptionist picked, read into the form.
#[tauri::command]
#[specta::specta]
pub fn read_report_file(bytes: Vec<u8>) -> CommandResult<ReportFile> {
    Ok(yoyaku_clinic::slot_reports::read_report_file(&bytes)?)
}

/// The form saved as the city's 予約枠報告様式 Excel file in the Downloads folder; its path.
#[tauri::command]
#[specta::specta]
pub async fn save_report_file(
    app: AppHandle,
    state: State<'_, EngineState>,
    draft: ReportDraft,
) -> CommandResult<String> {
    let dir = paths::export_dir(&app)?;
    let saved = engine(&state)?.save_report_file(draft, dir).await?;
    Ok(saved.display().to_string())
}
