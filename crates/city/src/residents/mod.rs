//! 予約者情報 (manual 2-1 ④, 4-2): residents of the valid-ticket registry and the details taken on
//! their first booking, and 市外住民 (manual 2-3), residents of another municipality booked here
//! for a reason of the guidance, known by the municipality that issued their ticket too.
//!
//! Every function takes a connection or a transaction, so the HTTP handlers and the sync push apply
//! the same rules inside transactions of their own.

mod search;

use chrono::NaiveDate;
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::contact::{Email, Phone};
use yoyaku_core::kana::KanaName;
use yoyaku_core::out_of_municipality::{Notification, OutsideError, OutsideStay, check_stay};
use yoyaku_core::resident::{Memo, ResidentDetails, Sex};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::tokyo_today;

use crate::audit::{self, Caller, Entity, ReadScope};

pub(crate) use search::{Criteria, SearchResult, search};

pub(crate) use yoyaku_core::refusal::ResidentRefusal;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ResidentError {
    #[error(transparent)]
    Refused(#[from] ResidentRefusal),
    /// A 住所地外 stay the key does not call for, or one the rules refuse.
    #[error(transparent)]
    Outside(#[from] OutsideError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value the schema should have kept valid is not.
    #[error("stored resident data is invalid: {0}")]
    Stored(String),
}

/// A resident as this municipality's tables key them: the ticket and the municipality that
/// issued it (this one, or another for a 市外住民, whose number another city may also use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ResidentId {
    pub home: MunicipalityCode,
    pub ticket: TicketNumber,
}

impl From<&ResidentKey> for ResidentId {
    fn from(key: &ResidentKey) -> Self {
        Self {
            home: key.municipality_code,
            ticket: key.ticket_number,
        }
    }
}

impl ResidentId {
    /// The resident as the audit and change logs name it.
    pub fn entity(self) -> Entity {
        Entity::Resident {
            home: self.home,
            ticket: self.ticket,
        }
    }

    /// The resident a log row of `municipality` names (see [`Entity::id`]).
    pub fn from_log_id(id: &str, municipality: MunicipalityCode) -> Option<Self> {
        let (home, ticket) = match id.split_once(':') {
            Some((home, ticket)) => (MunicipalityCode::parse(home).ok()?, ticket),
            None => (municipality, id),
        };
        Some(Self {
            home,
            ticket: TicketNumber::parse(ticket).ok()?,
        })
    }
}

impl std::fmt::Display for ResidentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.home, self.ticket)
    }
}

/// A registered resident: 基本情報 and 予約者情報, and for a 市外住民 their 住所地外 stay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resident {
    pub key: ResidentKey,
    pub details: ResidentDetails,
    pub outside: Option<OutsideStay>,
}

impl Resident {
    /// Whose whereabouts must not leave the booking clinic and the city (DV等の被害者).
    pub fn is_protected(&self) -> bool {
        self.outside
            .is_some_and(|stay| stay.reason().protects_whereabouts())
    }
}

struct ResidentRow {
    home_code: String,
    ticket_number: String,
    birth_date: NaiveDate,
    family_name_kana: String,
    given_name_kana: String,
    sex: String,
    phone: String,
    email: Option<String>,
    memo: String,
    outside_reason: Option<String>,
    notification: Option<String>,
}

impl ResidentRow {
    fn into_resident(self) -> Result<Resident, ResidentError> {
        let ticket_number = self.ticket_number;
        let stored = |what: &str| ResidentError::Stored(format!("{what} of {ticket_number}"));
        let ticket = TicketNumber::parse(&ticket_number).map_err(|_| stored("ticket_number"))?;
        let home = MunicipalityCode::parse(&self.home_code).map_err(|_| stored("home_code"))?;
        let outside =
            OutsideStay::from_stored(self.outside_reason.as_deref(), self.notification.as_deref())
                .map_err(|_| stored("outside stay"))?;
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
                municipality_code: home,
                ticket_number: ticket,
                birth_date: BirthDate::from_date(self.birth_date, tokyo_today())
                    .map_err(|_| stored("birth_date"))?,
            },
            details,
            outside,
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
/// resident's details are registered too. A 市外住民's ticket is in no registry of this city: its
/// check digits were checked as it was parsed, and a registered one must match its birth date.
pub(crate) async fn registry_status(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    key: &ResidentKey,
) -> Result<bool, ResidentError> {
    if key.municipality_code != municipality {
        let birth_date = sqlx::query_scalar!(
            r#"select birth_date as "birth_date: chrono::NaiveDate" from residents
             where municipality_code = $1 and home_code = $2 and ticket_number = $3"#,
            municipality.as_string(),
            key.municipality_code.as_string(),
            key.ticket_number.as_string(),
        )
        .fetch_optional(db)
        .await?;
        return match birth_date {
            None => Ok(false),
            Some(date) if date == key.birth_date.date() => Ok(true),
            Some(_) => Err(ResidentRefusal::NotInRegistry.into()),
        };
    }
    let registered = sqlx::query_scalar!(
        r#"select exists (select 1 from residents
                          where municipality_code = $1 and home_code = $1 and ticket_number = $2)
               as "registered!"
           from valid_tickets
           where municipality_code = $1 and ticket_number = $2::bpchar and birth_date = $3"#,
        key.municipality_code.as_string(),
        key.ticket_number.as_string(),
        key.birth_date.date() as _,
    )
    .fetch_optional(db)
    .await?;
    registered.ok_or(ResidentRefusal::NotInRegistry.into())
}

/// The registered resident, whoever may see them (callers check [`visible`]).
pub(crate) async fn find(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: ResidentId,
) -> Result<Option<Resident>, ResidentError> {
    sqlx::query_as!(
        ResidentRow,
        r#"select home_code, ticket_number, birth_date as "birth_date: chrono::NaiveDate",
                family_name_kana, given_name_kana, sex, phone, email, memo, outside_reason,
                notification
         from residents
         where municipality_code = $1 and home_code = $2 and ticket_number = $3"#,
        municipality.as_string(),
        id.home.as_string(),
        id.ticket.as_string(),
    )
    .fetch_optional(db)
    .await?
    .map(ResidentRow::into_resident)
    .transpose()
}

/// The residents of `tickets` for a clinic's sync. A stored row the core rules no longer accept
/// (kept from before a stricter rule, say) is left out and logged for the city to correct: one
/// bad row must not stop every clinic that books the resident from syncing.
pub(crate) async fn find_many(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    ids: &[ResidentId],
) -> Result<Vec<Resident>, ResidentError> {
    let homes: Vec<String> = ids.iter().map(|id| id.home.as_string()).collect();
    let tickets: Vec<String> = ids.iter().map(|id| id.ticket.as_string()).collect();
    let rows = sqlx::query_as!(
        ResidentRow,
        r#"select home_code, ticket_number, birth_date as "birth_date: chrono::NaiveDate",
                family_name_kana, given_name_kana, sex, phone, email, memo, outside_reason,
                notification
         from residents
         where municipality_code = $1
           and (home_code, ticket_number) in (select * from unnest($2::text[], $3::text[]))
         order by home_code, ticket_number"#,
        municipality.as_string(),
        &homes,
        &tickets,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.into_resident() {
            Ok(resident) => Some(resident),
            Err(error) => {
                tracing::error!(%municipality, %error, "a stored resident is left out of a sync");
                None
            }
        })
        .collect())
}

/// Expands the sqlx query macro `$query` (with the leading arguments `$lead`, if any) over SQL of
/// `$before`, then the condition that resident `r` is one of the clinic `$3`'s own (with venues
/// `$4`): it registered them or they have a booking at one of its venues (only these are found by
/// phone or kana), then `$after`. A macro rather than a constant, so that every query holding the
/// condition is checked at compile time.
macro_rules! with_clinic_owns_resident {
    ($query:ident!($($lead:tt)*), $before:literal, $after:literal $($args:tt)*) => {
        sqlx::$query!(
            $($lead)*
            $before
                + "(r.registered_by = $3 or exists (
                       select 1 from bookings b
                       join slots s
                         on s.municipality_code = b.municipality_code and s.id = b.slot_id
                       where b.municipality_code = r.municipality_code
                         and b.home_code = r.home_code and b.ticket_number = r.ticket_number
                         and s.venue_id = any($4)))"
                + $after
            $($args)*
        )
    };
}
use with_clinic_owns_resident;

/// Whether a reader may see the resident: the municipality's staff always; a clinic when the
/// resident is one of its own (see [`with_clinic_owns_resident`]) or when it proved the resident's
/// key, unless the resident's whereabouts are protected (DV等): then only their own clinic.
pub(crate) async fn visible(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: ResidentId,
    scope: &ReadScope,
) -> Result<bool, sqlx::Error> {
    let ReadScope::Clinic { account, venues } = scope else {
        return Ok(true);
    };
    with_clinic_owns_resident!(
        query_scalar!(),
        r#"select exists (select 1 from residents r
                          where r.municipality_code = $1 and r.home_code = $5
                            and r.ticket_number = $2 and ("#,
        r#" or (r.outside_reason is distinct from 'abuse_victim' and exists (
                    select 1 from resident_key_proofs p
                    where p.municipality_code = r.municipality_code
                      and p.home_code = r.home_code and p.ticket_number = r.ticket_number
                      and p.account_id = $3))))
           as "visible!""#,
        municipality.as_string(),
        id.ticket.as_string(),
        account,
        venues,
        id.home.as_string(),
    )
    .fetch_one(db)
    .await
}

/// Whether the clinic `account` (with `venues`) is the resident's own: it registered them or
/// they have a booking at one of its venues.
pub(crate) async fn owned_by_clinic(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: ResidentId,
    account: Uuid,
    venues: &[Uuid],
) -> Result<bool, sqlx::Error> {
    with_clinic_owns_resident!(
        query_scalar!(),
        r#"select exists (select 1 from residents r
                          where r.municipality_code = $1 and r.home_code = $5
                            and r.ticket_number = $2 and "#,
        r#") as "owned!""#,
        municipality.as_string(),
        id.ticket.as_string(),
        account,
        venues,
        id.home.as_string(),
    )
    .fetch_one(db)
    .await
}

/// Records that the clinic `account` proved `key`: the caller read it out, which is their consent
/// for the clinic to see and change their 予約者情報 and to book for them. `key` must have been
/// checked against the registry.
pub(crate) async fn record_key_proof(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    key: &ResidentKey,
    account: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into resident_key_proofs (municipality_code, home_code, ticket_number, account_id)
         values ($1, $2, $3, $4)
         on conflict (municipality_code, home_code, ticket_number, account_id)
         do update set last_proven_at = now()",
        municipality.as_string(),
        key.municipality_code.as_string(),
        key.ticket_number.as_string(),
        account,
    )
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
    id: ResidentId,
    scope: &ReadScope,
) -> Result<ReadScope, sqlx::Error> {
    let ReadScope::Clinic { account, .. } = scope else {
        return Ok(scope.clone());
    };
    let proven = sqlx::query_scalar!(
        r#"select exists (select 1 from resident_key_proofs p
                          join residents r on r.municipality_code = p.municipality_code
                                          and r.home_code = p.home_code
                                          and r.ticket_number = p.ticket_number
                          where p.municipality_code = $1 and p.home_code = $2
                            and p.ticket_number = $3 and p.account_id = $4
                            and r.outside_reason is distinct from 'abuse_victim')
               as "proven!""#,
        municipality.as_string(),
        id.home.as_string(),
        id.ticket.as_string(),
        account,
    )
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
    municipality: MunicipalityCode,
    key: &ResidentKey,
) -> Result<(), ResidentError> {
    let birth_date = sqlx::query_scalar!(
        r#"select birth_date as "birth_date: chrono::NaiveDate" from residents
         where municipality_code = $1 and home_code = $2 and ticket_number = $3
         for update"#,
        municipality.as_string(),
        key.municipality_code.as_string(),
        key.ticket_number.as_string(),
    )
    .fetch_optional(&mut *db)
    .await?;
    check_locked(db, municipality, key, birth_date).await
}

/// Judges `key` by the birth date of its resident's row just locked (`None`: there is no row),
/// for a caller that took the lock in a query of its own.
pub(crate) async fn check_locked(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    key: &ResidentKey,
    birth_date: Option<NaiveDate>,
) -> Result<(), ResidentError> {
    match birth_date {
        Some(date) if date == key.birth_date.date() => Ok(()),
        Some(_) => Err(ResidentRefusal::NotInRegistry.into()),
        None => {
            registry_status(db, municipality, key).await?;
            Err(ResidentRefusal::NotRegistered.into())
        }
    }
}

/// The same lock for a write that starts from a booking, whose resident is known to exist.
pub(crate) async fn lock(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: ResidentId,
) -> Result<(), sqlx::Error> {
    // Only the lock is wanted, not the row.
    sqlx::query!(
        "select 1 as locked from residents
         where municipality_code = $1 and home_code = $2 and ticket_number = $3
         for update",
        municipality.as_string(),
        id.home.as_string(),
        id.ticket.as_string(),
    )
    .fetch_optional(db)
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

/// What is registered: the key, the 予約者情報 and, for a 市外住民, their 住所地外 stay.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Registering<'a> {
    pub key: &'a ResidentKey,
    pub details: &'a ResidentDetails,
    pub outside: Option<OutsideStay>,
}

/// 住民情報登録 or 情報変更 in `municipality`: stores the details for the key, with its audit and
/// change rows. The key is the caller's credential: a resident on the web changes their own
/// details, a clinic that gives it has the resident's consent (and it is recorded, see
/// [`record_key_proof`]). A ticket of another municipality needs its 住所地外 stay; a notification
/// the city received is not undone by a change that does not know of it.
pub(crate) async fn register(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    registering: Registering<'_>,
    replaces: Replaces<'_>,
) -> Result<Registration, ResidentError> {
    let Registering {
        key,
        details,
        outside,
    } = registering;
    let outside = check_stay(key.municipality_code, municipality, outside)?;
    let id = ResidentId::from(key);
    if outside.is_none() {
        // The registry row's lock serialises registrations of one ticket, first ones included.
        let in_registry = sqlx::query_scalar!(
            r#"select 1 as "in_registry" from valid_tickets
               where municipality_code = $1 and ticket_number = $2::bpchar and birth_date = $3
               for no key update"#,
            municipality.as_string(),
            id.ticket.as_string(),
            key.birth_date.date() as _,
        )
        .fetch_optional(&mut *db)
        .await?;
        if in_registry.is_none() {
            return Err(ResidentRefusal::NotInRegistry.into());
        }
    } else {
        // Another municipality's ticket: a registered one must be this birth date's.
        registry_status(db, municipality, key).await?;
    }
    let before = find(db, municipality, id).await?;
    if let (Some(current), Caller::Clinic { account, venues }) = (&before, caller) {
        if current.is_protected()
            && !owned_by_clinic(db, municipality, id, *account, venues).await?
        {
            return Err(ResidentRefusal::Protected.into());
        }
    }
    if let Some(clinic) = caller.clinic_account() {
        record_key_proof(db, municipality, key, clinic).await?;
    }
    if let (Some(current), Replaces::Only(seen)) = (&before, replaces) {
        if seen != Some(&current.details) && &current.details != details {
            return Ok(Registration::CityDetailsStand(current.details.clone()));
        }
    }
    // A received notification stays received unless the reason itself changes.
    let outside = match (outside, before.as_ref().and_then(|r| r.outside)) {
        (Some(new), Some(old))
            if new.reason() == old.reason() && old.notification() == Notification::Received =>
        {
            Some(old)
        }
        (new, _) => new,
    };

    sqlx::query!(
        "insert into residents (municipality_code, home_code, ticket_number, birth_date,
                                family_name_kana, given_name_kana, sex, phone, email, memo,
                                registered_by, outside_reason, notification)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         on conflict (municipality_code, home_code, ticket_number) do update
         set family_name_kana = excluded.family_name_kana,
             given_name_kana = excluded.given_name_kana,
             sex = excluded.sex, phone = excluded.phone, email = excluded.email,
             memo = excluded.memo, outside_reason = excluded.outside_reason,
             notification = excluded.notification, updated_at = now()",
        municipality.as_string(),
        id.home.as_string(),
        id.ticket.as_string(),
        key.birth_date.date() as _,
        details.family_name_kana.as_str(),
        details.given_name_kana.as_str(),
        sex_str(details.sex),
        details.phone.digits(),
        details.email.as_ref().map(Email::as_str),
        details.memo.as_str(),
        caller.account(),
        outside.map(|stay| stay.reason().as_str()),
        outside.map(|stay| stay.notification().as_str()),
    )
    .execute(&mut *db)
    .await?;

    let as_json = |d: &ResidentDetails, outside: Option<OutsideStay>| {
        let mut json = serde_json::to_value(d).expect("details serialize");
        if let Some(stay) = outside {
            json["outside"] = serde_json::to_value(stay).expect("a stay serializes");
        }
        json
    };
    let (action, before) = match &before {
        Some(resident) => (
            "resident.update",
            Some(as_json(&resident.details, resident.outside)),
        ),
        None => ("resident.register", None),
    };
    let entity = id.entity();
    let after = as_json(details, outside);
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
    audit::record_resident_change(db, municipality, (id.home, id.ticket)).await?;
    Ok(if before.is_none() {
        Registration::Created
    } else {
        Registration::Changed
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use yoyaku_core::Coded;

    #[test]
    fn sexes_round_trip_through_their_stored_form() {
        for sex in [Sex::Male, Sex::Female, Sex::Unset] {
            assert_eq!(parse_sex(sex_str(sex)), Some(sex));
        }
        assert_eq!(parse_sex("other"), None);
    }

    #[test]
    fn a_resident_is_named_in_the_logs_by_ticket_and_by_home_when_from_elsewhere() {
        let kumamoto = MunicipalityCode::parse("431001").unwrap();
        let chiyoda = MunicipalityCode::parse("131016").unwrap();
        let ticket = TicketNumber::parse("9000000062").unwrap();
        for home in [kumamoto, chiyoda] {
            let id = ResidentId { home, ticket };
            let logged = id.entity().id(kumamoto);
            assert_eq!(ResidentId::from_log_id(&logged, kumamoto), Some(id));
        }
        assert_eq!(
            ResidentId {
                home: chiyoda,
                ticket
            }
            .entity()
            .id(kumamoto),
            "131016:9000000062"
        );
        assert_eq!(ResidentId::from_log_id("13101x:9000000062", kumamoto), None);
    }

    #[test]
    fn a_made_up_ticket_and_a_wrong_birth_date_share_one_answer() {
        let refusal = ResidentRefusal::NotInRegistry;
        assert_eq!(refusal.code(), yoyaku_core::Code::TicketNotInRegistry);
        assert!(refusal.message_ja().contains("接種券番号と生年月日"));
        assert!(
            refusal
                .message_en()
                .contains("ticket number and birth date")
        );
    }
}
