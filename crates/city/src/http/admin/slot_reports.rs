//! `POST /api/v1/admin/periods/{n}/slot-reports`: a clinic's 予約枠報告様式 as the city received
//! it, {clinic_account_id, venue_number, form: public_only|private_only|both,
//! rows: [{date, start, end, public_seats, private_seats}]}.
//!
//! Checked by [`yoyaku_core::slot_report::validate`] against the period and what the clinic's
//! cap leaves after its other venues, as of today in Tokyo: 422 `slot_report.invalid` naming
//! every bad row. Accepted, it sets up the venue's slots of the period with the notice's names
//! (replacing an earlier report's, see [`crate::admin::slot_setup`]; 409 naming booked slots it
//! would lose), keeps the report, and answers 201 with the slots and 独自の受付枠.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::slot_report::{self, ReportForm, ReportRow, SlotReport};
use yoyaku_core::time::tokyo_today;

use super::super::ApiContext;
use super::super::error::ApiError;
use super::super::extract::ApiJson;
use super::{Admin, Refusal, db_period_number, find_clinic, find_period};
use crate::admin::slot_setup::{self, SetUpError, SetUpSlot, Target};
use crate::audit::{self, AdminEntity};

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(submit_report))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ReportRequest {
    /// アカウントID of the reporting clinic.
    clinic_account_id: String,
    venue_number: u32,
    form: ReportForm,
    rows: Vec<ReportRow>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct AcceptedReport {
    report_id: Uuid,
    period_number: u32,
    venue_number: u32,
    form: ReportForm,
    /// The clinic's 接種可能上限量 for the period, over all its venues.
    dose_cap: u32,
    total_seats: u32,
    /// 独自の受付枠: the cap less the seats of all the clinic's venues.
    own_reception: u32,
    /// The venue's slots of the period, as set up now.
    slots: Vec<SetUpSlot>,
    /// Slots of an earlier report that this one no longer has.
    removed_slots: usize,
}

/// Receives a clinic's 予約枠報告様式 and sets up the venue's slots of the period.
#[utoipa::path(
    post,
    path = "/api/v1/admin/periods/{number}/slot-reports",
    tag = "admin",
    security(("bearer" = [])),
    params(("number" = u32, Path, description = "第N期")),
    request_body = ReportRequest,
    responses(
        (status = 201, description = "Accepted: the venue's slots of the period as set up now", body = AcceptedReport),
        (status = 400, description = "A malformed body, account ID or far too many seats", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`period.not_found`, `account.not_found` or `venue.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The report would remove slots that have bookings", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`slot_report.invalid` (every bad row), `period.no_cap`, `venue.other_clinic` or `account.not_a_clinic`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn submit_report(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(number): Path<u32>,
    ApiJson(request): ApiJson<ReportRequest>,
) -> Result<(StatusCode, Json<AcceptedReport>), ApiError> {
    // validate adds seats as u32; a report that overflows it is a typing mistake.
    let seats: u64 = request
        .rows
        .iter()
        .map(|row| u64::from(row.public_seats) + u64::from(row.private_seats))
        .sum();
    if seats > u64::from(u32::MAX) {
        return Err(ApiError::Request {
            status: StatusCode::BAD_REQUEST,
            detail: format!("the report's {seats} seats are far too many"),
        });
    }
    let municipality = admin.municipality_code;
    let mut tx = ctx.db.begin().await?;
    let stored = find_period(&mut *tx, municipality, number).await?;
    let clinic = find_clinic(&mut *tx, municipality, &request.clinic_account_id).await?;
    let venue_id = clinics_venue(&mut tx, municipality, &request, clinic).await?;
    let db_number = db_period_number(number)?;
    // Locked: the clinic's reports (and cap changes) for the period take turns.
    let cap = sqlx::query_scalar!(
        "select doses from period_dose_caps
         where municipality_code = $1 and period_number = $2 and clinic_account_id = $3
         for update",
        municipality.as_string(),
        db_number,
        clinic,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Refusal::NoCap {
        period: number,
        clinic: request.clinic_account_id.trim().to_owned(),
    })?;
    let other_venues = sqlx::query_scalar!(
        r#"select coalesce(sum(s.capacity), 0)::bigint as "seats!"
           from slots s
           join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
           where s.municipality_code = $1 and s.period_number = $2 and v.clinic_account_id = $3
             and s.venue_id <> $4"#,
        municipality.as_string(),
        db_number,
        clinic,
        venue_id,
    )
    .fetch_one(&mut *tx)
    .await?;
    let cap = cap.unsigned_abs();
    let left = u32::try_from(i64::from(cap) - other_venues).unwrap_or(0);

    let report = SlotReport {
        form: request.form,
        venue_number: request.venue_number,
        rows: request.rows,
    };
    let accepted = slot_report::validate(&report, &stored.period, left, tokyo_today())
        .map_err(|errors| ApiError::refused(StatusCode::UNPROCESSABLE_ENTITY, errors))?;
    let target = Target {
        municipality,
        period_number: number,
        venue_id,
        vaccine_code: stored.vaccine_code,
    };
    let (slots, removed_slots) = slot_setup::set_up(&mut tx, &target, &accepted.slots)
        .await
        .map_err(|error| match error {
            SetUpError::Booked(booked) => ApiError::refused(StatusCode::CONFLICT, booked),
            SetUpError::Database(error) => error.into(),
        })?;

    let report_id = Uuid::new_v4();
    // jsonb travels as text: the crate's sqlx has no JSON feature, and PostgreSQL parses it.
    sqlx::query!(
        "insert into slot_reports (municipality_code, id, period_number, venue_id,
                                   clinic_account_id, received_by, form, rows,
                                   dose_cap, total_seats, own_reception)
         values ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9, $10, $11)",
        municipality.as_string(),
        report_id,
        db_number,
        venue_id,
        clinic,
        admin.id,
        i16::from(report.form.number()),
        serde_json::to_string(&report.rows).map_err(ApiError::internal)?,
        db_int(cap)?,
        db_int(accepted.total_seats)?,
        db_int(accepted.own_reception)?,
    )
    .execute(&mut *tx)
    .await?;
    let after = serde_json::json!({
        "period_number": number,
        "clinic_account_id": request.clinic_account_id.trim(),
        "venue_number": report.venue_number,
        "form": report.form,
        "total_seats": accepted.total_seats,
        "own_reception": accepted.own_reception,
        "slots": slots.len(),
        "removed_slots": removed_slots,
    });
    let entity = AdminEntity::SlotReport(report_id);
    audit::record_admin(
        &mut tx,
        municipality,
        admin.id,
        "slot_report.accept",
        entity,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(AcceptedReport {
            report_id,
            period_number: number,
            venue_number: report.venue_number,
            form: report.form,
            dose_cap: cap,
            total_seats: accepted.total_seats,
            own_reception: accepted.own_reception,
            slots,
            removed_slots,
        }),
    ))
}

/// Counts the report checked against an `int` cap fit an `int` column.
fn db_int(n: u32) -> Result<i32, ApiError> {
    i32::try_from(n).map_err(ApiError::internal)
}

/// The `venues.id` of the reported venue, which must be the clinic's.
async fn clinics_venue(
    tx: &mut sqlx::PgConnection,
    municipality: MunicipalityCode,
    request: &ReportRequest,
    clinic: Uuid,
) -> Result<Uuid, ApiError> {
    let venue = sqlx::query!(
        "select id, clinic_account_id from venues
         where municipality_code = $1 and venue_number = $2",
        municipality.as_string(),
        db_int(request.venue_number)?,
    )
    .fetch_optional(tx)
    .await?;
    match venue {
        None => Err(Refusal::VenueNotFound(request.venue_number).into()),
        Some(venue) if venue.clinic_account_id == Some(clinic) => Ok(venue.id),
        Some(_) => Err(Refusal::VenueOfAnotherClinic {
            venue: request.venue_number,
            clinic: request.clinic_account_id.trim().to_owned(),
        }
        .into()),
    }
}
