//! 接種予約 over HTTP: the slots open to the caller, booking, the lifecycle, changes to a later
//! day and on the day, and the venue's list (manual 2, 3, 4-1).
//!
//! A request without `Authorization` is a resident on the web, whose key (自治体番号, 接種券番号,
//! 生年月日) is the credential; with it, a logged-in clinic or call center. The rules live in
//! [`crate::bookings`]; handlers parse, pick the caller and run one transaction.

use axum::Json;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::booking::{DoseNumber, LotNumber};
use yoyaku_core::second_dose::SecondDosePlan;
use yoyaku_core::vaccine::IntervalCheck;
use yoyaku_core::wire::{Role, SlotList};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiContext;
use super::auth::{CurrentAccount, LookupLimits};
use super::availability_cache::WebQuestion;
use super::caller::{KeyInput, Requester, counting_web_key, parse_key, read_scope, writer};
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::refusals::BookingRefusals;
use super::waiting_room;
use crate::audit::{self, Caller, ReadScope};
use crate::bookings::{
    self, Booked, BookingRecord, Moved, NewBooking, PrivateFirstAdvice, PrivateSlots,
};

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(slots))
        .routes(routes!(create, list))
        .routes(routes!(cancel))
        .routes(routes!(change))
        .routes(routes!(same_day_move))
        .routes(routes!(check_in))
        .routes(routes!(vaccination))
        .routes(routes!(no_show))
}

/// A JSON body that may be left out (no `Content-Type`): then the default. Staff need not send
/// `{}` to cancel or check in.
struct OptionalJson<T>(T);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !request.headers().contains_key(CONTENT_TYPE) {
            return Ok(Self(T::default()));
        }
        let ApiJson(value) = ApiJson::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

/// `GET /api/v1/slots?date=&venue_id=&vaccine=`: one Tokyo day's 予約枠 with 残りN枠. The web
/// (which names its `municipality_code`) and the call center see 公開枠 only; a clinic also its
/// own venues' 非公開枠, as does the call center acting for it; the city sees them all.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SlotsQuery {
    /// The Asia/Tokyo date.
    date: NaiveDate,
    /// 自治体番号: required from the web; staff may leave it out (their own).
    municipality_code: Option<String>,
    venue_id: Option<Uuid>,
    /// The vaccine code.
    vaccine: Option<String>,
}

/// One Tokyo day's 予約枠 with 残りN枠 that the caller may book.
#[utoipa::path(
    get,
    path = "/api/v1/slots",
    tag = "bookings",
    security((), ("bearer" = [])),
    params(SlotsQuery, crate::http::openapi::OnBehalfOf),
    responses(
        (status = 200, description = "The day's slots open to the caller", body = SlotList),
        (status = 400, description = "A malformed date, or a missing or malformed `municipality_code` from the web", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`: a token was sent but names no live session", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: another municipality's code", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn slots(
    requester: Requester,
    State(ctx): State<ApiContext>,
    ApiQuery(query): ApiQuery<SlotsQuery>,
) -> Result<Response, ApiError> {
    let named = |code: &str| MunicipalityCode::parse(code).map_err(ApiError::invalid);
    let (municipality, private) = match requester {
        // The web must name the municipality: left out, it is an empty (malformed) code.
        Requester::Web => {
            let municipality = named(query.municipality_code.as_deref().unwrap_or_default())?;
            return web_slots(&ctx, municipality, query).await;
        }
        Requester::Staff(account) => {
            let municipality = account.municipality_code;
            if let Some(code) = query.municipality_code.as_deref() {
                if named(code)? != municipality {
                    return Err(ApiError::Forbidden);
                }
            }
            let private = match account.role {
                Role::Clinic | Role::CallCenter => match account.clinic_id() {
                    Some(clinic) => {
                        let mut conn = ctx.db.acquire().await?;
                        PrivateSlots::AtVenues(
                            audit::venues_of_clinic(&mut conn, municipality, clinic).await?,
                        )
                    }
                    None => PrivateSlots::None,
                },
                Role::CityAdmin => PrivateSlots::All,
            };
            (municipality, private)
        }
    };
    let slots = day_slots(&ctx.db, municipality, &query, &private).await?;
    Ok(Json(slots).into_response())
}

/// The day's slots the query asks for, with the private ones `private` lets the caller see.
async fn day_slots(
    db: &PgPool,
    municipality: MunicipalityCode,
    query: &SlotsQuery,
    private: &PrivateSlots,
) -> Result<SlotList, ApiError> {
    let mut conn = db.acquire().await?;
    let slots = bookings::available_slots(
        &mut conn,
        municipality,
        query.date,
        query.venue_id,
        query.vaccine.as_deref(),
        private,
    )
    .await?;
    Ok(SlotList { slots })
}

/// The web's 公開枠, from the last second's answer to the same question when there is one (and
/// from the one read under way when the answer has just expired).
async fn web_slots(
    ctx: &ApiContext,
    municipality: MunicipalityCode,
    query: SlotsQuery,
) -> Result<Response, ApiError> {
    let question = WebQuestion::Day {
        municipality,
        date: query.date,
        venue: query.venue_id,
        vaccine: query.vaccine.clone(),
    };
    let query = &query;
    let read =
        |db: PgPool| async move { day_slots(&db, municipality, query, &PrivateSlots::None).await };
    ctx.availability
        .json(&question, || ctx.web_reads.run(read))
        .await
}

/// `POST /api/v1/bookings`
#[derive(Deserialize, utoipa::ToSchema)]
struct BookRequest {
    /// Client-made, so that a retry is answered with the same booking; made here when absent.
    booking_id: Option<Uuid>,
    resident: KeyInput,
    slot_id: Uuid,
    /// 第N回接種, from 1.
    #[schema(minimum = 1, maximum = 9)]
    dose: u8,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct BookResponse {
    booking: BookingRecord,
    /// The dose is later than usual after the previous one.
    interval_warning: Option<IntervalCheck>,
    /// For a first dose: 2回目 three weeks later on the same weekday (manual 2-1).
    second_dose: Option<SecondDosePlan>,
    /// For a clinic that chose a 公開枠 while a 非公開枠 of the time has seats.
    private_first: Option<PrivateFirstAdvice>,
}

/// 201 for a new booking, 200 for a retry of one.
pub(super) fn created_or_ok(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// 接種予約: books a dose for a resident. From the web, the resident key is the credential.
#[utoipa::path(
    post,
    path = "/api/v1/bookings",
    tag = "bookings",
    security((), ("bearer" = [])),
    params(crate::http::openapi::OnBehalfOf),
    request_body = BookRequest,
    responses(
        (status = 201, description = "Booked", body = BookResponse),
        (status = 200, description = "A retry of a booking already made (same `booking_id`)", body = BookResponse),
        BookingRefusals,
    )
)]
async fn create(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<BookRequest>,
) -> Result<(StatusCode, Json<BookResponse>), ApiError> {
    let key = parse_key(&request.resident)?;
    let dose = DoseNumber::new(request.dose).map_err(ApiError::invalid)?;
    let (municipality, caller) = writer(&ctx.db, requester, Some(key.clone()), &limits).await?;
    if let Caller::Web { .. } = caller {
        waiting_room::let_through(&ctx, &headers, municipality).await?;
    }
    let new = NewBooking {
        id: request.booking_id.unwrap_or_else(Uuid::new_v4),
        resident: key,
        slot_id: request.slot_id,
        dose,
    };
    // One connection for the transaction and the advice after it: one acquisition a booking.
    let mut conn = ctx.db.acquire().await?;
    let mut tx = conn.begin().await?;
    let booked = bookings::book(&mut tx, &caller, municipality, &new).await;
    let booked = counting_web_key(&limits, &caller, booked.map_err(ApiError::from)).await?;
    tx.commit().await?;
    let created = booked.created;
    let response = advise(&mut conn, &caller, booked).await?;
    Ok((created_or_ok(created), Json(response)))
}

/// The booking with the advice a receptionist gives next, read after the booking committed.
pub(super) async fn advise(
    conn: &mut PgConnection,
    caller: &Caller,
    booked: Booked,
) -> Result<BookResponse, ApiError> {
    let second_dose =
        bookings::second_dose_plan(conn, caller, &booked.booking, &booked.target).await?;
    let private_first = bookings::private_first(conn, caller, &booked.booking).await?;
    Ok(BookResponse {
        booking: booked.booking,
        interval_warning: booked.interval_warning,
        second_dose,
        private_first,
    })
}

/// The body of the lifecycle actions: the web's key; staff send none.
#[derive(Default, Deserialize, utoipa::ToSchema)]
pub(super) struct ActionRequest {
    /// The resident key: required from the web, left out by staff.
    resident: Option<KeyInput>,
}

impl ActionRequest {
    pub(super) async fn caller(
        &self,
        db: &PgPool,
        requester: Requester,
        limits: &LookupLimits,
    ) -> Result<(MunicipalityCode, Caller), ApiError> {
        let key = self.resident.as_ref().map(parse_key).transpose()?;
        writer(db, requester, key, limits).await
    }
}

/// `POST /api/v1/bookings/{id}/cancel` (manual 3-1)
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/cancel",
    tag = "bookings",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The booking"), crate::http::openapi::OnBehalfOf),
    request_body(content = ActionRequest, description = "The web's resident key; staff may send no body at all"),
    responses(
        (status = 200, description = "Cancelled (キャンセル)", body = BookingRecord),
        BookingRefusals,
    )
)]
async fn cancel(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
    OptionalJson(body): OptionalJson<ActionRequest>,
) -> Result<Json<BookingRecord>, ApiError> {
    let (municipality, caller) = body.caller(&ctx.db, requester, &limits).await?;
    let mut tx = ctx.db.begin().await?;
    let booking = bookings::cancel(&mut tx, &caller, municipality, id).await;
    let booking = counting_web_key(&limits, &caller, booking.map_err(ApiError::from)).await?;
    tx.commit().await?;
    Ok(Json(booking))
}

/// `POST /api/v1/bookings/{id}/check-in`: 受付
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/check-in",
    tag = "bookings",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The booking"), crate::http::openapi::OnBehalfOf),
    request_body(content = ActionRequest, description = "The web's resident key; staff may send no body at all"),
    responses(
        (status = 200, description = "Checked in (受付済み)", body = BookingRecord),
        BookingRefusals,
    )
)]
async fn check_in(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
    OptionalJson(body): OptionalJson<ActionRequest>,
) -> Result<Json<BookingRecord>, ApiError> {
    let (municipality, caller) = body.caller(&ctx.db, requester, &limits).await?;
    let mut tx = ctx.db.begin().await?;
    let booking = bookings::check_in(&mut tx, &caller, municipality, id).await;
    let booking = counting_web_key(&limits, &caller, booking.map_err(ApiError::from)).await?;
    tx.commit().await?;
    Ok(Json(booking))
}

/// `POST /api/v1/bookings/{id}/no-show`: 来院なし
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/no-show",
    tag = "bookings",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The booking"), crate::http::openapi::OnBehalfOf),
    request_body(content = ActionRequest, description = "The web's resident key; staff may send no body at all"),
    responses(
        (status = 200, description = "Marked as not come (来院なし)", body = BookingRecord),
        BookingRefusals,
    )
)]
async fn no_show(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
    OptionalJson(body): OptionalJson<ActionRequest>,
) -> Result<Json<BookingRecord>, ApiError> {
    let (municipality, caller) = body.caller(&ctx.db, requester, &limits).await?;
    let mut tx = ctx.db.begin().await?;
    let booking = bookings::mark_no_show(&mut tx, &caller, municipality, id).await;
    let booking = counting_web_key(&limits, &caller, booking.map_err(ApiError::from)).await?;
    tx.commit().await?;
    Ok(Json(booking))
}

/// `POST /api/v1/bookings/{id}/vaccination`: 接種済み with the ロット番号; now unless told when.
#[derive(Deserialize, utoipa::ToSchema)]
struct VaccinationRequest {
    /// ロット番号 as printed on the vial.
    #[schema(examples("FF3620"))]
    lot_number: String,
    /// Now when left out.
    vaccinated_at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/vaccination",
    tag = "bookings",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The booking"), crate::http::openapi::OnBehalfOf),
    request_body = VaccinationRequest,
    responses(
        (status = 200, description = "Recorded as vaccinated (接種済み)", body = BookingRecord),
        BookingRefusals,
    )
)]
async fn vaccination(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<VaccinationRequest>,
) -> Result<Json<BookingRecord>, ApiError> {
    let lot_number = LotNumber::parse(&request.lot_number).map_err(ApiError::invalid)?;
    let (municipality, caller) = writer(&ctx.db, requester, None, &limits).await?;
    let vaccinated_at = request.vaccinated_at.unwrap_or_else(Utc::now);
    let mut tx = ctx.db.begin().await?;
    let booking = bookings::record_vaccination(
        &mut tx,
        &caller,
        municipality,
        id,
        lot_number,
        vaccinated_at,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(booking))
}

/// `POST /api/v1/bookings/{id}/change`: to a later day (manual 3-2 ①), cancel and book as one.
#[derive(Deserialize, utoipa::ToSchema)]
struct ChangeRequest {
    slot_id: Uuid,
    /// Client-made id of the new booking, so that a retry is recognised.
    new_booking_id: Option<Uuid>,
    /// The resident key: required from the web, left out by staff.
    resident: Option<KeyInput>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ChangeResponse {
    /// The booking changed from, now cancelled.
    cancelled: BookingRecord,
    #[serde(flatten)]
    booked: BookResponse,
}

#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/change",
    tag = "bookings",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The booking to cancel"), crate::http::openapi::OnBehalfOf),
    request_body = ChangeRequest,
    responses(
        (status = 201, description = "Cancelled and booked anew", body = ChangeResponse),
        (status = 200, description = "A retry of a change already made (same `new_booking_id`)", body = ChangeResponse),
        BookingRefusals,
    )
)]
async fn change(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ChangeRequest>,
) -> Result<(StatusCode, Json<ChangeResponse>), ApiError> {
    let key = request.resident.as_ref().map(parse_key).transpose()?;
    let (municipality, caller) = writer(&ctx.db, requester, key, &limits).await?;
    if let Caller::Web { .. } = caller {
        waiting_room::let_through(&ctx, &headers, municipality).await?;
    }
    let new_id = request.new_booking_id.unwrap_or_else(Uuid::new_v4);
    let mut conn = ctx.db.acquire().await?;
    let mut tx = conn.begin().await?;
    let changed =
        bookings::change(&mut tx, &caller, municipality, id, new_id, request.slot_id).await;
    let changed = counting_web_key(&limits, &caller, changed.map_err(ApiError::from)).await?;
    tx.commit().await?;
    let created = changed.booked.created;
    let booked = advise(&mut conn, &caller, changed.booked).await?;
    Ok((
        created_or_ok(created),
        Json(ChangeResponse {
            cancelled: changed.cancelled,
            booked,
        }),
    ))
}

/// `POST /api/v1/bookings/{id}/same-day-move` (manual 3-2 ②): the clinic, or the call center for it.
#[derive(Deserialize, utoipa::ToSchema)]
struct SameDayMoveRequest {
    slot_id: Uuid,
}

#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/same-day-move",
    tag = "bookings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The booking"), crate::http::openapi::OnBehalfOf),
    request_body = SameDayMoveRequest,
    responses(
        (status = 200, description = "Moved; the venue's day as the planner would dilute it", body = Moved),
        BookingRefusals,
    )
)]
async fn same_day_move(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<SameDayMoveRequest>,
) -> Result<Json<Moved>, ApiError> {
    let (municipality, caller) = writer(&ctx.db, requester, None, &limits).await?;
    let mut tx = ctx.db.begin().await?;
    let moved =
        bookings::same_day_move(&mut tx, &caller, municipality, id, request.slot_id).await?;
    tx.commit().await?;
    Ok(Json(moved))
}

/// `GET /api/v1/bookings?venue_id=&date=&vaccine=`: 接種予約状況・実績一覧 (manual 4-1).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    venue_id: Uuid,
    /// The Asia/Tokyo date.
    date: NaiveDate,
    /// The vaccine code.
    vaccine: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct BookingList {
    bookings: Vec<BookingRecord>,
}

#[utoipa::path(
    get,
    path = "/api/v1/bookings",
    tag = "bookings",
    security(("bearer" = [])),
    params(ListQuery, crate::http::openapi::OnBehalfOf),
    responses(
        (status = 200, description = "The venue's bookings of the day, every status", body = BookingList),
        (status = 400, description = "A missing or malformed `venue_id` or `date`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: a clinic asking for another's venue", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn list(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<BookingList>, ApiError> {
    let mut conn = ctx.db.acquire().await?;
    if let ReadScope::Clinic { venues, .. } = read_scope(&mut conn, &account).await? {
        if !venues.contains(&query.venue_id) {
            return Err(ApiError::Forbidden);
        }
    }
    let bookings = bookings::bookings_at_venue(
        &mut conn,
        account.municipality_code,
        query.venue_id,
        query.vaccine.as_deref(),
        query.date,
    )
    .await?;
    Ok(Json(BookingList { bookings }))
}
