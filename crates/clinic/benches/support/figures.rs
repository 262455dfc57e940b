//! The figures a benchmark reports, and its quick mode.
//!
//! `YOYAKU_BENCH_QUICK=1` runs a benchmark's scenario a few times instead of criterion's full
//! sampling: the test command runs every benchmark this way so that a slowdown shows in its table
//! (`scripts/bench-quick`). With `YOYAKU_BENCH_FIGURES=<file>`, each figure is appended to that file
//! as a tab-separated line: benchmark, measure, figure, target. Figures pass or fail nothing.

use std::io::Write;
use std::time::Duration;

/// One measured figure.
pub struct Figure<'a> {
    pub bench: &'a str,
    pub measure: &'a str,
    pub figure: String,
    pub target: &'a str,
}

/// True in the quick mode.
pub fn quick() -> bool {
    std::env::var_os("YOYAKU_BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Prints the figure and appends it to the figures file, if one is named.
pub fn record(figure: Figure) {
    eprintln!(
        "{}: {}: {} (target {})",
        figure.bench, figure.measure, figure.figure, figure.target
    );
    let Some(path) = std::env::var_os("YOYAKU_BENCH_FIGURES") else {
        return;
    };
    let line = format!(
        "{}\t{}\t{}\t{}\n",
        figure.bench, figure.measure, figure.figure, figure.target
    );
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .unwrap_or_else(|e| panic!("cannot append to {}: {e}", path.to_string_lossy()));
}

/// The `p`th percentile of sorted latencies (nearest rank).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
