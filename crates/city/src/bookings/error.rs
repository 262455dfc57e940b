//! Why a booking write was refused: a stable code, messages in Japanese and English, and where it
//! helps, slots to choose instead. The HTTP API answers them as problems; the sync push as
//! rejections.

use yoyaku_core::Coded;
use yoyaku_core::booking::{BookingRuleError, EventDayError, TransitionError};
use yoyaku_core::channel::ChannelError;
use yoyaku_core::out_of_municipality::OutsideError;
use yoyaku_core::planner::{ChangeError, Fill, Reason};
use yoyaku_core::slot::AlternativeSlot;

use crate::residents::{ResidentError, ResidentRefusal};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    #[error(transparent)]
    Resident(#[from] ResidentRefusal),
    /// A 市外住民's registration the rules refuse (manual 2-3).
    #[error(transparent)]
    Outside(#[from] OutsideError),
    #[error("no such booking")]
    BookingNotFound,
    #[error("no such slot")]
    SlotNotFound,
    /// No seat left; `alternatives` are the nearest slots that have one.
    #[error("this slot is full; please choose another")]
    SlotFull { alternatives: Vec<AlternativeSlot> },
    #[error("this slot's time has passed; please choose a later slot")]
    SlotPast,
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error(transparent)]
    Rule(#[from] BookingRuleError),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    EventDay(#[from] EventDayError),
    /// A client-made booking id that names a different booking.
    #[error("this booking id is already used by a different booking")]
    IdConflict,
    #[error(
        "only the clinic (or the call center acting for it) can do this for the clinic's bookings"
    )]
    ClinicOnly,
    #[error("the vaccination time is in the future")]
    VaccinatedInFuture,
    #[error("only a reserved booking's time can be changed on the day")]
    NotReserved,
    /// A same-day move to another day, venue or vaccine: that is a change (manual 3-2 ①).
    #[error(
        "a same-day time change must stay on the same day, venue and vaccine; change the booking instead"
    )]
    NotSameDay,
    #[error(transparent)]
    SameDay(#[from] ChangeError),
    /// 条件1 or 条件2 of manual 3-2 ② would be broken; `alternatives` are slots of the day the
    /// booking could move to instead.
    #[error("{}", infeasible_en(reasons, fill.as_ref()))]
    Infeasible {
        reasons: Vec<Reason>,
        fill: Option<Fill>,
        alternatives: Vec<AlternativeSlot>,
    },
}

fn infeasible_en(reasons: &[Reason], fill: Option<&Fill>) -> String {
    let mut parts: Vec<String> = reasons.iter().map(Reason::message_en).collect();
    parts.extend(fill.map(Fill::message_en));
    format!(
        "the time cannot be changed on the day: {}",
        parts.join("; ")
    )
}

impl Refusal {
    /// Slots the caller could choose instead, nearest first.
    pub fn alternatives(&self) -> &[AlternativeSlot] {
        match self {
            Self::SlotFull { alternatives } | Self::Infeasible { alternatives, .. } => alternatives,
            _ => &[],
        }
    }
}

impl Coded for Refusal {
    fn code(&self) -> &str {
        match self {
            Self::Resident(e) => e.code(),
            Self::Outside(e) => e.code(),
            Self::BookingNotFound => "booking.not_found",
            Self::SlotNotFound => "slot.not_found",
            Self::SlotFull { .. } => "slot.full",
            Self::SlotPast => "slot.past",
            Self::Channel(e) => e.code(),
            Self::Rule(e) => e.code(),
            Self::Transition(e) => e.code(),
            Self::EventDay(e) => e.code(),
            Self::IdConflict => "booking.id_conflict",
            Self::ClinicOnly => "booking.clinic_only",
            Self::VaccinatedInFuture => "vaccination.future",
            Self::NotReserved => "same_day_change.not_reserved",
            Self::NotSameDay => "same_day_change.not_same_day",
            Self::SameDay(e) => e.code(),
            Self::Infeasible { .. } => "same_day_change.infeasible",
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::Resident(e) => e.message_ja(),
            Self::Outside(e) => e.message_ja(),
            Self::BookingNotFound => "該当する予約はありません。".into(),
            Self::SlotNotFound => "該当する予約枠はありません。".into(),
            Self::SlotFull { .. } => {
                "この予約枠は満枠です。空きのある別の予約枠を選んでください。".into()
            }
            Self::SlotPast => "この予約枠の時間は過ぎています。これから先の予約枠を選んでください。".into(),
            Self::Channel(e) => e.message_ja(),
            Self::Rule(e) => e.message_ja(),
            Self::Transition(e) => e.message_ja(),
            Self::EventDay(e) => e.message_ja(),
            Self::IdConflict => "この予約IDは別の予約に使われています。".into(),
            Self::ClinicOnly => {
                "この操作は予約先の医療機関（または依頼を受けたコールセンター）のみ行えます。".into()
            }
            Self::VaccinatedInFuture => "接種日時が未来になっています。".into(),
            Self::NotReserved => {
                "当日内の時間変更ができるのは、ステータスが「予約済み」の予約だけです。".into()
            }
            Self::NotSameDay => "当日内の時間変更は、同じ日・同じ会場・同じワクチンの予約枠にのみ行えます。別の日への変更は予約の変更（キャンセルして新規予約）で行ってください。".into(),
            Self::SameDay(e) => e.message_ja(),
            Self::Infeasible { reasons, fill, .. } => {
                let mut parts: Vec<String> = reasons.iter().map(Reason::message_ja).collect();
                parts.extend(fill.as_ref().map(Fill::message_ja));
                format!("当日内の時間変更はできません。{}", parts.concat())
            }
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;
    use yoyaku_core::planner::SlotTime;

    #[test]
    fn an_infeasible_change_explains_itself_in_both_languages() {
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let refusal = Refusal::Infeasible {
            reasons: vec![
                Reason::VialWindow {
                    diluted_at: at(9),
                    use_by: at(15),
                    slot: SlotTime::new(at(17), at(18)).unwrap(),
                },
                Reason::Waste { added: 5 },
            ],
            fill: None,
            alternatives: vec![],
        };
        assert_eq!(refusal.code(), "same_day_change.infeasible");
        let ja = refusal.message_ja();
        assert!(ja.starts_with("当日内の時間変更はできません。"), "{ja}");
        assert!(ja.contains("09:00に希釈したバイアルは15:00まで"), "{ja}");
        assert!(ja.contains("条件2"), "{ja}");
        let en = refusal.message_en();
        assert!(en.contains("must be used by 15:00"), "{en}");
        assert!(en.contains("waste 5 dose(s)"), "{en}");
    }

    #[test]
    fn core_rules_keep_their_codes() {
        let refusal: Refusal = ChannelError::PrivateSlot.into();
        assert_eq!(refusal.code(), "slot.private");
        let refusal: Refusal = ResidentRefusal::NotInRegistry.into();
        assert_eq!(refusal.code(), "ticket.not_in_registry");
        assert!(refusal.alternatives().is_empty());
    }
}
