//! Throwaway PostgreSQL clusters from the system's binaries, for tests and local development.
//!
//! A cluster runs under a small shell watchdog whose stdin is a pipe held by this process. When
//! the [`Cluster`] is dropped, or this process ends in any way (even SIGKILL), the pipe closes;
//! the watchdog then stops PostgreSQL (fast shutdown) and deletes the data directory. So no test
//! run leaves a postgres behind.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use std::{env, fs, io};

use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// initdb plus startup take a second or two; a loaded CI machine may need much longer.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Another process may take the free port between our probe and postgres binding it.
const START_ATTEMPTS: u32 = 3;

/// Runs initdb and postgres, then waits for end of file on stdin (fd 3 once started) and stops
/// postgres. Exits with postgres's status; on failure prints the end of the log to stderr.
/// PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` user.
const WATCHDOG: &str = r#"
set -u
dir=$YOYAKU_PG_DIR
log="$dir.log"
if [ "$(id -u)" = 0 ]; then
    as_owner="setpriv --reuid=postgres --regid=postgres --init-groups --"
else
    as_owner=""
fi
exec 3<&0 </dev/null
if ! $as_owner "$YOYAKU_PG_BIN/initdb" -D "$dir" --auth=trust -U postgres -E UTF8 --locale=C \
        >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -rf "$dir" "$log"
    exit 1
fi
$as_owner "$YOYAKU_PG_BIN/postgres" -D "$dir" -k "$dir" -c listen_addresses=127.0.0.1 \
    -p "$YOYAKU_PG_PORT" -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    >>"$log" 2>&1 3<&- &
postgres=$!
{ read -r _ <&3; kill -INT "$postgres" 2>/dev/null; } &
watcher=$!
exec 3<&-
wait "$postgres"
status=$?
kill "$watcher" 2>/dev/null
[ "$status" -eq 0 ] || tail -n 30 "$log" >&2
rm -rf "$dir" "$log"
exit "$status"
"#;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "PostgreSQL's initdb and postgres were found neither in /usr/lib/postgresql/<version>/bin \
         nor on PATH; install PostgreSQL or set DATABASE_URL"
    )]
    BinariesNotFound,
    #[error("could not start the PostgreSQL watchdog: {0}")]
    Io(#[from] io::Error),
    #[error("PostgreSQL stopped during startup ({status}):\n{log}")]
    Exited { status: ExitStatus, log: String },
    #[error("PostgreSQL did not accept connections within {STARTUP_TIMEOUT:?}: {0}")]
    NotReady(#[source] sqlx::Error),
    #[error("could not create a database: {0}")]
    CreateDatabase(#[source] sqlx::Error),
    #[error("not a usable database URL: {0}")]
    Url(#[from] url::ParseError),
}

/// A running throwaway cluster; the superuser `postgres` logs in without a password over
/// 127.0.0.1. Dropping it stops PostgreSQL and deletes its data.
#[derive(Debug)]
pub struct Cluster {
    port: u16,
    data_dir: PathBuf,
    watchdog: Child,
}

impl Cluster {
    pub async fn start() -> Result<Self, Error> {
        let bin_dir = postgres_bin_dir().ok_or(Error::BinariesNotFound)?;
        let mut attempt = 1;
        loop {
            match Self::start_once(&bin_dir).await {
                Err(Error::Exited { log, .. })
                    if attempt < START_ATTEMPTS && log.contains("Address already in use") =>
                {
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn start_once(bin_dir: &Path) -> Result<Self, Error> {
        let port = free_port()?;
        let data_dir = env::temp_dir().join(format!("yoyaku-pg-{}", Uuid::new_v4().simple()));
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .env("YOYAKU_PG_DIR", &data_dir)
            .env("YOYAKU_PG_BIN", bin_dir)
            .env("YOYAKU_PG_PORT", port.to_string())
            // The postgres user may not be allowed into our working directory.
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Out of the terminal's process group, so a Ctrl-C reaches only us; the closing pipe
            // then tells the watchdog to clean up.
            .process_group(0)
            .spawn()?;
        // From here on, Drop cleans up whatever happens.
        let mut cluster = Self {
            port,
            data_dir,
            watchdog,
        };
        cluster.wait_until_ready().await?;
        Ok(cluster)
    }

    async fn wait_until_ready(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let url = self.url("postgres");
        loop {
            if let Some(status) = self.watchdog.try_wait()? {
                let mut log = String::new();
                if let Some(mut stderr) = self.watchdog.stderr.take() {
                    stderr.read_to_string(&mut log)?;
                }
                return Err(Error::Exited { status, log });
            }
            match PgConnection::connect(&url).await {
                Ok(connection) => {
                    // The cluster is up; a failing goodbye does not change that.
                    let _ = connection.close().await;
                    return Ok(());
                }
                Err(error) if Instant::now() > deadline => return Err(Error::NotReady(error)),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The URL of database `db_name` as the superuser.
    pub fn url(&self, db_name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db_name}", self.port)
    }

    /// Creates a new, uniquely named, empty database and returns its URL.
    pub async fn create_database(&self) -> Result<String, Error> {
        create_database_on(&self.url("postgres")).await
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // End of file on the watchdog's stdin: it stops postgres and deletes the data directory.
        drop(self.watchdog.stdin.take());
        // Wait, so that the port is closed and the directory gone when drop returns.
        let _ = self.watchdog.wait();
    }
}

/// The URL of a new, empty, uniquely named database for one test: on the server of `DATABASE_URL`
/// when it is set, else on a throwaway cluster shared by the whole process (started on first use,
/// gone when the process ends). Databases made on a `DATABASE_URL` server are left for its owner
/// to drop.
///
/// # Panics
/// When no database can be created: a test cannot run without one.
pub async fn fresh_database() -> String {
    let server_url = match env::var("DATABASE_URL") {
        Ok(url) => url,
        Err(_) => shared_cluster().await.url("postgres"),
    };
    create_database_on(&server_url)
        .await
        .unwrap_or_else(|error| panic!("cannot create a test database: {error}"))
}

async fn shared_cluster() -> &'static Cluster {
    // Never dropped: the watchdog cleans up when the process exits.
    static SHARED: OnceCell<Cluster> = OnceCell::const_new();
    SHARED
        .get_or_init(|| async {
            Cluster::start()
                .await
                .unwrap_or_else(|error| panic!("cannot start a throwaway PostgreSQL: {error}"))
        })
        .await
}

async fn create_database_on(server_url: &str) -> Result<String, Error> {
    let name = format!("yoyaku_{}", Uuid::new_v4().simple());
    let mut url = url::Url::parse(server_url)?;
    let mut connection = PgConnection::connect(server_url)
        .await
        .map_err(Error::CreateDatabase)?;
    sqlx::raw_sql(&format!(r#"create database "{name}""#))
        .execute(&mut connection)
        .await
        .map_err(Error::CreateDatabase)?;
    let _ = connection.close().await;
    url.set_path(&name);
    Ok(url.into())
}

/// Where PostgreSQL's initdb and postgres are. Debian and Ubuntu install each major version side
/// by side; take the newest, else PATH.
pub fn postgres_bin_dir() -> Option<PathBuf> {
    let has_binaries = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    let newest_versioned = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin_dir = entry.path().join("bin");
            has_binaries(&bin_dir).then_some((version, bin_dir))
        })
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin_dir)| bin_dir);
    newest_versioned
        .or_else(|| env::split_paths(&env::var_os("PATH")?).find(|dir| has_binaries(dir)))
}

fn free_port() -> io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
