//! How long changes are kept for pulls. A clinic that has not pulled for longer than the
//! retention rebuilds its cache from a snapshot instead, its unsent work kept (the clinic
//! engine's resync).

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::{PgConnection, PgPool};
use yoyaku_core::MunicipalityCode;

/// A month: a clinic closed for holidays, or a laptop left in a drawer, still catches up by pull.
pub const DEFAULT_RETENTION: TimeDelta = TimeDelta::days(30);

/// Deletes the numbered changes made before `before`, and every change numbered below the newest
/// of them, so that what is kept is a suffix of the sequence. Returns how many were deleted.
pub(crate) async fn prune(db: &PgPool, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let cut = sqlx::query_scalar!(
        "-- every municipality: the retention cuts one suffix of the one sequence
         select max(seq) from changes where seq is not null and created_at < $1",
        before as _,
    )
    .fetch_one(&mut *tx)
    .await?;
    let Some(cut) = cut else {
        return Ok(0);
    };
    let deleted = sqlx::query!(
        "-- every municipality: the retention cuts one suffix of the one sequence
         delete from changes where seq <= $1",
        cut
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "update change_horizon set pruned_through = greatest(pruned_through, $1)",
        cut,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(deleted)
}

/// The oldest cursor a pull can serve, and the newest change number (or horizon) of the
/// municipality's changes. Numbers are global, so a cursor is one in any municipality; asking only
/// of the municipality's keeps a pull on the node holding it (on Citus) and cannot miss any of its
/// changes: one numbered later gets a higher number than every change there is now.
pub(crate) async fn bounds(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"select pruned_through,
                  greatest(pruned_through, coalesce((select max(seq) from changes
                                                     where municipality_code = $1), 0))
                      as "newest!"
           from change_horizon"#,
        municipality.as_string(),
    )
    .fetch_one(db)
    .await?;
    Ok((row.pruned_through, row.newest))
}
