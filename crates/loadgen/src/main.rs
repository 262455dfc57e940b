//! `yoyaku-loadgen`: the city server's load benchmark (README, "Benchmarks").
//!
//! Against a running server and its database it
//! 1. prepares a fixture of its own (a venue's slots and registry residents, tagged by run),
//! 2. hammers slot availability reads from many clients for a while,
//! 3. races many web clients for a few hundred seats of one slot, all released at once,
//! 4. books uncontended seats from many clients,
//! 5. checks in SQL that no slot is overbooked and no resident holds two active bookings of a dose.
//!
//! Every loop is bounded in count and time, and only the given server is contacted.

mod fixture;
mod report;
mod scenarios;

use std::time::Duration;

use clap::Parser;

#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The city server, e.g. http://127.0.0.1:8731 (loopback only: this is a load test).
    #[arg(
        long,
        env = "YOYAKU_SERVER_URL",
        default_value = "http://127.0.0.1:8731"
    )]
    server: String,
    /// The server's database, for the fixture and the final check.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Seconds of availability reads.
    #[arg(long, default_value_t = 20)]
    read_seconds: u64,
    /// Concurrent clients reading availability.
    #[arg(long, default_value_t = 64)]
    read_clients: usize,
    /// Clients racing for the seats of one slot.
    #[arg(long, default_value_t = 2000)]
    race_clients: usize,
    /// Seats in the raced slot.
    #[arg(long, default_value_t = 500)]
    race_seats: u32,
    /// Uncontended bookings to make.
    #[arg(long, default_value_t = 10_000)]
    uncontended_bookings: usize,
    /// Concurrent clients making them.
    #[arg(long, default_value_t = 64)]
    uncontended_clients: usize,
    /// Also append the figures to this file, a tab-separated line each (benchmark, measure,
    /// figure, target), as the clinic benchmarks do in their quick mode.
    #[arg(long)]
    figures: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let url = reqwest::Url::parse(&args.server)?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    anyhow::ensure!(
        loopback,
        "refusing to load {url}: only a server on this machine is a target"
    );

    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect(&args.database_url)
        .await?;
    let needed = args.race_clients + args.uncontended_bookings;
    let fixture = fixture::prepare(&pool, args.race_seats, needed).await?;
    let base = args.server.trim_end_matches('/');
    let target = scenarios::Target::new(base)?;

    let reads = scenarios::reads(
        &target,
        &fixture,
        args.read_clients,
        Duration::from_secs(args.read_seconds),
    )
    .await;
    // The race's thousands of connections get a client of their own, dropped after it: kept in
    // the shared client's pool, they would slow every later request's pick of a connection.
    let race = scenarios::race(&scenarios::Target::new(base)?, &fixture, args.race_clients).await;
    let uncontended = scenarios::uncontended(
        &target,
        &fixture,
        args.uncontended_bookings,
        args.uncontended_clients,
    )
    .await;
    let check = fixture::check(&pool).await?;

    println!(
        "{}",
        report::markdown(&reads, &race, &uncontended, &check, args.race_seats)
    );
    if let Some(path) = &args.figures {
        report::append_figures(path, &reads, &race, &uncontended, &check, args.race_seats)?;
    }
    anyhow::ensure!(
        check.overbooked_slots == 0 && check.duplicate_active_bookings == 0,
        "invariants broken"
    );
    anyhow::ensure!(
        race.committed == u64::from(args.race_seats).min(args.race_clients as u64),
        "the race committed {} bookings for {} seats",
        race.committed,
        args.race_seats
    );
    Ok(())
}
