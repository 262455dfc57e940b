//! 受付開始: a period opens by itself at the start of its `reception_opens` day in Tokyo, or
//! earlier when the city opens it. From then its 公開枠 are on offer to the web, the call center
//! and the waiting list (`slot_reception_open` in SQL), and earlier periods' public slots turn
//! private (the notice: 第７期で設定済の予約枠については、第８期予約受付の際には非公開となります).

use std::convert::Infallible;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::time::tokyo_today;

use crate::audit::{self, AdminEntity};

/// Reception opens within this of midnight in Tokyo: a query of the few periods not open yet.
const OPEN_EVERY: Duration = Duration::from_secs(1);

/// Who opened a period.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Opener {
    /// A city admin (`accounts.id`), at any time.
    Admin(Uuid),
    /// The server, at 受付開始.
    Schedule,
}

/// What an opening did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Opened {
    /// When reception first opened.
    pub opened_at: DateTime<Utc>,
    /// Public slots of earlier periods this opening turned private (0 when repeated).
    pub slots_made_private: u64,
    /// All that the period's openings turned private.
    pub slots_made_private_total: i32,
}

/// Opens period `number` in the caller's transaction: `None` when there is no such period, or
/// when the schedule finds it opened already. An admin may open it again, which turns private
/// any public slot an earlier period has gained since.
pub(crate) async fn open(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    number: i32,
    by: Opener,
) -> Result<Option<Opened>, sqlx::Error> {
    let code = municipality.as_string();
    // Locked, so two openings of the period take turns and each slot is counted once.
    let Some(period) = sqlx::query!(
        "select opened_at from periods where municipality_code = $1 and number = $2 for update",
        &code,
        number,
    )
    .fetch_optional(&mut *db)
    .await?
    else {
        return Ok(None);
    };
    let admin = match by {
        Opener::Admin(admin) => Some(admin),
        Opener::Schedule if period.opened_at.is_some() => return Ok(None),
        Opener::Schedule => None,
    };
    // One statement; a trigger queues each slot's change for its clinic's app.
    let made_private = sqlx::query!(
        "update slots set visibility = 'private', updated_at = now()
         where municipality_code = $1 and period_number < $2 and visibility = 'public'",
        &code,
        number,
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    let opened = sqlx::query!(
        r#"update periods
           set opened_at = coalesce(opened_at, now()),
               slots_made_private = slots_made_private + $3
           where municipality_code = $1 and number = $2
           returning opened_at as "opened_at!: chrono::DateTime<chrono::Utc>", slots_made_private"#,
        &code,
        number,
        i32::try_from(made_private).unwrap_or(i32::MAX),
    )
    .fetch_one(&mut *db)
    .await?;
    let after = json!({ "opened_at": opened.opened_at, "slots_made_private": made_private });
    let entity = AdminEntity::Period(number.unsigned_abs());
    audit::record_admin(db, municipality, admin, "period.open", entity, &after).await?;
    Ok(Some(Opened {
        opened_at: opened.opened_at,
        slots_made_private: made_private,
        slots_made_private_total: opened.slots_made_private,
    }))
}

/// Opens every period whose reception day has begun on `today`, each in its own transaction, so
/// that one that fails holds up no other; the number opened.
pub(crate) async fn open_due(db: &PgPool, today: NaiveDate) -> Result<u64, sqlx::Error> {
    let due = sqlx::query!(
        "-- every municipality: the midnight chore opens every period due, wherever it is
         select municipality_code, number from periods
         where opened_at is null and reception_opens <= $1
         order by reception_opens, number",
        today as _,
    )
    .fetch_all(db)
    .await?;
    let mut opened = 0;
    for period in due {
        let Ok(municipality) = MunicipalityCode::parse(&period.municipality_code) else {
            tracing::warn!(
                code = period.municipality_code,
                "a stored municipality code is invalid"
            );
            continue;
        };
        match open_scheduled(db, municipality, period.number).await {
            Ok(Some(done)) => {
                opened += 1;
                tracing::info!(
                    municipality = %municipality,
                    period = period.number,
                    slots_made_private = done.slots_made_private,
                    "reception opened (受付開始)"
                );
            }
            // Opened meanwhile, by an admin or another server.
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, period = period.number, "could not open a period"),
        }
    }
    Ok(opened)
}

async fn open_scheduled(
    db: &PgPool,
    municipality: MunicipalityCode,
    number: i32,
) -> Result<Option<Opened>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let opened = open(&mut tx, municipality, number, Opener::Schedule).await?;
    tx.commit().await?;
    Ok(opened)
}

/// Opens periods as their reception days begin, until dropped.
pub(crate) async fn chores(db: PgPool) -> Infallible {
    loop {
        if let Err(error) = open_due(&db, tokyo_today()).await {
            // The database may be down for a while; the next round tries again.
            tracing::warn!(%error, "could not open the periods due");
        }
        tokio::time::sleep(OPEN_EVERY).await;
    }
}
