//! Random credentials, their stored digests, and constant-time comparison.

use rand::RngCore;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Prefix of every API token and session credential this crate issues.
pub const TOKEN_PREFIX: &str = "pal_";

/// `n` random bytes from the operating system, as lowercase hex.
pub fn random_hex(n: usize) -> Zeroizing<String> {
    let mut bytes = Zeroizing::new(vec![0u8; n]);
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Zeroizing::new(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A fresh credential: an id (64 bits, stored in clear to find the row) and the full text
/// handed to the holder once: `pal_<id>_<256-bit secret>`.
pub fn new_credential() -> (String, Zeroizing<String>) {
    let id = random_hex(8).to_string();
    let text = Zeroizing::new(format!("{TOKEN_PREFIX}{id}_{}", *random_hex(32)));
    (id, text)
}

/// The id part of a presented credential; `None` when it is not in this crate's format.
pub fn credential_id(text: &str) -> Option<&str> {
    let rest = text.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let ok = id.len() == 16 && secret.len() == 64;
    ok.then_some(id)
}

/// The SHA-256 digest stored for a credential (tokens hold 256 random bits, so a fast hash
/// is enough; passwords use Argon2id instead).
pub fn digest(text: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .to_vec()
}

/// Whether `presented` hashes to `stored`, compared in constant time.
pub fn digest_matches(presented: &str, stored: &[u8]) -> bool {
    digest(presented).ct_eq(stored).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_unique_and_parse_back() {
        let (id, text) = new_credential();
        assert_eq!(credential_id(&text), Some(id.as_str()));
        assert_eq!(text.len(), 4 + 16 + 1 + 64);
        assert_ne!(*new_credential().1, *text);
        assert!(digest_matches(&text, &digest(&text)));
        assert!(!digest_matches("pal_x", &digest(&text)));
        assert_eq!(credential_id("pal_short_x"), None);
        assert_eq!(credential_id("0123456789abcdef"), None);
    }
}
