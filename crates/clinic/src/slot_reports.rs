//! 予約枠報告 from the clinic's app (the notice of 2021-09-27): the clinic's periods with their
//! windows, its cap, what its reports take and the 独自の受付枠 left, each venue's report and the
//! slots the city set up. Read from the city while online and kept in the cache, so the screen
//! reads the same offline. A report written offline waits in its own outbox and is sent by the
//! next sync round; each carries its id, so a resend after a lost answer is the same report.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use yoyaku_core::period::Period;
use yoyaku_core::slot_report::input::{RowInput, read_rows};
use yoyaku_core::slot_report::view::{ClinicPeriod, ClinicReport, VenueReport};
use yoyaku_core::slot_report::{
    Deadline, ReportForm, ReportRow, ReportState, SlotReport, validate,
};
use yoyaku_core::time::tokyo_today;
use yoyaku_core::{Code, Coded};

use crate::city_client::CityClient;
use crate::engine::Clinic;
use crate::error::{ClinicError, Result};
use crate::store::Store;

const PERIODS: &str = "/api/v1/clinic/periods";

/// The 予約枠報告 screen's data.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct SlotReportScreen {
    /// Newest first; empty when the city has set no cap for this clinic (or offline, never read).
    pub periods: Vec<ClinicPeriod>,
    /// When the city sent them; none when this computer never read them.
    pub fetched_at: Option<DateTime<Utc>>,
    /// Read from the city just now (else the cache's copy).
    pub online: bool,
    /// Reports written here that the city has not taken: waiting to be sent, or refused.
    pub unsent: Vec<UnsentReport>,
}

/// A report written on this computer that the city has not taken yet.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct UnsentReport {
    pub id: Uuid,
    pub period_number: u32,
    pub venue_number: u32,
    pub form: ReportForm,
    pub rows: Vec<ReportRow>,
    pub written_at: DateTime<Utc>,
    /// The city's refusal, once it answered with one; none while waiting to be sent.
    pub refusal: Option<Refused>,
}

/// The city's refusal of a report sent from the outbox, in its words.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refused {
    pub code: String,
    pub message_ja: String,
    pub message_en: String,
}

/// A report as the receptionist filled the form.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Deserialize)]
pub struct ReportDraft {
    pub period_number: u32,
    pub venue_number: u32,
    pub form: ReportForm,
    pub rows: Vec<RowInput>,
}

/// What became of a submitted report.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Submitted {
    /// The city took it: 提出済, or 修正依頼 when the venue's slots were set up.
    Sent { report: VenueReport },
    /// Offline: kept here and sent by the next sync round.
    Queued { id: Uuid },
}

/// The period is not in this computer's copy (never read, or no cap for this clinic).
#[derive(Debug, thiserror::Error)]
#[error("period {0} is not on this computer: open the screen again while connected")]
struct PeriodNotKnown(u32);

impl Coded for PeriodNotKnown {
    fn code(&self) -> Code {
        Code::PeriodNotFound
    }
    fn message_ja(&self) -> String {
        format!(
            "第{}期の予約枠報告の情報がこの端末にありません。ネットワークにつないで画面を開き直してください。",
            self.0
        )
    }
}

/// The venue is not this clinic's in the period.
#[derive(Debug, thiserror::Error)]
#[error("venue {0} is not one of this clinic's venues in the period")]
struct VenueNotKnown(u32);

impl Coded for VenueNotKnown {
    fn code(&self) -> Code {
        Code::VenueNotFound
    }
    fn message_ja(&self) -> String {
        format!("会場番号{}はこの医療機関の接種会場ではありません。", self.0)
    }
}

/// A 予約枠報告様式 file, as the form shows it: its cells as they are, so that the receptionist
/// sees and fixes them before submitting.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct ReportFile {
    pub form: ReportForm,
    pub venue_number: u32,
    pub period_number: Option<u32>,
    pub rows: Vec<RowInput>,
}

/// Reads a 予約枠報告様式 Excel file (the city's, filled in by hand or by another program); a file
/// that is not the 様式 is refused naming the sheet or the cell.
pub fn read_report_file(bytes: &[u8]) -> Result<ReportFile> {
    let sheet = yoyaku_report_xlsx::read(bytes).map_err(|e| ClinicError::invalid(&e))?;
    Ok(ReportFile {
        form: sheet.form,
        venue_number: sheet.venue_number,
        period_number: sheet.period_number,
        rows: sheet.rows,
    })
}

impl Clinic {
    /// The form as the city's 予約枠報告様式 Excel file in `dir` (for a clinic that e-mails it),
    /// named `予約枠報告様式<N>_<会場番号>_第<期>期.xlsx` and never over an earlier one.
    pub async fn save_report_file(&self, draft: ReportDraft, dir: PathBuf) -> Result<PathBuf> {
        let current = self.require_login().await?;
        let rows = read_rows(&draft.rows).map_err(|e| ClinicError::invalid(&e))?;
        let header = yoyaku_report_xlsx::SheetHeader {
            period_number: draft.period_number,
            venue_number: draft.venue_number,
            clinic_name: &current.profile.display_name,
        };
        let file = yoyaku_report_xlsx::write(&header, draft.form, &rows)
            .map_err(|e| ClinicError::Internal(format!("the report file: {e}")))?;
        let stem = format!(
            "予約枠報告様式{}_{}_第{}期",
            draft.form.number(),
            draft.venue_number,
            draft.period_number
        );
        tokio::task::spawn_blocking(move || {
            crate::bookings::export::save_new(&dir, &stem, "xlsx", &file)
                .map_err(|source| ClinicError::Export { dir, source })
        })
        .await
        .map_err(|e| ClinicError::Internal(e.to_string()))?
    }

    /// The screen's data: from the city when it can be reached (after sending what waits), else
    /// this computer's copy.
    pub async fn slot_reports(&self) -> Result<SlotReportScreen> {
        self.require_login().await?;
        let fetched = match self.session_token().await {
            Ok(token) => match send_unsent(&self.store, &self.client, &token).await {
                Ok(()) => fetch(&self.store, &self.client, &token).await,
                Err(e) => Err(e),
            },
            Err(ClinicError::LogInAgainOnline) => {
                Err(ClinicError::Unreachable("no session token".into()))
            }
            Err(e) => Err(e),
        };
        let online = match fetched {
            Ok(()) => true,
            Err(e) if e.is_unreachable() => false,
            Err(e) => return Err(e),
        };
        let (periods, fetched_at) = cached(&self.store).await?;
        Ok(SlotReportScreen {
            periods,
            fetched_at,
            online,
            unsent: unsent(&self.store).await?,
        })
    }

    /// Checks the report against this computer's copy of the period (every unreadable cell and
    /// every bad row named at once; nothing kept), then sends it, or keeps it for the next sync.
    pub async fn submit_slot_report(&self, draft: ReportDraft) -> Result<Submitted> {
        self.require_login().await?;
        let rows = read_rows(&draft.rows).map_err(|e| ClinicError::invalid(&e))?;
        let (periods, _) = cached(&self.store).await?;
        let period = periods
            .iter()
            .find(|p| p.period.period.number == draft.period_number)
            .ok_or_else(|| ClinicError::invalid(&PeriodNotKnown(draft.period_number)))?;
        let venue = period
            .venues
            .iter()
            .find(|v| v.report.venue_number == draft.venue_number)
            .ok_or_else(|| ClinicError::invalid(&VenueNotKnown(draft.venue_number)))?;
        let current = venue.report.report.as_ref();
        ReportState::clinic_submission(current.map(|r| r.state))
            .map_err(|e| ClinicError::invalid(&e))?;
        let this_venue = current.map_or(0, |r| i64::from(r.total_seats));
        let others = period.cap.reported_seats - this_venue;
        let left = u32::try_from(i64::from(period.cap.doses) - others).unwrap_or(0);
        let spec = Period::new(period.period.period.clone())
            .map_err(|e| ClinicError::Internal(format!("a cached period: {e}")))?;
        let report = SlotReport {
            form: draft.form,
            venue_number: draft.venue_number,
            rows,
        };
        validate(&report, &spec, left, Deadline::Clinic(tokyo_today()))
            .map_err(|e| ClinicError::invalid(&e))?;

        let report = ClinicReport {
            id: Uuid::new_v4(),
            venue_number: report.venue_number,
            form: report.form,
            rows: report.rows,
        };
        keep(&self.store, draft.period_number, &report).await?;
        let token = match self.session_token().await {
            Ok(token) => token,
            Err(ClinicError::LogInAgainOnline) => return Ok(Submitted::Queued { id: report.id }),
            Err(e) => return Err(e),
        };
        match send(&self.client, &token, draft.period_number, &report).await {
            Ok(view) => {
                forget(&self.store, report.id).await?;
                // The screen reads the city's new view; an old copy is no worse than before.
                if let Err(e) = fetch(&self.store, &self.client, &token).await {
                    tracing::info!(error = %e, "slot report periods not refreshed");
                }
                Ok(Submitted::Sent { report: view })
            }
            Err(e) if e.is_unreachable() => {
                self.wake_sync();
                Ok(Submitted::Queued { id: report.id })
            }
            Err(e) => {
                // Refused while the receptionist waits: said in place, nothing kept.
                forget(&self.store, report.id).await?;
                Err(e)
            }
        }
    }

    /// Drops a report this computer has not got the city to take (a refused one, say).
    pub async fn discard_unsent_report(&self, id: Uuid) -> Result<()> {
        self.require_login().await?;
        forget(&self.store, id).await
    }
}

async fn send(
    client: &CityClient,
    token: &str,
    period_number: u32,
    report: &ClinicReport,
) -> Result<VenueReport> {
    let path = format!("{PERIODS}/{period_number}/slot-reports");
    client.post_json(token, &path, report).await
}

/// Reads the clinic's periods from the city into the cache.
async fn fetch(store: &Store, client: &CityClient, token: &str) -> Result<()> {
    let periods: Vec<ClinicPeriod> = client.get_json(token, PERIODS, &()).await?;
    let body = serde_json::to_string(&periods)
        .map_err(|e| ClinicError::Internal(format!("slot report periods: {e}")))?;
    let now = Utc::now();
    sqlx::query!(
        "INSERT INTO slot_report_periods (singleton, body, fetched_at) VALUES (1, ?, ?)
         ON CONFLICT (singleton) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
        body,
        now,
    )
    .execute(store.pool())
    .await?;
    Ok(())
}

async fn cached(store: &Store) -> Result<(Vec<ClinicPeriod>, Option<DateTime<Utc>>)> {
    let copy = sqlx::query!(
        r#"SELECT body, fetched_at AS "fetched_at: DateTime<Utc>" FROM slot_report_periods"#
    )
    .fetch_optional(store.pool())
    .await?;
    match copy {
        None => Ok((Vec::new(), None)),
        Some(copy) => Ok((
            serde_json::from_str(&copy.body)
                .map_err(|e| ClinicError::Internal(format!("cached slot report periods: {e}")))?,
            Some(copy.fetched_at),
        )),
    }
}

async fn keep(store: &Store, period_number: u32, report: &ClinicReport) -> Result<()> {
    let id = report.id.to_string();
    let body = serde_json::to_string(report)
        .map_err(|e| ClinicError::Internal(format!("slot report: {e}")))?;
    let now = Utc::now();
    sqlx::query!(
        "INSERT INTO slot_report_outbox (id, period_number, body, written_at) VALUES (?, ?, ?, ?)",
        id,
        period_number,
        body,
        now,
    )
    .execute(store.pool())
    .await?;
    Ok(())
}

async fn forget(store: &Store, id: Uuid) -> Result<()> {
    let id = id.to_string();
    sqlx::query!("DELETE FROM slot_report_outbox WHERE id = ?", id)
        .execute(store.pool())
        .await?;
    Ok(())
}

struct OutboxRow {
    id: String,
    period_number: i64,
    body: String,
    written_at: DateTime<Utc>,
    refusal: Option<String>,
}

async fn outbox(store: &Store) -> Result<Vec<OutboxRow>> {
    Ok(sqlx::query_as!(
        OutboxRow,
        r#"SELECT id, period_number, body, written_at AS "written_at: DateTime<Utc>", refusal
           FROM slot_report_outbox ORDER BY written_at"#
    )
    .fetch_all(store.pool())
    .await?)
}

fn read(row: &OutboxRow) -> Result<(u32, ClinicReport)> {
    let report = serde_json::from_str(&row.body)
        .map_err(|e| ClinicError::Internal(format!("a kept slot report: {e}")))?;
    let period = u32::try_from(row.period_number)
        .map_err(|e| ClinicError::Internal(format!("a kept slot report's period: {e}")))?;
    Ok((period, report))
}

async fn unsent(store: &Store) -> Result<Vec<UnsentReport>> {
    outbox(store)
        .await?
        .iter()
        .map(|row| {
            let (period_number, report) = read(row)?;
            Ok(UnsentReport {
                id: report.id,
                period_number,
                venue_number: report.venue_number,
                form: report.form,
                rows: report.rows,
                written_at: row.written_at,
                refusal: row
                    .refusal
                    .as_deref()
                    .and_then(|r| serde_json::from_str(r).ok()),
            })
        })
        .collect()
}

/// Sends the reports waiting here, oldest first; a refusal is kept for the screen, the network
/// failing stops the round with the rest still waiting.
pub(crate) async fn send_unsent(store: &Store, client: &CityClient, token: &str) -> Result<()> {
    for row in outbox(store).await? {
        if row.refusal.is_some() {
            continue;
        }
        let (period_number, report) = read(&row)?;
        match send(client, token, period_number, &report).await {
            Ok(_) => forget(store, report.id).await?,
            Err(ClinicError::Rejected(problem)) => {
                let refused = Refused {
                    code: problem.code,
                    message_ja: problem.message_ja,
                    message_en: problem.message_en,
                };
                let refusal = serde_json::to_string(&refused)
                    .map_err(|e| ClinicError::Internal(format!("a refusal: {e}")))?;
                sqlx::query!(
                    "UPDATE slot_report_outbox SET refusal = ? WHERE id = ?",
                    refusal,
                    row.id,
                )
                .execute(store.pool())
                .await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
