//! Sessions of the city's browser consoles (the call center's, the city's): the same accounts
//! and sessions as the desktop app, but the token rides in an `HttpOnly; Secure; SameSite=Strict`
//! cookie that the page's scripts never see, and every write carries the session's CSRF token in
//! `X-Yoyaku-CSRF`, which only our own page can read (from these answers).
//! - `POST /api/v1/browser/login`: signs in, sets the cookie
//! - `GET /api/v1/browser/session`: the signed-in account and the CSRF token, after a reload
//! - `POST /api/v1/browser/logout`: ends the session, clears the cookie

use axum::Json;
use axum::extract::State;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use yoyaku_core::wire::{AccountProfile, LoginRequest, Role};
use yoyaku_core::{Code, Coded};

use super::throttle::LoginAdmitted;
use super::{CurrentAccount, authenticate, start_session, venues_run_by};
use crate::http::ApiContext;
use crate::http::error::ApiError;
use crate::http::extract::ApiJson;
use crate::token;

const COOKIE_NAME: &str = "yoyaku_session";
const CSRF_HEADER: &str = "x-yoyaku-csrf";

/// The session token of the request's cookie.
pub(in crate::http) fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, token)| token)
        .filter(|token| !token.is_empty())
}

/// A write from a browser without its session's CSRF token.
#[derive(Debug, thiserror::Error)]
#[error("reload the page and try again: this request did not come with the page's security token")]
struct CsrfRefused;

impl Coded for CsrfRefused {
    fn code(&self) -> Code {
        Code::AuthCsrf
    }
    fn message_ja(&self) -> String {
        "ページを再読み込みしてから、もう一度操作してください（画面の確認用の符号がありません）。"
            .into()
    }
}

pub(super) fn check_csrf(headers: &HeaderMap, expected: Option<&str>) -> Result<(), ApiError> {
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    match (sent, expected) {
        // Compared by their hashes: equal time whatever the first differing byte.
        (Some(sent), Some(expected)) if token::hash(sent) == token::hash(expected) => Ok(()),
        _ => Err(ApiError::refused(StatusCode::FORBIDDEN, CsrfRefused)),
    }
}

fn cookie(token: &str, max_age_secs: i64) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={token}; Path=/; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=Strict"
    ))
    .map_err(ApiError::internal)
}

/// A browser's session: who is signed in, the token its writes send in `X-Yoyaku-CSRF`, and when
/// it ends.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct BrowserSession {
    profile: AccountProfile,
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

/// Signs a call-center operator or a city official in to a browser console; the token is set as
/// an HttpOnly cookie and never shown to the page. Clinics use the desktop app.
#[utoipa::path(
    post,
    path = "/api/v1/browser/login",
    tag = "auth",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in: the session cookie is set", body = BrowserSession,
         headers(("Set-Cookie" = String, description = "`yoyaku_session`: HttpOnly, Secure, SameSite=Strict"))),
        (status = 400, description = "A malformed municipality code or account ID, or the terms not agreed to", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.invalid_credentials`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: a clinic's account (clinics use the desktop app)", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 423, description = "`auth.locked` or `auth.locked_by_city`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`auth.rate_limited`, with `Retry-After`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn browser_sign_in(
    _: LoginAdmitted,
    State(ctx): State<ApiContext>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (municipality_code, account, role) = authenticate(&ctx, request).await?;
    if role == Role::Clinic {
        return Err(ApiError::Forbidden);
    }
    let csrf_token = token::generate();
    let (token, expires_at) =
        start_session(&ctx, municipality_code, account.id, Some(&csrf_token)).await?;
    let set_cookie = cookie(&token, ctx.config.session_lifetime.num_seconds())?;
    let session = BrowserSession {
        profile: account.profile(municipality_code, role, Vec::new()),
        csrf_token,
        expires_at,
    };
    Ok((AppendHeaders([(SET_COOKIE, set_cookie)]), Json(session)))
}

struct SessionRow {
    csrf_token: Option<String>,
    expires_at: DateTime<Utc>,
}

/// The console's session after a reload: who is signed in and the CSRF token.
#[utoipa::path(
    get,
    path = "/api/v1/browser/session",
    tag = "auth",
    security(("cookie" = [])),
    responses(
        (status = 200, description = "The session", body = BrowserSession),
        (status = 401, description = "`auth.session_invalid`: not signed in, or the session ended", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn browser_session(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
) -> Result<Json<BrowserSession>, ApiError> {
    let row = sqlx::query_as!(
        SessionRow,
        r#"select csrf_token, expires_at as "expires_at: DateTime<Utc>" from sessions
           where municipality_code = $1 and token_hash = $2"#,
        account.municipality_code.as_string(),
        &account.token_hash,
    )
    .fetch_one(&ctx.db)
    .await?;
    // A desktop's bearer session has no CSRF token: it is not a browser's.
    let csrf_token = row.csrf_token.ok_or(ApiError::SessionInvalid)?;
    let venues = venues_run_by(&ctx.db, account.municipality_code, account.id).await?;
    let profile =
        super::session::account_profile(&ctx.db, account.municipality_code, account.id, venues)
            .await?;
    Ok(Json(BrowserSession {
        profile,
        csrf_token,
        expires_at: row.expires_at,
    }))
}

/// Ends the console's session and clears its cookie.
#[utoipa::path(
    post,
    path = "/api/v1/browser/logout",
    tag = "auth",
    security(("cookie" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.csrf`: the page's CSRF token is missing or wrong", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn browser_sign_out(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
) -> Result<impl IntoResponse, ApiError> {
    account.end_session(&ctx.db).await?;
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, cookie("", 0)?)]),
    ))
}
