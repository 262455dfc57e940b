//! How a waitlist write fails: a refusal of its own, one of the booking an accepted offer makes,
//! or the database.

use chrono::NaiveDate;
use yoyaku_core::{Code, Coded};

use crate::bookings::BookingError;
use crate::residents::ResidentError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum WaitlistError {
    #[error(transparent)]
    Refused(#[from] WaitlistRefusal),
    /// Accepting an offer books, and the booking's rules may refuse it.
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error(transparent)]
    Resident(#[from] ResidentError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value the schema should have kept valid is not.
    #[error("stored waitlist data is invalid: {0}")]
    Stored(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum WaitlistRefusal {
    #[error("this resident is already waiting for this dose")]
    AlreadyWaiting,
    #[error("this resident already has a booking for this dose: change it instead")]
    AlreadyBooked,
    #[error("there are seats to book now: please book one directly")]
    SeatsAvailable,
    #[error("choose dates from {today} to {last} (the first not after the last)")]
    Dates { today: NaiveDate, last: NaiveDate },
    #[error("there is no such venue, ward or vaccine")]
    UnknownPlace,
    #[error("there is no such waitlist entry or offer for you")]
    NotFound,
    #[error("this offer is no longer open (it was answered or has expired)")]
    OfferClosed,
    #[error("offer between 1 and {max} doses from an open vial")]
    OpenVialDoses { max: i32 },
    #[error(
        "the residents need a time from {earliest} to {latest} (Japan time): at least 30 minutes from now, and while the vial's doses are usable"
    )]
    OpenVialTime { earliest: String, latest: String },
    #[error("there is no such slot at your venues")]
    UnknownSlot,
    #[error(
        "a public slot's free seats are offered to the waiting list as they free, and anyone may book them: choose a private slot"
    )]
    ReleasePublic,
    #[error("a slot starting within 30 minutes cannot be given to the waiting list")]
    ReleaseTooLate,
    #[error("give between 1 and {free} seats (the slot's free seats)")]
    ReleaseSeats { free: i32 },
    #[error(
        "another vaccine's or another length's waiting-list slot already has this venue and time"
    )]
    ReleaseNameTaken,
}

impl Coded for WaitlistRefusal {
    fn code(&self) -> Code {
        match self {
            Self::AlreadyWaiting => Code::WaitlistAlreadyWaiting,
            Self::AlreadyBooked => Code::WaitlistAlreadyBooked,
            Self::SeatsAvailable => Code::WaitlistSeatsAvailable,
            Self::Dates { .. } => Code::WaitlistDates,
            Self::UnknownPlace => Code::WaitlistUnknownPlace,
            Self::NotFound => Code::WaitlistNotFound,
            Self::OfferClosed => Code::WaitlistOfferClosed,
            Self::OpenVialDoses { .. } => Code::WaitlistOpenVialDoses,
            Self::OpenVialTime { .. } => Code::WaitlistOpenVialTime,
            Self::UnknownSlot => Code::SlotNotFound,
            Self::ReleasePublic => Code::WaitlistReleasePublic,
            Self::ReleaseTooLate => Code::WaitlistReleaseTooLate,
            Self::ReleaseSeats { .. } => Code::WaitlistReleaseSeats,
            Self::ReleaseNameTaken => Code::WaitlistReleaseNameTaken,
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::AlreadyWaiting => "この接種回のキャンセル待ちにはすでに登録されています。".into(),
            Self::AlreadyBooked => {
                "この接種回はすでに予約されています。日時を変えたいときは予約の変更をしてください。"
                    .into()
            }
            Self::SeatsAvailable => {
                "この条件で空いている予約枠があります。キャンセル待ちではなく、そのまま予約してください。"
                    .into()
            }
            Self::Dates { today, last } => format!(
                "希望日は{}から{}までの間で、開始日が終了日より後にならないように選んでください。",
                today.format("%Y/%m/%d"),
                last.format("%Y/%m/%d")
            ),
            Self::UnknownPlace => "その接種会場・区・ワクチンはありません。".into(),
            Self::NotFound => "該当するキャンセル待ちはありません。".into(),
            Self::OfferClosed => {
                "このご案内は受付を終了しました（回答済み、または期限切れ）。".into()
            }
            Self::OpenVialDoses { max } => {
                format!("残液の回数は1から{max}までで入力してください。")
            }
            Self::OpenVialTime { earliest, latest } => format!(
                "来院時刻は{earliest}から{latest}までの間で指定してください（案内から30分以上あけ、希釈後の使用期限内に）。"
            ),
            Self::UnknownSlot => "自院の会場にその予約枠はありません。".into(),
            Self::ReleasePublic => {
                "公開枠の空きは、空いた時点でキャンセル待ちの方に案内され、どなたでも予約できます。非公開枠を選んでください。"
                    .into()
            }
            Self::ReleaseTooLate => {
                "開始まで30分を切った予約枠は、キャンセル待ちに提供できません。".into()
            }
            Self::ReleaseSeats { free: 0 } => "この非公開枠に空きはありません。".into(),
            Self::ReleaseSeats { free } => {
                format!("提供する枠数は1から{free}まで（この枠の空き）で入力してください。")
            }
            Self::ReleaseNameTaken => {
                "同じ会場・時刻のキャンセル待ち補充枠が、別のワクチンまたは別の時間幅ですでにあります。市にご連絡ください。"
                    .into()
            }
        }
    }
}
