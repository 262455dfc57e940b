//! The municipalities served, 利用規約 and 問い合わせ先 (yoyaku_core::information):
//! - `GET /api/v1/municipalities`: anyone, for the residents' page to fill in 自治体番号
//! - `GET /api/v1/municipalities/{code}/terms`: anyone, for the login screen
//! - `GET /api/v1/municipalities/{code}/contacts`: the municipality's staff
//! - `PUT /api/v1/admin/information` {terms, contacts}: the city admin

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::types::Json as Jsonb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yoyaku_core::information::{Contacts, TermsOfUse};
use yoyaku_core::wire::Role;
use yoyaku_core::{Code, Coded, MunicipalityCode};

use super::ApiContext;
use super::auth::CurrentAccount;
use super::error::ApiError;
use super::extract::ApiJson;
use crate::information;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(municipalities))
        .routes(routes!(terms))
        .routes(routes!(contacts))
        .routes(routes!(set_information))
}

/// The municipality has not set its texts (or does not exist).
#[derive(Debug, thiserror::Error)]
#[error("this municipality has not published its terms of use and contacts")]
struct NotPublished;

impl Coded for NotPublished {
    fn code(&self) -> Code {
        Code::InformationNotPublished
    }
    fn message_ja(&self) -> String {
        "この自治体の利用規約・問い合わせ先はまだ登録されていません。自治体番号をご確認ください。"
            .into()
    }
}

fn not_published() -> ApiError {
    ApiError::refused(StatusCode::NOT_FOUND, NotPublished)
}

/// A municipality this server serves.
#[derive(Serialize, utoipa::ToSchema)]
struct Municipality {
    /// 自治体番号
    code: MunicipalityCode,
    name_ja: String,
    name_en: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct MunicipalityList {
    municipalities: Vec<Municipality>,
}

struct MunicipalityRow {
    code: String,
    name_ja: String,
    name_en: String,
}

/// The municipalities this server serves, by 自治体番号: the residents' page fills in the only
/// one, or offers them.
#[utoipa::path(
    get,
    path = "/api/v1/municipalities",
    tag = "information",
    security(()),
    responses(
        (status = 200, description = "The municipalities served", body = MunicipalityList),
        (status = 500, description = "The database could not be read", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn municipalities(State(ctx): State<ApiContext>) -> Result<Json<MunicipalityList>, ApiError> {
    let rows = sqlx::query_as!(
        MunicipalityRow,
        "select code, name_ja, name_en from municipalities order by code"
    )
    .fetch_all(&ctx.db)
    .await?;
    let municipalities = rows
        .into_iter()
        .map(|row| {
            Ok(Municipality {
                code: MunicipalityCode::parse(&row.code).map_err(ApiError::internal)?,
                name_ja: row.name_ja,
                name_en: row.name_en,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(MunicipalityList { municipalities }))
}

#[utoipa::path(
    get,
    path = "/api/v1/municipalities/{code}/terms",
    tag = "information",
    security(()),
    params(("code" = String, Path, description = "自治体番号", example = "431001")),
    responses(
        (status = 200, description = "利用規約", body = TermsOfUse),
        (status = 400, description = "A malformed 自治体番号", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`information.not_published`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn terms(
    State(ctx): State<ApiContext>,
    Path(code): Path<String>,
) -> Result<Json<TermsOfUse>, ApiError> {
    let code = MunicipalityCode::parse(&code).map_err(ApiError::invalid)?;
    let terms = sqlx::query_scalar!(
        r#"select terms as "terms: Jsonb<TermsOfUse>" from municipality_information
           where municipality_code = $1"#,
        code.as_string(),
    )
    .fetch_optional(&ctx.db)
    .await?;
    terms.map(|t| Json(t.0)).ok_or_else(not_published)
}

#[utoipa::path(
    get,
    path = "/api/v1/municipalities/{code}/contacts",
    tag = "information",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "自治体番号", example = "431001")),
    responses(
        (status = 200, description = "問い合わせ先", body = Contacts),
        (status = 400, description = "A malformed 自治体番号", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: another municipality", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`information.not_published`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn contacts(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    Path(code): Path<String>,
) -> Result<Json<Contacts>, ApiError> {
    let code = MunicipalityCode::parse(&code).map_err(ApiError::invalid)?;
    if code != account.municipality_code {
        return Err(ApiError::Forbidden);
    }
    let contacts = sqlx::query_scalar!(
        r#"select contacts as "contacts: Jsonb<Contacts>" from municipality_information
           where municipality_code = $1"#,
        code.as_string(),
    )
    .fetch_optional(&ctx.db)
    .await?;
    contacts.map(|c| Json(c.0)).ok_or_else(not_published)
}

/// `PUT /api/v1/admin/information`
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
struct Information {
    terms: TermsOfUse,
    contacts: Contacts,
}

#[utoipa::path(
    put,
    path = "/api/v1/admin/information",
    tag = "admin",
    security(("bearer" = [])),
    request_body = Information,
    responses(
        (status = 200, description = "Published", body = Information),
        (status = 400, description = "`information.terms_incomplete`, `information.terms_too_long` or `information.contact_incomplete`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn set_information(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    ApiJson(information): ApiJson<Information>,
) -> Result<Json<Information>, ApiError> {
    account.require_role(Role::CityAdmin)?;
    information.terms.check().map_err(ApiError::invalid)?;
    information.contacts.check().map_err(ApiError::invalid)?;
    let mut conn = ctx.db.acquire().await?;
    information::publish(
        &mut conn,
        account.municipality_code,
        &information.terms,
        &information.contacts,
    )
    .await?;
    Ok(Json(information))
}
