//! The venues' 予約枠報告 as stored, through the notice's workflow
//! ([`yoyaku_core::slot_report::ReportState`]): a submission replaces the venue's live report (kept
//! as `superseded`), a decision moves the live one on, and the views say where every venue of a
//! period stands, for the city's console and the clinic's screen alike.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::slot_report::view::{ClinicCap, ReportView, VenueReport};
use yoyaku_core::slot_report::{ReportForm, ReportRow, ReportState};

struct ViewRow {
    clinic_account_id: String,
    clinic_name: String,
    venue_number: i32,
    venue_name: String,
    id: Option<Uuid>,
    state: Option<String>,
    form: Option<i16>,
    rows: Option<String>,
    total_seats: Option<i32>,
    dose_cap: Option<i32>,
    own_reception: Option<i32>,
    submitted_at: Option<DateTime<Utc>>,
    entered_by_city: Option<bool>,
    late: Option<bool>,
    returned_reason: Option<String>,
    decided_at: Option<DateTime<Utc>>,
}

impl ViewRow {
    fn into_view(self) -> Result<VenueReport, sqlx::Error> {
        let report = match self.id {
            None => None,
            Some(id) => Some(report_view(id, &self)?),
        };
        Ok(VenueReport {
            clinic_account_id: self.clinic_account_id,
            clinic_name: self.clinic_name,
            venue_number: self.venue_number.unsigned_abs(),
            venue_name: self.venue_name,
            report,
        })
    }
}

fn decode(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("slot_reports: a stored {what} does not read back").into())
}

fn report_view(id: Uuid, row: &ViewRow) -> Result<ReportView, sqlx::Error> {
    let state = row
        .state
        .as_deref()
        .and_then(ReportState::parse)
        .ok_or_else(|| decode("state"))?;
    let form = row
        .form
        .and_then(|n| u8::try_from(n).ok())
        .and_then(ReportForm::from_number)
        .ok_or_else(|| decode("form"))?;
    let rows = serde_json::from_str(row.rows.as_deref().unwrap_or("[]"))
        .map_err(|_| decode("row list"))?;
    let count = |n: Option<i32>| n.unwrap_or(0).unsigned_abs();
    Ok(ReportView {
        id,
        state,
        state_ja: state.label_ja().to_owned(),
        form,
        rows,
        total_seats: count(row.total_seats),
        dose_cap: count(row.dose_cap),
        own_reception: count(row.own_reception),
        submitted_at: row.submitted_at.ok_or_else(|| decode("time"))?,
        entered_by_city: row.entered_by_city.unwrap_or(false),
        late: row.late.unwrap_or(false),
        returned_reason: row.returned_reason.clone(),
        decided_at: row.decided_at,
    })
}

/// Every venue of every clinic with a cap in the period (or only `clinic`'s), by clinic and venue
/// number, each with its live report.
pub(crate) async fn venue_reports(
    db: impl PgExecutor<'_>,
    municipality: MunicipalityCode,
    period_number: i32,
    clinic: Option<Uuid>,
) -> Result<Vec<VenueReport>, sqlx::Error> {
    let rows = sqlx::query_as!(
        ViewRow,
        r#"select a.account_id as clinic_account_id, a.display_name as clinic_name,
                  v.venue_number, v.name as venue_name,
                  r.id as "id?", r.state as "state?", r.form as "form?",
                  r.rows::text as "rows?", r.total_seats as "total_seats?",
                  r.dose_cap as "dose_cap?", r.own_reception as "own_reception?",
                  r.received_at as "submitted_at?: DateTime<Utc>",
                  (r.received_by <> r.clinic_account_id) as "entered_by_city?",
                  r.late as "late?", r.returned_reason as "returned_reason?",
                  r.decided_at as "decided_at?: DateTime<Utc>"
           from period_dose_caps c
           join accounts a on a.municipality_code = c.municipality_code
                          and a.id = c.clinic_account_id
           join venues v on v.municipality_code = c.municipality_code
                        and v.clinic_account_id = c.clinic_account_id
           left join slot_reports r on r.municipality_code = v.municipality_code
                                   and r.period_number = c.period_number
                                   and r.venue_id = v.id and r.state <> 'superseded'
           where c.municipality_code = $1 and c.period_number = $2
             and ($3::uuid is null or c.clinic_account_id = $3)
           order by a.account_id, v.venue_number"#,
        municipality.as_string(),
        period_number,
        clinic,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(ViewRow::into_view).collect()
}

/// The live report of a venue in a period, locked until the transaction ends.
pub(crate) async fn live(
    tx: &mut PgConnection,
    municipality: MunicipalityCode,
    period_number: i32,
    venue_id: Uuid,
) -> Result<Option<ReportState>, sqlx::Error> {
    let state = sqlx::query_scalar!(
        "select state from slot_reports
         where municipality_code = $1 and period_number = $2 and venue_id = $3
           and state <> 'superseded'
         for update",
        municipality.as_string(),
        period_number,
        venue_id,
    )
    .fetch_optional(tx)
    .await?;
    state
        .map(|s| ReportState::parse(&s).ok_or_else(|| decode("state")))
        .transpose()
}

/// The seats the live reports of the clinic's other venues take of its cap.
pub(crate) async fn other_venues_seats(
    tx: &mut PgConnection,
    municipality: MunicipalityCode,
    period_number: i32,
    clinic: Uuid,
    venue_id: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select coalesce(sum(total_seats), 0)::bigint as "seats!" from slot_reports
           where municipality_code = $1 and period_number = $2 and clinic_account_id = $3
             and venue_id <> $4 and state <> 'superseded'"#,
        municipality.as_string(),
        period_number,
        clinic,
        venue_id,
    )
    .fetch_one(tx)
    .await
}

/// A report to store as the venue's live one.
pub(crate) struct NewReport<'a> {
    pub municipality: MunicipalityCode,
    pub period_number: i32,
    pub venue_id: Uuid,
    pub clinic: Uuid,
    /// The clinic itself, or the administrator who entered it.
    pub submitted_by: Uuid,
    pub form: ReportForm,
    pub rows: &'a [ReportRow],
    pub dose_cap: u32,
    pub total_seats: u32,
    pub own_reception: u32,
    pub state: ReportState,
    pub late: bool,
}

/// Stores `report` as `id`, superseding the venue's live one, and returns the id.
pub(crate) async fn insert(
    tx: &mut PgConnection,
    id: Uuid,
    report: &NewReport<'_>,
) -> Result<Uuid, sqlx::Error> {
    let municipality = report.municipality.as_string();
    sqlx::query!(
        "update slot_reports set state = 'superseded'
         where municipality_code = $1 and period_number = $2 and venue_id = $3
           and state <> 'superseded'",
        &municipality,
        report.period_number,
        report.venue_id,
    )
    .execute(&mut *tx)
    .await?;
    let int = |n: u32| i32::try_from(n).map_err(|_| decode("count"));
    // jsonb travels as text: the crate's sqlx has no JSON feature, and PostgreSQL parses it.
    sqlx::query!(
        "insert into slot_reports (municipality_code, id, period_number, venue_id,
                                   clinic_account_id, received_by, form, rows,
                                   dose_cap, total_seats, own_reception, state, late)
         values ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9, $10, $11, $12, $13)",
        &municipality,
        id,
        report.period_number,
        report.venue_id,
        report.clinic,
        report.submitted_by,
        i16::from(report.form.number()),
        serde_json::to_string(report.rows).map_err(|_| decode("row list"))?,
        int(report.dose_cap)?,
        int(report.total_seats)?,
        int(report.own_reception)?,
        report.state.as_str(),
        report.late,
    )
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

/// The venue number of the report `id`, when `clinic` already sent it.
pub(crate) async fn venue_of(
    tx: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
    clinic: Uuid,
) -> Result<Option<u32>, sqlx::Error> {
    let venue = sqlx::query_scalar!(
        "select v.venue_number from slot_reports r
         join venues v on v.municipality_code = r.municipality_code and v.id = r.venue_id
         where r.municipality_code = $1 and r.id = $2 and r.clinic_account_id = $3",
        municipality.as_string(),
        id,
        clinic,
    )
    .fetch_optional(tx)
    .await?;
    Ok(venue.map(i32::unsigned_abs))
}

/// A live report the city decides on.
pub(crate) struct StoredReport {
    pub period_number: u32,
    pub venue_number: u32,
    pub clinic: Uuid,
    pub clinic_account_id: String,
    pub state: ReportState,
    pub form: ReportForm,
    pub rows: Vec<ReportRow>,
}

/// The report `id`, locked until the transaction ends.
pub(crate) async fn find(
    tx: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<Option<StoredReport>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select r.period_number, v.venue_number, r.clinic_account_id,
                  a.account_id, r.state, r.form, r.rows::text as "rows!"
           from slot_reports r
           join venues v on v.municipality_code = r.municipality_code and v.id = r.venue_id
           join accounts a on a.municipality_code = r.municipality_code
                          and a.id = r.clinic_account_id
           where r.municipality_code = $1 and r.id = $2
           for update of r"#,
        municipality.as_string(),
        id,
    )
    .fetch_optional(tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(StoredReport {
        period_number: row.period_number.unsigned_abs(),
        venue_number: row.venue_number.unsigned_abs(),
        clinic: row.clinic_account_id,
        clinic_account_id: row.account_id,
        state: ReportState::parse(&row.state).ok_or_else(|| decode("state"))?,
        form: u8::try_from(row.form)
            .ok()
            .and_then(ReportForm::from_number)
            .ok_or_else(|| decode("form"))?,
        rows: serde_json::from_str(&row.rows).map_err(|_| decode("row list"))?,
    }))
}

/// The city's decision on a report: its new state, and the reason when sent back.
pub(crate) async fn decide(
    tx: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
    state: ReportState,
    reason: Option<&str>,
    admin: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update slot_reports
         set state = $3, returned_reason = $4, decided_by = $5, decided_at = now()
         where municipality_code = $1 and id = $2",
        municipality.as_string(),
        id,
        state.as_str(),
        reason,
        admin,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The venue's live report as the console shows it, after a decision on it.
pub(crate) async fn view(
    db: impl PgExecutor<'_>,
    municipality: MunicipalityCode,
    report: &StoredReport,
) -> Result<VenueReport, sqlx::Error> {
    let period = i32::try_from(report.period_number).map_err(|_| decode("period"))?;
    venue_reports(db, municipality, period, Some(report.clinic))
        .await?
        .into_iter()
        .find(|venue| venue.venue_number == report.venue_number)
        .ok_or_else(|| decode("venue"))
}

/// The caps of the period's clinics (or only `clinic`'s), by アカウントID.
pub(crate) async fn caps(
    db: impl PgExecutor<'_>,
    municipality: MunicipalityCode,
    period_number: i32,
    clinic: Option<Uuid>,
) -> Result<Vec<ClinicCap>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select a.account_id, a.display_name, c.doses,
                  coalesce((select sum(r.total_seats) from slot_reports r
                            where r.municipality_code = c.municipality_code
                              and r.period_number = c.period_number
                              and r.clinic_account_id = c.clinic_account_id
                              and r.state <> 'superseded'), 0)::bigint as "reported!",
                  coalesce((select sum(s.capacity) from slots s
                            join venues v on v.municipality_code = s.municipality_code
                                         and v.id = s.venue_id
                            where s.municipality_code = c.municipality_code
                              and s.period_number = c.period_number
                              and v.clinic_account_id = c.clinic_account_id), 0)::bigint
                      as "set_up!"
           from period_dose_caps c
           join accounts a on a.municipality_code = c.municipality_code
                          and a.id = c.clinic_account_id
           where c.municipality_code = $1 and c.period_number = $2
             and ($3::uuid is null or c.clinic_account_id = $3)
           order by a.account_id"#,
        municipality.as_string(),
        period_number,
        clinic,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ClinicCap {
            clinic_account_id: row.account_id,
            clinic_name: row.display_name,
            doses: row.doses.unsigned_abs(),
            reported_seats: row.reported,
            own_reception: i64::from(row.doses) - row.reported,
            set_up_seats: row.set_up,
        })
        .collect())
}
