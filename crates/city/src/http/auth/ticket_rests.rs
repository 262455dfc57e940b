//! Five failed checks of one ticket, then one every ten minutes: kept in PostgreSQL, so that the
//! limit holds however many server instances share the database (per instance, N instances would
//! let a guesser try a ticket's birth dates N times as fast). Each ticket's bucket is one row,
//! the instant it is full again, updated in one statement, so concurrent checks never race.
//! Per-address limits stay in each instance's memory ([`super::rate_limit`]): see the README's
//! *More than one server*.

use std::time::Duration;

use sqlx::PgPool;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::ticket::TicketNumber;

/// Failed checks a ticket may have at once.
const BURST: u32 = 5;
/// Then one more every ten minutes.
const REFILL_EVERY: Duration = Duration::from_secs(600);

/// A ticket by its municipality: the key of its bucket.
pub(crate) type TicketKey = (MunicipalityCode, TicketNumber);

/// How far ahead of now a bucket may be refilled and still hold one check.
fn tolerance() -> Duration {
    REFILL_EVERY * (BURST - 1)
}

/// How long the ticket must rest after its failed checks, if it must.
pub(crate) async fn wait(
    db: &PgPool,
    (municipality, ticket): TicketKey,
) -> sqlx::Result<Option<Duration>> {
    let ahead = sqlx::query_scalar!(
        r#"select extract(epoch from greatest(refilled_at - now(), interval '0'))::float8 as "ahead!"
           from ticket_rests where municipality_code = $1 and ticket_number = $2"#,
        municipality.as_string(),
        ticket.as_string(),
    )
    .fetch_optional(db)
    .await?;
    let ahead = ahead.map_or(Duration::ZERO, Duration::from_secs_f64);
    Ok(ahead
        .checked_sub(tolerance())
        .filter(|wait| !wait.is_zero()))
}

/// Counts a failed check of the ticket. A ticket already resting keeps resting, no longer.
pub(crate) async fn failed(db: &PgPool, (municipality, ticket): TicketKey) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into ticket_rests (municipality_code, ticket_number, refilled_at)
         values ($1, $2, now() + make_interval(secs => $3))
         on conflict (municipality_code, ticket_number) do update
         set refilled_at = greatest(ticket_rests.refilled_at, now()) + make_interval(secs => $3)
         where ticket_rests.refilled_at - now() <= make_interval(secs => $4)",
        municipality.as_string(),
        ticket.as_string(),
        REFILL_EVERY.as_secs_f64(),
        tolerance().as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes the buckets that are full again: deleting them changes nothing.
pub(crate) async fn forget_idle(db: &PgPool) -> sqlx::Result<u64> {
    let deleted = sqlx::query!(
        "-- every municipality: housekeeping deletes every full bucket
         delete from ticket_rests where refilled_at <= now()"
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected())
}
