//! The JSON the city server and its clients exchange. Shared by both sides so they cannot drift.
//!
//! Request bodies carry what a person typed as plain strings: the server parses them into domain
//! types and answers a [`crate::Problem`] with a stable code when they are wrong, instead of a
//! deserializer's message.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{MunicipalityCode, Visibility};

/// `POST /api/v1/login`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub municipality_code: String,
    pub account_id: String,
    pub password: String,
    /// 利用規約に同意する: login is refused without it.
    pub agreed_to_terms: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Opaque bearer token; the server keeps only its hash.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub profile: AccountProfile,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// A clinic (医療機関), bound to its own venues.
    Clinic,
    /// The city's call center (コールセンター).
    CallCenter,
    /// City staff administering the system.
    CityAdmin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Clinic, Role::CallCenter, Role::CityAdmin];

    /// The stored and wire form (`clinic`, `call_center`, `city_admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clinic => "clinic",
            Self::CallCenter => "call_center",
            Self::CityAdmin => "city_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Who is logged in, and for a clinic, which venues are its own.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountProfile {
    pub municipality_code: MunicipalityCode,
    pub municipality_name: String,
    pub account_id: String,
    pub display_name: String,
    pub role: Role,
    pub venues: Vec<VenueInfo>,
}

/// 接種会場
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VenueInfo {
    pub id: Uuid,
    /// 会場番号, as used in slot names.
    pub venue_number: i32,
    pub name: String,
}

/// `GET /api/v1/clinic/slots`: the logged-in clinic's slots at its own venues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotList {
    pub slots: Vec<SlotInfo>,
}

/// 予約枠 with its seats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotInfo {
    pub id: Uuid,
    pub venue_id: Uuid,
    /// 予約枠名
    pub name: String,
    pub vaccine_code: String,
    /// 接種ワクチン, e.g. ファイザー社ワクチン
    pub vaccine_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub visibility: Visibility,
    pub capacity: i32,
    pub booked: i32,
    /// 残りN枠: see [`crate::slot::remaining_seats`].
    pub remaining: i32,
}

/// `GET /api/v1/mass-venues/slots`: 公開枠 with seats at the city's mass-vaccination venues
/// (市総合体育館等), where a second dose after a period's window is booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MassVenueSlotList {
    pub slots: Vec<MassVenueSlot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MassVenueSlot {
    /// 接種会場, e.g. 熊本市総合体育館
    pub venue_name: String,
    pub slot: SlotInfo,
}

/// `GET /healthz`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_visibility_serialize_in_snake_case() {
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(
            serde_json::to_string(&Role::CallCenter).unwrap(),
            "\"call_center\""
        );
        assert_eq!(
            serde_json::to_string(&Visibility::Private).unwrap(),
            "\"private\""
        );
    }
}
