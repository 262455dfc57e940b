//! The web's availability reads, answered from memory for a second. When reservations open, the
//! crowd asks the same few venues' days over and over; one query a second per question answers
//! them all, and the database stays free for the bookings. A count a second old never oversells:
//! every booking takes its seat in its own transaction.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::NaiveDate;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;

/// How stale a web reader's 残りN枠 may be.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// Distinct questions kept at most; past it, stale answers are dropped first, then all.
const MAX_ENTRIES: usize = 10_000;

/// One question the web asks: a municipality's day, maybe narrowed to a venue and a vaccine.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct WebQuestion {
    pub municipality: MunicipalityCode,
    pub date: NaiveDate,
    pub venue: Option<Uuid>,
    pub vaccine: Option<String>,
}

/// Serialized answers by question, with when they were read.
#[derive(Default)]
pub(crate) struct AvailabilityCache {
    answers: Mutex<HashMap<WebQuestion, (Instant, Bytes)>>,
}

impl AvailabilityCache {
    /// The answer read less than [`FRESH_FOR`] ago, if any.
    pub fn fresh(&self, question: &WebQuestion, now: Instant) -> Option<Bytes> {
        let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        answers
            .get(question)
            .filter(|(read_at, _)| now.duration_since(*read_at) < FRESH_FOR)
            .map(|(_, body)| body.clone())
    }

    pub fn keep(&self, question: WebQuestion, body: Bytes, now: Instant) {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        if answers.len() >= MAX_ENTRIES {
            answers.retain(|_, (read_at, _)| now.duration_since(*read_at) < FRESH_FOR);
            if answers.len() >= MAX_ENTRIES {
                answers.clear();
            }
        }
        answers.insert(question, (now, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(day: u32) -> WebQuestion {
        WebQuestion {
            municipality: MunicipalityCode::parse("431001").unwrap(),
            date: NaiveDate::from_ymd_opt(2021, 5, day).unwrap(),
            venue: None,
            vaccine: Some("pfizer".into()),
        }
    }

    #[test]
    fn an_answer_is_fresh_for_a_second_and_only_for_its_question() {
        let cache = AvailabilityCache::default();
        let t0 = Instant::now();
        cache.keep(question(6), Bytes::from_static(b"{}"), t0);
        assert!(
            cache
                .fresh(&question(6), t0 + Duration::from_millis(999))
                .is_some()
        );
        assert!(cache.fresh(&question(6), t0 + FRESH_FOR).is_none());
        assert!(cache.fresh(&question(7), t0).is_none());
    }

    #[test]
    fn it_never_holds_more_than_its_bound() {
        let cache = AvailabilityCache::default();
        let t0 = Instant::now();
        for i in 0..(MAX_ENTRIES as i64 + 5) {
            let q = WebQuestion {
                date: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Days::new(i as u64),
                ..question(6)
            };
            cache.keep(q, Bytes::new(), t0);
        }
        assert!(cache.answers.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
