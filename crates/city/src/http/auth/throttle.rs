//! The rate limits of `POST /api/v1/login` and `POST /api/v1/residents/lookup`, as extractors;
//! the limiters themselves are [`super::rate_limit`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::time::Duration;

use yoyaku_core::MunicipalityCode;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::{Code, Coded};

use super::rate_limit::{LoginLimiter, LookupLimiter};
use crate::http::ApiContext;
use crate::http::error::ApiError;

#[derive(Debug, thiserror::Error)]
#[error("Too many login attempts. Please try again in {seconds} seconds.")]
struct LoginRateLimited {
    seconds: u64,
}

impl Coded for LoginRateLimited {
    fn code(&self) -> Code {
        Code::AuthRateLimited
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
        limiter
            .admit(*peer, &parts.headers)
            .map_err(|wait| too_many(wait, |seconds| LoginRateLimited { seconds }))?;
        Ok(Self)
    }
}

/// 429 with `Retry-After`, in whole seconds rounded up.
fn too_many<E: Coded + Send + Sync + 'static>(
    wait: Duration,
    error: impl Fn(u64) -> E,
) -> Response {
    let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let mut response =
        ApiError::refused(StatusCode::TOO_MANY_REQUESTS, error(seconds)).into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[derive(Debug, thiserror::Error)]
#[error("Too many checks of tickets. Please try again in {seconds} seconds.")]
struct LookupRateLimited {
    seconds: u64,
}

impl Coded for LookupRateLimited {
    fn code(&self) -> Code {
        Code::LookupRateLimited
    }
    fn message_ja(&self) -> String {
        format!(
            "接種券の確認が続けて行われたため、しばらく確認できません。{}秒後にもう一度お試しください。",
            self.seconds
        )
    }
}

/// A look-up the limits hold back for this long: 429 `lookup.rate_limited`.
pub(in crate::http) struct LookupLimited(Duration);

impl From<LookupLimited> for Response {
    fn from(LookupLimited(wait): LookupLimited) -> Self {
        too_many(wait, |seconds| LookupRateLimited { seconds })
    }
}

/// The look-up's limits for this request: its client's (for the open web) and each ticket's.
pub(in crate::http) struct LookupLimits {
    limiter: Arc<LookupLimiter>,
    peer: SocketAddr,
    headers: axum::http::HeaderMap,
}

impl LookupLimits {
    /// A check from the open web takes one from its address's bucket.
    pub fn admit_web(&self) -> Result<(), LookupLimited> {
        self.limiter
            .admit_web_client(self.peer, &self.headers)
            .map_err(LookupLimited)
    }

    /// Refuses a ticket resting after its failed checks.
    pub fn admit_ticket(
        &self,
        ticket: (MunicipalityCode, TicketNumber),
    ) -> Result<(), LookupLimited> {
        match self.limiter.ticket_wait(ticket) {
            Some(wait) => Err(LookupLimited(wait)),
            None => Ok(()),
        }
    }

    /// Counts a check of the ticket that failed.
    pub fn failed(&self, ticket: (MunicipalityCode, TicketNumber)) {
        self.limiter.ticket_failed(ticket);
    }
}

impl FromRequestParts<ApiContext> for LookupLimits {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &ApiContext) -> Result<Self, Response> {
        let limiter = parts.extensions.get::<Arc<LookupLimiter>>().cloned();
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        let (Some(limiter), Some(ConnectInfo(peer))) = (limiter, peer) else {
            let error = ApiError::internal("served without the look-up limiter or peer address");
            return Err(error.into_response());
        };
        Ok(Self {
            limiter,
            peer: *peer,
            headers: parts.headers.clone(),
        })
    }
}
