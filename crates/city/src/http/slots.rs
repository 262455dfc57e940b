//! `GET /api/v1/clinic/slots`: the logged-in clinic's 予約枠 at its own venues, and
//! `GET /api/v1/mass-venues/slots`: the 公開枠 of the city's mass-vaccination venues.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yoyaku_core::time::{from_tokyo, tokyo_today};
use yoyaku_core::wire::{MassVenueSlot, MassVenueSlotList, Role, SlotInfo, SlotList};
use yoyaku_core::{Code, Coded};

use super::ApiContext;
use super::auth::CurrentAccount;
use super::error::ApiError;
use super::extract::ApiQuery;
use crate::slot_info::{SlotInfoRow, select_slot_infos};

/// Four weeks when the client does not say: a first dose and the second 21 days later fit in it.
const DEFAULT_DAYS: i64 = 28;
/// A quarter at most per request, enough for any report form.
const MAX_DAYS: i64 = 92;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(clinic_slots))
        .routes(routes!(mass_venue_slots))
}

/// Asia/Tokyo dates, both included.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SlotQuery {
    /// The first date; today when left out.
    from: Option<NaiveDate>,
    /// The last date; four weeks from `from` when left out, at most 92 days in all.
    to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DateRange {
    first: NaiveDate,
    last: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum DateRangeError {
    #[error("the end date {to} is before the start date {from}")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("the period may be at most {MAX_DAYS} days")]
    TooLong,
}

impl Coded for DateRangeError {
    fn code(&self) -> Code {
        match self {
            Self::Reversed { .. } => Code::SlotsRangeReversed,
            Self::TooLong => Code::SlotsRangeTooLong,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::Reversed { .. } => "終了日が開始日より前になっています。".into(),
            Self::TooLong => format!("期間は{MAX_DAYS}日以内で指定してください。"),
        }
    }
}

impl DateRange {
    fn resolve(query: &SlotQuery, today: NaiveDate) -> Result<Self, DateRangeError> {
        let first = query.from.unwrap_or(today);
        let last = query
            .to
            .unwrap_or(first + TimeDelta::days(DEFAULT_DAYS - 1));
        if last < first {
            return Err(DateRangeError::Reversed {
                from: first,
                to: last,
            });
        }
        if (last - first).num_days() + 1 > MAX_DAYS {
            return Err(DateRangeError::TooLong);
        }
        Ok(Self { first, last })
    }

    /// The instants `[start, end)` the dates cover in Tokyo.
    fn instants(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            from_tokyo(self.first, NaiveTime::MIN),
            from_tokyo(self.last + TimeDelta::days(1), NaiveTime::MIN),
        )
    }
}

/// The logged-in clinic's 予約枠 at its own venues, public and private, by start time.
#[utoipa::path(
    get,
    path = "/api/v1/clinic/slots",
    tag = "slots",
    security(("bearer" = [])),
    params(SlotQuery),
    responses(
        (status = 200, description = "The clinic's slots starting on the dates", body = SlotList),
        (status = 400, description = "`slots.range_reversed`, `slots.range_too_long` (more than 92 days) or a malformed date", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not a clinic", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn clinic_slots(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    ApiQuery(query): ApiQuery<SlotQuery>,
) -> Result<Json<SlotList>, ApiError> {
    account.require_role(Role::Clinic)?;
    let (start, end) = DateRange::resolve(&query, tokyo_today())
        .map_err(ApiError::invalid)?
        .instants();
    // At one time, the public slot before the private one, as the manual's screens list them.
    let rows = select_slot_infos!(
        "join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
         where s.municipality_code = $1 and v.clinic_account_id = $2
           and s.starts_at >= $3 and s.starts_at < $4
         order by s.starts_at, v.venue_number, s.visibility = 'private'",
        account.municipality_code.as_string(),
        account.id,
        start as _,
        end as _,
    )
    .fetch_all(&ctx.db)
    .await?;
    let slots = rows
        .into_iter()
        .map(SlotInfo::try_from)
        .collect::<Result<_, _>>()?;
    Ok(Json(SlotList { slots }))
}

/// `GET /api/v1/mass-venues/slots?vaccine=&from=&to=`
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct MassVenueQuery {
    /// The vaccine code of the second dose (the first dose's).
    vaccine: String,
    /// The first date; today when left out.
    from: Option<NaiveDate>,
    /// The last date; four weeks from `from` when left out, at most 92 days in all.
    to: Option<NaiveDate>,
}

/// The 公開枠 with seats, not yet begun, at the city's mass-vaccination venues (市総合体育館等):
/// where a clinic books a second dose that falls after the period's window (the slot-setup
/// notice, item 1), as the call center would.
#[utoipa::path(
    get,
    path = "/api/v1/mass-venues/slots",
    tag = "slots",
    security(("bearer" = [])),
    params(MassVenueQuery),
    responses(
        (status = 200, description = "The mass venues' public slots with seats, by start time", body = MassVenueSlotList),
        (status = 400, description = "`slots.range_reversed`, `slots.range_too_long` (more than 92 days) or a malformed date", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`auth.session_invalid`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: the city's administrators do not book", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn mass_venue_slots(
    account: CurrentAccount,
    State(ctx): State<ApiContext>,
    ApiQuery(query): ApiQuery<MassVenueQuery>,
) -> Result<Json<MassVenueSlotList>, ApiError> {
    if account.role == Role::CityAdmin {
        return Err(ApiError::Forbidden);
    }
    let range = SlotQuery {
        from: query.from,
        to: query.to,
    };
    let (start, end) = DateRange::resolve(&range, tokyo_today())
        .map_err(ApiError::invalid)?
        .instants();
    let rows = select_slot_infos!(
        query!,
        ", v.name as venue_name",
        "join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
         where s.municipality_code = $1 and v.mass_venue and s.visibility = 'public'
           and slot_reception_open(s.municipality_code, s.period_number)
           and s.vaccine_code = $2 and s.booked < s.capacity
           and s.starts_at >= greatest($3, now()) and s.starts_at < $4
         order by s.starts_at, v.venue_number",
        account.municipality_code.as_string(),
        &query.vaccine,
        start as _,
        end as _,
    )
    .fetch_all(&ctx.db)
    .await?;
    let slots = rows
        .into_iter()
        .map(|row| {
            Ok(MassVenueSlot {
                venue_name: row.venue_name,
                slot: SlotInfo::try_from(SlotInfoRow {
                    id: row.id,
                    venue_id: row.venue_id,
                    name: row.name,
                    vaccine_code: row.vaccine_code,
                    vaccine_name: row.vaccine_name,
                    starts_at: row.starts_at,
                    ends_at: row.ends_at,
                    visibility: row.visibility,
                    capacity: row.capacity,
                    booked: row.booked,
                })?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(MassVenueSlotList { slots }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn query(from: Option<NaiveDate>, to: Option<NaiveDate>) -> SlotQuery {
        SlotQuery { from, to }
    }

    #[test]
    fn defaults_to_four_weeks_from_today() {
        let today = date(2021, 10, 25);
        let range = DateRange::resolve(&query(None, None), today).unwrap();
        assert_eq!((range.first, range.last), (today, date(2021, 11, 21)));
        let range = DateRange::resolve(&query(Some(date(2021, 11, 1)), None), today).unwrap();
        assert_eq!(range.last, date(2021, 11, 28));
    }

    #[test]
    fn a_reversed_or_too_long_range_is_refused() {
        let today = date(2021, 10, 25);
        let reversed = query(Some(date(2021, 11, 2)), Some(date(2021, 11, 1)));
        assert_eq!(
            DateRange::resolve(&reversed, today).unwrap_err().code(),
            Code::SlotsRangeReversed
        );
        let longest = query(Some(date(2021, 1, 1)), Some(date(2021, 4, 2)));
        assert!(DateRange::resolve(&longest, today).is_ok());
        let too_long = query(Some(date(2021, 1, 1)), Some(date(2021, 4, 3)));
        assert_eq!(
            DateRange::resolve(&too_long, today),
            Err(DateRangeError::TooLong)
        );
    }

    #[test]
    fn a_day_is_midnight_to_midnight_in_tokyo() {
        let one_day = DateRange {
            first: date(2021, 5, 6),
            last: date(2021, 5, 6),
        };
        let (start, end) = one_day.instants();
        assert_eq!(start.to_rfc3339(), "2021-05-05T15:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2021-05-06T15:00:00+00:00");
    }
}
