//! 住民検索 (manual 4-2): residents by 接種券番号, 電話番号 or カナ, with their 1回目接種 and
//! 2回目接種 columns.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::booking::BookingStatus;
use yoyaku_core::contact::Phone;
use yoyaku_core::kana::KanaName;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::tokyo_today;

use super::{ResidentError, with_clinic_owns_resident};
use crate::audit::ReadScope;

/// A page of the result list; more matches mean the search should be narrowed.
const PAGE: i64 = 100;

/// What to search by; every given criterion must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Criteria {
    pub ticket: Option<TicketNumber>,
    pub phone: Option<Phone>,
    /// A prefix of 姓+名 as yoyaku_core::kana::search_key makes it (no spaces, katakana).
    pub kana_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct SearchResult {
    pub residents: Vec<SearchHit>,
    /// More residents match than are listed.
    pub has_more: bool,
}

/// One line of the 住民検索 list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct SearchHit {
    pub municipality_code: MunicipalityCode,
    pub ticket_number: TicketNumber,
    pub birth_date: BirthDate,
    pub family_name_kana: KanaName,
    pub given_name_kana: KanaName,
    /// 1回目接種: the dose's active booking the reader may see, if any.
    pub first_dose: Option<DoseSummary>,
    /// 2回目接種
    pub second_dose: Option<DoseSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct DoseSummary {
    pub status: BookingStatus,
    /// 予約済み, 受付済み, 接種済み
    pub status_label_ja: &'static str,
    pub starts_at: DateTime<Utc>,
    pub venue_name: String,
}

struct HitRow {
    home_code: String,
    ticket_number: String,
    birth_date: NaiveDate,
    family_name_kana: String,
    given_name_kana: String,
    first_status: Option<String>,
    first_starts_at: Option<DateTime<Utc>>,
    first_venue: Option<String>,
    second_status: Option<String>,
    second_starts_at: Option<DateTime<Utc>>,
    second_venue: Option<String>,
}

/// The residents of `municipality` matching `criteria` that `scope` may see, by name.
pub(crate) async fn search(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    criteria: &Criteria,
    scope: &ReadScope,
) -> Result<SearchResult, ResidentError> {
    let (clinic, venues) = scope.clinic_filter();
    // d1 and d2: the active booking of a dose the reader may see (at most one: the partial
    // unique index).
    let rows = with_clinic_owns_resident!(
        query_as!(HitRow,),
        r#"select r.home_code, r.ticket_number, r.birth_date as "birth_date: chrono::NaiveDate",
           r.family_name_kana,
                r.given_name_kana, d1.status as "first_status?",
                d1.starts_at as "first_starts_at?: chrono::DateTime<chrono::Utc>",
                d1.venue as "first_venue?", d2.status as "second_status?",
                d2.starts_at as "second_starts_at?: chrono::DateTime<chrono::Utc>",
                d2.venue as "second_venue?"
         from residents r
         left join lateral (
             select b.status, s.starts_at, v.name as venue
             from bookings b
             join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
             join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
             where b.municipality_code = r.municipality_code
               and b.home_code = r.home_code and b.ticket_number = r.ticket_number
               and b.dose = 1
               and b.status in ('reserved', 'checked_in', 'vaccinated')
               and ($4::uuid[] is null or s.venue_id = any($4))
         ) d1 on true
         left join lateral (
             select b.status, s.starts_at, v.name as venue
             from bookings b
             join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
             join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
             where b.municipality_code = r.municipality_code
               and b.home_code = r.home_code and b.ticket_number = r.ticket_number
               and b.dose = 2
               and b.status in ('reserved', 'checked_in', 'vaccinated')
               and ($4::uuid[] is null or s.venue_id = any($4))
         ) d2 on true
         where r.municipality_code = $1
           and ($3::uuid is null or "#,
        r#")
           and ($5::text is null or r.ticket_number = $5)
           and ($6::text is null or r.phone = $6)
           and ($7::text is null or r.kana_key like $7 || '%')
         order by r.kana_key, r.home_code, r.ticket_number
         limit $2"#,
        municipality.as_string(),
        PAGE + 1,
        clinic,
        venues.as_deref(),
        criteria.ticket.map(|t| t.as_string()),
        criteria.phone.as_ref().map(|p| p.digits().to_owned()),
        criteria.kana_key.as_deref(),
    )
    .fetch_all(db)
    .await?;
    let has_more = rows.len() > PAGE as usize;
    let residents = rows
        .into_iter()
        .take(PAGE as usize)
        .map(HitRow::into_hit)
        .collect::<Result<_, _>>()?;
    Ok(SearchResult {
        residents,
        has_more,
    })
}

impl HitRow {
    fn into_hit(self) -> Result<SearchHit, ResidentError> {
        let stored = |what: &str| {
            ResidentError::Stored(format!("{what} of {} in a search", self.ticket_number))
        };
        let summary = |status: &Option<String>,
                       at: Option<DateTime<Utc>>,
                       venue: &Option<String>| match (status, at, venue) {
            (Some(status), Some(starts_at), Some(venue)) => BookingStatus::parse(status)
                .map(|status| {
                    Some(DoseSummary {
                        status,
                        status_label_ja: status.label_ja(),
                        starts_at,
                        venue_name: venue.clone(),
                    })
                })
                .ok_or_else(|| stored("a booking status")),
            _ => Ok(None),
        };
        Ok(SearchHit {
            municipality_code: MunicipalityCode::parse(&self.home_code)
                .map_err(|_| stored("home_code"))?,
            ticket_number: TicketNumber::parse(&self.ticket_number)
                .map_err(|_| stored("ticket_number"))?,
            birth_date: BirthDate::from_date(self.birth_date, tokyo_today())
                .map_err(|_| stored("birth_date"))?,
            family_name_kana: KanaName::parse(&self.family_name_kana)
                .map_err(|_| stored("family_name_kana"))?,
            given_name_kana: KanaName::parse(&self.given_name_kana)
                .map_err(|_| stored("given_name_kana"))?,
            first_dose: summary(&self.first_status, self.first_starts_at, &self.first_venue)?,
            second_dose: summary(
                &self.second_status,
                self.second_starts_at,
                &self.second_venue,
            )?,
        })
    }
}
