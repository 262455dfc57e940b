//! The sync status the UI shows (online/offline, last success, last error) and the retry schedule
//! of the background loop: exponential backoff with full jitter, so that a city's worth of clinics
//! coming back online at once does not hammer the server in lockstep.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{ClinicError, FieldProblem, WayOut};
use yoyaku_core::{Code, Coded};

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub online: bool,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<ErrorInfo>,
    /// Intents not yet settled by the server (未送信).
    pub pending: u64,
    /// Intents the server refused and nobody has resolved yet (同期の問題).
    pub problems: u64,
}

/// Where a booking's or a resident's local work stands (views `booking_state`, `resident_search`):
/// the badge every list shows.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum SyncState {
    /// 同期済み: the city has it as the cache shows it.
    Synced,
    /// 未送信: work the city has not settled yet.
    Pending,
    /// 仮予約: a public seat booked offline, which the city can still refuse.
    Tentative,
    /// 同期の問題: the city refused it and nobody has resolved it yet.
    Rejected,
}

impl SyncState {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Synced => "同期済み",
            Self::Pending => "未送信",
            Self::Tentative => "仮予約",
            Self::Rejected => "同期の問題",
        }
    }
}

/// An error as it crosses to the UI: `{code, message_ja, message_en}`.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    pub code: Code,
    pub message_ja: String,
    pub message_en: String,
    /// A form's errors by field; empty for any other error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
    /// For a refusal by the city server: where the receptionist goes on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub way_out: Option<WayOut>,
}

impl From<&ClinicError> for ErrorInfo {
    fn from(e: &ClinicError) -> Self {
        Self {
            code: e.code(),
            message_ja: e.message_ja(),
            message_en: e.message_en(),
            fields: match e {
                ClinicError::InvalidFields(fields) => fields.clone(),
                _ => Vec::new(),
            },
            way_out: match e {
                ClinicError::RefusedByCity(r) => Some(r.way_out),
                _ => None,
            },
        }
    }
}

/// How long the loop waits between rounds.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub interval: Duration,
    pub first_retry: Duration,
    pub max_retry: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(30),
            first_retry: Duration::from_secs(2),
            max_retry: Duration::from_secs(300),
        }
    }
}

impl Schedule {
    /// The wait after a round: the steady interval after a success, otherwise a random wait in
    /// `[0, min(max_retry, first_retry * 2^(failures-1))]` ("full jitter"), never below 500 ms.
    pub fn next_wait(&self, consecutive_failures: u32, unit_random: f64) -> Duration {
        if consecutive_failures == 0 {
            return self.interval;
        }
        let exp = consecutive_failures.saturating_sub(1).min(20);
        let ceiling = self
            .first_retry
            .saturating_mul(1u32 << exp)
            .min(self.max_retry);
        ceiling
            .mul_f64(unit_random.clamp(0.0, 1.0))
            .max(Duration::from_millis(500))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_waits_the_steady_interval() {
        let s = Schedule::default();
        assert_eq!(s.next_wait(0, 0.7), Duration::from_secs(30));
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap() {
        let s = Schedule::default();
        assert_eq!(s.next_wait(1, 1.0), Duration::from_secs(2));
        assert_eq!(s.next_wait(2, 1.0), Duration::from_secs(4));
        assert_eq!(s.next_wait(5, 1.0), Duration::from_secs(32));
        assert_eq!(s.next_wait(30, 1.0), Duration::from_secs(300));
    }

    #[test]
    fn jitter_spreads_the_wait_but_never_below_half_a_second() {
        let s = Schedule::default();
        assert_eq!(s.next_wait(4, 0.5), Duration::from_secs(8));
        assert_eq!(s.next_wait(4, 0.0), Duration::from_millis(500));
        assert_eq!(s.next_wait(4, 7.0), Duration::from_secs(16));
    }
}
