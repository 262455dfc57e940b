//! Where the web's availability reads go: to a streaming replica of the database when the city
//! runs one, so that opening day's crowd refreshing 空き状況 takes nothing from the primary, which
//! books. A count read there may be a moment behind; that never oversells, because every booking
//! takes its seat on the primary in its own transaction.
//!
//! A replica whose WAL receiver is not streaming (the primary is out of its reach, replication
//! broke) or whose replay is paused could be behind by any amount, so it is not read then; nor
//! when it cannot be reached. The primary answers instead.

use std::future::Future;

use sqlx::PgPool;

use super::error::ApiError;

#[derive(Clone)]
pub(crate) struct WebReads {
    primary: PgPool,
    replica: Option<PgPool>,
}

impl WebReads {
    pub fn new(primary: PgPool, replica: Option<PgPool>) -> Self {
        Self { primary, replica }
    }

    /// `read` on the replica when it is current, otherwise on the primary.
    pub async fn run<T, F, Fut>(&self, read: F) -> Result<T, ApiError>
    where
        F: Fn(PgPool) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        if let Some(replica) = &self.replica {
            match streaming(replica).await {
                Ok(true) => match read(replica.clone()).await {
                    Err(ApiError::Database(error)) => {
                        tracing::warn!(%error, "the replica failed a read; reading the primary");
                    }
                    answer => return answer,
                },
                Ok(false) => tracing::warn!("the replica is not streaming; reading the primary"),
                Err(error) => {
                    tracing::warn!(%error, "the replica is out of reach; reading the primary")
                }
            }
        }
        read(self.primary.clone()).await
    }
}

/// Whether the replica is receiving the primary's WAL as it is written and replaying it.
async fn streaming(replica: &PgPool) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select coalesce((select status = 'streaming' from pg_stat_wal_receiver), false)
                  and pg_is_in_recovery() and not pg_is_wal_replay_paused() as "streaming!""#
    )
    .fetch_one(replica)
    .await
}
