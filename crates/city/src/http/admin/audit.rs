//! The audit log, for the city's administrators: every change by every channel, newest first.
//! - `GET /api/v1/admin/audit?account=&channel=&resident=&venue=&from=&to=&before=&limit=` →
//!   {entries, next_before}: a page, and the cursor of the next (older) one
//! - `GET /api/v1/admin/audit.csv?…` → the same filter's every entry as CSV (UTF-8 with a BOM, so
//!   that Excel reads the Japanese), streamed page by page
//!
//! `account` matches who acted or whom the call center acted for; `resident` is the 接種券番号 as the
//! log names it (prefixed `自治体番号:` for another municipality's ticket); `venue` a 会場番号,
//! matched through the booking, slot, entry or report a row is about.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use yoyaku_core::time::{from_tokyo, to_tokyo};
use yoyaku_core::{AccountId, MunicipalityCode};

use super::super::ApiContext;
use super::super::error::ApiError;
use super::super::extract::ApiQuery;
use super::{Admin, Refusal};

/// Entries a page holds unless asked for fewer …
const DEFAULT_PAGE: u32 = 100;
/// … and at most.
const MAX_PAGE: u32 = 500;
/// Entries the export reads at a time.
const EXPORT_PAGE: u32 = 1000;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(audit_page))
        .routes(routes!(audit_csv))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// アカウントID: who acted, or the clinic the call center acted for.
    account: Option<String>,
    /// `web`, `call_center`, `clinic` or `admin`.
    channel: Option<String>,
    /// 接種券番号 (`自治体番号:接種券番号` for another municipality's ticket).
    resident: Option<String>,
    /// 会場番号
    venue: Option<i32>,
    /// From this day in Tokyo …
    from: Option<NaiveDate>,
    /// … to this one, both included.
    to: Option<NaiveDate>,
    /// Only entries older than this id: the `next_before` of the previous page.
    before: Option<i64>,
    /// 1 to 500 entries (100 unless given).
    limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct AuditEntry {
    id: i64,
    at: DateTime<Utc>,
    /// アカウントID of who acted; none for a resident on the web or the server's schedule.
    account: Option<String>,
    account_name: Option<String>,
    channel: String,
    /// アカウントID of the clinic the call center acted for.
    on_behalf_of: Option<String>,
    /// `entity.verb`, e.g. `booking.cancel`.
    action: String,
    entity_kind: String,
    entity_id: String,
    /// The resident the entry is about, as `resident` filters.
    resident: Option<String>,
    /// The venue the entry is about.
    venue_number: Option<i32>,
    #[serde(serialize_with = "as_json")]
    #[schema(value_type = Option<Object>)]
    before: Option<String>,
    #[serde(serialize_with = "as_json")]
    #[schema(value_type = Option<Object>)]
    after: Option<String>,
}

/// jsonb is read as text (sqlx's JSON feature is off) and goes out as the JSON it is.
fn as_json<S: serde::Serializer>(text: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    let value: Option<serde_json::Value> = text
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(serde::ser::Error::custom)?;
    value.serialize(serializer)
}

#[derive(Serialize, utoipa::ToSchema)]
struct AuditPage {
    /// Newest first.
    entries: Vec<AuditEntry>,
    /// `before` for the next page; none on the last.
    next_before: Option<i64>,
}

/// The filter as the query binds it.
#[derive(Clone)]
struct Filter {
    municipality: MunicipalityCode,
    account: Option<Uuid>,
    channel: Option<String>,
    resident: Option<String>,
    venue: Option<i32>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

impl Filter {
    async fn parse(
        db: &PgPool,
        municipality: MunicipalityCode,
        query: &AuditQuery,
    ) -> Result<Self, ApiError> {
        let account = match query.account.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => {
                let name = AccountId::parse(name).map_err(ApiError::invalid)?;
                let id = sqlx::query_scalar!(
                    "select id from accounts where municipality_code = $1 and account_id = $2",
                    municipality.as_string(),
                    name.as_str(),
                )
                .fetch_optional(db)
                .await?;
                Some(id.ok_or_else(|| Refusal::AccountNotFound(name.to_string()))?)
            }
        };
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(Self {
            municipality,
            account,
            channel: text(&query.channel),
            resident: text(&query.resident),
            venue: query.venue,
            from: query.from.map(|day| from_tokyo(day, NaiveTime::MIN)),
            until: query
                .to
                .map(|day| from_tokyo(day + Days::new(1), NaiveTime::MIN)),
        })
    }

    /// Up to `limit` entries older than `before`, newest first.
    async fn page(
        &self,
        db: &PgPool,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, sqlx::Error> {
        // Each row's resident and venue come from what it is about; the casts to uuid and int
        // run only for the kinds whose ids are those.
        sqlx::query_as!(
            AuditEntry,
            r#"select a.id, a.at as "at: DateTime<Utc>", acc.account_id as "account?",
                      acc.display_name as "account_name?", a.channel,
                      ob.account_id as "on_behalf_of?", a.action, a.entity_kind, a.entity_id,
                      r.resident, coalesce(v.venue_number, vn.venue_number) as venue_number,
                      a.before::text, a.after::text
               from audit_log a
               left join accounts acc
                 on acc.municipality_code = a.municipality_code and acc.id = a.account_id
               left join accounts ob
                 on ob.municipality_code = a.municipality_code and ob.id = a.on_behalf_of
               left join bookings b
                 on b.municipality_code = a.municipality_code
                and b.id = case when a.entity_kind = 'booking' then a.entity_id::uuid end
               left join waitlist_entries w
                 on w.municipality_code = a.municipality_code
                and w.id = case when a.entity_kind = 'waitlist' then a.entity_id::uuid end
               left join slot_reports sr
                 on sr.municipality_code = a.municipality_code
                and sr.id = case when a.entity_kind = 'slot_report' then a.entity_id::uuid end
               left join slots s
                 on s.municipality_code = a.municipality_code
                and s.id = coalesce(b.slot_id,
                                    case when a.entity_kind = 'slot' then a.entity_id::uuid end)
               left join venues v
                 on v.municipality_code = a.municipality_code
                and v.id = coalesce(s.venue_id, w.venue_id, sr.venue_id)
               left join venues vn
                 on vn.municipality_code = a.municipality_code
                and vn.venue_number = case when a.entity_kind = 'venue' then a.entity_id::int end
               cross join lateral (
                   select case
                       when a.entity_kind = 'resident' then a.entity_id
                       when coalesce(b.home_code, w.home_code) = a.municipality_code
                           then coalesce(b.ticket_number, w.ticket_number)
                       else coalesce(b.home_code, w.home_code) || ':'
                            || coalesce(b.ticket_number, w.ticket_number)
                   end as resident
               ) r
               where a.municipality_code = $1
                 and ($2::uuid is null or a.account_id = $2 or a.on_behalf_of = $2)
                 and ($3::text is null or a.channel = $3)
                 and ($4::text is null or r.resident = $4)
                 and ($5::int is null or coalesce(v.venue_number, vn.venue_number) = $5)
                 and ($6::timestamptz is null or a.at >= $6)
                 and ($7::timestamptz is null or a.at < $7)
                 and ($8::bigint is null or a.id < $8)
               order by a.id desc
               limit $9"#,
            self.municipality.as_string(),
            self.account,
            self.channel,
            self.resident,
            self.venue,
            self.from as _,
            self.until as _,
            before,
            i64::from(limit),
        )
        .fetch_all(db)
        .await
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/audit",
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of the audit log, newest first", body = AuditPage),
        (status = 400, description = "A malformed account ID, date or number", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`account.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn audit_page(
    admin: Admin,
    State(ctx): State<ApiContext>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let filter = Filter::parse(&ctx.db, admin.municipality_code, &query).await?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let entries = filter.page(&ctx.db, query.before, limit).await?;
    let full = entries.len() == limit as usize;
    let next_before = entries.last().filter(|_| full).map(|last| last.id);
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/audit.csv",
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "Every entry of the filter, newest first, as CSV (`before` and `limit` are ignored)", content_type = "text/csv"),
        (status = 400, description = "A malformed account ID, date or number", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`account.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn audit_csv(
    admin: Admin,
    State(ctx): State<ApiContext>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let filter = Filter::parse(&ctx.db, admin.municipality_code, &query).await?;
    // Pages are read as the client takes the body, so a long log never sits in memory.
    let (chunks, received) = tokio::sync::mpsc::channel::<Result<String, sqlx::Error>>(4);
    let db = ctx.db.clone();
    tokio::spawn(async move {
        let mut text = format!("\u{feff}{}\r\n", CSV_HEADER.join(","));
        let mut before = None;
        loop {
            let entries = match filter.page(&db, before, EXPORT_PAGE).await {
                Ok(entries) => entries,
                Err(error) => {
                    let _ = chunks.send(Err(error)).await;
                    return;
                }
            };
            for entry in &entries {
                text.push_str(&csv_line(entry));
            }
            if chunks.send(Ok(std::mem::take(&mut text))).await.is_err() {
                return; // The client went away.
            }
            match entries.last() {
                Some(last) if entries.len() == EXPORT_PAGE as usize => before = Some(last.id),
                _ => return,
            }
        }
    });
    let body = futures_util::stream::unfold(received, |mut received| async move {
        received.recv().await.map(|chunk| (chunk, received))
    });
    let day = to_tokyo(Utc::now()).format("%Y%m%d");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"audit-{day}.csv\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

const CSV_HEADER: [&str; 13] = [
    "id",
    "日時",
    "アカウントID",
    "アカウント名",
    "チャネル",
    "依頼元",
    "操作",
    "対象",
    "対象ID",
    "接種券番号",
    "会場番号",
    "変更前",
    "変更後",
];

fn csv_line(entry: &AuditEntry) -> String {
    let fields = [
        Some(entry.id.to_string()),
        Some(to_tokyo(entry.at).format("%Y-%m-%d %H:%M:%S").to_string()),
        entry.account.clone(),
        entry.account_name.clone(),
        Some(entry.channel.clone()),
        entry.on_behalf_of.clone(),
        Some(entry.action.clone()),
        Some(entry.entity_kind.clone()),
        Some(entry.entity_id.clone()),
        entry.resident.clone(),
        entry.venue_number.map(|n| n.to_string()),
        entry.before.clone(),
        entry.after.clone(),
    ];
    let mut line = fields
        .iter()
        .map(|field| csv_field(field.as_deref().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// RFC 4180 quoting; a field a spreadsheet would run as a formula gets a leading `'` (OWASP's
/// advice against CSV injection), since names and ids come from outside.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says_and_formulas_are_defused() {
        assert_eq!(csv_field("booking.book"), "booking.book");
        assert_eq!(csv_field("A胃腸科, 内科"), "\"A胃腸科, 内科\"");
        assert_eq!(csv_field(r#"{"a":"b"}"#), r#""{""a"":""b""}""#);
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-clinic"), "'-clinic");
        assert_eq!(csv_field(""), "");
    }
}
