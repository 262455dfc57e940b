//! The clinic sync protocol's wire types (docs/ARCHITECTURE.md, Sync), shared by the city server
//! and the clinic engine.
//!
//! Push: a device sends [`Intent`]s in its own sequence order; the server applies each at most
//! once (by the intent's client-made id and the device's last applied sequence number) and answers
//! each with an [`Outcome`]. A rejection names a stable code, messages in Japanese and English
//! and, where it helps, alternative slots; intents that depend on a rejected one are rejected too
//! (`caused_by`), and nothing else is held back.
//!
//! Pull: pages of [`Change`]s ordered by a server-assigned change sequence, never by a clock,
//! scoped to the clinic; a cursor the server no longer serves answers [`PullResponse::Resync`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::booking::{BookingStatus, DoseNumber, LotNumber};
use crate::channel::Channel;
use crate::code::Code;
use crate::out_of_municipality::OutsideStay;
use crate::period::PeriodSpec;
use crate::resident::ResidentDetails;
use crate::resident_key::ResidentKey;
use crate::slot::AlternativeSlot;
use crate::vaccine::VaccineSpec;
use crate::wire::SlotInfo;

/// What a receptionist did, to be applied by the city server.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Action {
    /// 住民情報登録 or 情報変更 (manual 2-1 ④, 4-2). The key, which the caller read out, is the
    /// resident's consent for the clinic to see and change their 予約者情報.
    RegisterResident {
        resident: ResidentKey,
        details: ResidentDetails,
        /// The 予約者情報 the receptionist saw before (none for a first registration). The city
        /// changes its details only when they are still these; otherwise its own stand and the
        /// answer is [`Outcome::DetailsDiffer`].
        #[serde(default)]
        based_on: Option<Box<ResidentDetails>>,
        /// 住所地外接種 (manual 2-3): for a ticket of another municipality, why the resident is
        /// vaccinated here and whether the notification is received; none for this city's.
        #[serde(default)]
        outside: Option<OutsideStay>,
    },
    /// 接種予約. `lease_id` names the seat lease an offline public booking used, if any.
    Book {
        booking_id: Uuid,
        resident: ResidentKey,
        slot_id: Uuid,
        dose: DoseNumber,
        lease_id: Option<Uuid>,
    },
    /// キャンセル (manual 3-1).
    Cancel {
        booking_id: Uuid,
    },
    /// 後日の予約日時への変更 (manual 3-2 ①): cancel and book as one.
    ChangeBooking {
        booking_id: Uuid,
        new_booking_id: Uuid,
        slot_id: Uuid,
    },
    /// 当日内の予約時間の変更 (manual 3-2 ②): may exceed the target slot's capacity.
    SameDayMove {
        booking_id: Uuid,
        slot_id: Uuid,
    },
    /// 受付
    CheckIn {
        booking_id: Uuid,
    },
    RecordVaccination {
        booking_id: Uuid,
        lot_number: LotNumber,
        vaccinated_at: DateTime<Utc>,
    },
    MarkNoShow {
        booking_id: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Intent {
    /// Made by the client; the same intent retried keeps it.
    pub id: Uuid,
    /// The device's own sequence number, from 1, without gaps.
    pub seq: u64,
    /// Intents this one needs applied first (a booking needs its resident's registration).
    #[serde(default)]
    pub depends_on: Vec<Uuid>,
    pub action: Action,
}

/// `POST /api/v1/sync/push`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub device_id: Uuid,
    pub intents: Vec<Intent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<IntentResult>,
    /// The highest sequence number the server has settled (applied or rejected) for the device.
    pub last_settled_seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntentResult {
    pub id: Uuid,
    pub seq: u64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outcome {
    Applied,
    /// Settled without a change: the city holds other 予約者情報 for the resident than the
    /// device's registration was based on (registered on the web, say, while the clinic was
    /// offline). The city's stand, the intents that depend on this one go on, and the device shows
    /// both for the receptionist to choose.
    DetailsDiffer {
        city: ResidentDetails,
    },
    Rejected(Rejection),
    /// Not settled (the server is busy, or a dependency is not settled yet): send again later.
    RetryLater {
        reason: String,
    },
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejection {
    /// A [`Code`] of the catalogue, kept as its text: see [`Rejection::known_code`].
    pub code: String,
    pub message_ja: String,
    pub message_en: String,
    /// Slots the receptionist could rebook to instead, nearest first.
    #[serde(default)]
    pub alternatives: Vec<AlternativeSlot>,
    /// Set when this intent was rejected because an intent it depends on was.
    pub caused_by: Option<Uuid>,
}

impl Rejection {
    /// The rejection's code, read by [`Code::from_wire`].
    pub fn known_code(&self) -> Code {
        Code::from_wire(&self.code)
    }
}

/// `GET /api/v1/sync/pull?cursor=N&limit=M`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullQuery {
    /// The last change sequence the client has; none for a first sync.
    pub cursor: Option<u64>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PullResponse {
    Changes(ChangePage),
    /// The cursor is older than the server keeps: rebuild the cache from a full snapshot.
    Resync {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePage {
    pub changes: Vec<Change>,
    /// Pass as `cursor` next time.
    pub cursor: u64,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub seq: u64,
    pub entity: ChangedEntity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ChangedEntity {
    Slot(SlotInfo),
    SlotRemoved { id: Uuid },
    Resident(ResidentInfo),
    Booking(BookingInfo),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResidentInfo {
    pub key: ResidentKey,
    pub details: ResidentDetails,
    /// 住所地外 (manual 2-3): a resident of another municipality, with their reason and the
    /// notification's state.
    #[serde(default)]
    pub outside: Option<OutsideStay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingInfo {
    pub id: Uuid,
    pub resident: ResidentKey,
    pub slot_id: Uuid,
    pub dose: DoseNumber,
    pub status: BookingStatus,
    /// Who booked it (医療機関, コールセンター, Web).
    pub channel: Channel,
    pub lot_number: Option<LotNumber>,
    pub vaccinated_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/sync/snapshot`: everything a clinic's cache holds, for a first sync or a resync,
/// and the cursor to pull from afterwards. Changes made while it was read are pulled again later:
/// applying a state twice is harmless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    pub cursor: u64,
    pub slots: Vec<SlotInfo>,
    pub residents: Vec<ResidentInfo>,
    pub bookings: Vec<BookingInfo>,
    /// The municipality's vaccine products: the same-day planner and the dose-2 date need them.
    #[serde(default)]
    pub vaccines: Vec<VaccineSpec>,
    /// The municipality's periods (第N期): the dose-2 proposal needs the second-dose window.
    #[serde(default)]
    pub periods: Vec<PeriodInfo>,
}

/// A period and the vaccine of its slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodInfo {
    pub vaccine_code: String,
    pub period: PeriodSpec,
}

/// `POST /api/v1/sync/leases`: a few public seats of the clinic's own slot, held while online so
/// that offline public bookings are certain. Unused seats return when the lease expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaseRequest {
    /// The lease's id, chosen by the clinic: the same request sent again (its answer lost, or
    /// the line sending it twice) is answered with the lease it made the first time, and takes
    /// no more seats.
    pub id: Uuid,
    pub slot_id: Uuid,
    pub seats: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lease {
    pub id: Uuid,
    pub slot_id: Uuid,
    pub seats: u32,
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::birth_date::BirthDate;
    use crate::ticket::TicketNumber;
    use crate::{MunicipalityCode, Visibility};
    use chrono::NaiveDate;

    fn resident() -> ResidentKey {
        let today = NaiveDate::from_ymd_opt(2021, 5, 1).unwrap();
        ResidentKey {
            municipality_code: MunicipalityCode::parse("431001").unwrap(),
            ticket_number: TicketNumber::parse("9000000062").unwrap(),
            birth_date: BirthDate::parse("1945/03/03", today).unwrap(),
        }
    }

    #[test]
    fn intents_travel_as_tagged_json_and_come_back_equal() {
        let intent = Intent {
            id: Uuid::new_v4(),
            seq: 7,
            depends_on: vec![Uuid::new_v4()],
            action: Action::Book {
                booking_id: Uuid::new_v4(),
                resident: resident(),
                slot_id: Uuid::new_v4(),
                dose: DoseNumber::FIRST,
                lease_id: None,
            },
        };
        let json = serde_json::to_value(&intent).unwrap();
        assert_eq!(json["action"]["type"], "book");
        assert_eq!(json["action"]["resident"]["ticket_number"], "9000000062");
        assert_eq!(json["action"]["resident"]["birth_date"], "1945-03-03");
        let back: Intent = serde_json::from_value(json).unwrap();
        assert_eq!(back, intent);
    }

    #[test]
    fn a_malformed_resident_key_or_lot_number_is_refused_on_arrival() {
        let json = serde_json::json!({
            "municipality_code": "431002", "ticket_number": "9000000062", "birth_date": "1945-03-03"
        });
        assert!(serde_json::from_value::<ResidentKey>(json).is_err());
        let json = serde_json::json!({
            "type": "record_vaccination", "booking_id": Uuid::nil(), "lot_number": "ロット",
            "vaccinated_at": "2021-05-19T00:30:00Z"
        });
        assert!(serde_json::from_value::<Action>(json).is_err());
    }

    #[test]
    fn outcomes_are_tagged_by_status() {
        let rejected = Outcome::Rejected(Rejection {
            code: Code::SlotFull.into(),
            message_ja: "満枠です。".into(),
            message_en: "The slot is full.".into(),
            alternatives: vec![],
            caused_by: None,
        });
        let json = serde_json::to_value(&rejected).unwrap();
        assert_eq!(json["status"], "rejected");
        assert_eq!(json["code"], Code::SlotFull.as_str());
        assert_eq!(
            serde_json::to_value(Outcome::Applied).unwrap()["status"],
            "applied"
        );
        let resync: PullResponse =
            serde_json::from_str(r#"{"kind":"resync","reason":"too old"}"#).unwrap();
        assert!(matches!(resync, PullResponse::Resync { .. }));
    }

    #[test]
    fn an_alternative_slot_says_whether_it_is_public_or_private() {
        let starts_at: DateTime<Utc> = "2021-05-19T01:00:00Z".parse().unwrap();
        let alternative = AlternativeSlot {
            slot_id: Uuid::new_v4(),
            venue_id: Uuid::new_v4(),
            venue_name: "A胃腸科内科医院".into(),
            starts_at,
            ends_at: starts_at + chrono::TimeDelta::minutes(30),
            remaining: 2,
            visibility: Some(Visibility::Private),
        };
        let mut json = serde_json::to_value(&alternative).unwrap();
        assert_eq!(json["visibility"], "private");
        let back: AlternativeSlot = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, alternative);

        // As stored by a clinic before alternatives carried it.
        json.as_object_mut().unwrap().remove("visibility");
        let stored: AlternativeSlot = serde_json::from_value(json).unwrap();
        assert_eq!(stored.visibility, None);
    }
}
