//! `POST /api/v1/admin/valid-tickets/import[?mode=replace]`: the 有効接種券 registry from a CSV
//! file (`text/csv`, header `ticket_number,birth_date`), all or nothing. 200 with
//! `{imported, unchanged, replaced, error_count, errors: []}`; 422 with the same members in a
//! problem document when any line is bad (see [`crate::admin::tickets`]).

use std::io;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, RequestExt};
use futures_util::TryStreamExt;
use http_body_util::LengthLimitError;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use yoyaku_core::time::tokyo_today;
use yoyaku_core::{Code, Coded, Problem};

use super::super::ApiContext;
use super::super::error::ApiError;
use super::super::extract::ApiQuery;
use super::Admin;
use crate::admin::tickets::{self, ImportError, ImportMode, ImportReport};

/// A whole city's registry is a few MB (about 22 bytes a ticket); this route alone takes that.
const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        // Set on the route, this replaces the API's small default for this route only.
        .routes(routes!(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// `strict` (the default): a known ticket with another birth date is an error; `replace`:
    /// it gets the file's birth date.
    #[serde(default)]
    #[param(inline)]
    mode: ImportMode,
}

/// The file had bad lines, so nothing was imported.
#[derive(Debug, thiserror::Error)]
#[error("{0} lines have errors, so nothing was imported; fix them and import the whole file again")]
struct LinesRefused(u64);

impl Coded for LinesRefused {
    fn code(&self) -> Code {
        Code::ValidTicketsInvalidLines
    }
    fn message_ja(&self) -> String {
        format!(
            "{}件の誤りがあるため、1件も登録していません。誤りを直して、ファイル全体をもう一度取り込んでください。",
            self.0
        )
    }
}

/// Imports the 有効接種券 registry from a CSV file, all or nothing.
#[utoipa::path(
    post,
    path = "/api/v1/admin/valid-tickets/import",
    tag = "admin",
    security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "Header `ticket_number,birth_date` (or 接種券番号,生年月日), one ticket a line; up to 64 MiB"),
    responses(
        (status = 200, description = "Imported, all or nothing", body = ImportReport),
        (status = 400, description = "The file could not be read to its end", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 413, description = "`request.too_large`: larger than 64 MiB", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 415, description = "`request.unsupported_media_type`: not `text/csv`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`valid_tickets.invalid_lines`: nothing imported; the problem also carries the members of `ImportReport` (`imported`, `unchanged`, `replaced`, `error_count`, `errors`)", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn import(
    admin: Admin,
    State(ctx): State<ApiContext>,
    ApiQuery(query): ApiQuery<ImportQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    require_csv(request.headers())?;
    let csv = request
        .into_limited_body()
        .into_data_stream()
        .map_err(io::Error::other)
        .into_async_read();
    match tickets::import(
        &ctx.db,
        admin.municipality_code,
        admin.id,
        csv,
        query.mode,
        tokyo_today(),
    )
    .await
    {
        Ok(report) => Ok(Json(report).into_response()),
        Err(ImportError::Rows(report)) => Ok(refused(report)),
        Err(ImportError::Read(error)) if is_over_limit(&error) => Err(ApiError::Request {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            detail: format!("the file is larger than {} MiB", MAX_IMPORT_BYTES >> 20),
        }),
        Err(ImportError::Read(error)) => Err(ApiError::Request {
            status: StatusCode::BAD_REQUEST,
            detail: format!("the file could not be read to its end: {error}"),
        }),
        Err(ImportError::Database(error)) => Err(error.into()),
    }
}

fn require_csv(headers: &HeaderMap) -> Result<(), ApiError> {
    let essence = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(str::trim);
    match essence {
        Some(essence) if essence.eq_ignore_ascii_case("text/csv") => Ok(()),
        _ => Err(ApiError::Request {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            detail: "send the file as text/csv".into(),
        }),
    }
}

/// Whether reading stopped at the body limit (axum's limit wraps http-body-util's error).
fn is_over_limit(error: &io::Error) -> bool {
    let mut source = error
        .get_ref()
        .map(|e| e as &(dyn std::error::Error + 'static));
    while let Some(error) = source {
        if error.is::<LengthLimitError>() {
            return true;
        }
        source = error.source();
    }
    false
}

/// 422: a problem document (RFC 9457) whose extension members are the report with the bad lines.
fn refused(report: ImportReport) -> Response {
    #[derive(Serialize)]
    struct Refused {
        #[serde(flatten)]
        problem: Problem,
        #[serde(flatten)]
        report: ImportReport,
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let body = Refused {
        problem: Problem::from_coded(status.as_u16(), &LinesRefused(report.error_count)),
        report,
    };
    let json = serde_json::to_vec(&body).expect("a report serializes to JSON");
    let content_type = HeaderValue::from_static("application/problem+json");
    (status, [(CONTENT_TYPE, content_type)], json).into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    #[tokio::test]
    async fn reading_past_the_limit_is_told_apart_from_a_cut_off_upload() {
        let mut request = Request::new(Body::from(vec![b'x'; 100]));
        DefaultBodyLimit::max(10).apply(&mut request);
        let error = request
            .into_limited_body()
            .into_data_stream()
            .map_err(io::Error::other)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(is_over_limit(&error));
        let cut_off = io::Error::new(io::ErrorKind::UnexpectedEof, "connection reset");
        assert!(!is_over_limit(&cut_off));
    }

    #[test]
    fn only_csv_is_taken() {
        let with = |content_type: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            require_csv(&headers).is_ok()
        };
        assert!(with("text/csv"));
        assert!(with("Text/CSV; charset=utf-8"));
        assert!(!with("application/json"));
        assert!(require_csv(&HeaderMap::new()).is_err());
    }
}
