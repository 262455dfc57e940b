//! Pull: the changes a clinic has not seen, by the sequencer's numbers, as the current state of
//! each entity (a booking, its slot's seats, its resident). A state, not an event, is sent: a
//! clinic that applies a page twice, or out of date, ends up right all the same.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::booking::{BookingStatus, DoseNumber, LotNumber};
use yoyaku_core::sync::{
    BookingInfo, Change, ChangePage, ChangedEntity, PullResponse, ResidentInfo,
};
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::wire::SlotInfo;

use crate::audit::parse_channel;
use crate::residents::{self, ResidentId};
use crate::slot_info::select_slot_infos;

use super::{SyncError, retention};

pub(crate) const DEFAULT_PAGE: u32 = 500;
pub(crate) const MAX_PAGE: u32 = 5_000;

/// A clinic's view: its municipality and its own venues.
pub(crate) struct Scope {
    pub municipality: MunicipalityCode,
    pub venues: Vec<Uuid>,
}

/// One page of changes after `cursor`; `None` (a first sync) or a cursor this server never
/// issued asks for a resync from a snapshot.
pub(crate) async fn page(
    db: &mut PgConnection,
    scope: &Scope,
    cursor: Option<u64>,
    limit: u32,
) -> Result<PullResponse, SyncError> {
    let Some(cursor) = cursor else {
        return Ok(PullResponse::Resync {
            reason: "first sync: start from a snapshot".into(),
        });
    };
    let (oldest, newest) = retention::bounds(&mut *db, scope.municipality).await?;
    if cursor > newest as u64 {
        return Ok(PullResponse::Resync {
            reason: "the cursor is not one this server issued".into(),
        });
    }
    if cursor < oldest as u64 {
        return Ok(PullResponse::Resync {
            reason: "the changes after the cursor are no longer kept".into(),
        });
    }
    let limit = limit.clamp(1, MAX_PAGE);
    let rows = sqlx::query!(
        r#"select seq as "seq!", entity_kind, entity_id from changes
           where municipality_code = $1 and venue_id = any($2) and seq > $3
           order by seq limit $4"#,
        scope.municipality.as_string(),
        &scope.venues,
        cursor as i64,
        i64::from(limit),
    )
    .fetch_all(&mut *db)
    .await?;
    let has_more = rows.len() == limit as usize;
    let next_cursor = rows.last().map_or(cursor, |r| r.seq as u64);

    // The newest change of each entity; a booking also refreshes its slot and resident.
    let mut wanted: BTreeMap<(u8, String), u64> = BTreeMap::new();
    for row in rows {
        let id = row.entity_id;
        let key = match row.entity_kind.as_str() {
            "slot" => (0, id),
            "resident" => (1, id),
            _ => (2, id),
        };
        let entry = wanted.entry(key).or_default();
        *entry = (*entry).max(row.seq as u64);
    }
    let entities = load(db, scope, wanted).await?;
    Ok(PullResponse::Changes(ChangePage {
        changes: entities,
        cursor: next_cursor,
        has_more,
    }))
}

/// The current state of the wanted entities, in change-sequence order, slots and residents before
/// the bookings that refer to them.
async fn load(
    db: &mut PgConnection,
    scope: &Scope,
    wanted: BTreeMap<(u8, String), u64>,
) -> Result<Vec<Change>, SyncError> {
    let ids = |k: u8| -> Vec<String> {
        wanted
            .keys()
            .filter(|(kind, _)| *kind == k)
            .map(|(_, id)| id.clone())
            .collect()
    };
    let bookings = bookings(db, scope, &parse_uuids(&ids(2))?).await?;
    let seq_of = |key: (u8, String), fallback: u64| wanted.get(&key).copied().unwrap_or(fallback);

    let mut slot_seqs: BTreeMap<Uuid, u64> = BTreeMap::new();
    for id in parse_uuids(&ids(0))? {
        slot_seqs.insert(id, seq_of((0, id.to_string()), 0));
    }
    let mut resident_seqs: BTreeMap<ResidentId, u64> = BTreeMap::new();
    for logged in ids(1) {
        let id = ResidentId::from_log_id(&logged, scope.municipality)
            .ok_or_else(|| SyncError::Stored(format!("resident {logged}")))?;
        resident_seqs.insert(id, seq_of((1, logged), 0));
    }
    for b in &bookings {
        let seq = seq_of((2, b.id.to_string()), 0);
        let s = slot_seqs.entry(b.slot_id).or_default();
        *s = (*s).max(seq);
        let r = resident_seqs
            .entry(ResidentId::from(&b.resident))
            .or_default();
        *r = (*r).max(seq);
    }

    let mut changes = Vec::new();
    let slots = slots(db, scope, &slot_seqs.keys().copied().collect::<Vec<_>>()).await?;
    for (id, seq) in &slot_seqs {
        let entity = match slots.get(id) {
            Some(slot) => ChangedEntity::Slot(slot.clone()),
            None => ChangedEntity::SlotRemoved { id: *id },
        };
        changes.push(Change { seq: *seq, entity });
    }
    let wanted: Vec<ResidentId> = resident_seqs.keys().copied().collect();
    for resident in residents::find_many(db, scope.municipality, &wanted).await? {
        let seq = resident_seqs[&ResidentId::from(&resident.key)];
        changes.push(Change {
            seq,
            entity: ChangedEntity::Resident(ResidentInfo {
                key: resident.key,
                details: resident.details,
                outside: resident.outside,
            }),
        });
    }
    for booking in bookings {
        let seq = seq_of((2, booking.id.to_string()), 0);
        changes.push(Change {
            seq,
            entity: ChangedEntity::Booking(booking),
        });
    }
    changes.sort_by_key(|c| c.seq);
    Ok(changes)
}

fn parse_uuids(ids: &[String]) -> Result<Vec<Uuid>, SyncError> {
    ids.iter()
        .map(|id| {
            id.parse()
                .map_err(|_| SyncError::Stored(format!("change entity id {id}")))
        })
        .collect()
}

/// Slots of the scope's venues by id, with their vaccine's name and current seats.
async fn slots(
    db: &mut PgConnection,
    scope: &Scope,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, SlotInfo>, SyncError> {
    let rows = select_slot_infos!(
        "where s.municipality_code = $1 and s.venue_id = any($2) and s.id = any($3)",
        scope.municipality.as_string(),
        &scope.venues,
        ids,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| SlotInfo::try_from(r).map(|info| (info.id, info)))
        .collect::<Result<_, _>>()
        .map_err(SyncError::Database)
}

/// `sqlx::query_as!` of [`BookingRow`]s, bookings `b` at slots `s` with their residents `r`,
/// followed by `$rest` (a literal, so that the whole query is checked at compile time) with its
/// arguments.
macro_rules! select_booking_infos {
    ($rest:literal $($args:tt)*) => {
        sqlx::query_as!(
            $crate::sync::pull::BookingRow,
            r#"select b.id, b.home_code, b.ticket_number,
               r.birth_date as "birth_date: chrono::NaiveDate",
                    b.slot_id, b.dose, b.status, b.channel, b.lot_number,
                    b.vaccinated_at as "vaccinated_at: chrono::DateTime<chrono::Utc>"
             from bookings b
             join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
             join residents r on r.municipality_code = b.municipality_code
                             and r.home_code = b.home_code and r.ticket_number = b.ticket_number "#
                + $rest
            $($args)*
        )
    };
}
pub(crate) use select_booking_infos;

/// Bookings at the scope's venues by id, with their resident's key.
pub(crate) async fn bookings(
    db: &mut PgConnection,
    scope: &Scope,
    ids: &[Uuid],
) -> Result<Vec<BookingInfo>, SyncError> {
    let rows = select_booking_infos!(
        "where b.municipality_code = $1 and s.venue_id = any($2) and b.id = any($3)",
        scope.municipality.as_string(),
        &scope.venues,
        ids,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(BookingRow::into_info).collect()
}

/// A booking as [`select_booking_infos`] reads it.
pub(crate) struct BookingRow {
    pub id: Uuid,
    pub home_code: String,
    pub ticket_number: String,
    pub birth_date: chrono::NaiveDate,
    pub slot_id: Uuid,
    pub dose: i16,
    pub status: String,
    pub channel: String,
    pub lot_number: Option<String>,
    pub vaccinated_at: Option<DateTime<Utc>>,
}

impl BookingRow {
    pub(crate) fn into_info(self) -> Result<BookingInfo, SyncError> {
        let stored = |what: &str| SyncError::Stored(format!("{what} of booking {}", self.id));
        Ok(BookingInfo {
            id: self.id,
            resident: yoyaku_core::resident_key::ResidentKey {
                municipality_code: MunicipalityCode::parse(&self.home_code)
                    .map_err(|_| stored("home_code"))?,
                ticket_number: TicketNumber::parse(&self.ticket_number)
                    .map_err(|_| stored("ticket"))?,
                birth_date: yoyaku_core::birth_date::BirthDate::from_date(
                    self.birth_date,
                    yoyaku_core::time::tokyo_today(),
                )
                .map_err(|_| stored("birth date"))?,
            },
            slot_id: self.slot_id,
            dose: u8::try_from(self.dose)
                .ok()
                .and_then(|d| DoseNumber::new(d).ok())
                .ok_or_else(|| stored("dose"))?,
            status: BookingStatus::parse(&self.status).ok_or_else(|| stored("status"))?,
            channel: parse_channel(&self.channel).ok_or_else(|| stored("channel"))?,
            lot_number: self
                .lot_number
                .as_deref()
                .map(LotNumber::parse)
                .transpose()
                .map_err(|_| stored("lot number"))?,
            vaccinated_at: self.vaccinated_at,
        })
    }
}
