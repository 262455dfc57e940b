//! What the residents' page asks before it books, answered for anyone and shared through the
//! availability cache (one query a second per question, as for the day's slots):
//! - `GET /api/v1/municipalities/{code}/venues`: the venues with 公開枠 to come, by ward
//! - `GET /api/v1/municipalities/{code}/venues/{venue_id}/days?vaccine=`: a venue's days with
//!   公開枠 to come and their 残りN枠

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::slot::remaining_seats;
use yoyaku_core::time::{tokyo_date_time, tokyo_today};

use super::ApiContext;
use super::availability_cache::WebQuestion;
use super::error::ApiError;
use super::extract::ApiQuery;

/// How far ahead the page offers days: half a year holds every period's windows.
const DAYS_AHEAD: u64 = 183;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(venues))
        .routes(routes!(days))
}

/// A venue a resident may choose, with where it is.
#[derive(Serialize, utoipa::ToSchema)]
struct PublicVenue {
    id: Uuid,
    /// 会場番号
    venue_number: i32,
    name: String,
    /// 区; none when the city has not set it.
    ward: Option<String>,
    /// 所在地
    address: Option<String>,
    /// 市総合体育館等: the city's mass-vaccination venue.
    mass_venue: bool,
    /// The vaccines of its 公開枠 to come.
    vaccines: Vec<VaccineChoice>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct VaccineChoice {
    code: String,
    name_ja: String,
    name_en: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct PublicVenueList {
    /// By ward, then venue number; venues without a ward last.
    venues: Vec<PublicVenue>,
}

struct VenueVaccineRow {
    id: Uuid,
    venue_number: i32,
    name: String,
    ward: Option<String>,
    address: Option<String>,
    mass_venue: bool,
    vaccine_code: String,
    name_ja: String,
    name_en: String,
}

fn municipality(code: &str) -> Result<MunicipalityCode, ApiError> {
    MunicipalityCode::parse(code).map_err(ApiError::invalid)
}

/// The venues with 公開枠 to come, by ward.
#[utoipa::path(
    get,
    path = "/api/v1/municipalities/{code}/venues",
    tag = "bookings",
    security(()),
    params(("code" = String, Path, description = "自治体番号", example = "431001")),
    responses(
        (status = 200, description = "The venues a resident may book, by ward", body = PublicVenueList),
        (status = 400, description = "A malformed 自治体番号", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn venues(
    State(ctx): State<ApiContext>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let municipality = municipality(&code)?;
    let read = |db: PgPool| async move {
        let rows = sqlx::query_as!(
            VenueVaccineRow,
            "select distinct v.id, v.venue_number, v.name, v.ward, v.address, v.mass_venue,
                        vc.code as vaccine_code, vc.name_ja, vc.name_en
                 from venues v
                 join slots s on s.municipality_code = v.municipality_code and s.venue_id = v.id
                 join vaccines vc
                   on vc.municipality_code = s.municipality_code and vc.code = s.vaccine_code
                 where v.municipality_code = $1 and s.visibility = 'public' and s.starts_at > now()
                   and slot_reception_open(s.municipality_code, s.period_number)
                 order by v.ward nulls last, v.venue_number, vc.code",
            municipality.as_string(),
        )
        .fetch_all(&db)
        .await?;
        Ok(PublicVenueList {
            venues: venues_of(rows),
        })
    };
    ctx.availability
        .json(&WebQuestion::Venues { municipality }, || {
            ctx.web_reads.run(read)
        })
        .await
}

/// Rows of (venue, vaccine), in venue order, as venues with their vaccines.
fn venues_of(rows: Vec<VenueVaccineRow>) -> Vec<PublicVenue> {
    let mut venues: Vec<PublicVenue> = Vec::new();
    for row in rows {
        let vaccine = VaccineChoice {
            code: row.vaccine_code,
            name_ja: row.name_ja,
            name_en: row.name_en,
        };
        match venues.last_mut() {
            Some(venue) if venue.id == row.id => venue.vaccines.push(vaccine),
            _ => venues.push(PublicVenue {
                id: row.id,
                venue_number: row.venue_number,
                name: row.name,
                ward: row.ward,
                address: row.address,
                mass_venue: row.mass_venue,
                vaccines: vec![vaccine],
            }),
        }
    }
    venues
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DaysQuery {
    /// The vaccine code; every vaccine's slots when left out.
    vaccine: Option<String>,
}

/// A day with 公開枠 to come at a venue.
#[derive(Serialize, utoipa::ToSchema)]
struct OpenDay {
    /// The Asia/Tokyo date.
    date: NaiveDate,
    /// 残りN枠 of the day's slots together: 0 when they are full.
    remaining: i32,
}

#[derive(Serialize, utoipa::ToSchema)]
struct OpenDays {
    days: Vec<OpenDay>,
}

struct SeatRow {
    starts_at: DateTime<Utc>,
    capacity: i32,
    booked: i32,
}

/// A venue's days with 公開枠 to come, with their seats.
#[utoipa::path(
    get,
    path = "/api/v1/municipalities/{code}/venues/{venue_id}/days",
    tag = "bookings",
    security(()),
    params(
        ("code" = String, Path, description = "自治体番号", example = "431001"),
        ("venue_id" = Uuid, Path, description = "The venue"),
        DaysQuery,
    ),
    responses(
        (status = 200, description = "The venue's days with 公開枠 to come, by date; none for an unknown venue", body = OpenDays),
        (status = 400, description = "A malformed 自治体番号 or venue id", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn days(
    State(ctx): State<ApiContext>,
    Path((code, venue)): Path<(String, Uuid)>,
    ApiQuery(query): ApiQuery<DaysQuery>,
) -> Result<Response, ApiError> {
    let municipality = municipality(&code)?;
    let question = WebQuestion::Calendar {
        municipality,
        venue,
        vaccine: query.vaccine.clone(),
    };
    let vaccine = query.vaccine.as_deref();
    let read = |db: PgPool| async move {
        let until = yoyaku_core::time::from_tokyo(
            tokyo_today() + Days::new(DAYS_AHEAD),
            chrono::NaiveTime::MIN,
        );
        let rows = sqlx::query_as!(
            SeatRow,
            r#"select s.starts_at as "starts_at: DateTime<Utc>", s.capacity, s.booked
                   from slots s
                   where s.municipality_code = $1 and s.venue_id = $2
                     and ($3::text is null or s.vaccine_code = $3)
                     and s.visibility = 'public' and s.starts_at > now() and s.starts_at < $4
                     and slot_reception_open(s.municipality_code, s.period_number)"#,
            municipality.as_string(),
            venue,
            vaccine,
            until as _,
        )
        .fetch_all(&db)
        .await?;
        Ok(OpenDays {
            days: days_of(&rows),
        })
    };
    ctx.availability
        .json(&question, || ctx.web_reads.run(read))
        .await
}

/// The rows' seats summed by Tokyo date, one rule for 残りN枠 with the day's slots.
fn days_of(rows: &[SeatRow]) -> Vec<OpenDay> {
    let mut days = BTreeMap::<NaiveDate, i32>::new();
    for row in rows {
        *days.entry(tokyo_date_time(row.starts_at).0).or_default() +=
            remaining_seats(row.capacity, row.booked);
    }
    days.into_iter()
        .map(|(date, remaining)| OpenDay { date, remaining })
        .collect()
}
