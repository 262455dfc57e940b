//! 接種予約, キャンセル, 予約の変更, 受付 and the 4-1 list (manual 2-1, 2-2, 3-1, 3-2, 4-1).

use chrono::{DateTime, NaiveDate, Utc};
use tauri::{AppHandle, State};
use uuid::Uuid;
use yoyaku_clinic::{
    BookRequest, Booked, BookingRow, CITY_ANSWER_WAIT, Changed, MassVenueBooked, MassVenueOffer,
    Moved, OpenVialOffered, OpenVials, ReleasedSeats, SameDayCheck, SlotRow,
};
use yoyaku_core::second_dose::SecondDosePlan;

use super::engine;
use crate::error::CommandResult;
use crate::{EngineState, paths};

#[tauri::command]
#[specta::specta]
pub async fn book(state: State<'_, EngineState>, request: BookRequest) -> CommandResult<Booked> {
    Ok(engine(&state)?
        .book_with_city(request, CITY_ANSWER_WAIT)
        .await?)
}

/// 続けて2回目: where the second dose of a first-dose booking can be had.
#[tauri::command]
#[specta::specta]
pub async fn second_dose_plan(
    state: State<'_, EngineState>,
    booking_id: Uuid,
) -> CommandResult<Option<SecondDosePlan>> {
    Ok(engine(&state)?.second_dose_plan(booking_id).await?)
}

/// 2回目は市総合体育館等: the city's mass venue's seats for the second dose, on `day`.
#[tauri::command]
#[specta::specta]
pub async fn mass_venue_offer(
    state: State<'_, EngineState>,
    booking_id: Uuid,
    day: Option<NaiveDate>,
) -> CommandResult<MassVenueOffer> {
    Ok(engine(&state)?.mass_venue_offer(booking_id, day).await?)
}

/// The second dose booked at the city's mass venue, online.
#[tauri::command]
#[specta::specta]
pub async fn book_at_mass_venue(
    state: State<'_, EngineState>,
    booking_id: Uuid,
    slot_id: Uuid,
) -> CommandResult<MassVenueBooked> {
    Ok(engine(&state)?
        .book_at_mass_venue(booking_id, slot_id)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_booking(
    state: State<'_, EngineState>,
    booking_id: Uuid,
) -> CommandResult<BookingRow> {
    Ok(engine(&state)?.cancel(booking_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn change_booking(
    state: State<'_, EngineState>,
    booking_id: Uuid,
    slot_id: Uuid,
) -> CommandResult<Changed> {
    Ok(engine(&state)?
        .change_booking_with_city(booking_id, slot_id, CITY_ANSWER_WAIT)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn check_same_day_move(
    state: State<'_, EngineState>,
    booking_id: Uuid,
    slot_id: Uuid,
) -> CommandResult<SameDayCheck> {
    Ok(engine(&state)?
        .check_same_day_move(booking_id, slot_id)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn same_day_move(
    state: State<'_, EngineState>,
    booking_id: Uuid,
    slot_id: Uuid,
) -> CommandResult<Moved> {
    Ok(engine(&state)?.same_day_move(booking_id, slot_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn check_in(
    state: State<'_, EngineState>,
    booking_id: Uuid,
) -> CommandResult<BookingRow> {
    Ok(engine(&state)?.check_in(booking_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn record_vaccination(
    state: State<'_, EngineState>,
    booking_id: Uuid,
    lot_number: String,
    vaccinated_at: Option<DateTime<Utc>>,
) -> CommandResult<BookingRow> {
    Ok(engine(&state)?
        .record_vaccination(booking_id, &lot_number, vaccinated_at)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn mark_no_show(
    state: State<'_, EngineState>,
    booking_id: Uuid,
) -> CommandResult<BookingRow> {
    Ok(engine(&state)?.mark_no_show(booking_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn nearby_slots(
    state: State<'_, EngineState>,
    slot_id: Uuid,
) -> CommandResult<Vec<SlotRow>> {
    Ok(engine(&state)?.nearby_slots(slot_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn day_list(
    state: State<'_, EngineState>,
    venue_id: Uuid,
    vaccine_code: String,
    date: NaiveDate,
) -> CommandResult<Vec<BookingRow>> {
    Ok(engine(&state)?
        .day_list(venue_id, &vaccine_code, date)
        .await?)
}

/// Saves the 4-1 list as CSV in the Downloads folder and answers the file's path.
#[tauri::command]
#[specta::specta]
pub async fn save_day_list_csv(
    app: AppHandle,
    state: State<'_, EngineState>,
    venue_id: Uuid,
    vaccine_code: String,
    date: NaiveDate,
) -> CommandResult<String> {
    let dir = paths::export_dir(&app)?;
    let saved = engine(&state)?
        .save_day_list_csv(venue_id, &vaccine_code, date, dir)
        .await?;
    Ok(saved.display().to_string())
}

/// ★ The doses left in an open vial, offered to the city's waiting list (online only).
#[tauri::command]
#[specta::specta]
pub async fn offer_open_vial(
    state: State<'_, EngineState>,
    venue_id: Uuid,
    vaccine_code: String,
    doses: i32,
    starts_at: DateTime<Utc>,
) -> CommandResult<OpenVialOffered> {
    Ok(engine(&state)?
        .offer_open_vial(venue_id, &vaccine_code, doses, starts_at)
        .await?)
}

/// Free seats of a 非公開枠 given to the city's waiting list (online only).
#[tauri::command]
#[specta::specta]
pub async fn release_to_waitlist(
    state: State<'_, EngineState>,
    slot_id: Uuid,
    seats: i32,
) -> CommandResult<ReleasedSeats> {
    Ok(engine(&state)?.release_to_waitlist(slot_id, seats).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn open_vials(
    state: State<'_, EngineState>,
    venue_id: Uuid,
    vaccine_code: String,
    date: NaiveDate,
) -> CommandResult<OpenVials> {
    Ok(engine(&state)?
        .open_vials(venue_id, &vaccine_code, date)
        .await?)
}
