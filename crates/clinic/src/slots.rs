//! The clinic's 予約枠 in the cache, read back for the TOP screen.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::engine::Clinic;
use crate::error::Result;

/// The columns of [`SlotRow`], for lists read as JSON.
pub(crate) const SLOT_COLUMNS: [&str; 14] = [
    "slot_id",
    "venue_id",
    "venue_number",
    "venue_name",
    "vaccine_code",
    "vaccine_name",
    "slot_name",
    "date",
    "start_time",
    "end_time",
    "visibility",
    "capacity",
    "booked",
    "remaining",
];

/// A row of the `slot_list` view.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRow {
    pub slot_id: String,
    pub venue_id: String,
    pub venue_number: i64,
    pub venue_name: String,
    pub vaccine_code: String,
    pub vaccine_name: String,
    pub slot_name: String,
    pub date: String,
    pub start_time: String,
    pub end_time: String,
    #[cfg_attr(feature = "specta", specta(type = yoyaku_core::Visibility))]
    pub visibility: String,
    pub capacity: i64,
    pub booked: i64,
    pub remaining: i64,
}

impl Clinic {
    /// The cached slots from `from` on, as the TOP screen lists them.
    pub async fn slot_list(&self, from: NaiveDate) -> Result<Vec<SlotRow>> {
        let from = from.to_string();
        Ok(sqlx::query_as!(
            SlotRow,
            // 'public' > 'private': 公開枠 before 非公開枠, as the manual lists them.
            r#"SELECT slot_id, venue_id, venue_number, venue_name, vaccine_code, vaccine_name,
                    slot_name, date, start_time, end_time, visibility, capacity,
                    booked AS "booked!: i64", remaining AS "remaining!: i64"
             FROM slot_list WHERE date >= ?
             ORDER BY date, start_time, venue_number, visibility DESC"#,
            from,
        )
        .fetch_all(self.store.pool())
        .await?)
    }
}
