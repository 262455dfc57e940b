//! The call center operating for a clinic (manual: 医療機関で対応が困難な場合は、コールセンターに
//! 操作を依頼することも可能です): header `X-Yoyaku-On-Behalf-Of: <the clinic's アカウントID>`.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use sqlx::PgPool;
use yoyaku_core::{AccountId, Code, Coded, MunicipalityCode};

use super::ClinicRef;
use crate::http::error::ApiError;

/// Sent by the call center operating for a clinic: the clinic's アカウントID.
pub(crate) const ON_BEHALF_OF: HeaderName = HeaderName::from_static("x-yoyaku-on-behalf-of");

/// `X-Yoyaku-On-Behalf-Of` names no clinic of the municipality.
#[derive(Debug, thiserror::Error)]
#[error("There is no clinic with the account ID {0}.")]
struct UnknownClinic(AccountId);

impl Coded for UnknownClinic {
    fn code(&self) -> Code {
        Code::AuthUnknownClinic
    }
    fn message_ja(&self) -> String {
        format!("アカウントID「{}」の医療機関はありません。", self.0)
    }
}

/// The clinic of the municipality whose アカウントID is `header`.
pub(super) async fn clinic_named(
    db: &PgPool,
    municipality_code: MunicipalityCode,
    header: &HeaderValue,
) -> Result<ClinicRef, ApiError> {
    // A value that is not visible ASCII is no account ID either: the parser says so.
    let account_id =
        AccountId::parse(header.to_str().unwrap_or_default()).map_err(ApiError::invalid)?;
    let id = sqlx::query_scalar!(
        "select id from accounts
         where municipality_code = $1 and account_id = $2 and role = 'clinic'",
        municipality_code.as_string(),
        account_id.as_str(),
    )
    .fetch_optional(db)
    .await?;
    id.map(|id| ClinicRef { id })
        .ok_or_else(|| ApiError::refused(StatusCode::NOT_FOUND, UnknownClinic(account_id)))
}

/// A clinic the call center may operate for.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(super) struct ClinicSummary {
    /// アカウントID, as `X-Yoyaku-On-Behalf-Of` names it.
    account_id: String,
    display_name: String,
    venues: Vec<yoyaku_core::wire::VenueInfo>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(super) struct ClinicList {
    clinics: Vec<ClinicSummary>,
}

struct ClinicRow {
    id: uuid::Uuid,
    account_id: String,
    display_name: String,
}

/// The municipality's clinics and their venues: whom the call center may operate for.
#[utoipa::path(
    get,
    path = "/api/v1/clinics",
    tag = "auth",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The clinics, by アカウントID", body = ClinicList),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: for the call center and the city only", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn clinics(
    account: super::CurrentAccount,
    axum::extract::State(ctx): axum::extract::State<crate::http::ApiContext>,
) -> Result<axum::Json<ClinicList>, ApiError> {
    if account.role == yoyaku_core::wire::Role::Clinic {
        return Err(ApiError::Forbidden);
    }
    let municipality = account.municipality_code;
    let rows = sqlx::query_as!(
        ClinicRow,
        "select id, account_id, display_name from accounts
         where municipality_code = $1 and role = 'clinic' order by account_id",
        municipality.as_string(),
    )
    .fetch_all(&ctx.db)
    .await?;
    let mut clinics = Vec::with_capacity(rows.len());
    for row in rows {
        clinics.push(ClinicSummary {
            venues: super::venues_run_by(&ctx.db, municipality, row.id).await?,
            account_id: row.account_id,
            display_name: row.display_name,
        });
    }
    Ok(axum::Json(ClinicList { clinics }))
}
