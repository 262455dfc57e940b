//! 2回目は市総合体育館等 (the slot-setup notice, item 1): when a first dose's second falls after
//! the period's second-dose window, the clinic books it at the city's mass-vaccination venue in
//! one step, as the call center would. The mass venue's seats are the city's and not in this
//! computer's cache, so this works online only: the city's answer is the booking, and 予約確定
//! is said only once the city took it.

use chrono::{Days, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;
use yoyaku_core::booking::DoseNumber;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::time::{tokyo_date_time, tokyo_today};
use yoyaku_core::wire::MassVenueSlotList;
use yoyaku_core::{Code, Coded};

use super::{Ctx, cache};
use crate::engine::Clinic;
use crate::error::{ClinicError, Result};
use crate::residents::{ServerBooking, keep_one_elsewhere};

const MASS_VENUE_SLOTS_PATH: &str = "/api/v1/mass-venues/slots";
const BOOKINGS_PATH: &str = "/api/v1/bookings";
/// How far past the standard date (3週間後) the offer looks for seats.
const DAYS_AFTER_STANDARD: u64 = 27;

/// The mass venue's seats for the second dose of a first-dose booking.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MassVenueOffer {
    pub standard_date: NaiveDate,
    pub earliest_date: NaiveDate,
    /// The days with seats, from the earliest allowed date.
    pub days: Vec<NaiveDate>,
    /// The day shown: the one asked for, else the first with seats on or after the standard date.
    pub day: Option<NaiveDate>,
    /// That day's slots with seats.
    pub slots: Vec<MassVenueSlotRow>,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MassVenueSlotRow {
    pub slot_id: Uuid,
    pub venue_name: String,
    pub slot_name: String,
    pub date: NaiveDate,
    pub start_time: String,
    pub end_time: String,
    /// 残りN枠
    pub remaining: i32,
}

/// The second dose the city took at the mass venue.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MassVenueBooked {
    pub booking_id: Uuid,
    pub dose: u8,
    pub ticket_number: String,
    pub venue_name: String,
    pub slot_name: String,
    pub date: NaiveDate,
    pub start_time: String,
    pub end_time: String,
    /// 予約確定: the city server took it.
    pub certainty_label: &'static str,
}

/// Why the mass venue cannot be offered or booked from here now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
enum MassVenueRefusal {
    #[error(
        "the mass venue's slots are on the city server, which cannot be reached now; book when back online, or refer the resident to the call center"
    )]
    Offline,
    #[error(
        "the first dose has not reached the city server yet, so the second cannot be booked at the mass venue; check Sync problems and try again"
    )]
    FirstDoseNotSent,
    #[error("the mass venue takes the second dose of a first dose booked here")]
    NotAFirstDose,
}

impl Coded for MassVenueRefusal {
    fn code(&self) -> Code {
        match self {
            Self::Offline => Code::MassVenueOffline,
            Self::FirstDoseNotSent => Code::MassVenueFirstDoseUnsent,
            Self::NotAFirstDose => Code::MassVenueNotFirstDose,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::Offline => {
                "市総合体育館等の予約枠は市のサーバーにあり、今は接続できません。オンラインに戻ってから予約するか、コールセンターをご案内ください。"
            }
            Self::FirstDoseNotSent => {
                "1回目の予約がまだ市のサーバーに届いていないため、市総合体育館等に2回目を予約できません。「同期の問題」を確認してから、もう一度お試しください。"
            }
            Self::NotAFirstDose => {
                "市総合体育館等での2回目の予約は、この医療機関で予約した1回目の予約から行ってください。"
            }
        }
        .into()
    }
}

impl From<MassVenueRefusal> for ClinicError {
    fn from(refusal: MassVenueRefusal) -> Self {
        ClinicError::invalid(&refusal)
    }
}

/// What the city sends of a booking it made.
#[derive(serde::Deserialize)]
struct BookResponse {
    booking: ServerBooking,
}

/// The first-dose booking the mass venue's offer starts from.
struct FirstDose {
    key: ResidentKey,
    vaccine_code: String,
    standard_date: NaiveDate,
    earliest_date: NaiveDate,
    synced: bool,
}

impl Clinic {
    /// The city's mass venue's seats for the second dose of `first_booking_id`, on `day` (or the
    /// first day with seats on or after the standard date). Online only.
    pub async fn mass_venue_offer(
        &self,
        first_booking_id: Uuid,
        day: Option<NaiveDate>,
    ) -> Result<MassVenueOffer> {
        let first = self.first_dose(first_booking_id).await?;
        let from = first.earliest_date.max(tokyo_today());
        let to = first.standard_date + Days::new(DAYS_AFTER_STANDARD);
        let token = self.session_token().await?;
        let list: MassVenueSlotList = self
            .client
            .get_json(
                &token,
                MASS_VENUE_SLOTS_PATH,
                &[
                    ("vaccine", first.vaccine_code.clone()),
                    ("from", from.to_string()),
                    ("to", to.to_string()),
                ],
            )
            .await
            .map_err(offline)?;
        let rows: Vec<MassVenueSlotRow> = list
            .slots
            .into_iter()
            .map(|s| {
                let (date, start) = tokyo_date_time(s.slot.starts_at);
                MassVenueSlotRow {
                    slot_id: s.slot.id,
                    venue_name: s.venue_name,
                    slot_name: s.slot.name,
                    date,
                    start_time: start.format("%H:%M").to_string(),
                    end_time: tokyo_date_time(s.slot.ends_at)
                        .1
                        .format("%H:%M")
                        .to_string(),
                    remaining: s.slot.remaining,
                }
            })
            .collect();
        let mut days: Vec<NaiveDate> = rows.iter().map(|r| r.date).collect();
        days.dedup();
        let day = day.filter(|d| days.contains(d)).or_else(|| {
            days.iter()
                .find(|d| **d >= first.standard_date)
                .or(days.first())
                .copied()
        });
        Ok(MassVenueOffer {
            standard_date: first.standard_date,
            earliest_date: first.earliest_date,
            slots: rows.into_iter().filter(|r| Some(r.date) == day).collect(),
            days,
            day,
        })
    }

    /// Books the second dose of `first_booking_id` into the mass venue's `slot_id` at the city
    /// server, sending this computer's unsent work first so that the first dose is there. The
    /// city's rules decide (intervals, one booking per dose, seats); its refusal is said as it is.
    pub async fn book_at_mass_venue(
        &self,
        first_booking_id: Uuid,
        slot_id: Uuid,
    ) -> Result<MassVenueBooked> {
        let mut first = self.first_dose(first_booking_id).await?;
        if !first.synced {
            self.sync_now().await;
            first = self.first_dose(first_booking_id).await?;
            if !first.synced {
                return Err(if self.status().online {
                    MassVenueRefusal::FirstDoseNotSent.into()
                } else {
                    MassVenueRefusal::Offline.into()
                });
            }
        }
        let token = self.session_token().await?;
        let key = &first.key;
        let body = serde_json::json!({
            "booking_id": Uuid::new_v4(),
            "resident": {
                "municipality_code": key.municipality_code.as_string(),
                "ticket": key.ticket_number.as_string(),
                "birth_date": key.birth_date.date().to_string(),
            },
            "slot_id": slot_id,
            "dose": DoseNumber::SECOND.get(),
        });
        let answer: BookResponse = self
            .client
            .post_json(&token, BOOKINGS_PATH, &body)
            .await
            .map_err(offline)?;
        let booked = &answer.booking;
        let mut db = self.store.pool().acquire().await?;
        keep_one_elsewhere(&mut db, key, booked).await?;
        let (date, start) = tokyo_date_time(booked.slot.starts_at);
        Ok(MassVenueBooked {
            booking_id: booked.id,
            dose: booked.dose.get(),
            ticket_number: key.ticket_number.as_string(),
            venue_name: booked.slot.venue_name.clone(),
            slot_name: booked.slot.name.clone(),
            date,
            start_time: start.format("%H:%M").to_string(),
            end_time: tokyo_date_time(booked.slot.ends_at)
                .1
                .format("%H:%M")
                .to_string(),
            certainty_label: "予約確定",
        })
    }

    async fn first_dose(&self, booking_id: Uuid) -> Result<FirstDose> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut db = self.store.pool().acquire().await?;
        let booking = cache::own_booking(&mut db, ctx.venues, booking_id).await?;
        if booking.dose()? != DoseNumber::FIRST || !booking.status()?.is_active() {
            return Err(MassVenueRefusal::NotAFirstDose.into());
        }
        let slot = cache::slot(&mut db, booking.slot_id()?)
            .await?
            .ok_or_else(|| ClinicError::Internal(format!("slot of booking {booking_id}")))?
            .core()?;
        let vaccine = cache::vaccine(&mut db, &slot.vaccine_code).await?;
        let key = cache::resident_key(&mut db, &booking.municipality_code, &booking.ticket_number)
            .await?;
        let id = booking_id.to_string();
        let synced = sqlx::query_scalar!(
            r#"SELECT sync_state = 'synced' AS "synced!: bool" FROM booking_state
               WHERE booking_id = ?"#,
            id,
        )
        .fetch_one(&mut *db)
        .await?;
        Ok(FirstDose {
            key,
            vaccine_code: slot.vaccine_code.clone(),
            standard_date: vaccine.standard_next_date(slot.date()),
            earliest_date: vaccine.earliest_next_date(slot.date()),
            synced,
        })
    }
}

/// The city out of reach is said as what it means here: nothing was booked or kept.
fn offline(error: ClinicError) -> ClinicError {
    match error {
        ClinicError::Unreachable(_) => MassVenueRefusal::Offline.into(),
        other => other,
    }
}
