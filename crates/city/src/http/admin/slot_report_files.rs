//! `POST /api/v1/admin/periods/{n}/slot-reports.xlsx[?late_correction=true]`: a 予約枠報告様式
//! Excel file a clinic e-mailed, entered as it is (see [`yoyaku_report_xlsx`]): the venue from its
//! cell B3, the clinic from the venue. A file that is not the 様式 is refused naming the sheet or
//! the cell (422 `slot_report.file`), unreadable cells and bad rows by their cells (422
//! `slot_report.invalid`), and nothing is stored; otherwise it is entered and set up as
//! `POST …/slot-reports` does.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yoyaku_core::slot_report::{ReportErrors, SlotReport};

use super::super::ApiContext;
use super::super::error::ApiError;
use super::super::extract::ApiQuery;
use super::slot_reports::{Entry, SetUpReport, enter};
use super::{Admin, Refusal};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(import_report_file))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct FileQuery {
    /// Taken after 修正受付期限 knowing the slots may miss 受付開始 (the notice's warning).
    #[serde(default)]
    late_correction: bool,
}

fn cell_problems(errors: ReportErrors) -> ApiError {
    ApiError::refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        yoyaku_report_xlsx::slot_problems(errors),
    )
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/periods/{number}/slot-reports.xlsx",
    tag = "admin",
    security(("bearer" = [])),
    params(("number" = u32, Path, description = "第N期"), FileQuery),
    request_body(content = String, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The 予約枠報告様式 file as the clinic sent it"),
    responses(
        (status = 201, description = "Entered and set up", body = SetUpReport),
        (status = 404, description = "`period.not_found` or `venue.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The report would remove slots that have bookings", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 415, description = "`request.unsupported_media_type`: not an .xlsx file", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`slot_report.file` (no 様式 sheet, merged cells, a changed heading, no venue number), `slot_report.invalid` (cells and rows named), `slot_report.late`, `period.no_cap` or `venue.clinic_required`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn import_report_file(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(number): Path<u32>,
    ApiQuery(query): ApiQuery<FileQuery>,
    headers: HeaderMap,
    file: Bytes,
) -> Result<(StatusCode, Json<SetUpReport>), ApiError> {
    let essence = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(str::trim);
    if !essence.is_some_and(|e| e.eq_ignore_ascii_case(XLSX)) {
        return Err(ApiError::Request {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            detail: format!("send the file as {XLSX}"),
        });
    }
    let invalid =
        |e: yoyaku_report_xlsx::SheetError| ApiError::refused(StatusCode::UNPROCESSABLE_ENTITY, e);
    let sheet = yoyaku_report_xlsx::read(&file).map_err(invalid)?;
    let rows = sheet.read_rows().map_err(invalid)?;
    let clinic_id = venue_clinic(&ctx, admin.municipality_code, sheet.venue_number).await?;
    let entry = Entry {
        number,
        clinic_id: &clinic_id,
        report: SlotReport {
            form: sheet.form,
            venue_number: sheet.venue_number,
            rows,
        },
        late_correction: query.late_correction,
        refuse: cell_problems,
    };
    let set_up = enter(&admin, &ctx, entry).await?;
    Ok((StatusCode::CREATED, Json(set_up)))
}

/// The アカウントID of the clinic that runs venue `venue_number`.
async fn venue_clinic(
    ctx: &ApiContext,
    municipality: yoyaku_core::MunicipalityCode,
    venue_number: u32,
) -> Result<String, ApiError> {
    let number = i32::try_from(venue_number).map_err(|_| Refusal::VenueNotFound(venue_number))?;
    let clinic = sqlx::query!(
        "select a.account_id as \"account_id?\" from venues v
         left join accounts a on a.municipality_code = v.municipality_code
                             and a.id = v.clinic_account_id
         where v.municipality_code = $1 and v.venue_number = $2",
        municipality.as_string(),
        number,
    )
    .fetch_optional(&ctx.db)
    .await?
    .ok_or(Refusal::VenueNotFound(venue_number))?;
    clinic
        .account_id
        .ok_or_else(|| Refusal::VenueWithoutClinic(venue_number).into())
}
