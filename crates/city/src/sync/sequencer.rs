//! Numbers committed changes in the order they became visible. Change rows are written inside
//! the booking transactions without a number; numbering them afterwards, from one place, is what
//! lets a pull trust its cursor: a change that commits late is numbered late, so no pull that has
//! passed a number can miss a change below it. A counter taken inside each booking transaction
//! would give the same guarantee only by making every booking in the city wait for the others.

use sqlx::PgPool;

/// `pg_try_advisory_xact_lock` key: one sequencer at a time, however many servers run.
const SEQUENCER_LOCK: i64 = 0x796f_796b_7573_6571; // "yoykuseq"
/// Rows numbered per round; a backlog is worked off over successive rounds.
pub(super) const BATCH: i64 = 10_000;

/// Numbers the changes committed so far. Returns how many it numbered (0 when another server
/// holds the sequencer lock).
pub(crate) async fn sequence_committed(db: &PgPool) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let ours = sqlx::query_scalar!(
        r#"select pg_try_advisory_xact_lock($1) as "ours!""#,
        SEQUENCER_LOCK
    )
    .fetch_one(&mut *tx)
    .await?;
    if !ours {
        return Ok(0);
    }
    let numbered = sqlx::query!(
        "-- every municipality: one sequencer numbers every committed change, from one sequence
         update changes c set seq = nextval('change_seq')
         from (select municipality_code, id from changes
               where seq is null order by txid, id limit $1) p
         where c.municipality_code = p.municipality_code and c.id = p.id",
        BATCH,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(numbered)
}
