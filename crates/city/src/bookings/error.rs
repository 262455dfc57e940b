//! How a booking write fails: refused (yoyaku-core's [`Refusal`], the same the clinic's cache
//! answers; the HTTP API answers it as a problem, the sync push as a rejection), or broken below.

use yoyaku_core::booking::{BookingRuleError, EventDayError, TransitionError};
use yoyaku_core::channel::ChannelError;
use yoyaku_core::planner::ChangeError;
pub(crate) use yoyaku_core::refusal::Refusal;

use crate::residents::{ResidentError, ResidentRefusal};

#[derive(Debug, thiserror::Error)]
pub(crate) enum BookingError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value the schema should have kept valid is not.
    #[error("stored booking data is invalid: {0}")]
    Stored(String),
}

impl From<ResidentError> for BookingError {
    fn from(error: ResidentError) -> Self {
        match error {
            ResidentError::Refused(refusal) => Self::Refused(refusal.into()),
            ResidentError::Outside(error) => Self::Refused(error.into()),
            ResidentError::Database(error) => Self::Database(error),
            ResidentError::Stored(what) => Self::Stored(what),
        }
    }
}

impl From<ResidentRefusal> for BookingError {
    fn from(refusal: ResidentRefusal) -> Self {
        Self::Refused(refusal.into())
    }
}

macro_rules! refusal_into_booking_error {
    ($($error:ty),*) => {$(
        impl From<$error> for BookingError {
            fn from(error: $error) -> Self {
                Self::Refused(error.into())
            }
        }
    )*};
}

refusal_into_booking_error!(
    ChannelError,
    BookingRuleError,
    TransitionError,
    EventDayError,
    ChangeError
);
