//! Why a booking use case refused its input, in the manual's words. The codes are the city
//! server's for the same refusals, so the UI matches one code whether the cache or the server said
//! no. Core rule errors (channel, dose rules, transitions, lot numbers) keep their own codes.

use yoyaku_core::Coded;
use yoyaku_core::planner::{Fill, Reason};

use crate::error::ClinicError;
use crate::slots::SlotRow;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("no such booking")]
    BookingNotFound,
    #[error("no such slot")]
    SlotNotFound,
    #[error("this slot's time has passed; please choose a later slot")]
    SlotPast,
    /// `alternatives` are the nearest slots with a seat, named in the message.
    #[error(
        "this slot is full; please choose another{}",
        alternatives_en(alternatives)
    )]
    SlotFull { alternatives: Vec<SlotRow> },
    #[error(
        "this resident is not on this computer; look the ticket up in 住民検索 and register the resident first"
    )]
    ResidentNotFound,
    #[error(
        "the resident's details (name in kana and so on) are not registered yet; register them first"
    )]
    ResidentNotRegistered,
    #[error("vaccine {code} is not on this computer yet; connect to the network and sync first")]
    VaccineUnknown { code: String },
    #[error("the vaccination time is in the future")]
    VaccinatedInFuture,
    /// 予約の変更 (3-2 ①) is to another day; on the same day the vial rules of 3-2 ② decide.
    #[error("a change on the same day is a same-day time change; use that instead")]
    ChangeSameDay,
    #[error("only a reserved booking's time can be changed on the day")]
    NotReserved,
    #[error(
        "a same-day time change must stay on the same day, venue and vaccine; change the booking instead"
    )]
    NotSameDay,
    #[error("the booking is already in this slot")]
    SameSlot,
    /// 条件1 or 条件2 of manual 3-2 ② would be broken.
    #[error("{}", infeasible_en(reasons, fill.as_ref()))]
    Infeasible {
        reasons: Vec<Reason>,
        fill: Option<Fill>,
    },
}

fn alternatives_en(slots: &[SlotRow]) -> String {
    if slots.is_empty() {
        return String::new();
    }
    let list: Vec<String> = slots
        .iter()
        .map(|s| {
            format!(
                "{} {}–{} ({} seat(s) left)",
                s.date, s.start_time, s.end_time, s.remaining
            )
        })
        .collect();
    format!(". Nearest with seats: {}", list.join(", "))
}

fn alternatives_ja(slots: &[SlotRow]) -> String {
    if slots.is_empty() {
        return String::new();
    }
    let list: Vec<String> = slots
        .iter()
        .map(|s| {
            let visibility = yoyaku_core::Visibility::parse(&s.visibility)
                .map_or("", yoyaku_core::Visibility::label_ja);
            format!(
                "{} {}〜{}（{visibility} 残り{}枠）",
                s.date.replace('-', "/"),
                s.start_time,
                s.end_time,
                s.remaining
            )
        })
        .collect();
    format!("空きのある近い予約枠：{}", list.join("、"))
}

fn infeasible_en(reasons: &[Reason], fill: Option<&Fill>) -> String {
    let mut parts: Vec<String> = reasons.iter().map(Reason::message_en).collect();
    parts.extend(fill.map(Fill::message_en));
    format!(
        "the time cannot be changed on the day: {}",
        parts.join("; ")
    )
}

impl Coded for Refusal {
    fn code(&self) -> &str {
        match self {
            Self::BookingNotFound => "booking.not_found",
            Self::SlotNotFound => "slot.not_found",
            Self::SlotPast => "slot.past",
            Self::SlotFull { .. } => "slot.full",
            Self::ResidentNotFound => "resident.not_found",
            Self::ResidentNotRegistered => "resident.not_registered",
            Self::VaccineUnknown { .. } => "vaccine.unknown",
            Self::VaccinatedInFuture => "vaccination.future",
            Self::ChangeSameDay => "booking.change_same_day",
            Self::NotReserved => "same_day_change.not_reserved",
            Self::NotSameDay => "same_day_change.not_same_day",
            Self::SameSlot => "same_day_change.same_slot",
            Self::Infeasible { .. } => "same_day_change.infeasible",
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::BookingNotFound => "該当する予約はありません。".into(),
            Self::SlotNotFound => "該当する予約枠はありません。".into(),
            Self::SlotPast => {
                "この予約枠の時間は過ぎています。これから先の予約枠を選んでください。".into()
            }
            Self::SlotFull { alternatives } => format!(
                "この予約枠は満枠です。空きのある別の予約枠を選んでください。{}",
                alternatives_ja(alternatives)
            ),
            Self::ResidentNotFound => "この方の住民情報がこの端末にありません。住民検索で接種券を確認し、住民情報を登録してから予約してください。".into(),
            Self::ResidentNotRegistered => "予約者情報（姓・名(カナ)など）が登録されていません。先に住民情報を登録してください。".into(),
            Self::VaccineUnknown { code } => format!(
                "接種ワクチン（{code}）の情報がこの端末にありません。ネットワークにつないで同期してから、もう一度お試しください。"
            ),
            Self::VaccinatedInFuture => "接種日時が未来になっています。".into(),
            Self::ChangeSameDay => "同じ日の別の時間への変更は「当日内で予約時間の変更」で行ってください。".into(),
            Self::NotReserved => {
                "当日内の時間変更ができるのは、ステータスが「予約済み」の予約だけです。".into()
            }
            Self::NotSameDay => "当日内の時間変更は、同じ日・同じ会場・同じワクチンの予約枠にのみ行えます。別の日への変更は予約の変更（キャンセルして新規予約）で行ってください。".into(),
            Self::SameSlot => "変更前と同じ予約枠です。別の時間の予約枠を選んでください。".into(),
            Self::Infeasible { reasons, fill } => {
                let mut parts: Vec<String> = reasons.iter().map(Reason::message_ja).collect();
                parts.extend(fill.as_ref().map(Fill::message_ja));
                format!("当日内の時間変更はできません。{}", parts.concat())
            }
        }
    }
}

impl From<Refusal> for ClinicError {
    fn from(refusal: Refusal) -> Self {
        ClinicError::invalid(&refusal)
    }
}

/// A cached row the schema should have kept valid is not.
pub(super) fn corrupt(what: impl std::fmt::Display) -> ClinicError {
    ClinicError::Internal(format!("cached data is invalid: {what}"))
}
