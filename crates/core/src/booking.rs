//! 予約: a booking's lifecycle and the rules a new booking must satisfy.
//!
//! ```text
//! 予約済み ─┬─> キャンセル
//!           ├─> 来院なし (no-show)
//!           └─> 受付済み ─┬─> 接種済み (with ロット番号)
//!                        └─> キャンセル (予診の結果、接種を見送った場合)
//! ```
//! Every other transition is refused. A checked-in resident whom the doctor decides not to
//! vaccinate (fever at 予診, say) must be able to rebook, so 受付済み may still be cancelled.

use crate::code::Code;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::error::Coded;
use crate::vaccine::{IntervalCheck, VaccineProduct};

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BookingStatus {
    Reserved,
    Cancelled,
    CheckedIn,
    Vaccinated,
    NoShow,
}

impl BookingStatus {
    pub const ALL: [Self; 5] = [
        Self::Reserved,
        Self::Cancelled,
        Self::CheckedIn,
        Self::Vaccinated,
        Self::NoShow,
    ];

    /// The manual's word (予約済み, キャンセル) and the app's for the rest.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Reserved => "予約済み",
            Self::Cancelled => "キャンセル",
            Self::CheckedIn => "受付済み",
            Self::Vaccinated => "接種済み",
            Self::NoShow => "来院なし",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reserved => "reserved",
            Self::Cancelled => "cancelled",
            Self::CheckedIn => "checked_in",
            Self::Vaccinated => "vaccinated",
            Self::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Holds the resident's dose: a second booking of the same dose is refused while one is
    /// active. A dose given stays active forever.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Reserved | Self::CheckedIn | Self::Vaccinated)
    }

    /// Occupies a seat of its slot.
    pub fn holds_seat(self) -> bool {
        self.is_active()
    }
}

/// What can happen to a booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BookingEvent {
    Cancel,
    CheckIn,
    RecordVaccination { lot_number: LotNumber },
    MarkNoShow,
}

impl BookingEvent {
    fn name_ja(&self) -> &'static str {
        match self {
            Self::Cancel => "キャンセル",
            Self::CheckIn => "受付",
            Self::RecordVaccination { .. } => "接種記録",
            Self::MarkNoShow => "来院なし",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a booking that is {} cannot be changed by {}", .from.as_str(), .event)]
pub struct TransitionError {
    pub from: BookingStatus,
    pub event: &'static str,
    event_ja: &'static str,
}

impl Coded for TransitionError {
    fn code(&self) -> Code {
        Code::BookingTransition
    }
    fn message_ja(&self) -> String {
        format!(
            "ステータスが「{}」の予約には「{}」を行えません。画面を更新して最新の状態をご確認ください。",
            self.from.label_ja(),
            self.event_ja
        )
    }
}

/// The status after `event`, or why it cannot happen.
pub fn transition(
    from: BookingStatus,
    event: &BookingEvent,
) -> Result<BookingStatus, TransitionError> {
    use BookingStatus as S;
    let to = match (from, event) {
        (S::Reserved | S::CheckedIn, BookingEvent::Cancel) => S::Cancelled,
        (S::Reserved, BookingEvent::CheckIn) => S::CheckedIn,
        (S::Reserved, BookingEvent::MarkNoShow) => S::NoShow,
        (S::CheckedIn, BookingEvent::RecordVaccination { .. }) => S::Vaccinated,
        _ => {
            return Err(TransitionError {
                from,
                event: match event {
                    BookingEvent::Cancel => "cancel",
                    BookingEvent::CheckIn => "check-in",
                    BookingEvent::RecordVaccination { .. } => "recording the vaccination",
                    BookingEvent::MarkNoShow => "marking a no-show",
                },
                event_ja: event.name_ja(),
            });
        }
    };
    Ok(to)
}

/// ロット番号 as printed on the vial (e.g. FF3620): letters and digits, folded to half-width
/// upper case, 1–20 characters; a hyphen is kept when printed.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct LotNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the lot number must be 1 to 20 letters, digits or hyphens, as printed on the vial")]
pub struct LotNumberError;

impl Coded for LotNumberError {
    fn code(&self) -> Code {
        Code::LotNumberFormat
    }
    fn message_ja(&self) -> String {
        "ロット番号はバイアルの表示どおり、英数字（20文字以内）で入力してください。".into()
    }
}

impl LotNumber {
    pub fn parse(input: &str) -> Result<Self, LotNumberError> {
        let folded: String = input
            .nfkc()
            .filter(|c| !c.is_whitespace())
            .map(|c| {
                if matches!(c, 'ー' | '−' | '‐' | '－') {
                    '-'
                } else {
                    c
                }
            })
            .collect::<String>()
            .to_ascii_uppercase();
        let ok = (1..=20).contains(&folded.len())
            && folded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && folded.bytes().any(|b| b.is_ascii_alphanumeric());
        if ok {
            Ok(Self(folded))
        } else {
            Err(LotNumberError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LotNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LotNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// 第N回接種: 1 or 2 in the primary series; later doses are numbered on.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct DoseNumber(u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the dose number must be between 1 and 9")]
pub struct DoseNumberError;

impl Coded for DoseNumberError {
    fn code(&self) -> Code {
        Code::DoseNumberRange
    }
    fn message_ja(&self) -> String {
        "接種回数は1〜9の数字で指定してください。".into()
    }
}

impl DoseNumber {
    pub const FIRST: Self = Self(1);
    pub const SECOND: Self = Self(2);

    pub fn new(n: u8) -> Result<Self, DoseNumberError> {
        if (1..=9).contains(&n) {
            Ok(Self(n))
        } else {
            Err(DoseNumberError)
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    fn previous(self) -> Option<Self> {
        (self.0 > 1).then(|| Self(self.0 - 1))
    }

    fn next(self) -> Option<Self> {
        (self.0 < 9).then(|| Self(self.0 + 1))
    }
}

impl<'de> Deserialize<'de> for DoseNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(u8::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// 受付, 接種 and 来院なし belong to the booking's day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventDayError {
    /// 受付 or 来院なし before the day of the booking.
    #[error("this booking is for {date}: {event} can be done from that day on")]
    BeforeTheDay {
        event: &'static str,
        date: NaiveDate,
    },
    /// A dose recorded on another day than the booking's: it was given without a booking.
    #[error(
        "this booking is for {date}, not {given}: to vaccinate on {given}, first change the booking to that day"
    )]
    VaccinatedOnAnotherDay { date: NaiveDate, given: NaiveDate },
}

impl Coded for EventDayError {
    fn code(&self) -> Code {
        match self {
            Self::BeforeTheDay { .. } => Code::BookingBeforeTheDay,
            Self::VaccinatedOnAnotherDay { .. } => Code::BookingVaccinatedOnAnotherDay,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::BeforeTheDay { event, date } => {
                let event = match *event {
                    "check-in" => "受付",
                    _ => "来院なし",
                };
                format!(
                    "この予約は{}です。{event}は予約日当日から行えます。",
                    date.format("%Y/%m/%d")
                )
            }
            Self::VaccinatedOnAnotherDay { date, given } => format!(
                "この予約は{}です。{}に接種する場合は、先に予約日をその日に変更してください。",
                date.format("%Y/%m/%d"),
                given.format("%Y/%m/%d")
            ),
        }
    }
}

/// Whether `event` may happen to a booking dated `booking_date`, `today` (Tokyo): 受付 and
/// 来院なし not before the day (a push of yesterday's work arrives later, so not after is not
/// asked), and a dose recorded as given on the booking's day (`vaccinated_on`, for
/// `RecordVaccination`). キャンセル has no day.
pub fn check_event_day(
    event: &BookingEvent,
    booking_date: NaiveDate,
    today: NaiveDate,
    vaccinated_on: Option<NaiveDate>,
) -> Result<(), EventDayError> {
    let not_before = |event| {
        if today < booking_date {
            Err(EventDayError::BeforeTheDay {
                event,
                date: booking_date,
            })
        } else {
            Ok(())
        }
    };
    match event {
        BookingEvent::Cancel => Ok(()),
        BookingEvent::CheckIn => not_before("check-in"),
        BookingEvent::MarkNoShow => not_before("no-show"),
        BookingEvent::RecordVaccination { .. } => match vaccinated_on {
            Some(given) if given != booking_date => Err(EventDayError::VaccinatedOnAnotherDay {
                date: booking_date,
                given,
            }),
            _ => Ok(()),
        },
    }
}

/// One of the resident's bookings, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentBooking {
    pub dose: DoseNumber,
    pub status: BookingStatus,
    /// The vaccine product of the booked slot, by code and as a person reads it.
    pub vaccine_code: String,
    pub vaccine_name: String,
    /// The Tokyo date of the booked slot.
    pub date: NaiveDate,
    /// When the dose was actually given, if it was.
    pub vaccinated_on: Option<NaiveDate>,
}

impl ResidentBooking {
    /// The date the interval to the next dose counts from: the actual one when known.
    fn effective_date(&self) -> NaiveDate {
        self.vaccinated_on.unwrap_or(self.date)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingRuleError {
    #[error("the resident already has an active booking for dose {dose}")]
    DuplicateDose {
        dose: u8,
        status: BookingStatus,
        date: NaiveDate,
    },
    #[error("dose {dose} needs dose {previous} booked or given first")]
    PreviousDoseMissing { dose: u8, previous: u8 },
    #[error("dose {dose} cannot be before {earliest} ({days} days after the previous dose)")]
    TooEarly {
        dose: u8,
        earliest: NaiveDate,
        days: i64,
    },
    #[error(
        "dose {dose} must be at least {earliest_days} days before the booked dose {next} on {next_date}"
    )]
    TooLateForNextDose {
        dose: u8,
        next: u8,
        next_date: NaiveDate,
        earliest_days: u32,
    },
    /// The primary series is one product: dose 2 of the vaccine dose 1 was.
    #[error(
        "dose {dose} must be of the same vaccine as dose {other} ({other_vaccine}); please choose a slot of that vaccine"
    )]
    DifferentVaccine {
        dose: u8,
        other: u8,
        other_vaccine: String,
    },
}

impl Coded for BookingRuleError {
    fn code(&self) -> Code {
        match self {
            Self::DuplicateDose { .. } => Code::BookingDuplicateDose,
            Self::PreviousDoseMissing { .. } => Code::BookingPreviousDoseMissing,
            Self::TooEarly { .. } => Code::BookingTooEarly,
            Self::TooLateForNextDose { .. } => Code::BookingAfterNextDose,
            Self::DifferentVaccine { .. } => Code::BookingDifferentVaccine,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::DuplicateDose { dose, status, date } => format!(
                "この方は{dose}回目の予約がすでにあります（{}、{}）。変更する場合は先に既存の予約をキャンセルしてください。",
                date.format("%Y/%m/%d"),
                status.label_ja()
            ),
            Self::PreviousDoseMissing { dose, previous } => {
                format!("{dose}回目を予約するには、先に{previous}回目の予約が必要です。")
            }
            Self::TooEarly {
                dose,
                earliest,
                days,
            } => format!(
                "{dose}回目は前回の接種から{days}日後で、間隔が短すぎます。{}以降の日付を選んでください。",
                earliest.format("%Y/%m/%d")
            ),
            Self::TooLateForNextDose {
                dose,
                next,
                next_date,
                earliest_days,
            } => format!(
                "{dose}回目は{next}回目（{}）の{earliest_days}日以上前にしてください。",
                next_date.format("%Y/%m/%d")
            ),
            Self::DifferentVaccine {
                dose,
                other,
                other_vaccine,
            } => format!(
                "{dose}回目は{other}回目と同じワクチン（{other_vaccine}）で予約してください。{other_vaccine}の予約枠を選んでください。"
            ),
        }
    }
}

/// Checks a new booking of `dose` on `date` against the resident's other bookings (all channels).
/// Returns a warning when the interval is unusually long, which the receptionist should mention.
pub fn check_new_booking(
    existing: &[ResidentBooking],
    dose: DoseNumber,
    date: NaiveDate,
    vaccine: &VaccineProduct,
) -> Result<Option<IntervalCheck>, BookingRuleError> {
    let active = |d: DoseNumber| {
        existing
            .iter()
            .find(|b| b.dose == d && b.status.is_active())
    };
    if let Some(b) = active(dose) {
        return Err(BookingRuleError::DuplicateDose {
            dose: dose.get(),
            status: b.status,
            date: b.date,
        });
    }
    let same_vaccine = |other: &ResidentBooking| {
        if other.vaccine_code == vaccine.code() {
            Ok(())
        } else {
            Err(BookingRuleError::DifferentVaccine {
                dose: dose.get(),
                other: other.dose.get(),
                other_vaccine: other.vaccine_name.clone(),
            })
        }
    };
    let mut warning = None;
    if let Some(previous) = dose.previous() {
        let Some(prev) = active(previous) else {
            return Err(BookingRuleError::PreviousDoseMissing {
                dose: dose.get(),
                previous: previous.get(),
            });
        };
        same_vaccine(prev)?;
        match vaccine.check_interval(prev.effective_date(), date) {
            IntervalCheck::TooEarly { days, earliest } => {
                return Err(BookingRuleError::TooEarly {
                    dose: dose.get(),
                    earliest,
                    days,
                });
            }
            late @ IntervalCheck::LateWarning { .. } => warning = Some(late),
            IntervalCheck::Ok => {}
        }
    }
    if let Some(next) = dose.next().and_then(active) {
        same_vaccine(next)?;
        if matches!(
            vaccine.check_interval(date, next.effective_date()),
            IntervalCheck::TooEarly { .. }
        ) {
            return Err(BookingRuleError::TooLateForNextDose {
                dose: dose.get(),
                next: next.dose.get(),
                next_date: next.effective_date(),
                earliest_days: vaccine.interval().earliest_days,
            });
        }
    }
    Ok(warning)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vaccine::Syringes;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn booking(dose: DoseNumber, status: BookingStatus, date: NaiveDate) -> ResidentBooking {
        ResidentBooking {
            dose,
            status,
            vaccine_code: "pfizer".into(),
            vaccine_name: "ファイザー社ワクチン".into(),
            date,
            vaccinated_on: None,
        }
    }

    fn lot() -> LotNumber {
        LotNumber::parse("FF3620").unwrap()
    }

    #[test]
    fn the_lifecycle_allows_exactly_the_drawn_transitions() {
        use BookingStatus as S;
        let events = [
            BookingEvent::Cancel,
            BookingEvent::CheckIn,
            BookingEvent::RecordVaccination { lot_number: lot() },
            BookingEvent::MarkNoShow,
        ];
        let allowed = [
            (S::Reserved, 0, S::Cancelled),
            (S::Reserved, 1, S::CheckedIn),
            (S::Reserved, 3, S::NoShow),
            (S::CheckedIn, 0, S::Cancelled),
            (S::CheckedIn, 2, S::Vaccinated),
        ];
        for from in S::ALL {
            for (i, event) in events.iter().enumerate() {
                let expected = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == i)
                    .map(|(_, _, to)| *to);
                match (transition(from, event), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want),
                    (Err(e), None) => {
                        assert_eq!(e.code(), Code::BookingTransition);
                        assert!(e.message_ja().contains(from.label_ja()));
                    }
                    (got, want) => panic!("{from:?} + {event:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn statuses_round_trip_and_know_what_is_active() {
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
        }
        assert!(BookingStatus::Vaccinated.is_active());
        assert!(!BookingStatus::Cancelled.is_active() && !BookingStatus::NoShow.is_active());
        assert_eq!(BookingStatus::Reserved.label_ja(), "予約済み");
    }

    #[test]
    fn lot_numbers_are_folded_as_printed() {
        assert_eq!(
            LotNumber::parse(" ｆｆ３６２０ ").unwrap().as_str(),
            "FF3620"
        );
        assert_eq!(LotNumber::parse("ey0779").unwrap().as_str(), "EY0779");
        assert_eq!(LotNumber::parse("AB-12").unwrap().as_str(), "AB-12");
        for bad in ["", "   ", "---", "ロット", &"A".repeat(21)] {
            assert!(LotNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dose_numbers_stay_in_range() {
        assert!(DoseNumber::new(0).is_err() && DoseNumber::new(10).is_err());
        assert_eq!(DoseNumber::new(2).unwrap(), DoseNumber::SECOND);
        assert!(serde_json::from_str::<DoseNumber>("0").is_err());
    }

    #[test]
    fn one_active_booking_per_dose() {
        let pfizer = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        let d1 = date(2021, 5, 19);
        let existing = [booking(DoseNumber::FIRST, BookingStatus::Reserved, d1)];
        let err = check_new_booking(&existing, DoseNumber::FIRST, date(2021, 5, 20), &pfizer)
            .unwrap_err();
        assert_eq!(err.code(), Code::BookingDuplicateDose);
        // After a cancellation (manual 3-2 ①) the dose can be booked again.
        let cancelled = [booking(DoseNumber::FIRST, BookingStatus::Cancelled, d1)];
        assert_eq!(
            check_new_booking(&cancelled, DoseNumber::FIRST, date(2021, 5, 26), &pfizer),
            Ok(None)
        );
    }

    #[test]
    fn the_second_dose_needs_the_first_and_the_interval() {
        let pfizer = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        let d1 = date(2021, 5, 19);
        let err =
            check_new_booking(&[], DoseNumber::SECOND, date(2021, 6, 9), &pfizer).unwrap_err();
        assert_eq!(err.code(), Code::BookingPreviousDoseMissing);

        let first = [booking(DoseNumber::FIRST, BookingStatus::Reserved, d1)];
        assert_eq!(
            check_new_booking(&first, DoseNumber::SECOND, date(2021, 6, 9), &pfizer),
            Ok(None)
        );
        let err =
            check_new_booking(&first, DoseNumber::SECOND, date(2021, 6, 6), &pfizer).unwrap_err();
        assert_eq!(
            err,
            BookingRuleError::TooEarly {
                dose: 2,
                earliest: date(2021, 6, 7),
                days: 18
            }
        );
        let late =
            check_new_booking(&first, DoseNumber::SECOND, date(2021, 7, 7), &pfizer).unwrap();
        assert!(matches!(
            late,
            Some(IntervalCheck::LateWarning { days: 49, .. })
        ));
    }

    #[test]
    fn reception_belongs_to_the_bookings_day() {
        let booked = date(2021, 5, 19);
        let vaccination = BookingEvent::RecordVaccination { lot_number: lot() };
        let on = |event: &BookingEvent, today, given| {
            check_event_day(event, booked, today, given).map_err(|e| e.code().to_owned())
        };
        // The day before: nothing but a cancellation.
        let eve = date(2021, 5, 18);
        assert_eq!(on(&BookingEvent::Cancel, eve, None), Ok(()));
        assert_eq!(
            on(&BookingEvent::CheckIn, eve, None),
            Err(Code::BookingBeforeTheDay)
        );
        assert_eq!(
            on(&BookingEvent::MarkNoShow, eve, None),
            Err(Code::BookingBeforeTheDay)
        );
        assert_eq!(
            on(&vaccination, eve, Some(eve)),
            Err(Code::BookingVaccinatedOnAnotherDay)
        );
        // On the day, and a day's work pushed the next morning.
        for today in [booked, date(2021, 5, 20)] {
            assert_eq!(on(&BookingEvent::CheckIn, today, None), Ok(()));
            assert_eq!(on(&BookingEvent::MarkNoShow, today, None), Ok(()));
            assert_eq!(on(&vaccination, today, Some(booked)), Ok(()));
        }
        let err = check_event_day(&vaccination, booked, booked, Some(eve)).unwrap_err();
        assert!(
            err.message_ja().contains("2021/05/19"),
            "{}",
            err.message_ja()
        );
        assert!(err.message_en().contains("change the booking"));
    }

    /// The primary series is one product, whichever dose is booked second.
    #[test]
    fn a_dose_of_another_vaccine_than_the_other_dose_is_refused() {
        let pfizer = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        let moderna = |b: ResidentBooking| ResidentBooking {
            vaccine_code: "moderna".into(),
            vaccine_name: "武田/モデルナ社ワクチン".into(),
            ..b
        };
        let first = [moderna(booking(
            DoseNumber::FIRST,
            BookingStatus::Vaccinated,
            date(2021, 5, 19),
        ))];
        let err =
            check_new_booking(&first, DoseNumber::SECOND, date(2021, 6, 9), &pfizer).unwrap_err();
        assert_eq!(err.code(), Code::BookingDifferentVaccine);
        assert!(
            err.message_ja().contains("武田/モデルナ社ワクチン"),
            "{}",
            err.message_ja()
        );
        assert!(err.message_en().contains("same vaccine"));
        // Dose 1 booked again (after a cancellation) against a dose 2 of another product.
        let second = [moderna(booking(
            DoseNumber::SECOND,
            BookingStatus::Reserved,
            date(2021, 6, 30),
        ))];
        let err =
            check_new_booking(&second, DoseNumber::FIRST, date(2021, 6, 1), &pfizer).unwrap_err();
        assert_eq!(err.code(), Code::BookingDifferentVaccine);
        // A cancelled dose of another product does not count.
        let cancelled = [moderna(booking(
            DoseNumber::FIRST,
            BookingStatus::Cancelled,
            date(2021, 5, 19),
        ))];
        assert_eq!(
            check_new_booking(&cancelled, DoseNumber::FIRST, date(2021, 5, 20), &pfizer),
            Ok(None)
        );
    }

    #[test]
    fn the_interval_counts_from_the_actual_first_dose_when_known() {
        let pfizer = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        // Booked for 5/19 but given on 5/21 (a same-day or later change): 6/8 is then too early.
        let first = [ResidentBooking {
            vaccinated_on: Some(date(2021, 5, 21)),
            ..booking(
                DoseNumber::FIRST,
                BookingStatus::Vaccinated,
                date(2021, 5, 19),
            )
        }];
        assert_eq!(
            check_new_booking(&first, DoseNumber::SECOND, date(2021, 6, 8), &pfizer)
                .unwrap_err()
                .code(),
            Code::BookingTooEarly
        );
        assert_eq!(
            check_new_booking(&first, DoseNumber::SECOND, date(2021, 6, 9), &pfizer),
            Ok(None)
        );
    }

    #[test]
    fn rebooking_the_first_dose_must_stay_before_a_booked_second() {
        let pfizer = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        let existing = [
            booking(
                DoseNumber::FIRST,
                BookingStatus::Cancelled,
                date(2021, 5, 19),
            ),
            booking(
                DoseNumber::SECOND,
                BookingStatus::Reserved,
                date(2021, 6, 9),
            ),
        ];
        assert_eq!(
            check_new_booking(&existing, DoseNumber::FIRST, date(2021, 5, 20), &pfizer),
            Ok(None)
        );
        let err = check_new_booking(&existing, DoseNumber::FIRST, date(2021, 5, 25), &pfizer)
            .unwrap_err();
        assert_eq!(err.code(), Code::BookingAfterNextDose);
    }
}
