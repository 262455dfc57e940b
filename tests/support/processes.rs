//! The app's processes as Linux sees them in /proc: the app binary's process and the WebKit
//! processes it starts, their memory, and when the app's process started.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The memory of a process tree, in KiB: resident (RSS, pages shared between the processes
/// counted in each) and proportional (PSS, shared pages split between their users).
#[derive(Debug, Clone)]
pub struct Memory {
    pub rss_kib: u64,
    pub pss_kib: u64,
    /// Each process's name and PSS.
    pub each: Vec<(String, u64)>,
}

fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: fields start after its ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// The processes running `binary`.
pub fn running(binary: &Path) -> Vec<u32> {
    let binary = binary.canonicalize().unwrap_or_else(|_| binary.to_owned());
    pids()
        .into_iter()
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary))
        .collect()
}

/// `roots` and every process below them.
pub fn tree(roots: &[u32]) -> BTreeSet<u32> {
    let parents: Vec<(u32, u32)> = pids()
        .into_iter()
        .filter_map(|pid| Some((pid, stat_fields(pid)?.get(1)?.parse().ok()?)))
        .collect();
    let mut all: BTreeSet<u32> = roots.iter().copied().collect();
    loop {
        let before = all.len();
        for (pid, parent) in &parents {
            if all.contains(parent) {
                all.insert(*pid);
            }
        }
        if all.len() == before {
            return all;
        }
    }
}

fn kib(file: &str, key: &str) -> u64 {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

pub fn memory(pids: &BTreeSet<u32>) -> Memory {
    let each: Vec<(String, u64)> = pids
        .iter()
        .map(|pid| {
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            let pss = kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:");
            (name.trim().to_owned(), pss)
        })
        .collect();
    Memory {
        rss_kib: pids
            .iter()
            .map(|pid| kib(&format!("/proc/{pid}/status"), "VmRSS:"))
            .sum(),
        pss_kib: each.iter().map(|(_, pss)| pss).sum(),
        each,
    }
}

fn clock_ticks_per_second() -> f64 {
    let out = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("run getconf");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// When the process started, on the wall clock (to the kernel's clock tick, 10 ms).
pub fn started_at(pid: u32) -> SystemTime {
    let ticks: u64 = stat_fields(pid).expect("a running process")[19]
        .parse()
        .unwrap();
    // The boot time on the wall clock, as finely as /proc/uptime tells it.
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let boot = SystemTime::now() - Duration::from_secs_f64(uptime);
    boot + Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second())
}
