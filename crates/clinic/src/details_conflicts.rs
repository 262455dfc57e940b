//! 同期の問題 of a second kind: 予約者情報 this clinic registered offline for a resident who had
//! meanwhile registered elsewhere (on the web, by the call center, at another clinic). The city's
//! details stood and the bookings went on; both versions are kept here until the receptionist
//! chooses, so nothing typed is lost either way.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::resident::ResidentDetails;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::sync::Action;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::{Code, Coded, MunicipalityCode};

use crate::cache::{is_held, write_resident};
use crate::engine::Clinic;
use crate::error::{ClinicError, Result};
use crate::outbox::{self, NewIntent, Row, resident_key};
use crate::residents::stored;

/// One resident whose 予約者情報 differ between this clinic and the city.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetailsConflict {
    /// The registration that met the city's details.
    pub intent_id: Uuid,
    pub municipality_code: String,
    pub ticket_number: String,
    /// What this clinic registered.
    pub clinic: ResidentDetails,
    /// What the city holds, and keeps until the receptionist chooses this clinic's.
    pub city: ResidentDetails,
    pub settled_at: DateTime<Utc>,
}

/// Which 予約者情報 the receptionist keeps.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetailsChoice {
    /// 市の情報を使う: the cache takes the city's details.
    City,
    /// この端末の情報で変更する: a 情報変更 to this clinic's details, based on the city's.
    Clinic,
}

struct ConflictRow {
    intent_id: String,
    municipality_code: String,
    ticket_number: String,
    clinic_details: String,
    city_details: String,
    settled_at: DateTime<Utc>,
}

impl ConflictRow {
    fn into_conflict(self) -> Result<DetailsConflict> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            ClinicError::Internal(format!("details conflict {what}: {e}"))
        };
        Ok(DetailsConflict {
            intent_id: self.intent_id.parse().map_err(|e| bad("id", &e))?,
            municipality_code: self.municipality_code,
            ticket_number: self.ticket_number,
            clinic: serde_json::from_str(&self.clinic_details).map_err(|e| bad("clinic", &e))?,
            city: serde_json::from_str(&self.city_details).map_err(|e| bad("city", &e))?,
            settled_at: self.settled_at,
        })
    }
}

/// The conflict is not (or no longer) open.
#[derive(Debug, thiserror::Error)]
#[error("these resident details were already chosen; please refresh the list")]
struct ConflictNotFound;

impl Coded for ConflictNotFound {
    fn code(&self) -> Code {
        Code::SyncDetailsConflictNotFound
    }
    fn message_ja(&self) -> String {
        "この住民情報の相違はすでに解決済みです。一覧を更新してください。".into()
    }
}

impl Clinic {
    /// Every open difference, oldest first.
    pub async fn details_conflicts(&self) -> Result<Vec<DetailsConflict>> {
        let mut db = self.store.pool().acquire().await?;
        let rows = sqlx::query_as!(
            ConflictRow,
            r#"SELECT intent_id, municipality_code, ticket_number, clinic_details, city_details,
                      settled_at AS "settled_at: DateTime<Utc>"
               FROM details_conflicts WHERE resolved_at IS NULL
               ORDER BY settled_at"#
        )
        .fetch_all(&mut *db)
        .await?;
        rows.into_iter().map(ConflictRow::into_conflict).collect()
    }

    /// Keeps the city's details or this clinic's, in one transaction with the conflict's end.
    pub async fn resolve_details_conflict(
        &self,
        intent_id: Uuid,
        choice: DetailsChoice,
    ) -> Result<()> {
        self.require_login().await?;
        let mut tx = self.store.begin_write().await?;
        let conflict = open_conflict(&mut tx, intent_id).await?;
        let cached = stored::find(
            &mut tx,
            MunicipalityCode::parse(&conflict.municipality_code).map_err(corrupt)?,
            TicketNumber::parse(&conflict.ticket_number).map_err(corrupt)?,
        )
        .await?
        .ok_or_else(|| ClinicError::Internal("a conflict's resident is not cached".into()))?;
        match choice {
            DetailsChoice::City => keep_city(&mut tx, &cached.key, &conflict.city).await?,
            DetailsChoice::Clinic => {
                write_resident(&mut tx, &cached.key, Some(&conflict.clinic), true).await?;
                outbox::enqueue(
                    &mut tx,
                    NewIntent {
                        action: Action::RegisterResident {
                            resident: cached.key.clone(),
                            details: conflict.clinic,
                            based_on: Some(Box::new(conflict.city)),
                            outside: cached.outside,
                        },
                        changes: vec![Row::resident(&cached.key)],
                        needs: vec![],
                    },
                )
                .await?;
            }
        }
        let (resolved_at, intent_id) = (Utc::now(), intent_id.to_string());
        sqlx::query!(
            "UPDATE details_conflicts SET resolved_at = ? WHERE intent_id = ?",
            resolved_at,
            intent_id,
        )
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await
    }
}

fn corrupt(e: impl std::fmt::Display) -> ClinicError {
    ClinicError::Internal(format!("a conflict's resident key: {e}"))
}

async fn open_conflict(db: &mut SqliteConnection, intent_id: Uuid) -> Result<DetailsConflict> {
    let intent_id = intent_id.to_string();
    let row = sqlx::query_as!(
        ConflictRow,
        r#"SELECT intent_id, municipality_code, ticket_number, clinic_details, city_details,
                  settled_at AS "settled_at: DateTime<Utc>"
           FROM details_conflicts WHERE resolved_at IS NULL
           AND intent_id = ?"#,
        intent_id,
    )
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| ClinicError::invalid(&ConflictNotFound))?
        .into_conflict()
}

/// The cache takes the city's details, unless newer local work on the resident is unsent: that
/// work, based on what the receptionist saw, goes to the city as it is.
async fn keep_city(
    db: &mut SqliteConnection,
    key: &ResidentKey,
    city: &ResidentDetails,
) -> Result<()> {
    let row = resident_key(
        &key.municipality_code.as_string(),
        &key.ticket_number.as_string(),
    );
    if !is_held(db, "resident", &row).await? {
        write_resident(db, key, Some(city), true).await?;
    }
    Ok(())
}
