//! The engine object the app holds for its whole life.

use std::path::Path;
use std::sync::Arc;

use sqlx::{Sqlite, Transaction};
use tokio::sync::{Mutex, Notify, RwLock, watch};
use yoyaku_core::wire::AccountProfile;

use crate::city_client::CityClient;
use crate::error::{ClinicError, Result};
use crate::outbox;
use crate::sealed_token::DeviceKey;
use crate::secrets::{AccountSecrets, SecretsFile};
use crate::settings::Settings;
use crate::store::Store;
use crate::sync_status::{ErrorInfo, Schedule, SyncStatus};

/// Who is logged in right now, in memory only.
#[derive(Debug, Clone)]
pub(crate) struct Current {
    pub profile: AccountProfile,
    /// The session token of an online login; after an offline login, the one stored sealed.
    pub token: Option<String>,
}

pub struct Clinic {
    pub(crate) store: Store,
    /// Seals the session token the secrets file keeps (sealed_token).
    pub(crate) device: DeviceKey,
    /// The password hash and the session token, out of the cache the window reads.
    pub(crate) secrets: SecretsFile,
    pub(crate) client: CityClient,
    settings: Settings,
    pub(crate) current: RwLock<Option<Current>>,
    status: watch::Sender<SyncStatus>,
    /// Serialises sync rounds: the timer and the 今すぐ同期 button never pull at once.
    pub(crate) sync_lock: Mutex<()>,
    wake: Notify,
}

impl Clinic {
    /// Opens the cache in `data_dir` for the city server named in `settings`, on this computer.
    pub async fn open(data_dir: &Path, settings: Settings) -> Result<Arc<Self>> {
        Self::open_on(data_dir, settings, DeviceKey::of_this_machine()).await
    }

    /// As [`Self::open`], with the key of the computer the cache is on: another computer's
    /// opens no session token the cache holds.
    pub async fn open_on(
        data_dir: &Path,
        settings: Settings,
        device: DeviceKey,
    ) -> Result<Arc<Self>> {
        let store = Store::open(data_dir).await?;
        let secrets = SecretsFile::in_dir(data_dir);
        seal_a_plain_token(&secrets, &device)?;
        let client = CityClient::new(&settings.server_url)?;
        let last_success_at = sqlx::query_scalar!(
            r#"SELECT last_success_at AS "last_success_at: chrono::DateTime<chrono::Utc>"
               FROM sync_state"#
        )
        .fetch_one(store.pool())
        .await?;
        let (pending, problems) = outbox::counts(&mut *store.pool().acquire().await?).await?;
        let (status, _) = watch::channel(SyncStatus {
            online: false,
            last_success_at,
            last_error: None,
            pending,
            problems,
        });
        Ok(Arc::new(Self {
            store,
            device,
            secrets,
            client,
            settings,
            current: RwLock::new(None),
            status,
            sync_lock: Mutex::new(()),
            wake: Notify::new(),
        }))
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// Every change of the sync status, for the UI's indicator.
    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    pub async fn profile(&self) -> Option<AccountProfile> {
        self.current
            .read()
            .await
            .as_ref()
            .map(|c| c.profile.clone())
    }

    pub(crate) async fn require_login(&self) -> Result<Current> {
        self.current
            .read()
            .await
            .clone()
            .ok_or(ClinicError::NotLoggedIn)
    }

    /// The session token of the logged-in account, for calls to the city server: the online
    /// login's, or the one the secrets file keeps sealed for this computer.
    pub(crate) async fn session_token(&self) -> Result<String> {
        let current = self.require_login().await?;
        if let Some(token) = current.token {
            return Ok(token);
        }
        let profile = &current.profile;
        self.secrets
            .read_for(&profile.municipality_code.to_string(), &profile.account_id)?
            .and_then(|kept| kept.session_token)
            .and_then(|sealed| self.device.open(&sealed))
            .ok_or(ClinicError::LogInAgainOnline)
    }

    /// Records the outcome of a round trip to the server in the status.
    pub(crate) fn record<T>(&self, outcome: &Result<T>) {
        self.status.send_modify(|s| match outcome {
            Ok(_) => {
                s.online = true;
                s.last_error = None;
            }
            Err(e) => {
                // Any answer from the server, even a refusal, means it is reachable; a local
                // failure (not logged in, say) tells nothing about the network.
                match e {
                    ClinicError::Unreachable(_) => s.online = false,
                    ClinicError::Rejected(_)
                    | ClinicError::Protocol(_)
                    | ClinicError::SessionExpired => s.online = true,
                    _ => {}
                }
                s.last_error = Some(ErrorInfo::from(e));
            }
        });
    }

    /// Recounts the outbox for the indicator, after every sync round.
    pub(crate) async fn refresh_counts(&self) -> Result<()> {
        let mut db = self.store.pool().acquire().await?;
        let (pending, problems) = outbox::counts(&mut db).await?;
        self.show_counts(pending, problems);
        Ok(())
    }

    fn show_counts(&self, pending: u64, problems: u64) {
        self.status.send_if_modified(|s| {
            let changed = s.pending != pending || s.problems != problems;
            s.pending = pending;
            s.problems = problems;
            changed
        });
    }

    pub(crate) fn record_success_at(&self, at: chrono::DateTime<chrono::Utc>) {
        self.status.send_modify(|s| s.last_success_at = Some(at));
    }

    /// Commits a use case's write transaction, then shows the new outbox counts and asks the
    /// background loop to push now rather than at its next tick. The counts are read inside the
    /// transaction: on its own connection, not a second trip through the pool.
    pub(crate) async fn commit(&self, mut tx: Transaction<'static, Sqlite>) -> Result<()> {
        let (pending, problems) = outbox::counts(&mut tx).await?;
        tx.commit().await?;
        self.show_counts(pending, problems);
        self.wake_sync();
        Ok(())
    }

    /// Asks the background loop to sync now rather than at its next tick.
    pub fn wake_sync(&self) {
        self.wake.notify_one();
    }

    /// Syncs while logged in: on a timer, on [`Self::wake_sync`], and with backoff while the
    /// server cannot be reached. Runs until the task is dropped.
    pub async fn run_sync_loop(self: Arc<Self>, schedule: Schedule) {
        let mut failures = 0u32;
        loop {
            if self.current.read().await.is_some() {
                let status = self.sync_now().await;
                failures = if status.online && status.last_error.is_none() {
                    0
                } else {
                    failures.saturating_add(1)
                };
            }
            let wait = schedule.next_wait(failures, rand::random::<f64>());
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
            }
        }
    }
}

/// A cache of an earlier release kept its session token in plain text: sealed now.
fn seal_a_plain_token(secrets: &SecretsFile, device: &DeviceKey) -> Result<()> {
    let Some(kept) = secrets.read()? else {
        return Ok(());
    };
    let Some(plain) = kept
        .session_token
        .as_ref()
        .filter(|t| !t.starts_with("v1:"))
    else {
        return Ok(());
    };
    secrets.write(&AccountSecrets {
        session_token: device.seal(plain),
        ..kept
    })
}
