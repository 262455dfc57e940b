//! 接種予約 (manual 2-1, 2-2) and 予約の変更 to another day (3-2 ①) on the cache: the same core
//! rules as the city server, then the row and its intent in the caller's transaction.
//!
//! Seats: a 非公開枠 is the clinic's own, so a booking in it is certain. A 公開枠 is shared with
//! the web and the call center: a booking is certain only on a seat this device leased while
//! online, and otherwise tentative (仮予約) until the server confirms it. Either way, a booking of
//! a resident whose 予約者情報 the city has not accepted yet is tentative: the city refuses a
//! booking with the registration it depends on.

use chrono::{DateTime, Days, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use uuid::Uuid;
use yoyaku_core::Visibility;
use yoyaku_core::booking::{BookingEvent, DoseNumber, check_new_booking, transition};
use yoyaku_core::channel::{may_book, private_first_advice};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::second_dose::{Proposal, SecondDosePlan, propose_second_dose};
use yoyaku_core::slot::Slot;
use yoyaku_core::sync::Action;
use yoyaku_core::time::tokyo_date_time;
use yoyaku_core::vaccine::{IntervalCheck, VaccineProduct};

use super::Ctx;
use super::cache::{self, CachedSlot};
use super::day_list::{self, BookingRow};
use super::error::{Refusal, corrupt};
use super::lifecycle::set_status;
use crate::ClinicError;
use crate::error::Result;
use crate::outbox::{NewIntent, Row, enqueue};

/// How many days either side of a full slot to look for seats, and past the standard date for a
/// second dose (the city server looks as far).
const NEARBY_DAYS: u64 = 7;
const MAX_ALTERNATIVES: usize = 5;

/// 接種予約: who, which slot, which dose.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BookRequest {
    /// As in the resident's row: 自治体番号, 接種券番号, 生年月日.
    pub resident: ResidentKey,
    pub slot_id: Uuid,
    pub dose: DoseNumber,
}

/// Whether the city server can still refuse the booking, and why.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Certainty {
    /// 非公開枠: the clinic's own seats.
    PrivateSlot,
    /// 公開枠 on a seat leased while online.
    LeasedSeat { lease_id: Uuid },
    /// The city server took it while the receptionist waited.
    TakenByCity,
    /// 仮予約 until the city server takes it.
    Tentative { reason: Uncertainty },
}

/// Why a booking is 仮予約.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Uncertainty {
    /// A 公開枠 beyond any leased seat: the web and the call center book it too.
    PublicSeat,
    /// The resident's 予約者情報 (a registration or a change) is not accepted by the city yet:
    /// refused, it takes the booking with it.
    ResidentNotAccepted,
    /// A 市外住民 whose 住所地外接種届 is not received yet (manual 2-3): the city may take the
    /// booking, but it stands only once the notification is.
    NotificationPending,
}

impl Certainty {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::PrivateSlot | Self::LeasedSeat { .. } | Self::TakenByCity => "予約確定",
            Self::Tentative { .. } => "仮予約",
        }
    }

    fn is_tentative(self) -> bool {
        matches!(self, Self::Tentative { .. })
    }
}

/// The manual's advice (2-1 ⑫): 医療機関では非公開枠が埋まってから、公開枠に予約を入れてください.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivateFirst {
    /// The 非公開枠 at the same time that still has seats.
    pub slot: Slot,
    pub message_ja: String,
    pub message_en: String,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Booked {
    pub booking: BookingRow,
    pub certainty: Certainty,
    /// 予約確定 or 仮予約.
    pub certainty_label: &'static str,
    /// The dose is later than usual after the previous one: tell the resident.
    pub interval_warning: Option<IntervalCheck>,
    /// Set when a 公開枠 was chosen while a 非公開枠 at the same time has seats.
    pub private_first: Option<PrivateFirst>,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub cancelled: BookingRow,
    pub booked: Booked,
}

pub(super) async fn book(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    request: &BookRequest,
) -> Result<Booked> {
    cache::require_registered(db, &request.resident).await?;
    let id = Uuid::new_v4();
    let placed = place(
        db,
        ctx,
        Place {
            id,
            municipality_code: request.resident.municipality_code.as_string(),
            ticket_number: request.resident.ticket_number.as_string(),
            slot_id: request.slot_id,
            dose: request.dose,
            may_lease: true,
        },
    )
    .await?;
    enqueue(
        db,
        NewIntent {
            action: Action::Book {
                booking_id: id,
                resident: request.resident.clone(),
                slot_id: request.slot_id,
                dose: request.dose,
                lease_id: placed.lease,
            },
            changes: vec![Row::Booking(id)],
            needs: vec![Row::resident(&request.resident)],
        },
    )
    .await?;
    placed.finish(db, id).await
}

/// 後日の予約日時に変更 (manual 3-2 ①): cancels `booking_id` and books its dose into `slot_id`, as
/// one intent; the new slot is checked as a booking is.
pub(super) async fn change(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    booking_id: Uuid,
    slot_id: Uuid,
) -> Result<Changed> {
    let old = cache::own_booking(db, ctx.venues, booking_id).await?;
    let cancelled =
        transition(old.status()?, &BookingEvent::Cancel).map_err(|e| ClinicError::invalid(&e))?;
    let old_slot = cache::slot(db, old.slot_id()?)
        .await?
        .ok_or_else(|| corrupt(format!("slot of booking {booking_id}")))?;
    if let Some(new_slot) = cache::slot(db, slot_id).await? {
        if new_slot.date == old_slot.date {
            return Err(Refusal::ChangeSameDay.into());
        }
    }
    // Cancelled first, so that the dose rules below see the dose as free again.
    set_status(db, booking_id, cancelled, None, None).await?;
    let new_id = Uuid::new_v4();
    let placed = place(
        db,
        ctx,
        Place {
            id: new_id,
            municipality_code: old.municipality_code.clone(),
            ticket_number: old.ticket_number.clone(),
            slot_id,
            dose: old.dose()?,
            // The change intent names no lease: the server finds the new seat like any other.
            may_lease: false,
        },
    )
    .await?;
    enqueue(
        db,
        NewIntent {
            action: Action::ChangeBooking {
                booking_id,
                new_booking_id: new_id,
                slot_id,
            },
            changes: vec![Row::Booking(booking_id), Row::Booking(new_id)],
            needs: vec![Row::Resident(crate::outbox::resident_key(
                &old.municipality_code,
                &old.ticket_number,
            ))],
        },
    )
    .await?;
    let cancelled = day_list::row(db, booking_id).await?;
    let booked = placed.finish(db, new_id).await?;
    Ok(Changed { cancelled, booked })
}

struct Place {
    id: Uuid,
    municipality_code: String,
    ticket_number: String,
    slot_id: Uuid,
    dose: DoseNumber,
    may_lease: bool,
}

/// A booking row written, with what the receptionist is told about it.
struct Placed {
    /// The leased seat it took.
    lease: Option<Uuid>,
    certainty: Certainty,
    interval_warning: Option<IntervalCheck>,
    private_first: Option<PrivateFirst>,
}

/// Checks and inserts a booking (the city server's order of checks): the slot is the clinic's and
/// ahead, the dose rules hold, and a seat is there.
async fn place(db: &mut SqliteConnection, ctx: &Ctx<'_>, p: Place) -> Result<Placed> {
    let cached = cache::slot(db, p.slot_id)
        .await?
        .ok_or(Refusal::SlotNotFound)?;
    let slot = cached.core()?;
    may_book(ctx.actor(), &slot).map_err(|e| ClinicError::invalid(&e))?;
    if slot.ends_at <= ctx.now {
        return Err(Refusal::SlotPast.into());
    }
    let vaccine = cache::vaccine(db, &slot.vaccine_code).await?;
    let existing = cache::resident_bookings(db, &p.municipality_code, &p.ticket_number).await?;
    let interval_warning = check_new_booking(&existing, p.dose, slot.date(), &vaccine)
        .map_err(|e| ClinicError::invalid(&e))?;

    let lease = match (slot.visibility, p.may_lease) {
        (Visibility::Public, true) => usable_lease(db, p.slot_id, ctx.now).await?,
        _ => None,
    };
    let resident_accepted =
        cache::resident_accepted(db, &p.municipality_code, &p.ticket_number).await?;
    let notification_pending =
        cache::notification_pending(db, &p.municipality_code, &p.ticket_number).await?;
    let certainty = match (slot.visibility, lease) {
        _ if !resident_accepted => Certainty::Tentative {
            reason: Uncertainty::ResidentNotAccepted,
        },
        _ if notification_pending => Certainty::Tentative {
            reason: Uncertainty::NotificationPending,
        },
        (Visibility::Private, _) => Certainty::PrivateSlot,
        (Visibility::Public, Some(lease_id)) => Certainty::LeasedSeat { lease_id },
        (Visibility::Public, None) => Certainty::Tentative {
            reason: Uncertainty::PublicSeat,
        },
    };
    // A leased seat is already in the slot's count of booked seats, so it needs no free one.
    if lease.is_none() && slot.remaining() <= 0 {
        let alternatives = alternatives(db, ctx, &slot)
            .await?
            .iter()
            .map(CachedSlot::alternative)
            .collect::<Result<_>>()?;
        return Err(Refusal::SlotFull { alternatives }.into());
    }

    // Only a 公開枠 can have a 非公開枠 to fill first.
    let day = match slot.visibility {
        Visibility::Public => day_slots(db, &slot).await?,
        Visibility::Private => Vec::new(),
    };
    let private_first = private_first_advice(ctx.actor(), &slot, &day).map(|s| PrivateFirst {
        slot: s.clone(),
        message_ja: format!(
            "同じ時間の非公開枠（{}〜、残り{}枠）に空きがあります。医療機関では非公開枠が埋まってから、公開枠に予約を入れてください。",
            hm(s.starts_at),
            s.remaining()
        ),
        message_en: format!(
            "the private slot at {} still has {} seat(s): clinics fill their private slots before the public ones",
            hm(s.starts_at),
            s.remaining()
        ),
    });

    let id = p.id.to_string();
    let slot_id = p.slot_id.to_string();
    let dose = i64::from(p.dose.get());
    let lease_id = lease.map(|l| l.to_string());
    let tentative = i64::from(certainty.is_tentative());
    sqlx::query!(
        "INSERT INTO bookings (id, municipality_code, ticket_number, slot_id, dose, status,
                               channel, server_holds_seat, lease_id, tentative)
         VALUES (?, ?, ?, ?, ?, 'reserved', 'clinic', 0, ?, ?)",
        id,
        p.municipality_code,
        p.ticket_number,
        slot_id,
        dose,
        lease_id,
        tentative,
    )
    .execute(&mut *db)
    .await?;
    Ok(Placed {
        lease,
        certainty,
        interval_warning,
        private_first,
    })
}

impl Placed {
    async fn finish(self, db: &mut SqliteConnection, id: Uuid) -> Result<Booked> {
        Ok(Booked {
            booking: day_list::row(db, id).await?,
            certainty: self.certainty,
            certainty_label: self.certainty.label_ja(),
            interval_warning: self.interval_warning,
            private_first: self.private_first,
        })
    }
}

/// 続けて2回目 (manual 2-1 ⑭): for a first dose, where the second can be had (3週間後の同じ曜日);
/// `None` for any other dose. A read, made after the booking's write.
pub(super) async fn second_dose_of(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    booking_id: Uuid,
) -> Result<Option<SecondDosePlan>> {
    let booking = cache::own_booking(db, ctx.venues, booking_id).await?;
    if booking.dose()? != DoseNumber::FIRST {
        return Ok(None);
    }
    let first = cache::slot(db, booking.slot_id()?)
        .await?
        .ok_or_else(|| corrupt(format!("slot of booking {booking_id}")))?
        .core()?;
    let vaccine = cache::vaccine(db, &first.vaccine_code).await?;
    second_dose_plan(db, ctx, &first, &vaccine).await.map(Some)
}

/// A lease of the slot, unexpired, with a seat no booking holds. A booking on the lease that was
/// cancelled gave its seat back to the lease, as it does at the server.
async fn usable_lease(
    db: &mut SqliteConnection,
    slot_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>> {
    let slot_id = slot_id.to_string();
    let leases = sqlx::query!(
        r#"SELECT l.id,
                l.seats - (SELECT count(*) FROM bookings b
                           WHERE b.lease_id = l.id
                             AND b.status IN ('reserved', 'checked_in', 'vaccinated'))
                    AS "unused!: i64",
                l.expires_at AS "expires_at: DateTime<Utc>"
         FROM leases l WHERE l.slot_id = ?"#,
        slot_id,
    )
    .fetch_all(db)
    .await?;
    // The lease that lapses first: its seats are the first to be lost.
    leases
        .into_iter()
        .filter(|l| l.unused > 0 && l.expires_at > now)
        .min_by_key(|l| l.expires_at)
        .map(|l| Uuid::parse_str(&l.id).map_err(|_| corrupt(format!("lease {}", l.id))))
        .transpose()
}

/// The venue's slots for the vaccine on the slot's day.
async fn day_slots(db: &mut SqliteConnection, slot: &Slot) -> Result<Vec<Slot>> {
    let date = slot.date();
    cache::venue_slots(db, slot.venue_id, &slot.vaccine_code, date, date)
        .await?
        .iter()
        .map(CachedSlot::core)
        .collect()
}

/// The nearest slots with a seat the clinic may book, at the venue and for the vaccine of `full`:
/// the same day first, then the days around it, each by closeness of the time of day.
pub(super) async fn alternatives(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    full: &Slot,
) -> Result<Vec<CachedSlot>> {
    let date = full.date();
    let around = cache::venue_slots(
        db,
        full.venue_id,
        &full.vaccine_code,
        date - Days::new(NEARBY_DAYS),
        date + Days::new(NEARBY_DAYS),
    )
    .await?;
    let time_of_day = |s: &Slot| tokyo_date_time(s.starts_at).1;
    let mut candidates = Vec::new();
    for cached in around {
        let s = cached.core()?;
        if s.id != full.id
            && s.remaining() > 0
            && s.ends_at > ctx.now
            && may_book(ctx.actor(), &s).is_ok()
        {
            let key = (
                (s.date() - date).num_days().abs(),
                (time_of_day(&s) - time_of_day(full)).num_minutes().abs(),
                s.starts_at,
            );
            candidates.push((key, cached));
        }
    }
    candidates.sort_by_key(|(key, _)| *key);
    Ok(candidates
        .into_iter()
        .take(MAX_ALTERNATIVES)
        .map(|(_, slot)| slot)
        .collect())
}

/// core's proposal over the cached slots of the venue, with the period the first dose falls in:
/// the standard date's slots first, and only when none of them will do, those from the earliest
/// allowed date to a week past the standard one.
async fn second_dose_plan(
    db: &mut SqliteConnection,
    ctx: &Ctx<'_>,
    first: &Slot,
    vaccine: &VaccineProduct,
) -> Result<SecondDosePlan> {
    let first_date = first.date();
    let period = cache::period_of_first_dose(db, &first.vaccine_code, first_date).await?;
    let standard = vaccine.standard_next_date(first_date);
    let mut range = (standard, standard);
    loop {
        let candidates: Vec<Slot> =
            cache::venue_slots(db, first.venue_id, &first.vaccine_code, range.0, range.1)
                .await?
                .iter()
                .map(CachedSlot::core)
                .collect::<Result<_>>()?;
        let plan = propose_second_dose(first, vaccine, period.as_ref(), ctx.actor(), &candidates);
        let wider = (
            vaccine.earliest_next_date(first_date),
            standard + Days::new(NEARBY_DAYS),
        );
        match plan.proposal {
            Proposal::NoSeatsOnTheDate { .. } if range != wider => range = wider,
            _ => return Ok(plan),
        }
    }
}

fn hm(t: DateTime<Utc>) -> String {
    tokyo_date_time(t).1.format("%H:%M").to_string()
}
