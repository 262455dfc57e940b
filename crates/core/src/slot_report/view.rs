//! 予約枠報告 as the city shows it: to its console (every clinic of a period) and to a clinic's
//! app (its own periods, kept in the app's cache for offline reading). One set of types, so both
//! sides read the same JSON.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ReportForm, ReportRow, ReportState};
use crate::period::PeriodSpec;
use crate::slot::Visibility;

/// A venue's live report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportView {
    pub id: Uuid,
    pub state: ReportState,
    /// The state as the notice words it (提出済, セットアップ済 …).
    pub state_ja: String,
    pub form: ReportForm,
    pub rows: Vec<ReportRow>,
    pub total_seats: u32,
    /// The clinic's 接種可能上限量 when the report was taken, and what its venues' reports left
    /// of it then (独自の受付枠).
    pub dose_cap: u32,
    pub own_reception: u32,
    pub submitted_at: DateTime<Utc>,
    /// Entered by the city from a form it received (by e-mail, by FAX), not by the clinic.
    pub entered_by_city: bool,
    /// Entered after 修正受付期限, with the notice's warning.
    pub late: bool,
    /// The city's reason when it sent the report back.
    pub returned_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A venue of a clinic taking part in a period, with its live report (none: 未提出).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VenueReport {
    /// The clinic's アカウントID and name.
    pub clinic_account_id: String,
    pub clinic_name: String,
    pub venue_number: u32,
    pub venue_name: String,
    pub report: Option<ReportView>,
}

/// A clinic's 接種可能上限量 in a period and what its venues' reports take of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClinicCap {
    pub clinic_account_id: String,
    pub clinic_name: String,
    pub doses: u32,
    /// The seats of its venues' live reports (set up or not).
    pub reported_seats: i64,
    /// 独自の受付枠: the cap less the reported seats.
    pub own_reception: i64,
    /// The seats of its venues' slots of the period as set up.
    pub set_up_seats: i64,
}

/// A period as the console and the clinics list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodListed {
    #[serde(flatten)]
    pub period: PeriodSpec,
    /// 第８期
    pub label_ja: String,
    pub vaccine_code: String,
    /// When reception opened (by itself at 受付開始, or by an administrator); none before.
    pub opened_at: Option<DateTime<Utc>>,
    /// Whether clinics may still submit and correct reports today (until 修正受付期限).
    pub accepts_reports: bool,
}

/// A slot the city set up from a report, as the clinic checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportedSlot {
    /// 予約枠名, as the notice names it.
    pub name: String,
    pub date: NaiveDate,
    /// HH:MM in Tokyo.
    pub start: String,
    pub end: String,
    pub visibility: Visibility,
    pub capacity: i32,
    pub booked: i32,
}

/// A clinic's venue in a period: its report and the slots set up for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClinicVenue {
    #[serde(flatten)]
    pub report: VenueReport,
    pub slots: Vec<ReportedSlot>,
}

/// A period as a clinic sees it: its cap, its venues' reports and slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClinicPeriod {
    #[serde(flatten)]
    pub period: PeriodListed,
    pub cap: ClinicCap,
    pub venues: Vec<ClinicVenue>,
}

/// A clinic's report as it sends it; `id` makes a resend after a lost answer the same report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClinicReport {
    pub id: Uuid,
    pub venue_number: u32,
    pub form: ReportForm,
    pub rows: Vec<ReportRow>,
}
