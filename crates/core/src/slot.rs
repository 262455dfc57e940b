//! 予約枠: a time at a venue for one vaccine, with seats, open to everyone (公開枠) or only to the
//! venue's clinic (非公開枠).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::tokyo_date_time;

/// 公開枠 are open to the web, the call center and the clinic; 非公開枠 only to the venue's clinic.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    /// The manual's word for it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Public => "公開枠",
            Self::Private => "非公開枠",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "private" => Some(Self::Private),
            _ => None,
        }
    }
}

/// A slot with seats offered instead of a full or refused one: the nearest by day and time.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlternativeSlot {
    pub slot_id: Uuid,
    pub venue_id: Uuid,
    pub venue_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub remaining: i32,
    /// 公開枠 or 非公開枠, as the slot is set up: the receptionist sees which before rebooking.
    /// The city always says; a refusal a clinic stored before the field existed has none, and
    /// must still read back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

/// A slot as the rules see it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Slot {
    pub id: Uuid,
    pub venue_id: Uuid,
    pub vaccine_code: String,
    /// 予約枠名
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub visibility: Visibility,
    pub capacity: i32,
    pub booked: i32,
    /// 第N期 the slot was set up for, if any.
    pub period: Option<u32>,
    /// At one of the city's mass-vaccination venues (市総合体育館等), whose 公開枠 every clinic
    /// may book.
    #[serde(default)]
    pub mass_venue: bool,
}

impl Slot {
    pub fn remaining(&self) -> i32 {
        remaining_seats(self.capacity, self.booked)
    }

    /// The Asia/Tokyo date the slot is on.
    pub fn date(&self) -> NaiveDate {
        tokyo_date_time(self.starts_at).0
    }

    pub fn overlaps(&self, other: &Slot) -> bool {
        self.starts_at < other.ends_at && other.starts_at < self.ends_at
    }
}

/// 残りN枠: the seats still free; never negative, even when a clinic's same-day change took a slot
/// over its capacity (manual 3-2 ②).
pub fn remaining_seats(capacity: i32, booked: i32) -> i32 {
    (capacity - booked).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_seats_never_go_negative() {
        assert_eq!(remaining_seats(3, 1), 2);
        assert_eq!(remaining_seats(3, 3), 0);
        assert_eq!(remaining_seats(3, 4), 0);
    }

    #[test]
    fn labels_are_the_manuals_words() {
        assert_eq!(Visibility::Public.label_ja(), "公開枠");
        assert_eq!(Visibility::Private.label_ja(), "非公開枠");
    }

    #[test]
    fn string_form_round_trips() {
        for v in [Visibility::Public, Visibility::Private] {
            assert_eq!(Visibility::parse(v.as_str()), Some(v));
        }
        assert_eq!(Visibility::parse("secret"), None);
    }
}
