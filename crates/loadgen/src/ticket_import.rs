//! The 有効接種券 registry's import as the city's administrator runs it: one CSV of this run's
//! tickets (`6<run><n>`, ten digits), posted once and timed from the request to the report, then
//! counted in SQL.

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use sqlx::PgPool;

use crate::fixture::MUNICIPALITY;

/// The administrator who imports.
pub struct Admin {
    pub account_id: String,
    pub password: String,
}

pub struct TicketImport {
    pub tickets: usize,
    pub bytes: usize,
    pub elapsed: Duration,
}

impl TicketImport {
    pub fn per_second(&self) -> f64 {
        self.tickets as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// A registry file of `count` tickets as the city receives it: a header, then a ticket and a
/// birth date a line, the dates spread over sixty years.
fn csv(run: u32, count: usize) -> String {
    let first_birth = NaiveDate::from_ymd_opt(1940, 1, 1).expect("a valid date");
    let mut text = String::with_capacity(count * 24 + 32);
    text.push_str("ticket_number,birth_date\r\n");
    for n in 0..count {
        let birth = first_birth + Days::new((n % 21_900) as u64);
        text.push_str(&format!("6{run:03}{n:06},{birth}\r\n"));
    }
    text
}

pub async fn run(
    base: &str,
    pool: &PgPool,
    admin: &Admin,
    run: u32,
    count: usize,
) -> anyhow::Result<TicketImport> {
    anyhow::ensure!(count < 1_000_000, "at most 999,999 tickets a run");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({
            "municipality_code": MUNICIPALITY, "account_id": admin.account_id,
            "password": admin.password, "agreed_to_terms": true,
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = login["token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("the login answered no token: {login}"))?;
    let body = csv(run, count);
    let bytes = body.len();
    let started = Instant::now();
    let response = http
        .post(format!("{base}/api/v1/admin/valid-tickets/import"))
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let report: serde_json::Value = response.json().await?;
    let elapsed = started.elapsed();
    anyhow::ensure!(
        status.is_success() && report["imported"] == count,
        "the import answered {status}: {report}"
    );
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM valid_tickets
         WHERE municipality_code = $1 AND ticket_number LIKE $2",
    )
    .bind(MUNICIPALITY)
    .bind(format!("6{run:03}%"))
    .fetch_one(pool)
    .await?;
    anyhow::ensure!(
        stored == i64::try_from(count)?,
        "{stored} of {count} imported tickets are in the registry"
    );
    Ok(TicketImport {
        tickets: count,
        bytes,
        elapsed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_has_a_header_and_a_line_per_ticket_with_this_runs_numbers() {
        let text = csv(42, 3);
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(
            lines,
            [
                "ticket_number,birth_date",
                "6042000000,1940-01-01",
                "6042000001,1940-01-02",
                "6042000002,1940-01-03",
            ]
        );
    }
}
