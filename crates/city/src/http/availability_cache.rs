//! The web's availability reads, answered from memory for a second. When reservations open, the
//! crowd asks the same few venues' days over and over; one query a second per question answers
//! them all, and the database stays free for the bookings. A count a second old never oversells:
//! every booking takes its seat in its own transaction.
//!
//! "One query a second" holds when the answer expires under load too: the first asker after it
//! expires reads, and everyone who asks the same question meanwhile waits for that read instead of
//! starting one of their own.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Serialize;
use tokio::sync::OnceCell;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;

use super::error::ApiError;

/// How stale a web reader's 残りN枠 may be.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// Distinct questions kept at most; past it, stale answers are dropped first, then all.
const MAX_ENTRIES: usize = 10_000;

/// One question the residents' page asks of a municipality's 公開枠.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum WebQuestion {
    /// A day's slots, maybe narrowed to a venue and a vaccine.
    Day {
        municipality: MunicipalityCode,
        date: NaiveDate,
        venue: Option<Uuid>,
        vaccine: Option<String>,
    },
    /// The venues with slots to come, by ward.
    Venues { municipality: MunicipalityCode },
    /// A venue's days with slots to come, with their seats.
    Calendar {
        municipality: MunicipalityCode,
        venue: Uuid,
        vaccine: Option<String>,
    },
}

pub(crate) struct AvailabilityCache {
    fresh_for: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Serialized answers by question, with when their read began.
    answers: HashMap<WebQuestion, (Instant, Bytes)>,
    /// The reads under way, one a question.
    reading: HashMap<WebQuestion, Arc<OnceCell<(Instant, Bytes)>>>,
}

impl Default for AvailabilityCache {
    fn default() -> Self {
        Self::fresh_for(FRESH_FOR)
    }
}

impl AvailabilityCache {
    fn fresh_for(fresh_for: Duration) -> Self {
        Self {
            fresh_for,
            state: Mutex::default(),
        }
    }

    /// The answer to `question`: one less than a second old, or the one `read` gives. Of the
    /// askers of one question at one time, one reads and the others wait for its answer; when that
    /// read fails or its asker goes away, the next waiter reads.
    pub async fn answer<E, F, Fut>(&self, question: &WebQuestion, read: F) -> Result<Bytes, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Bytes, E>>,
    {
        let under_way = {
            let mut state = self.lock();
            if let Some(body) = state.fresh(question, Instant::now(), self.fresh_for) {
                return Ok(body);
            }
            Arc::clone(state.reading.entry(question.clone()).or_default())
        };
        let mut read_here = false;
        let (read_at, body) = under_way
            .get_or_try_init(|| {
                read_here = true;
                let read_at = Instant::now();
                async move { Ok((read_at, read().await?)) }
            })
            .await?
            .clone();
        if read_here {
            let mut state = self.lock();
            state.keep(question.clone(), body.clone(), read_at, self.fresh_for);
            if state
                .reading
                .get(question)
                .is_some_and(|cell| Arc::ptr_eq(cell, &under_way))
            {
                state.reading.remove(question);
            }
        }
        Ok(body)
    }

    /// [`Self::answer`] as a JSON response, from the value `read` gives serialized.
    pub async fn json<T, F, Fut>(
        &self,
        question: &WebQuestion,
        read: F,
    ) -> Result<Response, ApiError>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let body = self
            .answer(question, || async {
                let value = read().await?;
                let body = serde_json::to_vec(&value).map_err(ApiError::internal)?;
                Ok::<_, ApiError>(Bytes::from(body))
            })
            .await?;
        Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn fresh(&self, question: &WebQuestion, now: Instant, fresh_for: Duration) -> Option<Bytes> {
        self.answers
            .get(question)
            .filter(|(read_at, _)| now.duration_since(*read_at) < fresh_for)
            .map(|(_, body)| body.clone())
    }

    fn keep(&mut self, question: WebQuestion, body: Bytes, read_at: Instant, fresh_for: Duration) {
        if self.answers.len() >= MAX_ENTRIES {
            let now = Instant::now();
            self.answers
                .retain(|_, (at, _)| now.duration_since(*at) < fresh_for);
            if self.answers.len() >= MAX_ENTRIES {
                self.answers.clear();
            }
        }
        self.answers.insert(question, (read_at, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn question(day: u32) -> WebQuestion {
        on(NaiveDate::from_ymd_opt(2021, 5, day).unwrap())
    }

    fn on(date: NaiveDate) -> WebQuestion {
        WebQuestion::Day {
            municipality: MunicipalityCode::parse("431001").unwrap(),
            date,
            venue: None,
            vaccine: Some("pfizer".into()),
        }
    }

    /// A read that takes `for_ms`, counting itself in `reads` and answering its number.
    async fn slow_read(reads: &AtomicUsize, for_ms: u64) -> Result<Bytes, Infallible> {
        let n = reads.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(Duration::from_millis(for_ms)).await;
        Ok(Bytes::from(n.to_string()))
    }

    /// `askers` ask `question` at once; their answers.
    async fn crowd(
        cache: &AvailabilityCache,
        question: &WebQuestion,
        reads: &AtomicUsize,
        askers: usize,
    ) -> Vec<Bytes> {
        let asks = (0..askers).map(|_| async {
            cache
                .answer(question, || slow_read(reads, 50))
                .await
                .unwrap()
        });
        futures_util::future::join_all(asks).await
    }

    #[tokio::test]
    async fn a_crowd_asking_one_question_makes_one_read() {
        let cache = AvailabilityCache::default();
        let reads = AtomicUsize::new(0);
        let answers = crowd(&cache, &question(6), &reads, 200).await;
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert!(answers.iter().all(|a| a == "1"), "{answers:?}");
        // Fresh for a second: no read at all.
        let again = crowd(&cache, &question(6), &reads, 200).await;
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert!(again.iter().all(|a| a == "1"));
    }

    #[tokio::test]
    async fn when_the_answer_expires_under_load_one_asker_reads_again() {
        let cache = AvailabilityCache::fresh_for(Duration::from_millis(100));
        let reads = AtomicUsize::new(0);
        crowd(&cache, &question(6), &reads, 50).await;
        tokio::time::sleep(Duration::from_millis(120)).await;
        let answers = crowd(&cache, &question(6), &reads, 200).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        assert!(answers.iter().all(|a| a == "2"), "{answers:?}");
    }

    #[tokio::test]
    async fn questions_are_read_apart() {
        let cache = AvailabilityCache::default();
        let reads = AtomicUsize::new(0);
        let (sixth, seventh) = (question(6), question(7));
        let (a, b) = tokio::join!(
            crowd(&cache, &sixth, &reads, 20),
            crowd(&cache, &seventh, &reads, 20)
        );
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        assert_ne!(a[0], b[0]);
    }

    #[tokio::test]
    async fn a_failed_read_is_not_kept_and_the_next_asker_reads() {
        let cache = AvailabilityCache::default();
        let failed: Result<Bytes, &str> = cache
            .answer(&question(6), || async { Err("database down") })
            .await;
        assert_eq!(failed, Err("database down"));
        let answer: Result<Bytes, &str> = cache
            .answer(&question(6), || async { Ok(Bytes::from_static(b"{}")) })
            .await;
        assert_eq!(answer.unwrap(), "{}");
    }

    #[tokio::test]
    async fn when_the_reading_asker_goes_away_a_waiting_one_reads() {
        let cache = Arc::new(AvailabilityCache::default());
        let reads = Arc::new(AtomicUsize::new(0));
        let first = tokio::spawn({
            let (cache, reads) = (Arc::clone(&cache), Arc::clone(&reads));
            async move {
                cache
                    .answer(&question(6), || slow_read(&reads, 5_000))
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = tokio::spawn({
            let (cache, reads) = (Arc::clone(&cache), Arc::clone(&reads));
            async move { cache.answer(&question(6), || slow_read(&reads, 10)).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        first.abort();
        let answer = tokio::time::timeout(Duration::from_secs(2), second)
            .await
            .expect("the waiting asker reads in its turn")
            .unwrap()
            .unwrap();
        assert_eq!(answer, "2");
    }

    #[test]
    fn it_never_holds_more_than_its_bound() {
        let cache = AvailabilityCache::default();
        let t0 = Instant::now();
        let mut state = cache.lock();
        for i in 0..(MAX_ENTRIES as u64 + 5) {
            let q = on(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Days::new(i));
            state.keep(q, Bytes::new(), t0, FRESH_FOR);
        }
        assert!(state.answers.len() <= MAX_ENTRIES);
    }
}
