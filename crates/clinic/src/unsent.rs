//! What this computer holds that the city has not accepted yet: the intents of the outbox still
//! to be sent, the refused ones kept to be sent again from 同期の問題, and the 予約枠報告 written
//! offline (sent by the next sync, or kept with the city's refusal). An update of the app waits
//! until there is none, so that a new version never has to send what an old one wrote.

use serde::Serialize;

use crate::engine::Clinic;
use crate::error::Result;

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UnsentWork {
    /// Intents the city has not settled (未送信).
    pub intents: u32,
    /// Intents the city refused, kept until resolved in 同期の問題 (which may send them again).
    pub problems: u32,
    /// 予約枠報告 kept on this computer: to be sent, or refused and not yet discarded.
    pub reports: u32,
}

impl UnsentWork {
    pub fn is_empty(&self) -> bool {
        self.intents == 0 && self.problems == 0 && self.reports == 0
    }
}

impl Clinic {
    pub async fn unsent_work(&self) -> Result<UnsentWork> {
        let counts = sqlx::query!(
            r#"SELECT pending AS "intents!: u32", rejected AS "problems!: u32",
                      (SELECT count(*) FROM slot_report_outbox) AS "reports!: u32"
               FROM outbox_counts"#
        )
        .fetch_one(self.store().pool())
        .await?;
        Ok(UnsentWork {
            intents: counts.intents,
            problems: counts.problems,
            reports: counts.reports,
        })
    }
}
