//! The clinic's SQLite file: opened in WAL mode with foreign keys and a busy timeout, migrated on
//! open. Everything the engine writes goes through this pool; the UI gets a read-only URL.
//!
//! Durability: a commit is on the disk when it returns (WAL, synchronous FULL: one fsync of the
//! WAL), so neither a kill nor a power cut loses a booking the receptionist was shown, and no
//! intent leaves for the server that the device could forget. Copying the WAL into the database
//! file (a checkpoint, with its own fsyncs) is left to a background task instead of to whichever
//! use case commits the thousandth page.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::error::Result;
use crate::secrets::{AccountSecrets, SecretsFile};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub const DATABASE_FILE: &str = "yoyaku.sqlite3";

/// A cache of an earlier release kept the account's secrets in its `account` table: they move to
/// the secrets file before the migration that drops them runs. True when there was such a table.
async fn carry_out_secrets(pool: &SqlitePool, data_dir: &Path) -> Result<bool> {
    // Runtime queries: they run before the migrations, on a schema the macros cannot check.
    let has_secrets: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('account') WHERE name = 'password_hash')",
    )
    .fetch_one(pool)
    .await?;
    if !has_secrets {
        return Ok(false);
    }
    let row: Option<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT municipality_code, account_id, password_hash, session_token FROM account",
    )
    .fetch_optional(pool)
    .await?;
    let file = SecretsFile::in_dir(data_dir);
    if let Some((municipality_code, account_id, password_hash, session_token)) = row {
        if file.read_for(&municipality_code, &account_id)?.is_none() {
            file.write(&AccountSecrets {
                municipality_code,
                account_id,
                password_hash,
                session_token,
            })?;
        }
    }
    Ok(true)
}

/// How often the checkpointer looks at the WAL, and the size past which it copies it into the
/// database (what SQLite's automatic checkpoint would do at its default of 1000 pages).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(2);
const CHECKPOINT_PAST_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the cache in `data_dir` and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            crate::ClinicError::Internal(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let pool = connect(&path).await?;
        let carried = carry_out_secrets(&pool, data_dir).await?;
        MIGRATOR.run(&pool).await?;
        if carried {
            // The dropped columns' bytes may linger in free pages: rewrite the file without them,
            // and copy the rewrite from the WAL into the file at once, emptying the WAL.
            sqlx::query!("VACUUM").execute(&pool).await?;
            // Runtime query: the macros cannot type a PRAGMA's untyped result columns.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&pool)
                .await?;
        }
        tokio::spawn(checkpointer(pool.clone(), wal_path(&path)));
        Ok(Self { pool, path })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a write transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`), so
    /// two writers queue on the busy timeout instead of one failing when it upgrades its lock.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A `sqlite:` URL that opens this file read-only, for list screens.
    pub fn read_only_url(&self) -> String {
        format!("sqlite:{}?mode=ro", self.path.display())
    }

    /// Opens a separate read-only pool on the same file, as the UI does.
    pub async fn open_read_only(&self) -> Result<SqlitePool> {
        let options = SqliteConnectOptions::from_str(&self.read_only_url())?;
        Ok(SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The writers' pool on the cache file.
async fn connect(path: &Path) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a receptionist's committed booking must survive a power cut, not just a crash.
        .synchronous(SqliteSynchronous::Full)
        // Checkpoints belong to the checkpointer below (module docs).
        .pragma("wal_autocheckpoint", "0")
        // After a big snapshot the WAL file shrinks back once checkpointed.
        .pragma("journal_size_limit", "67108864")
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // The cache of a busy clinic is tens of megabytes: keep its hot pages in memory rather
        // than reading them back from the OS on every use case.
        .pragma("cache_size", "-16384");
    Ok(SqlitePoolOptions::new()
        .max_connections(4)
        // A local file does not drop a connection the way a network does: no ping before use.
        .test_before_acquire(false)
        .connect_with(options)
        .await?)
}

fn wal_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Copies the WAL into the database file once it has grown past [`CHECKPOINT_PAST_BYTES`]. A
/// PASSIVE checkpoint waits for no reader or writer; what it could not copy, the next one does.
/// Ends when the pool is closed.
async fn checkpointer(pool: SqlitePool, wal: PathBuf) {
    loop {
        tokio::time::sleep(CHECKPOINT_EVERY).await;
        if pool.is_closed() {
            return;
        }
        let size = tokio::fs::metadata(&wal).await.map_or(0, |m| m.len());
        if size <= CHECKPOINT_PAST_BYTES {
            continue;
        }
        // Runtime query: the macros cannot type a PRAGMA's untyped result columns.
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "cannot checkpoint the cache");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_migrates_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(fk, 1);
        store.close().await;
        // A second open runs no migration twice and keeps the file.
        let again = Store::open(dir.path()).await.unwrap();
        let views: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'slot_list'")
                .fetch_one(again.pool())
                .await
                .unwrap();
        assert_eq!(views, 1);
    }

    /// A cache left by an older release, with work not yet sent, is migrated by this one without
    /// losing any of it; its account's secrets move to the secrets file, out of the database.
    #[tokio::test]
    async fn migrating_an_older_cache_keeps_its_unsynced_work() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DATABASE_FILE);
        let pool = connect(&path).await.unwrap();
        let older = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(
                MIGRATOR
                    .iter()
                    .filter(|m| m.version <= 2)
                    .cloned()
                    .collect(),
            ),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        older.run(&pool).await.unwrap();
        for statement in [
            "UPDATE sync_state SET device_id = 'd', next_seq = 2",
            "INSERT INTO venues VALUES ('v', 101, 'A胃腸科内科医院')",
            "INSERT INTO slots VALUES ('s', 'v', '第1期 1回目 101-1', 'pfizer', 'ファイザー社ワクチン',
                 '2021-05-15T00:00:00+00:00', '2021-05-15T00:30:00+00:00', '2021-05-15',
                 '09:00', '09:30', 'private', 6, 0)",
            "INSERT INTO residents (municipality_code, ticket_number, birth_date) \
                 VALUES ('431001', '9000000062', '1945-03-03')",
            "INSERT INTO bookings (id, municipality_code, ticket_number, slot_id, dose, status, \
                 channel) VALUES ('b', '431001', '9000000062', 's', 1, 'reserved', 'clinic')",
            "INSERT INTO outbox (seq, device_id, id, kind, action, created_at) \
                 VALUES (1, 'd', 'i', 'book', '{}', '2021-05-01T00:00:00Z')",
            "INSERT INTO outbox_touches VALUES ('d', 1, 'booking', 'b')",
            "INSERT INTO account (singleton, municipality_code, municipality_name, account_id, \
                 display_name, role, password_hash, session_token, logged_in_at) \
                 VALUES (1, '431001', '熊本市', 'clinic-a', 'A胃腸科内科医院', 'clinic', \
                 '$argon2id$v=19$old', 'v1:sealed', '2021-05-01T00:00:00Z')",
        ] {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        pool.close().await;
        assert!(
            MIGRATOR.iter().any(|m| m.version > 2),
            "a later migration to run"
        );

        let store = Store::open(dir.path()).await.unwrap();
        let kept: (i64, i64, i64, String) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM bookings), (SELECT count(*) FROM residents),
                    (SELECT next_seq FROM sync_state),
                    (SELECT sync_state FROM booking_state WHERE booking_id = 'b')",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(kept, (1, 1, 2, "pending".into()));
        let pending: Vec<(String, String)> = sqlx::query_as("SELECT id, state FROM outbox")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(pending, vec![("i".into(), "pending".into())]);

        let carried = SecretsFile::in_dir(dir.path())
            .read_for("431001", "clinic-a")
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                carried.password_hash.as_str(),
                carried.session_token.as_deref()
            ),
            ("$argon2id$v=19$old", Some("v1:sealed"))
        );
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info('account')")
                .fetch_all(store.pool())
                .await
                .unwrap();
        assert!(
            !columns
                .iter()
                .any(|c| c == "password_hash" || c == "session_token")
        );
        // Read before the store closes: what a copy of the files taken now would hold.
        let needle = b"$argon2id";
        for file in [path.clone(), wal_path(&path)] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "no trace of the hash in {}",
                file.display()
            );
        }
        store.close().await;
    }

    #[tokio::test]
    async fn the_read_only_connection_can_read_but_never_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let ro = store.open_read_only().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM slot_list")
            .fetch_one(&ro)
            .await
            .unwrap();
        assert_eq!(n, 0);
        let write = sqlx::query("INSERT INTO venues (id, venue_number, name) VALUES ('x', 1, 'x')")
            .execute(&ro)
            .await;
        let err = write.expect_err("a read-only connection must refuse writes");
        assert!(err.to_string().contains("readonly"), "{err}");
        let venues: i64 = sqlx::query_scalar("SELECT count(*) FROM venues")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(venues, 0);
    }
}
