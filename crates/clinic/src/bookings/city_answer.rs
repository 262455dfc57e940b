//! 予約完了 while online: the booking is sent at once and the city server's answer awaited for a
//! few seconds, so that the receptionist hears 予約確定 only of what the city took, and a refusal
//! in place, before telling the caller. Offline, or with no answer in time, the booking stands as
//! the cache has it, and its certainty says whether the city may still refuse it.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use uuid::Uuid;
use yoyaku_core::sync::Rejection;

use super::book::{BookRequest, Booked, Certainty, Changed, Uncertainty};
use super::day_list;
use crate::engine::Clinic;
use crate::error::{CityRefusal, ClinicError, Result, WayOut};

/// How long 予約完了 waits for the city server's answer while online.
pub const CITY_ANSWER_WAIT: Duration = Duration::from_secs(5);

/// How often the intent's state is read while waiting.
const POLL: Duration = Duration::from_millis(40);

/// What the city server said of an intent within the wait.
enum Answer {
    Taken,
    Refused {
        intent_id: Uuid,
        rejection: Rejection,
    },
    /// No answer in time, or the round could not reach the city.
    Silent,
}

/// Which use case waited: the words of its refusal.
#[derive(Clone, Copy)]
enum Asked {
    Booking,
    Change,
}

impl Clinic {
    /// 接種予約 as the window makes it: [`Self::book`], then, while online, the city server's
    /// answer awaited for at most `within`. Taken: 予約確定 ([`Certainty::TakenByCity`]). Refused:
    /// [`ClinicError::RefusedByCity`], with the booking undone unless what it depended on is kept
    /// in 同期の問題. No answer: the booking as [`Self::book`] made it.
    pub async fn book_with_city(
        self: &Arc<Self>,
        request: BookRequest,
        within: Duration,
    ) -> Result<Booked> {
        let mut booked = self.book(request).await?;
        self.settle_with_city(&mut booked, Asked::Booking, within)
            .await?;
        Ok(booked)
    }

    /// 後日の予約日時に変更 as the window makes it: [`Self::change_booking`], then the city server's
    /// answer awaited as for [`Self::book_with_city`]; refused, the old booking stands.
    pub async fn change_booking_with_city(
        self: &Arc<Self>,
        booking_id: Uuid,
        slot_id: Uuid,
        within: Duration,
    ) -> Result<Changed> {
        let mut changed = self.change_booking(booking_id, slot_id).await?;
        let taken = self
            .settle_with_city(&mut changed.booked, Asked::Change, within)
            .await?;
        if taken {
            let mut db = self.store.pool().acquire().await?;
            changed.cancelled = day_list::row(&mut db, booking_id).await?;
        }
        Ok(changed)
    }

    /// Waits for the city's answer to the booking's intent; true when the city took it.
    async fn settle_with_city(
        self: &Arc<Self>,
        booked: &mut Booked,
        asked: Asked,
        within: Duration,
    ) -> Result<bool> {
        if !self.status().online {
            return Ok(false);
        }
        let booking_id = booked.booking.booking_id.parse().map_err(|_| {
            ClinicError::Internal(format!("booking id {}", booked.booking.booking_id))
        })?;
        match self.city_answer(booking_id, within).await? {
            Answer::Silent => Ok(false),
            Answer::Taken => {
                // Taken, a 市外住民's booking still waits for the notification.
                let waits_for_notification = booked.certainty
                    == Certainty::Tentative {
                        reason: Uncertainty::NotificationPending,
                    };
                if !waits_for_notification {
                    booked.certainty = Certainty::TakenByCity;
                    booked.certainty_label = booked.certainty.label_ja();
                }
                let mut db = self.store.pool().acquire().await?;
                booked.booking = day_list::row(&mut db, booking_id).await?;
                Ok(true)
            }
            Answer::Refused {
                intent_id,
                rejection,
            } => Err(self.refused(intent_id, rejection, asked).await?),
        }
    }

    /// Sends now (a sync round of its own, which the background loop may precede) and reads the
    /// state of the intent that wrote the booking until it settles, the round ends, or time is up.
    /// The round is not cut short: it goes on in the background.
    async fn city_answer(self: &Arc<Self>, booking_id: Uuid, within: Duration) -> Result<Answer> {
        let key = booking_id.to_string();
        let intent = sqlx::query_scalar!(
            "SELECT o.id FROM outbox_touches t
             JOIN outbox o ON o.device_id = t.device_id AND o.seq = t.seq
             WHERE t.kind = 'booking' AND t.key = ? ORDER BY o.seq DESC LIMIT 1",
            key,
        )
        .fetch_optional(self.store.pool())
        .await?;
        let Some(intent) = intent else {
            return Ok(Answer::Silent);
        };
        let engine = Arc::clone(self);
        let round = tokio::spawn(async move { engine.sync_now().await });
        let deadline = Instant::now() + within;
        loop {
            let ended = round.is_finished();
            let outcome = sqlx::query!("SELECT state, rejection FROM outbox WHERE id = ?", intent)
                .fetch_one(self.store.pool())
                .await?;
            match outcome.state.as_str() {
                "applied" => return Ok(Answer::Taken),
                "rejected" => {
                    return Ok(Answer::Refused {
                        intent_id: parse_id(&intent)?,
                        rejection: parse_rejection(outcome.rejection.as_deref())?,
                    });
                }
                _ if ended || Instant::now() >= deadline => return Ok(Answer::Silent),
                _ => tokio::time::sleep(POLL).await,
            }
        }
    }

    /// The refusal said in place. Refused for itself, the booking is undone (the city never had
    /// it) and the receptionist chooses again. Refused because the 予約者情報 it depended on were,
    /// both stay in 同期の問題, where the 予約者情報 typed in are resolved, not lost.
    async fn refused(
        &self,
        intent_id: Uuid,
        rejection: Rejection,
        asked: Asked,
    ) -> Result<ClinicError> {
        let mut cause = rejection.clone();
        // A chain of refusals is as long as a resident's queued work; the bound only guards
        // against a damaged outbox.
        for _ in 0..64 {
            let Some(earlier) = cause.caused_by else {
                break;
            };
            let earlier = earlier.to_string();
            let stored = sqlx::query_scalar!("SELECT rejection FROM outbox WHERE id = ?", earlier)
                .fetch_optional(self.store.pool())
                .await?;
            match stored.flatten() {
                Some(json) => cause = parse_rejection(Some(&json))?,
                None => break,
            }
        }
        let refusal = if rejection.caused_by.is_some() {
            // The round that brought the refusal may not have counted it yet: the header's
            // 同期の問題 count says it with the refusal, not after.
            self.refresh_counts().await?;
            CityRefusal {
                code: cause.known_code(),
                ja: format!(
                    "予約者情報の登録・変更が市のサーバーで受け付けられなかったため、この{}はできていません。{}入力した内容は「同期の問題」に残っています。そこで確認してください。",
                    asked.ja(),
                    cause.message_ja
                ),
                en: format!(
                    "The city server refused the resident's details, so this {} did not go through: {} What was entered is kept under Sync problems; resolve it there.",
                    asked.en(),
                    cause.message_en
                ),
                way_out: WayOut::SyncProblems,
            }
        } else {
            self.discard_problem(intent_id).await?;
            CityRefusal {
                code: rejection.known_code(),
                ja: format!(
                    "市のサーバーがこの{}を受け付けませんでした。{}{}",
                    asked.ja(),
                    rejection.message_ja,
                    asked.undone_ja()
                ),
                en: format!(
                    "The city server refused this {}: {} {}",
                    asked.en(),
                    rejection.message_en,
                    asked.undone_en()
                ),
                way_out: WayOut::ChooseAgain,
            }
        };
        Ok(ClinicError::RefusedByCity(Box::new(refusal)))
    }
}

impl Asked {
    fn ja(self) -> &'static str {
        match self {
            Self::Booking => "予約",
            Self::Change => "予約の変更",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Self::Booking => "booking",
            Self::Change => "change",
        }
    }

    fn undone_ja(self) -> &'static str {
        match self {
            Self::Booking => {
                "予約は登録されていません。別の予約枠を選ぶか、お客様にお伝えください。"
            }
            Self::Change => "元の予約はそのままです。別の予約枠を選ぶか、お客様にお伝えください。",
        }
    }

    fn undone_en(self) -> &'static str {
        match self {
            Self::Booking => "Nothing was booked. Choose another slot, or tell the caller.",
            Self::Change => "The booking stays as it was. Choose another slot, or tell the caller.",
        }
    }
}

fn parse_id(id: &str) -> Result<Uuid> {
    id.parse()
        .map_err(|_| ClinicError::Internal(format!("intent id {id}")))
}

fn parse_rejection(json: Option<&str>) -> Result<Rejection> {
    let json = json.ok_or_else(|| ClinicError::Internal("rejection missing".into()))?;
    serde_json::from_str(json).map_err(|e| ClinicError::Internal(format!("rejection: {e}")))
}
