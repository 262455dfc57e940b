//! The clinic sync endpoints (docs/ARCHITECTURE.md, Sync): push, pull, snapshot and seat leases.
//! Clinics only: a device syncs one clinic's venues.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use yoyaku_core::sync::{Lease, LeaseRequest, PullResponse, PushRequest, PushResponse, Snapshot};
use yoyaku_core::wire::Role;
use yoyaku_core::{Code, Coded};

use super::ApiContext;
use super::auth::CurrentAccount;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use crate::audit::{Caller, venues_of_clinic};
use crate::sync::pull::{self, Scope};
use crate::sync::push::{self, MAX_BATCH, Pusher};
use crate::sync::{SyncError, leases, snapshot};

/// A full batch of intents (up to [`MAX_BATCH`], a resident's registration being the largest at
/// well under 1 KiB as JSON) needs more than the API's general body limit.
const MAX_PUSH_BYTES: usize = 2 * 1024 * 1024;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(push_intents).layer(DefaultBodyLimit::max(MAX_PUSH_BYTES)))
        .routes(routes!(pull_changes))
        .routes(routes!(take_snapshot))
        .routes(routes!(take_lease))
}

impl From<SyncError> for ApiError {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::Lease(refusal) => {
                let status = match refusal {
                    crate::sync::LeaseRefusal::NotOwnSlot => StatusCode::NOT_FOUND,
                    crate::sync::LeaseRefusal::Full | crate::sync::LeaseRefusal::IdTaken => {
                        StatusCode::CONFLICT
                    }
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                ApiError::refused(status, refusal)
            }
            SyncError::DeviceOfAnotherAccount => {
                ApiError::refused(StatusCode::FORBIDDEN, DeviceRefusal)
            }
            SyncError::Database(e) => ApiError::Database(e),
            SyncError::Stored(what) => ApiError::internal(what),
        }
    }
}

/// The clinic's own venues: the scope of everything it syncs.
async fn clinic_scope(ctx: &ApiContext, account: &CurrentAccount) -> Result<Scope, ApiError> {
    account.require_role(Role::Clinic)?;
    let mut conn = ctx.db.acquire().await?;
    let venues = venues_of_clinic(&mut conn, account.municipality_code, account.id).await?;
    Ok(Scope {
        municipality: account.municipality_code,
        venues,
    })
}

/// Applies the device's intents in sequence order, each at most once.
#[utoipa::path(
    post,
    path = "/api/v1/sync/push",
    tag = "sync",
    security(("bearer" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "Each intent's outcome", body = PushResponse),
        (status = 400, description = "`sync.batch_too_large`, or a malformed body", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not a clinic, or `sync.device_of_another_account`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn push_intents(
    State(ctx): State<ApiContext>,
    account: CurrentAccount,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    let scope = clinic_scope(&ctx, &account).await?;
    if request.intents.len() > MAX_BATCH {
        return Err(ApiError::invalid(BatchTooLarge(request.intents.len())));
    }
    let pusher = Pusher {
        municipality: scope.municipality,
        account: account.id,
        caller: Caller::Clinic {
            account: account.id,
            venues: scope.venues,
        },
    };
    Ok(Json(push::push(&ctx.db, &pusher, request).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PullParams {
    /// The last change sequence the client has; none for a first sync.
    cursor: Option<u64>,
    /// Changes a page holds at most.
    limit: Option<u32>,
}

/// A page of the clinic's changes after `cursor`, or a resync when the cursor is too old.
#[utoipa::path(
    get,
    path = "/api/v1/sync/pull",
    tag = "sync",
    security(("bearer" = [])),
    params(PullParams),
    responses(
        (status = 200, description = "Changes, or `resync`", body = PullResponse),
        (status = 400, description = "A malformed cursor or limit", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not a clinic", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn pull_changes(
    State(ctx): State<ApiContext>,
    account: CurrentAccount,
    ApiQuery(params): ApiQuery<PullParams>,
) -> Result<Json<PullResponse>, ApiError> {
    let scope = clinic_scope(&ctx, &account).await?;
    let mut conn = ctx.db.acquire().await?;
    let limit = params.limit.unwrap_or(pull::DEFAULT_PAGE);
    Ok(Json(
        pull::page(&mut conn, &scope, params.cursor, limit).await?,
    ))
}

/// Everything the clinic's cache holds, and the cursor to pull from afterwards.
#[utoipa::path(
    get,
    path = "/api/v1/sync/snapshot",
    tag = "sync",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The snapshot", body = Snapshot),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not a clinic", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn take_snapshot(
    State(ctx): State<ApiContext>,
    account: CurrentAccount,
) -> Result<Json<Snapshot>, ApiError> {
    let scope = clinic_scope(&ctx, &account).await?;
    Ok(Json(snapshot::take(&ctx.db, &scope).await?))
}

/// Holds a few public seats of the clinic's own slot for offline bookings.
#[utoipa::path(
    post,
    path = "/api/v1/sync/leases",
    tag = "sync",
    security(("bearer" = [])),
    request_body = LeaseRequest,
    responses(
        (status = 201, description = "The lease (the same one again for a request sent again)", body = Lease),
        (status = 400, description = "A malformed body", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not a clinic", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a slot of the clinic's own venues", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not enough free seats (`slot.full`), or the id is another lease's (`lease.id_taken`)", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The lease is refused (a private or past slot, a period not open yet, too many seats …)", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn take_lease(
    State(ctx): State<ApiContext>,
    account: CurrentAccount,
    ApiJson(request): ApiJson<LeaseRequest>,
) -> Result<(StatusCode, Json<Lease>), ApiError> {
    let scope = clinic_scope(&ctx, &account).await?;
    let mut tx = ctx.db.begin().await?;
    let lease = leases::take(&mut tx, &scope, account.id, request, Utc::now()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(lease)))
}

#[derive(Debug, thiserror::Error)]
#[error("this device is registered to another account")]
struct DeviceRefusal;

impl Coded for DeviceRefusal {
    fn code(&self) -> Code {
        Code::SyncDeviceOfAnotherAccount
    }
    fn message_ja(&self) -> String {
        "この端末は別のアカウントで登録されています。医療機関専用ダイヤルへご連絡ください。".into()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("a push carries at most {MAX_BATCH} intents, not {0}")]
struct BatchTooLarge(usize);

impl Coded for BatchTooLarge {
    fn code(&self) -> Code {
        Code::SyncBatchTooLarge
    }
    fn message_ja(&self) -> String {
        format!(
            "一度に送信できる操作は{MAX_BATCH}件までです（{}件）。",
            self.0
        )
    }
}
