//! キャンセル待ち: residents waiting for a seat at a venue or anywhere in a ward, between two
//! dates, for a vaccine and dose; put down on the web (their key is the credential) or by the call
//! center. A public seat that frees is offered to the oldest matching entry in the transaction
//! that freed it ([`offers::offer_freed_seats`]) and held for them; accepting it is a booking like
//! any other ([`offers::accept`]).

mod entries;
mod error;
pub(crate) mod offers;
mod open_vial;
mod release;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::channel::Channel;
use yoyaku_core::ticket::TicketNumber;

pub(crate) use entries::{NewEntry, Place, enter, entries_of, list, one as entry, withdraw};
pub(crate) use error::{WaitlistError, WaitlistRefusal};
pub(crate) use open_vial::{OpenVial, OpenVialOffered, offer_open_vial};
pub(crate) use release::{Release, Released, release_to_waitlist};

/// How long a freed seat is held for the resident offered it: long enough for the call center to
/// phone them back, short enough that the seat is not lost to everyone if they do not answer.
pub(crate) const OFFER_HOLD: chrono::TimeDelta = chrono::TimeDelta::minutes(30);
/// An offer ends this long before its slot starts, and a slot starting sooner is not offered:
/// the resident needs the time to get there.
pub(crate) const OFFER_LEAD: chrono::TimeDelta = chrono::TimeDelta::minutes(30);
/// How far ahead a resident may wait: half a year holds every period's windows.
pub(crate) const MAX_DAYS_AHEAD: u64 = 183;

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EntryState {
    /// In line.
    Waiting,
    /// A seat is held for the resident ([`WaitlistEntry::offer`]).
    Offered,
    /// They took a seat (an offer, or a booking made otherwise).
    Booked,
    /// They left the line.
    Withdrawn,
    /// An offer expired unanswered: out of the line, until they join again.
    Lapsed,
}

impl EntryState {
    fn parse(stored: &str) -> Option<Self> {
        Some(match stored {
            "waiting" => Self::Waiting,
            "offered" => Self::Offered,
            "booked" => Self::Booked,
            "withdrawn" => Self::Withdrawn,
            "lapsed" => Self::Lapsed,
            _ => return None,
        })
    }
}

/// An entry as the page and the console show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct WaitlistEntry {
    pub id: Uuid,
    /// 自治体番号 of the resident's ticket.
    pub resident_municipality_code: MunicipalityCode,
    pub ticket_number: TicketNumber,
    /// 予約者情報 for the call center's call back; never for the web.
    pub contact: Option<WaitlistContact>,
    /// 第N回接種
    pub dose: u8,
    pub vaccine_code: String,
    pub vaccine_name: String,
    /// The venue waited for, or none when it is a ward.
    pub venue_id: Option<Uuid>,
    pub venue_name: Option<String>,
    /// The ward waited for, when any of its venues will do.
    pub ward: Option<String>,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub channel: Channel,
    pub state: EntryState,
    pub created_at: DateTime<Utc>,
    /// The seat held for the resident now.
    pub offer: Option<WaitlistOffer>,
}

/// Who to phone about an offer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct WaitlistContact {
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub phone: String,
}

/// A freed seat held for a resident until `expires_at`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct WaitlistOffer {
    pub id: Uuid,
    pub slot_id: Uuid,
    pub venue_id: Uuid,
    pub venue_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
