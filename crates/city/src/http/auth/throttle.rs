//! The per-client rate limit of `POST /api/v1/login`, as an extractor that runs before the body
//! is read; the limiter itself is [`crate::server::login_limit`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use yoyaku_core::Coded;

use crate::http::ApiContext;
use crate::http::error::ApiError;
use crate::server::login_limit::LoginLimiter;

#[derive(Debug, thiserror::Error)]
#[error("Too many login attempts. Please try again in {seconds} seconds.")]
struct LoginRateLimited {
    seconds: u64,
}

impl Coded for LoginRateLimited {
    fn code(&self) -> &'static str {
        "auth.rate_limited"
    }
    fn message_ja(&self) -> String {
        format!(
            "ログインの試行回数が多すぎます。{}秒後にもう一度お試しください。",
            self.seconds
        )
    }
}

/// A login attempt the per-client rate limit lets through; otherwise 429 with `Retry-After`.
pub(super) struct LoginAdmitted;

impl FromRequestParts<ApiContext> for LoginAdmitted {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &ApiContext) -> Result<Self, Response> {
        let limiter = parts.extensions.get::<Arc<LoginLimiter>>();
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        let (Some(limiter), Some(ConnectInfo(peer))) = (limiter, peer) else {
            let error = ApiError::internal("served without the login rate limiter or peer address");
            return Err(error.into_response());
        };
        limiter.admit(*peer, &parts.headers).map_err(|wait| {
            let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
            let error = LoginRateLimited { seconds };
            let mut response =
                ApiError::refused(StatusCode::TOO_MANY_REQUESTS, error).into_response();
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
            response
        })?;
        Ok(Self)
    }
}
