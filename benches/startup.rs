//! The clinic app as a clinic installs it: the installer's size, and the cold start of the
//! installed binary (the .deb unpacked, as in tests/package_deb.rs) under Xvfb through
//! tauri-driver, as the end-to-end tests run it — from the moment the app's process starts (the
//! kernel's record, to 10 ms) to the animation frame in which the login screen can be typed in
//! (the page's `login-usable` mark). Each start is a new process on the same cache, after one
//! start that creates it; the figures are p50 / p95 / max. Nothing here is a timed test.
//!
//! `npx tauri build --bundles deb && cargo bench -p yoyaku --features custom-protocol --bench startup`

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, UNIX_EPOCH};

use fantoccini::Client;
use support::city::City;
use support::desktop::Desktop;
use support::figures::percentile;
use support::processes::{running, started_at};

const RUNS: usize = 20;
const TARGET_MS: f64 = 500.0;
const DEB_TARGET_MB: f64 = 15.0;

fn bundle_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("release/bundle")
}

fn megabytes(path: &Path) -> f64 {
    std::fs::metadata(path).unwrap().len() as f64 / 1_000_000.0
}

/// The first file in `dir` whose name ends with `suffix`.
fn built(dir: &Path, suffix: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| Some(e.ok()?.path()))
        .find(|p| p.to_string_lossy().ends_with(suffix))
}

/// The page's `login-usable` mark, once the page has made it: (the epoch milliseconds at which
/// the page started loading, milliseconds from then to the scripts' run (DOMContentLoaded) and
/// to the mark).
async fn login_usable(client: &Client) -> (f64, f64, f64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mark = client
            .execute(
                "const m = performance.getEntriesByName('login-usable')[0];
                 const n = performance.getEntriesByType('navigation')[0];
                 return m ? [performance.timeOrigin, n.domContentLoadedEventEnd, m.startTime] : null;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| Some((v.get(0)?.as_f64()?, v.get(1)?.as_f64()?, v.get(2)?.as_f64()?)));
        if let Some(mark) = mark {
            return mark;
        }
        assert!(
            Instant::now() < deadline,
            "the login screen never became usable"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One start, in milliseconds: from the process's start to the page's, from there to the page's
/// scripts having run, and to the usable login screen.
struct Start {
    to_page: f64,
    scripts: f64,
    in_page: f64,
}

impl Start {
    fn total(&self) -> f64 {
        self.to_page + self.in_page
    }
}

async fn wait_until_gone(binary: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !running(binary).is_empty() {
        assert!(Instant::now() < deadline, "the app did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn start_once(desktop: &Desktop, binary: &Path) -> Start {
    let client = desktop.open_binary(binary).await;
    let (page_started, scripts, in_page) = login_usable(&client).await;
    let pids = running(binary);
    assert_eq!(pids.len(), 1, "one app process, not {pids:?}");
    let started = started_at(pids[0])
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0;
    client.close().await.unwrap();
    wait_until_gone(binary).await;
    Start {
        to_page: page_started - started,
        scripts,
        in_page,
    }
}

async fn run() {
    let bundles = bundle_dir();
    let deb = built(&bundles.join("deb"), ".deb").unwrap_or_else(|| {
        panic!(
            "no .deb in {}: build it with `npx tauri build --bundles deb`",
            bundles.display()
        )
    });
    let deb_mb = megabytes(&deb);
    println!(
        "installer {}: {deb_mb:.1} MB (target ≤ {DEB_TARGET_MB} MB: {})",
        deb.file_name().unwrap().to_string_lossy(),
        if deb_mb <= DEB_TARGET_MB {
            "met"
        } else {
            "NOT met"
        }
    );
    match built(&bundles.join("appimage"), ".AppImage") {
        Some(appimage) => println!(
            "installer {}: {:.1} MB",
            appimage.file_name().unwrap().to_string_lossy(),
            megabytes(&appimage)
        ),
        None => println!("AppImage: not built (`npx tauri build --bundles appimage`)"),
    }

    let root = tempfile::tempdir().unwrap();
    let unpacked = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(root.path())
        .status()
        .expect("run dpkg-deb");
    assert!(unpacked.success(), "dpkg-deb -x {}", deb.display());
    let binary = root.path().join("usr/bin/yoyaku");
    println!("binary usr/bin/yoyaku: {:.1} MB", megabytes(&binary));

    let city = City::start().await;
    let data = tempfile::tempdir().unwrap();
    let desktop = Desktop::start(&city, data.path());
    // The first start creates the cache; the ones measured open it, as every morning.
    start_once(&desktop, &binary).await;
    let mut starts = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        starts.push(start_once(&desktop, &binary).await);
    }
    println!(
        "starts in order, ms (to the page + in the page): {}",
        starts
            .iter()
            .map(|s| format!("{:.0}+{:.0}", s.to_page, s.in_page))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let sorted = |part: fn(&Start) -> f64| {
        let mut v: Vec<f64> = starts.iter().map(part).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let total = sorted(Start::total);
    let p95 = percentile(&total, 95.0);
    for (name, part) in [
        ("process start to page start", sorted(|s| s.to_page)),
        ("page start to its scripts run", sorted(|s| s.scripts)),
        ("page start to usable", sorted(|s| s.in_page)),
    ] {
        println!(
            "  {name}: p50 {:.0} ms  p95 {:.0} ms",
            percentile(&part, 50.0),
            percentile(&part, 95.0)
        );
    }
    println!(
        "cold start to a usable login screen, {RUNS} starts: p50 {:.0} ms  p95 {p95:.0} ms  max {:.0} ms (target p95 ≤ {TARGET_MS} ms: {})",
        percentile(&total, 50.0),
        total[total.len() - 1],
        if p95 <= TARGET_MS { "met" } else { "NOT met" }
    );
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}
