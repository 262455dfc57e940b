//! A clinic's own 予約枠報告 (the notice of 2021-09-27), from its desktop app:
//! - `GET /api/v1/clinic/periods`: the periods it has a 接種可能上限量 in, newest first, each with
//!   its windows and deadlines, its cap, the seats its reports take and the 独自の受付枠 left, and
//!   every venue's live report (state, rows, the city's reason when sent back) and the slots the
//!   city set up, with their names and 公開/非公開.
//! - `POST /api/v1/clinic/periods/{n}/slot-reports`: submits a venue's 様式1/2/3 (提出済), or a
//!   correction of slots already set up (修正依頼), until 修正受付期限. After it, or once the
//!   city confirmed (確定), the clinic phones the city, which may enter a late correction.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yoyaku_core::Visibility;
use yoyaku_core::slot_report::view::{
    ClinicPeriod, ClinicReport, ClinicVenue, ReportedSlot, VenueReport,
};
use yoyaku_core::slot_report::{Deadline, ReportState, SlotReport};
use yoyaku_core::time::{to_tokyo, tokyo_today};
use yoyaku_core::wire::Role;

use super::ApiContext;
use super::admin::slot_reports::{check, row_problems};
use super::admin::{db_period_number, periods};
use super::auth::CurrentAccount;
use super::error::ApiError;
use super::extract::ApiJson;
use crate::admin::reports::{self, NewReport};
use crate::admin::slot_setup::{self, SetUpSlot};
use crate::audit::{self, Caller, Entity};

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(clinic_periods))
        .routes(routes!(submit_report))
}

#[utoipa::path(
    get,
    path = "/api/v1/clinic/periods",
    tag = "slot reports",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The periods with a cap for this clinic, newest first", body = [ClinicPeriod]),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not a clinic", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn clinic_periods(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
) -> Result<Json<Vec<ClinicPeriod>>, ApiError> {
    account.require_role(Role::Clinic)?;
    let municipality = account.municipality_code;
    let clinic = Some(account.id);
    let own_venues = account.venues(&ctx.db).await?;
    let mut answer = Vec::new();
    for stored in periods(&ctx.db, municipality, None, clinic).await? {
        let number = stored.period.number().0;
        let db_number = db_period_number(number)?;
        let cap = reports::caps(&ctx.db, municipality, db_number, clinic)
            .await?
            .pop()
            .ok_or_else(|| ApiError::internal("a listed period has the clinic's cap"))?;
        let mut venues = Vec::new();
        for report in reports::venue_reports(&ctx.db, municipality, db_number, clinic).await? {
            let venue = own_venues
                .iter()
                .find(|venue| venue.venue_number.unsigned_abs() == report.venue_number)
                .ok_or_else(|| ApiError::internal("a reported venue is the clinic's"))?;
            let slots = slot_setup::slots_of(&ctx.db, municipality, number, venue.id)
                .await?
                .into_iter()
                .map(reported)
                .collect::<Result<_, _>>()?;
            venues.push(ClinicVenue { report, slots });
        }
        answer.push(ClinicPeriod {
            period: stored.into(),
            cap,
            venues,
        });
    }
    Ok(Json(answer))
}

/// A set-up slot as the clinic checks it: its day and times in Tokyo.
fn reported(slot: SetUpSlot) -> Result<ReportedSlot, ApiError> {
    let visibility = Visibility::parse(&slot.visibility)
        .ok_or_else(|| ApiError::internal("a stored slot has its visibility"))?;
    let (starts, ends) = (to_tokyo(slot.starts_at), to_tokyo(slot.ends_at));
    Ok(ReportedSlot {
        name: slot.name,
        date: starts.date_naive(),
        start: starts.format("%H:%M").to_string(),
        end: ends.format("%H:%M").to_string(),
        visibility,
        capacity: slot.capacity,
        booked: slot.booked,
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/clinic/periods/{number}/slot-reports",
    tag = "slot reports",
    security(("bearer" = [])),
    params(("number" = u32, Path, description = "第N期")),
    request_body = ClinicReport,
    responses(
        (status = 201, description = "Taken: 提出済, or 修正依頼 when the venue's slots are set up already. The city sets it up", body = VenueReport),
        (status = 400, description = "A malformed body or far too many seats", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`period.not_found` or `venue.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slot_report.confirmed`: the city confirmed the slots; phone it", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`slot_report.invalid` (every bad row, the cap, 修正受付期限 passed), `period.no_cap` or `venue.other_clinic`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not a clinic", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn submit_report(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    Path(number): Path<u32>,
    ApiJson(request): ApiJson<ClinicReport>,
) -> Result<(StatusCode, Json<VenueReport>), ApiError> {
    account.require_role(Role::Clinic)?;
    let municipality = account.municipality_code;
    let db_number = db_period_number(number)?;
    let mut tx = ctx.db.begin().await?;
    // The same report sent again (its answer was lost): the first outcome, once.
    if let Some(venue) = reports::venue_of(&mut tx, municipality, request.id, account.id).await? {
        let view = own_venue(&mut tx, municipality, db_number, account.id, venue).await?;
        return Ok((StatusCode::CREATED, Json(view)));
    }
    let clinic_id = sqlx::query_scalar!(
        "select account_id from accounts where municipality_code = $1 and id = $2",
        municipality.as_string(),
        account.id,
    )
    .fetch_one(&mut *tx)
    .await?;
    let report = SlotReport {
        form: request.form,
        venue_number: request.venue_number,
        rows: request.rows,
    };
    let checked = check(
        &mut tx,
        municipality,
        number,
        (account.id, &clinic_id),
        &report,
        Deadline::Clinic(tokyo_today()),
        row_problems,
    )
    .await?;
    let current = reports::live(&mut tx, municipality, db_number, checked.venue_id).await?;
    let state = ReportState::clinic_submission(current)
        .map_err(|error| ApiError::refused(StatusCode::CONFLICT, error))?;
    let report_id = reports::insert(
        &mut tx,
        request.id,
        &NewReport {
            municipality,
            period_number: db_number,
            venue_id: checked.venue_id,
            clinic: account.id,
            submitted_by: account.id,
            form: report.form,
            rows: &report.rows,
            dose_cap: checked.dose_cap,
            total_seats: checked.accepted.total_seats,
            own_reception: checked.accepted.own_reception,
            state,
            late: false,
        },
    )
    .await?;
    let caller = Caller::clinic(&mut tx, municipality, account.id).await?;
    let after = json!({
        "period_number": number,
        "venue_number": report.venue_number,
        "form": report.form,
        "rows": report.rows,
        "total_seats": checked.accepted.total_seats,
        "state": state,
    });
    audit::record(
        &mut tx,
        municipality,
        &caller,
        "slot_report.submit",
        Entity::SlotReport(report_id),
        None,
        Some(&after),
    )
    .await?;
    let view = own_venue(
        &mut tx,
        municipality,
        db_number,
        account.id,
        report.venue_number,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The clinic's venue `venue_number` in the period, with its live report.
async fn own_venue(
    tx: &mut sqlx::PgConnection,
    municipality: yoyaku_core::MunicipalityCode,
    period_number: i32,
    clinic: uuid::Uuid,
    venue_number: u32,
) -> Result<VenueReport, ApiError> {
    reports::venue_reports(&mut *tx, municipality, period_number, Some(clinic))
        .await?
        .into_iter()
        .find(|venue| venue.venue_number == venue_number)
        .ok_or_else(|| ApiError::internal("the submitted report reads back"))
}
