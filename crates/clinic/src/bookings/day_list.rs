//! 接種予約状況・実績 一覧 (manual 4-1): the day's bookings at a venue for a vaccine, and the same
//! list as CSV for Excel.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::booking::BookingStatus;
use yoyaku_core::out_of_municipality::OutsideStay;

use super::error::corrupt;
use crate::SyncState;
use crate::error::Result;

/// A row of the `day_list` view, with the Japanese words a screen shows.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookingRow {
    pub booking_id: String,
    pub venue_id: String,
    pub venue_name: String,
    pub vaccine_code: String,
    /// 接種ワクチン
    pub vaccine_name: String,
    pub date: String,
    pub start_time: String,
    pub end_time: String,
    pub slot_id: String,
    pub slot_name: String,
    #[cfg_attr(feature = "specta", specta(type = yoyaku_core::Visibility))]
    pub visibility: String,
    /// 自治体番号
    pub municipality_code: String,
    /// 接種券番号
    pub ticket_number: String,
    pub birth_date: String,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub phone: Option<String>,
    pub dose: i64,
    #[cfg_attr(feature = "specta", specta(type = BookingStatus))]
    pub status: String,
    pub channel: String,
    /// ロット番号
    pub lot_number: Option<String>,
    pub vaccinated_at: Option<DateTime<Utc>>,
    /// synced, pending, tentative or rejected (view `booking_state`).
    pub sync_state: SyncState,
    /// 住所地外 (manual 2-3): a 市外住民's reason and notification state (`Reason::as_str`,
    /// `Notification::as_str`).
    pub outside_reason: Option<String>,
    pub notification: Option<String>,
    /// 予約開始日付 as the manual prints it: `2021-05-15 09:00~`.
    pub starts_label: String,
    /// ステータス: 予約済み, キャンセル …
    pub status_label: String,
    /// 同期済み, 未送信, 仮予約 or 同期の問題.
    pub sync_state_label: String,
    /// 住所地外（届出未確認） and the like, for a 市外住民.
    pub outside_label: Option<String>,
}

impl BookingRow {
    fn labelled(mut self) -> Result<Self> {
        self.starts_label = format!("{} {}~", self.date, self.start_time);
        self.status_label = BookingStatus::parse(&self.status)
            .ok_or_else(|| corrupt(format!("status of booking {}", self.booking_id)))?
            .label_ja()
            .to_owned();
        self.sync_state_label = self.sync_state.label_ja().to_owned();
        self.outside_label =
            OutsideStay::from_stored(self.outside_reason.as_deref(), self.notification.as_deref())
                .map_err(|_| corrupt(format!("resident of booking {}", self.booking_id)))?
                .map(OutsideStay::label_ja);
        Ok(self)
    }
}

/// A [`BookingRow`], labelled, from a `day_list` record of `row` or `day_list` below: a macro, as
/// each `query!` has a record type of its own.
macro_rules! booking_row {
    ($r:expr) => {{
        let r = $r;
        BookingRow {
            booking_id: r.booking_id,
            venue_id: r.venue_id,
            venue_name: r.venue_name,
            vaccine_code: r.vaccine_code,
            vaccine_name: r.vaccine_name,
            date: r.date,
            start_time: r.start_time,
            end_time: r.end_time,
            slot_id: r.slot_id,
            slot_name: r.slot_name,
            visibility: r.visibility,
            municipality_code: r.municipality_code,
            ticket_number: r.ticket_number,
            birth_date: r.birth_date,
            family_name_kana: r.family_name_kana,
            given_name_kana: r.given_name_kana,
            phone: r.phone,
            dose: r.dose,
            status: r.status,
            channel: r.channel,
            lot_number: r.lot_number,
            vaccinated_at: r.vaccinated_at,
            sync_state: r.sync_state,
            outside_reason: r.outside_reason,
            notification: r.notification,
            starts_label: String::new(),
            status_label: String::new(),
            sync_state_label: String::new(),
            outside_label: None,
        }
        .labelled()
    }};
}

pub(super) async fn row(db: &mut SqliteConnection, id: Uuid) -> Result<BookingRow> {
    let booking_id = id.to_string();
    let row = sqlx::query!(
        r#"SELECT booking_id, venue_id, venue_name, vaccine_code, vaccine_name, date, start_time,
                  end_time, slot_id, slot_name, visibility, municipality_code, ticket_number,
                  birth_date, family_name_kana, given_name_kana, phone, dose, status, channel,
                  lot_number, vaccinated_at AS "vaccinated_at: DateTime<Utc>",
                  sync_state AS "sync_state!: SyncState", outside_reason, notification
           FROM day_list WHERE booking_id = ?"#,
        booking_id,
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| corrupt(format!("booking {id} is not in the day list")))?;
    booking_row!(row)
}

pub(super) async fn day_list(
    db: &mut SqliteConnection,
    venue_id: Uuid,
    vaccine_code: &str,
    date: NaiveDate,
) -> Result<Vec<BookingRow>> {
    let venue_id = venue_id.to_string();
    let date = date.to_string();
    let rows = sqlx::query!(
        r#"SELECT booking_id, venue_id, venue_name, vaccine_code, vaccine_name, date, start_time,
                  end_time, slot_id, slot_name, visibility, municipality_code, ticket_number,
                  birth_date, family_name_kana, given_name_kana, phone, dose, status, channel,
                  lot_number, vaccinated_at AS "vaccinated_at: DateTime<Utc>",
                  sync_state AS "sync_state!: SyncState", outside_reason, notification
           FROM day_list WHERE venue_id = ? AND vaccine_code = ? AND date = ?
           ORDER BY start_time, end_time, municipality_code, ticket_number, booking_id"#,
        venue_id,
        vaccine_code,
        date,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|r| booking_row!(r)).collect()
}

/// The list as CSV: UTF-8 with a byte order mark (without it Excel in Japan reads the file as
/// Shift_JIS and garbles the header), CRLF line ends and RFC 4180 quoting.
pub(super) fn to_csv(rows: &[BookingRow]) -> String {
    const HEADER: [&str; 9] = [
        "予約開始日付",
        "自治体番号",
        "接種券番号",
        "接種回数",
        "ステータス",
        "接種ワクチン",
        "ロット番号",
        "同期状態",
        "住所地外",
    ];
    let mut out = String::from("\u{feff}");
    push_record(&mut out, HEADER);
    for r in rows {
        let dose = r.dose.to_string();
        push_record(
            &mut out,
            [
                r.starts_label.as_str(),
                &r.municipality_code,
                &r.ticket_number,
                &dose,
                &r.status_label,
                &r.vaccine_name,
                r.lot_number.as_deref().unwrap_or(""),
                &r.sync_state_label,
                r.outside_label.as_deref().unwrap_or(""),
            ],
        );
    }
    out
}

fn push_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_that_need_it_are_quoted() {
        let mut out = String::new();
        push_record(&mut out, ["a", "b,c", "say \"hi\"", "two\nlines", ""]);
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }
}
