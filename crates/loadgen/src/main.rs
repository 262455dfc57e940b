//! `yoyaku-loadgen`: the city server's load benchmark (README, "Benchmarks").
//!
//! Against a running server and its database it
//! 1. prepares a fixture of its own (a venue's slots and registry residents, tagged by run),
//! 2. hammers slot availability reads from many clients for a while,
//! 3. races many web clients for a few hundred seats of one slot, all released at once,
//! 4. books uncontended seats from many clients,
//! 5. with `--opening-day-server` (a server with a waiting room and the residents' page, on the
//!    same database), lets residents arrive faster than the city books, each from the page (its
//!    HTML and assets) through the waiting room to a booking, while a crowd refreshes the
//!    availability,
//! 6. with `--nginx`, reads one availability question from the city and the same body from a
//!    file served by an nginx of its own, by the same clients for as long,
//! 7. with `--import-tickets N` and the city administrator's login, imports N 有効接種券 from one CSV,
//! 8. checks in SQL that no slot is overbooked and no resident holds two active bookings of a dose.
//!
//! Every loop is bounded in count and time, and only the given server is contacted.

mod fixture;
mod nginx;
mod opening_day;
mod report;
mod scenarios;
mod ticket_import;

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
    /// An nginx binary: availability reads are then compared with it serving the same answer
    /// from a file, read by as many clients for as long.
    #[arg(long)]
    nginx: Option<std::path::PathBuf>,
    /// A server on the same database run with `--waiting-room-per-second` and `--web-dir`: the
    /// opening day's target. No opening day without it.
    #[arg(long)]
    opening_day_server: Option<String>,
    /// Residents arriving on the opening day.
    #[arg(long, default_value_t = 5_000)]
    opening_day_residents: usize,
    /// How many arrive each second (more than the room lets in, so that a line forms).
    #[arg(long, default_value_t = 2_000)]
    opening_day_arrivals: u32,
    /// Clients refreshing the availability meanwhile.
    #[arg(long, default_value_t = 64)]
    opening_day_readers: usize,
    /// 有効接種券 to import from one CSV as the city's administrator; none unless given.
    #[arg(long, requires = "admin_password")]
    import_tickets: Option<usize>,
    /// The administrator who imports them.
    #[arg(long, default_value = "city-admin")]
    admin_account_id: String,
    #[arg(long, env = "YOYAKU_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// Also append the figures to this file, a tab-separated line each (benchmark, measure,
    /// figure, target), as the clinic benchmarks do in their quick mode.
    #[arg(long)]
    figures: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    for server in std::iter::once(&args.server).chain(&args.opening_day_server) {
        ensure_loopback(server)?;
    }

    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect(&args.database_url)
        .await?;
    let opening_day_residents = if args.opening_day_server.is_some() {
        args.opening_day_residents
    } else {
        0
    };
    let needed = args.race_clients + args.uncontended_bookings + opening_day_residents;
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
    let against_nginx = match &args.nginx {
        Some(binary) => {
            let url = scenarios::availability_urls(base, &fixture)?.swap_remove(0);
            let duration = Duration::from_secs(args.read_seconds);
            let mut city =
                scenarios::reads_of(&target, vec![url.clone()], args.read_clients, duration).await;
            city.name = "availability reads, one question";
            let nginx = nginx::reads(binary, &url, args.read_clients, duration).await?;
            Some((city, nginx))
        }
        None => None,
    };
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
    let opening_day = match &args.opening_day_server {
        Some(server) => {
            let first = args.race_clients;
            let residents = &fixture.residents[first..first + opening_day_residents];
            Some(
                opening_day::run(
                    server.trim_end_matches('/'),
                    &fixture,
                    residents,
                    args.opening_day_arrivals,
                    args.opening_day_readers,
                )
                .await?,
            )
        }
        None => None,
    };
    let ticket_import = match (args.import_tickets, args.admin_password) {
        (Some(count), Some(password)) => {
            let admin = ticket_import::Admin {
                account_id: args.admin_account_id,
                password,
            };
            Some(ticket_import::run(base, &pool, &admin, fixture.run, count).await?)
        }
        _ => None,
    };
    let check = fixture::check(&pool).await?;

    let report = report::Report {
        reads: &reads,
        race: &race,
        uncontended: &uncontended,
        opening_day: opening_day.as_ref(),
        against_nginx: against_nginx.as_ref(),
        ticket_import: ticket_import.as_ref(),
        check: &check,
        seats: args.race_seats,
    };
    println!("{}", report.markdown());
    if let Some(path) = &args.figures {
        report.append_figures(path)?;
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

fn ensure_loopback(server: &str) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(server)?;
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
    Ok(())
}
