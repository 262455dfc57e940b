//! The clinic's 予約枠 in the cache: pulled from the city server, read back for the TOP screen.

use chrono::{Days, NaiveDate, Utc};
use serde::Serialize;
use yoyaku_core::time::{tokyo_date_time, tokyo_today};
use yoyaku_core::wire::SlotInfo;

use crate::engine::Clinic;
use crate::error::Result;
use crate::sync::SyncStatus;

/// How far ahead the cache holds slots (the server's default window: four weeks).
const WINDOW_DAYS: u64 = 27;

/// A row of the `slot_list` view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SlotRow {
    pub slot_id: String,
    pub venue_id: String,
    pub venue_number: i64,
    pub venue_name: String,
    pub vaccine_name: String,
    pub slot_name: String,
    pub date: String,
    pub start_time: String,
    pub end_time: String,
    pub visibility: String,
    pub capacity: i64,
    pub booked: i64,
    pub remaining: i64,
}

impl Clinic {
    /// One sync round: pulls the clinic's slots for the coming weeks. Never fails: the outcome is
    /// in the returned status (offline is a normal state, not an error).
    pub async fn sync_now(&self) -> SyncStatus {
        let _round = self.sync_lock.lock().await;
        let outcome = self.pull_slots().await;
        if let Err(e) = &outcome {
            tracing::info!(error = %e, "sync round did not complete");
        }
        self.record(&outcome);
        self.status()
    }

    async fn pull_slots(&self) -> Result<()> {
        let token = self.session_token().await?;
        let from = tokyo_today();
        let to = from + Days::new(WINDOW_DAYS);
        let list = self.client.clinic_slots(&token, from, to).await?;
        let now = Utc::now();
        self.replace_window(from, to, &list.slots, now).await?;
        self.record_success_at(now);
        Ok(())
    }

    /// Makes the cached slots dated `from..=to` exactly the server's, in one transaction.
    async fn replace_window(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        slots: &[SlotInfo],
        synced_at: chrono::DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.store.pool().begin().await?;
        sqlx::query("DELETE FROM slots WHERE local_date BETWEEN ? AND ?")
            .bind(from.to_string())
            .bind(to.to_string())
            .execute(&mut *tx)
            .await?;
        for slot in slots {
            let (date, start) = tokyo_date_time(slot.starts_at);
            let (_, end) = tokyo_date_time(slot.ends_at);
            sqlx::query(
                "INSERT INTO slots (id, venue_id, name, vaccine_code, vaccine_name, starts_at,
                     ends_at, local_date, start_time, end_time, visibility, capacity, booked)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET
                     venue_id = excluded.venue_id, name = excluded.name,
                     vaccine_code = excluded.vaccine_code, vaccine_name = excluded.vaccine_name,
                     starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                     local_date = excluded.local_date, start_time = excluded.start_time,
                     end_time = excluded.end_time, visibility = excluded.visibility,
                     capacity = excluded.capacity, booked = excluded.booked",
            )
            .bind(slot.id.to_string())
            .bind(slot.venue_id.to_string())
            .bind(&slot.name)
            .bind(&slot.vaccine_code)
            .bind(&slot.vaccine_name)
            .bind(slot.starts_at)
            .bind(slot.ends_at)
            .bind(date.to_string())
            .bind(start.format("%H:%M").to_string())
            .bind(end.format("%H:%M").to_string())
            .bind(slot.visibility.as_str())
            .bind(slot.capacity)
            .bind(slot.booked)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE sync_state SET last_success_at = ?")
            .bind(synced_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The cached slots from `from` on, as the TOP screen lists them.
    pub async fn slot_list(&self, from: NaiveDate) -> Result<Vec<SlotRow>> {
        Ok(sqlx::query_as(
            // 'public' > 'private': 公開枠 before 非公開枠, as the manual lists them.
            "SELECT * FROM slot_list WHERE date >= ?
             ORDER BY date, start_time, venue_number, visibility DESC",
        )
        .bind(from.to_string())
        .fetch_all(self.store.pool())
        .await?)
    }
}
