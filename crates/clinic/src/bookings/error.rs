//! Why a booking use case refused its input: yoyaku-core's [`Refusal`], the very codes and words
//! the city server answers with, so the UI matches one code whether the cache or the server said
//! no. Core rule errors (channel, dose rules, transitions, lot numbers) keep their own codes.

pub(crate) use yoyaku_core::refusal::{Refusal, ResidentRefusal};

use crate::error::ClinicError;

impl From<Refusal> for ClinicError {
    fn from(refusal: Refusal) -> Self {
        ClinicError::invalid(&refusal)
    }
}

/// A cached row the schema should have kept valid is not.
pub(super) fn corrupt(what: impl std::fmt::Display) -> ClinicError {
    ClinicError::Internal(format!("cached data is invalid: {what}"))
}
