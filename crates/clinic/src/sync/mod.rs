//! Sync with the city server (docs/ARCHITECTURE.md, Sync): push the outbox, then pull the changes,
//! then renew seat leases; on a timer and on every write, with backoff while the server cannot be
//! reached. Every step commits as it goes, so a round cut short anywhere loses nothing.

mod leases;
mod pull;
mod push;

use chrono::Utc;

use crate::engine::Clinic;
use crate::error::Result;
use crate::sync_status::SyncStatus;

impl Clinic {
    /// One sync round. Never fails: the outcome is in the returned status (offline is a normal
    /// state, not an error).
    pub async fn sync_now(&self) -> SyncStatus {
        let _round = self.sync_lock.lock().await;
        let outcome = self.sync_round().await;
        if let Err(e) = &outcome {
            tracing::info!(error = %e, "sync round did not complete");
        }
        self.record(&outcome);
        if let Err(e) = self.refresh_counts().await {
            tracing::warn!(error = %e, "cannot count the outbox");
        }
        self.status()
    }

    async fn sync_round(&self) -> Result<()> {
        let token = self.session_token().await?;
        let pushed = push::push(&self.store, &self.client, &token).await?;
        let pulled = pull::pull(&self.store, &self.client, &token).await?;
        let now = Utc::now();
        let leased = leases::refresh(&self.store, &self.client, &token, now).await?;
        crate::slot_reports::send_unsent(&self.store, &self.client, &token).await?;
        tracing::debug!(?pushed, ?pulled, leased, "sync round done");
        sqlx::query!("UPDATE sync_state SET last_success_at = ?", now)
            .execute(self.store.pool())
            .await?;
        self.record_success_at(now);
        Ok(())
    }
}
