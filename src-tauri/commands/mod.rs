//! Typed commands, one per use case. Each is listed in build.rs's app manifest and granted in
//! `capabilities/`, so the window can call nothing else.

pub mod bookings;
pub mod dates;
pub mod information;
pub mod print;
pub mod problems;
pub mod residents;
pub mod session;
pub mod slot_reports;
pub mod sync;
pub mod updates;

use std::sync::Arc;

use yoyaku_clinic::Clinic;

use crate::EngineState;
use crate::error::CommandResult;

fn engine(state: &EngineState) -> CommandResult<Arc<Clinic>> {
    state.clone()
}
