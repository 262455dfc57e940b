//! 予約者情報 (manual 2-1 ④, 4-2): residents of the valid-ticket registry and the details taken on
//! their first booking.
//!
//! Every function takes a connection or a transaction, so the HTTP handlers and the sync push apply
//! the same rules inside transactions of their own.

mod search;

use chrono::NaiveDate;
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::contact::{Email, Phone};
use yoyaku_core::kana::KanaName;
use yoyaku_core::resident::{Memo, ResidentDetails, Sex};
use yoyaku_core::sync::ResidentKey;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::tokyo_today;
use yoyaku_core::{Coded, MunicipalityCode};

use crate::audit::{self, Caller, Entity, ReadScope};

pub(crate) use search::{Criteria, SearchResult, search};

/// Why a resident could not be found, registered or booked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ResidentRefusal {
    /// A made-up ticket and a wrong birth date get this one answer: which part was wrong stays
    /// unknown to someone trying numbers.
    #[error(
        "the ticket number and birth date do not match the city's valid tickets; please check both"
    )]
    NotInRegistry,
    #[error("the resident's details are not registered yet; please register them first")]
    NotRegistered,
    /// No registered resident the reader may see: one that is not registered and one that is
    /// another clinic's get the same answer.
    #[error("no such resident is registered")]
    NoneVisible,
}

impl Coded for ResidentRefusal {
    fn code(&self) -> &str {
        match self {
            Self::NotInRegistry => "ticket.not_in_registry",
            Self::NotRegistered => "resident.not_registered",
            Self::NoneVisible => "resident.not_found",
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::NotInRegistry => {
                "接種券番号と生年月日の組み合わせが有効接種券に見つかりません。両方をもう一度ご確認ください。"
            }
            Self::NotRegistered => {
                "住民情報が登録されていません。先に住民情報登録を行ってください。"
            }
            Self::NoneVisible => "該当する住民情報はありません。",
        }
        .into()
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ResidentError {
    #[error(transparent)]
    Refused(#[from] ResidentRefusal),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value the schema should have kept valid is not.
    #[error("stored resident data is invalid: {0}")]
    Stored(String),
}

/// A registered resident: 基本情報 and 予約者情報.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resident {
    pub key: ResidentKey,
    pub details: ResidentDetails,
}

#[derive(sqlx::FromRow)]
struct ResidentRow {
    ticket_number: String,
    birth_date: NaiveDate,
    family_name_kana: String,
    given_name_kana: String,
    sex: String,
    phone: String,
    email: Option<String>,
    memo: String,
}

const RESIDENT_COLUMNS: &str =
    "ticket_number, birth_date, family_name_kana, given_name_kana, sex, phone, email, memo";

impl ResidentRow {
    fn into_resident(self, municipality: MunicipalityCode) -> Result<Resident, ResidentError> {
        let ticket_number = self.ticket_number;
        let stored = |what: &str| ResidentError::Stored(format!("{what} of {ticket_number}"));
        let ticket = TicketNumber::parse(&ticket_number).map_err(|_| stored("ticket_number"))?;
        let details = ResidentDetails {
            family_name_kana: KanaName::parse(&self.family_name_kana)
                .map_err(|_| stored("family_name_kana"))?,
            given_name_kana: KanaName::parse(&self.given_name_kana)
                .map_err(|_| stored("given_name_kana"))?,
            sex: parse_sex(&self.sex).ok_or_else(|| stored("sex"))?,
            phone: Phone::parse(&self.phone).map_err(|_| stored("phone"))?,
            email: self
                .email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(|_| stored("email"))?,
            memo: Memo::parse(&self.memo).map_err(|_| stored("memo"))?,
        };
        Ok(Resident {
            key: ResidentKey {
                municipality_code: municipality,
                ticket_number: ticket,
                birth_date: BirthDate::from_date(self.birth_date, tokyo_today())
                    .map_err(|_| stored("birth_date"))?,
            },
            details,
        })
    }
}

fn sex_str(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Unset => "unset",
    }
}

fn parse_sex(stored: &str) -> Option<Sex> {
    [Sex::Male, Sex::Female, Sex::Unset]
        .into_iter()
        .find(|s| sex_str(*s) == stored)
}

/// Whether the registry holds `key` (ticket and birth date together): `Ok(true)` when the
/// resident's details are registered too.
pub(crate) async fn registry_status(
    db: &mut PgConnection,
    key: &ResidentKey,
) -> Result<bool, ResidentError> {
    let registered: Option<bool> = sqlx::query_scalar(
        "select exists (select 1 from residents
                        where municipality_code = $1 and ticket_number = $2)
         from valid_tickets
         where municipality_code = $1 and ticket_number = $2::bpchar and birth_date = $3",
    )
    .bind(key.municipality_code.as_string())
    .bind(key.ticket_number.as_string())
    .bind(key.birth_date.date())
    .fetch_optional(db)
    .await?;
    registered.ok_or(ResidentRefusal::NotInRegistry.into())
}

/// The registered resident, whoever may see them (callers check [`visible`]).
pub(crate) async fn find(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    ticket: TicketNumber,
) -> Result<Option<Resident>, ResidentError> {
    let row = sqlx::query_as::<_, ResidentRow>(&format!(
        "select {RESIDENT_COLUMNS} from residents
         where municipality_code = $1 and ticket_number = $2"
    ))
    .bind(municipality.as_string())
    .bind(ticket.as_string())
    .fetch_optional(db)
    .await?;
    row.map(|row| row.into_resident(municipality)).transpose()
}

/// The residents of `tickets` for a clinic's sync. A stored row the core rules no longer accept
/// (kept from before a stricter rule, say) is left out and logged for the city to correct: one
/// bad row must not stop every clinic that books the resident from syncing.
pub(crate) async fn find_many(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    tickets: &[TicketNumber],
) -> Result<Vec<Resident>, ResidentError> {
    let tickets: Vec<String> = tickets.iter().map(TicketNumber::as_string).collect();
    let rows = sqlx::query_as::<_, ResidentRow>(&format!(
        "select {RESIDENT_COLUMNS} from residents
         where municipality_code = $1 and ticket_number = any($2)
         order by ticket_number"
    ))
    .bind(municipality.as_string())
    .bind(tickets)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.into_resident(municipality) {
            Ok(resident) => Some(resident),
            Err(error) => {
                tracing::error!(%municipality, %error, "a stored resident is left out of a sync");
                None
            }
        })
        .collect())
}

/// Whether a reader may see the resident: the municipality's staff always; a clinic when the
/// resident is one of its own (see [`CLINIC_OWNS_RESIDENT`]) or when it proved the resident's key.
pub(crate) async fn visible(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    ticket: TicketNumber,
    scope: &ReadScope,
) -> Result<bool, sqlx::Error> {
    let ReadScope::Clinic { account, venues } = scope else {
        return Ok(true);
    };
    sqlx::query_scalar(&format!(
        "select exists (select 1 from residents r
                        where r.municipality_code = $1 and r.ticket_number = $2
                          and ({CLINIC_OWNS_RESIDENT} or exists (
                              select 1 from resident_key_proofs p
                              where p.municipality_code = r.municipality_code
                                and p.ticket_number = r.ticket_number and p.account_id = $3)))"
    ))
    .bind(municipality.as_string())
    .bind(ticket.as_string())
    .bind(account)
    .bind(venues)
    .fetch_one(db)
    .await
}

/// SQL: resident `r` is one of the clinic `$3`'s own (with venues `$4`): it registered them or
/// they have a booking at one of its venues. Only these are found by phone or kana.
pub(super) const CLINIC_OWNS_RESIDENT: &str = "(r.registered_by = $3 or exists (
        select 1 from bookings b
        join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
        where b.municipality_code = r.municipality_code and b.ticket_number = r.ticket_number
          and s.venue_id = any($4)))";

/// Records that the clinic `account` proved `key`: the caller read it out, which is their consent
/// for the clinic to see and change their 予約者情報 and to book for them. `key` must have been
/// checked against the registry.
pub(crate) async fn record_key_proof(
    db: &mut PgConnection,
    key: &ResidentKey,
    account: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into resident_key_proofs (municipality_code, ticket_number, account_id)
         values ($1, $2, $3)
         on conflict (municipality_code, ticket_number, account_id)
         do update set last_proven_at = now()",
    )
    .bind(key.municipality_code.as_string())
    .bind(key.ticket_number.as_string())
    .bind(account)
    .execute(db)
    .await?;
    Ok(())
}

/// Whose bookings of the resident a reader sees: a clinic that proved the resident's key sees
/// all of them (the 予約履歴 the resident would see on the web with the same key, which dose 2
/// needs when dose 1 was elsewhere); otherwise the reader's scope.
pub(crate) async fn history_scope(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    ticket: TicketNumber,
    scope: &ReadScope,
) -> Result<ReadScope, sqlx::Error> {
    let ReadScope::Clinic { account, .. } = scope else {
        return Ok(scope.clone());
    };
    let proven: bool = sqlx::query_scalar(
        "select exists (select 1 from resident_key_proofs
                        where municipality_code = $1 and ticket_number = $2 and account_id = $3)",
    )
    .bind(municipality.as_string())
    .bind(ticket.as_string())
    .bind(account)
    .fetch_one(db)
    .await?;
    Ok(if proven {
        ReadScope::Municipality
    } else {
        scope.clone()
    })
}

/// Takes the resident's row lock that serialises every booking write of one resident, after
/// checking `key` against the registry. Without registered details there is nothing to book for.
pub(crate) async fn lock_for_booking(
    db: &mut PgConnection,
    key: &ResidentKey,
) -> Result<(), ResidentError> {
    let birth_date: Option<NaiveDate> = sqlx::query_scalar(
        "select birth_date from residents
         where municipality_code = $1 and ticket_number = $2
         for update",
    )
    .bind(key.municipality_code.as_string())
    .bind(key.ticket_number.as_string())
    .fetch_optional(&mut *db)
    .await?;
    check_locked(db, key, birth_date).await
}

/// Judges `key` by the birth date of its resident's row just locked (`None`: there is no row),
/// for a caller that took the lock in a query of its own.
pub(crate) async fn check_locked(
    db: &mut PgConnection,
    key: &ResidentKey,
    birth_date: Option<NaiveDate>,
) -> Result<(), ResidentError> {
    match birth_date {
        Some(date) if date == key.birth_date.date() => Ok(()),
        Some(_) => Err(ResidentRefusal::NotInRegistry.into()),
        None => {
            registry_status(db, key).await?;
            Err(ResidentRefusal::NotRegistered.into())
        }
    }
}

/// The same lock for a write that starts from a booking, whose resident is known to exist.
pub(crate) async fn lock(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    ticket: TicketNumber,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "select 1 from residents
         where municipality_code = $1 and ticket_number = $2
         for update",
    )
    .bind(municipality.as_string())
    .bind(ticket.as_string())
    .execute(db)
    .await?;
    Ok(())
}

/// What a registration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Registration {
    /// 住民情報登録: the details were new.
    Created,
    /// 情報変更 (or the same details again).
    Changed,
    /// The city's details were not the ones the change was based on: they stand, unchanged.
    CityDetailsStand(ResidentDetails),
}

/// What a registration may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replaces<'a> {
    /// Whatever is registered: the caller saw the current details (the HTTP API).
    Current,
    /// Only these details (`None`: none at all), as a clinic saw them before a change it made
    /// offline: [`Action::RegisterResident`](yoyaku_core::sync::Action)'s `based_on`.
    Only(Option<&'a ResidentDetails>),
}

/// 住民情報登録 or 情報変更: stores `details` for `key`, with its audit and change rows. The key
/// is the caller's credential: a resident on the web changes their own details, a clinic that
/// gives it has the resident's consent (and it is recorded, see [`record_key_proof`]).
pub(crate) async fn register(
    db: &mut PgConnection,
    caller: &Caller,
    key: &ResidentKey,
    details: &ResidentDetails,
    replaces: Replaces<'_>,
) -> Result<Registration, ResidentError> {
    let municipality = key.municipality_code;
    let ticket = key.ticket_number;
    // The registry row's lock serialises registrations of one ticket, first ones included.
    let in_registry: Option<i32> = sqlx::query_scalar(
        "select 1 from valid_tickets
         where municipality_code = $1 and ticket_number = $2::bpchar and birth_date = $3
         for no key update",
    )
    .bind(municipality.as_string())
    .bind(ticket.as_string())
    .bind(key.birth_date.date())
    .fetch_optional(&mut *db)
    .await?;
    if in_registry.is_none() {
        return Err(ResidentRefusal::NotInRegistry.into());
    }
    if let Some(clinic) = caller.clinic_account() {
        record_key_proof(db, key, clinic).await?;
    }
    let before = find(db, municipality, ticket).await?;
    if let (Some(current), Replaces::Only(seen)) = (&before, replaces) {
        if seen != Some(&current.details) && &current.details != details {
            return Ok(Registration::CityDetailsStand(current.details.clone()));
        }
    }

    sqlx::query(
        "insert into residents (municipality_code, ticket_number, birth_date, family_name_kana,
                                given_name_kana, sex, phone, email, memo, registered_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         on conflict (municipality_code, ticket_number) do update
         set family_name_kana = excluded.family_name_kana,
             given_name_kana = excluded.given_name_kana,
             sex = excluded.sex, phone = excluded.phone, email = excluded.email,
             memo = excluded.memo, updated_at = now()",
    )
    .bind(municipality.as_string())
    .bind(ticket.as_string())
    .bind(key.birth_date.date())
    .bind(details.family_name_kana.as_str())
    .bind(details.given_name_kana.as_str())
    .bind(sex_str(details.sex))
    .bind(details.phone.digits())
    .bind(details.email.as_ref().map(Email::as_str))
    .bind(details.memo.as_str())
    .bind(caller.account())
    .execute(&mut *db)
    .await?;

    let as_json = |d: &ResidentDetails| serde_json::to_value(d).expect("details serialize");
    let (action, before) = match &before {
        Some(resident) => ("resident.update", Some(as_json(&resident.details))),
        None => ("resident.register", None),
    };
    let entity = Entity::Resident(ticket);
    let after = as_json(details);
    audit::record(
        db,
        municipality,
        caller,
        action,
        entity,
        before.as_ref(),
        Some(&after),
    )
    .await?;
    audit::record_resident_change(db, municipality, ticket).await?;
    Ok(if before.is_none() {
        Registration::Created
    } else {
        Registration::Changed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sexes_round_trip_through_their_stored_form() {
        for sex in [Sex::Male, Sex::Female, Sex::Unset] {
            assert_eq!(parse_sex(sex_str(sex)), Some(sex));
        }
        assert_eq!(parse_sex("other"), None);
    }

    #[test]
    fn a_made_up_ticket_and_a_wrong_birth_date_share_one_answer() {
        let refusal = ResidentRefusal::NotInRegistry;
        assert_eq!(refusal.code(), "ticket.not_in_registry");
        assert!(refusal.message_ja().contains("接種券番号と生年月日"));
        assert!(
            refusal
                .message_en()
                .contains("ticket number and birth date")
        );
    }
}
