//! キャンセル待ち over HTTP ([`crate::waitlist`]): the web (its key the credential) and the call
//! center (also while it acts for a clinic) put residents in line and answer the seats offered to
//! them; clinics do not.
//! - `POST /api/v1/waitlist`: join the line
//! - `POST /api/v1/waitlist/mine` {resident}: the resident's entries and offers
//! - `GET /api/v1/waitlist?open=`: the line, for the call center (and the city)
//! - `POST /api/v1/waitlist/{id}/withdraw`: leave it
//! - `POST /api/v1/waitlist/offers/{id}/accept`: book the seat held (a booking like any other)
//! - `POST /api/v1/waitlist/offers/{id}/decline`: give it up; it moves on
//! - `POST /api/v1/waitlist/open-vial`: ★ a clinic offers an open vial's last doses to the line
//! - `POST /api/v1/waitlist/release`: a clinic gives free seats of a 非公開枠 to the line

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::wire::Role;

use super::ApiContext;
use super::auth::{CurrentAccount, LookupLimits};
use super::bookings::{ActionRequest, BookResponse, advise};
use super::caller::{KeyInput, Requester, counting_web_key, parse_key, writer};
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::refusals::WaitlistRefusals;
use crate::audit::Caller;
use crate::waitlist::{
    self, OpenVial, OpenVialOffered, Place, Release, Released, WaitlistEntry, offers,
};

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(join_waitlist, waitlist_of_municipality))
        .routes(routes!(my_waitlist))
        .routes(routes!(withdraw_from_waitlist))
        .routes(routes!(accept_offer))
        .routes(routes!(decline_offer))
        .routes(routes!(open_vial))
        .routes(routes!(release_seats))
}

/// The writer, when it is the web or the call center: a clinic does not keep the line.
fn keeps_line(
    (municipality, caller): (MunicipalityCode, Caller),
) -> Result<(MunicipalityCode, Caller), ApiError> {
    match caller {
        Caller::Clinic { .. } => Err(ApiError::Forbidden),
        Caller::Web { .. } | Caller::CallCenter { .. } | Caller::CallCenterForClinic { .. } => {
            Ok((municipality, caller))
        }
    }
}

/// `POST /api/v1/waitlist`: one venue (`venue_id`) or any venue of a ward (`ward`).
#[derive(Deserialize, utoipa::ToSchema)]
struct JoinRequest {
    resident: KeyInput,
    /// 第N回接種, from 1.
    #[schema(minimum = 1, maximum = 9)]
    dose: u8,
    /// The vaccine code.
    vaccine: String,
    venue_id: Option<Uuid>,
    ward: Option<String>,
    /// The first and last Asia/Tokyo dates the resident can come.
    first_date: NaiveDate,
    last_date: NaiveDate,
}

/// A venue or a ward was not named, or both were.
#[derive(Debug, thiserror::Error)]
#[error("choose one venue or one ward")]
struct PlaceRequired;

impl yoyaku_core::Coded for PlaceRequired {
    fn code(&self) -> yoyaku_core::Code {
        yoyaku_core::Code::WaitlistUnknownPlace
    }
    fn message_ja(&self) -> String {
        "接種会場か区のどちらか一つを選んでください。".into()
    }
}

/// Puts a resident in line. Refused while seats are there to book, or while the resident holds
/// a booking for the dose.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist",
    tag = "waitlist",
    security((), ("bearer" = [])),
    request_body = JoinRequest,
    responses(
        (status = 201, description = "In line", body = WaitlistEntry),
        (status = 400, description = "A malformed key or dose, `waitlist.dates` (from today to 183 days ahead), or neither or both of a venue and a ward (`waitlist.unknown_place`)", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: clinics do not keep the line", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The resident is not in the registry, or `waitlist.unknown_place`: no such venue, ward or vaccine", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`resident.not_registered`, `waitlist.already_waiting`, `waitlist.already_booked` or `waitlist.seats_available` (book directly)", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`lookup.rate_limited`, with `Retry-After`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn join_waitlist(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    ApiJson(request): ApiJson<JoinRequest>,
) -> Result<(StatusCode, Json<WaitlistEntry>), ApiError> {
    let key = parse_key(&request.resident)?;
    let dose = DoseNumber::new(request.dose).map_err(ApiError::invalid)?;
    let ward = request
        .ward
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty());
    let place = match (request.venue_id, ward) {
        (Some(venue), None) => Place::Venue(venue),
        (None, Some(ward)) => Place::Ward(ward.to_owned()),
        _ => return Err(ApiError::invalid(PlaceRequired)),
    };
    let (municipality, caller) =
        keeps_line(writer(&ctx.db, requester, Some(key.clone()), &limits).await?)?;
    let new = waitlist::NewEntry {
        resident: key,
        dose,
        vaccine: request.vaccine,
        place,
        first_date: request.first_date,
        last_date: request.last_date,
    };
    let mut tx = ctx.db.begin().await?;
    let entered = waitlist::enter(&mut tx, &caller, municipality, &new)
        .await
        .map_err(ApiError::from);
    let entry = counting_web_key(&limits, &caller, entered).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

#[derive(Serialize, utoipa::ToSchema)]
struct WaitlistEntries {
    entries: Vec<WaitlistEntry>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct MineRequest {
    resident: KeyInput,
}

/// The resident's entries, oldest first, each with the seat held for them if any.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist/mine",
    tag = "waitlist",
    security((), ("bearer" = [])),
    request_body = MineRequest,
    responses(
        (status = 200, description = "The resident's entries (none when not registered)", body = WaitlistEntries),
        WaitlistRefusals,
    )
)]
async fn my_waitlist(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    ApiJson(request): ApiJson<MineRequest>,
) -> Result<Json<WaitlistEntries>, ApiError> {
    let key = parse_key(&request.resident)?;
    let (municipality, caller) =
        keeps_line(writer(&ctx.db, requester, Some(key.clone()), &limits).await?)?;
    let mut conn = ctx.db.acquire().await?;
    let read = waitlist::entries_of(&mut conn, &caller, municipality, &key)
        .await
        .map_err(ApiError::from);
    let entries = counting_web_key(&limits, &caller, read).await?;
    Ok(Json(WaitlistEntries { entries }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only the entries in line (waiting, or with a seat offered); all of them unless set.
    #[serde(default)]
    open: bool,
}

/// The municipality's line, oldest first, with who to phone about each offer.
#[utoipa::path(
    get,
    path = "/api/v1/waitlist",
    tag = "waitlist",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The entries", body = WaitlistEntries),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: for the call center and the city only", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn waitlist_of_municipality(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<WaitlistEntries>, ApiError> {
    if account.role == Role::Clinic {
        return Err(ApiError::Forbidden);
    }
    let reader = Caller::CallCenter {
        account: account.id,
    };
    let mut conn = ctx.db.acquire().await?;
    let entries = waitlist::list(&mut conn, &reader, account.municipality_code, query.open).await?;
    Ok(Json(WaitlistEntries { entries }))
}

/// Takes the entry out of the line; a seat held for it moves on.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist/{id}/withdraw",
    tag = "waitlist",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry")),
    request_body(content = ActionRequest, description = "The web's resident key; staff send none"),
    responses(
        (status = 200, description = "Out of the line (or already out)", body = WaitlistEntry),
        WaitlistRefusals,
    )
)]
async fn withdraw_from_waitlist(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ActionRequest>,
) -> Result<Json<WaitlistEntry>, ApiError> {
    let (municipality, caller) = keeps_line(request.caller(&ctx.db, requester, &limits).await?)?;
    let mut tx = ctx.db.begin().await?;
    let entry = waitlist::withdraw(&mut tx, &caller, municipality, id).await?;
    tx.commit().await?;
    Ok(Json(entry))
}

/// Books the seat held for the resident: the booking's every rule applies.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist/offers/{id}/accept",
    tag = "waitlist",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The offer")),
    request_body(content = ActionRequest, description = "The web's resident key; staff send none"),
    responses(
        (status = 201, description = "Booked", body = BookResponse),
        WaitlistRefusals,
    )
)]
async fn accept_offer(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ActionRequest>,
) -> Result<(StatusCode, Json<BookResponse>), ApiError> {
    let (municipality, caller) = keeps_line(request.caller(&ctx.db, requester, &limits).await?)?;
    let mut conn = ctx.db.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let booked = offers::accept(&mut tx, &caller, municipality, id).await?;
    tx.commit().await?;
    let response = advise(&mut conn, &caller, booked).await?;
    Ok((StatusCode::CREATED, Json(response)))
}

/// Gives up the seat held: it moves on to the next in line, and the entry leaves the line.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist/offers/{id}/decline",
    tag = "waitlist",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The offer")),
    request_body(content = ActionRequest, description = "The web's resident key; staff send none"),
    responses(
        (status = 200, description = "Declined: the entry, out of the line", body = WaitlistEntry),
        WaitlistRefusals,
    )
)]
async fn decline_offer(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ActionRequest>,
) -> Result<Json<WaitlistEntry>, ApiError> {
    let (municipality, caller) = keeps_line(request.caller(&ctx.db, requester, &limits).await?)?;
    let mut tx = ctx.db.begin().await?;
    let entry_id = offers::decline(&mut tx, &caller, municipality, id).await?;
    let entry = waitlist::entry(&mut tx, municipality, entry_id, &caller).await?;
    tx.commit().await?;
    Ok(Json(entry))
}

/// `POST /api/v1/waitlist/open-vial`
#[derive(Deserialize, utoipa::ToSchema)]
struct OpenVialRequest {
    /// The clinic's own venue.
    venue_id: Uuid,
    /// The vaccine code of the open vial.
    vaccine: String,
    /// The doses left in it.
    doses: i32,
    /// When the residents offered a dose should come: from 30 minutes on, while the vial's doses
    /// are usable after dilution.
    starts_at: chrono::DateTime<chrono::Utc>,
}

/// ★ A clinic offers the doses left in an open vial to the waiting list (from 受付): a public
/// slot of that many seats at its venue, whose seats go to the first in line for the venue or its
/// ward on that day, held for them as any freed seat. Seats nobody in line takes stay public.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist/open-vial",
    tag = "waitlist",
    security(("bearer" = [])),
    params(crate::http::openapi::OnBehalfOf),
    request_body = OpenVialRequest,
    responses(
        (status = 201, description = "The slot made, and the residents offered a dose", body = OpenVialOffered),
        (status = 400, description = "`waitlist.open_vial_doses` or `waitlist.open_vial_time`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not the clinic that runs the venue (or the call center acting for it)", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`waitlist.unknown_place`: no such venue or vaccine", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn open_vial(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    ApiJson(request): ApiJson<OpenVialRequest>,
) -> Result<(StatusCode, Json<OpenVialOffered>), ApiError> {
    let municipality = account.municipality_code;
    let venues = account.venues(&ctx.db).await?;
    if !venues.iter().any(|v| v.id == request.venue_id) {
        return Err(ApiError::Forbidden);
    }
    let mut conn = ctx.db.acquire().await?;
    let caller = clinic_caller(&mut conn, &account).await?;
    let vial = OpenVial {
        venue: request.venue_id,
        vaccine: request.vaccine,
        doses: request.doses,
        starts_at: request.starts_at,
    };
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let offered = waitlist::offer_open_vial(&mut tx, &caller, municipality, &vial).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(offered)))
}

/// The clinic, or the call center acting for it: who gives a clinic's seats to the line.
async fn clinic_caller(
    conn: &mut sqlx::PgConnection,
    account: &CurrentAccount,
) -> Result<Caller, ApiError> {
    let municipality = account.municipality_code;
    Ok(match (account.role, &account.on_behalf_of) {
        (Role::CallCenter, Some(clinic)) => {
            Caller::call_center_for(conn, municipality, account.id, clinic.id).await?
        }
        _ => Caller::clinic(conn, municipality, account.id).await?,
    })
}

/// `POST /api/v1/waitlist/release`
#[derive(Deserialize, utoipa::ToSchema)]
struct ReleaseRequest {
    /// A 非公開枠 at the clinic's venue.
    slot_id: Uuid,
    /// How many of its free seats to give.
    #[schema(minimum = 1)]
    seats: i32,
}

/// A clinic gives free seats of one of its 非公開枠 to the waiting list (an earlier period's slot
/// made private when the next opened, or seats it will not fill): from its window, or through the
/// call center acting for it (the notice's 医療機関専用ダイヤル). The seats move to the public slot
/// 【キャンセル待ち補充】 of the same venue and time and go to the first in line, held for them as
/// any freed seat; seats nobody in line takes stay public.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist/release",
    tag = "waitlist",
    security(("bearer" = [])),
    params(crate::http::openapi::OnBehalfOf),
    request_body = ReleaseRequest,
    responses(
        (status = 200, description = "The seats moved, and the residents offered one", body = Released),
        (status = 400, description = "`waitlist.release_public`, `waitlist.release_too_late` or `waitlist.release_seats`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: neither a clinic nor the call center acting for one", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`slot.not_found`: no such slot at the clinic's venues", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`waitlist.release_name_taken`: the venue's waiting-list slot of that time is another vaccine's", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn release_seats(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    ApiJson(request): ApiJson<ReleaseRequest>,
) -> Result<Json<Released>, ApiError> {
    if !matches!(
        (account.role, &account.on_behalf_of),
        (Role::Clinic, _) | (Role::CallCenter, Some(_))
    ) {
        return Err(ApiError::Forbidden);
    }
    let venues: Vec<Uuid> = account
        .venues(&ctx.db)
        .await?
        .iter()
        .map(|v| v.id)
        .collect();
    let mut conn = ctx.db.acquire().await?;
    let caller = clinic_caller(&mut conn, &account).await?;
    let release = Release {
        slot: request.slot_id,
        seats: request.seats,
        venues: &venues,
    };
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let released =
        waitlist::release_to_waitlist(&mut tx, &caller, account.municipality_code, &release)
            .await?;
    tx.commit().await?;
    Ok(Json(released))
}
