//! 利用規約 (readable from the login screen) and 問い合わせ先 (the help screen, and the number
//! shown wherever the app says to ask the call center), as the city publishes them: fetched while
//! online and kept in the cache, so that both read the same offline.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use yoyaku_core::information::{Contacts, TermsOfUse};
use yoyaku_core::{Code, Coded, MunicipalityCode};

use crate::engine::Clinic;
use crate::error::{ClinicError, Result};

/// A text as the city published it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published<T> {
    pub body: T,
    /// When the city sent it: the age of the copy shown offline.
    pub fetched_at: DateTime<Utc>,
    /// The city sent it just now (else it is the cache's copy).
    pub online: bool,
}

/// Offline, and the text was never fetched on this computer.
#[derive(Debug, thiserror::Error)]
#[error(
    "the city server cannot be reached and this computer has no copy yet; please try again once connected"
)]
struct NoCopyYet;

impl Coded for NoCopyYet {
    fn code(&self) -> Code {
        Code::InformationNoCopyYet
    }
    fn message_ja(&self) -> String {
        "市のサーバーに接続できず、この端末にはまだ保存されていません。ネットワークにつないでからもう一度お試しください。".into()
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Terms,
    Contacts,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Terms => "terms",
            Self::Contacts => "contacts",
        }
    }

    fn path(self, municipality: MunicipalityCode) -> String {
        format!("/api/v1/municipalities/{municipality}/{}", self.as_str())
    }
}

impl Clinic {
    /// 利用規約 of the municipality typed on the login screen (nobody is logged in yet).
    pub async fn terms_of_use(&self, municipality_code: &str) -> Result<Published<TermsOfUse>> {
        let municipality =
            MunicipalityCode::parse(municipality_code).map_err(|e| ClinicError::invalid(&e))?;
        let answer = self
            .client
            .get_public(&Kind::Terms.path(municipality))
            .await;
        self.keep(municipality, Kind::Terms, answer).await
    }

    /// 問い合わせ先 of the logged-in account's municipality.
    pub async fn contacts(&self) -> Result<Published<Contacts>> {
        let municipality = self.require_login().await?.profile.municipality_code;
        let answer = match self.session_token().await {
            Ok(token) => {
                self.client
                    .get_json(&token, &Kind::Contacts.path(municipality), &())
                    .await
            }
            // Without a token this computer can use, the copy is all there is.
            Err(ClinicError::LogInAgainOnline) => {
                Err(ClinicError::Unreachable("no session token".into()))
            }
            Err(e) => Err(e),
        };
        self.keep(municipality, Kind::Contacts, answer).await
    }

    /// Keeps the city's answer in the cache, or answers the cache's copy when the city cannot be
    /// reached.
    async fn keep<T: Serialize + DeserializeOwned>(
        &self,
        municipality: MunicipalityCode,
        kind: Kind,
        answer: Result<T>,
    ) -> Result<Published<T>> {
        let code = municipality.as_string();
        let kind_name = kind.as_str();
        match answer {
            Ok(body) => {
                let json = serde_json::to_string(&body)
                    .map_err(|e| ClinicError::Internal(format!("{}: {e}", kind.as_str())))?;
                let now = Utc::now();
                sqlx::query!(
                    "INSERT INTO municipality_information (municipality_code, kind, body, fetched_at)
                     VALUES (?, ?, ?, ?)
                     ON CONFLICT (municipality_code, kind) DO UPDATE
                     SET body = excluded.body, fetched_at = excluded.fetched_at",
                    code,
                    kind_name,
                    json,
                    now,
                )
                .execute(self.store.pool())
                .await?;
                Ok(Published {
                    body,
                    fetched_at: now,
                    online: true,
                })
            }
            Err(e) if e.is_unreachable() => {
                let copy = sqlx::query!(
                    r#"SELECT body, fetched_at AS "fetched_at: DateTime<Utc>"
                       FROM municipality_information
                       WHERE municipality_code = ? AND kind = ?"#,
                    code,
                    kind_name,
                )
                .fetch_optional(self.store.pool())
                .await?;
                let copy = copy.ok_or_else(|| ClinicError::invalid(&NoCopyYet))?;
                Ok(Published {
                    body: serde_json::from_str(&copy.body).map_err(|e| {
                        ClinicError::Internal(format!("cached {}: {e}", kind.as_str()))
                    })?,
                    fetched_at: copy.fetched_at,
                    online: false,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Copies both texts while online, so that they read the same offline later. A failure only
    /// leaves the older copy.
    pub(crate) async fn refresh_information(&self) {
        let Ok(current) = self.require_login().await else {
            return;
        };
        let code = current.profile.municipality_code.as_string();
        if let Err(e) = self.terms_of_use(&code).await {
            tracing::info!(error = %e, "terms of use not refreshed");
        }
        if let Err(e) = self.contacts().await {
            tracing::info!(error = %e, "contacts not refreshed");
        }
    }
}
