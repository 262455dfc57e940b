//! Updates of the app from the city's signed feed (tauri-plugin-updater): the feed is
//! `<server>/app/updates/latest.json`, which the city server hosts. The app checks it at start
//! and daily, downloads a newer version in the background and verifies it against the public key
//! built into the app; a download whose signature is not that key's is discarded. It installs
//! only when the receptionist asks and nothing on this computer is unsent or refused (otherwise it
//! says so and waits): a reception desk is never restarted in the middle of a call, and a new
//! version never has to send what the old one wrote.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tauri::{AppHandle, Emitter};
use tauri_plugin_updater::{Error as UpdaterError, Update, Updater, UpdaterExt};
use tokio::sync::{Mutex, watch};
use yoyaku_clinic::{Clinic, ErrorInfo, UnsentWork};
use yoyaku_core::Code;

use crate::error::{CommandError, CommandResult};

/// The event carrying every change of [`UpdateStatus`].
pub const UPDATE_STATUS_EVENT: &str = "update-status";
/// Where the city server serves the feed, under its URL.
const FEED_PATH: &str = "/app/updates/latest.json";
const CHECK_EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// A feed that does not answer within this is tried again at the next check.
const FEED_TIMEOUT: Duration = Duration::from_secs(30);
/// A download that has not finished within this (a connection that hangs after a network
/// change, say) is given up and tried again at the next check.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Where the app's updates stand, as the window shows them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UpdateStatus {
    /// Not checked since the app started.
    #[default]
    NotChecked,
    Checking,
    /// The feed has nothing newer than the running version.
    UpToDate {
        checked_at: DateTime<Utc>,
    },
    /// The feed could not be read (offline, say): the next check tries again.
    CheckFailed {
        checked_at: DateTime<Utc>,
        error: ErrorInfo,
    },
    Downloading {
        version: String,
        /// Whole percent received, when the server said the size.
        percent: Option<u8>,
    },
    /// Downloaded and verified; installed when nothing is unsent and the receptionist asks.
    Ready {
        version: String,
        notes: Option<String>,
        unsent: UnsentWork,
    },
    /// The download's signature is not the city's: it was discarded and is never installed.
    Refused {
        version: String,
        error: ErrorInfo,
    },
    /// Being installed: the app restarts into it once done.
    Installing {
        version: String,
    },
}

/// The running version and where its updates stand.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UpdateView {
    pub current_version: String,
    pub status: UpdateStatus,
}

/// The app's updater: one per window, started once the engine has opened.
pub struct Updates {
    app: AppHandle,
    clinic: Arc<Clinic>,
    status: watch::Sender<UpdateStatus>,
    /// The verified download, kept for the install.
    downloaded: Mutex<Option<(Update, Vec<u8>)>>,
    /// One check or install at a time.
    busy: Mutex<()>,
}

impl Updates {
    /// Starts the checks (now, then daily) and forwards every change of the status to the window.
    pub fn start(app: AppHandle, clinic: Arc<Clinic>) -> Arc<Self> {
        let updates = Arc::new(Self {
            app: app.clone(),
            clinic: clinic.clone(),
            status: watch::Sender::new(UpdateStatus::NotChecked),
            downloaded: Mutex::new(None),
            busy: Mutex::new(()),
        });
        let mut changes = updates.status.subscribe();
        tauri::async_runtime::spawn(async move {
            while changes.changed().await.is_ok() {
                let status = changes.borrow_and_update().clone();
                if let Err(e) = app.emit(UPDATE_STATUS_EVENT, status) {
                    tracing::warn!(error = %e, "could not send the update status to the window");
                }
            }
        });
        let daily = updates.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                daily.check().await;
                tokio::time::sleep(CHECK_EVERY).await;
            }
        });
        // What is unsent changes with every sync: a waiting update shows the count as it falls.
        let waiting = updates.clone();
        let mut sync = clinic.subscribe();
        tauri::async_runtime::spawn(async move {
            while sync.changed().await.is_ok() {
                waiting.refresh_unsent().await;
            }
        });
        updates
    }

    pub fn view(&self) -> UpdateView {
        UpdateView {
            current_version: self.app.package_info().version.to_string(),
            status: self.status.borrow().clone(),
        }
    }

    /// Checks the feed and downloads what is newer. A version already downloaded, or being
    /// installed, is kept rather than checked again.
    pub async fn check(&self) -> UpdateView {
        let _one = self.busy.lock().await;
        let keep = matches!(
            *self.status.borrow(),
            UpdateStatus::Ready { .. } | UpdateStatus::Installing { .. }
        );
        if !keep {
            self.status.send_replace(UpdateStatus::Checking);
            let status = self.check_and_download().await;
            self.status.send_replace(status);
        }
        self.view()
    }

    async fn check_and_download(&self) -> UpdateStatus {
        let failed = |error| UpdateStatus::CheckFailed {
            checked_at: Utc::now(),
            error,
        };
        let update = match self.updater() {
            Ok(updater) => match updater.check().await {
                Ok(Some(update)) => update,
                Ok(None) => {
                    return UpdateStatus::UpToDate {
                        checked_at: Utc::now(),
                    };
                }
                Err(e) => return failed(feed_error(&e)),
            },
            Err(e) => return failed(feed_error(&e)),
        };
        let version = update.version.clone();
        tracing::info!(%version, "downloading an update");
        let mut received = 0u64;
        let status = &self.status;
        let download = update.download(
            |chunk, total| {
                received += chunk as u64;
                let percent = total
                    .filter(|t| *t > 0)
                    .map(|t| u8::try_from(received.min(t) * 100 / t).unwrap_or(100));
                status.send_if_modified(|s| {
                    let next = UpdateStatus::Downloading {
                        version: version.clone(),
                        percent,
                    };
                    let changed = *s != next;
                    *s = next;
                    changed
                });
            },
            || {},
        );
        let Ok(downloaded) = tokio::time::timeout(DOWNLOAD_TIMEOUT, download).await else {
            return failed(info(
                Code::AppUpdate,
                &format!(
                    "バージョン {version} のダウンロードが終わりませんでした。次の確認で再試行します。"
                ),
                &format!(
                    "The download of version {version} did not finish. The next check tries again."
                ),
            ));
        };
        match downloaded {
            Ok(bytes) => {
                let notes = update.body.clone();
                *self.downloaded.lock().await = Some((update, bytes));
                UpdateStatus::Ready {
                    version,
                    notes,
                    unsent: self.unsent().await,
                }
            }
            Err(e) if is_signature(&e) => {
                tracing::warn!(%version, error = %e, "an update's signature was refused");
                UpdateStatus::Refused {
                    error: signature_refused(&version),
                    version,
                }
            }
            Err(e) => failed(feed_error(&e)),
        }
    }

    /// Installs the downloaded version, only when nothing is unsent. The caller restarts the app.
    pub async fn install(&self) -> CommandResult<()> {
        let _one = self.busy.lock().await;
        let downloaded = self.downloaded.lock().await;
        let Some((update, bytes)) = downloaded.as_ref() else {
            return Err(update_error(
                "インストールできる更新はありません。「更新を確認」を押してください。",
                "There is no downloaded update to install. Press Check for updates.",
            ));
        };
        let unsent = self.clinic.unsent_work().await?;
        if !unsent.is_empty() {
            self.status.send_modify(|s| {
                if let UpdateStatus::Ready { unsent: u, .. } = s {
                    *u = unsent;
                }
            });
            return Err(CommandError::from_info(unsent_error(unsent)));
        }
        let version = update.version.clone();
        self.status.send_replace(UpdateStatus::Installing {
            version: version.clone(),
        });
        // The platform's installer runs outside the async runtime: dpkg through pkexec, say.
        let result = tokio::task::block_in_place(|| update.install(bytes));
        match result {
            Ok(()) => {
                tracing::info!(%version, "update installed");
                Ok(())
            }
            Err(e) => {
                tracing::warn!(%version, error = %e, "the update could not be installed");
                self.status.send_replace(UpdateStatus::Ready {
                    version,
                    notes: update.body.clone(),
                    unsent,
                });
                Err(update_error(
                    &format!("更新をインストールできませんでした（{e}）。もう一度お試しください。"),
                    &format!("The update could not be installed ({e}). Please try again."),
                ))
            }
        }
    }

    async fn unsent(&self) -> UnsentWork {
        self.clinic.unsent_work().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not count the unsent work");
            UnsentWork::default()
        })
    }

    async fn refresh_unsent(&self) {
        if !matches!(*self.status.borrow(), UpdateStatus::Ready { .. }) {
            return;
        }
        let unsent = self.unsent().await;
        self.status.send_if_modified(|s| match s {
            UpdateStatus::Ready { unsent: u, .. } if *u != unsent => {
                *u = unsent;
                true
            }
            _ => false,
        });
    }

    /// The updater for the server the app is set to, with the key built into the app (a debug
    /// build takes another from `YOYAKU_UPDATE_PUBKEY`, for the tests' own feed).
    fn updater(&self) -> Result<Updater, UpdaterError> {
        let feed = url::Url::parse(&format!("{}{FEED_PATH}", self.clinic.settings().server_url))?;
        let builder = self
            .app
            .updater_builder()
            .endpoints(vec![feed])?
            .timeout(FEED_TIMEOUT);
        #[cfg(debug_assertions)]
        let builder = match std::env::var("YOYAKU_UPDATE_PUBKEY") {
            Ok(key) if !key.is_empty() => builder.pubkey(key),
            _ => builder,
        };
        builder.build()
    }
}

fn is_signature(e: &UpdaterError) -> bool {
    matches!(
        e,
        UpdaterError::Minisign(_)
            | UpdaterError::Base64(_)
            | UpdaterError::SignatureUtf8(_)
            | UpdaterError::SignedVersionMismatch { .. }
            | UpdaterError::MissingSignedVersion
    )
}

fn info(code: Code, ja: &str, en: &str) -> ErrorInfo {
    ErrorInfo {
        code,
        message_ja: ja.into(),
        message_en: en.into(),
        fields: Vec::new(),
        way_out: None,
    }
}

fn update_error(ja: &str, en: &str) -> CommandError {
    CommandError::from_info(info(Code::AppUpdate, ja, en))
}

fn feed_error(e: &UpdaterError) -> ErrorInfo {
    info(
        Code::AppUpdate,
        &format!("更新を確認できませんでした（{e}）。次の確認で再試行します。"),
        &format!("Could not check for updates ({e}). The next check tries again."),
    )
}

fn signature_refused(version: &str) -> ErrorInfo {
    info(
        Code::AppUpdateSignature,
        &format!(
            "バージョン {version} の更新ファイルは署名が正しくないため、インストールしません。市の担当者に連絡してください。"
        ),
        &format!(
            "The update file of version {version} is not signed by the city's key, so it will not be installed. Contact the city."
        ),
    )
}

fn unsent_error(unsent: UnsentWork) -> ErrorInfo {
    info(
        Code::AppUpdateUnsent,
        &format!(
            "未送信の操作が{}件、同期の問題が{}件、未送信の予約枠報告が{}件あるため、更新を待っています。送信し、同期の問題を解決してから更新してください。",
            unsent.intents, unsent.problems, unsent.reports
        ),
        &format!(
            "The update waits: {} changes are not sent, {} sync problems are open and {} slot reports are not sent. Update once they are sent and resolved.",
            unsent.intents, unsent.problems, unsent.reports
        ),
    )
}
