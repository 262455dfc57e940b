//! A freed seat offered to the line, and the offer answered: accepted (a booking like any other),
//! declined, or expired unanswered; a seat given back moves on to the next entry.

use std::convert::Infallible;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::slot::remaining_seats;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::{tokyo_date_time, tokyo_today};

use super::{OFFER_HOLD, OFFER_LEAD, WaitlistError, WaitlistRefusal};
use crate::audit::{self, Caller, Entity};
use crate::bookings::{self, Booked, NewBooking};
use crate::residents::ResidentId;

/// How often offers past their time are looked for.
const EXPIRE_EVERY: Duration = Duration::from_secs(5);

struct FreedSlot {
    vaccine_code: String,
    venue_id: Uuid,
    ward: Option<String>,
    starts_at: DateTime<Utc>,
    capacity: i32,
    booked: i32,
    visibility: String,
    /// Before 受付開始 its seats are offered to nobody.
    reception_open: bool,
}

/// Offers the slot's free public seats to the oldest matching entries in line, one seat each,
/// held in the slot's count until the offer is answered. Runs in the transaction that freed the
/// seat, so that the seat is never bookable by others between being freed and being offered.
pub(crate) async fn offer_freed_seats(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    slot: Uuid,
) -> Result<u64, sqlx::Error> {
    let Some(freed) = sqlx::query_as!(
        FreedSlot,
        r#"select s.vaccine_code, s.venue_id, v.ward,
                  s.starts_at as "starts_at: DateTime<Utc>", s.capacity, s.booked, s.visibility,
                  slot_reception_open(s.municipality_code, s.period_number) as "reception_open!"
           from slots s
           join venues v on v.municipality_code = s.municipality_code and v.id = s.venue_id
           where s.municipality_code = $1 and s.id = $2
           for update of s"#,
        municipality.as_string(),
        slot,
    )
    .fetch_optional(&mut *db)
    .await?
    else {
        return Ok(0);
    };
    let now = Utc::now();
    let free = remaining_seats(freed.capacity, freed.booked);
    let on_offer = freed.visibility == "public" && freed.reception_open;
    if !on_offer || freed.starts_at <= now + OFFER_LEAD || free == 0 {
        return Ok(0);
    }
    // A resident who has booked the dose meanwhile is passed over (their entry closes when
    // their booking commits: see [`close_for_booking`]).
    let entries = sqlx::query_scalar!(
        "select e.id from waitlist_entries e
         where e.municipality_code = $1 and e.state = 'waiting' and e.vaccine_code = $2
           and (e.venue_id = $3 or e.ward = $4) and $5::date between e.first_date and e.last_date
           and not exists (select 1 from bookings b
                           where b.municipality_code = e.municipality_code
                             and b.home_code = e.home_code and b.ticket_number = e.ticket_number
                             and b.dose = e.dose
                             and b.status in ('reserved', 'checked_in', 'vaccinated'))
         order by e.created_at, e.id
         limit $6
         for update of e skip locked",
        municipality.as_string(),
        freed.vaccine_code,
        freed.venue_id,
        freed.ward,
        tokyo_date_time(freed.starts_at).0 as _,
        i64::from(free),
    )
    .fetch_all(&mut *db)
    .await?;
    if entries.is_empty() {
        return Ok(0);
    }
    let expires_at = (now + OFFER_HOLD).min(freed.starts_at - OFFER_LEAD);
    sqlx::query!(
        "with offered as (
             insert into waitlist_offers (municipality_code, id, entry_id, slot_id, expires_at)
             select $1, gen_random_uuid(), entry, $2, $3 from unnest($4::uuid[]) as entry
             returning entry_id
         ), marked as (
             update waitlist_entries set state = 'offered', updated_at = now()
             where municipality_code = $1 and id in (select entry_id from offered)
         )
         update slots set booked = booked + (select count(*) from offered)::int, updated_at = now()
         where municipality_code = $1 and id = $2",
        municipality.as_string(),
        slot,
        expires_at as _,
        &entries,
    )
    .execute(&mut *db)
    .await?;
    Ok(entries.len() as u64)
}

/// Closes an open offer as `declined` or `expired` and gives its seat back, to the next entry in
/// line or to everyone. The entry's own state is the caller's to set. False when it was not open.
pub(super) async fn close_offer(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    offer: Uuid,
    state: &str,
) -> Result<bool, sqlx::Error> {
    let slot = sqlx::query_scalar!(
        "update waitlist_offers set state = $3
         where municipality_code = $1 and id = $2 and state = 'open'
         returning slot_id",
        municipality.as_string(),
        offer,
        state,
    )
    .fetch_optional(&mut *db)
    .await?;
    let Some(slot) = slot else {
        return Ok(false);
    };
    sqlx::query!(
        "update slots set booked = booked - 1, updated_at = now()
         where municipality_code = $1 and id = $2",
        municipality.as_string(),
        slot,
    )
    .execute(&mut *db)
    .await?;
    offer_freed_seats(db, municipality, slot).await?;
    // No booking changed, whose change row would carry the slot's seats to the clinics: this one
    // does (the seat may be free again).
    sqlx::query!(
        "insert into changes (municipality_code, entity_kind, entity_id, venue_id)
         select municipality_code, 'slot', id::text, venue_id from slots
         where municipality_code = $1 and id = $2",
        municipality.as_string(),
        slot,
    )
    .execute(&mut *db)
    .await?;
    Ok(true)
}

/// A booking of `dose` for the resident was made otherwise (at a clinic, on the web): their entry
/// for it leaves the line as booked, and a seat held for them moves on.
pub(crate) async fn close_for_booking(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    resident: ResidentId,
    dose: DoseNumber,
) -> Result<(), sqlx::Error> {
    let open = sqlx::query!(
        r#"select e.id, o.id as "offer?"
           from waitlist_entries e
           left join waitlist_offers o on o.municipality_code = e.municipality_code
                and o.entry_id = e.id and o.state = 'open'
           where e.municipality_code = $1 and e.home_code = $2 and e.ticket_number = $3
             and e.dose = $4 and e.state in ('waiting', 'offered')
           for update of e"#,
        municipality.as_string(),
        resident.home.as_string(),
        resident.ticket.as_string(),
        i16::from(dose.get()),
    )
    .fetch_all(&mut *db)
    .await?;
    for entry in open {
        sqlx::query!(
            "update waitlist_entries set state = 'booked', updated_at = now()
             where municipality_code = $1 and id = $2",
            municipality.as_string(),
            entry.id,
        )
        .execute(&mut *db)
        .await?;
        if let Some(offer) = entry.offer {
            close_offer(db, municipality, offer, "declined").await?;
        }
    }
    Ok(())
}

struct OfferRow {
    entry_id: Uuid,
    slot_id: Uuid,
    state: String,
    expires_at: DateTime<Utc>,
    home_code: String,
    ticket_number: String,
    dose: i16,
    birth_date: chrono::NaiveDate,
}

/// The open offer `offer` of the caller's (the web's own resident; the call center's any).
async fn lock_open_offer(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    offer: Uuid,
) -> Result<(OfferRow, ResidentKey), WaitlistError> {
    let row = sqlx::query_as!(
        OfferRow,
        r#"select o.entry_id, o.slot_id, o.state,
                  o.expires_at as "expires_at: DateTime<Utc>", e.home_code, e.ticket_number,
                  e.dose, r.birth_date as "birth_date: chrono::NaiveDate"
           from waitlist_offers o
           join waitlist_entries e on e.municipality_code = o.municipality_code and e.id = o.entry_id
           join residents r on r.municipality_code = e.municipality_code
                and r.home_code = e.home_code and r.ticket_number = e.ticket_number
           where o.municipality_code = $1 and o.id = $2
           for update of o, e"#,
        municipality.as_string(),
        offer,
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or(WaitlistRefusal::NotFound)?;
    let stored = |what: &str| WaitlistError::Stored(format!("{what} of offer {offer}"));
    let key = ResidentKey {
        municipality_code: MunicipalityCode::parse(&row.home_code).map_err(|_| stored("home"))?,
        ticket_number: TicketNumber::parse(&row.ticket_number).map_err(|_| stored("ticket"))?,
        birth_date: BirthDate::from_date(row.birth_date, tokyo_today())
            .map_err(|_| stored("birth date"))?,
    };
    if caller.web_resident().is_some_and(|own| *own != key) {
        return Err(WaitlistRefusal::NotFound.into());
    }
    if row.state != "open" || row.expires_at <= Utc::now() {
        return Err(WaitlistRefusal::OfferClosed.into());
    }
    Ok((row, key))
}

/// Books the seat held by `offer` for its resident: the held seat is given back and taken again
/// by the booking, in one transaction whose slot lock lets nobody else in between, so that every
/// rule of a booking applies (the dose interval, the channel's slots).
pub(crate) async fn accept(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    offer: Uuid,
) -> Result<Booked, WaitlistError> {
    let (row, key) = lock_open_offer(db, caller, municipality, offer).await?;
    let dose = u8::try_from(row.dose)
        .ok()
        .and_then(|d| DoseNumber::new(d).ok())
        .ok_or_else(|| WaitlistError::Stored(format!("dose of offer {offer}")))?;
    sqlx::query!(
        "with released as (
             update slots set booked = booked - 1, updated_at = now()
             where municipality_code = $1 and id = $2
         )
         update waitlist_entries set state = 'booked', updated_at = now()
         where municipality_code = $1 and id = $3",
        municipality.as_string(),
        row.slot_id,
        row.entry_id,
    )
    .execute(&mut *db)
    .await?;
    let new = NewBooking {
        id: Uuid::new_v4(),
        resident: key,
        slot_id: row.slot_id,
        dose,
    };
    let booked = bookings::book(db, caller, municipality, &new).await?;
    sqlx::query!(
        "update waitlist_offers set state = 'accepted', booking_id = $3
         where municipality_code = $1 and id = $2",
        municipality.as_string(),
        offer,
        booked.booking.id,
    )
    .execute(&mut *db)
    .await?;
    audit::record(
        db,
        municipality,
        caller,
        "waitlist.accept",
        Entity::Waitlist(row.entry_id),
        None,
        Some(&json!({ "offer": offer, "booking": booked.booking.id })),
    )
    .await?;
    Ok(booked)
}

/// The resident does not want the seat: it moves on, and their entry leaves the line (they may
/// join again, at the back).
pub(crate) async fn decline(
    db: &mut PgConnection,
    caller: &Caller,
    municipality: MunicipalityCode,
    offer: Uuid,
) -> Result<Uuid, WaitlistError> {
    let (row, _) = lock_open_offer(db, caller, municipality, offer).await?;
    sqlx::query!(
        "update waitlist_entries set state = 'withdrawn', updated_at = now()
         where municipality_code = $1 and id = $2",
        municipality.as_string(),
        row.entry_id,
    )
    .execute(&mut *db)
    .await?;
    close_offer(db, municipality, offer, "declined").await?;
    audit::record(
        db,
        municipality,
        caller,
        "waitlist.decline",
        Entity::Waitlist(row.entry_id),
        None,
        Some(&json!({ "offer": offer })),
    )
    .await?;
    Ok(row.entry_id)
}

/// Expires the offers past their time, one transaction each: the entry lapses and the seat moves
/// on. The number expired.
pub(crate) async fn expire_due(db: &PgPool) -> Result<u64, sqlx::Error> {
    let mut expired = 0;
    loop {
        let mut tx = db.begin().await?;
        let due = sqlx::query!(
            "-- every municipality: the chore expires every offer past its time, wherever it is
             select municipality_code, id, entry_id from waitlist_offers
             where state = 'open' and expires_at <= now()
             order by expires_at limit 1
             for update skip locked",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(due) = due else {
            return Ok(expired);
        };
        let municipality = MunicipalityCode::parse(&due.municipality_code)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        sqlx::query!(
            "update waitlist_entries set state = 'lapsed', updated_at = now()
             where municipality_code = $1 and id = $2",
            due.municipality_code,
            due.entry_id,
        )
        .execute(&mut *tx)
        .await?;
        close_offer(&mut tx, municipality, due.id, "expired").await?;
        tx.commit().await?;
        expired += 1;
    }
}

/// Expires offers past their time, for as long as the server runs.
pub(crate) async fn chores(db: PgPool) -> Infallible {
    loop {
        match expire_due(&db).await {
            Ok(0) => {}
            Ok(offers) => tracing::info!(offers, "waitlist offers expired: their seats moved on"),
            Err(error) => tracing::warn!(%error, "could not expire waitlist offers"),
        }
        tokio::time::sleep(EXPIRE_EVERY).await;
    }
}
