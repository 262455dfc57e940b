//! The city admin's API, `/api/v1/admin/…`, for `city_admin` accounts only: the valid-ticket
//! import, accounts and venues, vaccine products, periods with their dose caps, slot reports and
//! reception opening.

pub(super) mod accounts;
pub(super) mod audit;
pub(super) mod periods;
pub(super) mod slot_report_files;
pub(super) mod slot_reports;
pub(super) mod tickets;
pub(super) mod vaccines;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use utoipa_axum::router::OpenApiRouter;
use uuid::Uuid;
use yoyaku_core::period::{DateRange, Period, PeriodSpec};
use yoyaku_core::wire::Role;
use yoyaku_core::{AccountId, Code, Coded, MunicipalityCode};

use super::ApiContext;
use super::auth::CurrentAccount;
use super::error::ApiError;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .merge(tickets::router())
        .merge(accounts::router())
        .merge(audit::router())
        .merge(periods::router())
        .merge(slot_reports::router())
        .merge(slot_report_files::router())
        .merge(vaccines::router())
}

/// The logged-in account, which must be the city's admin (else 403 `auth.forbidden`).
struct Admin {
    municipality_code: MunicipalityCode,
    /// `accounts.id`
    id: Uuid,
}

impl FromRequestParts<ApiContext> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &ApiContext) -> Result<Self, ApiError> {
        let account = CurrentAccount::from_request_parts(parts, ctx).await?;
        account.require_role(Role::CityAdmin)?;
        Ok(Self {
            municipality_code: account.municipality_code,
            id: account.id,
        })
    }
}

/// A rule or the registry refused an admin request; each kind has its status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Refusal {
    #[error("no account has the account ID {0}")]
    AccountNotFound(String),
    #[error("the account {0} is not a clinic")]
    NotAClinic(String),
    #[error("the account ID {0} is already taken")]
    AccountTaken(String),
    #[error("venue number {0} is already taken")]
    VenueTaken(i32),
    #[error("no venue has the number {0}")]
    VenueNotFound(u32),
    #[error("venue {venue} is not run by the clinic {clinic}")]
    VenueOfAnotherClinic { venue: u32, clinic: String },
    #[error("period {0} already exists")]
    PeriodTaken(u32),
    #[error("there is no period {0}")]
    PeriodNotFound(u32),
    #[error("no vaccine has the code {0}")]
    UnknownVaccine(String),
    #[error("the vaccine code {0} is already taken")]
    VaccineTaken(String),
    #[error("no dose cap is set for {clinic} in period {period}")]
    NoCap { period: u32, clinic: String },
    #[error("a cap of {doses} doses is below the {seats} seats already set up")]
    CapBelowSlots { doses: u32, seats: i64 },
    #[error("venue {0} is run by no clinic: the city's own venues take no slot reports")]
    VenueWithoutClinic(u32),
    #[error("there is no slot report {0}")]
    ReportNotFound(Uuid),
    #[error("say why the report goes back, in 1 to {0} characters")]
    ReasonRequired(usize),
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Self::AccountNotFound(_)
            | Self::VenueNotFound(_)
            | Self::PeriodNotFound(_)
            | Self::ReportNotFound(_) => StatusCode::NOT_FOUND,
            Self::AccountTaken(_)
            | Self::VenueTaken(_)
            | Self::PeriodTaken(_)
            | Self::VaccineTaken(_)
            | Self::CapBelowSlots { .. } => StatusCode::CONFLICT,
            Self::NotAClinic(_)
            | Self::VenueOfAnotherClinic { .. }
            | Self::UnknownVaccine(_)
            | Self::NoCap { .. }
            | Self::ReasonRequired(_)
            | Self::VenueWithoutClinic(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl Coded for Refusal {
    fn code(&self) -> Code {
        match self {
            Self::AccountNotFound(_) => Code::AccountNotFound,
            Self::NotAClinic(_) => Code::AccountNotAClinic,
            Self::AccountTaken(_) => Code::AccountDuplicate,
            Self::VenueTaken(_) => Code::VenueDuplicate,
            Self::VenueNotFound(_) => Code::VenueNotFound,
            Self::VenueOfAnotherClinic { .. } => Code::VenueOtherClinic,
            Self::PeriodTaken(_) => Code::PeriodDuplicate,
            Self::PeriodNotFound(_) => Code::PeriodNotFound,
            Self::UnknownVaccine(_) => Code::VaccineUnknown,
            Self::VaccineTaken(_) => Code::VaccineDuplicate,
            Self::NoCap { .. } => Code::PeriodNoCap,
            Self::CapBelowSlots { .. } => Code::PeriodCapBelowSlots,
            Self::ReportNotFound(_) => Code::SlotReportNotFound,
            Self::VenueWithoutClinic(_) => Code::VenueClinicRequired,
            Self::ReasonRequired(_) => Code::SlotReportReasonRequired,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::AccountNotFound(id) => format!("アカウントID「{id}」は登録されていません。"),
            Self::NotAClinic(id) => {
                format!("アカウントID「{id}」は医療機関のアカウントではありません。")
            }
            Self::AccountTaken(id) => format!("アカウントID「{id}」は既に使われています。"),
            Self::VenueTaken(number) => format!("会場番号{number}は既に使われています。"),
            Self::VenueNotFound(number) => {
                format!("会場番号{number}の接種会場は登録されていません。")
            }
            Self::VenueOfAnotherClinic { venue, clinic } => {
                format!("会場番号{venue}は「{clinic}」の接種会場ではありません。")
            }
            Self::PeriodTaken(n) => format!("{}は既に登録されています。", period_label(*n)),
            Self::PeriodNotFound(n) => format!("{}は登録されていません。", period_label(*n)),
            Self::UnknownVaccine(code) => format!("ワクチン「{code}」は登録されていません。"),
            Self::VaccineTaken(code) => format!("ワクチンのコード「{code}」は既に使われています。"),
            Self::NoCap { period, clinic } => format!(
                "「{clinic}」の{}の接種可能上限量が設定されていません。",
                period_label(*period)
            ),
            Self::CapBelowSlots { doses, seats } => {
                format!("接種可能上限量{doses}は、既に設定済の予約枠の枠数{seats}を下回ります。")
            }
            Self::ReportNotFound(_) => {
                "この予約枠報告は見つかりません。画面を更新してください。".into()
            }
            Self::VenueWithoutClinic(number) => {
                format!(
                    "会場番号{number}は医療機関の会場ではないため、予約枠報告は登録できません。"
                )
            }
            Self::ReasonRequired(max) => {
                format!("差し戻す理由を{max}文字以内で入力してください。")
            }
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        ApiError::refused(refusal.status(), refusal)
    }
}

fn period_label(number: u32) -> String {
    yoyaku_core::period::PeriodNumber(number).label_ja()
}

/// A unique violation is `duplicate` (409); any other error stays a database error.
fn or_duplicate(error: sqlx::Error, duplicate: Refusal) -> ApiError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => duplicate.into(),
        _ => error.into(),
    }
}

/// The `accounts.id` of the clinic with the login name `account_id`.
async fn find_clinic(
    db: impl PgExecutor<'_>,
    municipality: MunicipalityCode,
    account_id: &str,
) -> Result<Uuid, ApiError> {
    let account_id = AccountId::parse(account_id).map_err(ApiError::invalid)?;
    let account = sqlx::query!(
        "select id, role from accounts where municipality_code = $1 and account_id = $2",
        municipality.as_string(),
        account_id.as_str(),
    )
    .fetch_optional(db)
    .await?;
    match account {
        None => Err(Refusal::AccountNotFound(account_id.to_string()).into()),
        Some(account) if account.role == Role::Clinic.as_str() => Ok(account.id),
        Some(_) => Err(Refusal::NotAClinic(account_id.to_string()).into()),
    }
}

struct PeriodRow {
    number: i32,
    vaccine_code: String,
    first_dose_first: NaiveDate,
    first_dose_last: NaiveDate,
    second_dose_first: NaiveDate,
    second_dose_last: NaiveDate,
    submission_deadline: NaiveDate,
    correction_deadline: NaiveDate,
    reception_opens: NaiveDate,
    opened_at: Option<DateTime<Utc>>,
}

impl PeriodRow {
    fn into_stored(self) -> Result<StoredPeriod, ApiError> {
        let period = Period::new(PeriodSpec {
            number: self.number.unsigned_abs(),
            first_dose: DateRange {
                first: self.first_dose_first,
                last: self.first_dose_last,
            },
            second_dose: DateRange {
                first: self.second_dose_first,
                last: self.second_dose_last,
            },
            submission_deadline: self.submission_deadline,
            correction_deadline: self.correction_deadline,
            reception_opens: self.reception_opens,
        })
        .map_err(ApiError::internal)?;
        Ok(StoredPeriod {
            period,
            vaccine_code: self.vaccine_code,
            opened_at: self.opened_at,
        })
    }
}

/// A stored period, the vaccine of its slots, and when its reception opened.
pub(in crate::http) struct StoredPeriod {
    pub period: Period,
    pub vaccine_code: String,
    pub opened_at: Option<DateTime<Utc>>,
}

pub(in crate::http) async fn find_period(
    db: impl PgExecutor<'_>,
    municipality: MunicipalityCode,
    number: u32,
) -> Result<StoredPeriod, ApiError> {
    periods(db, municipality, Some(db_period_number(number)?), None)
        .await?
        .pop()
        .ok_or_else(|| Refusal::PeriodNotFound(number).into())
}

/// The municipality's periods, newest first: only `number` when given, and only those where
/// `clinic` has a dose cap when given.
pub(in crate::http) async fn periods(
    db: impl PgExecutor<'_>,
    municipality: MunicipalityCode,
    number: Option<i32>,
    clinic: Option<Uuid>,
) -> Result<Vec<StoredPeriod>, ApiError> {
    let rows = sqlx::query_as!(
        PeriodRow,
        r#"select number, vaccine_code, first_dose_first as "first_dose_first: chrono::NaiveDate",
                first_dose_last as "first_dose_last: chrono::NaiveDate",
                second_dose_first as "second_dose_first: chrono::NaiveDate",
                second_dose_last as "second_dose_last: chrono::NaiveDate",
                submission_deadline as "submission_deadline: chrono::NaiveDate",
                correction_deadline as "correction_deadline: chrono::NaiveDate",
                reception_opens as "reception_opens: chrono::NaiveDate",
                opened_at as "opened_at: DateTime<Utc>"
         from periods p
         where municipality_code = $1 and ($2::int is null or number = $2)
           and ($3::uuid is null or exists (
                   select 1 from period_dose_caps c
                   where c.municipality_code = p.municipality_code
                     and c.period_number = p.number and c.clinic_account_id = $3))
         order by number desc"#,
        municipality.as_string(),
        number,
        clinic,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(PeriodRow::into_stored).collect()
}

/// A period number as the `int` column holds it; larger ones cannot exist.
pub(in crate::http) fn db_period_number(number: u32) -> Result<i32, ApiError> {
    i32::try_from(number).map_err(|_| Refusal::PeriodNotFound(number).into())
}
