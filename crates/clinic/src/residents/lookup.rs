//! 有効接種券 check (manual 2-1 ②, 「次へ進む」): the city's registry answers while online; offline
//! the cache does, and a ticket it does not know is taken unverified, to be checked on sync.

use serde::{Deserialize, Serialize};
use yoyaku_core::Code;
use yoyaku_core::out_of_municipality::{OutsideStay, is_out_of_municipality};
use yoyaku_core::resident::ResidentDetails;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::resident_key::ResidentKeyInput;
use yoyaku_core::time::tokyo_today;

use super::history::{self, BookingHistory, ServerBooking};
use super::{NotInRegistry, key_error, stored};
use crate::cache::{Held, is_held, write_outside, write_resident};
use crate::engine::Clinic;
use crate::error::{ClinicError, Result};
use crate::outbox::resident_key;

const LOOKUP_PATH: &str = "/api/v1/residents/lookup";

/// What the receptionist learns from 「次へ進む」.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketLookup {
    /// 基本情報: 自治体番号, 接種券番号, 生年月日.
    pub key: ResidentKey,
    /// The city's registry confirmed the ticket, now or when it was cached.
    pub verified: bool,
    /// The city server answered just now (else the answer is the cache's).
    pub online: bool,
    /// 予約者情報 are registered; if not, 住民情報登録 comes first.
    pub registered: bool,
    /// 予約者情報, when registered: the key the caller read out is their consent for this clinic
    /// to see them, wherever they registered.
    pub details: Option<ResidentDetails>,
    /// The ticket is another municipality's than the account's: 住所地外接種 (manual 2-3).
    pub out_of_municipality: bool,
    /// A registered 市外住民's reason and notification state, and as the screens say it.
    pub outside: Option<OutsideStay>,
    pub outside_label: Option<String>,
    /// 予約履歴, so that a dose already booked is not booked again.
    pub history: Vec<BookingHistory>,
    /// What to tell the receptionist about an unverified ticket.
    pub notice: Option<Notice>,
}

/// A note for the receptionist: not an error, the work goes on.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub code: String,
    pub message_ja: String,
    pub message_en: String,
}

impl Notice {
    fn unverified() -> Self {
        Self {
            code: Code::TicketUnverified.into(),
            message_ja: "未確認: 市のサーバーに接続できないため、有効接種券との照合ができていません。同期の際に照合されます。".into(),
            message_en: "Unverified: the city server cannot be reached, so the ticket has not been checked against the valid tickets. It will be checked when the app syncs.".into(),
        }
    }
}

/// The city's answer (its `LookupResponse`).
#[derive(Debug, Deserialize)]
struct ServerLookup {
    resident: ResidentKey,
    registered: bool,
    details: Option<ResidentDetails>,
    bookings: Option<Vec<ServerBooking>>,
    #[serde(default)]
    outside: Option<OutsideStay>,
}

impl Clinic {
    /// 「次へ進む」 on the 予約 screen. A made-up ticket or a wrong birth date is refused
    /// (`ticket.not_in_registry`) and nothing is written; when the server cannot be reached, a
    /// ticket not in the cache comes back unverified, and nothing is written either.
    pub async fn lookup_ticket(&self, form: ResidentKeyInput) -> Result<TicketLookup> {
        let key = form.parse(tokyo_today()).map_err(|e| key_error(&e))?;
        let here = self.require_login().await?.profile.municipality_code;
        let token = self.session_token().await?;
        // The parsed key, so that the server reads exactly what the clinic parsed.
        let body = ResidentKeyInput {
            municipality_code: Some(key.municipality_code.as_string()),
            ticket: key.ticket_number.as_string(),
            birth_date: key.birth_date.to_string(),
        };
        let answer = self
            .client
            .post_json::<_, ServerLookup>(&token, LOOKUP_PATH, &body)
            .await;
        let mut lookup = match answer {
            Ok(server) => self.store_verified(server).await?,
            Err(e) if e.is_unreachable() => self.lookup_cached(key).await?,
            Err(e) => return Err(e),
        };
        lookup.out_of_municipality = is_out_of_municipality(lookup.key.municipality_code, here);
        Ok(lookup)
    }

    /// Caches the confirmed ticket and the server's details, unless local work holds the row:
    /// then only the confirmation is kept and the receptionist's entry stays.
    async fn store_verified(&self, server: ServerLookup) -> Result<TicketLookup> {
        let key = server.resident;
        let mut tx = self.store.begin_write().await?;
        let row = resident_key(
            &key.municipality_code.as_string(),
            &key.ticket_number.as_string(),
        );
        if is_held(&mut tx, "resident", &row).await? {
            let (municipality, ticket, birth_date) = (
                key.municipality_code.as_string(),
                key.ticket_number.as_string(),
                key.birth_date.to_string(),
            );
            sqlx::query!(
                "UPDATE residents SET verified = 1
                 WHERE municipality_code = ? AND ticket_number = ? AND birth_date = ?",
                municipality,
                ticket,
                birth_date,
            )
            .execute(&mut *tx)
            .await?;
        } else {
            // Without details (not registered, or not this clinic's to see) the row keeps its own.
            write_resident(&mut tx, &key, server.details.as_ref(), true).await?;
            if server.details.is_some() {
                write_outside(&mut tx, &[(&key, server.outside)], Held::Overwrite).await?;
            }
        }
        let server_bookings = server.bookings.unwrap_or_default();
        history::keep_elsewhere(&mut tx, &key, &server_bookings).await?;
        let cached = stored::find(&mut tx, key.municipality_code, key.ticket_number).await?;
        let local = history::cached(&mut tx, &key).await?;
        tx.commit().await?;
        let outside = cached.as_ref().and_then(|c| c.outside).or(server.outside);
        let details = cached.and_then(|c| c.details).or(server.details);
        Ok(TicketLookup {
            registered: server.registered || details.is_some(),
            details,
            key,
            verified: true,
            online: true,
            out_of_municipality: false,
            outside_label: outside.map(OutsideStay::label_ja),
            outside,
            history: history::merge(server_bookings, local),
            notice: None,
        })
    }

    /// The cache's answer while the server cannot be reached.
    async fn lookup_cached(&self, key: ResidentKey) -> Result<TicketLookup> {
        let mut db = self.store.pool().acquire().await?;
        let cached = stored::find(&mut db, key.municipality_code, key.ticket_number).await?;
        let (details, outside, verified, history) = match cached {
            Some(c) if c.key.birth_date == key.birth_date => {
                let history = history::cached(&mut db, &key).await?;
                (c.details, c.outside, c.verified, history)
            }
            // The registry gave this ticket another birth date.
            Some(c) if c.verified => return Err(ClinicError::invalid(&NotInRegistry)),
            _ => (None, None, false, Vec::new()),
        };
        Ok(TicketLookup {
            key,
            verified,
            online: false,
            registered: details.is_some(),
            details,
            out_of_municipality: false,
            outside_label: outside.map(OutsideStay::label_ja),
            outside,
            history,
            notice: (!verified).then(Notice::unverified),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::write_resident;
    use crate::residents::test_support::{count, details, key, key_input, offline_clinic};
    use yoyaku_core::Coded;

    #[tokio::test]
    async fn offline_an_unknown_ticket_is_taken_unverified_and_nothing_is_written() {
        let (_dir, clinic) = offline_clinic().await;
        let lookup = clinic
            .lookup_ticket(key_input("9000000062", "昭和20年3月3日"))
            .await
            .unwrap();
        assert_eq!(lookup.key, key());
        assert!(!lookup.verified && !lookup.online && !lookup.registered);
        assert!(!lookup.out_of_municipality);
        assert_eq!(lookup.notice.unwrap().code, Code::TicketUnverified.as_str());
        assert_eq!(count(&clinic, "residents").await, 0);
        assert_eq!(count(&clinic, "outbox").await, 0);
    }

    #[tokio::test]
    async fn offline_a_cached_ticket_answers_from_the_cache() {
        let (_dir, clinic) = offline_clinic().await;
        let details = details("テスト", "タロー", "0963281111");
        let mut db = clinic.store().pool().acquire().await.unwrap();
        write_resident(&mut db, &key(), Some(&details), true)
            .await
            .unwrap();
        let lookup = clinic
            .lookup_ticket(key_input("9000000062", "1945/3/3"))
            .await
            .unwrap();
        assert!(lookup.verified && lookup.registered && !lookup.online);
        assert_eq!(lookup.details, Some(details));
        assert_eq!(lookup.notice, None);

        let err = clinic
            .lookup_ticket(key_input("9000000062", "1945/3/4"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::TicketNotInRegistry);
    }

    #[tokio::test]
    async fn another_municipalitys_ticket_is_flagged_and_a_bad_key_names_its_field() {
        let (_dir, clinic) = offline_clinic().await;
        let lookup = clinic
            .lookup_ticket(ResidentKeyInput {
                municipality_code: None,
                ticket: "111310169000000062".into(),
                birth_date: "1945-03-03".into(),
            })
            .await
            .unwrap();
        assert_eq!(lookup.key.municipality_code.as_string(), "131016");
        assert!(lookup.out_of_municipality);

        let err = clinic
            .lookup_ticket(key_input("900000006", "1945-03-03"))
            .await
            .unwrap_err();
        let ClinicError::InvalidFields(fields) = err else {
            panic!("{err:?}")
        };
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].field, "ticket");
    }
}
