//! A `residents` row read back into the core's types. Rows are written by `crate::cache`, which
//! the sync's pulls use too, so both keep the same search keys.

use chrono::NaiveDate;
use sqlx::SqliteConnection;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::birth_date::BirthDate;
use yoyaku_core::out_of_municipality::OutsideStay;
use yoyaku_core::resident::{ResidentDetails, ResidentForm, Sex};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::ticket::TicketNumber;
use yoyaku_core::time::tokyo_today;

use crate::error::{ClinicError, Result};

/// A resident as this computer holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cached {
    pub key: ResidentKey,
    /// 予約者情報; `None` until registered.
    pub details: Option<ResidentDetails>,
    /// The city's registry has confirmed the ticket.
    pub verified: bool,
    /// 住所地外 (manual 2-3): a 市外住民's reason and notification state.
    pub outside: Option<OutsideStay>,
}

struct Row {
    municipality_code: String,
    ticket_number: String,
    birth_date: String,
    family_name_kana: Option<String>,
    given_name_kana: Option<String>,
    sex: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    memo: String,
    verified: i64,
    outside_reason: Option<String>,
    notification: Option<String>,
}

fn sex_from_column(value: &str) -> Option<Sex> {
    [Sex::Male, Sex::Female, Sex::Unset]
        .into_iter()
        .find(|sex| sex.as_str() == value)
}

fn corrupt(what: &str) -> ClinicError {
    ClinicError::Internal(format!("the cached resident's {what} is not valid"))
}

impl Row {
    fn into_cached(self) -> Result<Cached> {
        let date = NaiveDate::parse_from_str(&self.birth_date, "%Y-%m-%d")
            .map_err(|_| corrupt("birth date"))?;
        let key = ResidentKey {
            municipality_code: MunicipalityCode::parse(&self.municipality_code)
                .map_err(|_| corrupt("municipality code"))?,
            ticket_number: TicketNumber::parse(&self.ticket_number)
                .map_err(|_| corrupt("ticket number"))?,
            birth_date: BirthDate::from_date(date, tokyo_today())
                .map_err(|_| corrupt("birth date"))?,
        };
        // Stored details were parsed before they were written: parsing them again gives them
        // back as the core's types.
        let details = match self.family_name_kana {
            None => None,
            Some(family_name_kana) => {
                let form = ResidentForm {
                    family_name_kana,
                    given_name_kana: self.given_name_kana.unwrap_or_default(),
                    sex: self.sex.as_deref().and_then(sex_from_column),
                    phone: self.phone.unwrap_or_default(),
                    email: self.email.unwrap_or_default(),
                    memo: self.memo,
                };
                Some(form.parse().map_err(|_| corrupt("details"))?)
            }
        };
        Ok(Cached {
            key,
            details,
            verified: self.verified == 1,
            outside: OutsideStay::from_stored(
                self.outside_reason.as_deref(),
                self.notification.as_deref(),
            )
            .map_err(|_| corrupt("outside stay"))?,
        })
    }
}

/// The cached resident with this 自治体番号 and 接種券番号, whatever their birth date.
pub(crate) async fn find(
    db: &mut SqliteConnection,
    municipality: MunicipalityCode,
    ticket: TicketNumber,
) -> Result<Option<Cached>> {
    let (municipality, ticket) = (municipality.as_string(), ticket.as_string());
    let row = sqlx::query_as!(
        Row,
        "SELECT municipality_code, ticket_number, birth_date, family_name_kana, given_name_kana,
                sex, phone, email, memo, verified, outside_reason, notification
         FROM residents WHERE municipality_code = ? AND ticket_number = ?",
        municipality,
        ticket,
    )
    .fetch_optional(db)
    .await?;
    row.map(Row::into_cached).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::write_resident;
    use crate::residents::test_support::{details, key, store};

    #[tokio::test]
    async fn a_written_resident_reads_back_as_written() {
        let (_dir, store) = store().await;
        let mut db = store.pool().acquire().await.unwrap();
        assert_eq!(
            find(&mut db, key().municipality_code, key().ticket_number)
                .await
                .unwrap(),
            None
        );
        let details = details("ﾃｽﾄ", "たろー", "０９０ー１２３４ー５６７８");
        write_resident(&mut db, &key(), Some(&details), false)
            .await
            .unwrap();
        let cached = find(&mut db, key().municipality_code, key().ticket_number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(cached.key, key());
        assert_eq!(cached.details, Some(details));
        assert!(!cached.verified);
    }

    #[tokio::test]
    async fn a_key_without_details_reads_back_unregistered() {
        let (_dir, store) = store().await;
        let mut db = store.pool().acquire().await.unwrap();
        write_resident(&mut db, &key(), None, true).await.unwrap();
        let cached = find(&mut db, key().municipality_code, key().ticket_number)
            .await
            .unwrap()
            .unwrap();
        assert!(cached.verified);
        assert_eq!(cached.details, None);
    }
}
