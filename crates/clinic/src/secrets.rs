//! The account's secrets — the password hash that checks an offline login, and the session token
//! (sealed to this computer) — kept out of the cache database. The window reads the cache through
//! tauri-plugin-sql, which opens any SQLite file it is given: the secrets are a JSON file beside
//! the cache instead, which no plugin of the window reads and SQLite refuses to open.
//!
//! The file is replaced whole (written aside, synced, renamed), so a crash leaves the old secrets
//! or the new ones, never half of either.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ClinicError, Result};

pub const SECRETS_FILE: &str = "account-secrets.json";

/// What the account's login left that only the engine may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AccountSecrets {
    /// Whose secrets they are: a login of another account never reads them.
    pub municipality_code: String,
    pub account_id: String,
    /// Argon2 hash of the password, for logging in offline.
    pub password_hash: String,
    /// The session token, sealed to this computer (`DeviceKey::seal`); none after a logout or
    /// where no machine key exists.
    pub session_token: Option<String>,
}

/// The secrets file of a cache directory.
#[derive(Debug, Clone)]
pub(crate) struct SecretsFile {
    path: PathBuf,
}

impl SecretsFile {
    pub fn in_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(SECRETS_FILE),
        }
    }

    pub fn read(&self) -> Result<Option<AccountSecrets>> {
        match fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| self.broken(e.to_string())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.broken(e.to_string())),
        }
    }

    /// The secrets of `municipality_code`/`account_id`, if they are the ones kept.
    pub fn read_for(
        &self,
        municipality_code: &str,
        account_id: &str,
    ) -> Result<Option<AccountSecrets>> {
        Ok(self
            .read()?
            .filter(|s| s.municipality_code == municipality_code && s.account_id == account_id))
    }

    pub fn write(&self, secrets: &AccountSecrets) -> Result<()> {
        let bytes = serde_json::to_vec(secrets).map_err(|e| self.broken(e.to_string()))?;
        self.replace(&bytes).map_err(|e| self.broken(e.to_string()))
    }

    /// Forgets the session token, keeping the offline password check.
    pub fn forget_session(&self) -> Result<()> {
        match self.read()? {
            Some(secrets) if secrets.session_token.is_some() => self.write(&AccountSecrets {
                session_token: None,
                ..secrets
            }),
            _ => Ok(()),
        }
    }

    fn replace(&self, bytes: &[u8]) -> io::Result<()> {
        let aside = self.path.with_extension("json.new");
        let mut file = owner_only(&aside)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&aside, &self.path)?;
        // The rename itself is durable once the directory is synced (where the platform can).
        if let Some(dir) = self.path.parent() {
            if let Ok(dir) = fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }

    fn broken(&self, why: String) -> ClinicError {
        ClinicError::Internal(format!("{}: {why}", self.path.display()))
    }
}

/// A new file only this user may read, where the platform says so.
fn owner_only(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(token: Option<&str>) -> AccountSecrets {
        AccountSecrets {
            municipality_code: "431001".into(),
            account_id: "clinic-a".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            session_token: token.map(str::to_owned),
        }
    }

    #[test]
    fn secrets_are_kept_for_their_account_and_the_session_is_forgotten_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = SecretsFile::in_dir(dir.path());
        assert_eq!(file.read().unwrap(), None);
        file.write(&secrets(Some("v1:sealed"))).unwrap();
        assert_eq!(
            file.read_for("431001", "clinic-a").unwrap(),
            Some(secrets(Some("v1:sealed")))
        );
        assert_eq!(file.read_for("431001", "clinic-e").unwrap(), None);
        file.forget_session().unwrap();
        assert_eq!(file.read().unwrap(), Some(secrets(None)));
        assert!(!dir.path().join("account-secrets.json.new").exists());
    }

    #[cfg(unix)]
    #[test]
    fn only_the_user_may_read_the_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = SecretsFile::in_dir(dir.path());
        file.write(&secrets(None)).unwrap();
        let mode = fs::metadata(dir.path().join(SECRETS_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0);
    }
}
