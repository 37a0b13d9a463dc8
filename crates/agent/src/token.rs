//! Secrets of the form `<prefix>_<id>_<secret>`: the id finds the row, the secret is kept
//! only as its SHA-256 and compared in constant time.

use rand::RngCore;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A freshly made token: the id (stored in clear), the whole token (shown once) and the hash
/// of its secret (stored).
pub struct NewToken {
    /// Row id.
    pub id: String,
    /// The token to hand out.
    pub token: Zeroizing<String>,
    /// SHA-256 of the secret part.
    pub hash: Vec<u8>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_hex(len: usize) -> Zeroizing<String> {
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Zeroizing::new(hex(&bytes))
}

/// SHA-256 of a secret.
pub fn hash(secret: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, secret.as_bytes())
        .as_ref()
        .to_vec()
}

/// Makes a token with the given prefix (`pae` for enrolment, `paa` for agents).
pub fn generate(prefix: &str) -> NewToken {
    let id = random_hex(8).to_string();
    let secret = random_hex(32);
    NewToken {
        token: Zeroizing::new(format!("{prefix}_{id}_{}", secret.as_str())),
        hash: hash(&secret),
        id,
    }
}

/// Splits a presented token into its id and secret when it has the given prefix.
pub fn split<'a>(prefix: &str, token: &'a str) -> Option<(&'a str, &'a str)> {
    let rest = token.strip_prefix(prefix)?.strip_prefix('_')?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some((id, secret))
}

/// Whether `secret` hashes to `stored`, compared in constant time.
pub fn verify(secret: &str, stored: &[u8]) -> bool {
    hash(secret).ct_eq(stored).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_verify_and_others_do_not() {
        let t = generate("paa");
        let (id, secret) = split("paa", &t.token).unwrap();
        assert_eq!(id, t.id);
        assert!(verify(secret, &t.hash));
        assert!(!verify("wrong", &t.hash));
        assert!(split("pae", &t.token).is_none());
        assert!(split("paa", "paa_xyz_abc").is_none());
    }
}
