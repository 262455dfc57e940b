//! The yardstick for availability reads: nginx serving the same answer from a file, read by the
//! same clients for the same time. The city's reads are a database's answers kept a second in
//! memory; a static file is the most a server on this machine could do for the same body.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::Url;

use crate::report::Outcome;
use crate::scenarios::{self, Target};

/// An nginx of its own, stopped and its files removed when dropped.
struct Nginx {
    binary: PathBuf,
    child: Child,
    dir: PathBuf,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // Its own way to stop, so that the master takes its workers with it (a killed master
        // leaves them serving).
        let stopped = Command::new(&self.binary)
            .arg("-p")
            .arg(&self.dir)
            .arg("-c")
            .arg(self.dir.join("nginx.conf"))
            .args(["-s", "stop"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads, by `clients` for `duration`, of what the city answers at `availability`, served by the
/// nginx at `binary` from a file.
pub async fn reads(
    binary: &Path,
    availability: &Url,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<Outcome> {
    let body = reqwest::get(availability.clone())
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let (_nginx, port) = start(binary, &body)?;
    let url = Url::parse(&format!("http://127.0.0.1:{port}/availability.json"))?;
    wait_until_served(&url).await?;
    let target = Target::new(&format!("http://127.0.0.1:{port}"))?;
    let mut outcome = scenarios::reads_of(&target, vec![url], clients, duration).await;
    outcome.name = "nginx, the same body from a file";
    Ok(outcome)
}

fn start(binary: &Path, body: &[u8]) -> anyhow::Result<(Nginx, u16)> {
    let dir = std::env::temp_dir().join(format!("yoyaku-loadgen-nginx-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("www"))?;
    std::fs::write(dir.join("www/availability.json"), body)?;
    // A free port, as the system gives one: nginx cannot say which it took.
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let config = format!(
        "daemon off;
worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location = /availability.json {{
            root {dir}/www;
            default_type application/json;
            open_file_cache max=16;
        }}
    }}
}}
",
        dir = dir.display()
    );
    std::fs::write(dir.join("nginx.conf"), config)?;
    // Its workers may run as another user (nobody): let them read the file.
    set_readable(&dir)?;
    let child = Command::new(binary)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let nginx = Nginx {
        binary: binary.to_path_buf(),
        child,
        dir,
    };
    Ok((nginx, port))
}

#[cfg(unix)]
fn set_readable(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for path in [dir.to_path_buf(), dir.join("www")] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    let file = dir.join("www/availability.json");
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_readable(_: &Path) -> std::io::Result<()> {
    Ok(())
}

async fn wait_until_served(url: &Url) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(response) = reqwest::get(url.clone()).await
            && response.status().is_success()
        {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "nginx did not start serving {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
