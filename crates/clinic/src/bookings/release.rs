//! キャンセル待ちへ提供: free seats of one of this clinic's 非公開枠 given to the city's waiting
//! list (seats it will not fill itself; an earlier period's slot made private when the next
//! opened). The city moves them to a public slot of the same time and offers them to the first in
//! line; the rest stay public. The line is the city's, so this works online only, and only once
//! every unsent booking has reached the city, which counts the seats that are free.

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use yoyaku_core::{Code, Coded};

use crate::engine::Clinic;
use crate::error::{ClinicError, Result};

const RELEASE_PATH: &str = "/api/v1/waitlist/release";

/// What the city did with the seats.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasedSeats {
    /// The 非公開枠's capacity now.
    pub capacity: i32,
    /// The public slot the seats joined: 【キャンセル待ち補充】<会場番号>.<YYYYMMDD>.<HHMM>
    pub public_slot_name: String,
    pub seats: i32,
    /// Residents in line offered one of them.
    pub offered: u64,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "seats go to the waiting list only while the city server can be reached and every unsent booking has reached it; try again when back online, or call the call center"
)]
struct NotSent;

impl Coded for NotSent {
    fn code(&self) -> Code {
        Code::WaitlistReleaseOffline
    }
    fn message_ja(&self) -> String {
        "キャンセル待ちへの提供は、市のサーバーに接続でき、未送信の予約をすべて送れたときだけできます。オンラインに戻ってからもう一度行うか、コールセンターに連絡してください。何も送信していません。"
            .into()
    }
}

/// The request left, but its answer did not arrive: the seats may have been given.
#[derive(Debug, thiserror::Error)]
#[error(
    "the connection to the city server was lost before it answered: the seats may have been given; check the slot's seats after the next sync before trying again"
)]
struct Unanswered;

impl Coded for Unanswered {
    fn code(&self) -> Code {
        Code::WaitlistReleaseOffline
    }
    fn message_ja(&self) -> String {
        "市のサーバーから返事が届く前に接続が切れました。提供できている場合があります。次の同期のあとで予約枠の残りを確かめてから、必要ならもう一度行ってください。"
            .into()
    }
}

impl Clinic {
    /// Gives `seats` free seats of the private slot `slot_id` to the waiting list. The city checks
    /// the slot and the seats; both slots' new seats reach the cache with a sync round's pull.
    pub async fn release_to_waitlist(&self, slot_id: Uuid, seats: i32) -> Result<ReleasedSeats> {
        // Unsent bookings may hold this slot's seats: the city must count them first.
        let before = self.sync_now().await;
        if !before.online || before.pending > 0 {
            return Err(ClinicError::invalid(&NotSent));
        }
        let token = self.session_token().await?;
        let body = serde_json::json!({ "slot_id": slot_id, "seats": seats });
        let released: ReleasedSeats = self
            .client
            .post_json(&token, RELEASE_PATH, &body)
            .await
            .map_err(|error| match error {
                ClinicError::Unreachable(_) => ClinicError::invalid(&Unanswered),
                other => other,
            })?;
        Ok(released)
    }
}
