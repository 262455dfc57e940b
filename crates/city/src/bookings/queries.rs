//! What readers see: the 接種予約 screen's slots, a resident's 予約履歴, a venue's day (manual 4-1),
//! and the advice given after a booking (the second dose, private slots first).

use chrono::{Days, NaiveDate, NaiveTime};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::channel::private_first_advice;
use yoyaku_core::second_dose::{SecondDosePlan, propose_second_dose};
use yoyaku_core::time::from_tokyo;
use yoyaku_core::wire::SlotInfo;
use yoyaku_core::{MunicipalityCode, Visibility};

use super::BookingError;
use super::rows::{
    BookingRecord, SlotRange, Target, VenueSlot, load_slot, records, select_bookings, select_slots,
    slots_in, venue_slots,
};
use crate::audit::{Caller, ReadScope};
use crate::residents::ResidentId;

/// How far past the standard date yoyaku_core's second-dose proposal looks for seats.
const SECOND_DOSE_SEARCH_DAYS: u64 = 7;

/// Which 非公開枠 a reader of the slot list sees; every reader sees the 公開枠.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrivateSlots {
    /// The web and the call center.
    None,
    /// A clinic's own venues', or those of the clinic the call center acts for.
    AtVenues(Vec<Uuid>),
    /// The city.
    All,
}

/// The slots of one Tokyo day, optionally of one venue and vaccine, with their remaining seats.
pub(crate) async fn available_slots(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    date: NaiveDate,
    venue: Option<Uuid>,
    vaccine: Option<&str>,
    private: &PrivateSlots,
) -> Result<Vec<SlotInfo>, BookingError> {
    let (all_private, private_venues) = match private {
        PrivateSlots::None => (false, Vec::new()),
        PrivateSlots::AtVenues(venues) => (false, venues.clone()),
        PrivateSlots::All => (true, Vec::new()),
    };
    let rows = select_slots!(
        "where s.municipality_code = $1 and s.starts_at >= $2 and s.starts_at < $3
           and ($4::uuid is null or s.venue_id = $4)
           and ($5::text is null or s.vaccine_code = $5)
           and ((s.visibility = 'public' and slot_reception_open(s.municipality_code, s.period_number))
                or $6 or s.venue_id = any($7))
         order by s.starts_at, v.venue_number, s.visibility = 'private'",
        municipality.as_string(),
        from_tokyo(date, NaiveTime::MIN) as _,
        from_tokyo(date + Days::new(1), NaiveTime::MIN) as _,
        venue,
        vaccine,
        all_private,
        &private_venues,
    )
    .fetch_all(db)
    .await?;
    Ok(venue_slots(rows)?.iter().map(VenueSlot::info).collect())
}

/// 予約履歴: the resident's bookings the reader may see, by slot time.
pub(crate) async fn bookings_of_resident(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    resident: ResidentId,
    scope: &ReadScope,
) -> Result<Vec<BookingRecord>, BookingError> {
    let (_, venues) = scope.clinic_filter();
    let rows = select_bookings!(
        "where b.municipality_code = $1 and b.home_code = $4 and b.ticket_number = $2
           and ($3::uuid[] is null or s.venue_id = any($3))
         order by s.starts_at, b.created_at",
        municipality.as_string(),
        resident.ticket.as_string(),
        venues.as_deref(),
        resident.home.as_string(),
    )
    .fetch_all(db)
    .await?;
    records(rows)
}

/// 接種予約状況・実績一覧 (manual 4-1): the venue's bookings of one Tokyo day, every status.
pub(crate) async fn bookings_at_venue(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    venue: Uuid,
    vaccine: Option<&str>,
    date: NaiveDate,
) -> Result<Vec<BookingRecord>, BookingError> {
    let rows = select_bookings!(
        "where b.municipality_code = $1 and s.venue_id = $2
           and ($3::text is null or s.vaccine_code = $3)
           and s.starts_at >= $4 and s.starts_at < $5
         order by s.starts_at, b.ticket_number, b.created_at",
        municipality.as_string(),
        venue,
        vaccine,
        from_tokyo(date, NaiveTime::MIN) as _,
        from_tokyo(date + Days::new(1), NaiveTime::MIN) as _,
    )
    .fetch_all(db)
    .await?;
    records(rows)
}

/// For a first dose: the second, three weeks later on the same weekday at the same venue (manual
/// 2-1), among the slots the caller may book. `first` is the booking's slot and vaccine.
pub(crate) async fn second_dose_plan(
    db: &mut PgConnection,
    caller: &Caller,
    booking: &BookingRecord,
    first: &Target,
) -> Result<Option<SecondDosePlan>, BookingError> {
    if booking.dose != DoseNumber::FIRST {
        return Ok(None);
    }
    let Target { slot, vaccine } = first;
    let date = slot.slot.date();
    let range = SlotRange::days_around(
        &slot.slot,
        vaccine.earliest_next_date(date),
        vaccine.standard_next_date(date) + Days::new(SECOND_DOSE_SEARCH_DAYS),
    );
    let candidates: Vec<_> = slots_in(db, booking.municipality_code, range, false)
        .await?
        .into_iter()
        .filter(VenueSlot::on_offer)
        .map(|s| s.slot)
        .collect();
    // The proposal is at the venue: the period's second-dose window (and the mass venue past it)
    // is not applied on the city's side yet.
    Ok(Some(propose_second_dose(
        &slot.slot,
        vaccine,
        None,
        caller.actor(),
        &candidates,
    )))
}

/// 医療機関では非公開枠が埋まってから、公開枠に予約を入れてください (manual 2-1 ⑫).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct PrivateFirstAdvice {
    /// The 非公開枠 at the same time that still has seats.
    pub slot: SlotInfo,
    pub message_ja: String,
    pub message_en: String,
}

/// Advice for a clinic that booked a 公開枠 while a 非公開枠 of the same time has seats.
pub(crate) async fn private_first(
    db: &mut PgConnection,
    caller: &Caller,
    booking: &BookingRecord,
) -> Result<Option<PrivateFirstAdvice>, BookingError> {
    // Only a clinic's choice of a 公開枠 gets advice (yoyaku_core's rule): the web's bookings,
    // the most numerous, need not read the day's slots to learn that.
    if caller.clinic_venues().is_none() || booking.slot.visibility != Visibility::Public {
        return Ok(None);
    }
    let chosen = load_slot(db, booking.municipality_code, booking.slot.id)
        .await?
        .ok_or_else(|| BookingError::Stored(format!("slot of booking {}", booking.id)))?;
    let date = chosen.slot.date();
    let day = slots_in(
        db,
        booking.municipality_code,
        SlotRange::days_around(&chosen.slot, date, date),
        false,
    )
    .await?;
    let day_slots: Vec<_> = day.iter().map(|s| s.slot.clone()).collect();
    let Some(private) = private_first_advice(caller.actor(), &chosen.slot, &day_slots) else {
        return Ok(None);
    };
    let Some(private) = day.iter().find(|s| s.slot.id == private.id) else {
        return Ok(None);
    };
    let remaining = private.slot.remaining();
    Ok(Some(PrivateFirstAdvice {
        slot: private.info(),
        message_ja: format!(
            "同じ時間帯の非公開枠に残り{remaining}枠あります。医療機関では非公開枠が埋まってから公開枠に予約を入れてください。"
        ),
        message_en: format!(
            "The private slot at the same time still has {remaining} seat(s); clinics should fill \
             their private slots before booking public ones."
        ),
    }))
}
