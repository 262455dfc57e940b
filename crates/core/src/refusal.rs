//! Why a booking or a resident's write was refused, wherever it was decided: the city server and
//! the clinic's cache answer the same refusal with the same code and the same words, so a screen
//! reads one code whichever of them said no.

use chrono::{Datelike, NaiveDate};

use crate::booking::{BookingRuleError, EventDayError, TransitionError};
use crate::channel::ChannelError;
use crate::code::Code;
use crate::error::Coded;
use crate::out_of_municipality::OutsideError;
use crate::planner::{ChangeError, Fill, Reason};
use crate::slot::AlternativeSlot;
use crate::time::to_tokyo;

/// Why a resident could not be found, registered or booked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResidentRefusal {
    /// A made-up ticket and a wrong birth date get this one answer: which part was wrong stays
    /// unknown to someone trying numbers.
    #[error(
        "the ticket number and birth date do not match the city's valid tickets; please check both"
    )]
    NotInRegistry,
    #[error("the resident's details are not registered yet; please register them first")]
    NotRegistered,
    /// No registered resident the reader may see: one that is not registered and one that is
    /// another clinic's get the same answer.
    #[error("no such resident is registered")]
    NoneVisible,
    /// DV等の被害者 (manual 2-3): their 予約者情報 and bookings stay with the clinic that books
    /// them and the city; anyone else is told to ask the call center, and nothing more.
    #[error(
        "this resident's details are shown only where they are booked: please refer them to the call center"
    )]
    Protected,
    /// The clinic's cache has no such resident: it is looked up (and registered) first.
    #[error(
        "this resident is not on this computer; look the ticket up in 住民検索 and register the resident first"
    )]
    NotCached,
}

impl Coded for ResidentRefusal {
    fn code(&self) -> Code {
        match self {
            Self::NotInRegistry => Code::TicketNotInRegistry,
            Self::NotRegistered => Code::ResidentNotRegistered,
            // The same absence as the cache sees it: the message says where to look.
            Self::NoneVisible | Self::NotCached => Code::ResidentNotFound,
            Self::Protected => Code::ResidentProtected,
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::NotInRegistry => {
                "接種券番号と生年月日の組み合わせが有効接種券に見つかりません。両方をもう一度ご確認ください。"
            }
            Self::NotRegistered => {
                "予約者情報（姓・名(カナ)など）が登録されていません。先に住民情報を登録してください。"
            }
            Self::NoneVisible => "該当する住民情報はありません。",
            Self::Protected => {
                "この方の情報はこちらでは表示・変更できません。コールセンターをご案内ください。"
            }
            Self::NotCached => {
                "この方の住民情報がこの端末にありません。住民検索で接種券を確認し、住民情報を登録してから予約してください。"
            }
        }
        .into()
    }
}

/// Why a booking write (接種予約, キャンセル, 予約の変更, 当日内の時間変更, 受付) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Resident(#[from] ResidentRefusal),
    /// A 市外住民's registration the rules refuse (manual 2-3).
    #[error(transparent)]
    Outside(#[from] OutsideError),
    #[error("no such booking")]
    BookingNotFound,
    #[error("no such slot")]
    SlotNotFound,
    /// No seat left; `alternatives` are the nearest slots that have one, named in the message.
    #[error(
        "this slot is full; please choose another{}",
        alternatives_en(alternatives)
    )]
    SlotFull { alternatives: Vec<AlternativeSlot> },
    #[error("this slot's time has passed; please choose a later slot")]
    SlotPast,
    /// A 公開枠 of a period whose reception (受付開始) has not begun.
    #[error("booking this public slot opens on {opens}; please book it from then")]
    SlotNotOpen { opens: NaiveDate },
    /// The clinic's cache does not know the slot's vaccine yet.
    #[error("vaccine {code} is not on this computer yet; connect to the network and sync first")]
    VaccineNotCached { code: String },
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
    /// 予約の変更 (3-2 ①) is to another day; on the same day the vial rules of 3-2 ② decide.
    #[error("a change on the same day is a same-day time change; use that instead")]
    ChangeSameDay,
    #[error("only a reserved booking's time can be changed on the day")]
    NotReserved,
    /// A same-day move to another day, venue or vaccine: that is a change (manual 3-2 ①).
    #[error(
        "a same-day time change must stay on the same day, venue and vaccine; change the booking instead"
    )]
    NotSameDay,
    #[error("the booking is already in this slot")]
    SameSlot,
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
    fn code(&self) -> Code {
        match self {
            Self::Resident(e) => e.code(),
            Self::Outside(e) => e.code(),
            Self::BookingNotFound => Code::BookingNotFound,
            Self::SlotNotFound => Code::SlotNotFound,
            Self::SlotFull { .. } => Code::SlotFull,
            Self::SlotPast => Code::SlotPast,
            Self::SlotNotOpen { .. } => Code::SlotNotOpen,
            Self::VaccineNotCached { .. } => Code::VaccineNotCached,
            Self::Channel(e) => e.code(),
            Self::Rule(e) => e.code(),
            Self::Transition(e) => e.code(),
            Self::EventDay(e) => e.code(),
            Self::IdConflict => Code::BookingIdConflict,
            Self::ClinicOnly => Code::BookingClinicOnly,
            Self::VaccinatedInFuture => Code::VaccinationFuture,
            Self::ChangeSameDay => Code::BookingChangeSameDay,
            Self::NotReserved => Code::SameDayChangeNotReserved,
            Self::NotSameDay => Code::SameDayChangeNotSameDay,
            Self::SameSlot => Code::SameDayChangeSameSlot,
            Self::SameDay(e) => e.code(),
            Self::Infeasible { .. } => Code::SameDayChangeInfeasible,
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::Resident(e) => e.message_ja(),
            Self::Outside(e) => e.message_ja(),
            Self::BookingNotFound => "該当する予約はありません。".into(),
            Self::SlotNotFound => "該当する予約枠はありません。".into(),
            Self::SlotFull { alternatives } => format!(
                "この予約枠は満枠です。空きのある別の予約枠を選んでください。{}",
                alternatives_ja(alternatives)
            ),
            Self::SlotPast => "この予約枠の時間は過ぎています。これから先の予約枠を選んでください。".into(),
            Self::SlotNotOpen { opens } => format!(
                "この公開枠の予約受付は{}月{}日からです。受付開始後に予約してください。",
                opens.month(),
                opens.day()
            ),
            Self::VaccineNotCached { code } => format!(
                "接種ワクチン（{code}）の情報がこの端末にありません。ネットワークにつないで同期してから、もう一度お試しください。"
            ),
            Self::Channel(e) => e.message_ja(),
            Self::Rule(e) => e.message_ja(),
            Self::Transition(e) => e.message_ja(),
            Self::EventDay(e) => e.message_ja(),
            Self::IdConflict => "この予約IDは別の予約に使われています。".into(),
            Self::ClinicOnly => {
                "この操作は予約先の医療機関（または依頼を受けたコールセンター）のみ行えます。".into()
            }
            Self::VaccinatedInFuture => "接種日時が未来になっています。".into(),
            Self::ChangeSameDay => "同じ日の別の時間への変更は「当日内で予約時間の変更」で行ってください。".into(),
            Self::NotReserved => {
                "当日内の時間変更ができるのは、ステータスが「予約済み」の予約だけです。".into()
            }
            Self::NotSameDay => "当日内の時間変更は、同じ日・同じ会場・同じワクチンの予約枠にのみ行えます。別の日への変更は予約の変更（キャンセルして新規予約）で行ってください。".into(),
            Self::SameSlot => "変更前と同じ予約枠です。別の時間の予約枠を選んでください。".into(),
            Self::SameDay(e) => e.message_ja(),
            Self::Infeasible { reasons, fill, .. } => {
                let mut parts: Vec<String> = reasons.iter().map(Reason::message_ja).collect();
                parts.extend(fill.as_ref().map(Fill::message_ja));
                format!("当日内の時間変更はできません。{}", parts.concat())
            }
        }
    }
}

/// `2021/05/15 09:00〜09:30`, in Tokyo.
fn slot_time(slot: &AlternativeSlot) -> String {
    let (starts, ends) = (to_tokyo(slot.starts_at), to_tokyo(slot.ends_at));
    format!(
        "{} {}〜{}",
        starts.format("%Y/%m/%d"),
        starts.format("%H:%M"),
        ends.format("%H:%M")
    )
}

fn alternatives_ja(slots: &[AlternativeSlot]) -> String {
    if slots.is_empty() {
        return String::new();
    }
    let list: Vec<String> = slots
        .iter()
        .map(|s| {
            let visibility = s.visibility.map_or("", |v| v.label_ja());
            format!("{}（{visibility} 残り{}枠）", slot_time(s), s.remaining)
        })
        .collect();
    format!("空きのある近い予約枠：{}", list.join("、"))
}

fn alternatives_en(slots: &[AlternativeSlot]) -> String {
    if slots.is_empty() {
        return String::new();
    }
    let list: Vec<String> = slots
        .iter()
        .map(|s| {
            let starts = to_tokyo(s.starts_at);
            format!(
                "{} {}–{} ({} seat(s) left)",
                starts.format("%Y-%m-%d"),
                starts.format("%H:%M"),
                to_tokyo(s.ends_at).format("%H:%M"),
                s.remaining
            )
        })
        .collect();
    format!(". Nearest with seats: {}", list.join(", "))
}

fn infeasible_en(reasons: &[Reason], fill: Option<&Fill>) -> String {
    let mut parts: Vec<String> = reasons.iter().map(Reason::message_en).collect();
    parts.extend(fill.map(Fill::message_en));
    format!(
        "the time cannot be changed on the day: {}",
        parts.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Visibility;
    use crate::planner::SlotTime;
    use crate::time::from_tokyo;
    use chrono::{NaiveDate, NaiveTime};
    use uuid::Uuid;

    #[test]
    fn a_full_slot_names_the_nearest_slots_with_seats_in_tokyo_time() {
        let day = NaiveDate::from_ymd_opt(2021, 5, 15).unwrap();
        let at = |h| from_tokyo(day, NaiveTime::from_hms_opt(h, 0, 0).unwrap());
        let refusal = Refusal::SlotFull {
            alternatives: vec![AlternativeSlot {
                slot_id: Uuid::nil(),
                venue_id: Uuid::nil(),
                venue_name: "会場".into(),
                starts_at: at(9),
                ends_at: at(10),
                remaining: 3,
                visibility: Some(Visibility::Public),
            }],
        };
        assert_eq!(refusal.code(), Code::SlotFull);
        assert!(
            refusal
                .message_ja()
                .ends_with("空きのある近い予約枠：2021/05/15 09:00〜10:00（公開枠 残り3枠）"),
            "{}",
            refusal.message_ja()
        );
        assert!(
            refusal
                .message_en()
                .ends_with("Nearest with seats: 2021-05-15 09:00–10:00 (3 seat(s) left)"),
            "{}",
            refusal.message_en()
        );
        assert_eq!(refusal.alternatives().len(), 1);
    }

    #[test]
    fn a_resident_refusal_keeps_its_own_code_inside_a_booking_refusal() {
        let refusal: Refusal = ResidentRefusal::NotInRegistry.into();
        assert_eq!(refusal.code(), Code::TicketNotInRegistry);
        assert_eq!(
            refusal.message_ja(),
            ResidentRefusal::NotInRegistry.message_ja()
        );
        assert!(Refusal::SlotPast.alternatives().is_empty());
    }

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
        assert_eq!(refusal.code(), Code::SameDayChangeInfeasible);
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
        assert_eq!(refusal.code(), Code::SlotPrivate);
        let refusal: Refusal = ResidentRefusal::NotInRegistry.into();
        assert_eq!(refusal.code(), Code::TicketNotInRegistry);
        assert!(refusal.alternatives().is_empty());
    }
}
