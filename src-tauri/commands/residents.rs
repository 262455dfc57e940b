//! 有効接種券 look-up, 住民情報登録, 住民検索, 住民情報 and the 住所地外接種 check (manual 2-1, 2-3, 4-2).

use tauri::State;
use yoyaku_clinic::{
    OutOfMunicipalityCheck, ReasonOption, Registration, RegistrationForm, ResidentQuery,
    ResidentRecord, ResidentSearch, TicketLookup,
};
use yoyaku_core::out_of_municipality::Reason;
use yoyaku_core::resident_key::ResidentKeyInput;

use super::engine;
use crate::EngineState;
use crate::error::CommandResult;

#[tauri::command]
#[specta::specta]
pub async fn lookup_ticket(
    state: State<'_, EngineState>,
    key: ResidentKeyInput,
) -> CommandResult<TicketLookup> {
    Ok(engine(&state)?.lookup_ticket(key).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn register_resident(
    state: State<'_, EngineState>,
    form: RegistrationForm,
) -> CommandResult<Registration> {
    Ok(engine(&state)?.register_resident(form).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn search_residents(
    state: State<'_, EngineState>,
    query: ResidentQuery,
) -> CommandResult<ResidentSearch> {
    Ok(engine(&state)?.search_residents(query).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn resident_detail(
    state: State<'_, EngineState>,
    municipality_code: String,
    ticket_number: String,
) -> CommandResult<ResidentRecord> {
    Ok(engine(&state)?
        .resident_detail(&municipality_code, &ticket_number)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub fn out_of_municipality_reasons(
    state: State<'_, EngineState>,
) -> CommandResult<Vec<ReasonOption>> {
    Ok(engine(&state)?.out_of_municipality_reasons())
}

#[tauri::command]
#[specta::specta]
pub fn check_out_of_municipality(
    state: State<'_, EngineState>,
    reason: Reason,
) -> CommandResult<OutOfMunicipalityCheck> {
    Ok(engine(&state)?.check_out_of_municipality(reason))
}
