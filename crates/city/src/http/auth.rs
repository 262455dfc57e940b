//! Login (rate-limited per client, with lockout), logout, the session's profile, and the
//! [`CurrentAccount`] extractor that guards everything else.

mod browser;
mod lockout;
mod on_behalf;
pub(crate) mod rate_limit;
pub(super) mod session;
mod throttle;
pub(crate) mod ticket_rests;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;
use yoyaku_core::wire::{AccountProfile, LoginRequest, LoginResponse, Role, VenueInfo};
use yoyaku_core::{AccountId, Code, Coded, MunicipalityCode};

use super::ApiContext;
use super::error::ApiError;
use super::extract::ApiJson;
use crate::{password, token};
pub(super) use browser::session_cookie;
use lockout::{AccountLocked, Admission, LockedByCity};
pub(super) use on_behalf::ON_BEHALF_OF;
use on_behalf::clinic_named;
use throttle::LoginAdmitted;
pub(super) use throttle::LookupLimits;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(session::session))
        .routes(routes!(browser::browser_sign_in))
        .routes(routes!(browser::browser_session))
        .routes(routes!(browser::browser_sign_out))
        .routes(routes!(on_behalf::clinics))
}

/// 利用規約に同意する was left unchecked.
#[derive(Debug, thiserror::Error)]
#[error("Please agree to the terms of use.")]
struct TermsNotAgreed;

impl Coded for TermsNotAgreed {
    fn code(&self) -> Code {
        Code::AuthTermsNotAgreed
    }
    fn message_ja(&self) -> String {
        "利用規約に同意してください。".into()
    }
}

struct LoginAccount {
    id: Uuid,
    account_id: String,
    display_name: String,
    role: String,
    password_hash: String,
    municipality_name: String,
}

/// Logs in with 自治体番号, アカウントID and パスワード; answers a bearer token for the other
/// endpoints. Rate-limited per client; five wrong passwords in a row lock the account for 15 minutes.
#[utoipa::path(
    post,
    path = "/api/v1/login",
    tag = "auth",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 400, description = "A malformed municipality code or account ID, the terms not agreed to (`auth.terms_not_agreed`), or a malformed body", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.invalid_credentials`: the municipality code, account ID or password is wrong", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 423, description = "`auth.locked` or `auth.locked_by_city`: the right password of an account locked after wrong passwords, or by the city's administrator", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`auth.rate_limited`: too many attempts from this client",
         headers(("Retry-After" = u64, description = "Seconds to wait")), body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn login(
    _: LoginAdmitted,
    State(ctx): State<ApiContext>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let (municipality_code, account, role) = authenticate(&ctx, request).await?;
    let (token, expires_at) = start_session(&ctx, municipality_code, account.id, None).await?;
    let venues = venues_run_by(&ctx.db, municipality_code, account.id).await?;
    Ok(Json(LoginResponse {
        token,
        expires_at,
        profile: account.profile(municipality_code, role, venues),
    }))
}

impl LoginAccount {
    fn profile(
        self,
        municipality_code: MunicipalityCode,
        role: Role,
        venues: Vec<VenueInfo>,
    ) -> AccountProfile {
        AccountProfile {
            municipality_code,
            municipality_name: self.municipality_name,
            account_id: self.account_id,
            display_name: self.display_name,
            role,
            venues,
        }
    }
}

/// The account the login form names, when its password is right and it is not locked.
async fn authenticate(
    ctx: &ApiContext,
    request: LoginRequest,
) -> Result<(MunicipalityCode, LoginAccount, Role), ApiError> {
    let municipality_code =
        MunicipalityCode::parse(&request.municipality_code).map_err(ApiError::invalid)?;
    let account_id = AccountId::parse(&request.account_id).map_err(ApiError::invalid)?;
    if !request.agreed_to_terms {
        return Err(ApiError::invalid(TermsNotAgreed));
    }

    let account = sqlx::query_as!(
        LoginAccount,
        "select a.id, a.account_id, a.display_name, a.role, a.password_hash,
                m.name_ja as municipality_name
         from accounts a join municipalities m on m.code = a.municipality_code
         where a.municipality_code = $1 and a.account_id = $2",
        municipality_code.as_string(),
        account_id.as_str(),
    )
    .fetch_optional(&ctx.db)
    .await?;

    // An unknown account is checked against a dummy hash: both refusals take equally long.
    let stored_hash = account
        .as_ref()
        .map_or(password::DUMMY_HASH, |a| &a.password_hash)
        .to_owned();
    let password_matches =
        tokio::task::spawn_blocking(move || password::verify(&request.password, &stored_hash))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
    // The lockout must not tell a guesser which accounts exist. A locked account says so (423)
    // only to someone who gives its right password; a wrong password, locked or not, and an
    // unknown account get the same 401, and nothing is counted or stored for unknown names. So a
    // guesser sees only 401s whether the account exists or not, and cannot fill the database
    // with made-up names, while the owner learns why the right password is refused.
    let account = match account {
        None => return Err(ApiError::InvalidCredentials),
        Some(account) if !password_matches => {
            lockout::record_failure(&ctx.db, municipality_code, account.id).await?;
            return Err(ApiError::InvalidCredentials);
        }
        Some(account) => account,
    };
    match lockout::clear(&ctx.db, municipality_code, account.id).await? {
        Admission::Admitted => {}
        Admission::LockedOut => return Err(ApiError::refused(StatusCode::LOCKED, AccountLocked)),
        Admission::LockedByCity => {
            return Err(ApiError::refused(StatusCode::LOCKED, LockedByCity));
        }
    }
    let role = parse_role(&account.role)?;
    Ok((municipality_code, account, role))
}

/// A new session of `account`: its token, and when it ends. A browser's carries its CSRF token.
async fn start_session(
    ctx: &ApiContext,
    municipality_code: MunicipalityCode,
    account: Uuid,
    csrf_token: Option<&str>,
) -> Result<(String, chrono::DateTime<Utc>), ApiError> {
    let token = token::session(municipality_code);
    let expires_at = Utc::now() + ctx.config.session_lifetime;
    sqlx::query!(
        "insert into sessions (municipality_code, token_hash, account_id, expires_at, csrf_token)
         values ($1, $2, $3, $4, $5)",
        municipality_code.as_string(),
        &token::hash(&token),
        account,
        expires_at as _,
        csrf_token,
    )
    .execute(&ctx.db)
    .await?;
    Ok((token, expires_at))
}

/// The venues whose clinic is this account, by venue number; none for other roles.
async fn venues_run_by(
    db: &PgPool,
    municipality_code: MunicipalityCode,
    account: Uuid,
) -> Result<Vec<VenueInfo>, sqlx::Error> {
    sqlx::query_as!(
        VenueInfo,
        "select id, venue_number, name from venues
         where municipality_code = $1 and clinic_account_id = $2
         order by venue_number",
        municipality_code.as_string(),
        account,
    )
    .fetch_all(db)
    .await
}

/// Ends the session of the token.
#[utoipa::path(
    post,
    path = "/api/v1/logout",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "`auth.session_invalid`: no, an unknown or an expired token", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn logout(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
) -> Result<StatusCode, ApiError> {
    account.end_session(&ctx.db).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account of the request's `Authorization: Bearer <token>`, whose session has not expired.
/// The session fixes the municipality: every query a handler makes binds it.
pub(crate) struct CurrentAccount {
    pub municipality_code: MunicipalityCode,
    /// `accounts.id` of the account logged in; with [`Self::on_behalf_of`], the call center's.
    pub id: Uuid,
    /// The logged-in account's role; with [`Self::on_behalf_of`], still the call center.
    pub role: Role,
    /// The clinic the call center is operating for (header `X-Yoyaku-On-Behalf-Of`): requests act
    /// on its venues, and the audit log records both it and the acting account [`Self::id`].
    pub on_behalf_of: Option<ClinicRef>,
    token_hash: [u8; 32],
}

/// A clinic account of the session's municipality.
pub(crate) struct ClinicRef {
    /// `accounts.id`
    pub id: Uuid,
}

impl CurrentAccount {
    /// Ends the session this request came with (a desktop's or a browser's).
    async fn end_session(&self, db: &PgPool) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "delete from sessions where municipality_code = $1 and token_hash = $2",
            self.municipality_code.as_string(),
            &self.token_hash,
        )
        .execute(db)
        .await?;
        Ok(())
    }

    pub fn require_role(&self, role: Role) -> Result<(), ApiError> {
        if self.role == role {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// The clinic whose venues this request acts on: the logged-in clinic, or the clinic the
    /// call center operates for; none otherwise.
    pub fn clinic_id(&self) -> Option<Uuid> {
        match &self.on_behalf_of {
            Some(clinic) => Some(clinic.id),
            None => (self.role == Role::Clinic).then_some(self.id),
        }
    }

    /// The venues this request acts on (those of [`Self::clinic_id`]), by venue number.
    pub async fn venues(&self, db: &PgPool) -> Result<Vec<VenueInfo>, sqlx::Error> {
        match self.clinic_id() {
            Some(clinic) => venues_run_by(db, self.municipality_code, clinic).await,
            None => Ok(Vec::new()),
        }
    }
}

struct SessionAccount {
    municipality_code: String,
    account_id: Uuid,
    role: String,
    csrf_token: Option<String>,
}

impl FromRequestParts<ApiContext> for CurrentAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &ApiContext) -> Result<Self, ApiError> {
        let (token, from_cookie) = match bearer_token(&parts.headers) {
            Some(token) => (token, false),
            None => (
                browser::session_cookie(&parts.headers).ok_or(ApiError::SessionInvalid)?,
                true,
            ),
        };
        let municipality = token::municipality_of(token).ok_or(ApiError::SessionInvalid)?;
        let token_hash = token::hash(token);
        let session = sqlx::query_as!(
            SessionAccount,
            "select s.municipality_code, s.account_id, a.role, s.csrf_token
             from sessions s
             join accounts a on a.municipality_code = s.municipality_code and a.id = s.account_id
             where s.municipality_code = $1 and s.token_hash = $2 and s.expires_at > now()",
            municipality.as_string(),
            &token_hash,
        )
        .fetch_optional(&ctx.db)
        .await?
        .ok_or(ApiError::SessionInvalid)?;
        // A browser's cookie goes with every request to this site, whoever's page sends it: a
        // write must also prove it comes from our own page, which alone can read the token.
        if from_cookie && !parts.method.is_safe() {
            browser::check_csrf(&parts.headers, session.csrf_token.as_deref())?;
        }
        let municipality_code =
            MunicipalityCode::parse(&session.municipality_code).map_err(ApiError::internal)?;
        let role = parse_role(&session.role)?;
        let on_behalf_of = match parts.headers.get(ON_BEHALF_OF) {
            None => None,
            // Only the call center operates for clinics; no clinic may act as another.
            Some(_) if role != Role::CallCenter => return Err(ApiError::Forbidden),
            Some(clinic) => Some(clinic_named(&ctx.db, municipality_code, clinic).await?),
        };
        Ok(Self {
            municipality_code,
            id: session.account_id,
            role,
            on_behalf_of,
            token_hash,
        })
    }
}

fn parse_role(role: &str) -> Result<Role, ApiError> {
    Role::parse(role).ok_or_else(|| ApiError::internal(format!("unknown role {role:?}")))
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let (scheme, token) = headers.get(AUTHORIZATION)?.to_str().ok()?.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
