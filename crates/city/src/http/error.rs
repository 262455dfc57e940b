//! Every error the API answers is an RFC 9457 problem document (`application/problem+json`) with
//! a stable code and a message in Japanese and English: [`yoyaku_core::Problem`].

use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use yoyaku_core::slot::AlternativeSlot;
use yoyaku_core::{Code, Coded, Problem};

const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// Input a parser refused: 400 with the parser's own code and messages.
    #[error("invalid input: {0}")]
    Invalid(Box<dyn Coded + Send + Sync>),
    /// A rule refused the request (not found, conflict, full slot …): the given status with the
    /// rule's own code and messages, and alternatives the client could take instead.
    #[error("refused ({status}): {error}")]
    Refused {
        status: StatusCode,
        error: Box<dyn Coded + Send + Sync>,
        alternatives: Vec<AlternativeSlot>,
    },
    /// A request the framework could not take in: malformed JSON or query, wrong content type,
    /// too large a body, unknown path or method.
    #[error("unusable request ({status}): {detail}")]
    Request { status: StatusCode, detail: String },
    /// A rate limit holds the client back: 429 with the limit's own code and `Retry-After`.
    #[error("rate limited for {retry_after_secs} s: {error}")]
    TooMany {
        retry_after_secs: u64,
        error: Box<dyn Coded + Send + Sync>,
    },
    #[error("the municipality code, account ID or password is wrong")]
    InvalidCredentials,
    #[error("the session token is missing, unknown or expired")]
    SessionInvalid,
    #[error("this account's role may not use this function")]
    Forbidden,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub(crate) fn invalid(error: impl Coded + Send + Sync + 'static) -> Self {
        Self::Invalid(Box::new(error))
    }

    pub(crate) fn refused(status: StatusCode, error: impl Coded + Send + Sync + 'static) -> Self {
        Self::Refused {
            status,
            error: Box::new(error),
            alternatives: Vec::new(),
        }
    }

    /// Adds alternatives to a [`Self::Refused`]; other errors are returned unchanged.
    pub(crate) fn with_alternatives(mut self, slots: Vec<AlternativeSlot>) -> Self {
        if let Self::Refused { alternatives, .. } = &mut self {
            *alternatives = slots;
        }
        self
    }

    /// 429 for `wait`, said in whole seconds rounded up; `error` is told those seconds.
    pub(crate) fn too_many<E: Coded + Send + Sync + 'static>(
        wait: std::time::Duration,
        error: impl Fn(u64) -> E,
    ) -> Self {
        let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        Self::TooMany {
            retry_after_secs: seconds,
            error: Box::new(error(seconds)),
        }
    }

    /// The code of a refusal the client is answered with; `None` for the other errors.
    pub(crate) fn refusal_code(&self) -> Option<Code> {
        match self {
            Self::Invalid(error) | Self::Refused { error, .. } => Some(error.code()),
            _ => None,
        }
    }

    pub(crate) fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(error.into())
    }

    fn problem(&self) -> Problem {
        let (status, code, ja, en): (StatusCode, Code, &str, String) = match self {
            Self::Invalid(error) => {
                return Problem::from_coded(StatusCode::BAD_REQUEST.as_u16(), error.as_ref());
            }
            Self::Refused {
                status,
                error,
                alternatives,
            } => {
                let mut problem = Problem::from_coded(status.as_u16(), error.as_ref());
                problem.alternatives = alternatives.clone();
                return problem;
            }
            Self::TooMany { error, .. } => {
                return Problem::from_coded(StatusCode::TOO_MANY_REQUESTS.as_u16(), error.as_ref());
            }
            Self::Request { status, detail } => {
                let (code, ja) = request_code_and_message(*status);
                (*status, code, ja, detail.clone())
            }
            Self::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                Code::AuthInvalidCredentials,
                "自治体番号、アカウントID、パスワードのいずれかが正しくありません。",
                "The municipality code, account ID or password is incorrect.".into(),
            ),
            Self::SessionInvalid => (
                StatusCode::UNAUTHORIZED,
                Code::AuthSessionInvalid,
                "ログインの有効期限が切れました。もう一度ログインしてください。",
                "Your login has expired. Please log in again.".into(),
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                Code::AuthForbidden,
                "このアカウントではこの機能を利用できません。",
                "This account may not use this function.".into(),
            ),
            Self::Database(error) if is_unavailable(error) => (
                StatusCode::SERVICE_UNAVAILABLE,
                Code::ServerDatabaseUnavailable,
                "データベースに接続できません。しばらくしてからもう一度お試しください。",
                "The database is unavailable. Please try again later.".into(),
            ),
            Self::Database(_) | Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::ServerInternal,
                "サーバーで問題が発生しました。しばらくしてからもう一度お試しください。",
                "Something went wrong on the server. Please try again later.".into(),
            ),
        };
        Problem::new(status.as_u16(), code, ja.into(), en)
    }
}

/// Connection trouble, not a bad statement: the client may retry later.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception) and 57P (shutting down, starting up).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

fn request_code_and_message(status: StatusCode) -> (Code, &'static str) {
    match status {
        StatusCode::NOT_FOUND => (Code::RequestNotFound, "指定されたURLはありません。"),
        StatusCode::METHOD_NOT_ALLOWED => (
            Code::RequestMethodNotAllowed,
            "このURLではその操作はできません。",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (Code::RequestTooLarge, "送信された内容が大きすぎます。"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            Code::RequestUnsupportedMediaType,
            "送信された内容の形式（Content-Type）が正しくありません。",
        ),
        _ => (
            Code::RequestMalformed,
            "リクエストの内容が正しくありません。",
        ),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = serde_json::to_vec(&problem).expect("a problem serializes to JSON");
        let mut response = (status, [(CONTENT_TYPE, PROBLEM_JSON)], body).into_response();
        if let Self::TooMany {
            retry_after_secs, ..
        } = self
        {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if matches!(self, Self::SessionInvalid) {
            // RFC 6750: tell the client which scheme to authenticate with.
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// axum's and tower-http's own error responses (unknown path, wrong method, oversized body) are
/// plain text; this turns them into problem documents so every error a client sees has one shape.
pub(crate) async fn problem_for_bare_errors(response: Response) -> Response {
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    let is_problem = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value == PROBLEM_JSON);
    if !is_error || is_problem {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let detail = status
        .canonical_reason()
        .unwrap_or("unusable request")
        .to_owned();
    let problem = ApiError::Request { status, detail }.into_response();
    // Keep headers such as Allow on a 405, but not the plain text's length.
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    Response::from_parts(parts, problem.into_body())
}
