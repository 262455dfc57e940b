//! Joining, leaving and reading the line.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::{from_tokyo, tokyo_today};

use super::{
    EntryState, MAX_DAYS_AHEAD, OFFER_LEAD, WaitlistContact, WaitlistEntry, WaitlistError,
    WaitlistOffer, WaitlistRefusal,
};
use crate::audit::{self, Caller, Entity, parse_channel};
use crate::residents::{self, ResidentId};

/// A key from the web that is not the one it gave: the same answer as a wrong key.
fn not_yours() -> WaitlistError {
    residents::ResidentError::from(residents::ResidentRefusal::NotInRegistry).into()
}

/// Where a resident waits: one venue, or any venue of a ward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    Venue(Uuid),
    Ward(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewEntry {
    pub resident: ResidentKey,
    pub dose: DoseNumber,
    pub vaccine: String,
    pub place: Place,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
}

/// Puts the resident of `new` in line, after checking their key and details, the dates and the
/// place; refused while they hold a booking for the dose, or while seats are there to book.
pub(crate) async fn enter(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    new: &NewEntry,
) -> Result<WaitlistEntry, WaitlistError> {
    let key = &new.resident;
    if caller.web_resident().is_some_and(|own| own != key) {
        return Err(not_yours());
    }
    // The resident's lock serialises this with their bookings.
    residents::lock_for_booking(db, municipality, key).await?;
    let today = tokyo_today();
    let last_allowed = today + Days::new(MAX_DAYS_AHEAD);
    if new.first_date < today || new.first_date > new.last_date || new.last_date > last_allowed {
        return Err(WaitlistRefusal::Dates {
            today,
            last: last_allowed,
        }
        .into());
    }
    let (venue, ward) = match &new.place {
        Place::Venue(id) => (Some(*id), None),
        Place::Ward(ward) => (None, Some(ward.as_str())),
    };
    let resident = ResidentId::from(key);
    let dose = i16::from(new.dose.get());
    let (from, to) = (
        from_tokyo(new.first_date, chrono::NaiveTime::MIN),
        from_tokyo(new.last_date + Days::new(1), chrono::NaiveTime::MIN),
    );
    let checks = sqlx::query!(
        r#"select
             exists (select 1 from vaccines where municipality_code = $1 and code = $2)
                 and exists (select 1 from venues where municipality_code = $1
                             and (id = $3 or ward = $4)) as "place_known!",
             exists (select 1 from bookings where municipality_code = $1 and home_code = $5
                     and ticket_number = $6 and dose = $7
                     and status in ('reserved', 'checked_in', 'vaccinated')) as "booked!",
             exists (select 1 from slots s
                     join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
                     where s.municipality_code = $1 and s.vaccine_code = $2
                       and (s.venue_id = $3 or v.ward = $4) and s.visibility = 'public'
                       and slot_reception_open(s.municipality_code, s.period_number)
                       and s.booked < s.capacity and s.starts_at >= $8 and s.starts_at < $9
                       and s.starts_at > now() + $10::interval) as "seats!""#,
        municipality.as_string(),
        new.vaccine,
        venue,
        ward,
        resident.home.as_string(),
        resident.ticket.as_string(),
        dose,
        from as _,
        to as _,
        OFFER_LEAD as _,
    )
    .fetch_one(&mut *db)
    .await?;
    if !checks.place_known {
        return Err(WaitlistRefusal::UnknownPlace.into());
    }
    if checks.booked {
        return Err(WaitlistRefusal::AlreadyBooked.into());
    }
    if checks.seats {
        return Err(WaitlistRefusal::SeatsAvailable.into());
    }
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into waitlist_entries (municipality_code, id, home_code, ticket_number, dose,
                                       vaccine_code, venue_id, ward, first_date, last_date,
                                       channel, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        municipality.as_string(),
        id,
        resident.home.as_string(),
        resident.ticket.as_string(),
        dose,
        new.vaccine,
        venue,
        ward,
        new.first_date as _,
        new.last_date as _,
        caller.channel().as_str(),
        caller.account(),
    )
    .execute(&mut *db)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            WaitlistRefusal::AlreadyWaiting.into()
        }
        e => WaitlistError::Database(e),
    })?;
    let after = json!({
        "resident": resident.to_string(), "dose": dose, "vaccine": new.vaccine,
        "venue_id": venue, "ward": ward,
        "first_date": new.first_date, "last_date": new.last_date,
    });
    audit::record(
        db,
        municipality,
        caller,
        "waitlist.enter",
        Entity::Waitlist(id),
        None,
        Some(&after),
    )
    .await?;
    one(db, municipality, id, caller).await
}

/// Takes the entry out of the line; an offer held for it is given up and moves on.
pub(crate) async fn withdraw(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    id: Uuid,
) -> Result<WaitlistEntry, WaitlistError> {
    let entry = one(db, municipality, id, caller).await?;
    if !matches!(entry.state, EntryState::Waiting | EntryState::Offered) {
        return Ok(entry);
    }
    if let Some(offer) = &entry.offer {
        super::offers::close_offer(db, municipality, offer.id, "declined").await?;
    }
    sqlx::query!(
        "update waitlist_entries set state = 'withdrawn', updated_at = now()
         where municipality_code = $1 and id = $2",
        municipality.as_string(),
        id,
    )
    .execute(&mut *db)
    .await?;
    audit::record(
        db,
        municipality,
        caller,
        "waitlist.withdraw",
        Entity::Waitlist(id),
        Some(&json!({ "state": entry.state })),
        Some(&json!({ "state": EntryState::Withdrawn })),
    )
    .await?;
    one(db, municipality, id, caller).await
}

/// The entries of the resident of `key`, newest first: what the web shows them.
pub(crate) async fn entries_of(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    key: &ResidentKey,
) -> Result<Vec<WaitlistEntry>, WaitlistError> {
    if caller.web_resident().is_some_and(|own| own != key) {
        return Err(not_yours());
    }
    if !residents::registry_status(db, municipality, key).await? {
        return Ok(Vec::new());
    }
    let resident = ResidentId::from(key);
    read(db, municipality, caller, None, Some(resident), false).await
}

/// The municipality's entries in line (waiting or offered), or all of them, oldest first: the
/// call center's list.
pub(crate) async fn list(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    open_only: bool,
) -> Result<Vec<WaitlistEntry>, WaitlistError> {
    read(db, municipality, caller, None, None, open_only).await
}

/// One entry the caller may see: the web its own only.
pub(crate) async fn one(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    id: Uuid,
    caller: &Caller,
) -> Result<WaitlistEntry, WaitlistError> {
    let own = caller.web_resident().map(ResidentId::from);
    read(db, municipality, caller, Some(id), own, false)
        .await?
        .pop()
        .ok_or_else(|| WaitlistRefusal::NotFound.into())
}

struct EntryRow {
    id: Uuid,
    home_code: String,
    ticket_number: String,
    dose: i16,
    vaccine_code: String,
    vaccine_name: String,
    venue_id: Option<Uuid>,
    venue_name: Option<String>,
    ward: Option<String>,
    first_date: NaiveDate,
    last_date: NaiveDate,
    channel: String,
    state: String,
    created_at: DateTime<Utc>,
    family_name_kana: String,
    given_name_kana: String,
    phone: String,
    offer_id: Option<Uuid>,
    offer_slot_id: Option<Uuid>,
    offer_venue_id: Option<Uuid>,
    offer_venue_name: Option<String>,
    offer_starts_at: Option<DateTime<Utc>>,
    offer_ends_at: Option<DateTime<Utc>>,
    offer_expires_at: Option<DateTime<Utc>>,
}

async fn read(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    caller: &Caller,
    id: Option<Uuid>,
    resident: Option<ResidentId>,
    open_only: bool,
) -> Result<Vec<WaitlistEntry>, WaitlistError> {
    let rows = sqlx::query_as!(
        EntryRow,
        r#"select e.id, e.home_code, e.ticket_number, e.dose, e.vaccine_code,
                  vc.name_ja as vaccine_name, e.venue_id, v.name as "venue_name?", e.ward,
                  e.first_date as "first_date: NaiveDate", e.last_date as "last_date: NaiveDate",
                  e.channel, e.state, e.created_at as "created_at: DateTime<Utc>",
                  r.family_name_kana, r.given_name_kana, r.phone,
                  o.id as "offer_id?", o.slot_id as "offer_slot_id?",
                  s.venue_id as "offer_venue_id?", ov.name as "offer_venue_name?",
                  s.starts_at as "offer_starts_at?: DateTime<Utc>",
                  s.ends_at as "offer_ends_at?: DateTime<Utc>",
                  o.expires_at as "offer_expires_at?: DateTime<Utc>"
           from waitlist_entries e
           join vaccines vc on vc.municipality_code = e.municipality_code and vc.code = e.vaccine_code
           join residents r on r.municipality_code = e.municipality_code
                and r.home_code = e.home_code and r.ticket_number = e.ticket_number
           left join venues v on v.municipality_code = e.municipality_code and v.id = e.venue_id
           left join waitlist_offers o on o.municipality_code = e.municipality_code
                and o.entry_id = e.id and o.state = 'open'
           left join slots s on s.municipality_code = o.municipality_code and s.id = o.slot_id
           left join venues ov on ov.municipality_code = s.municipality_code and ov.id = s.venue_id
           where e.municipality_code = $1
             and ($2::uuid is null or e.id = $2)
             and ($3::text is null or (e.home_code = $3 and e.ticket_number = $4))
             and (not $5 or e.state in ('waiting', 'offered'))
           order by e.created_at, e.id"#,
        municipality.as_string(),
        id,
        resident.map(|r| r.home.as_string()),
        resident.map(|r| r.ticket.as_string()),
        open_only,
    )
    .fetch_all(db)
    .await?;
    let staff = caller.web_resident().is_none();
    rows.into_iter().map(|row| entry(row, staff)).collect()
}

fn entry(row: EntryRow, staff: bool) -> Result<WaitlistEntry, WaitlistError> {
    let stored = |what: &str| WaitlistError::Stored(format!("{what} of waitlist entry {}", row.id));
    let offer = match (
        row.offer_id,
        row.offer_slot_id,
        row.offer_venue_id,
        row.offer_venue_name,
        row.offer_starts_at,
        row.offer_ends_at,
        row.offer_expires_at,
    ) {
        (Some(id), Some(slot_id), Some(venue_id), Some(venue_name), Some(s), Some(e), Some(x)) => {
            Some(WaitlistOffer {
                id,
                slot_id,
                venue_id,
                venue_name,
                starts_at: s,
                ends_at: e,
                expires_at: x,
            })
        }
        _ => None,
    };
    Ok(WaitlistEntry {
        id: row.id,
        resident_municipality_code: MunicipalityCode::parse(&row.home_code)
            .map_err(|_| stored("home code"))?,
        ticket_number: TicketNumber::parse(&row.ticket_number).map_err(|_| stored("ticket"))?,
        contact: staff.then_some(WaitlistContact {
            family_name_kana: row.family_name_kana,
            given_name_kana: row.given_name_kana,
            phone: row.phone,
        }),
        dose: u8::try_from(row.dose).map_err(|_| stored("dose"))?,
        vaccine_code: row.vaccine_code,
        vaccine_name: row.vaccine_name,
        venue_id: row.venue_id,
        venue_name: row.venue_name,
        ward: row.ward,
        first_date: row.first_date,
        last_date: row.last_date,
        channel: parse_channel(&row.channel).ok_or_else(|| stored("channel"))?,
        state: EntryState::parse(&row.state).ok_or_else(|| stored("state"))?,
        created_at: row.created_at,
        offer,
    })
}
