//! 同期の問題: what the city server refused, with its reason and the slots it proposed, who it concerns
//! (カナ and 電話番号, to phone them back) and whether they were called, and the receptionist's ways out
//! (docs/ARCHITECTURE.md, Sync): rebook to a proposed slot, send again, or discard. A refused
//! intent's dependants were refused with it (`caused_by`); resolving the first resolves them the
//! same way.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::sync::{Action, Rejection};
use yoyaku_core::{Code, Coded};

use crate::engine::Clinic;
use crate::error::{ClinicError, Result};
use crate::outbox::{self, NewIntent};

/// One row of the 同期の問題 list.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncProblem {
    pub intent_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
    /// What the receptionist did, as it was sent.
    pub action: Action,
    /// The server's reason, and the slots it proposes instead.
    pub rejection: Rejection,
    /// Who it concerns, as the cache has them; `None` when the cache holds no such resident.
    pub resident: Option<ProblemResident>,
    /// When the receptionist marked the resident as called about it.
    pub called_at: Option<DateTime<Utc>>,
}

/// The resident a problem concerns: enough to phone them back.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemResident {
    pub municipality_code: String,
    pub ticket_number: String,
    /// セイ and メイ; `None` before 住民情報登録.
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub phone: Option<String>,
}

/// Every refused intent not yet resolved, oldest first.
async fn problem_rows(db: &mut SqliteConnection) -> Result<Vec<ProblemRow>> {
    // Nullable as the view makes them: the resident's columns come from a LEFT JOIN, NULL when
    // the cache has no such resident.
    Ok(sqlx::query_as!(
        ProblemRow,
        r#"SELECT intent_id, seq, action, rejection AS "rejection?",
                  created_at AS "created_at: DateTime<Utc>",
                  settled_at AS "settled_at?: DateTime<Utc>",
                  called_at AS "called_at?: DateTime<Utc>",
                  municipality_code AS "municipality_code?", ticket_number AS "ticket_number?",
                  family_name_kana AS "family_name_kana?", given_name_kana AS "given_name_kana?",
                  phone AS "phone?"
           FROM sync_problems ORDER BY seq"#
    )
    .fetch_all(db)
    .await?)
}

struct ProblemRow {
    intent_id: String,
    seq: i64,
    action: String,
    rejection: Option<String>,
    created_at: DateTime<Utc>,
    settled_at: Option<DateTime<Utc>>,
    called_at: Option<DateTime<Utc>>,
    municipality_code: Option<String>,
    ticket_number: Option<String>,
    family_name_kana: Option<String>,
    given_name_kana: Option<String>,
    phone: Option<String>,
}

impl ProblemRow {
    fn into_problem(self) -> Result<SyncProblem> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            ClinicError::Internal(format!("sync problem {what}: {e}"))
        };
        let rejection = self.rejection.ok_or_else(|| bad("rejection", &"missing"))?;
        Ok(SyncProblem {
            intent_id: self.intent_id.parse().map_err(|e| bad("id", &e))?,
            created_at: self.created_at,
            settled_at: self.settled_at,
            action: serde_json::from_str(&self.action).map_err(|e| bad("action", &e))?,
            rejection: serde_json::from_str(&rejection).map_err(|e| bad("rejection", &e))?,
            resident: self.municipality_code.zip(self.ticket_number).map(
                |(municipality_code, ticket_number)| ProblemResident {
                    municipality_code,
                    ticket_number,
                    family_name_kana: self.family_name_kana,
                    given_name_kana: self.given_name_kana,
                    phone: self.phone,
                },
            ),
            called_at: self.called_at,
        })
    }
}

/// The problem is not (or no longer) in the list.
#[derive(Debug, thiserror::Error)]
#[error("this sync problem no longer exists; it may have been resolved already")]
struct ProblemNotFound;

impl Coded for ProblemNotFound {
    fn code(&self) -> Code {
        Code::SyncProblemNotFound
    }
    fn message_ja(&self) -> String {
        "この同期の問題は見つかりません。すでに解決済みの可能性があります。一覧を更新してください。"
            .into()
    }
}

/// Rebooking is for a refused booking, to a slot the cache holds.
#[derive(Debug, thiserror::Error)]
enum RebookRefusal {
    #[error("only a refused booking can be rebooked to another slot")]
    NotABooking,
    #[error("the slot is not one of this clinic's slots in the cache")]
    UnknownSlot,
    #[error("the slot has no seats left")]
    Full,
}

impl Coded for RebookRefusal {
    fn code(&self) -> Code {
        match self {
            Self::NotABooking => Code::SyncRebookNotABooking,
            Self::UnknownSlot => Code::SlotNotFound,
            Self::Full => Code::SlotFull,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::NotABooking => "予約以外の操作は別の枠に振り替えられません。「再送」または「取り消し」を選んでください。".into(),
            Self::UnknownSlot => "この予約枠は当院の予約枠にありません。同期してから選び直してください。".into(),
            Self::Full => "この予約枠は満枠です。別の枠を選んでください。".into(),
        }
    }
}

impl Clinic {
    /// 同期の問題, oldest first.
    pub async fn sync_problems(&self) -> Result<Vec<SyncProblem>> {
        let rows = problem_rows(&mut *self.store.pool().acquire().await?).await?;
        rows.into_iter().map(ProblemRow::into_problem).collect()
    }

    /// Gives up what was refused (and what depended on it). The refused local rows are put back
    /// as the server has them: a booking the server never took goes at once; anything else is
    /// refreshed by a full resync at the next round.
    pub async fn discard_problem(&self, intent_id: Uuid) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let family = refused_family(&mut tx, intent_id).await?;
        for (seq, action) in &family {
            undo_locally(&mut tx, action).await?;
            set_state(&mut tx, *seq, "discarded").await?;
        }
        sqlx::query!("UPDATE sync_state SET cursor = NULL")
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Marks the resident as phoned about the problem (`called`), or not yet. A note on this
    /// computer only: nothing is sent, and the problem stays until it is resolved.
    pub async fn mark_problem_called(&self, intent_id: Uuid, called: bool) -> Result<SyncProblem> {
        let (called_at, id) = (called.then(Utc::now), intent_id.to_string());
        let marked = sqlx::query!(
            "UPDATE outbox SET called_at = ? WHERE id = ? AND state = 'rejected'",
            called_at,
            id,
        )
        .execute(self.store.pool())
        .await?;
        if marked.rows_affected() == 0 {
            return Err(ClinicError::invalid(&ProblemNotFound));
        }
        self.sync_problems()
            .await?
            .into_iter()
            .find(|p| p.intent_id == intent_id)
            .ok_or_else(|| ClinicError::invalid(&ProblemNotFound))
    }

    /// Sends what was refused again, as new intents (the server keeps its answer to the old
    /// ones): for a refusal that may pass now, say after the registry was corrected.
    pub async fn retry_problem(&self, intent_id: Uuid) -> Result<()> {
        self.requeue(intent_id, None).await
    }

    /// Moves a refused booking to another slot (one of the alternatives the server proposed, or
    /// any of the clinic's slots with seats) and sends it again with what depended on it.
    pub async fn rebook_problem(&self, intent_id: Uuid, slot_id: Uuid) -> Result<()> {
        self.requeue(intent_id, Some(slot_id)).await
    }

    async fn requeue(&self, intent_id: Uuid, new_slot: Option<Uuid>) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let family = refused_family(&mut tx, intent_id).await?;
        let mut first = true;
        for (seq, action) in family {
            let touched = outbox::touched_rows(&mut tx, seq).await?;
            set_state(&mut tx, seq, "superseded").await?;
            let action = match (first, new_slot) {
                (true, Some(slot)) => move_to_slot(&mut tx, action, slot).await?,
                _ => action,
            };
            first = false;
            let needs = outbox::needs_of(&action);
            outbox::enqueue(
                &mut tx,
                NewIntent {
                    action,
                    changes: touched,
                    needs,
                },
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(())
    }
}

/// The refused intent and the refused intents that depend on it, directly or not, in sequence
/// order.
async fn refused_family(db: &mut SqliteConnection, intent_id: Uuid) -> Result<Vec<(i64, Action)>> {
    let rows = problem_rows(db).await?;
    let mut family: Vec<Uuid> = vec![intent_id];
    let mut members = Vec::new();
    for row in rows {
        let seq = row.seq;
        let problem = row.into_problem()?;
        let belongs = problem.intent_id == intent_id
            || problem
                .rejection
                .caused_by
                .is_some_and(|cause| family.contains(&cause));
        if belongs {
            if problem.intent_id != intent_id {
                family.push(problem.intent_id);
            }
            members.push((seq, problem.action));
        }
    }
    if members.is_empty() {
        return Err(ClinicError::invalid(&ProblemNotFound));
    }
    Ok(members)
}

async fn set_state(db: &mut SqliteConnection, seq: i64, state: &str) -> Result<()> {
    sqlx::query!(
        "UPDATE outbox SET state = ? WHERE seq = ? AND state = 'rejected'
           AND device_id = (SELECT device_id FROM sync_state)",
        state,
        seq,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Puts back what the server is known not to have: a booking it refused to take.
async fn undo_locally(db: &mut SqliteConnection, action: &Action) -> Result<()> {
    match action {
        Action::Book { booking_id, .. } => {
            let id = booking_id.to_string();
            sqlx::query!("DELETE FROM bookings WHERE id = ?", id)
                .execute(db)
                .await?;
        }
        Action::ChangeBooking {
            booking_id,
            new_booking_id,
            ..
        } => {
            // The change is one step at the server: refused, the old booking still stands.
            let (new_id, id) = (new_booking_id.to_string(), booking_id.to_string());
            sqlx::query!("DELETE FROM bookings WHERE id = ?", new_id)
                .execute(&mut *db)
                .await?;
            sqlx::query!("UPDATE bookings SET status = 'reserved' WHERE id = ?", id)
                .execute(db)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// The refused booking, moved to `slot` here and in its action.
async fn move_to_slot(db: &mut SqliteConnection, action: Action, slot: Uuid) -> Result<Action> {
    let booking = match &action {
        Action::Book { booking_id, .. } => *booking_id,
        Action::ChangeBooking { new_booking_id, .. } => *new_booking_id,
        _ => return Err(ClinicError::invalid(&RebookRefusal::NotABooking)),
    };
    let slot_id = slot.to_string();
    let seats = sqlx::query!(
        r#"SELECT visibility, remaining AS "remaining!: i64" FROM slot_list WHERE slot_id = ?"#,
        slot_id,
    )
    .fetch_optional(&mut *db)
    .await?;
    let Some(seats) = seats else {
        return Err(ClinicError::invalid(&RebookRefusal::UnknownSlot));
    };
    // The refused booking itself still counts in its old slot, not in this one.
    if seats.remaining < 1 {
        return Err(ClinicError::invalid(&RebookRefusal::Full));
    }
    let (tentative, id) = (seats.visibility == "public", booking.to_string());
    sqlx::query!(
        "UPDATE bookings SET slot_id = ?, lease_id = NULL, tentative = ?, status = 'reserved'
         WHERE id = ?",
        slot_id,
        tentative,
        id,
    )
    .execute(db)
    .await?;
    Ok(match action {
        Action::Book {
            booking_id,
            resident,
            dose,
            ..
        } => Action::Book {
            booking_id,
            resident,
            slot_id: slot,
            dose,
            lease_id: None,
        },
        Action::ChangeBooking {
            booking_id,
            new_booking_id,
            ..
        } => Action::ChangeBooking {
            booking_id,
            new_booking_id,
            slot_id: slot,
        },
        other => other,
    })
}
