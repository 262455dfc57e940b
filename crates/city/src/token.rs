//! Session tokens: the municipality's code, a dot, and 32 random bytes in base64url without
//! padding, handed to the client once. The server keeps only their SHA-256, so a leaked sessions
//! table logs nobody in. The code says where the session is without a search of every
//! municipality's: on Citus, the one node holding that municipality's rows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use yoyaku_core::MunicipalityCode;

/// A new session token of `municipality`.
pub(crate) fn session(municipality: MunicipalityCode) -> String {
    format!("{}.{}", municipality.as_string(), generate())
}

/// The municipality a session token names; `None` for any other string, which then finds no
/// session.
pub(crate) fn municipality_of(token: &str) -> Option<MunicipalityCode> {
    let (code, _) = token.split_once('.')?;
    MunicipalityCode::parse(code).ok()
}

/// 32 random bytes in base64url without padding (a CSRF token, the random part of a session's).
pub(crate) fn generate() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The key of `sessions`. Any string hashes: a made-up token simply finds no session.
pub(crate) fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_differ() {
        let (a, b) = (generate(), generate());
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn a_session_token_names_its_municipality_and_nothing_else_does() {
        let kumamoto = MunicipalityCode::parse("431001").unwrap();
        let token = session(kumamoto);
        assert_eq!(token.len(), 6 + 1 + 43);
        assert!(token.starts_with("431001."));
        assert_eq!(municipality_of(&token), Some(kumamoto));
        assert_ne!(session(kumamoto), token);
        for other in ["", "431001", "431002.abc", "abc.def", &generate()] {
            assert_eq!(municipality_of(other), None, "{other}");
        }
    }

    #[test]
    fn the_hash_is_sha256_of_the_token_text() {
        // SHA-256("abc"), the FIPS 180-2 test vector.
        let expected = [
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
            0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
            0xf2, 0x00, 0x15, 0xad,
        ];
        assert_eq!(hash("abc"), expected);
        assert_eq!(hash("same"), hash("same"));
        assert_ne!(hash("a"), hash("b"));
    }
}
