//! Bookings as read from the database, with the names a person reads next to them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::booking::{BookingStatus, DoseNumber, LotNumber, ResidentBooking};
use yoyaku_core::channel::Channel;
use yoyaku_core::out_of_municipality::OutsideStay;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::tokyo_date_time;
use yoyaku_core::{MunicipalityCode, Visibility};

use crate::audit::parse_channel;
use crate::bookings::BookingError;
use crate::residents::ResidentId;

/// A booking with what a person reads next to it: 予約枠日時, 予約枠名, 会場, 接種ワクチン.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct BookingRecord {
    pub id: Uuid,
    pub municipality_code: MunicipalityCode,
    /// 自治体番号 of the resident's ticket: another municipality's for a 市外住民 (住所地外).
    pub resident_municipality_code: MunicipalityCode,
    pub ticket_number: TicketNumber,
    pub dose: DoseNumber,
    pub status: BookingStatus,
    /// 予約済み, キャンセル, 受付済み, 接種済み, 来院なし
    pub status_label_ja: &'static str,
    pub channel: Channel,
    pub slot: SlotSummary,
    pub lot_number: Option<LotNumber>,
    pub vaccinated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// 住所地外 (manual 2-3): a 市外住民's reason and notification state; lists show it.
    pub outside: Option<OutsideStay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct SlotSummary {
    pub id: Uuid,
    /// 予約枠名
    pub name: String,
    pub venue_id: Uuid,
    pub venue_name: String,
    pub vaccine_code: String,
    pub vaccine_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub visibility: Visibility,
}

impl BookingRecord {
    pub fn resident(&self) -> ResidentId {
        ResidentId {
            home: self.resident_municipality_code,
            ticket: self.ticket_number,
        }
    }

    /// What the audit log keeps of a booking before and after a write.
    pub fn audit_state(&self) -> Value {
        audit_state(
            self.slot.id,
            self.dose,
            self.status,
            self.lot_number.as_ref(),
            self.vaccinated_at,
        )
    }
}

/// [`BookingRecord::audit_state`] of a booking not read back yet (one just being inserted).
pub(in crate::bookings) fn audit_state(
    slot: Uuid,
    dose: DoseNumber,
    status: BookingStatus,
    lot_number: Option<&LotNumber>,
    vaccinated_at: Option<DateTime<Utc>>,
) -> Value {
    json!({
        "slot_id": slot,
        "dose": dose,
        "status": status.as_str(),
        "lot_number": lot_number,
        "vaccinated_at": vaccinated_at,
    })
}

/// Its fields are seen in all of `bookings`, where [`select_bookings`] builds it.
pub(in crate::bookings) struct BookingRow {
    pub(in crate::bookings) id: Uuid,
    pub(in crate::bookings) municipality_code: String,
    pub(in crate::bookings) home_code: String,
    pub(in crate::bookings) ticket_number: String,
    pub(in crate::bookings) dose: i16,
    pub(in crate::bookings) status: String,
    pub(in crate::bookings) channel: String,
    pub(in crate::bookings) lot_number: Option<String>,
    pub(in crate::bookings) vaccinated_at: Option<DateTime<Utc>>,
    pub(in crate::bookings) created_at: DateTime<Utc>,
    pub(in crate::bookings) updated_at: DateTime<Utc>,
    pub(in crate::bookings) slot_id: Uuid,
    pub(in crate::bookings) slot_name: String,
    pub(in crate::bookings) venue_id: Uuid,
    pub(in crate::bookings) venue_name: String,
    pub(in crate::bookings) vaccine_code: String,
    pub(in crate::bookings) vaccine_name: String,
    pub(in crate::bookings) starts_at: DateTime<Utc>,
    pub(in crate::bookings) ends_at: DateTime<Utc>,
    pub(in crate::bookings) visibility: String,
    pub(in crate::bookings) outside_reason: Option<String>,
    pub(in crate::bookings) notification: Option<String>,
}

/// `sqlx::query_as!` of [`BookingRow`]s, bookings `b` with their slot `s`, venue `v`, vaccine `vc`
/// and resident `r`, followed by `$rest` (a literal, so the whole query is checked at compile
/// time) with its arguments.
macro_rules! select_bookings {
    ($rest:literal $($args:tt)*) => {
        sqlx::query_as!(
            $crate::bookings::rows::BookingRow,
            r#"select b.id, b.municipality_code, b.home_code, b.ticket_number, b.dose, b.status,
                    b.channel, b.lot_number,
                    b.vaccinated_at as "vaccinated_at: chrono::DateTime<chrono::Utc>",
                    b.created_at as "created_at: chrono::DateTime<chrono::Utc>",
                    b.updated_at as "updated_at: chrono::DateTime<chrono::Utc>",
                    s.id as slot_id, s.name as slot_name, s.venue_id, v.name as venue_name,
                    s.vaccine_code, vc.name_ja as vaccine_name,
                    s.starts_at as "starts_at: chrono::DateTime<chrono::Utc>",
                    s.ends_at as "ends_at: chrono::DateTime<chrono::Utc>",
                    s.visibility, r.outside_reason, r.notification
             from bookings b
             join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
             join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
             join vaccines vc
               on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code
             join residents r on r.municipality_code = b.municipality_code
                             and r.home_code = b.home_code and r.ticket_number = b.ticket_number "#
                + $rest
            $($args)*
        )
    };
}
pub(in crate::bookings) use select_bookings;

impl TryFrom<BookingRow> for BookingRecord {
    type Error = BookingError;

    fn try_from(row: BookingRow) -> Result<Self, BookingError> {
        let stored = |what: &str| BookingError::Stored(format!("{what} of booking {}", row.id));
        let status = BookingStatus::parse(&row.status).ok_or_else(|| stored("status"))?;
        Ok(Self {
            id: row.id,
            municipality_code: MunicipalityCode::parse(&row.municipality_code)
                .map_err(|_| stored("municipality_code"))?,
            resident_municipality_code: MunicipalityCode::parse(&row.home_code)
                .map_err(|_| stored("home_code"))?,
            ticket_number: TicketNumber::parse(&row.ticket_number)
                .map_err(|_| stored("ticket_number"))?,
            dose: u8::try_from(row.dose)
                .ok()
                .and_then(|n| DoseNumber::new(n).ok())
                .ok_or_else(|| stored("dose"))?,
            status,
            status_label_ja: status.label_ja(),
            channel: parse_channel(&row.channel).ok_or_else(|| stored("channel"))?,
            lot_number: row
                .lot_number
                .as_deref()
                .map(LotNumber::parse)
                .transpose()
                .map_err(|_| stored("lot_number"))?,
            vaccinated_at: row.vaccinated_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            outside: OutsideStay::from_stored(
                row.outside_reason.as_deref(),
                row.notification.as_deref(),
            )
            .map_err(|_| stored("outside stay"))?,
            slot: SlotSummary {
                id: row.slot_id,
                name: row.slot_name,
                venue_id: row.venue_id,
                venue_name: row.venue_name,
                vaccine_code: row.vaccine_code,
                vaccine_name: row.vaccine_name,
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                visibility: Visibility::parse(&row.visibility)
                    .ok_or_else(|| stored("slot visibility"))?,
            },
        })
    }
}

/// The records of rows selected by [`select_bookings`].
pub(in crate::bookings) fn records(
    rows: Vec<BookingRow>,
) -> Result<Vec<BookingRecord>, BookingError> {
    rows.into_iter().map(BookingRecord::try_from).collect()
}

pub(in crate::bookings) async fn load_booking(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<Option<BookingRecord>, BookingError> {
    select_bookings!(
        "where b.municipality_code = $1 and b.id = $2",
        municipality.as_string(),
        id,
    )
    .fetch_optional(db)
    .await?
    .map(BookingRecord::try_from)
    .transpose()
}

/// The booking, its row locked for the rest of the transaction.
pub(in crate::bookings) async fn load_booking_for_update(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<Option<BookingRecord>, BookingError> {
    select_bookings!(
        "where b.municipality_code = $1 and b.id = $2 for update of b",
        municipality.as_string(),
        id,
    )
    .fetch_optional(db)
    .await?
    .map(BookingRecord::try_from)
    .transpose()
}

struct HeldRow {
    id: Uuid,
    dose: i16,
    status: String,
    starts_at: DateTime<Utc>,
    vaccinated_at: Option<DateTime<Utc>>,
    vaccine_code: String,
    vaccine_name: String,
}

/// A booking of the resident as a new booking's checks need it.
pub(in crate::bookings) struct Held {
    pub id: Uuid,
    pub rule: ResidentBooking,
}

/// Every booking of the resident, any status, as the booking rules (and a retry) need them.
pub(in crate::bookings) async fn resident_bookings(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    resident: ResidentId,
) -> Result<Vec<Held>, BookingError> {
    let rows = sqlx::query_as!(
        HeldRow,
        r#"select b.id, b.dose, b.status, s.starts_at as "starts_at: chrono::DateTime<chrono::Utc>",
                b.vaccinated_at as "vaccinated_at: chrono::DateTime<chrono::Utc>", s.vaccine_code,
                v.name_ja as vaccine_name
         from bookings b
         join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
         join vaccines v on v.municipality_code = s.municipality_code and v.code = s.vaccine_code
         where b.municipality_code = $1 and b.home_code = $2 and b.ticket_number = $3"#,
        municipality.as_string(),
        resident.home.as_string(),
        resident.ticket.as_string(),
    )
    .fetch_all(db)
    .await?;
    let stored = || BookingError::Stored(format!("a booking of {resident}"));
    rows.into_iter()
        .map(|row| {
            let rule = ResidentBooking {
                dose: u8::try_from(row.dose)
                    .ok()
                    .and_then(|n| DoseNumber::new(n).ok())
                    .ok_or_else(stored)?,
                status: BookingStatus::parse(&row.status).ok_or_else(stored)?,
                vaccine_code: row.vaccine_code,
                vaccine_name: row.vaccine_name,
                date: tokyo_date_time(row.starts_at).0,
                vaccinated_on: row.vaccinated_at.map(|at| tokyo_date_time(at).0),
            };
            Ok(Held { id: row.id, rule })
        })
        .collect()
}
