//! What this computer holds that the city has not received yet: the intents of the outbox and the
//! 予約枠報告 written offline. An update of the app waits until there is none, so that a new
//! version never has to read work the old one wrote and did not send.

use serde::Serialize;

use crate::engine::Clinic;
use crate::error::Result;

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UnsentWork {
    /// Intents the city has not settled (未送信).
    pub intents: u32,
    /// 予約枠報告 kept to be sent by the next sync.
    pub reports: u32,
}

impl UnsentWork {
    pub fn is_empty(&self) -> bool {
        self.intents == 0 && self.reports == 0
    }
}

impl Clinic {
    pub async fn unsent_work(&self) -> Result<UnsentWork> {
        let counts = sqlx::query!(
            r#"SELECT (SELECT pending FROM outbox_counts) AS "intents!: u32",
                      (SELECT count(*) FROM slot_report_outbox WHERE refusal IS NULL)
                          AS "reports!: u32""#
        )
        .fetch_one(self.store().pool())
        .await?;
        Ok(UnsentWork {
            intents: counts.intents,
            reports: counts.reports,
        })
    }
}
