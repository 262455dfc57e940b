//! `yoyaku-city`: the municipality's reservation server.

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
#[cfg(feature = "demo")]
use yoyaku_city::demo::seed_demo;
use yoyaku_city::first_start::{FirstStart, FirstStartError, start_municipality};
#[cfg(feature = "demo")]
use yoyaku_city::throwaway_pg::Cluster;
use yoyaku_city::{
    AppUpdates, DEFAULT_CONNECTIONS, Server, WebPages, connect_replica, connect_with, migrate,
    shutdown_signal,
};

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the API until Ctrl-C or SIGTERM.
    Serve {
        #[command(flatten)]
        serving: Serving,
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// The first start of a real municipality: migrate the database, then create the municipality
    /// and its first administrator, who sets up the rest in the city's console. The password is
    /// typed twice at the terminal, or read as one line from standard input when that is not a
    /// terminal; it is never printed or logged.
    Init {
        #[command(flatten)]
        first: FirstStartArgs,
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// Migrate the database and load the demo municipality (熊本市); running it again is harmless.
    #[cfg(feature = "demo")]
    SeedDemo {
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// Local development: the demo on a throwaway PostgreSQL (unless DATABASE_URL is set),
    /// served until Ctrl-C or SIGTERM, then deleted.
    #[cfg(feature = "demo")]
    Demo {
        #[command(flatten)]
        serving: Serving,
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
    },
}

#[derive(Args)]
struct FirstStartArgs {
    /// 自治体番号: six digits, the last the check digit (熊本市: 431001).
    #[arg(long)]
    municipality_code: String,
    /// The municipality's name in Japanese (熊本市).
    #[arg(long)]
    name_ja: String,
    /// The municipality's name in English (Kumamoto City).
    #[arg(long)]
    name_en: String,
    /// The first administrator's アカウントID.
    #[arg(long)]
    admin_account_id: String,
    /// The first administrator's display name (健康福祉政策課).
    #[arg(long)]
    admin_display_name: String,
}

/// Where and how the API is served.
#[derive(Args)]
struct Serving {
    #[arg(long, env = "YOYAKU_LISTEN", default_value = "127.0.0.1:8731")]
    listen: SocketAddr,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(
        long,
        env = "YOYAKU_TLS_CERT",
        value_name = "PATH",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(
        long,
        env = "YOYAKU_TLS_KEY",
        value_name = "PATH",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
    /// The reverse proxy in front, whose X-Forwarded-For then names the client for the login
    /// rate limit. Nobody else's X-Forwarded-For is believed.
    #[arg(long, env = "YOYAKU_TRUSTED_PROXY", value_name = "IP")]
    trusted_proxy: Option<IpAddr>,
    /// A streaming replica of the database (a hot standby), which then answers the web's
    /// availability reads while it is current; the primary answers them otherwise.
    #[arg(
        long,
        env = "YOYAKU_REPLICA_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    replica_database_url: Option<String>,
    /// Database connections the server keeps: the bookings it can have in flight at once.
    #[arg(long, env = "YOYAKU_DB_CONNECTIONS", default_value_t = DEFAULT_CONNECTIONS)]
    db_connections: u32,
    /// Keep opening day's waiting room in front of the web's bookings, letting this many places
    /// in each second (what the database can book); none unless set.
    #[arg(long, env = "YOYAKU_WAITING_ROOM_PER_SECOND", value_name = "PLACES")]
    waiting_room_per_second: Option<std::num::NonZeroU32>,
    /// Days changes are kept for clinics' pulls (30 unless set); a clinic that has not synced
    /// for longer rebuilds its cache from a snapshot, keeping its unsent work.
    #[arg(long, env = "YOYAKU_CHANGE_RETENTION_DAYS", value_name = "DAYS",
          value_parser = clap::value_parser!(u32).range(1..))]
    change_retention_days: Option<u32>,
    /// Serve the city's browser pages (the residents' page at /) from this build of web/
    /// (`npm run build --workspace web` writes web/dist); the API only unless set.
    #[arg(long, env = "YOYAKU_WEB_DIR", value_name = "DIR")]
    web_dir: Option<PathBuf>,
    /// Host the clinic app's updates from this directory: a release's `latest.json` and the
    /// signed packages it names, served at /app/updates/ (see README, Releases and updates).
    #[arg(long, env = "YOYAKU_APP_UPDATES_DIR", value_name = "DIR")]
    app_updates_dir: Option<PathBuf>,
}

impl Serving {
    async fn spawn(&self, pool: PgPool) -> anyhow::Result<Server> {
        let mut options = Server::options();
        if let Some(days) = self.change_retention_days {
            options = options.change_retention(chrono::TimeDelta::days(i64::from(days)));
        }
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            options = options.tls_pem_files(cert, key)?;
        }
        if let Some(proxy) = self.trusted_proxy {
            options = options.trusted_proxy(proxy);
        }
        if let Some(url) = &self.replica_database_url {
            options = options.replica(connect_replica(url).context("the replica's URL")?);
        }
        if let Some(per_second) = self.waiting_room_per_second {
            options = options.waiting_room(per_second);
        }
        if let Some(dir) = &self.web_dir {
            options = options.web_pages(WebPages::in_dir(dir)?);
        }
        if let Some(dir) = &self.app_updates_dir {
            options = options.app_updates(AppUpdates::in_dir(dir)?);
        }
        let listener = TcpListener::bind(self.listen)
            .await
            .with_context(|| format!("listening on {}", self.listen))?;
        Ok(options.spawn(listener, pool)?)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to stderr: stdout carries what a person or a script reads (accounts, addresses).
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match Cli::parse().command {
        Command::Serve {
            serving,
            database_url,
        } => serve(&serving, &database_url).await,
        Command::Init {
            first,
            database_url,
        } => init(first, &database_url).await,
        #[cfg(feature = "demo")]
        Command::SeedDemo { database_url } => {
            let pool = migrated_pool(&database_url, DEFAULT_CONNECTIONS).await?;
            println!("{}", seed_demo(&pool).await?);
            Ok(())
        }
        #[cfg(feature = "demo")]
        Command::Demo {
            serving,
            database_url,
        } => demo(&serving, database_url).await,
    }
}

async fn migrated_pool(database_url: &str, connections: u32) -> anyhow::Result<PgPool> {
    let pool = connect_with(database_url, connections)
        .await
        .context("connecting to the database")?;
    migrate(&pool).await.context("migrating the database")?;
    Ok(pool)
}

async fn serve(serving: &Serving, database_url: &str) -> anyhow::Result<()> {
    let pool = migrated_pool(database_url, serving.db_connections).await?;
    let server = serving.spawn(pool).await?;
    println!("serving: {}", server.url());
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await?;
    Ok(())
}

async fn init(first: FirstStartArgs, database_url: &str) -> anyhow::Result<()> {
    let admin_password = typed_password().context("reading the password")?;
    let pool = migrated_pool(database_url, 1).await?;
    let first = FirstStart {
        municipality_code: first.municipality_code,
        name_ja: first.name_ja,
        name_en: first.name_en,
        admin_account_id: first.admin_account_id,
        admin_display_name: first.admin_display_name,
        admin_password,
    };
    match start_municipality(&pool, first).await {
        Ok(started) => {
            println!(
                "登録しました / created: municipality {}, administrator {}",
                started.municipality_code, started.admin_account_id
            );
            Ok(())
        }
        Err(error) => anyhow::bail!("{}\n{error}", error.message_ja()),
    }
}

/// The password typed twice without echo at a terminal, or one line of a script's stdin.
fn typed_password() -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let password = rpassword::prompt_password("管理者のパスワード / administrator's password: ")?;
    let again = rpassword::prompt_password("もう一度 / again: ")?;
    if password != again {
        let mismatch = FirstStartError::PasswordMismatch;
        anyhow::bail!("{}\n{mismatch}", mismatch.message_ja());
    }
    Ok(password)
}

#[cfg(feature = "demo")]
async fn demo(serving: &Serving, database_url: Option<String>) -> anyhow::Result<()> {
    // Declared first, so it is dropped (stopped and deleted) after everything that uses it.
    let (cluster, database_url) = match database_url {
        Some(url) => (None, url),
        None => {
            let cluster = Cluster::start()
                .await
                .context("starting a throwaway PostgreSQL")?;
            let url = cluster.url("postgres");
            (Some(cluster), url)
        }
    };
    let pool = migrated_pool(&database_url, serving.db_connections).await?;
    let accounts = seed_demo(&pool).await?;
    let server = serving.spawn(pool).await?;
    println!("{accounts}");
    if cluster.is_some() {
        // A throwaway cluster's URL holds no password; a configured one might.
        println!("database: {database_url} (throwaway: deleted on exit)");
    }
    println!("serving: {}", server.url());
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await?;
    Ok(())
}
