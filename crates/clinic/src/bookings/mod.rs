//! 予約 at the clinic, offline first (manual 2-1, 2-2, 3-1, 3-2, 4-1 and 受付): each use case
//! checks yoyaku-core's rules against the cache, then writes its rows and its outbox intent in one
//! transaction, and wakes the sync loop. Nothing is written when a rule refuses.
//!
//! The rules are functions over a connection and a [`Ctx`] so that tests drive them on a bare
//! store; the [`Clinic`] methods add the log-in, the transaction, and the outbox recount and sync wake-up after a write.

mod book;
mod cache;
mod city_answer;
mod day_list;
mod error;
pub(crate) mod export;
mod lifecycle;
mod mass_venue;
mod open_vial;
mod release;
mod same_day;
#[cfg(test)]
mod tests;
mod vials;

pub use book::{BookRequest, Booked, Certainty, Changed, PrivateFirst, Uncertainty};
pub use city_answer::CITY_ANSWER_WAIT;
pub use day_list::BookingRow;
pub use mass_venue::{MassVenueBooked, MassVenueOffer, MassVenueSlotRow};
pub use open_vial::OpenVialOffered;
pub use release::ReleasedSeats;
pub use same_day::{
    DoseCount, FillView, Message, Moved, PlanView, SameDayCheck, SpareView, VialView,
};
pub use vials::{DayPlanView, OpenVials, VialState, VialUse};

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use yoyaku_core::channel::Actor;
use yoyaku_core::second_dose::SecondDosePlan;

use crate::engine::Clinic;
use crate::error::{ClinicError, Result};
use crate::slots::SlotRow;
use cache::CachedSlot;

/// Who acts and when: the logged-in clinic's venues, and the time rules compare slots with.
pub(crate) struct Ctx<'a> {
    pub venues: &'a [Uuid],
    pub now: DateTime<Utc>,
}

impl Ctx<'_> {
    fn actor(&self) -> Actor<'_> {
        Actor::Clinic {
            venues: self.venues,
        }
    }
}

impl Clinic {
    /// The logged-in clinic's venues.
    async fn venue_ids(&self) -> Result<Vec<Uuid>> {
        let current = self.require_login().await?;
        Ok(current.profile.venues.iter().map(|v| v.id).collect())
    }

    /// 接種予約 for dose 1 or 2 (manual 2-1, 2-2).
    pub async fn book(&self, request: BookRequest) -> Result<Booked> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut tx = self.store.begin_write().await?;
        let booked = book::book(&mut tx, &ctx, &request).await?;
        self.commit(tx).await?;
        Ok(booked)
    }

    /// 続けて2回目 (manual 2-1 ⑭): where the second dose of a first-dose booking can be had;
    /// `None` for a booking of another dose. Writes nothing.
    pub async fn second_dose_plan(&self, booking_id: Uuid) -> Result<Option<SecondDosePlan>> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut db = self.store.pool().acquire().await?;
        book::second_dose_of(&mut db, &ctx, booking_id).await
    }

    /// 予約のキャンセル (manual 3-1).
    pub async fn cancel(&self, booking_id: Uuid) -> Result<BookingRow> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut tx = self.store.begin_write().await?;
        let row = lifecycle::cancel(&mut tx, &ctx, booking_id).await?;
        self.commit(tx).await?;
        Ok(row)
    }

    /// 後日の予約日時に変更 (manual 3-2 ①): the booking cancelled and its dose booked in `slot_id`.
    pub async fn change_booking(&self, booking_id: Uuid, slot_id: Uuid) -> Result<Changed> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut tx = self.store.begin_write().await?;
        let changed = book::change(&mut tx, &ctx, booking_id, slot_id).await?;
        self.commit(tx).await?;
        Ok(changed)
    }

    /// Whether the booking can move to `slot_id` on its day (manual 3-2 ②), with the day's vials
    /// before and after. Writes nothing.
    pub async fn check_same_day_move(
        &self,
        booking_id: Uuid,
        slot_id: Uuid,
    ) -> Result<SameDayCheck> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut tx = self.store.pool().begin().await?;
        same_day::check(&mut tx, &ctx, booking_id, slot_id).await
    }

    /// 当日内で予約時間の変更 (manual 3-2 ②), when [`Self::check_same_day_move`] finds it feasible.
    pub async fn same_day_move(&self, booking_id: Uuid, slot_id: Uuid) -> Result<Moved> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut tx = self.store.begin_write().await?;
        let moved = same_day::apply(&mut tx, &ctx, booking_id, slot_id).await?;
        self.commit(tx).await?;
        Ok(moved)
    }

    /// 受付: the resident has arrived.
    pub async fn check_in(&self, booking_id: Uuid) -> Result<BookingRow> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut tx = self.store.begin_write().await?;
        let row = lifecycle::check_in(&mut tx, &ctx, booking_id).await?;
        self.commit(tx).await?;
        Ok(row)
    }

    /// 接種済み with the ロット番号 as typed; `vaccinated_at` defaults to now.
    pub async fn record_vaccination(
        &self,
        booking_id: Uuid,
        lot_number: &str,
        vaccinated_at: Option<DateTime<Utc>>,
    ) -> Result<BookingRow> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut tx = self.store.begin_write().await?;
        let row =
            lifecycle::record_vaccination(&mut tx, &ctx, booking_id, lot_number, vaccinated_at)
                .await?;
        self.commit(tx).await?;
        Ok(row)
    }

    /// 来院なし: the resident did not come; the seat is free again.
    pub async fn mark_no_show(&self, booking_id: Uuid) -> Result<BookingRow> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut tx = self.store.begin_write().await?;
        let row = lifecycle::mark_no_show(&mut tx, &ctx, booking_id).await?;
        self.commit(tx).await?;
        Ok(row)
    }

    /// The nearest slots with a seat around `slot_id` (what a `slot.full` refusal names), for the
    /// screen to offer.
    pub async fn nearby_slots(&self, slot_id: Uuid) -> Result<Vec<SlotRow>> {
        let venues = self.venue_ids().await?;
        let ctx = Ctx {
            venues: &venues,
            now: Utc::now(),
        };
        let mut tx = self.store.pool().begin().await?;
        let Some(slot) = cache::slot(&mut tx, slot_id).await? else {
            return Err(error::Refusal::SlotNotFound.into());
        };
        let nearby = book::alternatives(&mut tx, &ctx, &slot.core()?).await?;
        Ok(nearby.iter().map(CachedSlot::row).collect())
    }

    /// 接種予約状況・実績 一覧 (manual 4-1): the day's bookings by time.
    pub async fn day_list(
        &self,
        venue_id: Uuid,
        vaccine_code: &str,
        date: NaiveDate,
    ) -> Result<Vec<BookingRow>> {
        self.require_login().await?;
        let mut db = self.store.pool().acquire().await?;
        day_list::day_list(&mut db, venue_id, vaccine_code, date).await
    }

    /// [`Self::day_list`] saved as a CSV file for Excel (UTF-8 with BOM, Japanese header) in `dir`,
    /// named `接種予約状況_<会場番号>_<date>_<vaccine>.csv` and never over an earlier export.
    pub async fn save_day_list_csv(
        &self,
        venue_id: Uuid,
        vaccine_code: &str,
        date: NaiveDate,
        dir: PathBuf,
    ) -> Result<PathBuf> {
        let csv = day_list::to_csv(&self.day_list(venue_id, vaccine_code, date).await?);
        let current = self.require_login().await?;
        let venue = current.profile.venues.iter().find(|v| v.id == venue_id);
        let stem = match venue.map(|v| v.venue_number) {
            Some(n) => format!("接種予約状況_{n}_{date}_{vaccine_code}"),
            None => format!("接種予約状況_{date}_{vaccine_code}"),
        };
        tokio::task::spawn_blocking(move || {
            export::save_new(&dir, &stem, "csv", csv.as_bytes())
                .map_err(|source| ClinicError::Export { dir, source })
        })
        .await
        .map_err(|e| ClinicError::Internal(e.to_string()))?
    }

    /// 受付: the vials opened on `date` from the doses recorded, and what each has left.
    pub async fn open_vials(
        &self,
        venue_id: Uuid,
        vaccine_code: &str,
        date: NaiveDate,
    ) -> Result<OpenVials> {
        self.require_login().await?;
        let mut db = self.store.pool().acquire().await?;
        vials::open_vials(&mut db, venue_id, vaccine_code, date, Utc::now()).await
    }
}
