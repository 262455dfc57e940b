//! 予約履歴 and 接種履歴: a resident's bookings, from the cache or as the city server sent them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use yoyaku_core::booking::{BookingStatus, DoseNumber, LotNumber};
use yoyaku_core::channel::Channel;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::time::tokyo_date_time;

use crate::SyncState;
use crate::error::{ClinicError, Result};

/// One booking of a resident, as the 予約履歴 tab lists it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookingHistory {
    pub booking_id: String,
    pub dose: u8,
    pub status: BookingStatus,
    /// 予約済み, キャンセル, 受付済み, 接種済み, 来院なし
    pub status_label_ja: &'static str,
    /// The slot's Tokyo date and wall-clock times.
    pub date: String,
    pub start_time: String,
    pub end_time: String,
    /// The slot, for 予約枠詳細.
    pub slot_id: String,
    pub slot_name: String,
    pub venue_name: String,
    pub vaccine_name: String,
    /// Who booked it: clinic, call_center or web.
    pub channel: String,
    pub lot_number: Option<String>,
    pub vaccinated_at: Option<DateTime<Utc>>,
    /// synced, pending, rejected or tentative (view `booking_state`).
    pub sync_state: SyncState,
}

struct Row {
    booking_id: String,
    dose: i64,
    status: String,
    date: String,
    start_time: String,
    end_time: String,
    slot_id: String,
    slot_name: String,
    venue_name: String,
    vaccine_name: String,
    channel: String,
    lot_number: Option<String>,
    vaccinated_at: Option<DateTime<Utc>>,
    sync_state: SyncState,
}

impl Row {
    fn into_history(self) -> Result<BookingHistory> {
        let corrupt = |what: &str| ClinicError::Internal(format!("cached booking's {what}"));
        let status = BookingStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?;
        Ok(BookingHistory {
            booking_id: self.booking_id,
            dose: u8::try_from(self.dose).map_err(|_| corrupt("dose"))?,
            status,
            status_label_ja: status.label_ja(),
            date: self.date,
            start_time: self.start_time,
            end_time: self.end_time,
            slot_id: self.slot_id,
            slot_name: self.slot_name,
            venue_name: self.venue_name,
            vaccine_name: self.vaccine_name,
            channel: self.channel,
            lot_number: self.lot_number,
            vaccinated_at: self.vaccinated_at,
            sync_state: self.sync_state,
        })
    }
}

/// The resident's cached bookings, by slot time.
pub(super) async fn cached(
    db: &mut SqliteConnection,
    key: &ResidentKey,
) -> Result<Vec<BookingHistory>> {
    let (municipality, ticket) = (
        key.municipality_code.as_string(),
        key.ticket_number.as_string(),
    );
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT b.id AS booking_id, b.dose, b.status, s.local_date AS date, s.start_time,
                s.end_time, s.id AS slot_id, s.name AS slot_name, v.name AS venue_name, s.vaccine_name,
                b.channel, b.lot_number, b.vaccinated_at AS "vaccinated_at: DateTime<Utc>",
                st.sync_state AS "sync_state!: SyncState"
         FROM bookings b
         JOIN slots s ON s.id = b.slot_id
         JOIN venues v ON v.id = s.venue_id
         JOIN booking_state st ON st.booking_id = b.id
         WHERE b.municipality_code = ? AND b.ticket_number = ?
         ORDER BY s.starts_at, b.dose"#,
        municipality,
        ticket,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(Row::into_history).collect()
}

/// A booking in the city server's answer to the ticket check or to a booking (its
/// `BookingRecord`).
#[derive(Debug, Deserialize)]
pub(crate) struct ServerBooking {
    pub(crate) id: uuid::Uuid,
    pub(crate) dose: DoseNumber,
    pub(crate) status: BookingStatus,
    pub(crate) channel: Channel,
    pub(crate) slot: ServerSlot,
    pub(crate) lot_number: Option<LotNumber>,
    pub(crate) vaccinated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ServerSlot {
    pub(crate) id: uuid::Uuid,
    pub(crate) name: String,
    pub(crate) venue_name: String,
    pub(crate) vaccine_code: String,
    pub(crate) vaccine_name: String,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) ends_at: DateTime<Utc>,
}

impl From<ServerBooking> for BookingHistory {
    fn from(b: ServerBooking) -> Self {
        let (date, start) = tokyo_date_time(b.slot.starts_at);
        let (_, end) = tokyo_date_time(b.slot.ends_at);
        Self {
            booking_id: b.id.to_string(),
            dose: b.dose.get(),
            status: b.status,
            status_label_ja: b.status.label_ja(),
            date: date.to_string(),
            start_time: start.format("%H:%M").to_string(),
            end_time: end.format("%H:%M").to_string(),
            slot_id: b.slot.id.to_string(),
            slot_name: b.slot.name,
            venue_name: b.slot.venue_name,
            vaccine_name: b.slot.vaccine_name,
            channel: b.channel.as_str().to_owned(),
            lot_number: b.lot_number.map(|l| l.to_string()),
            vaccinated_at: b.vaccinated_at,
            sync_state: SyncState::Synced,
        }
    }
}

/// Keeps the resident's bookings that the cache does not hold (at other venues: dose 1 given
/// elsewhere, dose 2 booked on the web) for the dose rules of a booking made here, offline too.
/// The city's answer replaces what an earlier look-up kept.
pub(super) async fn keep_elsewhere(
    db: &mut SqliteConnection,
    key: &ResidentKey,
    server: &[ServerBooking],
) -> Result<()> {
    let (municipality, ticket) = (
        key.municipality_code.as_string(),
        key.ticket_number.as_string(),
    );
    sqlx::query!(
        "DELETE FROM bookings_elsewhere WHERE municipality_code = ? AND ticket_number = ?",
        municipality,
        ticket,
    )
    .execute(&mut *db)
    .await?;
    for b in server {
        keep_one_elsewhere(db, key, b).await?;
    }
    Ok(())
}

/// Keeps one booking the city made at another venue (a second dose at the mass venue, say),
/// unless the cache holds it.
pub(crate) async fn keep_one_elsewhere(
    db: &mut SqliteConnection,
    key: &ResidentKey,
    b: &ServerBooking,
) -> Result<()> {
    let (id, municipality, ticket) = (
        b.id.to_string(),
        key.municipality_code.as_string(),
        key.ticket_number.as_string(),
    );
    let (dose, status) = (i64::from(b.dose.get()), b.status.as_str());
    sqlx::query!(
        "INSERT OR REPLACE INTO bookings_elsewhere (id, municipality_code, ticket_number, dose,
                                                    status, starts_at, vaccinated_at,
                                                    vaccine_code, vaccine_name)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
         WHERE NOT EXISTS (SELECT 1 FROM bookings WHERE id = ?1)",
        id,
        municipality,
        ticket,
        dose,
        status,
        b.slot.starts_at,
        b.vaccinated_at,
        b.slot.vaccine_code,
        b.slot.vaccine_name,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The server's history completed by the local work it has not seen yet (a booking made
/// offline), so that the receptionist never books a dose twice.
pub(super) fn merge(server: Vec<ServerBooking>, local: Vec<BookingHistory>) -> Vec<BookingHistory> {
    let mut merged: Vec<BookingHistory> = server.into_iter().map(BookingHistory::from).collect();
    let unseen: Vec<BookingHistory> = local
        .into_iter()
        .filter(|l| l.sync_state != SyncState::Synced)
        .filter(|l| merged.iter().all(|m| m.booking_id != l.booking_id))
        .collect();
    merged.extend(unseen);
    merged.sort_by(|a, b| (&a.date, &a.start_time, a.dose).cmp(&(&b.date, &b.start_time, b.dose)));
    merged
}

/// 予約・接種状況: per dose, the booking that counts (one not cancelled, else the latest), as
/// the `resident_search` view's 1回目接種 / 2回目接種 columns choose it.
pub(super) fn current_by_dose(history: &[BookingHistory]) -> Vec<BookingHistory> {
    let mut doses: Vec<u8> = history.iter().map(|b| b.dose).collect();
    doses.sort_unstable();
    doses.dedup();
    doses
        .into_iter()
        .filter_map(|dose| {
            history
                .iter()
                .filter(|b| b.dose == dose)
                .max_by_key(|b| (b.status != BookingStatus::Cancelled, &b.date, &b.start_time))
                .cloned()
        })
        .collect()
}
