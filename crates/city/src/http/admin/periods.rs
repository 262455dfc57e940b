//! 第N期 and their 接種可能上限量:
//! - `POST /api/v1/admin/periods` {number, first_dose: {first, last}, second_dose: {first, last},
//!   submission_deadline, correction_deadline, reception_opens, vaccine_code} → 201 period
//! - `PUT /api/v1/admin/periods/{n}/caps/{account_id}` {doses} → the clinic's cap, seats set up
//!   and 独自の受付枠
//! - `POST /api/v1/admin/periods/{n}/open` → reception opens now rather than at 受付開始, and
//!   earlier periods' public slots turn private (see [`crate::admin::opening`]); idempotent

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use yoyaku_core::period::{Period, PeriodSpec};

use super::super::ApiContext;
use super::super::error::ApiError;
use super::super::extract::ApiJson;
use super::{
    Admin, Refusal, StoredPeriod, db_period_number, find_clinic, find_period, or_duplicate, periods,
};
use crate::admin::opening::{self, Opener};
use crate::admin::reports;
use crate::audit::{self, AdminEntity};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yoyaku_core::slot_report::view::{ClinicCap, PeriodListed, VenueReport};
use yoyaku_core::time::tokyo_today;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(create_period, list_periods))
        .routes(routes!(period_overview))
        .routes(routes!(set_cap))
        .routes(routes!(open_period))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewPeriod {
    #[serde(flatten)]
    spec: PeriodSpec,
    /// The vaccine of the slots set up from the period's reports.
    vaccine_code: String,
}

/// A period as the city set it up. Its schema has a name of its own: sync's `PeriodInfo` is
/// another shape, and two schemas of one name would silently replace each other.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PeriodSetUp)]
struct PeriodInfo {
    #[serde(flatten)]
    period: Period,
    /// 第８期
    label_ja: String,
    vaccine_code: String,
}

impl From<StoredPeriod> for PeriodListed {
    fn from(stored: StoredPeriod) -> Self {
        Self {
            label_ja: stored.period.number().label_ja(),
            accepts_reports: stored.period.accepts_reports_on(tokyo_today()),
            period: stored.period.spec().clone(),
            vaccine_code: stored.vaccine_code,
            opened_at: stored.opened_at,
        }
    }
}

/// Every period, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/admin/periods",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The periods, newest first", body = [PeriodListed]),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn list_periods(
    admin: Admin,
    State(ctx): State<ApiContext>,
) -> Result<Json<Vec<PeriodListed>>, ApiError> {
    let stored = periods(&ctx.db, admin.municipality_code, None, None).await?;
    Ok(Json(stored.into_iter().map(PeriodListed::from).collect()))
}

/// A period with each clinic's cap and each venue's report.
#[derive(Serialize, utoipa::ToSchema)]
struct PeriodOverview {
    #[serde(flatten)]
    period: PeriodListed,
    caps: Vec<ClinicCap>,
    /// Every venue of the clinics with a cap; `report` none is 未提出.
    venues: Vec<VenueReport>,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/periods/{number}",
    tag = "admin",
    security(("bearer" = [])),
    params(("number" = u32, Path, description = "第N期")),
    responses(
        (status = 200, description = "The period, its caps and its venues' reports with their states", body = PeriodOverview),
        (status = 404, description = "`period.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn period_overview(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(number): Path<u32>,
) -> Result<Json<PeriodOverview>, ApiError> {
    let municipality = admin.municipality_code;
    let period = find_period(&ctx.db, municipality, number).await?;
    let db_number = db_period_number(number)?;
    let caps = reports::caps(&ctx.db, municipality, db_number, None).await?;
    let venues = reports::venue_reports(&ctx.db, municipality, db_number, None).await?;
    Ok(Json(PeriodOverview {
        period: period.into(),
        caps,
        venues,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/periods",
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewPeriod,
    responses(
        (status = 201, description = "The period", body = PeriodInfo),
        (status = 400, description = "Dates out of order, or a malformed body", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`period.duplicate`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`vaccine.unknown`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn create_period(
    admin: Admin,
    State(ctx): State<ApiContext>,
    ApiJson(new): ApiJson<NewPeriod>,
) -> Result<(StatusCode, Json<PeriodInfo>), ApiError> {
    let period = Period::new(new.spec).map_err(ApiError::invalid)?;
    let spec = period.spec();
    let number = spec.number;
    let mut tx = ctx.db.begin().await?;
    let db_number = i32::try_from(number).map_err(|_| ApiError::Request {
        status: StatusCode::BAD_REQUEST,
        detail: format!("the period number {number} is too large"),
    })?;
    sqlx::query!(
        "insert into periods (municipality_code, number, vaccine_code,
                              first_dose_first, first_dose_last, second_dose_first, second_dose_last,
                              submission_deadline, correction_deadline, reception_opens)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        admin.municipality_code.as_string(),
        db_number,
        &new.vaccine_code,
        spec.first_dose.first as _,
        spec.first_dose.last as _,
        spec.second_dose.first as _,
        spec.second_dose.last as _,
        spec.submission_deadline as _,
        spec.correction_deadline as _,
        spec.reception_opens as _,
    )
    .execute(&mut *tx)
    .await
    .map_err(|error| match &error {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            Refusal::UnknownVaccine(new.vaccine_code.clone()).into()
        }
        _ => or_duplicate(error, Refusal::PeriodTaken(number)),
    })?;
    let after = json!({ "spec": spec, "vaccine_code": new.vaccine_code });
    audit::record_admin(
        &mut tx,
        admin.municipality_code,
        admin.id,
        "period.create",
        AdminEntity::Period(number),
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(PeriodInfo {
            label_ja: period.number().label_ja(),
            period,
            vaccine_code: new.vaccine_code,
        }),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewCap {
    /// 接種可能上限量
    doses: u32,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CapInfo {
    period_number: u32,
    clinic_account_id: String,
    /// 接種可能上限量
    doses: u32,
    /// Seats of the period's slots set up at the clinic's venues.
    seats: i64,
    /// 独自の受付枠: the doses no slot report claims.
    own_reception: i64,
}

#[utoipa::path(
    put,
    path = "/api/v1/admin/periods/{number}/caps/{account_id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("number" = u32, Path, description = "第N期"), ("account_id" = String, Path, description = "The clinic's アカウントID")),
    request_body = NewCap,
    responses(
        (status = 200, description = "The clinic's cap, seats set up and 独自の受付枠", body = CapInfo),
        (status = 400, description = "A malformed account ID or too many doses", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`period.not_found` or `account.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`period.cap_below_slots`: the cap is below the seats already set up", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`account.not_a_clinic`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn set_cap(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path((number, account_id)): Path<(u32, String)>,
    ApiJson(new): ApiJson<NewCap>,
) -> Result<Json<CapInfo>, ApiError> {
    let municipality = admin.municipality_code;
    let db_number = db_period_number(number)?;
    let mut tx = ctx.db.begin().await?;
    find_period(&mut *tx, municipality, number).await?;
    let clinic = find_clinic(&mut *tx, municipality, &account_id).await?;
    let doses = i32::try_from(new.doses).map_err(|_| ApiError::Request {
        status: StatusCode::BAD_REQUEST,
        detail: format!("{} doses is too many", new.doses),
    })?;
    // The upsert locks the cap row, which a slot report of the clinic locks too: the seats
    // counted next cannot change before this commits.
    sqlx::query!(
        "insert into period_dose_caps (municipality_code, period_number, clinic_account_id, doses)
         values ($1, $2, $3, $4)
         on conflict (municipality_code, period_number, clinic_account_id)
             do update set doses = excluded.doses, updated_at = now()",
        municipality.as_string(),
        db_number,
        clinic,
        doses,
    )
    .execute(&mut *tx)
    .await?;
    let seats = sqlx::query_scalar!(
        r#"select coalesce(sum(s.capacity), 0)::bigint as "seats!"
           from slots s
           join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
           where s.municipality_code = $1 and s.period_number = $2 and v.clinic_account_id = $3"#,
        municipality.as_string(),
        db_number,
        clinic,
    )
    .fetch_one(&mut *tx)
    .await?;
    if i64::from(doses) < seats {
        return Err(Refusal::CapBelowSlots {
            doses: new.doses,
            seats,
        }
        .into());
    }
    let entity = AdminEntity::DoseCap {
        period: number,
        clinic: account_id.trim(),
    };
    audit::record_admin(
        &mut tx,
        municipality,
        admin.id,
        "dose_cap.set",
        entity,
        &json!({ "doses": new.doses }),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(CapInfo {
        period_number: number,
        clinic_account_id: account_id.trim().to_owned(),
        doses: new.doses,
        seats,
        own_reception: i64::from(doses) - seats,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Opened {
    period_number: u32,
    /// When reception first opened.
    opened_at: DateTime<Utc>,
    /// Public slots of earlier periods this call turned private (0 when repeated).
    slots_made_private: u64,
    /// All it turned private since it first opened.
    slots_made_private_total: i32,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/periods/{number}/open",
    tag = "admin",
    security(("bearer" = [])),
    params(("number" = u32, Path, description = "第N期")),
    responses(
        (status = 200, description = "Opened now (idempotent): its 公開枠 on offer, earlier periods' public slots private. Unless opened earlier, a period opens by itself at the start of its `reception_opens` day in Tokyo", body = Opened),
        (status = 404, description = "`period.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn open_period(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(number): Path<u32>,
) -> Result<Json<Opened>, ApiError> {
    let db_number = db_period_number(number)?;
    let mut tx = ctx.db.begin().await?;
    let opened = opening::open(
        &mut tx,
        admin.municipality_code,
        db_number,
        Opener::Admin(admin.id),
    )
    .await?
    .ok_or(Refusal::PeriodNotFound(number))?;
    tx.commit().await?;
    Ok(Json(Opened {
        period_number: number,
        opened_at: opened.opened_at,
        slots_made_private: opened.slots_made_private,
        slots_made_private_total: opened.slots_made_private_total,
    }))
}
