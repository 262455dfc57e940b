//! Slots as the API sends them ([`SlotInfo`]): the one select list and row every reader of slots
//! with their seats uses, so the clinic list, the sync pull and the snapshot cannot disagree.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use yoyaku_core::Visibility;
use yoyaku_core::slot::remaining_seats;
use yoyaku_core::wire::SlotInfo;

/// A query of slots `s` with their vaccine `vc`, followed by `$rest` (a literal, so that the
/// whole query is checked at compile time) with its arguments: `sqlx::query_as!` of
/// [`SlotInfoRow`]s, or with `query!, $extra` a `sqlx::query!` of their columns and `$extra` ones.
macro_rules! select_slot_infos {
    (query!, $extra:literal, $rest:literal $($args:tt)*) => {
        sqlx::query!(
            r#"select s.id, s.venue_id, s.name, s.vaccine_code, vc.name_ja as vaccine_name,
                    s.starts_at as "starts_at: chrono::DateTime<chrono::Utc>",
                    s.ends_at as "ends_at: chrono::DateTime<chrono::Utc>",
                    s.visibility, s.capacity, s.booked"#
                + $extra
                + " from slots s
                   join vaccines vc
                     on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code "
                + $rest
            $($args)*
        )
    };
    ($rest:literal $($args:tt)*) => {
        sqlx::query_as!(
            $crate::slot_info::SlotInfoRow,
            r#"select s.id, s.venue_id, s.name, s.vaccine_code, vc.name_ja as vaccine_name,
                    s.starts_at as "starts_at: chrono::DateTime<chrono::Utc>",
                    s.ends_at as "ends_at: chrono::DateTime<chrono::Utc>",
                    s.visibility, s.capacity, s.booked
             from slots s
             join vaccines vc
               on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code "#
                + $rest
            $($args)*
        )
    };
}
pub(crate) use select_slot_infos;

/// A slot as [`select_slot_infos`] reads it.
pub(crate) struct SlotInfoRow {
    pub id: Uuid,
    pub venue_id: Uuid,
    pub name: String,
    pub vaccine_code: String,
    pub vaccine_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub visibility: String,
    pub capacity: i32,
    pub booked: i32,
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
