//! Residents over HTTP: the registry check that starts every booking (manual 2-1 ②), 住民情報登録
//! and 情報変更 (2-1 ④), 住民検索 (4-2) and 住民情報 (基本情報, 予約者情報, 予約履歴, 接種履歴).
//!
//! A clinic only ever sees residents it registered or who have a booking at its venues, and of
//! them only the bookings at its venues, unless the caller's key proves its consent. A 市外住民
//! (manual 2-3) is looked up, registered and booked by staff with their own 自治体番号; the
//! residents of a DV-type reason stay with the clinic that has them and the city.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::booking::{BookingStatus, DoseNumber, LotNumber};
use yoyaku_core::contact::Phone;
use yoyaku_core::kana::search_key;
use yoyaku_core::out_of_municipality::{OutsideStay, Reason};
use yoyaku_core::resident::{FieldError, NoSearchCriteria, ResidentDetails, ResidentForm};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::ticket::{TicketInput, TicketNumber};
use yoyaku_core::time::tokyo_today;
use yoyaku_core::{Code, Coded, MunicipalityCode, Problem};

use super::ApiContext;
use super::auth::{CurrentAccount, LookupLimits};
use super::caller::{KeyInput, Requester, counting_web_key, parse_key, read_scope, writer};
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::refusals::outside_status;
use crate::audit::ReadScope;
use crate::bookings::{self, BookingRecord};
use crate::residents::{
    self, Criteria, Registering, Registration, Replaces, Resident, ResidentError, ResidentId,
    ResidentRefusal, SearchResult,
};

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(lookup))
        .routes(routes!(search))
        .routes(routes!(detail, register))
}

/// The municipality a request works in: a staff account's own; on the web, the key's.
fn municipality_of(requester: &Requester, key: &ResidentKey) -> MunicipalityCode {
    match requester {
        Requester::Web => key.municipality_code,
        Requester::Staff(account) => account.municipality_code,
    }
}

/// `POST /api/v1/residents/lookup`
#[derive(Serialize, utoipa::ToSchema)]
struct LookupResponse {
    /// 基本情報, as the registry holds it.
    resident: ResidentKey,
    /// 予約者情報 are registered (else 住民情報登録 comes first).
    registered: bool,
    /// 予約者情報, for staff (never for the web): a clinic that gives the key, which the caller
    /// read out, has their consent to see them.
    details: Option<ResidentDetails>,
    /// 予約履歴: the web sees its own; staff with the key, all of the resident's.
    bookings: Option<Vec<BookingRecord>>,
    /// 住所地外 (manual 2-3): a registered resident of another municipality's reason and
    /// notification state, for staff.
    outside: Option<OutsideStay>,
}

/// The registry check that starts every booking (manual 2-1 ②): whether the key is a valid ticket,
/// whether 予約者情報 are registered, and the bookings the caller may see.
#[utoipa::path(
    post,
    path = "/api/v1/residents/lookup",
    tag = "residents",
    security((), ("bearer" = [])),
    params(crate::http::openapi::OnBehalfOf),
    request_body = KeyInput,
    responses(
        (status = 200, description = "The ticket is valid", body = LookupResponse),
        (status = 400, description = "A malformed key, e.g. `ticket.municipality_mismatch`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`: a token was sent but names no live session", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`resident.protected`: a resident whose whereabouts are kept to the clinic that has them and the city (DV等); refer them to the call center", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The key is not in the valid-ticket registry: a made-up ticket and a wrong birth date get the same answer (for a 市外住民, a registered one with another birth date)", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`lookup.rate_limited`, with `Retry-After`: twenty checks an address on the open web, then one every three seconds; five failed checks of one ticket, then one every ten minutes", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn lookup(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    ApiJson(input): ApiJson<KeyInput>,
) -> Result<Json<LookupResponse>, Response> {
    if let Requester::Web = requester {
        limits.admit_web()?;
    }
    let key = parse_key(&input).map_err(IntoResponse::into_response)?;
    let municipality = municipality_of(&requester, &key);
    let (home, ticket) = (key.municipality_code, key.ticket_number);
    let respond = |error: ApiError| error.into_response();
    limits.admit_ticket((home, ticket)).await.map_err(respond)?;
    let mut conn = ctx.db.acquire().await.map_err(|e| respond(e.into()))?;
    let registered = match residents::registry_status(&mut conn, municipality, &key).await {
        Ok(registered) => registered,
        Err(error) => {
            if matches!(
                error,
                ResidentError::Refused(ResidentRefusal::NotInRegistry)
            ) {
                limits.failed((home, ticket)).await;
            }
            return Err(respond(error.into()));
        }
    };
    let answer = answer_lookup(&mut conn, &requester, municipality, key, registered).await;
    Ok(Json(answer.map_err(respond)?))
}

/// What the caller may see of a resident whose key the registry confirmed. A clinic's look-up is
/// its proof of the key, recorded as the resident's consent.
async fn answer_lookup(
    conn: &mut sqlx::PgConnection,
    requester: &Requester,
    municipality: MunicipalityCode,
    key: ResidentKey,
    registered: bool,
) -> Result<LookupResponse, ApiError> {
    let id = ResidentId::from(&key);
    let resident = residents::find(&mut *conn, municipality, id).await?;
    let protected = resident.as_ref().is_some_and(Resident::is_protected);
    let (details, bookings, outside) = match requester {
        // Where a protected resident is booked does not go to whoever holds their key.
        Requester::Web if protected => {
            return Err(ApiError::refused(
                StatusCode::FORBIDDEN,
                ResidentRefusal::Protected,
            ));
        }
        // The key proves the ticket; contact details stay off the open web.
        Requester::Web => {
            let scope = ReadScope::Municipality;
            let bookings =
                bookings::bookings_of_resident(&mut *conn, municipality, id, &scope).await?;
            (None, Some(bookings), None)
        }
        Requester::Staff(account) => {
            let scope = read_scope(&mut *conn, account).await?;
            if let ReadScope::Clinic { account, venues } = &scope {
                if protected
                    && !residents::owned_by_clinic(&mut *conn, municipality, id, *account, venues)
                        .await?
                {
                    return Err(ApiError::refused(
                        StatusCode::FORBIDDEN,
                        ResidentRefusal::Protected,
                    ));
                }
                residents::record_key_proof(&mut *conn, municipality, &key, *account).await?;
            }
            let history = residents::history_scope(&mut *conn, municipality, id, &scope).await?;
            let bookings =
                bookings::bookings_of_resident(&mut *conn, municipality, id, &history).await?;
            let outside = resident.as_ref().and_then(|r| r.outside);
            (resident.map(|r| r.details), Some(bookings), outside)
        }
    };
    Ok(LookupResponse {
        resident: key,
        registered,
        details,
        bookings,
        outside,
    })
}

/// `PUT /api/v1/residents/{municipality_code}/{ticket_number}`: the birth date (the key's third
/// part) and the 住民情報登録 form.
#[derive(Deserialize, utoipa::ToSchema)]
struct RegisterRequest {
    /// 生年月日, the key's third part, in any common spelling.
    #[schema(examples("1945-03-03"))]
    birth_date: String,
    #[serde(flatten)]
    form: ResidentForm,
    /// 住所地外接種 (manual 2-3), for a ticket of another municipality only (staff).
    #[serde(default)]
    outside: Option<OutsideInput>,
}

/// Why a resident of another municipality is vaccinated here.
#[derive(Deserialize, utoipa::ToSchema)]
struct OutsideInput {
    /// One of the guidance's reasons: `returning_home_for_childbirth`,
    /// `working_away_from_family`, `student_living_away`, `abuse_victim` (届出が必要);
    /// `inpatient_or_resident`, `underlying_condition_with_own_doctor`, `disaster_victim`,
    /// `detained` (届出が不要). `other` is the call center's to decide.
    #[schema(examples("student_living_away"))]
    reason: String,
    /// The 住所地外接種届 is received (the resident holds the 届出済証); without it the booking
    /// is provisional (仮予約) where the reason needs one.
    #[serde(default)]
    notification_received: bool,
}

impl OutsideInput {
    fn parse(&self) -> Result<OutsideStay, ApiError> {
        let reason = Reason::parse(&self.reason).map_err(ApiError::invalid)?;
        OutsideStay::new(reason, self.notification_received)
            .map_err(|error| ApiError::refused(outside_status(error), error))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct RegisterResponse {
    resident: ResidentKey,
    details: ResidentDetails,
    outside: Option<OutsideStay>,
}

/// 400 `resident.invalid`: every field's error at once, in the form's order, in the messages and
/// as a `fields` member so that a form can show each under its field.
#[derive(Debug, thiserror::Error)]
#[error("please check the form: {}", fields_en(.0))]
struct InvalidForm(Vec<FieldError>);

fn fields_en(errors: &[FieldError]) -> String {
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    messages.join("; ")
}

impl Coded for InvalidForm {
    fn code(&self) -> Code {
        Code::ResidentInvalid
    }
    fn message_ja(&self) -> String {
        let messages: Vec<String> = self.0.iter().map(Coded::message_ja).collect();
        format!("入力内容をご確認ください。{}", messages.join(" "))
    }
}

impl IntoResponse for InvalidForm {
    fn into_response(self) -> Response {
        let status = StatusCode::BAD_REQUEST;
        let mut problem = serde_json::to_value(Problem::from_coded(status.as_u16(), &self))
            .expect("a problem serializes to JSON");
        problem["fields"] = self
            .0
            .iter()
            .map(|e| {
                json!({
                    "field": e.field(),
                    "code": e.code(),
                    "message_ja": e.message_ja(),
                    "message_en": e.message_en(),
                })
            })
            .collect();
        (
            status,
            [(CONTENT_TYPE, "application/problem+json")],
            problem.to_string(),
        )
            .into_response()
    }
}

/// What the registration answers when refused: the API's problems, or the form's with its fields.
enum RegisterError {
    Api(ApiError),
    Form(InvalidForm),
}

impl<E: Into<ApiError>> From<E> for RegisterError {
    fn from(error: E) -> Self {
        Self::Api(error.into())
    }
}

impl IntoResponse for RegisterError {
    fn into_response(self) -> Response {
        match self {
            Self::Api(error) => error.into_response(),
            Self::Form(error) => error.into_response(),
        }
    }
}

/// 住民情報登録 and 情報変更 (manual 2-1 ④): the 予約者情報 of a ticket in the registry.
#[utoipa::path(
    put,
    path = "/api/v1/residents/{municipality_code}/{ticket_number}",
    tag = "residents",
    security((), ("bearer" = [])),
    params(
        ("municipality_code" = String, Path, description = "自治体番号", example = "431001"),
        ("ticket_number" = String, Path, description = "接種券番号", example = "9000000062"),
        crate::http::openapi::OnBehalfOf,
    ),
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered", body = RegisterResponse),
        (status = 200, description = "Changed (情報変更)", body = RegisterResponse),
        (status = 400, description = "A malformed key, or `resident.invalid` with a `fields` member: `[{field, code, message_ja, message_en}]`, every field's error", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`: a token was sent but names no live session", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The key is not in the valid-ticket registry", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`outside.refer_to_call_center`: a reason the guidance does not list", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`lookup.rate_limited`, with `Retry-After`: from the web, the key is checked like a look-up's; its address or its ticket rests after failed checks", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn register(
    requester: Requester,
    limits: LookupLimits,
    State(ctx): State<ApiContext>,
    Path((municipality_code, ticket_number)): Path<(String, String)>,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<RegisterResponse>), RegisterError> {
    let key = ResidentKey {
        municipality_code: MunicipalityCode::parse(&municipality_code)
            .map_err(ApiError::invalid)?,
        ticket_number: TicketNumber::parse(&ticket_number).map_err(ApiError::invalid)?,
        birth_date: BirthDate::parse(&request.birth_date, tokyo_today())
            .map_err(ApiError::invalid)?,
    };
    let outside = request
        .outside
        .as_ref()
        .map(OutsideInput::parse)
        .transpose()?;
    let details = request
        .form
        .parse()
        .map_err(|errors| RegisterError::Form(InvalidForm(errors)))?;
    let (municipality, caller) = writer(&ctx.db, requester, Some(key.clone()), &limits).await?;
    let mut tx = ctx.db.begin().await?;
    let registering = Registering {
        key: &key,
        details: &details,
        outside,
    };
    let registration = residents::register(
        &mut tx,
        &caller,
        municipality,
        registering,
        Replaces::Current,
    )
    .await;
    let registration =
        counting_web_key(&limits, &caller, registration.map_err(ApiError::from)).await?;
    let outside = residents::find(&mut tx, municipality, ResidentId::from(&key))
        .await?
        .and_then(|r| r.outside);
    tx.commit().await?;
    let status = match registration {
        Registration::Created => StatusCode::CREATED,
        Registration::Changed | Registration::CityDetailsStand(_) => StatusCode::OK,
    };
    Ok((
        status,
        Json(RegisterResponse {
            resident: key,
            details,
            outside,
        }),
    ))
}

/// Criteria left out or blank do not filter; at least one must be given.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// 接種券番号 or the 18-digit OCR line.
    ticket_number: Option<String>,
    /// 電話番号, hyphens and full-width digits taken.
    phone: Option<String>,
    /// A prefix of 姓+名 in kana (hiragana, half-width katakana taken).
    kana: Option<String>,
}

/// `GET /api/v1/residents?ticket_number=&phone=&kana=`: 住民検索, normalised as the core parses
/// (full-width digits, half-width kana, hiragana).
#[utoipa::path(
    get,
    path = "/api/v1/residents",
    tag = "residents",
    security(("bearer" = [])),
    params(SearchQuery, crate::http::openapi::OnBehalfOf),
    responses(
        (status = 200, description = "The residents the caller may see that match every criterion given", body = SearchResult),
        (status = 400, description = "`resident_search.criteria_required`, or a malformed criterion", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: another municipality's ticket", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn search(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResult>, ApiError> {
    let given = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let ticket = match given(&query.ticket_number) {
        Some(input) => {
            // An OCR line's 自治体番号 may be another municipality's: a 市外住民's ticket.
            Some(
                TicketInput::parse(&input)
                    .map_err(ApiError::invalid)?
                    .number(),
            )
        }
        None => None,
    };
    let phone = given(&query.phone)
        .map(|input| Phone::parse(&input))
        .transpose()
        .map_err(ApiError::invalid)?;
    let kana_key = given(&query.kana)
        .map(|input| search_key(&input))
        .transpose()
        .map_err(ApiError::invalid)?
        .filter(|key| !key.is_empty());
    let criteria = Criteria {
        ticket,
        phone,
        kana_key,
    };
    if criteria == Criteria::default() {
        return Err(ApiError::invalid(NoSearchCriteria));
    }
    let mut conn = ctx.db.acquire().await?;
    let scope = read_scope(&mut conn, &account).await?;
    let result = residents::search(&mut conn, account.municipality_code, &criteria, &scope).await?;
    Ok(Json(result))
}

/// `GET /api/v1/residents/{municipality_code}/{ticket_number}`: 住民情報.
#[derive(Serialize, utoipa::ToSchema)]
struct ResidentRecord {
    /// 基本情報
    resident: ResidentKey,
    /// 予約者情報
    details: ResidentDetails,
    /// 予約履歴, every status, by slot time.
    bookings: Vec<BookingRecord>,
    /// 接種履歴: the doses given.
    vaccinations: Vec<Vaccination>,
    /// 住所地外 (manual 2-3): the reason and the notification's state.
    outside: Option<OutsideStay>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Vaccination {
    booking_id: Uuid,
    dose: DoseNumber,
    vaccinated_at: Option<DateTime<Utc>>,
    lot_number: Option<LotNumber>,
    venue_name: String,
    vaccine_name: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/residents/{municipality_code}/{ticket_number}",
    tag = "residents",
    security(("bearer" = [])),
    params(
        ("municipality_code" = String, Path, description = "自治体番号", example = "431001"),
        ("ticket_number" = String, Path, description = "接種券番号", example = "9000000062"),
        crate::http::openapi::OnBehalfOf,
    ),
    responses(
        (status = 200, description = "住民情報", body = ResidentRecord),
        (status = 400, description = "A malformed municipality code or ticket number", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: another municipality", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No registered resident the caller may see", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn detail(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    Path((municipality_code, ticket_number)): Path<(String, String)>,
) -> Result<Json<ResidentRecord>, ApiError> {
    let id = ResidentId {
        home: MunicipalityCode::parse(&municipality_code).map_err(ApiError::invalid)?,
        ticket: TicketNumber::parse(&ticket_number).map_err(ApiError::invalid)?,
    };
    let municipality = account.municipality_code;
    let mut conn = ctx.db.acquire().await?;
    let scope = read_scope(&mut conn, &account).await?;
    let not_found = || ApiError::refused(StatusCode::NOT_FOUND, ResidentRefusal::NoneVisible);
    if !residents::visible(&mut conn, municipality, id, &scope).await? {
        return Err(not_found());
    }
    let resident = residents::find(&mut conn, municipality, id)
        .await?
        .ok_or_else(not_found)?;
    let history = residents::history_scope(&mut conn, municipality, id, &scope).await?;
    let bookings = bookings::bookings_of_resident(&mut conn, municipality, id, &history).await?;
    let vaccinations = bookings
        .iter()
        .filter(|b| b.status == BookingStatus::Vaccinated)
        .map(|b| Vaccination {
            booking_id: b.id,
            dose: b.dose,
            vaccinated_at: b.vaccinated_at,
            lot_number: b.lot_number.clone(),
            venue_name: b.slot.venue_name.clone(),
            vaccine_name: b.slot.vaccine_name.clone(),
        })
        .collect();
    Ok(Json(ResidentRecord {
        resident: resident.key,
        details: resident.details,
        bookings,
        vaccinations,
        outside: resident.outside,
    }))
}
