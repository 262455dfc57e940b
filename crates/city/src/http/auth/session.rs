//! `GET /api/v1/session`: who is logged in and, for the call center operating for a clinic, that
//! clinic; so the operator's screen can show whose venues it is working on.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::wire::{AccountProfile, VenueInfo};

use super::{CurrentAccount, parse_role};
use crate::http::ApiContext;
use crate::http::error::ApiError;

/// The logged-in account, and the clinic it operates for if any (with that clinic's venues).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SessionProfile {
    profile: AccountProfile,
    /// The clinic the call center operates for (`X-Yoyaku-On-Behalf-Of`), with its venues.
    on_behalf_of: Option<AccountProfile>,
}

#[utoipa::path(
    get,
    path = "/api/v1/session",
    tag = "auth",
    security(("bearer" = [])),
    params(crate::http::openapi::OnBehalfOf),
    responses(
        (status = 200, description = "The session's account, and the clinic it operates for", body = SessionProfile),
        (status = 400, description = "`X-Yoyaku-On-Behalf-Of` is no account ID", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: only the call center may operate for a clinic", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`auth.unknown_clinic`: no clinic has the account ID of `X-Yoyaku-On-Behalf-Of`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn session(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
) -> Result<Json<SessionProfile>, ApiError> {
    let (db, municipality_code) = (&ctx.db, account.municipality_code);
    // The venues acted on are the clinic's: the logged-in one's, or those of the one acted for.
    let venues = account.venues(db).await?;
    let (profile, on_behalf_of) = match &account.on_behalf_of {
        None => (
            account_profile(db, municipality_code, account.id, venues).await?,
            None,
        ),
        Some(clinic) => (
            account_profile(db, municipality_code, account.id, Vec::new()).await?,
            Some(account_profile(db, municipality_code, clinic.id, venues).await?),
        ),
    };
    Ok(Json(SessionProfile {
        profile,
        on_behalf_of,
    }))
}

struct ProfileRow {
    account_id: String,
    display_name: String,
    role: String,
    municipality_name: String,
}

pub(super) async fn account_profile(
    db: &PgPool,
    municipality_code: MunicipalityCode,
    account: Uuid,
    venues: Vec<VenueInfo>,
) -> Result<AccountProfile, ApiError> {
    let row = sqlx::query_as!(
        ProfileRow,
        "select a.account_id, a.display_name, a.role, m.name_ja as municipality_name
         from accounts a join municipalities m on m.code = a.municipality_code
         where a.municipality_code = $1 and a.id = $2",
        municipality_code.as_string(),
        account,
    )
    .fetch_one(db)
    .await?;
    Ok(AccountProfile {
        municipality_code,
        municipality_name: row.municipality_name,
        account_id: row.account_id,
        display_name: row.display_name,
        role: parse_role(&row.role)?,
        venues,
    })
}
