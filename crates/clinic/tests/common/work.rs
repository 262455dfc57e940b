//! A clinic's work against the demo city: residents of the demo registry registered and their
//! keys, the clinic's slots with seats, syncing until settled, and the city's refusals said in
//! place.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use yoyaku_core::Code;

use chrono::{Days, NaiveDate, TimeDelta};
use uuid::Uuid;
use yoyaku_clinic::{Booked, Clinic, ClinicError, RegistrationForm, SlotRow, WayOut};
use yoyaku_core::resident::{ResidentForm, Sex};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::resident_key::ResidentKeyInput;
use yoyaku_core::time::tokyo_today;

use super::{City, form, open_clinic_at};

/// The demo registry's generated tickets: 9000001000 + i, born 1930-01-01 + 92·i days.
pub fn registry_entry(i: u32) -> (String, NaiveDate) {
    let born = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + TimeDelta::days(i64::from(i) * 92);
    ((9_000_001_000 + u64::from(i)).to_string(), born)
}

pub fn resident_key(i: u32) -> ResidentKey {
    let (ticket, born) = registry_entry(i);
    key_of(&ticket, born)
}

fn key_of(ticket: &str, born: NaiveDate) -> ResidentKey {
    serde_json::from_value(serde_json::json!({
        "municipality_code": "431001", "ticket_number": ticket, "birth_date": born.to_string()
    }))
    .unwrap()
}

/// Registers resident `i` of the demo registry.
pub async fn register(clinic: &Clinic, i: u32) -> ResidentKey {
    let (ticket, born) = registry_entry(i);
    register_as(clinic, &ticket, born, i).await
}

/// Registers テスト ジロー… (its length from `i`) with `ticket` born on `born`.
pub async fn register_as(clinic: &Clinic, ticket: &str, born: NaiveDate, i: u32) -> ResidentKey {
    clinic
        .register_resident(RegistrationForm {
            key: ResidentKeyInput {
                municipality_code: Some("431001".into()),
                ticket: ticket.into(),
                birth_date: born.to_string(),
            },
            details: ResidentForm {
                family_name_kana: "ﾃｽﾄ".into(),
                given_name_kana: format!("ｼﾞﾛｰ{}", "ｱ".repeat((i % 5 + 1) as usize)),
                sex: Some(Sex::Unset),
                phone: format!("096-328-{:04}", 1000 + i % 9000),
                email: String::new(),
                memo: String::new(),
            },
            outside: None,
        })
        .await
        .expect("register");
    key_of(ticket, born)
}

/// The birth date the city's registry gets for a ticket added by [`add_to_registry`].
pub fn registry_born(ticket: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + TimeDelta::days((ticket % 20_000) as i64)
}

/// Adds `count` tickets from `first` on to the city's 有効接種券 registry, born as
/// [`registry_born`] says.
pub async fn add_to_registry(city: &City, first: u64, count: u64) {
    sqlx::query(
        "insert into valid_tickets (municipality_code, ticket_number, birth_date)
         select '431001', ($1 + g)::text, date '1930-01-01' + (($1 + g) % 20000)::int
         from generate_series(0, $2 - 1) g",
    )
    .bind(first as i64)
    .bind(count as i64)
    .execute(&city.pool)
    .await
    .unwrap();
}

pub async fn logged_in(server_url: &str, city: &City, dir: &Path) -> Arc<Clinic> {
    let clinic = open_clinic_at(server_url, dir).await;
    clinic.login(form(&city.demo.clinic_a)).await.unwrap();
    clinic
}

/// The clinic's slots from `from_day` days ahead on, with seats, in time order.
pub async fn open_slots(clinic: &Clinic, from_day: u64) -> Vec<SlotRow> {
    clinic
        .slot_list(tokyo_today() + Days::new(from_day))
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.remaining > 0)
        .collect()
}

/// A 公開枠 with seats beyond the lease horizon, so the clinic holds no seat of it.
pub async fn public_slot_beyond_leases(clinic: &Clinic) -> SlotRow {
    open_slots(clinic, 3)
        .await
        .into_iter()
        .find(|s| s.visibility == "public")
        .expect("a public slot")
}

pub fn slot_id(slot: &SlotRow) -> Uuid {
    slot.slot_id.parse().unwrap()
}

/// Syncs until nothing is pending (a few rounds at most) and says how the last one ended.
pub async fn sync_until_settled(clinic: &Clinic) {
    for _ in 0..5 {
        let status = clinic.sync_now().await;
        if status.pending == 0 && status.last_error.is_none() {
            return;
        }
    }
    panic!("still unsettled: {:?}", clinic.status());
}

pub async fn private_slot(clinic: &Clinic, from_day: u64) -> SlotRow {
    open_slots(clinic, from_day)
        .await
        .into_iter()
        .find(|s| s.visibility == "private")
        .expect("a private slot")
}

/// How long the tests let 予約完了 wait for the city: longer than any answer here takes.
pub const WAIT: Duration = Duration::from_secs(20);

pub fn refusal(result: Result<Booked, ClinicError>) -> (Code, WayOut, String) {
    match result {
        Err(ClinicError::RefusedByCity(r)) => {
            assert!(!r.en.is_empty());
            (r.code, r.way_out, r.ja)
        }
        other => panic!("expected a refusal by the city, got {other:?}"),
    }
}

/// 接種予約 of `dose` in `slot`, waiting (up to [`WAIT`]) for the city's answer as 予約完了 does.
pub async fn book_with_city(
    clinic: &Arc<Clinic>,
    resident: ResidentKey,
    slot: &SlotRow,
    dose: u8,
) -> Result<Booked, ClinicError> {
    let request = yoyaku_clinic::BookRequest {
        resident,
        slot_id: slot_id(slot),
        dose: yoyaku_core::booking::DoseNumber::new(dose).expect("a dose number"),
    };
    clinic.book_with_city(request, WAIT).await
}

/// At the city: how many slots hold more bookings than seats, and how many residents hold two
/// active first doses. Both must stay 0 whatever happens.
pub async fn overbooked_and_doubled(city: &City) -> (i64, i64) {
    sqlx::query_as(
        "select (select count(*) from slots where booked > capacity),
                (select count(*) from (select ticket_number from bookings
                                       where status in ('reserved', 'checked_in', 'vaccinated')
                                         and dose = 1
                                       group by municipality_code, ticket_number
                                       having count(*) > 1) d)",
    )
    .fetch_one(&city.pool)
    .await
    .unwrap()
}
