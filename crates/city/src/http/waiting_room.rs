//! The waiting room of opening day ([`crate::waiting_room`]), when the server keeps one:
//! - `POST /api/v1/waiting-room` {municipality_code}: a place in line, as a signed token
//! - `GET /api/v1/waiting-room/{token}`: that place again (after a reload), with its wait now
//!
//! While it is open, a booking from the web (`POST /api/v1/bookings`, a change) sends its place
//! in `X-Yoyaku-Waiting-Room` and is let through from its time on, for half an hour.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yoyaku_core::{Code, Coded, MunicipalityCode};

use super::ApiContext;
use super::error::ApiError;
use super::extract::ApiJson;
use crate::waiting_room::{Place, Refused, WaitingRoom};

/// The header a booking from the web carries its place in.
pub(super) const PLACE_HEADER: &str = "x-yoyaku-waiting-room";

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(enter))
        .routes(routes!(place))
}

/// The server keeps no waiting room: the web books directly.
#[derive(Debug, thiserror::Error)]
#[error("there is no waiting room now: book directly")]
struct Closed;

impl Coded for Closed {
    fn code(&self) -> Code {
        Code::WaitingRoomClosed
    }
    fn message_ja(&self) -> String {
        "現在、順番待ちはありません。そのまま予約に進んでください。".into()
    }
}

fn room(ctx: &ApiContext) -> Result<&Arc<WaitingRoom>, ApiError> {
    ctx.waiting_room
        .as_ref()
        .ok_or_else(|| ApiError::refused(StatusCode::NOT_FOUND, Closed))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct EnterRequest {
    /// 自治体番号 of the city whose line to join.
    #[schema(example = "431001")]
    municipality_code: String,
}

/// A place in line and its wait, as of now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PlaceInLine {
    /// The place, signed: keep it (it survives a reload) and send it with the booking.
    token: String,
    /// 1 for the line's first arrival.
    position: i64,
    /// When the place may book; it may until `admitted_until`.
    admit_at: DateTime<Utc>,
    admitted_until: DateTime<Utc>,
    /// Whether it may book now.
    admitted: bool,
    /// Seconds until `admit_at`, rounded up; 0 once admitted.
    wait_seconds: u64,
    /// Places let in before this one from now: the line ahead.
    ahead: u64,
}

impl PlaceInLine {
    fn at(room: &WaitingRoom, place: Place, token: String, now: DateTime<Utc>) -> Self {
        let wait_ms = (place.admit_at - now).num_milliseconds().max(0);
        let wait_ms = u64::try_from(wait_ms).unwrap_or(0);
        Self {
            token,
            position: place.position,
            admit_at: place.admit_at,
            admitted_until: place.admitted_until(),
            admitted: now >= place.admit_at && now < place.admitted_until(),
            wait_seconds: wait_ms.div_ceil(1000),
            ahead: (wait_ms * u64::from(room.per_second())).div_ceil(1000),
        }
    }
}

/// Takes a place in the city's line.
#[utoipa::path(
    post,
    path = "/api/v1/waiting-room",
    tag = "waiting room",
    security(()),
    request_body = EnterRequest,
    responses(
        (status = 201, description = "The place: first come first served, let in at the rate the city can book", body = PlaceInLine),
        (status = 400, description = "A malformed 自治体番号", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`waiting_room.closed`: no waiting room now; book directly", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn enter(
    State(ctx): State<ApiContext>,
    ApiJson(request): ApiJson<EnterRequest>,
) -> Result<(StatusCode, Json<PlaceInLine>), ApiError> {
    let room = room(&ctx)?;
    let municipality =
        MunicipalityCode::parse(&request.municipality_code).map_err(ApiError::invalid)?;
    let (place, token) = room.enter(&ctx.db, municipality).await?;
    let answer = PlaceInLine::at(room, place, token, Utc::now());
    Ok((StatusCode::CREATED, Json(answer)))
}

/// A place taken before, with its wait now.
#[utoipa::path(
    get,
    path = "/api/v1/waiting-room/{token}",
    tag = "waiting room",
    security(()),
    params(("token" = String, Path, description = "The place's token")),
    responses(
        (status = 200, description = "The place and its wait", body = PlaceInLine),
        (status = 400, description = "`waiting_room.place_invalid`: not a place the city handed out", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`waiting_room.closed`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn place(
    State(ctx): State<ApiContext>,
    Path(token): Path<String>,
) -> Result<Json<PlaceInLine>, ApiError> {
    let room = room(&ctx)?;
    let place = room
        .read(&ctx.db, &token)
        .await?
        .ok_or_else(|| ApiError::invalid(Refused::NotOurs))?;
    Ok(Json(PlaceInLine::at(room, place, token, Utc::now())))
}

/// Lets a booking from the web of `municipality` through the waiting room, when there is one.
pub(super) async fn let_through(
    ctx: &ApiContext,
    headers: &HeaderMap,
    municipality: MunicipalityCode,
) -> Result<(), ApiError> {
    let Some(room) = &ctx.waiting_room else {
        return Ok(());
    };
    let token = headers.get(PLACE_HEADER).and_then(|v| v.to_str().ok());
    match room.admit(&ctx.db, token, municipality, Utc::now()).await? {
        Ok(_) => Ok(()),
        Err(Refused::NotYet { seconds }) => Err(ApiError::too_many(
            std::time::Duration::from_secs(seconds),
            |seconds| Refused::NotYet { seconds },
        )),
        Err(refused) => Err(ApiError::refused(StatusCode::FORBIDDEN, refused)),
    }
}
