//! The city server killed (SIGKILL) and started again, over and over, while residents book on the
//! web and a clinic registers, books and syncs; then the same with PostgreSQL killed instead; then
//! with two server instances behind nginx (a streaming replica answering the web's availability
//! reads), one or the other killed. The server runs in a child process of its own, so a kill lands
//! wherever the server is: mid-request, mid-transaction, between the commit and the answer.
//! PostgreSQL, a durable cluster of the test's own, is killed with all its backends and recovers
//! from its WAL. Afterwards every
//! booking a resident was told is booked is there; a resident whose answer was lost asks again
//! with the same booking id, as the residents' page does, and is answered with that booking,
//! whether or not the first try had committed; and the clinic's intents are each applied once,
//! the city and the cache agreeing.
//!
//! `YOYAKU_CITY_KILLS`, `YOYAKU_POSTGRES_KILLS` and `YOYAKU_INSTANCE_KILLS` set how many kills
//! (default [`KILLS`]).

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::balancer::Balancer;
use common::killable_postgres::KillablePostgres;
use common::work::{
    add_to_registry, logged_in, overbooked_and_doubled, private_slot, register_as, registry_born,
    slot_id,
};
use common::{City, next_random, spawn_child};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use yoyaku_clinic::{BookRequest, Clinic, Schedule};
use yoyaku_core::booking::DoseNumber;

const CHILD_DATABASE: &str = "YOYAKU_CITY_CHILD_DATABASE";
const CHILD_ADDR: &str = "YOYAKU_CITY_CHILD_ADDR";
const CHILD_REPLICA: &str = "YOYAKU_CITY_CHILD_REPLICA";
const KILLS: u32 = 6;
const NAME: &str = "killed_mid_load_the_city_keeps_what_it_said_and_applies_each_intent_once";
/// The web's residents, and the clinic's.
const FIRST_WEB_TICKET: u64 = 7_600_000_000;
const FIRST_CLINIC_TICKET: u64 = 7_700_000_000;
const WEB_WORKERS: u64 = 4;
/// Residents a web worker books, and the clinic, for each kill: the load outlasts the kills.
const WEB_RESIDENTS_PER_KILL: u64 = 5;
const CLINIC_RESIDENTS_PER_KILL: u64 = 7;

/// In the child: the city server on `addr` over the database at `url` (and its replica, if
/// any), until killed.
async fn serve_until_killed(url: &str, addr: &str, replica: Option<&str>) {
    let pool = yoyaku_city::connect(url).await.unwrap();
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let mut options = yoyaku_city::Server::options();
    if let Some(replica) = replica {
        options = options.replica(yoyaku_city::connect_replica(replica).unwrap());
    }
    let _server = options.spawn(listener, pool).unwrap();
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

/// The server process: started, killed, started again on the same address.
struct ServerProcess {
    env: Vec<(&'static str, String)>,
    addr: SocketAddr,
    child: std::process::Child,
}

impl ServerProcess {
    async fn start(database: &str, addr: SocketAddr, replica: Option<&str>) -> Self {
        let mut env = vec![
            (CHILD_DATABASE, database.to_owned()),
            (CHILD_ADDR, addr.to_string()),
        ];
        if let Some(replica) = replica {
            env.push((CHILD_REPLICA, replica.to_owned()));
        }
        let child = spawn_child(NAME, &env);
        let process = Self { env, addr, child };
        process.until_listening().await;
        process
    }

    async fn until_listening(&self) {
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the city server did not come up");
    }

    async fn kill_and_restart(&mut self, down: Duration) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        tokio::time::sleep(down).await;
        self.child = spawn_child(NAME, &self.env);
        self.until_listening().await;
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a resident on the web was told in the end.
#[derive(Debug)]
enum Told {
    /// 予約完了 (the booking's id); `again` when the answer was to a booking an earlier try whose
    /// answer was lost had made.
    Booked { id: String, again: bool },
    /// No public seat left anywhere tried.
    Full,
}

/// A resident on the web registers and books dose 1 in one of `slots` from `cursor` on (left at
/// the slot booked), asking again while the city does not answer (a killed server, a refused
/// connection, a 5xx): how many answers were lost, and what they were told in the end.
async fn web_resident(url: &str, ticket: u64, slots: &[String], cursor: &mut usize) -> (u32, Told) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let born = registry_born(ticket).to_string();
    let mut lost = 0;
    let mut registered = false;
    let mut full = 0;
    // Made once per slot tried, so that asking again after a lost answer is the same booking.
    let mut booking_id = uuid::Uuid::new_v4();
    while lost < 200 {
        if !registered {
            let answer = client
                .put(format!("{url}/api/v1/residents/431001/{ticket}"))
                .json(&json!({"birth_date": born, "family_name_kana": "ウェブ",
                              "given_name_kana": "ハナコ", "sex": "female",
                              "phone": "0963280000"}))
                .send()
                .await;
            match answer {
                Ok(r) if r.status().is_success() => registered = true,
                Ok(r) if !r.status().is_server_error() => {
                    panic!("registration: {} {}", r.status(), r.text().await.unwrap())
                }
                _ => {
                    lost += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            }
        }
        let body = json!({
            "resident": {"municipality_code": "431001", "ticket": ticket.to_string(),
                         "birth_date": born},
            "slot_id": slots[*cursor % slots.len()], "dose": 1, "booking_id": booking_id,
        });
        let answer = client
            .post(format!("{url}/api/v1/bookings"))
            .json(&body)
            .send()
            .await;
        let (status, answer) = match answer {
            Ok(r) if !r.status().is_server_error() => {
                let status = r.status();
                match r.json::<Value>().await {
                    Ok(answer) => (status, answer),
                    // The server died while sending its answer.
                    Err(_) => {
                        lost += 1;
                        continue;
                    }
                }
            }
            _ => {
                lost += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        match (status, answer["code"].as_str()) {
            (StatusCode::OK | StatusCode::CREATED, _) => {
                let id = answer["booking"]["id"].as_str().unwrap().to_owned();
                assert_eq!(id, booking_id.to_string(), "{ticket}: another booking");
                let again = status == StatusCode::OK;
                assert!(
                    !again || lost > 0,
                    "{ticket}: made before, never asked: {answer}"
                );
                return (lost, Told::Booked { id, again });
            }
            (StatusCode::CONFLICT, Some("slot.full")) => {
                booking_id = uuid::Uuid::new_v4();
                *cursor += 1;
                full += 1;
                if full >= slots.len() {
                    return (lost, Told::Full);
                }
            }
            _ => panic!("{ticket}: {status} {answer}"),
        }
    }
    panic!("{ticket}: the city never answered");
}

/// The clinic's work meanwhile: residents registered and booked into its own seats, synced.
async fn clinic_work(clinic: Arc<Clinic>, residents: u64) -> u64 {
    let mut booked = 0;
    for i in 0..residents {
        let ticket = FIRST_CLINIC_TICKET + i;
        let resident = register_as(
            &clinic,
            &ticket.to_string(),
            registry_born(ticket),
            i as u32,
        )
        .await;
        let slot = private_slot(&clinic, 1).await;
        clinic
            .book(BookRequest {
                resident,
                slot_id: slot_id(&slot),
                dose: DoseNumber::FIRST,
            })
            .await
            .expect("booked in the cache whatever the city's state");
        booked += 1;
        if i % 4 == 3 {
            clinic.sync_now().await;
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    booked
}

/// What the campaign kills.
#[derive(Clone, Copy, Debug)]
enum Victim {
    CityServer,
    Postgres,
    /// One of two instances behind nginx, in turn.
    OneOfTwoServers,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_load_the_city_keeps_what_it_said_and_applies_each_intent_once() {
    if let (Ok(url), Ok(addr)) = (std::env::var(CHILD_DATABASE), std::env::var(CHILD_ADDR)) {
        let replica = std::env::var(CHILD_REPLICA).ok();
        serve_until_killed(&url, &addr, replica.as_deref()).await;
        return;
    }
    campaign(Victim::CityServer, "YOYAKU_CITY_KILLS").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_mid_load_loses_nothing_the_city_said_and_applies_each_intent_once() {
    campaign(Victim::Postgres, "YOYAKU_POSTGRES_KILLS").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_two_instances_behind_nginx_killed_mid_load_loses_nothing_the_city_said() {
    campaign(Victim::OneOfTwoServers, "YOYAKU_INSTANCE_KILLS").await;
}

/// One campaign at a time: each is a whole city under load, and this machine may have two cores.
static ONE_CAMPAIGN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn campaign(victim: Victim, kills_var: &str) {
    let _alone = ONE_CAMPAIGN.lock().await;
    let kills: u32 = std::env::var(kills_var).map_or(KILLS, |v| v.parse().expect(kills_var));
    // The database of a city that is not served from this process: on the shared cluster, or on
    // a durable one of its own when PostgreSQL is what gets killed.
    let mut postgres = match victim {
        Victim::CityServer => None,
        Victim::Postgres | Victim::OneOfTwoServers => Some(KillablePostgres::start().await),
    };
    let city = match &postgres {
        None => City::start().await,
        Some(cluster) => {
            City::start_on(cluster.url("postgres"), yoyaku_city::Server::options).await
        }
    };
    let database = city.database_url().to_owned();
    let web_each = WEB_RESIDENTS_PER_KILL * u64::from(kills);
    let clinic_residents = CLINIC_RESIDENTS_PER_KILL * u64::from(kills);
    add_to_registry(&city, FIRST_WEB_TICKET, WEB_WORKERS * web_each).await;
    add_to_registry(&city, FIRST_CLINIC_TICKET, clinic_residents).await;
    let slots: Vec<String> = sqlx::query_scalar(
        "select s.id::text from slots s join venues v on v.id = s.venue_id
         where v.venue_number = 101 and s.visibility = 'public' and s.booked < s.capacity
           and s.starts_at > now() + interval '2 days'
         order by s.starts_at limit 250",
    )
    .fetch_all(&city.pool)
    .await
    .unwrap();
    let free_addr = || -> SocketAddr {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        free.local_addr().unwrap()
    };
    // With two instances: a replica for their availability reads, and nginx in front.
    let replica = match (victim, &postgres) {
        (Victim::OneOfTwoServers, Some(primary)) => Some(primary.replica(&[]).await),
        _ => None,
    };
    let replica_url = replica.as_ref().map(|replica| replica.url("postgres"));
    let instances = match victim {
        Victim::OneOfTwoServers => 2,
        Victim::CityServer | Victim::Postgres => 1,
    };
    let mut servers = Vec::new();
    for _ in 0..instances {
        servers.push(ServerProcess::start(&database, free_addr(), replica_url.as_deref()).await);
    }
    let balancer = match victim {
        Victim::OneOfTwoServers => {
            let addrs: Vec<SocketAddr> = servers.iter().map(|server| server.addr).collect();
            Some(Balancer::start(&addrs).await)
        }
        Victim::CityServer | Victim::Postgres => None,
    };
    let url = match &balancer {
        Some(balancer) => balancer.url(),
        None => format!("http://{}", servers[0].addr),
    };

    let dir = tempfile::tempdir().unwrap();
    let clinic = logged_in(&url, &city, dir.path()).await;
    let schedule = Schedule {
        interval: Duration::from_millis(500),
        first_retry: Duration::from_millis(200),
        max_retry: Duration::from_secs(1),
    };
    let looping = tokio::spawn(clinic.clone().run_sync_loop(schedule));
    let clinic_done = tokio::spawn(clinic_work(clinic.clone(), clinic_residents));
    let mut web = JoinSet::new();
    for worker in 0..WEB_WORKERS {
        let (url, slots) = (url.clone(), slots.clone());
        web.spawn(async move {
            let mut told = Vec::new();
            let mut cursor = worker as usize * slots.len() / WEB_WORKERS as usize;
            for n in 0..web_each {
                let ticket = FIRST_WEB_TICKET + worker * web_each + n;
                let (lost, outcome) = web_resident(&url, ticket, &slots, &mut cursor).await;
                told.push((ticket, lost, outcome));
            }
            told
        });
    }

    // Kill every 0.4–1.2 s while the load runs, down for 0.1–0.4 s each time.
    let mut random = 0xc17e_u64;
    for kill in 0..kills {
        // nginx rests an instance it failed to reach for a second (`fail_timeout`): one killed
        // sooner after the other came back would leave none, which is not this campaign's fault.
        let rest = match victim {
            Victim::OneOfTwoServers => 1_200,
            Victim::CityServer | Victim::Postgres => 0,
        };
        let up = rest + 400 + next_random(&mut random) % 800;
        tokio::time::sleep(Duration::from_millis(up)).await;
        let down = Duration::from_millis(100 + next_random(&mut random) % 300);
        match (victim, postgres.as_mut()) {
            (Victim::Postgres, Some(cluster)) => {
                cluster.kill();
                tokio::time::sleep(down).await;
                cluster.restart().await;
            }
            _ => {
                let which = kill as usize % servers.len();
                servers[which].kill_and_restart(down).await;
            }
        }
    }

    let told: Vec<(u64, u32, Told)> = web.join_all().await.into_iter().flatten().collect();
    let clinic_booked = clinic_done.await.unwrap();
    looping.abort();
    for _ in 0..20 {
        let status = clinic.sync_now().await;
        if status.pending == 0 && status.last_error.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let status = clinic.status();
    assert_eq!((status.pending, status.problems), (0, 0), "{status:?}");

    // Every resident told 予約完了 has that booking, and no other.
    let (mut lost_answers, mut booked_web, mut booked_before) = (0, 0, 0);
    for (ticket, lost, outcome) in &told {
        lost_answers += lost;
        let active: Vec<String> = sqlx::query_scalar(
            "select id::text from bookings where ticket_number = $1 and dose = 1
               and status in ('reserved', 'checked_in', 'vaccinated')",
        )
        .bind(ticket.to_string())
        .fetch_all(&city.pool)
        .await
        .unwrap();
        match outcome {
            Told::Booked { id, again } => {
                assert_eq!(
                    active,
                    std::slice::from_ref(id),
                    "{ticket}: told booked as {id}"
                );
                booked_web += 1;
                booked_before += u32::from(*again);
            }
            Told::Full => assert!(active.is_empty(), "{ticket}: told full, yet booked"),
        }
    }

    // The clinic's intents: each applied once, the city and the cache holding the same bookings.
    let at_city: Vec<(String, String, String)> = sqlx::query_as(
        "select id::text, ticket_number, status::text from bookings
         where ticket_number >= $1 order by id",
    )
    .bind(FIRST_CLINIC_TICKET.to_string())
    .fetch_all(&city.pool)
    .await
    .unwrap();
    let cached: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, ticket_number, status FROM bookings WHERE ticket_number >= ? ORDER BY id",
    )
    .bind(FIRST_CLINIC_TICKET.to_string())
    .fetch_all(clinic.store().pool())
    .await
    .unwrap();
    assert_eq!(at_city, cached);
    assert_eq!(at_city.len() as u64, clinic_booked);
    let (overbooked, doubled) = overbooked_and_doubled(&city).await;
    assert_eq!((overbooked, doubled), (0, 0));
    println!(
        "{kills} kills of {victim:?}: {booked_web} web bookings kept of {} residents \
         ({lost_answers} answers lost and asked again; {booked_before} answered with the booking \
         a lost answer had made), {clinic_booked} clinic bookings applied once; 0 invariant \
         violations",
        told.len()
    );
    assert!(lost_answers > 0, "no kill landed on a request");
}
