//! A PostgreSQL cluster of a test's own, as durable as a city's (fsync, synchronous commit and
//! full-page writes on, unlike the shared throwaway cluster), that can be killed (SIGKILL to the
//! server and every backend at once, as a crash leaves it) and started again on the same data,
//! which it recovers from its WAL. It can have a streaming replica (a hot standby made by
//! `pg_basebackup`), itself a cluster of this kind. Dropping it kills it and deletes its data.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

pub struct KillablePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// `-c` settings the server starts with.
    settings: Vec<String>,
    server: Option<Child>,
}

/// PostgreSQL refuses to run as root: then its files and processes belong to `postgres`.
fn as_owner(program: &Path) -> Command {
    if running_as_root() {
        let mut command = Command::new("setpriv");
        command
            .args([
                "--reuid=postgres",
                "--regid=postgres",
                "--init-groups",
                "--",
            ])
            .arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

impl KillablePostgres {
    /// A cluster in a directory of its own, not started.
    fn new(settings: &[&str]) -> Self {
        let bin = yoyaku_city::throwaway_pg::postgres_bin_dir().expect("PostgreSQL's binaries");
        let dir = std::env::temp_dir().join(format!("yoyaku-killable-pg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir(&dir).unwrap();
        if running_as_root() {
            let chown = Command::new("chown")
                .arg("postgres:postgres")
                .arg(&dir)
                .status();
            assert!(chown.unwrap().success(), "chown the cluster's directory");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self {
            bin,
            dir,
            port,
            settings: settings.iter().map(|&s| s.to_owned()).collect(),
            server: None,
        }
    }

    pub async fn start() -> Self {
        let mut cluster = Self::new(&[]);
        let initdb = as_owner(&cluster.bin.join("initdb"))
            .arg("-D")
            .arg(cluster.data())
            .args(["--auth=trust", "-U", "postgres", "-E", "UTF8", "--locale=C"])
            .current_dir("/")
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(
            initdb.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        cluster.restart().await;
        cluster
    }

    /// A hot standby of this cluster, streaming its WAL from now on, started with `settings`
    /// (such as `recovery_min_apply_delay=5s`) besides.
    pub async fn replica(&self, settings: &[&str]) -> Self {
        let mut replica = Self::new(settings);
        // -R writes standby.signal and the primary's connection; -X stream copies the WAL made
        // during the copy too.
        let copy = as_owner(&self.bin.join("pg_basebackup"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .arg("-D")
            .arg(replica.data())
            .args(["-R", "-X", "stream", "-c", "fast"])
            .current_dir("/")
            .output()
            .unwrap();
        assert!(
            copy.status.success(),
            "pg_basebackup: {}",
            String::from_utf8_lossy(&copy.stderr)
        );
        replica.restart().await;
        replica
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The URL of database `db_name` as the superuser.
    pub fn url(&self, db_name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db_name}", self.port)
    }

    /// Kills the server and its backends at once (their process group), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut server) = self.server.take() {
            let group = format!("-{}", server.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = server.wait();
        }
    }

    /// Starts the server on the same data and port, and waits until it takes connections (after
    /// crash recovery, when it was killed).
    pub async fn restart(&mut self) {
        assert!(self.server.is_none(), "already running");
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("log"))
            .unwrap();
        let server = as_owner(&self.bin.join("postgres"))
            .arg("-D")
            .arg(self.data())
            .arg("-k")
            .arg(&self.dir)
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-p",
                &self.port.to_string(),
            ])
            .args(self.settings.iter().flat_map(|setting| ["-c", setting]))
            .current_dir("/")
            .stdout(Stdio::null())
            .stderr(log)
            // A group of its own, which the backends it forks share: one kill takes them all.
            .process_group(0)
            .spawn()
            .unwrap();
        self.server = Some(server);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match PgConnection::connect(&self.url("postgres")).await {
                Ok(connection) => {
                    let _ = connection.close().await;
                    return;
                }
                Err(e) => {
                    let log = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
                    assert!(
                        Instant::now() < deadline,
                        "PostgreSQL did not come back: {e}\n{log}"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

impl Drop for KillablePostgres {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
