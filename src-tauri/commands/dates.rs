//! Dates as receptionists type them (西暦 or 和暦), read by yoyaku-core's parser while they type,
//! so that the window shows the date the engine will take and keeps no calendar of its own.

use chrono::NaiveDate;
use serde::Deserialize;
use yoyaku_clinic::ClinicError;
use yoyaku_core::birth_date::{BirthDate, read_calendar_date};
use yoyaku_core::time::tokyo_today;

use crate::error::CommandResult;

/// What the date is for, which decides what it may be.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DateKind {
    /// 生年月日: in the past, and not before 1900.
    Birth,
    /// 予約日 and the like: any calendar date.
    Booking,
}

/// The date `input` names, or why it names none (the form shows the reason under the field).
#[tauri::command]
#[specta::specta]
pub fn read_date(input: String, kind: DateKind) -> CommandResult<NaiveDate> {
    let read = match kind {
        DateKind::Birth => BirthDate::parse(&input, tokyo_today()).map(|b| b.date()),
        DateKind::Booking => read_calendar_date(&input),
    };
    Ok(read.map_err(|e| ClinicError::invalid(&e))?)
}
