//! `yoyaku-city`: the municipality's reservation server.

use std::io::IsTerminal;
use std::net::SocketAddr;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use yoyaku_city::demo::seed_demo;
use yoyaku_city::throwaway_pg::Cluster;
use yoyaku_city::{Server, connect, migrate, shutdown_signal};

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
        #[arg(long, env = "YOYAKU_LISTEN", default_value = "127.0.0.1:8731")]
        listen: SocketAddr,
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// Migrate the database and load the demo municipality (熊本市); running it again is harmless.
    SeedDemo {
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// Local development: the demo on a throwaway PostgreSQL (unless DATABASE_URL is set),
    /// served until Ctrl-C or SIGTERM, then deleted.
    Demo {
        #[arg(long, env = "YOYAKU_LISTEN", default_value = "127.0.0.1:8731")]
        listen: SocketAddr,
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
    },
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
            listen,
            database_url,
        } => serve(listen, &database_url).await,
        Command::SeedDemo { database_url } => {
            let pool = migrated_pool(&database_url).await?;
            println!("{}", seed_demo(&pool).await?);
            Ok(())
        }
        Command::Demo {
            listen,
            database_url,
        } => demo(listen, database_url).await,
    }
}

async fn migrated_pool(database_url: &str) -> anyhow::Result<PgPool> {
    let pool = connect(database_url)
        .await
        .context("connecting to the database")?;
    migrate(&pool).await.context("migrating the database")?;
    Ok(pool)
}

async fn serve(listen: SocketAddr, database_url: &str) -> anyhow::Result<()> {
    let pool = migrated_pool(database_url).await?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let server = Server::spawn(listener, pool)?;
    tracing::info!(url = %server.url(), "serving");
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await?;
    Ok(())
}

async fn demo(listen: SocketAddr, database_url: Option<String>) -> anyhow::Result<()> {
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
    let pool = migrated_pool(&database_url).await?;
    let accounts = seed_demo(&pool).await?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let server = Server::spawn(listener, pool)?;
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
