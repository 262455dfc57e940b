//! ★ 残液の案内 from 受付: doses left in an open vial are offered to the city's waiting list, as
//! a public slot at this clinic's venue (the city offers its seats to the first in line, and the
//! rest stay public). The line is the city's, so this works online only; offline nothing is sent
//! and the receptionist is told so.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use yoyaku_core::time::tokyo_date_time;
use yoyaku_core::{Code, Coded};

use crate::engine::Clinic;
use crate::error::{ClinicError, Result};

const OPEN_VIAL_PATH: &str = "/api/v1/waitlist/open-vial";

/// What the city made of the doses.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenVialOffered {
    /// 予約枠名: 【残液】<会場番号>.<YYYYMMDD>.<HHMM>
    pub slot_name: String,
    /// The Asia/Tokyo time the residents come, HH:MM.
    pub start_time: String,
    /// The slot's seats.
    pub capacity: i32,
    /// Residents in line offered one of them.
    pub offered: u64,
}

#[derive(Deserialize)]
struct Answer {
    slot_name: String,
    starts_at: DateTime<Utc>,
    capacity: i32,
    offered: u64,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "the waiting list is on the city server, which cannot be reached now; offer the doses when back online, or call the call center"
)]
struct Offline;

impl Coded for Offline {
    fn code(&self) -> Code {
        Code::WaitlistOpenVialOffline
    }
    fn message_ja(&self) -> String {
        "キャンセル待ちは市のサーバーにあり、今は接続できません。オンラインに戻ってから案内するか、コールセンターに連絡してください。何も送信していません。"
            .into()
    }
}

impl Clinic {
    /// Offers `doses` left in an open vial of `vaccine_code` at `venue_id` to the waiting list,
    /// for residents to come at `starts_at`. The city checks the doses, the time and the venue.
    pub async fn offer_open_vial(
        &self,
        venue_id: Uuid,
        vaccine_code: &str,
        doses: i32,
        starts_at: DateTime<Utc>,
    ) -> Result<OpenVialOffered> {
        let token = self.session_token().await?;
        let body = serde_json::json!({
            "venue_id": venue_id, "vaccine": vaccine_code, "doses": doses, "starts_at": starts_at,
        });
        let answer: Answer = self
            .client
            .post_json(&token, OPEN_VIAL_PATH, &body)
            .await
            .map_err(|error| match error {
                ClinicError::Unreachable(_) => ClinicError::invalid(&Offline),
                other => other,
            })?;
        Ok(OpenVialOffered {
            slot_name: answer.slot_name,
            start_time: tokyo_date_time(answer.starts_at)
                .1
                .format("%H:%M")
                .to_string(),
            capacity: answer.capacity,
            offered: answer.offered,
        })
    }
}
