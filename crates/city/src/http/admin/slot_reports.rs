//! The city's side of 予約枠報告 ([`yoyaku_core::slot_report`]):
//! - `POST /api/v1/admin/periods/{n}/slot-reports`: a form the city received (by e-mail, by FAX)
//!   entered and set up at once. After 修正受付期限 it is refused with the notice's warning
//!   (422 `slot_report.late`) unless sent again with `late_correction: true`.
//! - `POST /api/v1/admin/slot-reports/{id}/set-up`: a report a clinic submitted, set up.
//! - `POST /api/v1/admin/slot-reports/{id}/send-back`: back to the clinic for correction, with
//!   the reason it is shown.
//! - `POST /api/v1/admin/slot-reports/{id}/confirm`: 確定; only the city changes the slots then.
//!
//! Each report is checked by [`yoyaku_core::slot_report::validate`] against the period and what
//! the clinic's cap leaves after its other venues' reports: 422 `slot_report.invalid` naming every
//! bad row. Setting up replaces the venue's slots of the period with the notice's names (see
//! [`crate::admin::slot_setup`]; 409 naming booked slots it would lose).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::slot_report::{
    self, Deadline, LateCorrection, ReportErrors, ReportForm, ReportRow, ReportState, SlotReport,
};
use yoyaku_core::time::tokyo_today;

use super::super::ApiContext;
use super::super::error::ApiError;
use super::super::extract::ApiJson;
use super::{Admin, Refusal, StoredPeriod, db_period_number, find_clinic, find_period};
use crate::admin::reports::{self, NewReport, StoredReport};
use crate::admin::slot_setup::{self, SetUpError, SetUpSlot, Target};
use crate::audit::{self, AdminEntity};
use yoyaku_core::slot_report::view::VenueReport;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(enter_report))
        .routes(routes!(set_up_report))
        .routes(routes!(send_back_report))
        .routes(routes!(confirm_report))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ReportRequest {
    /// アカウントID of the reporting clinic.
    clinic_account_id: String,
    venue_number: u32,
    form: ReportForm,
    rows: Vec<ReportRow>,
    /// Taken after 修正受付期限 knowing the slots may miss 受付開始 (the notice's warning).
    #[serde(default)]
    late_correction: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SetUpReport {
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
    /// Entered after 修正受付期限, and the notice's warning about it.
    late: bool,
    warning_ja: Option<String>,
}

/// A report checked for its venue against the period and the clinic's cap.
pub(in crate::http) struct Checked {
    pub period: StoredPeriod,
    pub venue_id: Uuid,
    pub dose_cap: u32,
    pub accepted: slot_report::AcceptedReport,
}

/// Checks `report` of the clinic `clinic` (its アカウントID `clinic_id`) for period `number`.
pub(in crate::http) async fn check(
    tx: &mut PgConnection,
    municipality: MunicipalityCode,
    number: u32,
    (clinic, clinic_id): (Uuid, &str),
    report: &SlotReport,
    deadline: Deadline,
    refuse: fn(ReportErrors) -> ApiError,
) -> Result<Checked, ApiError> {
    let seats: u64 = report
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
    let period = find_period(&mut *tx, municipality, number).await?;
    let venue_id =
        clinics_venue(tx, municipality, report.venue_number, (clinic, clinic_id)).await?;
    let db_number = db_period_number(number)?;
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
        clinic: clinic_id.to_owned(),
    })?
    .unsigned_abs();
    let others = reports::other_venues_seats(tx, municipality, db_number, clinic, venue_id).await?;
    let left = u32::try_from(i64::from(cap) - others).unwrap_or(0);
    let accepted = slot_report::validate(report, &period.period, left, deadline).map_err(refuse)?;
    Ok(Checked {
        period,
        venue_id,
        dose_cap: cap,
        accepted,
    })
}

/// Sets up the venue's slots from a checked report; answers what it set up and removed.
async fn set_up(
    tx: &mut PgConnection,
    municipality: MunicipalityCode,
    number: u32,
    checked: &Checked,
) -> Result<(Vec<SetUpSlot>, usize), ApiError> {
    let target = Target {
        municipality,
        period_number: number,
        venue_id: checked.venue_id,
        vaccine_code: checked.period.vaccine_code.clone(),
    };
    slot_setup::set_up(tx, &target, &checked.accepted.slots)
        .await
        .map_err(|error| match error {
            SetUpError::Booked(booked) => ApiError::refused(StatusCode::CONFLICT, booked),
            SetUpError::Database(error) => error.into(),
        })
}

/// Enters a clinic's 予約枠報告様式 as the city received it and sets up the venue's slots.
#[utoipa::path(
    post,
    path = "/api/v1/admin/periods/{number}/slot-reports",
    tag = "admin",
    security(("bearer" = [])),
    params(("number" = u32, Path, description = "第N期")),
    request_body = ReportRequest,
    responses(
        (status = 201, description = "Entered and set up: the venue's slots of the period as they are now", body = SetUpReport),
        (status = 400, description = "A malformed body, account ID or far too many seats", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`period.not_found`, `account.not_found` or `venue.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The report would remove slots that have bookings", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`slot_report.invalid` (every bad row), `slot_report.late` (after 修正受付期限 without `late_correction`), `period.no_cap`, `venue.other_clinic` or `account.not_a_clinic`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn enter_report(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(number): Path<u32>,
    ApiJson(request): ApiJson<ReportRequest>,
) -> Result<(StatusCode, Json<SetUpReport>), ApiError> {
    let clinic_id = request.clinic_account_id.trim().to_owned();
    let report = SlotReport {
        form: request.form,
        venue_number: request.venue_number,
        rows: request.rows,
    };
    let entered = Entry {
        number,
        clinic_id: &clinic_id,
        report,
        late_correction: request.late_correction,
        refuse: row_problems,
    };
    let set_up = enter(&admin, &ctx, entered).await?;
    Ok((StatusCode::CREATED, Json(set_up)))
}

/// Problems of rows as typed, by row number.
pub(in crate::http) fn row_problems(errors: ReportErrors) -> ApiError {
    ApiError::refused(StatusCode::UNPROCESSABLE_ENTITY, errors)
}

/// A report the city received, to enter and set up.
pub(super) struct Entry<'a> {
    pub number: u32,
    pub clinic_id: &'a str,
    pub report: SlotReport,
    pub late_correction: bool,
    /// How the report's problems are worded: by row, or by a file's cells.
    pub refuse: fn(ReportErrors) -> ApiError,
}

/// Enters a received report and sets up the venue's slots; after 修正受付期限 only when the city
/// said it knows the notice's warning.
pub(super) async fn enter(
    admin: &Admin,
    ctx: &ApiContext,
    entry: Entry<'_>,
) -> Result<SetUpReport, ApiError> {
    let Entry {
        number,
        clinic_id,
        report,
        late_correction,
        refuse,
    } = entry;
    let municipality = admin.municipality_code;
    let mut tx = ctx.db.begin().await?;
    let clinic = find_clinic(&mut *tx, municipality, clinic_id).await?;
    let checked = check(
        &mut tx,
        municipality,
        number,
        (clinic, clinic_id),
        &report,
        Deadline::City,
        refuse,
    )
    .await?;
    let late = LateCorrection::on(&checked.period.period, tokyo_today());
    if let Some(warning) = late.filter(|_| !late_correction) {
        return Err(ApiError::refused(StatusCode::UNPROCESSABLE_ENTITY, warning));
    }
    let (slots, removed_slots) = set_up(&mut tx, municipality, number, &checked).await?;
    let db_number = db_period_number(number)?;
    let report_id = reports::insert(
        &mut tx,
        Uuid::new_v4(),
        &NewReport {
            municipality,
            period_number: db_number,
            venue_id: checked.venue_id,
            clinic,
            submitted_by: admin.id,
            form: report.form,
            rows: &report.rows,
            dose_cap: checked.dose_cap,
            total_seats: checked.accepted.total_seats,
            own_reception: checked.accepted.own_reception,
            state: ReportState::SetUp,
            late: late.is_some(),
        },
    )
    .await?;
    reports::decide(
        &mut tx,
        municipality,
        report_id,
        ReportState::SetUp,
        None,
        admin.id,
    )
    .await?;
    let after = json!({
        "period_number": number,
        "clinic_account_id": clinic_id,
        "venue_number": report.venue_number,
        "form": report.form,
        "total_seats": checked.accepted.total_seats,
        "own_reception": checked.accepted.own_reception,
        "slots": slots.len(),
        "removed_slots": removed_slots,
        "late": late.is_some(),
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
    Ok(SetUpReport {
        report_id,
        period_number: number,
        venue_number: report.venue_number,
        form: report.form,
        dose_cap: checked.dose_cap,
        total_seats: checked.accepted.total_seats,
        own_reception: checked.accepted.own_reception,
        slots,
        removed_slots,
        late: late.is_some(),
        warning_ja: late.map(|warning| yoyaku_core::Coded::message_ja(&warning)),
    })
}

/// The live report `id`, locked; 404 `slot_report.not_found` otherwise.
async fn stored_report(
    tx: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<StoredReport, ApiError> {
    reports::find(tx, municipality, id)
        .await?
        .ok_or_else(|| Refusal::ReportNotFound(id).into())
}

fn out_of_turn(error: yoyaku_core::slot_report::StateError) -> ApiError {
    ApiError::refused(StatusCode::CONFLICT, error)
}

#[derive(Serialize, utoipa::ToSchema)]
struct ReportSetUp {
    #[serde(flatten)]
    venue: VenueReport,
    /// The venue's slots of the period, as set up now.
    slots: Vec<SetUpSlot>,
    /// Slots of an earlier report that this one no longer has.
    removed_slots: usize,
}

/// Sets up the slots of a report a clinic submitted (提出済 or its 修正依頼).
#[utoipa::path(
    post,
    path = "/api/v1/admin/slot-reports/{id}/set-up",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The report")),
    responses(
        (status = 200, description = "セットアップ済: the clinic is asked to check the slots", body = ReportSetUp),
        (status = 404, description = "`slot_report.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slot_report.state` (not waiting to be set up), or slots with bookings it would lose", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`slot_report.invalid`: the report no longer fits the clinic's cap", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn set_up_report(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
) -> Result<Json<ReportSetUp>, ApiError> {
    let municipality = admin.municipality_code;
    let mut tx = ctx.db.begin().await?;
    let stored = stored_report(&mut tx, municipality, id).await?;
    let next = stored.state.set_up().map_err(out_of_turn)?;
    let report = SlotReport {
        form: stored.form,
        venue_number: stored.venue_number,
        rows: stored.rows.clone(),
    };
    // The clinic met the deadline when it submitted; the city sets up whenever it can.
    let checked = check(
        &mut tx,
        municipality,
        stored.period_number,
        (stored.clinic, &stored.clinic_account_id),
        &report,
        Deadline::City,
        row_problems,
    )
    .await?;
    let (slots, removed_slots) =
        set_up(&mut tx, municipality, stored.period_number, &checked).await?;
    reports::decide(&mut tx, municipality, id, next, None, admin.id).await?;
    let after = json!({ "state": next, "slots": slots.len(), "removed_slots": removed_slots });
    audit::record_admin(
        &mut tx,
        municipality,
        admin.id,
        "slot_report.set_up",
        AdminEntity::SlotReport(id),
        &after,
    )
    .await?;
    let venue = reports::view(&mut *tx, municipality, &stored).await?;
    tx.commit().await?;
    Ok(Json(ReportSetUp {
        venue,
        slots,
        removed_slots,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SendBack {
    /// What the clinic must correct; shown to it (1–500 characters).
    reason: String,
}

/// Sends a report back to its clinic for correction (修正依頼 from the city).
#[utoipa::path(
    post,
    path = "/api/v1/admin/slot-reports/{id}/send-back",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The report")),
    request_body = SendBack,
    responses(
        (status = 200, description = "Sent back: the clinic sees the reason and submits again; slots already set up stay until then", body = VenueReport),
        (status = 404, description = "`slot_report.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slot_report.state`: sent back already, confirmed or replaced", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`slot_report.reason_required`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn send_back_report(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<SendBack>,
) -> Result<Json<VenueReport>, ApiError> {
    let reason = request.reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(Refusal::ReasonRequired(REASON_MAX).into());
    }
    decide(admin, &ctx, id, ReportState::send_back, Some(reason)).await
}

const REASON_MAX: usize = 500;

/// Confirms the slots set up from a report (確定).
#[utoipa::path(
    post,
    path = "/api/v1/admin/slot-reports/{id}/confirm",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The report")),
    responses(
        (status = 200, description = "確定: the clinic can no longer ask for corrections; the city still can enter one", body = VenueReport),
        (status = 404, description = "`slot_report.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slot_report.state`: not set up", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn confirm_report(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
) -> Result<Json<VenueReport>, ApiError> {
    decide(admin, &ctx, id, ReportState::confirm, None).await
}

/// Moves the report on by `step` (send back, confirm) and logs it.
async fn decide(
    admin: Admin,
    ctx: &ApiContext,
    id: Uuid,
    step: fn(ReportState) -> Result<ReportState, yoyaku_core::slot_report::StateError>,
    reason: Option<&str>,
) -> Result<Json<VenueReport>, ApiError> {
    let municipality = admin.municipality_code;
    let mut tx = ctx.db.begin().await?;
    let stored = stored_report(&mut tx, municipality, id).await?;
    let next = step(stored.state).map_err(out_of_turn)?;
    reports::decide(&mut tx, municipality, id, next, reason, admin.id).await?;
    let action = match next {
        ReportState::Returned => "slot_report.send_back",
        _ => "slot_report.confirm",
    };
    let after = json!({ "state": next, "reason": reason });
    audit::record_admin(
        &mut tx,
        municipality,
        admin.id,
        action,
        AdminEntity::SlotReport(id),
        &after,
    )
    .await?;
    let report = reports::view(&mut *tx, municipality, &stored).await?;
    tx.commit().await?;
    Ok(Json(report))
}

/// Counts the report checked against an `int` cap fit an `int` column.
fn db_int(n: u32) -> Result<i32, ApiError> {
    i32::try_from(n).map_err(ApiError::internal)
}

/// The `venues.id` of the reported venue, which must be the clinic's.
async fn clinics_venue(
    tx: &mut PgConnection,
    municipality: MunicipalityCode,
    venue_number: u32,
    (clinic, clinic_id): (Uuid, &str),
) -> Result<Uuid, ApiError> {
    let venue = sqlx::query!(
        "select id, clinic_account_id from venues
         where municipality_code = $1 and venue_number = $2",
        municipality.as_string(),
        db_int(venue_number)?,
    )
    .fetch_optional(tx)
    .await?;
    match venue {
        None => Err(Refusal::VenueNotFound(venue_number).into()),
        Some(venue) if venue.clinic_account_id == Some(clinic) => Ok(venue.id),
        Some(_) => Err(Refusal::VenueOfAnotherClinic {
            venue: venue_number,
            clinic: clinic_id.to_owned(),
        }
        .into()),
    }
}
