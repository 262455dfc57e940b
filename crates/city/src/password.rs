//! Account passwords, stored as argon2id PHC strings with the crate's default parameters.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The characters a new password may have. NIST SP 800-63B: at least 8; the upper bound keeps
/// hashing cheap to refuse.
pub(crate) const LENGTH: std::ops::RangeInclusive<usize> = 8..=128;

/// Checked when the account does not exist, so that an unknown account takes as long to refuse
/// as a wrong password and response times do not reveal which account IDs exist. The hash of a
/// random password nobody knows, made with the default parameters like every stored hash.
pub(crate) const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$4eVMcUkmLKQk7jo5lwNzWg$HD+Y4/cqsevmlTSAkwJ0v2lAvqijrcadT+HlctKgBa4";

/// Slow on purpose (tens of milliseconds): call it from a blocking thread.
pub(crate) fn hash(password: &str) -> Result<String, password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches `phc`; an error only when `phc` is not a usable hash.
/// Slow on purpose: call it from a blocking thread.
pub(crate) fn verify(password: &str, phc: &str) -> Result<bool, password_hash::Error> {
    let parsed = PasswordHash::new(phc)?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::Password) => Ok(false),
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash("demo-clinic-a").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert_eq!(verify("demo-clinic-a", &phc), Ok(true));
        assert_eq!(verify("demo-clinic-b", &phc), Ok(false));
        assert_eq!(verify("", &phc), Ok(false));
    }

    #[test]
    fn the_same_password_gets_a_new_salt_each_time() {
        assert_ne!(hash("same").unwrap(), hash("same").unwrap());
    }

    #[test]
    fn a_malformed_stored_hash_is_an_error_not_a_mismatch() {
        assert!(verify("anything", "not a phc string").is_err());
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does_and_matches_no_ordinary_password() {
        let params = |phc: &str| phc.rsplitn(3, '$').last().unwrap().to_owned();
        assert_eq!(params(DUMMY_HASH), params(&hash("x").unwrap()));
        assert_eq!(verify("", DUMMY_HASH), Ok(false));
        assert_eq!(verify("demo-clinic-a", DUMMY_HASH), Ok(false));
    }
}
