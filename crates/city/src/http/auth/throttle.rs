//! The rate limits of `POST /api/v1/login`, `POST /api/v1/residents/lookup` and the web's writes
//! (whose resident key is checked like a look-up's), as extractors;
//! the limiters themselves are [`super::rate_limit`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

use sqlx::PgPool;
use yoyaku_core::{Code, Coded};

use super::rate_limit::{LoginLimiter, LookupLimiter};
use super::ticket_rests::{self, TicketKey};
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
        limiter.admit(*peer, &parts.headers).map_err(|wait| {
            ApiError::too_many(wait, |seconds| LoginRateLimited { seconds }).into_response()
        })?;
        Ok(Self)
    }
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

impl From<LookupLimited> for ApiError {
    fn from(LookupLimited(wait): LookupLimited) -> Self {
        ApiError::too_many(wait, |seconds| LookupRateLimited { seconds })
    }
}

impl From<LookupLimited> for Response {
    fn from(limited: LookupLimited) -> Self {
        ApiError::from(limited).into_response()
    }
}

/// The look-up's limits for this request: its client's (for the open web) and each ticket's.
pub(in crate::http) struct LookupLimits {
    limiter: Arc<LookupLimiter>,
    db: PgPool,
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
    pub async fn admit_ticket(&self, ticket: TicketKey) -> Result<(), ApiError> {
        match ticket_rests::wait(&self.db, ticket).await? {
            Some(wait) => Err(LookupLimited(wait).into()),
            None => Ok(()),
        }
    }

    /// Counts a check of the ticket that failed. The check's own answer stands if the count
    /// cannot be written (the database is then refusing the checks too).
    pub async fn failed(&self, ticket: TicketKey) {
        if let Err(error) = ticket_rests::failed(&self.db, ticket).await {
            tracing::warn!(%error, "could not count a failed check of a ticket");
        }
    }

    /// A write from the open web carries the resident key as its credential, so trying keys
    /// through it is held back like trying them through a look-up: it waits while its address or
    /// its ticket rests after failed checks. Only a failed key costs a check
    /// ([`Self::web_key_failed`]), so a resident's own bookings never do.
    pub async fn admit_web_key(&self, ticket: TicketKey) -> Result<(), ApiError> {
        if let Some(wait) = self.limiter.web_client_wait(self.peer, &self.headers) {
            return Err(LookupLimited(wait).into());
        }
        self.admit_ticket(ticket).await
    }

    /// Counts a web write the registry refused for its key: a failed check of its ticket and of
    /// its address.
    pub async fn web_key_failed(&self, ticket: TicketKey) {
        self.limiter.web_client_failed(self.peer, &self.headers);
        self.failed(ticket).await;
    }
}

impl FromRequestParts<ApiContext> for LookupLimits {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ctx: &ApiContext) -> Result<Self, Response> {
        let limiter = parts.extensions.get::<Arc<LookupLimiter>>().cloned();
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        let (Some(limiter), Some(ConnectInfo(peer))) = (limiter, peer) else {
            let error = ApiError::internal("served without the look-up limiter or peer address");
            return Err(error.into_response());
        };
        Ok(Self {
            limiter,
            db: ctx.db.clone(),
            peer: *peer,
            headers: parts.headers.clone(),
        })
    }
}
