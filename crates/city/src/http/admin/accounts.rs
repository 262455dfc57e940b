//! Accounts and venues:
//! - `POST /api/v1/admin/accounts` {account_id, display_name, role, password} → 201 account
//! - `GET /api/v1/admin/accounts` → {accounts: [account]}
//! - `POST /api/v1/admin/accounts/{account_id}/password` {password} → 204; the account's
//!   sessions end and a login lockout is lifted (the clinic that locked itself out calls the city)
//! - `POST /api/v1/admin/accounts/{account_id}/lock` → 204; it cannot log in and its sessions
//!   end, until `POST …/unlock` (which lifts a login lockout too)
//! - `POST /api/v1/admin/venues` {venue_number, name, clinic_account_id, mass_venue} → 201 venue
//! - `GET /api/v1/admin/venues` → {venues: [venue]}
//!
//! Accounts are named by their アカウントID (the login name), in paths and bodies alike.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use yoyaku_core::wire::Role;
use yoyaku_core::{AccountId, Code, Coded};

use super::super::ApiContext;
use super::super::error::ApiError;
use super::super::extract::ApiJson;
use super::{Admin, Refusal, find_clinic, or_duplicate};
use crate::audit::{self, AdminEntity};
use crate::password;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// 会場番号 are three digits in slot names (【…】101.20211025.0900).
const VENUE_NUMBERS: std::ops::RangeInclusive<i32> = 1..=999;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(create_account, list_accounts))
        .routes(routes!(reset_password))
        .routes(routes!(lock_account))
        .routes(routes!(unlock_account))
        .routes(routes!(create_venue, list_venues))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum InputError {
    #[error("please enter the display name")]
    DisplayName,
    #[error(
        "the password must be {} to {} characters",
        password::LENGTH.start(),
        password::LENGTH.end()
    )]
    PasswordLength,
    #[error(
        "the venue number must be {} to {}",
        VENUE_NUMBERS.start(),
        VENUE_NUMBERS.end()
    )]
    VenueNumber,
    #[error("please enter the venue name")]
    VenueName,
    #[error("please enter the account ID of the clinic that runs the venue")]
    VenueClinic,
}

impl Coded for InputError {
    fn code(&self) -> Code {
        match self {
            Self::DisplayName => Code::AccountDisplayNameRequired,
            Self::PasswordLength => Code::PasswordLength,
            Self::VenueNumber => Code::VenueNumber,
            Self::VenueName => Code::VenueNameRequired,
            Self::VenueClinic => Code::VenueClinicRequired,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::DisplayName => "表示名を入力してください。".into(),
            Self::PasswordLength => format!(
                "パスワードは{}〜{}文字にしてください。",
                password::LENGTH.start(),
                password::LENGTH.end()
            ),
            Self::VenueNumber => format!(
                "会場番号は{}〜{}にしてください。",
                VENUE_NUMBERS.start(),
                VENUE_NUMBERS.end()
            ),
            Self::VenueName => "会場名を入力してください。".into(),
            Self::VenueClinic => {
                "会場を運営する医療機関のアカウントIDを入力してください（市の集団接種会場を除く）。"
                    .into()
            }
        }
    }
}

/// A required text field, trimmed.
fn required(text: &str, missing: InputError) -> Result<&str, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        Err(ApiError::invalid(missing))
    } else {
        Ok(text)
    }
}

/// The argon2id hash of an acceptable password, made off the async threads.
async fn hash_password(password: String) -> Result<String, ApiError> {
    if !password::LENGTH.contains(&password.chars().count()) {
        return Err(ApiError::invalid(InputError::PasswordLength));
    }
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewAccount {
    account_id: String,
    display_name: String,
    role: Role,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct AccountSummary {
    id: Uuid,
    account_id: String,
    display_name: String,
    #[schema(value_type = Role)]
    role: String,
    created_at: DateTime<Utc>,
    /// When an administrator locked it; it cannot log in until unlocked.
    locked_at: Option<DateTime<Utc>>,
    /// While in the future: locked after wrong passwords (a password reset or unlock lifts it).
    locked_out_until: Option<DateTime<Utc>>,
    last_login_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct AccountList {
    accounts: Vec<AccountSummary>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/accounts",
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewAccount,
    responses(
        (status = 201, description = "The account", body = AccountSummary),
        (status = 400, description = "Malformed input: the account ID, an empty display name, a password of the wrong length (`password.length`) …", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`account.duplicate`: the account ID is taken", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn create_account(
    admin: Admin,
    State(ctx): State<ApiContext>,
    ApiJson(new): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<AccountSummary>), ApiError> {
    let account_id = AccountId::parse(&new.account_id).map_err(ApiError::invalid)?;
    let display_name = required(&new.display_name, InputError::DisplayName)?;
    let password_hash = hash_password(new.password).await?;
    let mut tx = ctx.db.begin().await?;
    let account = sqlx::query_as!(
        AccountSummary,
        r#"insert into accounts (municipality_code, id, account_id, display_name, role, password_hash)
         values ($1, $2, $3, $4, $5, $6)
         returning id, account_id, display_name, role,
                   created_at as "created_at: chrono::DateTime<chrono::Utc>",
                   locked_at as "locked_at: chrono::DateTime<chrono::Utc>",
                   locked_until as "locked_out_until: chrono::DateTime<chrono::Utc>",
                   last_login_at as "last_login_at: chrono::DateTime<chrono::Utc>""#,
        admin.municipality_code.as_string(),
        Uuid::new_v4(),
        account_id.as_str(),
        display_name,
        new.role.as_str(),
        password_hash,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| or_duplicate(e, Refusal::AccountTaken(account_id.to_string())))?;
    let after = json!({ "display_name": account.display_name, "role": new.role.as_str() });
    let entity = AdminEntity::Account(account_id.as_str());
    audit::record_admin(
        &mut tx,
        admin.municipality_code,
        admin.id,
        "account.create",
        entity,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(account)))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/accounts",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The municipality's accounts, by account ID", body = AccountList),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn list_accounts(
    admin: Admin,
    State(ctx): State<ApiContext>,
) -> Result<Json<AccountList>, ApiError> {
    let accounts = sqlx::query_as!(
        AccountSummary,
        r#"select id, account_id, display_name, role,
                  created_at as "created_at: chrono::DateTime<chrono::Utc>",
                  locked_at as "locked_at: chrono::DateTime<chrono::Utc>",
                  case when locked_until > now() then locked_until end
                      as "locked_out_until: chrono::DateTime<chrono::Utc>",
                  last_login_at as "last_login_at: chrono::DateTime<chrono::Utc>"
         from accounts where municipality_code = $1 order by account_id"#,
        admin.municipality_code.as_string(),
    )
    .fetch_all(&ctx.db)
    .await?;
    Ok(Json(AccountList { accounts }))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewPassword {
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    password: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/accounts/{account_id}/password",
    tag = "admin",
    security(("bearer" = [])),
    params(("account_id" = String, Path, description = "アカウントID")),
    request_body = NewPassword,
    responses(
        (status = 204, description = "Set; the account's sessions end and a login lockout is lifted"),
        (status = 400, description = "A malformed account ID or a password of the wrong length", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`account.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn reset_password(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(account_id): Path<String>,
    ApiJson(new): ApiJson<NewPassword>,
) -> Result<StatusCode, ApiError> {
    let account_id = AccountId::parse(&account_id).map_err(ApiError::invalid)?;
    let password_hash = hash_password(new.password).await?;
    let mut tx = ctx.db.begin().await?;
    let id = sqlx::query_scalar!(
        "update accounts set password_hash = $3, failed_logins = 0, locked_until = null
         where municipality_code = $1 and account_id = $2
         returning id",
        admin.municipality_code.as_string(),
        account_id.as_str(),
        password_hash,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Refusal::AccountNotFound(account_id.to_string()))?;
    // Whoever knew the old password is logged out.
    sqlx::query!(
        "delete from sessions where municipality_code = $1 and account_id = $2",
        admin.municipality_code.as_string(),
        id,
    )
    .execute(&mut *tx)
    .await?;
    let entity = AdminEntity::Account(account_id.as_str());
    let after = json!({ "sessions_ended": true, "lockout_lifted": true });
    audit::record_admin(
        &mut tx,
        admin.municipality_code,
        admin.id,
        "account.reset_password",
        entity,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("you cannot lock your own account; another administrator can")]
struct LockSelf;

impl Coded for LockSelf {
    fn code(&self) -> Code {
        Code::AccountLockSelf
    }
    fn message_ja(&self) -> String {
        "ご自身のアカウントは停止できません。別の管理者に依頼してください。".into()
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/accounts/{account_id}/lock",
    tag = "admin",
    security(("bearer" = [])),
    params(("account_id" = String, Path, description = "アカウントID")),
    responses(
        (status = 204, description = "Locked (again: no change): it cannot log in, and its sessions have ended"),
        (status = 400, description = "A malformed account ID", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`account.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`account.lock_self`: an administrator's own account", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn lock_account(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(account_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_lock(admin, ctx, &account_id, true).await
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/accounts/{account_id}/unlock",
    tag = "admin",
    security(("bearer" = [])),
    params(("account_id" = String, Path, description = "アカウントID")),
    responses(
        (status = 204, description = "Unlocked, and any login lockout lifted"),
        (status = 400, description = "A malformed account ID", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`account.not_found`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn unlock_account(
    admin: Admin,
    State(ctx): State<ApiContext>,
    Path(account_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_lock(admin, ctx, &account_id, false).await
}

/// Locks the account and ends its sessions, or unlocks it and lifts a login lockout.
async fn set_lock(
    admin: Admin,
    ctx: ApiContext,
    account_id: &str,
    lock: bool,
) -> Result<StatusCode, ApiError> {
    let account_id = AccountId::parse(account_id).map_err(ApiError::invalid)?;
    let municipality = admin.municipality_code.as_string();
    let mut tx = ctx.db.begin().await?;
    let id = sqlx::query_scalar!(
        "update accounts
         set locked_at = case when $3 then coalesce(locked_at, now()) end,
             failed_logins = case when $3 then failed_logins else 0 end,
             locked_until = case when $3 then locked_until end
         where municipality_code = $1 and account_id = $2
         returning id",
        &municipality,
        account_id.as_str(),
        lock,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Refusal::AccountNotFound(account_id.to_string()))?;
    if lock && id == admin.id {
        // Dropped unsaved: the transaction rolls back.
        return Err(ApiError::refused(StatusCode::CONFLICT, LockSelf));
    }
    if lock {
        sqlx::query!(
            "delete from sessions where municipality_code = $1 and account_id = $2",
            &municipality,
            id,
        )
        .execute(&mut *tx)
        .await?;
    }
    let (action, after) = if lock {
        (
            "account.lock",
            json!({ "locked": true, "sessions_ended": true }),
        )
    } else {
        (
            "account.unlock",
            json!({ "locked": false, "lockout_lifted": true }),
        )
    };
    let entity = AdminEntity::Account(account_id.as_str());
    audit::record_admin(
        &mut tx,
        admin.municipality_code,
        admin.id,
        action,
        entity,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewVenue {
    /// 会場番号, 1 to 999.
    #[schema(minimum = 1, maximum = 999)]
    venue_number: i32,
    name: String,
    /// アカウントID of the clinic that runs the venue; a mass venue may have none (the city
    /// runs it).
    #[serde(default)]
    clinic_account_id: Option<String>,
    /// One of the city's mass-vaccination venues (市総合体育館等): every clinic may book its
    /// 公開枠 (a second dose after a period's window).
    #[serde(default)]
    mass_venue: bool,
    /// 区, by which the residents' page lists venues.
    #[serde(default)]
    ward: Option<String>,
    /// 所在地, shown on the residents' page.
    #[serde(default)]
    address: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct VenueSummary {
    id: Uuid,
    venue_number: i32,
    name: String,
    /// アカウントID of the clinic that runs the venue, if any.
    clinic_account_id: Option<String>,
    mass_venue: bool,
    ward: Option<String>,
    address: Option<String>,
}

/// Optional text as stored: trimmed, and none when blank.
fn optional(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

#[derive(Serialize, utoipa::ToSchema)]
struct VenueList {
    venues: Vec<VenueSummary>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/venues",
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewVenue,
    responses(
        (status = 201, description = "The venue", body = VenueSummary),
        (status = 400, description = "`venue.number`, `venue.name_required`, `venue.clinic_required` (no clinic for a venue that is not a mass venue) or a malformed account ID", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`account.not_found`: no such clinic account", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`venue.duplicate`: the venue number is taken", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`account.not_a_clinic`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn create_venue(
    admin: Admin,
    State(ctx): State<ApiContext>,
    ApiJson(new): ApiJson<NewVenue>,
) -> Result<(StatusCode, Json<VenueSummary>), ApiError> {
    if !VENUE_NUMBERS.contains(&new.venue_number) {
        return Err(ApiError::invalid(InputError::VenueNumber));
    }
    let name = required(&new.name, InputError::VenueName)?;
    let clinic_account_id = optional(new.clinic_account_id.as_deref());
    let (ward, address) = (
        optional(new.ward.as_deref()),
        optional(new.address.as_deref()),
    );
    let clinic = match clinic_account_id {
        Some(account_id) => Some(find_clinic(&ctx.db, admin.municipality_code, account_id).await?),
        None if new.mass_venue => None,
        None => return Err(ApiError::invalid(InputError::VenueClinic)),
    };
    let id = Uuid::new_v4();
    let mut tx = ctx.db.begin().await?;
    sqlx::query!(
        "insert into venues (municipality_code, id, venue_number, name, clinic_account_id,
                             mass_venue, ward, address)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        admin.municipality_code.as_string(),
        id,
        new.venue_number,
        name,
        clinic,
        new.mass_venue,
        ward,
        address,
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| or_duplicate(e, Refusal::VenueTaken(new.venue_number)))?;
    let after = json!({
        "id": id, "name": name, "clinic_account_id": clinic_account_id,
        "mass_venue": new.mass_venue, "ward": ward, "address": address,
    });
    let entity = AdminEntity::Venue(new.venue_number);
    audit::record_admin(
        &mut tx,
        admin.municipality_code,
        admin.id,
        "venue.create",
        entity,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(VenueSummary {
            id,
            venue_number: new.venue_number,
            name: name.to_owned(),
            clinic_account_id: clinic_account_id.map(str::to_owned),
            mass_venue: new.mass_venue,
            ward: ward.map(str::to_owned),
            address: address.map(str::to_owned),
        }),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/venues",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The municipality's venues, by venue number", body = VenueList),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the city's admin", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn list_venues(
    admin: Admin,
    State(ctx): State<ApiContext>,
) -> Result<Json<VenueList>, ApiError> {
    let venues = sqlx::query_as!(
        VenueSummary,
        r#"select v.id, v.venue_number, v.name, a.account_id as "clinic_account_id?", v.mass_venue,
                  v.ward, v.address
           from venues v
           left join accounts a
             on a.municipality_code = v.municipality_code and a.id = v.clinic_account_id
           where v.municipality_code = $1
           order by v.venue_number"#,
        admin.municipality_code.as_string(),
    )
    .fetch_all(&ctx.db)
    .await?;
    Ok(Json(VenueList { venues }))
}
