//! Where a venue's 予約枠報告 stands in the notice's workflow: the clinic submits (提出済), the city
//! sets the slots up (セットアップ済) and asks the clinic to check them; either side may ask for a
//! correction (修正依頼: the clinic with a corrected report, the city by sending the report back
//! with its reason), and the city confirms the set-up slots (確定). A venue without a report is
//! 未提出. Each submission is a new report; the one it replaces is kept as `superseded`, so what
//! was asked and when stays on record.

use serde::{Deserialize, Serialize};

use crate::code::Code;
use crate::error::Coded;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReportState {
    /// 提出済: received, not set up yet.
    Submitted,
    /// セットアップ済: the slots are set up; the clinic checks them.
    SetUp,
    /// 修正依頼 from the clinic: a corrected report for slots already set up, not set up yet.
    CorrectionRequested,
    /// 修正依頼 from the city: sent back to the clinic with a reason, to be submitted again.
    Returned,
    /// 確定: the city confirmed the set-up slots; only the city changes them now.
    Confirmed,
    /// Replaced by a later report of the same venue.
    Superseded,
}

/// What someone tried to do with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportAction {
    SetUp,
    SendBack,
    Confirm,
    /// The clinic submits a new or corrected report for the venue.
    Resubmit,
}

impl ReportAction {
    fn label_ja(self) -> &'static str {
        match self {
            Self::SetUp => "セットアップ",
            Self::SendBack => "差し戻し",
            Self::Confirm => "確定",
            Self::Resubmit => "再提出",
        }
    }

    fn label_en(self) -> &'static str {
        match self {
            Self::SetUp => "set up",
            Self::SendBack => "sent back",
            Self::Confirm => "confirmed",
            Self::Resubmit => "resubmitted",
        }
    }
}

/// The action does not apply to a report in this state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("a report that is {} cannot be {}", .state.as_str(), .action.label_en())]
pub struct StateError {
    pub state: ReportState,
    pub action: ReportAction,
}

impl Coded for StateError {
    fn code(&self) -> Code {
        match (self.state, self.action) {
            (ReportState::Confirmed, ReportAction::Resubmit) => Code::SlotReportConfirmed,
            _ => Code::SlotReportState,
        }
    }
    fn message_ja(&self) -> String {
        match (self.state, self.action) {
            (ReportState::Confirmed, ReportAction::Resubmit) => {
                "予約枠は市が確定しました。修正は医療機関専用ダイヤルへご連絡ください。".into()
            }
            (state, action) => format!(
                "「{}」の報告は{}できません。画面を更新して最新の状態をご確認ください。",
                state.label_ja(),
                action.label_ja()
            ),
        }
    }
}

impl ReportState {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::SetUp => "set_up",
            Self::CorrectionRequested => "correction_requested",
            Self::Returned => "returned",
            Self::Confirmed => "confirmed",
            Self::Superseded => "superseded",
        }
    }

    /// The state as the database stores it (`slot_reports.state`).
    pub fn parse(stored: &str) -> Option<Self> {
        [
            Self::Submitted,
            Self::SetUp,
            Self::CorrectionRequested,
            Self::Returned,
            Self::Confirmed,
            Self::Superseded,
        ]
        .into_iter()
        .find(|s| s.as_str() == stored)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Submitted => "提出済",
            Self::SetUp => "セットアップ済",
            Self::CorrectionRequested => "修正依頼（医療機関から）",
            Self::Returned => "修正依頼（市から差し戻し）",
            Self::Confirmed => "確定",
            Self::Superseded => "差し替え済",
        }
    }

    fn then(self, action: ReportAction, allowed: &[Self], next: Self) -> Result<Self, StateError> {
        if allowed.contains(&self) {
            Ok(next)
        } else {
            Err(StateError {
                state: self,
                action,
            })
        }
    }

    /// The city sets up a received report's slots.
    pub fn set_up(self) -> Result<Self, StateError> {
        use ReportState::*;
        self.then(
            ReportAction::SetUp,
            &[Submitted, CorrectionRequested],
            SetUp,
        )
    }

    /// The city sends a report back to the clinic for correction.
    pub fn send_back(self) -> Result<Self, StateError> {
        use ReportState::*;
        self.then(
            ReportAction::SendBack,
            &[Submitted, CorrectionRequested, SetUp],
            Returned,
        )
    }

    /// The city confirms slots it set up.
    pub fn confirm(self) -> Result<Self, StateError> {
        use ReportState::*;
        self.then(ReportAction::Confirm, &[SetUp], Confirmed)
    }

    /// The state of a clinic's new report, given the venue's current one: a correction once slots
    /// are set up, a plain submission otherwise. Refused once the city confirmed.
    pub fn clinic_submission(current: Option<Self>) -> Result<Self, StateError> {
        use ReportState::*;
        match current {
            None => Ok(Submitted),
            Some(current) => current.then(
                ReportAction::Resubmit,
                &[Submitted, Returned, SetUp, CorrectionRequested],
                if matches!(current, SetUp | CorrectionRequested) {
                    CorrectionRequested
                } else {
                    Submitted
                },
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReportState::*;
    use super::*;

    #[test]
    fn the_notices_workflow_runs_from_submission_to_confirmation() {
        let submitted = ReportState::clinic_submission(None).unwrap();
        assert_eq!(submitted, Submitted);
        let set_up = submitted.set_up().unwrap();
        assert_eq!(set_up, SetUp);
        let correction = ReportState::clinic_submission(Some(set_up)).unwrap();
        assert_eq!(correction, CorrectionRequested);
        assert_eq!(correction.set_up().unwrap().confirm().unwrap(), Confirmed);
    }

    #[test]
    fn a_report_sent_back_is_submitted_again_and_a_confirmed_one_is_the_citys() {
        let returned = SetUp.send_back().unwrap();
        assert_eq!(returned, Returned);
        assert_eq!(
            ReportState::clinic_submission(Some(returned)),
            Ok(Submitted)
        );
        let refused = ReportState::clinic_submission(Some(Confirmed)).unwrap_err();
        assert_eq!(refused.code(), Code::SlotReportConfirmed);
        assert!(refused.message_ja().contains("医療機関専用ダイヤル"));
    }

    #[test]
    fn actions_out_of_turn_are_refused_with_the_state_named() {
        for (result, state) in [
            (Returned.set_up(), Returned),
            (Confirmed.set_up(), Confirmed),
            (Submitted.confirm(), Submitted),
            (Confirmed.send_back(), Confirmed),
            (Superseded.confirm(), Superseded),
        ] {
            let error = result.unwrap_err();
            assert_eq!(error.state, state);
            assert_eq!(error.code(), Code::SlotReportState);
            assert!(error.message_ja().contains(state.label_ja()));
        }
        assert!(ReportState::clinic_submission(Some(Superseded)).is_err());
    }

    #[test]
    fn stored_states_read_back() {
        for state in [
            Submitted,
            SetUp,
            CorrectionRequested,
            Returned,
            Confirmed,
            Superseded,
        ] {
            assert_eq!(ReportState::parse(state.as_str()), Some(state));
        }
        assert_eq!(ReportState::parse("pending"), None);
    }
}
