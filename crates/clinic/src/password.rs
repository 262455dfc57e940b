//! The local copy of the password check that lets the last user open the app offline.
//! argon2id, run off the async runtime because it is deliberately slow.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::rngs::OsRng;

use crate::error::{ClinicError, Result};

pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ClinicError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| ClinicError::Internal(e.to_string()))?
}

pub async fn verify(password: String, phc: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed =
            PasswordHash::new(&phc).map_err(|e| ClinicError::Internal(format!("argon2: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| ClinicError::Internal(e.to_string()))?
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn verifies_the_right_password_only() {
        let phc = super::hash("demo-clinic-a".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(
            super::verify("demo-clinic-a".into(), phc.clone())
                .await
                .unwrap()
        );
        assert!(!super::verify("demo-clinic-b".into(), phc).await.unwrap());
    }
}
