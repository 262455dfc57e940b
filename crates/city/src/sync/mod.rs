//! The clinic sync (docs/ARCHITECTURE.md, Sync): push of intents, pull of changes, snapshots for a
//! first sync or a resync, and seat leases for offline public bookings.

pub(crate) mod leases;
pub(crate) mod pull;
pub(crate) mod push;
pub(crate) mod retention;
pub(crate) mod sequencer;
pub(crate) mod snapshot;

use std::convert::Infallible;
use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;
use yoyaku_core::{Code, Coded};

use crate::residents::ResidentError;

/// How soon a committed change can be pulled.
const SEQUENCE_EVERY: Duration = Duration::from_millis(100);
/// How soon an expired lease's seats return (in rounds of the sequencer).
const RELEASE_LEASES_EVERY_ROUNDS: u32 = 50;

/// The sync's background work for a running server: numbering committed changes, and returning
/// expired leases' seats. Errors are logged and retried: a pull only waits a little longer.
pub(crate) async fn chores(db: PgPool) -> Infallible {
    let mut round = 0u32;
    loop {
        match sequencer::sequence_committed(&db).await {
            // A backlog: keep going without a pause.
            Ok(n) if n == sequencer::BATCH as u64 => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "change sequencer round failed"),
        }
        if round % RELEASE_LEASES_EVERY_ROUNDS == 0 {
            match leases::release_expired(&db, Utc::now()).await {
                Ok(0) => {}
                Ok(slots) => tracing::info!(slots, "expired leases returned their seats"),
                Err(error) => tracing::warn!(%error, "could not release expired leases"),
            }
        }
        round = round.wrapping_add(1);
        tokio::time::sleep(SEQUENCE_EVERY).await;
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SyncError {
    #[error(transparent)]
    Lease(#[from] LeaseRefusal),
    #[error("this device is registered to another account")]
    DeviceOfAnotherAccount,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value the schema should have kept valid is not.
    #[error("stored data is invalid: {0}")]
    Stored(String),
}

impl From<ResidentError> for SyncError {
    fn from(error: ResidentError) -> Self {
        match error {
            ResidentError::Database(e) => Self::Database(e),
            // Only reads reach here: a refusal to read is a bug, not the caller's fault.
            other => Self::Stored(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LeaseRefusal {
    #[error("a lease holds 1 to {} seats", leases::MAX_SEATS)]
    Seats,
    #[error("no such slot at this clinic's venues")]
    NotOwnSlot,
    #[error("private slots are the clinic's own and need no lease")]
    PrivateSlot,
    #[error("this slot's time has passed")]
    Past,
    #[error("reception of this public slot's period has not begun")]
    NotOpen,
    #[error("not enough public seats left in this slot")]
    Full,
    #[error("this lease id names another slot's or another clinic's lease")]
    IdTaken,
}

impl Coded for LeaseRefusal {
    fn code(&self) -> Code {
        match self {
            Self::Seats => Code::LeaseSeats,
            Self::NotOwnSlot => Code::SlotNotFound,
            Self::PrivateSlot => Code::LeasePrivateSlot,
            Self::Past => Code::SlotPast,
            Self::NotOpen => Code::SlotNotOpen,
            Self::Full => Code::SlotFull,
            Self::IdTaken => Code::LeaseIdTaken,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::Seats => format!("確保できる枠数は1〜{}です。", leases::MAX_SEATS),
            Self::NotOwnSlot => "この医療機関の会場の予約枠ではありません。".into(),
            Self::PrivateSlot => "非公開枠は医療機関専用のため、確保の必要はありません。".into(),
            Self::Past => "この予約枠の時間はすでに過ぎています。".into(),
            Self::NotOpen => "この公開枠の期の予約受付はまだ始まっていません。".into(),
            Self::Full => "この予約枠には確保できる公開枠が残っていません。".into(),
            Self::IdTaken => {
                "この確保IDは別の予約枠または別の医療機関の確保に使われています。".into()
            }
        }
    }
}
