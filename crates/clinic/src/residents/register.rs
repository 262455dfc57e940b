//! 住民情報登録 and 情報変更 (manual 2-1 ④, 4-2 ⑥): the 予約者情報 are written to the cache with an
//! outbox intent in one transaction, and reach the city server on the next sync.

use serde::{Deserialize, Serialize};
use yoyaku_core::out_of_municipality::{OutsideStay, Reason, check_stay};
use yoyaku_core::resident::{ResidentDetails, ResidentForm};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::resident_key::ResidentKeyInput;
use yoyaku_core::sync::Action;
use yoyaku_core::time::tokyo_today;

use super::{NotInRegistry, detail_problems, field_problem, stored};
use crate::cache::{Held, write_outside, write_resident};
use crate::engine::Clinic;
use crate::error::{ClinicError, Result};
use crate::outbox::{self, NewIntent, Row};

/// The key (as on the 予約 screen) and the 住民情報登録 form, as typed.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RegistrationForm {
    #[serde(flatten)]
    pub key: ResidentKeyInput,
    #[serde(flatten)]
    pub details: ResidentForm,
    /// 住所地外接種 (manual 2-3) for a ticket of another municipality: the reason chosen and
    /// whether the resident holds the 届出済証. Left out in a 情報変更, the stay the cache
    /// holds is kept.
    #[serde(default)]
    pub outside: Option<OutsideChoice>,
}

/// The 住所地外 step's answers.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct OutsideChoice {
    pub reason: Reason,
    /// The 住所地外接種届 is received (the resident holds the city's 届出済証).
    #[serde(default)]
    pub notification_received: bool,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    pub key: ResidentKey,
    pub details: ResidentDetails,
    /// 住所地外: the reason and the notification's state, for a 市外住民, and as the screens say
    /// it.
    pub outside: Option<OutsideStay>,
    pub outside_label: Option<String>,
    /// False when the details were already registered as entered: nothing was queued.
    pub changed: bool,
    /// The city's registry has confirmed the ticket; if not, the sync will.
    pub verified: bool,
}

impl Clinic {
    /// 「登録」: checks every field and reports every error at once; bad input writes nothing.
    pub async fn register_resident(&self, form: RegistrationForm) -> Result<Registration> {
        let key = form.key.parse(tokyo_today());
        let details = form.details.parse();
        let (key, details) = match (key, details) {
            (Ok(key), Ok(details)) => (key, details),
            (key, details) => {
                let mut problems: Vec<_> = key
                    .err()
                    .map(|e| field_problem(e.field(), &e))
                    .into_iter()
                    .collect();
                problems.extend(
                    details
                        .err()
                        .as_deref()
                        .map(detail_problems)
                        .unwrap_or_default(),
                );
                return Err(ClinicError::InvalidFields(problems));
            }
        };
        let here = self.require_login().await?.profile.municipality_code;
        let chosen = form
            .outside
            .map(|c| OutsideStay::new(c.reason, c.notification_received))
            .transpose()
            .map_err(|e| ClinicError::invalid(&e))?;
        let mut tx = self.store.begin_write().await?;
        let cached = stored::find(&mut tx, key.municipality_code, key.ticket_number).await?;
        let outside = chosen.or(cached.as_ref().and_then(|c| c.outside));
        let outside = check_stay(key.municipality_code, here, outside)
            .map_err(|e| ClinicError::invalid(&e))?;
        let verified = match &cached {
            // A confirmed ticket's birth date is the registry's; an unconfirmed one was typed
            // offline and may be corrected.
            Some(c) if c.verified && c.key.birth_date != key.birth_date => {
                return Err(ClinicError::invalid(&NotInRegistry));
            }
            Some(c)
                if c.key == key && c.details.as_ref() == Some(&details) && c.outside == outside =>
            {
                return Ok(Registration {
                    key,
                    details,
                    outside,
                    outside_label: outside.map(OutsideStay::label_ja),
                    changed: false,
                    verified: c.verified,
                });
            }
            Some(c) => c.verified,
            None => false,
        };
        write_resident(&mut tx, &key, Some(&details), false).await?;
        write_outside(&mut tx, &[(&key, outside)], Held::Overwrite).await?;
        outbox::enqueue(
            &mut tx,
            NewIntent {
                action: Action::RegisterResident {
                    resident: key.clone(),
                    details: details.clone(),
                    // What the receptionist saw, so that the city changes nothing it did not.
                    based_on: cached.and_then(|c| c.details).map(Box::new),
                    outside,
                },
                changes: vec![Row::resident(&key)],
                needs: vec![],
            },
        )
        .await?;
        self.commit(tx).await?;
        Ok(Registration {
            key,
            details,
            outside,
            outside_label: outside.map(OutsideStay::label_ja),
            changed: true,
            verified,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::write_resident;
    use crate::residents::test_support::{count, form, key, key_input, offline_clinic};
    use yoyaku_core::Code;

    fn registration(birth_date: &str, details: ResidentForm) -> RegistrationForm {
        RegistrationForm {
            key: key_input("9000000062", birth_date),
            details,
            outside: None,
        }
    }

    #[tokio::test]
    async fn registers_offline_with_one_intent_and_an_unchanged_form_queues_nothing() {
        let (_dir, clinic) = offline_clinic().await;
        let typed = form("ﾃｽﾄ", "たろー", "０９６ー３２８ー１１１１");
        let done = clinic
            .register_resident(registration("S20.3.3", typed.clone()))
            .await
            .unwrap();
        assert!(done.changed);
        assert!(!done.verified);
        assert_eq!(done.key, key());
        assert_eq!(done.details.family_name_kana.as_str(), "テスト");
        assert_eq!(done.details.given_name_kana.as_str(), "タロー");
        assert_eq!(done.details.phone.digits(), "0963281111");
        let (kind, action): (String, String) = sqlx::query_as("SELECT kind, action FROM outbox")
            .fetch_one(clinic.store().pool())
            .await
            .unwrap();
        assert_eq!(kind, "register_resident");
        let action: Action = serde_json::from_str(&action).unwrap();
        assert_eq!(
            action,
            Action::RegisterResident {
                resident: key(),
                details: done.details.clone(),
                based_on: None,
                outside: None,
            }
        );

        let again = clinic
            .register_resident(registration("1945-03-03", typed.clone()))
            .await
            .unwrap();
        assert!(!again.changed);
        assert_eq!(count(&clinic, "outbox").await, 1);

        let changed = clinic
            .register_resident(registration(
                "1945-03-03",
                ResidentForm {
                    memo: "車椅子".into(),
                    ..typed
                },
            ))
            .await
            .unwrap();
        assert!(changed.changed);
        let depends: String = sqlx::query_scalar("SELECT depends_on FROM outbox WHERE seq = 2")
            .fetch_one(clinic.store().pool())
            .await
            .unwrap();
        let first: String = sqlx::query_scalar("SELECT id FROM outbox WHERE seq = 1")
            .fetch_one(clinic.store().pool())
            .await
            .unwrap();
        assert_eq!(depends, format!("[\"{first}\"]"), "情報変更 waits for 登録");
    }

    #[tokio::test]
    async fn every_error_of_the_key_and_the_form_comes_at_once_and_nothing_is_written() {
        let (_dir, clinic) = offline_clinic().await;
        let err = clinic
            .register_resident(RegistrationForm {
                key: key_input("9000000062", "明日"),
                details: ResidentForm {
                    family_name_kana: "Tesuto".into(),
                    given_name_kana: String::new(),
                    sex: None,
                    phone: "12345".into(),
                    email: "not-an-address".into(),
                    memo: String::new(),
                },
                outside: None,
            })
            .await
            .unwrap_err();
        let ClinicError::InvalidFields(fields) = err else {
            panic!("{err:?}")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "birth_date",
                "family_name_kana",
                "given_name_kana",
                "sex",
                "phone",
                "email"
            ]
        );
        assert_eq!(fields[1].code, Code::KanaNameLatin);
        assert!(fields.iter().all(|f| !f.message_ja.is_empty()));
        assert_eq!(count(&clinic, "residents").await, 0);
        assert_eq!(count(&clinic, "outbox").await, 0);
    }

    #[tokio::test]
    async fn a_confirmed_tickets_birth_date_cannot_be_changed_here() {
        let (_dir, clinic) = offline_clinic().await;
        let mut db = clinic.store().pool().acquire().await.unwrap();
        write_resident(&mut db, &key(), None, true).await.unwrap();
        let err = clinic
            .register_resident(registration(
                "1945-03-04",
                form("テスト", "タロー", "0963281111"),
            ))
            .await
            .unwrap_err();
        assert_eq!(yoyaku_core::Coded::code(&err), Code::TicketNotInRegistry);
        assert_eq!(count(&clinic, "outbox").await, 0);
        let stored =
            crate::residents::stored::find(&mut db, key().municipality_code, key().ticket_number)
                .await
                .unwrap()
                .unwrap();
        assert_eq!(stored.details, None);
    }
}
