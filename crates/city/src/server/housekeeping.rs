//! Periodic chores of a running server: expired sessions leave the database, changes older than
//! the retention the change log, idle clients the rate limiters, rested tickets their table.
//! None is needed for correctness (an expired session logs nobody in, an old cursor gets a
//! snapshot, a full bucket is the same as none); all keep what is stored from growing without end.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sqlx::PgPool;
use tokio::time::MissedTickBehavior;

use crate::http::rate_limit::{LoginLimiter, LookupLimiter};
use crate::http::ticket_rests;
use crate::sync::retention;

/// Every ten minutes by default: a session outlives its expiry by at most that.
pub(super) const DEFAULT_PERIOD: Duration = Duration::from_secs(10 * 60);

/// Runs the chores now and then every `period`, until dropped.
pub(super) async fn run(
    period: Duration,
    db: PgPool,
    login_limiter: Arc<LoginLimiter>,
    lookup_limiter: Arc<LookupLimiter>,
    change_retention: TimeDelta,
) -> Infallible {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        login_limiter.forget_idle();
        lookup_limiter.forget_idle();
        if let Err(error) = ticket_rests::forget_idle(&db).await {
            tracing::warn!(%error, "could not delete rested tickets");
        }
        match delete_expired_sessions(&db).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "deleted expired sessions"),
            // The database may be down for a while; the next round tries again.
            Err(error) => tracing::warn!(%error, "could not delete expired sessions"),
        }
        match retention::prune(&db, Utc::now() - change_retention).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "deleted changes past the retention"),
            Err(error) => tracing::warn!(%error, "could not delete old changes"),
        }
    }
}

async fn delete_expired_sessions(db: &PgPool) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!(
        "-- every municipality: housekeeping deletes every expired session
         delete from sessions where expires_at <= now()"
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected())
}
