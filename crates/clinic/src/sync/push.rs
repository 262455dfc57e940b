//! Push: the outbox's unsettled intents, in sequence order, in batches. Each answer is stored in
//! one transaction with the device's settled sequence number. A reply lost on the way is harmless:
//! the intents stay pending, are sent again with the same ids and numbers, and the server answers
//! the outcomes it stored.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::resident::ResidentDetails;
use yoyaku_core::sync::{Action, Intent, Outcome, PushRequest, PushResponse};

use crate::city_client::CityClient;
use crate::error::{ClinicError, Result};
use crate::store::Store;

/// The server's limit on intents in one request.
const BATCH: i64 = 500;
/// Bytes of actions in one request: a batch stays well inside the server's body limit for a push
/// (2 MiB) even when every intent is a resident's registration with a long メモ.
const BATCH_BYTES: usize = 512 * 1024;

/// What a push did, for the status and the tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pushed {
    pub applied: u64,
    pub rejected: u64,
    /// Intents the server asked to send again later.
    pub deferred: u64,
}

/// Sends every pending intent of this device. Stops at the first batch the server defers
/// entirely, so a busy server is not hammered; the loop tries again later.
pub(crate) async fn push(store: &Store, client: &CityClient, token: &str) -> Result<Pushed> {
    let mut total = Pushed::default();
    let mut after = 0i64;
    loop {
        let (device_id, intents) = {
            let mut conn = store.pool().acquire().await?;
            pending_batch(&mut conn, after).await?
        };
        let Some(last) = intents.last() else {
            return Ok(total);
        };
        after = last.seq as i64;
        let sent = intents.len() as u64;
        let request = PushRequest { device_id, intents };
        let response: PushResponse = client
            .post_json(token, "/api/v1/sync/push", &request)
            .await?;
        let pushed = settle(store, &request, &response).await?;
        total.applied += pushed.applied;
        total.rejected += pushed.rejected;
        total.deferred += pushed.deferred;
        if pushed.deferred == sent {
            return Ok(total);
        }
    }
}

struct OutboxRow {
    seq: i64,
    id: String,
    action: String,
    depends_on: String,
}

/// The next unsettled intents after `after`, oldest first.
async fn pending_batch(db: &mut SqliteConnection, after: i64) -> Result<(Uuid, Vec<Intent>)> {
    let device = sqlx::query_scalar!("SELECT device_id FROM sync_state")
        .fetch_one(&mut *db)
        .await?;
    let device = device.ok_or(ClinicError::NotLoggedIn)?;
    let rows = sqlx::query_as!(
        OutboxRow,
        "SELECT seq, id, action, depends_on FROM outbox
         WHERE device_id = ? AND state = 'pending' AND seq > ?
         ORDER BY seq LIMIT ?",
        device,
        after,
        BATCH,
    )
    .fetch_all(&mut *db)
    .await?;
    let mut bytes = 0;
    let rows: Vec<OutboxRow> = rows
        .into_iter()
        .enumerate()
        .take_while(|(i, row)| {
            bytes += row.action.len() + row.depends_on.len();
            *i == 0 || bytes <= BATCH_BYTES
        })
        .map(|(_, row)| row)
        .collect();
    let corrupt = |what: &str, e: &dyn std::fmt::Display| {
        ClinicError::Internal(format!("outbox {what}: {e}"))
    };
    let intents = rows
        .into_iter()
        .map(|row| {
            Ok(Intent {
                id: row.id.parse().map_err(|e| corrupt("id", &e))?,
                seq: row.seq as u64,
                depends_on: serde_json::from_str(&row.depends_on)
                    .map_err(|e| corrupt("depends_on", &e))?,
                action: serde_json::from_str(&row.action).map_err(|e| corrupt("action", &e))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let device = device.parse().map_err(|e| corrupt("device", &e))?;
    Ok((device, intents))
}

/// The city took a booking this device placed (booked, or changed to another slot): its seat is
/// certain now, so it is no longer 仮予約, even where later work on it (a cancellation typed
/// meanwhile, say) keeps the server's copy from replacing the cached row.
async fn confirm_placed_seat(db: &mut SqliteConnection, device: &str, seq: i64) -> Result<()> {
    sqlx::query!(
        "UPDATE bookings SET tentative = 0
         WHERE tentative = 1
           AND id IN (SELECT t.key FROM outbox_touches t
                      JOIN outbox o ON o.device_id = t.device_id AND o.seq = t.seq
                      WHERE t.device_id = ? AND t.seq = ? AND t.kind = 'booking'
                        AND o.kind IN ('book', 'change_booking'))",
        device,
        seq,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Stores the server's answers in one transaction.
async fn settle(store: &Store, request: &PushRequest, response: &PushResponse) -> Result<Pushed> {
    let device = request.device_id.to_string();
    let now = Utc::now();
    let mut pushed = Pushed::default();
    let mut tx = store.begin_write().await?;
    for result in &response.results {
        // Only answers to what was sent count; anything else is the server's mistake.
        if !request
            .intents
            .iter()
            .any(|i| i.id == result.id && i.seq == result.seq)
        {
            return Err(ClinicError::Protocol(format!(
                "push answered intent {} (seq {}) that was not sent",
                result.id, result.seq
            )));
        }
        let seq = result.seq as i64;
        match &result.outcome {
            Outcome::DetailsDiffer { city } => {
                pushed.applied += 1;
                record_details_conflict(&mut tx, request, result.id, city, now).await?;
                sqlx::query!(
                    "UPDATE outbox SET state = 'applied', settled_at = ?, attempts = attempts + 1,
                         last_error = NULL
                     WHERE device_id = ? AND seq = ? AND state = 'pending'",
                    now,
                    device,
                    seq,
                )
                .execute(&mut *tx)
                .await?;
            }
            Outcome::Applied => {
                pushed.applied += 1;
                sqlx::query!(
                    "UPDATE outbox SET state = 'applied', settled_at = ?, attempts = attempts + 1,
                         last_error = NULL
                     WHERE device_id = ? AND seq = ? AND state = 'pending'",
                    now,
                    device,
                    seq,
                )
                .execute(&mut *tx)
                .await?;
                confirm_placed_seat(&mut tx, &device, seq).await?;
            }
            Outcome::Rejected(rejection) => {
                pushed.rejected += 1;
                let json = serde_json::to_string(rejection)
                    .map_err(|e| ClinicError::Internal(format!("rejection: {e}")))?;
                sqlx::query!(
                    "UPDATE outbox SET state = 'rejected', settled_at = ?, attempts = attempts + 1,
                         rejection = ?, last_error = NULL
                     WHERE device_id = ? AND seq = ? AND state = 'pending'",
                    now,
                    json,
                    device,
                    seq,
                )
                .execute(&mut *tx)
                .await?;
            }
            Outcome::RetryLater { reason } => {
                pushed.deferred += 1;
                sqlx::query!(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?
                     WHERE device_id = ? AND seq = ? AND state = 'pending'",
                    reason,
                    device,
                    seq,
                )
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    let last_settled_seq = response.last_settled_seq as i64;
    sqlx::query!(
        "UPDATE sync_state SET last_settled_seq = max(last_settled_seq, ?)",
        last_settled_seq,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(pushed)
}

/// Keeps both 予約者情報 of a registration the city settled with its own details standing, for
/// the receptionist to choose in 同期の問題. Once only, however often the answer comes.
async fn record_details_conflict(
    db: &mut SqliteConnection,
    request: &PushRequest,
    intent: Uuid,
    city: &ResidentDetails,
    now: DateTime<Utc>,
) -> Result<()> {
    let sent = request.intents.iter().find(|i| i.id == intent);
    let Some(Action::RegisterResident {
        resident, details, ..
    }) = sent.map(|i| &i.action)
    else {
        return Err(ClinicError::Protocol(format!(
            "push answered details_differ to intent {intent}, which registers no resident"
        )));
    };
    let json = |d: &ResidentDetails| {
        serde_json::to_string(d).map_err(|e| ClinicError::Internal(format!("details: {e}")))
    };
    let (intent, municipality_code, ticket_number) = (
        intent.to_string(),
        resident.municipality_code.as_string(),
        resident.ticket_number.as_string(),
    );
    let (clinic_details, city_details) = (json(details)?, json(city)?);
    sqlx::query!(
        "INSERT INTO details_conflicts (intent_id, municipality_code, ticket_number,
                                        clinic_details, city_details, settled_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (intent_id) DO NOTHING",
        intent,
        municipality_code,
        ticket_number,
        clinic_details,
        city_details,
        now,
    )
    .execute(db)
    .await?;
    Ok(())
}
