//! Slots as the API sends them ([`SlotInfo`]): the one select list and row every reader of slots
//! with their seats uses, so the clinic list, the sync pull and the snapshot cannot disagree.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use yoyaku_core::Visibility;
use yoyaku_core::slot::remaining_seats;
use yoyaku_core::wire::SlotInfo;

/// Columns of [`SlotInfoRow`], over [`SLOT_INFO_FROM`] (slots `s` with their vaccine `vc`).
pub(crate) const SLOT_INFO_COLUMNS: &str = "s.id, s.venue_id, s.name, s.vaccine_code, \
     vc.name_ja as vaccine_name, s.starts_at, s.ends_at, s.visibility, s.capacity, s.booked";

pub(crate) const SLOT_INFO_FROM: &str = "from slots s join vaccines vc \
     on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code";

#[derive(sqlx::FromRow)]
pub(crate) struct SlotInfoRow {
    id: Uuid,
    venue_id: Uuid,
    name: String,
    vaccine_code: String,
    vaccine_name: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    visibility: String,
    capacity: i32,
    booked: i32,
}

impl TryFrom<SlotInfoRow> for SlotInfo {
    /// A visibility the schema's check should have kept out: a decoding failure.
    type Error = sqlx::Error;

    fn try_from(row: SlotInfoRow) -> Result<Self, sqlx::Error> {
        let visibility = Visibility::parse(&row.visibility).ok_or_else(|| {
            sqlx::Error::Decode(
                format!("slot {} has visibility {:?}", row.id, row.visibility).into(),
            )
        })?;
        Ok(Self {
            id: row.id,
            venue_id: row.venue_id,
            name: row.name,
            vaccine_code: row.vaccine_code,
            vaccine_name: row.vaccine_name,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            visibility,
            capacity: row.capacity,
            booked: row.booked,
            remaining: remaining_seats(row.capacity, row.booked),
        })
    }
}
