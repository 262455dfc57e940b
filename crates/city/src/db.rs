//! The connection pool, the schema's migrations and the few values stored as text.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::MigrateError;
use sqlx::postgres::PgPoolOptions;

/// A request waits this long for a connection before it is answered "database unavailable".
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections a server keeps by default: a booking holds one for its whole transaction, so
/// this bounds the bookings in flight.
pub const DEFAULT_CONNECTIONS: u32 = 10;

pub async fn connect(database_url: &str) -> Result<PgPool, sqlx::Error> {
    connect_with(database_url, DEFAULT_CONNECTIONS).await
}

pub async fn connect_with(database_url: &str, connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // sqlx already pings every connection as it returns to the pool; a second ping as it
        // leaves would cost every request one more round trip, to catch only a connection that
        // broke while idle (whose one request then fails, and the pool replaces it).
        .test_before_acquire(false)
        .connect(database_url)
        .await
}

/// A pool on a streaming replica, for the web's availability reads: a few connections (the
/// availability cache reads each question once a second), made when first needed, so that the
/// server starts while the replica is down; and a short wait for one, after which the primary
/// answers instead.
pub fn connect_replica(database_url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(1))
        .test_before_acquire(false)
        .connect_lazy(database_url)
}

/// Brings the schema up to date (migrations/ of this crate, embedded at build time).
pub async fn migrate(pool: &PgPool) -> Result<(), MigrateError> {
    sqlx::migrate!().run(pool).await
}
