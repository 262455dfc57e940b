//! The `yoyaku-city demo` binary: a throwaway cluster, the demo data, the API; and no postgres
//! left behind however it ends.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use yoyaku_core::wire::LoginRequest;

struct RunningDemo {
    child: Child,
    postgres_port: u16,
    url: String,
}

async fn start_demo() -> RunningDemo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yoyaku-city"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut postgres_port, mut url) = (None, None);
    let mut printed = String::new();
    while url.is_none() {
        let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
            .await
            .expect("the demo prints its address")
            .unwrap()
            .unwrap_or_else(|| panic!("the demo ended early after printing:\n{printed}"));
        if let Some(database) = line.strip_prefix("database: postgres://postgres@127.0.0.1:") {
            postgres_port = Some(database.split('/').next().unwrap().parse().unwrap());
        }
        url = line.strip_prefix("serving: ").map(str::to_owned);
        printed.push_str(&line);
        printed.push('\n');
    }
    assert!(printed.contains("clinic-a    demo-clinic-a"), "{printed}");
    RunningDemo {
        child,
        postgres_port: postgres_port.expect("the demo prints its throwaway database"),
        url: url.unwrap(),
    }
}

async fn postgres_is_gone(port: u16) -> bool {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn the_demo_serves_its_accounts_and_stops_cleanly_on_sigterm() {
    let mut demo = start_demo().await;
    let login = reqwest::Client::new()
        .post(format!("{}/api/v1/login", demo.url))
        .json(&LoginRequest {
            municipality_code: "431001".into(),
            account_id: "clinic-e".into(),
            password: "demo-clinic-e".into(),
            agreed_to_terms: true,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);

    let pid = demo.child.id().unwrap().to_string();
    let kill = Command::new("kill").args(["-TERM", &pid]).status().await;
    assert!(kill.unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(30), demo.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
    // The cluster is stopped before the process exits.
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", demo.postgres_port))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_killed_demo_leaves_no_postgres_running() {
    let mut demo = start_demo().await;
    demo.child.kill().await.unwrap();
    assert!(postgres_is_gone(demo.postgres_port).await);
}
