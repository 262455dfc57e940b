//! axum's `Json` and `Query`, but rejecting with a problem document instead of plain text, and
//! refusing text with a NUL character (U+0000): PostgreSQL stores no such text, so it would
//! otherwise fail the request with a server error wherever it reaches a query.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ApiError;

pub(crate) struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        // Read as any JSON first (415 and 400 as axum answers them), then look into its text,
        // then take the shape (422, as axum answers a body of another shape).
        let value = match Json::<Value>::from_request(request, state).await {
            Ok(Json(value)) => value,
            Err(rejection) => {
                return Err(ApiError::Request {
                    status: rejection.status(),
                    detail: rejection.body_text(),
                });
            }
        };
        if holds_nul(&value) {
            return Err(nul_refused());
        }
        serde_json::from_value(value)
            .map(Self)
            .map_err(|error| ApiError::Request {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                detail: format!(
                    "Failed to deserialize the JSON body into the target type: {error}"
                ),
            })
    }
}

/// Whether any key or string in `value` holds a NUL character.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(fields) => fields
            .iter()
            .any(|(key, value)| key.contains('\0') || holds_nul(value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

fn nul_refused() -> ApiError {
    ApiError::Request {
        status: StatusCode::BAD_REQUEST,
        detail: "A text holds the NUL character (U+0000), which no field takes.".into(),
    }
}

pub(crate) struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A URL cannot carry a NUL byte as it is: only percent-encoded.
        let query = parts.uri.query().unwrap_or_default();
        if query.as_bytes().windows(3).any(|w| w == b"%00") {
            return Err(nul_refused());
        }
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::Request {
                status: rejection.status(),
                detail: rejection.body_text(),
            }),
        }
    }
}
