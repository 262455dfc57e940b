//! Latency histograms and the Markdown table the benchmark prints.

use std::time::Duration;

use hdrhistogram::Histogram;

use crate::fixture::Check;

/// What one scenario measured.
pub struct Outcome {
    pub name: &'static str,
    /// Requests that did what was asked (a read answered, a booking committed).
    pub committed: u64,
    /// Clear refusals the scenario expects (a full slot in the race).
    pub refused: u64,
    /// Anything else: transport errors, 5xx, unexpected codes.
    pub failed: u64,
    pub elapsed: Duration,
    pub latency_us: Histogram<u64>,
}

impl Outcome {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            committed: 0,
            refused: 0,
            failed: 0,
            elapsed: Duration::ZERO,
            latency_us: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"),
        }
    }

    pub fn merge(&mut self, other: &Outcome) {
        self.committed += other.committed;
        self.refused += other.refused;
        self.failed += other.failed;
        self.latency_us.add(&other.latency_us).expect("same bounds");
    }

    pub fn per_second(&self, count: u64) -> f64 {
        count as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    fn ms(&self, quantile: f64) -> f64 {
        self.latency_us.value_at_quantile(quantile) as f64 / 1000.0
    }

    fn row(&self, rate_of: u64, rate_label: &str) -> String {
        format!(
            "| {} | {} | {} | {} | {:.1} s | {:.0} {rate_label}/s | {:.1} | {:.1} | {:.1} |",
            self.name,
            self.committed,
            self.refused,
            self.failed,
            self.elapsed.as_secs_f64(),
            self.per_second(rate_of),
            self.ms(0.5),
            self.ms(0.99),
            self.latency_us.max() as f64 / 1000.0,
        )
    }
}

pub fn markdown(
    reads: &Outcome,
    race: &Outcome,
    uncontended: &Outcome,
    check: &Check,
    seats: u32,
) -> String {
    let mut out = String::new();
    out.push_str("| scenario | ok | refused | failed | time | rate | p50 ms | p99 ms | max ms |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    out.push_str(&reads.row(reads.committed, "req"));
    out.push('\n');
    out.push_str(&race.row(race.committed, "booking"));
    out.push('\n');
    out.push_str(&uncontended.row(uncontended.committed, "booking"));
    out.push('\n');
    out.push_str(&format!(
        "\nrace: {} seats, {} committed, {} refused as full\n",
        seats, race.committed, race.refused
    ));
    out.push_str(&format!(
        "SQL check: {} overbooked slots, {} duplicate active bookings\n",
        check.overbooked_slots, check.duplicate_active_bookings
    ));
    out
}

/// The figures as tab-separated lines (benchmark, measure, figure, target), appended to `path`.
pub fn append_figures(
    path: &std::path::Path,
    reads: &Outcome,
    race: &Outcome,
    uncontended: &Outcome,
    check: &Check,
    seats: u32,
) -> std::io::Result<()> {
    use std::io::Write;
    let bench = "city loadgen";
    let lines = [
        (
            "availability reads",
            format!(
                "{:.0} req/s, p99 {:.1} ms",
                reads.per_second(reads.committed),
                reads.ms(0.99)
            ),
            "≥ 20,000 req/s, p99 ≤ 50 ms",
        ),
        (
            "race for one slot's seats",
            format!(
                "{} seats: {} committed, {} refused as full, in {:.1} s",
                seats,
                race.committed,
                race.refused,
                race.elapsed.as_secs_f64()
            ),
            "exactly the seats",
        ),
        (
            "uncontended bookings",
            format!(
                "{:.0}/s, p99 {:.0} ms",
                uncontended.per_second(uncontended.committed),
                uncontended.ms(0.99)
            ),
            "≥ 1,000/s",
        ),
        (
            "SQL check after the run",
            format!(
                "{} overbooked, {} duplicate active",
                check.overbooked_slots, check.duplicate_active_bookings
            ),
            "0 / 0",
        ),
    ];
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    for (measure, figure, target) in lines {
        writeln!(file, "{bench}\t{measure}\t{figure}\t{target}")?;
    }
    Ok(())
}
