//! Latency histograms and the Markdown table the benchmark prints.

use std::time::Duration;

use hdrhistogram::Histogram;

use crate::fixture::Check;
use crate::opening_day::OpeningDay;
use crate::ticket_import::TicketImport;

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

/// Everything one run measured.
pub struct Report<'a> {
    pub reads: &'a Outcome,
    pub race: &'a Outcome,
    pub uncontended: &'a Outcome,
    pub opening_day: Option<&'a OpeningDay>,
    /// The city's reads of one question, and nginx's of the same body from a file.
    pub against_nginx: Option<&'a (Outcome, Outcome)>,
    pub ticket_import: Option<&'a TicketImport>,
    pub check: &'a Check,
    pub seats: u32,
}

impl Report<'_> {
    pub fn markdown(&self) -> String {
        let (reads, race, uncontended) = (self.reads, self.race, self.uncontended);
        let mut out = String::new();
        out.push_str(
            "| scenario | ok | refused | failed | time | rate | p50 ms | p99 ms | max ms |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|---|---|\n");
        out.push_str(&reads.row(reads.committed, "req"));
        out.push('\n');
        out.push_str(&race.row(race.committed, "booking"));
        out.push('\n');
        out.push_str(&uncontended.row(uncontended.committed, "booking"));
        out.push('\n');
        if let Some((city, nginx)) = self.against_nginx {
            for outcome in [city, nginx] {
                out.push_str(&outcome.row(outcome.committed, "req"));
                out.push('\n');
            }
        }
        out.push_str(&format!(
            "\nrace: {} seats, {} committed, {} refused as full\n",
            self.seats, race.committed, race.refused
        ));
        if let Some((city, nginx)) = self.against_nginx {
            out.push_str(&format!(
                "availability reads of one question: {:.2} of nginx serving the same body from a file\n",
                city.per_second(city.committed) / nginx.per_second(nginx.committed).max(f64::EPSILON)
            ));
        }
        if let Some(day) = self.opening_day {
            out.push_str(&format!(
                "opening day: {} residents, {} booked; {} requests in {:.1} s ({:.0} req/s), {} 5xx, \
                 {} failed; admitted bookings p50 {:.1} ms, p99 {:.1} ms; longest wait {:.1} s; \
                 places stray from arrival order by at most {} ({} inversions)\n",
                day.residents,
                day.booked,
                day.requests,
                day.elapsed.as_secs_f64(),
                day.requests_per_second(),
                day.server_errors,
                day.failed,
                day.booking_ms(0.5),
                day.booking_ms(0.99),
                day.longest_wait.as_secs_f64(),
                day.max_displacement,
                day.inversions,
            ));
        }
        if let Some(import) = self.ticket_import {
            out.push_str(&format!(
                "有効接種券 import: {} tickets ({:.1} MB of CSV) in {:.2} s ({:.0} tickets/s)\n",
                import.tickets,
                import.bytes as f64 / 1e6,
                import.elapsed.as_secs_f64(),
                import.per_second(),
            ));
        }
        out.push_str(&format!(
            "SQL check: {} overbooked slots, {} duplicate active bookings\n",
            self.check.overbooked_slots, self.check.duplicate_active_bookings
        ));
        out
    }

    /// The figures as tab-separated lines (benchmark, measure, figure, target), appended to
    /// `path`.
    pub fn append_figures(&self, path: &std::path::Path) -> std::io::Result<()> {
        use std::io::Write;
        let (reads, race, uncontended) = (self.reads, self.race, self.uncontended);
        let bench = "city loadgen";
        let mut lines = vec![
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
                    self.seats,
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
        ];
        if let Some((city, nginx)) = self.against_nginx {
            let (city_rate, nginx_rate) = (
                city.per_second(city.committed),
                nginx.per_second(nginx.committed),
            );
            lines.push((
                "availability reads against nginx serving the same body from a file",
                format!(
                    "{:.2} of it ({city_rate:.0} and {nginx_rate:.0} req/s)",
                    city_rate / nginx_rate.max(f64::EPSILON)
                ),
                "≥ 0.8",
            ));
        }
        if let Some(day) = self.opening_day {
            lines.extend([
                (
                    "opening day: requests served",
                    format!(
                        "{:.0} req/s, {} 5xx, {} failed",
                        day.requests_per_second(),
                        day.server_errors,
                        day.failed
                    ),
                    "≥ 33,000 req/s, 0 5xx",
                ),
                (
                    "opening day: admitted bookings",
                    format!(
                        "{} of {} booked, p99 {:.0} ms, longest wait {:.1} s",
                        day.booked,
                        day.residents,
                        day.booking_ms(0.99),
                        day.longest_wait.as_secs_f64()
                    ),
                    "p99 ≤ 1 s",
                ),
                (
                    "opening day: order of admission",
                    format!(
                        "strays by at most {} places, {} inversions",
                        day.max_displacement, day.inversions
                    ),
                    "arrival order",
                ),
            ]);
        }
        if let Some(import) = self.ticket_import {
            lines.push((
                "有効接種券 import from one CSV",
                format!(
                    "{} tickets in {:.2} s ({:.0}/s)",
                    import.tickets,
                    import.elapsed.as_secs_f64(),
                    import.per_second()
                ),
                "timed (no target set)",
            ));
        }
        lines.push((
            "SQL check after the run",
            format!(
                "{} overbooked, {} duplicate active",
                self.check.overbooked_slots, self.check.duplicate_active_bookings
            ),
            "0 / 0",
        ));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        for (measure, figure, target) in lines {
            writeln!(file, "{bench}\t{measure}\t{figure}\t{target}")?;
        }
        Ok(())
    }
}
