//! 接種ワクチン, which are data, not code:
//! - `POST /api/v1/admin/vaccines` {code, name_ja, name_en, doses_per_vial, usable_hours,
//!   standard_days, earliest_days, warn_after_days} → 201 vaccine
//! - `GET /api/v1/admin/vaccines` → {vaccines: [vaccine]}
//!
//! A product is added, never changed: its bookings and the clinics' caches apply its rules.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yoyaku_core::vaccine::{DoseInterval, VaccineProduct, VaccineSpec};

use super::super::ApiContext;
use super::super::error::ApiError;
use super::super::extract::ApiJson;
use super::{Admin, Refusal, or_duplicate};
use crate::audit::{self, AdminEntity};

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(add_vaccine, list_vaccines))
}

/// A product as the city stores it: every interval is given.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
struct Vaccine {
    /// 1 to 32 lowercase letters, digits, `_` or `-` (`pfizer`).
    code: String,
    name_ja: String,
    name_en: String,
    /// Doses a vial gives (ファイザー社: 6 with low-dead-space syringes).
    doses_per_vial: u32,
    /// Hours a vial may be used after dilution or first puncture (ファイザー社: 6).
    usable_hours: u32,
    /// Days to the next dose as a rule (ファイザー社: 21, the same weekday three weeks later).
    standard_days: u32,
    /// Fewer days than this are refused (ファイザー社: 19).
    earliest_days: u32,
    /// More days than this are booked with a warning (ファイザー社: 42).
    warn_after_days: u32,
}

#[derive(Serialize, utoipa::ToSchema)]
struct VaccineList {
    /// By code.
    vaccines: Vec<Vaccine>,
}

/// A count as the `int` columns hold it; the product's own checks bound the rest.
fn column(n: u32) -> Result<i32, ApiError> {
    i32::try_from(n).map_err(|_| ApiError::Request {
        status: StatusCode::BAD_REQUEST,
        detail: format!("{n} is too large"),
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/vaccines",
    tag = "admin",
    security(("bearer" = [])),
    request_body = Vaccine,
    responses(
        (status = 201, description = "The vaccine product", body = Vaccine),
        (status = 400, description = "`vaccine.code`, `vaccine.name`, `vaccine.vial`, `vaccine.interval` (1 ≤ earliest ≤ standard ≤ warn-after), or a malformed body", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`vaccine.duplicate`: the code is taken", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn add_vaccine(
    admin: Admin,
    State(ctx): State<ApiContext>,
    ApiJson(new): ApiJson<Vaccine>,
) -> Result<(StatusCode, Json<Vaccine>), ApiError> {
    let product = VaccineProduct::new(VaccineSpec {
        code: new.code.trim().to_owned(),
        name_ja: new.name_ja.trim().to_owned(),
        name_en: new.name_en.trim().to_owned(),
        doses_per_vial: new.doses_per_vial,
        usable_hours: new.usable_hours,
        interval: DoseInterval {
            standard_days: new.standard_days,
            earliest_days: new.earliest_days,
            warn_after_days: Some(new.warn_after_days),
        },
    })
    .map_err(ApiError::invalid)?;
    let spec = product.spec();
    let mut tx = ctx.db.begin().await?;
    sqlx::query!(
        "insert into vaccines (municipality_code, code, name_ja, name_en, doses_per_vial,
                               usable_hours_after_dilution, dose_interval_days,
                               earliest_interval_days, warn_after_days)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        admin.municipality_code.as_string(),
        spec.code,
        spec.name_ja,
        spec.name_en,
        column(spec.doses_per_vial)?,
        column(spec.usable_hours)?,
        column(new.standard_days)?,
        column(new.earliest_days)?,
        column(new.warn_after_days)?,
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| or_duplicate(e, Refusal::VaccineTaken(spec.code.clone())))?;
    let stored = Vaccine {
        code: spec.code.clone(),
        name_ja: spec.name_ja.clone(),
        name_en: spec.name_en.clone(),
        ..new
    };
    audit::record_admin(
        &mut tx,
        admin.municipality_code,
        admin.id,
        "vaccine.create",
        AdminEntity::Vaccine(&stored.code),
        &json!(stored),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/vaccines",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The municipality's vaccine products, by code", body = VaccineList),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn list_vaccines(
    admin: Admin,
    State(ctx): State<ApiContext>,
) -> Result<Json<VaccineList>, ApiError> {
    let rows = sqlx::query!(
        "select code, name_ja, name_en, doses_per_vial, usable_hours_after_dilution,
                dose_interval_days, earliest_interval_days, warn_after_days
         from vaccines where municipality_code = $1 order by code",
        admin.municipality_code.as_string(),
    )
    .fetch_all(&ctx.db)
    .await?;
    // The schema keeps every count positive.
    let count = |n: i32| n.unsigned_abs();
    let vaccines = rows
        .into_iter()
        .map(|row| Vaccine {
            code: row.code,
            name_ja: row.name_ja,
            name_en: row.name_en,
            doses_per_vial: count(row.doses_per_vial),
            usable_hours: count(row.usable_hours_after_dilution),
            standard_days: count(row.dose_interval_days),
            earliest_days: count(row.earliest_interval_days),
            warn_after_days: count(row.warn_after_days),
        })
        .collect();
    Ok(Json(VaccineList { vaccines }))
}
