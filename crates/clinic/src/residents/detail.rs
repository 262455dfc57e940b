//! 住民情報 (manual 4-2 ⑤): 基本情報, 予約者情報, 予約・接種状況, 予約履歴 and 接種履歴, from the cache.

use serde::Serialize;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::booking::BookingStatus;
use yoyaku_core::out_of_municipality::OutsideStay;
use yoyaku_core::refusal::ResidentRefusal;
use yoyaku_core::resident::ResidentDetails;
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::ticket::TicketNumber;

use super::history::{self, BookingHistory};
use super::{field_problem, stored};
use crate::SyncState;
use crate::engine::Clinic;
use crate::error::{ClinicError, Result};

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResidentRecord {
    /// 基本情報
    pub key: ResidentKey,
    /// The city's registry has confirmed the ticket.
    pub verified: bool,
    /// 予約者情報; `None` until registered.
    pub details: Option<ResidentDetails>,
    /// synced, pending or rejected: the resident's own local work (住民情報登録 not yet sent …).
    pub sync_state: SyncState,
    /// 予約・接種状況: per dose, the booking that counts.
    pub doses: Vec<BookingHistory>,
    /// 予約履歴: every booking, every status, by slot time.
    pub bookings: Vec<BookingHistory>,
    /// 接種履歴: the doses given, with their lot numbers and times.
    pub vaccinations: Vec<BookingHistory>,
    /// 住所地外 (manual 2-3): a 市外住民's reason and notification state, and as the screens
    /// say it.
    pub outside: Option<OutsideStay>,
    pub outside_label: Option<String>,
}

impl Clinic {
    /// 「詳細」 in 住民検索's list.
    pub async fn resident_detail(
        &self,
        municipality_code: &str,
        ticket_number: &str,
    ) -> Result<ResidentRecord> {
        let municipality = MunicipalityCode::parse(municipality_code);
        let ticket = TicketNumber::parse(ticket_number);
        let (municipality, ticket) = match (municipality, ticket) {
            (Ok(m), Ok(t)) => (m, t),
            (m, t) => {
                let mut problems = Vec::new();
                if let Err(e) = m {
                    problems.push(field_problem("municipality_code", &e));
                }
                if let Err(e) = t {
                    problems.push(field_problem("ticket_number", &e));
                }
                return Err(ClinicError::InvalidFields(problems));
            }
        };
        // One read transaction: the row, its state and its bookings as of one moment.
        let mut tx = self.store.pool().begin().await?;
        let cached = stored::find(&mut tx, municipality, ticket)
            .await?
            .ok_or_else(|| ClinicError::invalid(&ResidentRefusal::NoneVisible))?;
        let (municipality, ticket) = (municipality.as_string(), ticket.as_string());
        let sync_state = sqlx::query_scalar!(
            r#"SELECT sync_state AS "sync_state!: SyncState" FROM resident_search
               WHERE municipality_code = ? AND ticket_number = ?"#,
            municipality,
            ticket,
        )
        .fetch_one(&mut *tx)
        .await?;
        let bookings = history::cached(&mut tx, &cached.key).await?;
        tx.commit().await?;
        Ok(ResidentRecord {
            doses: history::current_by_dose(&bookings),
            vaccinations: bookings
                .iter()
                .filter(|b| b.status == BookingStatus::Vaccinated)
                .cloned()
                .collect(),
            bookings,
            key: cached.key,
            verified: cached.verified,
            details: cached.details,
            outside: cached.outside,
            outside_label: cached.outside.map(OutsideStay::label_ja),
            sync_state,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::write_resident;
    use crate::residents::test_support::{details, key, offline_clinic};
    use yoyaku_core::Code;
    use yoyaku_core::Coded;

    /// A venue with slots on three days, and the resident's bookings in them: dose 1 cancelled
    /// then given, dose 2 reserved.
    async fn fixture(clinic: &Clinic) {
        let pool = clinic.store().pool();
        let mut db = pool.acquire().await.unwrap();
        write_resident(
            &mut db,
            &key(),
            Some(&details("テスト", "タロー", "0963281111")),
            true,
        )
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO venues (id, venue_number, name) VALUES ('v', 101, 'A胃腸科内科医院')",
        )
        .execute(&mut *db)
        .await
        .unwrap();
        for (slot, date) in [
            ("s1", "2021-05-01"),
            ("s2", "2021-05-19"),
            ("s3", "2021-06-09"),
        ] {
            sqlx::query(
                "INSERT INTO slots (id, venue_id, name, vaccine_code, vaccine_name, starts_at,
                     ends_at, local_date, start_time, end_time, visibility, capacity, booked)
                 VALUES (?, 'v', '', 'pfizer', 'ファイザー社ワクチン', ? || 'T00:00:00Z',
                     ? || 'T02:00:00Z', ?, '09:00', '11:00', 'private', 10, 1)",
            )
            .bind(slot)
            .bind(date)
            .bind(date)
            .bind(date)
            .execute(&mut *db)
            .await
            .unwrap();
        }
        for (id, slot, dose, status, lot, at) in [
            ("b1", "s1", 1, "cancelled", None, None),
            (
                "b2",
                "s2",
                1,
                "vaccinated",
                Some("FA1234"),
                Some("2021-05-19T00:30:00Z"),
            ),
            ("b3", "s3", 2, "reserved", None, None),
        ] {
            sqlx::query(
                "INSERT INTO bookings (id, municipality_code, ticket_number, slot_id, dose,
                     status, channel, lot_number, vaccinated_at, server_holds_seat)
                 VALUES (?, '431001', '9000000062', ?, ?, ?, 'clinic', ?, ?, 1)",
            )
            .bind(id)
            .bind(slot)
            .bind(dose)
            .bind(status)
            .bind(lot)
            .bind(at)
            .execute(&mut *db)
            .await
            .unwrap();
        }
    }

    #[tokio::test]
    async fn shows_every_tab_of_the_residents_page() {
        let (_dir, clinic) = offline_clinic().await;
        fixture(&clinic).await;
        let record = clinic
            .resident_detail("431001", "9000000062")
            .await
            .unwrap();
        assert_eq!(record.key, key());
        assert!(record.verified);
        assert_eq!(record.sync_state, SyncState::Synced);
        assert_eq!(
            record.details.as_ref().unwrap().given_name_kana.as_str(),
            "タロー"
        );
        let ids = |list: &[BookingHistory]| -> Vec<String> {
            list.iter().map(|b| b.booking_id.clone()).collect()
        };
        assert_eq!(ids(&record.bookings), ["b1", "b2", "b3"]);
        assert_eq!(ids(&record.doses), ["b2", "b3"]);
        assert_eq!(ids(&record.vaccinations), ["b2"]);
        let given = &record.vaccinations[0];
        assert_eq!(given.lot_number.as_deref(), Some("FA1234"));
        assert_eq!(given.status_label_ja, "接種済み");
        assert_eq!(
            (given.date.as_str(), given.start_time.as_str()),
            ("2021-05-19", "09:00")
        );
        assert_eq!(
            given.vaccinated_at.unwrap().to_rfc3339(),
            "2021-05-19T00:30:00+00:00"
        );
        assert_eq!(record.bookings[0].status_label_ja, "キャンセル");
    }

    #[tokio::test]
    async fn an_unknown_or_malformed_resident_is_refused() {
        let (_dir, clinic) = offline_clinic().await;
        let err = clinic
            .resident_detail("431001", "9000000062")
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::ResidentNotFound);
        let err = clinic.resident_detail("431002", "12").await.unwrap_err();
        let ClinicError::InvalidFields(fields) = err else {
            panic!("{err:?}")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["municipality_code", "ticket_number"]);
    }
}
