//! The outbox: every local change is written together with an intent for the city server, in the
//! same SQLite transaction (docs/ARCHITECTURE.md, Sync). An intent carries a client-made id and the
//! device's next sequence number; it depends on every unsettled intent that touches a row it
//! touches or needs, so the server applies them in order and rejects the dependants of a rejected
//! one.

use chrono::Utc;
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::sync::Action;

use crate::error::{ClinicError, Result};

/// A local row an intent changes or relies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Row {
    Resident(String),
    Booking(Uuid),
}

impl Row {
    pub fn resident(key: &ResidentKey) -> Self {
        Self::Resident(resident_key(
            &key.municipality_code.to_string(),
            &key.ticket_number.to_string(),
        ))
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Resident(_) => "resident",
            Self::Booking(_) => "booking",
        }
    }

    fn key(&self) -> String {
        match self {
            Self::Resident(key) => key.clone(),
            Self::Booking(id) => id.to_string(),
        }
    }
}

/// How `outbox_touches` names a resident.
pub(crate) fn resident_key(municipality_code: &str, ticket_number: &str) -> String {
    format!("{municipality_code}:{ticket_number}")
}

/// An intent about to be queued.
#[derive(Debug, Clone)]
pub(crate) struct NewIntent {
    pub action: Action,
    /// Rows the use case changed locally: held from pulls until the intent settles.
    pub changes: Vec<Row>,
    /// Rows it relies on without changing them (a booking's resident).
    pub needs: Vec<Row>,
}

/// The action's name as stored in `outbox.kind` (the same as its JSON `type`).
pub(crate) fn kind_of(action: &Action) -> &'static str {
    match action {
        Action::RegisterResident { .. } => "register_resident",
        Action::Book { .. } => "book",
        Action::Cancel { .. } => "cancel",
        Action::ChangeBooking { .. } => "change_booking",
        Action::SameDayMove { .. } => "same_day_move",
        Action::CheckIn { .. } => "check_in",
        Action::RecordVaccination { .. } => "record_vaccination",
        Action::MarkNoShow { .. } => "mark_no_show",
    }
}

/// Queues `intent` inside the caller's write transaction and returns its id. Nothing is queued
/// unless the caller commits, and the caller's rows are not written unless this succeeds.
pub(crate) async fn enqueue(tx: &mut SqliteConnection, intent: NewIntent) -> Result<Uuid> {
    let rows = |rows: &mut dyn Iterator<Item = &Row>| -> Result<String> {
        json(&rows.map(|r| (r.kind(), r.key())).collect::<Vec<_>>())
    };
    // The device, its next number, and every unsettled intent on a row this one touches or
    // needs (oldest first): one read.
    let touched = rows(&mut intent.changes.iter().chain(&intent.needs))?;
    let current = sqlx::query!(
        r#"SELECT device_id, next_seq,
                (SELECT coalesce(json_group_array(intent_id), '[]') FROM (
                     SELECT h.intent_id FROM json_each(?) r
                     JOIN holds h ON h.kind = r.value ->> 0 AND h.key = r.value ->> 1
                     JOIN outbox o ON o.id = h.intent_id
                     GROUP BY h.intent_id ORDER BY min(o.seq))) AS "depends_on!: String"
         FROM sync_state"#,
        touched,
    )
    .fetch_one(&mut *tx)
    .await?;
    let device_id = current.device_id.ok_or(ClinicError::NotLoggedIn)?;
    let seq = current.next_seq;
    let id = Uuid::new_v4();
    let id_text = id.to_string();
    let kind = kind_of(&intent.action);
    let action = json(&intent.action)?;
    let created_at = Utc::now();
    let changes = rows(&mut intent.changes.iter())?;
    // The intent, the rows it holds and the next number: one trip to SQLite's thread.
    sqlx::query!(
        "INSERT INTO outbox (seq, device_id, id, kind, action, depends_on, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?);
         INSERT OR IGNORE INTO outbox_touches (device_id, seq, kind, key)
         SELECT ?, ?, value ->> 0, value ->> 1 FROM json_each(?);
         UPDATE sync_state SET next_seq = next_seq + 1;",
        seq,
        device_id,
        id_text,
        kind,
        action,
        current.depends_on,
        created_at,
        device_id,
        seq,
        changes,
    )
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| ClinicError::Internal(format!("intent: {e}")))
}

/// The rows a queued intent of this device changed, as `enqueue` recorded them.
pub(crate) async fn touched_rows(db: &mut SqliteConnection, seq: i64) -> Result<Vec<Row>> {
    let rows = sqlx::query!(
        "SELECT kind, key FROM outbox_touches
         WHERE device_id = (SELECT device_id FROM sync_state) AND seq = ?",
        seq,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| match row.kind.as_str() {
            "booking" => row
                .key
                .parse()
                .map(Row::Booking)
                .map_err(|e| ClinicError::Internal(format!("outbox touch: {e}"))),
            _ => Ok(Row::Resident(row.key)),
        })
        .collect()
}

/// The rows an action relies on without changing: a booking needs its resident registered.
pub(crate) fn needs_of(action: &Action) -> Vec<Row> {
    match action {
        Action::Book { resident, .. } => vec![Row::resident(resident)],
        _ => Vec::new(),
    }
}

/// Intents not yet settled by the server, and the 同期の問題 not yet resolved (refused intents,
/// as the outbox's triggers count them, and 予約者情報 the city kept over this clinic's): the
/// indicator's counts.
pub(crate) async fn counts(db: &mut SqliteConnection) -> Result<(u64, u64)> {
    let counts = sqlx::query!(
        r#"SELECT pending,
                rejected + (SELECT count(*) FROM details_conflicts WHERE resolved_at IS NULL)
                    AS "problems!: i64"
         FROM outbox_counts"#
    )
    .fetch_one(db)
    .await?;
    Ok((counts.pending as u64, counts.problems as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use yoyaku_core::booking::DoseNumber;

    fn key() -> ResidentKey {
        serde_json::from_value(serde_json::json!({
            "municipality_code": "431001", "ticket_number": "9000000062",
            "birth_date": "1945-03-03"
        }))
        .unwrap()
    }

    async fn store_with_device() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        sqlx::query("UPDATE sync_state SET device_id = ?")
            .bind(Uuid::new_v4().to_string())
            .execute(store.pool())
            .await
            .unwrap();
        (dir, store)
    }

    fn book(booking_id: Uuid) -> NewIntent {
        NewIntent {
            action: Action::Book {
                booking_id,
                resident: key(),
                slot_id: Uuid::new_v4(),
                dose: DoseNumber::FIRST,
                lease_id: None,
            },
            changes: vec![Row::Booking(booking_id)],
            needs: vec![Row::resident(&key())],
        }
    }

    #[tokio::test]
    async fn intents_get_gapless_sequence_numbers_and_depend_on_unsettled_work_on_their_rows() {
        let (_dir, store) = store_with_device().await;
        let mut tx = store.begin_write().await.unwrap();
        let register = enqueue(
            &mut tx,
            NewIntent {
                action: Action::RegisterResident {
                    resident: key(),
                    details: serde_json::from_value(serde_json::json!({
                        "family_name_kana": "テスト", "given_name_kana": "タロー",
                        "sex": "male", "phone": "0963281111", "email": null, "memo": ""
                    }))
                    .unwrap(),
                    based_on: None,
                    outside: None,
                },
                changes: vec![Row::resident(&key())],
                needs: vec![],
            },
        )
        .await
        .unwrap();
        let booking = Uuid::new_v4();
        let booked = enqueue(&mut tx, book(booking)).await.unwrap();
        let cancel = enqueue(
            &mut tx,
            NewIntent {
                action: Action::Cancel {
                    booking_id: booking,
                },
                changes: vec![Row::Booking(booking)],
                needs: vec![],
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let rows: Vec<(i64, String, String, String)> =
            sqlx::query_as("SELECT seq, id, kind, depends_on FROM outbox ORDER BY seq")
                .fetch_all(store.pool())
                .await
                .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(rows[0].1, register.to_string());
        assert_eq!(rows[1].2, "book");
        assert_eq!(rows[1].3, format!("[\"{register}\"]"));
        assert_eq!(rows[2].1, cancel.to_string());
        assert_eq!(rows[2].3, format!("[\"{booked}\"]"));
        assert_eq!(
            counts(&mut store.pool().acquire().await.unwrap())
                .await
                .unwrap(),
            (3, 0)
        );
    }

    /// The triggers' counts are what a count over the outbox says, whatever happens to intents.
    #[tokio::test]
    async fn the_kept_counts_follow_every_change_of_state() {
        let (_dir, store) = store_with_device().await;
        let mut tx = store.begin_write().await.unwrap();
        for _ in 0..5 {
            enqueue(&mut tx, book(Uuid::new_v4())).await.unwrap();
        }
        tx.commit().await.unwrap();
        for statement in [
            "UPDATE outbox SET state = 'applied' WHERE seq = 1",
            "UPDATE outbox SET state = 'rejected' WHERE seq IN (2, 3)",
            "UPDATE outbox SET state = 'discarded' WHERE seq = 2",
            "UPDATE outbox SET attempts = attempts + 1",
            "DELETE FROM outbox WHERE seq = 4",
        ] {
            sqlx::query(statement).execute(store.pool()).await.unwrap();
            let recount: (i64, i64) = sqlx::query_as(
                "SELECT count(*) FILTER (WHERE state = 'pending'),
                        count(*) FILTER (WHERE state = 'rejected') FROM outbox",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            let kept = counts(&mut store.pool().acquire().await.unwrap())
                .await
                .unwrap();
            assert_eq!(
                kept,
                (recount.0 as u64, recount.1 as u64),
                "after {statement}"
            );
        }
    }

    #[tokio::test]
    async fn a_rolled_back_use_case_leaves_no_intent_and_no_gap() {
        let (_dir, store) = store_with_device().await;
        let mut tx = store.begin_write().await.unwrap();
        enqueue(&mut tx, book(Uuid::new_v4())).await.unwrap();
        tx.rollback().await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        enqueue(&mut tx, book(Uuid::new_v4())).await.unwrap();
        tx.commit().await.unwrap();
        let seqs: Vec<i64> = sqlx::query_scalar("SELECT seq FROM outbox")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(seqs, vec![1]);
    }

    #[tokio::test]
    async fn without_a_device_nothing_is_queued() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        let err = enqueue(&mut tx, book(Uuid::new_v4())).await.unwrap_err();
        assert!(matches!(err, ClinicError::NotLoggedIn), "{err:?}");
    }
}
