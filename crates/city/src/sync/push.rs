//! Push: a device's intents, settled one by one in its own sequence order. Each is applied (or
//! rejected) in one transaction together with the device's `last_settled_seq` and its stored
//! outcome, so a batch sent again after a lost reply settles nothing twice: the stored outcome is
//! answered instead. A rejection rejects the intents that depend on it and holds back nothing
//! else; only a failure of the server itself ("retry later") stops the batch.

use sqlx::{Acquire, PgConnection, PgPool};
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::sync::{
    Action, Intent, IntentResult, Outcome, PushRequest, PushResponse, Rejection,
};
use yoyaku_core::{Code, Coded};

use super::{SyncError, leases};
use crate::audit::Caller;
use crate::bookings::{self, BookingError, NewBooking};
use crate::residents::{self, Registering, Registration, Replaces};

/// The most intents one request may carry; a device with more sends them over several pushes.
pub(crate) const MAX_BATCH: usize = 500;

/// Who pushes: a clinic account of `municipality` with its venues.
pub(crate) struct Pusher {
    pub municipality: MunicipalityCode,
    pub account: Uuid,
    pub caller: Caller,
}

pub(crate) async fn push(
    db: &PgPool,
    pusher: &Pusher,
    request: PushRequest,
) -> Result<PushResponse, SyncError> {
    let municipality = pusher.municipality.as_string();
    let mut conn = db.acquire().await?;
    // The first push registers the device to the clinic; it never changes hands.
    let owner = sqlx::query_scalar!(
        r#"with registered as (
               insert into devices (municipality_code, id, account_id) values ($1, $2, $3)
               on conflict (municipality_code, id) do nothing
               returning account_id
           )
           select account_id as "account_id!" from registered
           union all
           select account_id from devices where municipality_code = $1 and id = $2"#,
        &municipality,
        request.device_id,
        pusher.account,
    )
    .fetch_one(&mut *conn)
    .await?;
    if owner != pusher.account {
        return Err(SyncError::DeviceOfAnotherAccount);
    }

    let mut intents = request.intents;
    intents.sort_by_key(|i| i.seq);
    let mut results = Vec::with_capacity(intents.len());
    let mut stopped: Option<String> = None;
    for intent in intents {
        if let Some(reason) = &stopped {
            results.push(result(
                &intent,
                Outcome::RetryLater {
                    reason: reason.clone(),
                },
            ));
            continue;
        }
        match settle(&mut conn, pusher, request.device_id, &intent).await {
            Ok(outcome) => {
                if let Outcome::RetryLater { reason } = &outcome {
                    stopped = Some(reason.clone());
                }
                results.push(result(&intent, outcome));
            }
            Err(SyncError::DeviceOfAnotherAccount) => {
                return Err(SyncError::DeviceOfAnotherAccount);
            }
            Err(e) => {
                tracing::warn!(error = %e, seq = intent.seq, "intent not settled");
                let reason = "the server could not settle this intent now".to_owned();
                stopped = Some(reason.clone());
                results.push(result(&intent, Outcome::RetryLater { reason }));
            }
        }
    }
    let last_settled_seq = sqlx::query_scalar!(
        "select last_settled_seq from devices where municipality_code = $1 and id = $2",
        &municipality,
        request.device_id,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(PushResponse {
        results,
        last_settled_seq: last_settled_seq as u64,
    })
}

fn result(intent: &Intent, outcome: Outcome) -> IntentResult {
    IntentResult {
        id: intent.id,
        seq: intent.seq,
        outcome,
    }
}

fn rejected(
    error: &dyn Coded,
    alternatives: Vec<yoyaku_core::slot::AlternativeSlot>,
    caused_by: Option<Uuid>,
) -> Outcome {
    Outcome::Rejected(Rejection {
        code: error.code().into(),
        message_ja: error.message_ja(),
        message_en: error.message_en(),
        alternatives,
        caused_by,
    })
}

/// Settles one intent in its own transaction, or answers its stored outcome.
async fn settle(
    conn: &mut PgConnection,
    pusher: &Pusher,
    device: Uuid,
    intent: &Intent,
) -> Result<Outcome, SyncError> {
    let municipality = pusher.municipality.as_string();
    let mut tx = conn.begin().await?;
    let device_row = sqlx::query!(
        "select account_id, last_settled_seq from devices
         where municipality_code = $1 and id = $2 for update",
        &municipality,
        device,
    )
    .fetch_one(&mut *tx)
    .await?;
    let (owner, last_settled) = (device_row.account_id, device_row.last_settled_seq as u64);
    if owner != pusher.account {
        return Err(SyncError::DeviceOfAnotherAccount);
    }
    if intent.seq == 0 || intent.seq <= last_settled {
        let stored = sqlx::query!(
            r#"select intent_id, outcome::text as "outcome!" from intent_results
               where municipality_code = $1 and device_id = $2 and seq = $3"#,
            &municipality,
            device,
            intent.seq as i64,
        )
        .fetch_optional(&mut *tx)
        .await?;
        return Ok(match stored {
            Some(stored) if stored.intent_id == intent.id => serde_json::from_str(&stored.outcome)
                .map_err(|e| SyncError::Stored(format!("outcome: {e}")))?,
            _ => rejected(&ProtocolRefusal::SequenceReused, vec![], None),
        });
    }
    if intent.seq != last_settled + 1 {
        // An earlier intent has not arrived: the device sends again from its first unsettled one.
        return Ok(Outcome::RetryLater {
            reason: format!("intent {} is missing; send from there", last_settled + 1),
        });
    }

    let outcome = match dependency_rejected(&mut tx, &municipality, &intent.depends_on).await? {
        Some(dependency) => rejected(
            &ProtocolRefusal::DependencyRejected,
            vec![],
            Some(dependency),
        ),
        None => {
            // A savepoint: a refused action leaves nothing behind, the settlement still commits.
            let mut action = tx.begin().await?;
            match apply(&mut action, pusher, &intent.action).await {
                Ok(outcome) => {
                    action.commit().await?;
                    outcome
                }
                Err(BookingError::Refused(refusal)) => {
                    action.rollback().await?;
                    rejected(&refusal, refusal.alternatives().to_vec(), None)
                }
                Err(BookingError::Database(e)) => return Err(SyncError::Database(e)),
                Err(BookingError::Stored(what)) => return Err(SyncError::Stored(what)),
            }
        }
    };
    let json = serde_json::to_string(&outcome).map_err(|e| SyncError::Stored(e.to_string()))?;
    // jsonb travels as text: the crate's sqlx has no JSON feature, and PostgreSQL parses it.
    sqlx::query!(
        "insert into intent_results (municipality_code, device_id, seq, intent_id, outcome)
         values ($1, $2, $3, $4, $5::text::jsonb)",
        &municipality,
        device,
        intent.seq as i64,
        intent.id,
        json,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update devices set last_settled_seq = $3, last_push_at = now()
         where municipality_code = $1 and id = $2",
        &municipality,
        device,
        intent.seq as i64,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The first of `dependencies` that was rejected, if any. A dependency never settled is treated
/// as rejected: the device sends in order, so it can only be an intent it will never send. A
/// registration whose details differed from the city's settled with the resident registered, so
/// what depends on it goes on.
async fn dependency_rejected(
    db: &mut PgConnection,
    municipality: &str,
    dependencies: &[Uuid],
) -> Result<Option<Uuid>, SyncError> {
    for dependency in dependencies {
        let status = sqlx::query_scalar!(
            r#"select outcome->>'status' as "status!" from intent_results
               where municipality_code = $1 and intent_id = $2"#,
            municipality,
            dependency,
        )
        .fetch_optional(&mut *db)
        .await?;
        if !matches!(status.as_deref(), Some("applied" | "details_differ")) {
            return Ok(Some(*dependency));
        }
    }
    Ok(None)
}

/// Applies one action with the same functions the HTTP API uses.
async fn apply(
    db: &mut PgConnection,
    pusher: &Pusher,
    action: &Action,
) -> Result<Outcome, BookingError> {
    let (caller, m) = (&pusher.caller, pusher.municipality);
    match action {
        Action::RegisterResident {
            resident,
            details,
            based_on,
            outside,
        } => {
            let replaces = Replaces::Only(based_on.as_deref());
            let registering = Registering {
                key: resident,
                details,
                outside: *outside,
            };
            let registration = residents::register(db, caller, m, registering, replaces).await?;
            if let Registration::CityDetailsStand(city) = registration {
                return Ok(Outcome::DetailsDiffer { city });
            }
        }
        Action::Book {
            booking_id,
            resident,
            slot_id,
            dose,
            lease_id,
        } => {
            // The leased seat goes back to the slot for the booking to take in the same
            // transaction; an expired lease leaves the booking to find a seat like any other.
            let leased = match lease_id {
                Some(lease) => {
                    leases::use_seat(db, &m.as_string(), *lease, pusher.account, *slot_id).await?
                }
                None => false,
            };
            let request = NewBooking {
                id: *booking_id,
                resident: resident.clone(),
                slot_id: *slot_id,
                dose: *dose,
            };
            bookings::book(db, caller, m, &request).await?;
            if let (true, Some(lease)) = (leased, lease_id) {
                leases::link_booking(db, &m.as_string(), *lease, *booking_id).await?;
            }
        }
        Action::Cancel { booking_id } => {
            bookings::cancel(db, caller, m, *booking_id).await?;
        }
        Action::ChangeBooking {
            booking_id,
            new_booking_id,
            slot_id,
        } => {
            bookings::change(db, caller, m, *booking_id, *new_booking_id, *slot_id).await?;
        }
        Action::SameDayMove {
            booking_id,
            slot_id,
        } => {
            bookings::same_day_move(db, caller, m, *booking_id, *slot_id).await?;
        }
        Action::CheckIn { booking_id } => {
            bookings::check_in(db, caller, m, *booking_id).await?;
        }
        Action::RecordVaccination {
            booking_id,
            lot_number,
            vaccinated_at,
        } => {
            bookings::record_vaccination(
                db,
                caller,
                m,
                *booking_id,
                lot_number.clone(),
                *vaccinated_at,
            )
            .await?;
        }
        Action::MarkNoShow { booking_id } => {
            bookings::mark_no_show(db, caller, m, *booking_id).await?;
        }
    }
    Ok(Outcome::Applied)
}

/// Refusals of the protocol itself, as opposed to the rules of an action.
#[derive(Debug, Clone, Copy, thiserror::Error)]
enum ProtocolRefusal {
    #[error("this sequence number was already used by another intent of this device")]
    SequenceReused,
    #[error("an intent this one depends on could not be applied, so this one was not either")]
    DependencyRejected,
}

impl Coded for ProtocolRefusal {
    fn code(&self) -> Code {
        match self {
            Self::SequenceReused => Code::SyncSequenceReused,
            Self::DependencyRejected => Code::SyncDependencyRejected,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::SequenceReused => "この端末の操作番号が重複しています。同期の問題として医療機関専用ダイヤルへご連絡ください。",
            Self::DependencyRejected => "この操作の前提となる操作が反映できなかったため、この操作も反映されませんでした。",
        }
        .into()
    }
}
