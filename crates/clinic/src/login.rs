//! ログイン (manual §1): against the city server when it can be reached; otherwise, for the account
//! that last logged in on this device, against the local copy of its password check, so the clinic
//! can work on its cache while the network is down.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use yoyaku_core::wire::{AccountProfile, LoginRequest, Role, VenueInfo};
use yoyaku_core::{AccountId, Code, MunicipalityCode};

use crate::engine::{Clinic, Current};
use crate::error::{ClinicError, Result};
use crate::password;
use crate::secrets::AccountSecrets;

/// What the receptionist typed on the login screen.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Deserialize)]
pub struct LoginForm {
    pub municipality_code: String,
    pub account_id: String,
    pub password: String,
    pub agreed_to_terms: bool,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub profile: AccountProfile,
    /// False when the server could not be reached and the cache let this login through.
    pub online: bool,
}

struct ParsedForm {
    municipality_code: MunicipalityCode,
    account_id: AccountId,
    password: String,
}

fn parse(form: LoginForm) -> Result<ParsedForm> {
    let municipality_code =
        MunicipalityCode::parse(&form.municipality_code).map_err(|e| ClinicError::invalid(&e))?;
    let account_id = AccountId::parse(&form.account_id).map_err(|e| ClinicError::invalid(&e))?;
    if form.password.is_empty() {
        return Err(ClinicError::Invalid {
            code: Code::AuthPasswordRequired,
            ja: "パスワードを入力してください。".into(),
            en: "Please enter the password.".into(),
        });
    }
    if !form.agreed_to_terms {
        return Err(ClinicError::Invalid {
            code: Code::AuthTermsNotAgreed,
            ja: "利用規約に同意してください。".into(),
            en: "Please agree to the terms of use.".into(),
        });
    }
    Ok(ParsedForm {
        municipality_code,
        account_id,
        password: form.password,
    })
}

impl Clinic {
    pub async fn login(&self, form: LoginForm) -> Result<Session> {
        let form = parse(form)?;
        let online = self.log_in_online(&form).await;
        self.record(&online);
        let session = match online {
            Ok(session) => session,
            Err(e) if e.is_unreachable() => {
                let profile = self.login_offline(&form).await?;
                *self.current.write().await = Some(Current {
                    profile: profile.clone(),
                    token: None,
                });
                Session {
                    profile,
                    online: false,
                }
            }
            Err(e) => return Err(e),
        };
        if session.online {
            self.sync_now().await;
            self.refresh_information().await;
        }
        self.wake_sync();
        Ok(session)
    }

    /// Renews an expired session with the password (the session-renewal dialog): a login of the
    /// same account, so the cache and every unsent change stay, then a sync. Only the city
    /// server can renew it: offline, nothing changes and the receptionist is told to connect. A
    /// refusal is the dialog's to show: the status keeps saying the session expired.
    pub async fn renew_session(&self, password: String) -> Result<Session> {
        let profile = self.require_login().await?.profile;
        let form = parse(LoginForm {
            municipality_code: profile.municipality_code.to_string(),
            account_id: profile.account_id.to_string(),
            password,
            // Agreed at the first login of the session being renewed.
            agreed_to_terms: true,
        })?;
        let session = self.log_in_online(&form).await?;
        self.sync_now().await;
        Ok(session)
    }

    /// The login against the city server: the account, its password check and the session
    /// token are stored, and the session is this engine's.
    async fn log_in_online(&self, form: &ParsedForm) -> Result<Session> {
        let request = LoginRequest {
            municipality_code: form.municipality_code.to_string(),
            account_id: form.account_id.to_string(),
            password: form.password.clone(),
            agreed_to_terms: true,
        };
        // The offline password check is hashed while the server answers: argon2 takes as long
        // as the round trip, and a refused login only wastes the hash.
        let (answer, hash) = tokio::join!(
            self.client.login(&request),
            password::hash(form.password.clone())
        );
        let response = answer?;
        self.remember(
            &response.profile,
            &hash?,
            &response.token,
            response.expires_at,
        )
        .await?;
        *self.current.write().await = Some(Current {
            profile: response.profile.clone(),
            token: Some(response.token),
        });
        Ok(Session {
            profile: response.profile,
            online: true,
        })
    }

    /// Forgets the session here and at the server (if reachable). The cache and the offline
    /// password check stay, so the same account can log in again without a network.
    pub async fn logout(&self) -> Result<()> {
        let token = self.session_token().await.ok();
        self.secrets.forget_session()?;
        sqlx::query!("UPDATE account SET session_expires_at = NULL")
            .execute(self.store.pool())
            .await?;
        *self.current.write().await = None;
        if let Some(token) = token {
            // The server expires the session on its own if this cannot reach it.
            if let Err(e) = self.client.logout(&token).await {
                tracing::info!(error = %e, "server-side logout skipped");
            }
        }
        Ok(())
    }

    /// Stores the account and its venues in one transaction, then the password hash and the new
    /// session token in the secrets file. A different account than last time starts from an
    /// empty cache.
    async fn remember(
        &self,
        profile: &AccountProfile,
        password_hash: &str,
        token: &str,
        expires_at: chrono::DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let previous = sqlx::query!("SELECT municipality_code, account_id FROM account")
            .fetch_optional(&mut *tx)
            .await?;
        let same_account = previous.as_ref().is_some_and(|p| {
            p.municipality_code == profile.municipality_code.to_string()
                && p.account_id == profile.account_id
        });
        if !same_account {
            if let Some(previous) = &previous {
                let pending = sqlx::query_scalar!(
                    r#"SELECT (SELECT count(*) FROM outbox WHERE state IN ('pending', 'rejected'))
                          + (SELECT count(*) FROM details_conflicts WHERE resolved_at IS NULL)
                          + (SELECT count(*) FROM slot_report_outbox)
                              AS "pending!: i64""#
                )
                .fetch_one(&mut *tx)
                .await?;
                if pending > 0 {
                    return Err(ClinicError::OtherAccountsWorkUnsent {
                        account: previous.account_id.clone(),
                        pending,
                    });
                }
            }
            // The cache is the previous clinic's: start empty, as a new device to the server,
            // which binds a device to one account.
            sqlx::query!(
                "DELETE FROM details_conflicts;
                 DELETE FROM bookings_elsewhere;
                 DELETE FROM leases;
                 DELETE FROM lease_requests;
                 DELETE FROM bookings;
                 DELETE FROM residents;
                 DELETE FROM slots;
                 DELETE FROM venues;
                 DELETE FROM vaccines;
                 DELETE FROM periods;
                 DELETE FROM slot_report_periods;"
            )
            .execute(&mut *tx)
            .await?;
            let device_id = uuid::Uuid::new_v4().to_string();
            sqlx::query!(
                "UPDATE sync_state SET last_success_at = NULL, device_id = ?, next_seq = 1,
                     cursor = NULL, last_settled_seq = 0, snapshot_at = NULL",
                device_id,
            )
            .execute(&mut *tx)
            .await?;
        }
        let municipality_code = profile.municipality_code.to_string();
        let role = profile.role.as_str();
        let logged_in_at = Utc::now();
        sqlx::query!(
            "INSERT INTO account (singleton, municipality_code, municipality_name, account_id,
                 display_name, role, session_expires_at, logged_in_at)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (singleton) DO UPDATE SET
                 municipality_code = excluded.municipality_code,
                 municipality_name = excluded.municipality_name,
                 account_id = excluded.account_id,
                 display_name = excluded.display_name,
                 role = excluded.role,
                 session_expires_at = excluded.session_expires_at,
                 logged_in_at = excluded.logged_in_at",
            municipality_code,
            profile.municipality_name,
            profile.account_id,
            profile.display_name,
            role,
            expires_at,
            logged_in_at,
        )
        .execute(&mut *tx)
        .await?;
        for venue in &profile.venues {
            let id = venue.id.to_string();
            sqlx::query!(
                "INSERT INTO venues (id, venue_number, name) VALUES (?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET venue_number = excluded.venue_number,
                                                name = excluded.name",
                id,
                venue.venue_number,
                venue.name,
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.secrets.write(&AccountSecrets {
            municipality_code: profile.municipality_code.to_string(),
            account_id: profile.account_id.clone(),
            password_hash: password_hash.to_owned(),
            session_token: self.device.seal(token),
        })
    }

    async fn login_offline(&self, form: &ParsedForm) -> Result<AccountProfile> {
        let row = sqlx::query_as!(
            CachedAccount,
            "SELECT municipality_code, municipality_name, account_id, display_name, role
             FROM account"
        )
        .fetch_optional(self.store.pool())
        .await?;
        let Some(row) = row else {
            return Err(ClinicError::NoCachedLogin);
        };
        if row.municipality_code != form.municipality_code.to_string()
            || row.account_id != form.account_id.as_str()
        {
            return Err(ClinicError::NoCachedLogin);
        }
        let Some(kept) = self
            .secrets
            .read_for(&row.municipality_code, &row.account_id)?
        else {
            return Err(ClinicError::NoCachedLogin);
        };
        if !password::verify(form.password.clone(), kept.password_hash).await? {
            return Err(ClinicError::InvalidCredentials);
        }
        let venues = sqlx::query!(
            r#"SELECT id, venue_number AS "venue_number: i32", name FROM venues
               ORDER BY venue_number"#
        )
        .fetch_all(self.store.pool())
        .await?;
        let venues = venues
            .into_iter()
            .map(|v| {
                Ok(VenueInfo {
                    id: v
                        .id
                        .parse()
                        .map_err(|e| ClinicError::Internal(format!("venue id: {e}")))?,
                    venue_number: v.venue_number,
                    name: v.name,
                })
            })
            .collect::<Result<_>>()?;
        Ok(AccountProfile {
            municipality_code: form.municipality_code,
            municipality_name: row.municipality_name,
            account_id: row.account_id,
            display_name: row.display_name,
            role: Role::parse(&row.role).ok_or_else(|| {
                ClinicError::Internal(format!("unknown role {:?} in the cache", row.role))
            })?,
            venues,
        })
    }
}

struct CachedAccount {
    municipality_code: String,
    municipality_name: String,
    account_id: String,
    display_name: String,
    role: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> LoginForm {
        LoginForm {
            municipality_code: "431001".into(),
            account_id: "clinic-a".into(),
            password: "secret".into(),
            agreed_to_terms: true,
        }
    }

    fn code(r: Result<ParsedForm>) -> Code {
        match r {
            Err(ClinicError::Invalid { code, .. }) => code,
            Err(other) => panic!("unexpected {other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn a_complete_form_parses() {
        let parsed = parse(form()).unwrap();
        assert_eq!(parsed.municipality_code.to_string(), "431001");
        assert_eq!(parsed.account_id.as_str(), "clinic-a");
    }

    #[test]
    fn each_missing_or_bad_field_has_its_own_code() {
        let bad_code = LoginForm {
            municipality_code: "431002".into(),
            ..form()
        };
        assert_eq!(code(parse(bad_code)), Code::MunicipalityCodeCheckDigit);
        let bad_id = LoginForm {
            account_id: "".into(),
            ..form()
        };
        assert_eq!(code(parse(bad_id)), Code::AccountIdFormat);
        let no_password = LoginForm {
            password: "".into(),
            ..form()
        };
        assert_eq!(code(parse(no_password)), Code::AuthPasswordRequired);
        let no_terms = LoginForm {
            agreed_to_terms: false,
            ..form()
        };
        assert_eq!(code(parse(no_terms)), Code::AuthTermsNotAgreed);
    }
}
