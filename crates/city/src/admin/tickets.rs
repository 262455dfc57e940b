//! 有効接種券 import: a CSV of `ticket_number,birth_date` streamed into PostgreSQL with COPY,
//! checked as a whole, and applied all or nothing.
//!
//! A ticket already registered with the same birth date is unchanged. One registered with another
//! birth date is an error for its line, unless the import runs in [`ImportMode::Replace`], which
//! corrects the registry (but not under a registered resident): the registry never changes
//! silently. A ticket listed twice must have the same birth date both times.

use std::io;

use crate::audit::{self, AdminEntity};
use chrono::NaiveDate;
use csv_async::{AsyncReaderBuilder, ByteRecord, Trim};
use futures_util::io::AsyncRead;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgCopyIn;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::{Code, Coded, MunicipalityCode};

/// More errors than this are counted but not listed: a wrong file has one on every line.
pub(crate) const MAX_REPORTED_ERRORS: usize = 1000;
/// Rows go to COPY in batches of about this many bytes.
const COPY_BATCH_BYTES: usize = 1 << 20;
/// The header row, in English or in the words of the city's spreadsheets.
const HEADERS: [[&str; 2]; 2] = [["ticket_number", "birth_date"], ["接種券番号", "生年月日"]];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(utoipa::ToSchema)]
pub(crate) enum ImportMode {
    /// A known ticket with another birth date is an error.
    #[default]
    Strict,
    /// A known ticket with another birth date gets the file's birth date.
    Replace,
}

/// What an import did, or (with `errors`) why it did nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct ImportReport {
    /// Tickets new to the registry.
    pub imported: u64,
    /// Lines whose ticket was already registered (or listed earlier) with the same birth date.
    pub unchanged: u64,
    /// Tickets whose birth date was corrected ([`ImportMode::Replace`] only).
    pub replaced: u64,
    /// Every bad line, of which the first [`MAX_REPORTED_ERRORS`] are in `errors`.
    pub error_count: u64,
    pub errors: Vec<LineError>,
}

/// A bad line, numbered from 1 as a text editor numbers it (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct LineError {
    pub line: u64,
    pub code: Code,
    pub message_ja: String,
    pub message_en: String,
}

impl LineError {
    fn new(line: u64, error: &dyn Coded) -> Self {
        Self {
            line,
            code: error.code(),
            message_ja: error.message_ja(),
            message_en: error.message_en(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ImportError {
    /// The file has bad lines; nothing was imported.
    #[error("{} bad lines", .0.error_count)]
    Rows(ImportReport),
    /// The upload could not be read to its end (cut off, or over the size limit).
    #[error("reading the upload: {0}")]
    Read(#[source] io::Error),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A line's own problem (the ticket and birth date parsers report theirs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum LineProblem {
    #[error("the first line must be the header ticket_number,birth_date")]
    Header,
    #[error("a line must have 2 columns, ticket_number and birth_date; this one has {0}")]
    Columns(usize),
    #[error("the line is not UTF-8 text; save the file as UTF-8 (CSV UTF-8)")]
    Encoding,
    #[error("the ticket is also on line {0} with a different birth date")]
    Duplicate(u64),
    #[error(
        "the ticket is registered with a different birth date; import with mode=replace to correct it"
    )]
    BirthDateDiffers,
    #[error(
        "a resident is registered with this ticket and its birth date, so the birth date cannot be replaced"
    )]
    ResidentRegistered,
}

impl Coded for LineProblem {
    fn code(&self) -> Code {
        match self {
            Self::Header => Code::ValidTicketsHeader,
            Self::Columns(_) => Code::ValidTicketsColumns,
            Self::Encoding => Code::ValidTicketsEncoding,
            Self::Duplicate(_) => Code::ValidTicketsDuplicate,
            Self::BirthDateDiffers => Code::ValidTicketsBirthDateDiffers,
            Self::ResidentRegistered => Code::ValidTicketsResidentRegistered,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::Header => {
                "1行目は見出し行「ticket_number,birth_date」（または「接種券番号,生年月日」）にしてください。".into()
            }
            Self::Columns(n) => {
                format!("接種券番号と生年月日の2列にしてください（この行は{n}列です）。")
            }
            Self::Encoding => "文字コードがUTF-8ではありません。CSV UTF-8で保存してください。".into(),
            Self::Duplicate(line) => {
                format!("同じ接種券番号が{line}行目にも異なる生年月日で記載されています。")
            }
            Self::BirthDateDiffers => {
                "この接種券番号は異なる生年月日で登録済みです。訂正する場合は置き換えモード（mode=replace）で取り込んでください。".into()
            }
            Self::ResidentRegistered => {
                "この接種券番号では予約者が登録済みのため、生年月日を置き換えられません。".into()
            }
        }
    }
}

/// What the CSV held, once staged in the temporary table.
struct Staged {
    rows: u64,
    error_count: u64,
    /// The first [`MAX_REPORTED_ERRORS`] errors, in line order.
    errors: Vec<LineError>,
}

impl Staged {
    fn push(&mut self, line: u64, error: &dyn Coded) {
        self.error_count += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(LineError::new(line, error));
        }
    }
}

/// Imports `csv` into `municipality`'s registry in one transaction: every line is checked (birth
/// dates against `today`) before anything is written.
pub(crate) async fn import(
    db: &PgPool,
    municipality: MunicipalityCode,
    admin: Uuid,
    csv: impl AsyncRead + Unpin + Send,
    mode: ImportMode,
    today: NaiveDate,
) -> Result<ImportReport, ImportError> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "create temp table ticket_import (
             line bigint not null,
             ticket_number char(10) not null,
             birth_date date not null
         ) on commit drop",
    )
    .execute(&mut *tx)
    .await?;
    let mut copy = tx
        .copy_in_raw("copy ticket_import (line, ticket_number, birth_date) from stdin")
        .await?;
    let mut staged = match stage(&mut copy, csv, today).await {
        Ok(staged) => {
            copy.finish().await?;
            staged
        }
        Err(error) => {
            copy.abort("the upload could not be read").await?;
            return Err(error);
        }
    };

    // Imports of one municipality take turns, so the checks below and the insert see the same
    // registry.
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtext('valid_tickets:' || $1))",
        municipality.as_string(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let (conflicting, conflict_count) = conflicts(&mut tx, municipality, mode).await?;
    staged.error_count += conflict_count;
    staged.errors.extend(
        conflicting
            .iter()
            .map(|(line, problem)| LineError::new(*line, problem)),
    );
    if staged.error_count > 0 {
        // The first of the parse errors and of each kind of conflict: together, the first of all.
        staged.errors.sort_by_key(|error| error.line);
        staged.errors.truncate(MAX_REPORTED_ERRORS);
        return Err(ImportError::Rows(ImportReport {
            imported: 0,
            unchanged: 0,
            replaced: 0,
            error_count: staged.error_count,
            errors: staged.errors,
        }));
    }

    // The first line of a ticket listed twice stands for both (they agree: see conflicts).
    // A runtime query: the temporary table is unknown to the compile-time check.
    let (imported, replaced): (i64, i64) = sqlx::query_as(
        "with upserted as (
             insert into valid_tickets (municipality_code, ticket_number, birth_date)
             select distinct on (ticket_number) $1, ticket_number, birth_date
             from ticket_import
             order by ticket_number, line
             on conflict (municipality_code, ticket_number) do update
                 set birth_date = excluded.birth_date
                 where $2 and valid_tickets.birth_date <> excluded.birth_date
             returning xmax = 0 as inserted
         )
         select count(*) filter (where inserted), count(*) filter (where not inserted)
         from upserted",
    )
    .bind(municipality.as_string())
    .bind(mode == ImportMode::Replace)
    .fetch_one(&mut *tx)
    .await?;
    let (imported, replaced) = (imported.unsigned_abs(), replaced.unsigned_abs());
    let after = serde_json::json!({
        "rows": staged.rows,
        "imported": imported,
        "replaced": replaced,
        "mode": if mode == ImportMode::Replace { "replace" } else { "add" },
    });
    audit::record_admin(
        &mut tx,
        municipality,
        admin,
        "valid_tickets.import",
        AdminEntity::ValidTickets,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(ImportReport {
        imported,
        unchanged: staged.rows - imported - replaced,
        replaced,
        error_count: 0,
        errors: Vec::new(),
    })
}

/// Parses every line, copies the good ones into `ticket_import` and notes the bad ones.
async fn stage(
    copy: &mut PgCopyIn<&mut PgConnection>,
    csv: impl AsyncRead + Unpin + Send,
    today: NaiveDate,
) -> Result<Staged, ImportError> {
    let mut reader = AsyncReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(Trim::All)
        .create_reader(csv);
    let mut staged = Staged {
        rows: 0,
        error_count: 0,
        errors: Vec::new(),
    };
    let mut batch = Vec::with_capacity(COPY_BATCH_BYTES + 64);
    let mut record = ByteRecord::new();
    let mut header_seen = false;
    while reader
        .read_byte_record(&mut record)
        .await
        .map_err(read_error)?
    {
        let line = record.position().map_or(0, |position| position.line());
        if !header_seen {
            header_seen = true;
            if !is_header(&record) {
                staged.push(line, &LineProblem::Header);
            }
            continue;
        }
        match parse_line(&record, today) {
            Ok((ticket, birth_date)) => {
                staged.rows += 1;
                batch.extend_from_slice(format!("{line}\t{ticket}\t{birth_date}\n").as_bytes());
                if batch.len() >= COPY_BATCH_BYTES {
                    copy.send(batch.as_slice()).await?;
                    batch.clear();
                }
            }
            Err(problems) => {
                for problem in problems {
                    staged.push(line, problem.as_ref());
                }
            }
        }
    }
    if !header_seen {
        staged.push(1, &LineProblem::Header);
    }
    copy.send(batch).await?;
    Ok(staged)
}

fn read_error(error: csv_async::Error) -> ImportError {
    match error.into_kind() {
        csv_async::ErrorKind::Io(error) => ImportError::Read(error),
        other => ImportError::Read(io::Error::other(format!("{other:?}"))),
    }
}

fn is_header(record: &ByteRecord) -> bool {
    let Ok(fields) = record
        .iter()
        .map(std::str::from_utf8)
        .collect::<Result<Vec<_>, _>>()
    else {
        return false;
    };
    let Some((first, rest)) = fields.split_first() else {
        return false;
    };
    let first = first.trim_start_matches('\u{feff}').trim();
    HEADERS.iter().any(|[ticket, birth]| {
        first.eq_ignore_ascii_case(ticket) && rest.len() == 1 && rest[0].eq_ignore_ascii_case(birth)
    })
}

/// The line's ticket and birth date, or everything wrong with it.
fn parse_line(
    record: &ByteRecord,
    today: NaiveDate,
) -> Result<(TicketNumber, NaiveDate), Vec<Box<dyn Coded + Send + Sync>>> {
    if record.len() != 2 {
        return Err(vec![Box::new(LineProblem::Columns(record.len()))]);
    }
    let (Ok(ticket), Ok(birth_date)) = (
        std::str::from_utf8(&record[0]),
        std::str::from_utf8(&record[1]),
    ) else {
        return Err(vec![Box::new(LineProblem::Encoding)]);
    };
    match (
        TicketNumber::parse(ticket),
        BirthDate::parse(birth_date, today),
    ) {
        (Ok(ticket), Ok(birth_date)) => Ok((ticket, birth_date.date())),
        (ticket, birth_date) => {
            let mut problems: Vec<Box<dyn Coded + Send + Sync>> = Vec::new();
            if let Err(error) = ticket {
                problems.push(Box::new(error));
            }
            if let Err(error) = birth_date {
                problems.push(Box::new(error));
            }
            Err(problems)
        }
    }
}

/// Lines that disagree with an earlier line of the file, and lines that disagree with the
/// registry (unless replacing, and then only those whose ticket a resident is registered with,
/// as residents refer to the registry's birth date): the first [`MAX_REPORTED_ERRORS`] of each
/// kind, and how many there are in all.
async fn conflicts(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    mode: ImportMode,
) -> Result<(Vec<(u64, LineProblem)>, u64), sqlx::Error> {
    // Window functions run before limit: `total` counts every conflict of the kind. A runtime
    // query: the temporary table is unknown to the compile-time check.
    let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "with listed as (
             select line, ticket_number, birth_date,
                    first_value(line) over same_ticket as first_line,
                    first_value(birth_date) over same_ticket as first_birth_date
             from ticket_import
             window same_ticket as (partition by ticket_number order by line)
         ),
         in_file as (
             select line, first_line, 'duplicate' as kind, count(*) over () as total
             from listed
             where birth_date <> first_birth_date
             order by line
             limit $3
         ),
         in_registry as (
             select l.line, l.first_line, case when $2 then 'resident' else 'differs' end as kind,
                    count(*) over () as total
             from listed l
             join valid_tickets v
               on v.municipality_code = $1 and v.ticket_number = l.ticket_number
             where l.birth_date = l.first_birth_date and v.birth_date <> l.birth_date
               and (not $2 or exists (select 1 from residents r
                                      where r.municipality_code = $1 and r.home_code = $1
                                        and r.ticket_number = l.ticket_number))
             order by l.line
             limit $3
         )
         select * from in_file union all select * from in_registry",
    )
    .bind(municipality.as_string())
    .bind(mode == ImportMode::Replace)
    .bind(i64::try_from(MAX_REPORTED_ERRORS).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    let (mut in_file, mut in_registry) = (0, 0);
    let conflicts = rows
        .into_iter()
        .map(|(line, first_line, kind, total)| {
            let problem = match kind.as_str() {
                "duplicate" => LineProblem::Duplicate(first_line.unsigned_abs()),
                "resident" => LineProblem::ResidentRegistered,
                _ => LineProblem::BirthDateDiffers,
            };
            match problem {
                LineProblem::Duplicate(_) => in_file = total.unsigned_abs(),
                _ => in_registry = total.unsigned_abs(),
            }
            (line.unsigned_abs(), problem)
        })
        .collect();
    Ok((conflicts, in_file + in_registry))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 10, 1).unwrap()
    }

    fn record(fields: &[&str]) -> ByteRecord {
        ByteRecord::from(fields.to_vec())
    }

    fn codes(
        result: Result<(TicketNumber, NaiveDate), Vec<Box<dyn Coded + Send + Sync>>>,
    ) -> Vec<Code> {
        result.unwrap_err().iter().map(|e| e.code()).collect()
    }

    #[test]
    fn headers_in_either_language_with_or_without_a_bom() {
        assert!(is_header(&record(&["ticket_number", "birth_date"])));
        assert!(is_header(&record(&["\u{feff}ticket_number", "birth_date"])));
        assert!(is_header(&record(&["接種券番号", "生年月日"])));
        assert!(!is_header(&record(&["9000000062", "1945-03-03"])));
        assert!(!is_header(&record(&["ticket_number"])));
    }

    #[test]
    fn lines_parse_with_the_domain_parsers() {
        let (ticket, birth_date) =
            parse_line(&record(&["９０００００００６２", "1945/03/03"]), today()).unwrap();
        assert_eq!(ticket.to_string(), "9000000062");
        assert_eq!(birth_date, NaiveDate::from_ymd_opt(1945, 3, 3).unwrap());
        assert_eq!(
            codes(parse_line(&record(&["900000062", "1945-02-30"]), today())),
            [Code::TicketNumberLength, Code::BirthDateImpossible]
        );
        assert_eq!(
            codes(parse_line(&record(&["9000000062"]), today())),
            [Code::ValidTicketsColumns]
        );
        let shift_jis = ByteRecord::from(vec![&b"9000000062"[..], &[0x82, 0x50][..]]);
        assert_eq!(
            codes(parse_line(&shift_jis, today())),
            [Code::ValidTicketsEncoding]
        );
    }
}
