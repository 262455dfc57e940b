//! The session token at rest, bound to this computer: encrypted (XChaCha20-Poly1305) under a key
//! derived from the operating system's machine id, which is not in the cache. A copy of the cache
//! file taken elsewhere holds no usable token; the receptionist logs in again there.
//!
//! Where the machine id cannot be read, the token is not stored at all: it lives for the session
//! in memory, and a restart asks for the password again (while offline, the cached password check
//! still opens the cache).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a sealed token starts with, for the format to change one day.
const VERSION: &str = "v1:";
const NONCE_LEN: usize = 24;

/// The key of this computer's sealed tokens.
#[derive(Clone)]
pub struct DeviceKey(Option<[u8; 32]>);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Some(_) => "DeviceKey(..)",
            None => "DeviceKey(none)",
        })
    }
}

impl DeviceKey {
    /// The key of the computer this runs on.
    pub fn of_this_machine() -> Self {
        match machine_uid::get() {
            Ok(id) if !id.trim().is_empty() => Self::from_machine_id(&id),
            Ok(_) | Err(_) => {
                tracing::warn!("no machine id: the session token will not be kept on disk");
                Self(None)
            }
        }
    }

    /// The key of a computer with this machine id.
    pub fn from_machine_id(machine_id: &str) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(machine_id.trim().as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(b"yoyaku-clinic session token v1");
        Self(Some(mac.finalize().into_bytes().into()))
    }

    /// The token as stored, or `None` when it cannot be stored here.
    pub(crate) fn seal(&self, token: &str) -> Option<String> {
        let cipher = XChaCha20Poly1305::new(&self.0?.into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher.encrypt(&nonce, token.as_bytes()).ok()?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Some(format!("{VERSION}{}", STANDARD.encode(bytes)))
    }

    /// The token a [`Self::seal`] of this computer stored; `None` for one sealed elsewhere, an
    /// unsealed one, or anything else.
    pub(crate) fn open(&self, stored: &str) -> Option<String> {
        let cipher = XChaCha20Poly1305::new(&self.0?.into());
        let bytes = STANDARD.decode(stored.strip_prefix(VERSION)?).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let token = cipher.decrypt(XNonce::from_slice(nonce), sealed).ok()?;
        String::from_utf8(token).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_on_its_computer_only() {
        let here = DeviceKey::from_machine_id("4c1f0e3c9d2b4a6f8e7d6c5b4a392817");
        let there = DeviceKey::from_machine_id("0123456789abcdef0123456789abcdef");
        let sealed = here.seal("s3cr3t-session").unwrap();
        assert!(!sealed.contains("s3cr3t"));
        assert_eq!(here.open(&sealed).as_deref(), Some("s3cr3t-session"));
        assert_eq!(there.open(&sealed), None);
        // A fresh nonce each time: the same token never looks the same twice.
        assert_ne!(here.seal("s3cr3t-session").unwrap(), sealed);
    }

    #[test]
    fn plain_or_damaged_tokens_do_not_open() {
        let here = DeviceKey::from_machine_id("4c1f0e3c9d2b4a6f8e7d6c5b4a392817");
        let sealed = here.seal("token").unwrap();
        let mut damaged = sealed.clone();
        damaged.pop();
        damaged.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        for stored in ["token", "v1:", "v1:AAAA", damaged.as_str()] {
            assert_eq!(here.open(stored), None, "{stored}");
        }
    }

    #[test]
    fn without_a_machine_id_nothing_is_stored() {
        let none = DeviceKey(None);
        assert_eq!(none.seal("token"), None);
        assert_eq!(none.open("v1:AAAA"), None);
    }
}
