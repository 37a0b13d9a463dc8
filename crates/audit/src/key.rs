//! The Ed25519 key that signs tree heads.
//!
//! The private key lives in `signing.key` (mode 0600), sealed through
//! [`palisade_core::Sealer`] (the key management service's job once it lands); the public key
//! is written beside it in `signing.pub` (hex) so verifiers need no secret. Keep a copy of the
//! public key elsewhere and pass it to `palisade audit verify --public-key` to pin it.

use crate::{error::AuditError, hex, merkle};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use palisade_core::{seal::KeyRef, Sealer};
use ring::{
    rand::SystemRandom,
    signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519},
};
use serde::{Deserialize, Serialize};
use std::{io::Write, path::Path};
use zeroize::Zeroizing;

/// File name of the sealed private key.
pub const PRIVATE_KEY_FILE: &str = "signing.key";
/// File name of the public key.
pub const PUBLIC_KEY_FILE: &str = "signing.pub";
/// The "tenant" the signing key is sealed for: the audit trail itself.
const SEAL_SCOPE: &str = "audit";
/// Binds the sealed bytes to their purpose.
const SEAL_AAD: &[u8] = b"palisade/audit/signing.key";

/// The sealed private key, as stored.
#[derive(Serialize, Deserialize)]
struct SealedKeyFile {
    format: String,
    seal_key_id: String,
    seal_key_version: u32,
    sealed_pkcs8: String,
}

impl Drop for SealedKeyFile {
    /// With the dev seal the "sealed" key is the key itself: wipe it.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.sealed_pkcs8);
    }
}

const KEY_FILE_FORMAT: &str = "palisade-audit-ed25519-v1";

/// Says loudly that the signing key is stored unsealed (no key service yet).
fn warn_if_unsealed(seal_key_id: &str, path: &Path) {
    if seal_key_id == palisade_core::seal::IDENTITY_KEY_ID {
        tracing::warn!(
            path = %path.display(),
            "the audit signing key is stored UNSEALED (dev seal, no key management service): \
             anyone who can read this file can forge tree heads; protect the data directory \
             and keep copies of tree-heads.ndjson and signing.pub elsewhere"
        );
    }
}

/// An Ed25519 public key that checks tree head signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// Reads a key from its hex form.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        hex::decode::<32>(text)
            .map(PublicKey)
            .ok_or_else(|| "an Ed25519 public key is 64 hex digits".to_owned())
    }

    /// Reads `signing.pub` from an audit directory.
    pub fn load(dir: &Path) -> Result<Self, AuditError> {
        let path = dir.join(PUBLIC_KEY_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| AuditError::io("read", &path, e))?;
        Self::from_hex(&text).map_err(|e| AuditError::Corrupt(format!("{}: {e}", path.display())))
    }

    /// The key in hex.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    /// A short identifier: the first 8 bytes of SHA-256(key), in hex.
    pub fn key_id(&self) -> String {
        hex::encode(&merkle::sha256_of(&self.0)[..8])
    }

    /// Whether `signature` is this key's signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(message, signature)
            .is_ok()
    }
}

/// The private signing key, in memory only while the trail is open.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    public: PublicKey,
}

impl SigningKey {
    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }

    /// The matching public key.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// Loads the key of an audit directory, creating one (and `signing.pub`) on first use.
    pub fn load_or_create(dir: &Path, sealer: &dyn Sealer) -> Result<Self, AuditError> {
        let path = dir.join(PRIVATE_KEY_FILE);
        if path.exists() {
            return Self::load(&path, sealer);
        }
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| AuditError::Corrupt("cannot generate an Ed25519 key".into()))?;
        let plain = Zeroizing::new(pkcs8.as_ref().to_vec());
        let key = Self::from_pkcs8(&plain)?;
        let (seal_key, sealed) = sealer
            .seal(SEAL_SCOPE, SEAL_AAD, plain.to_vec())
            .map_err(|e| AuditError::Corrupt(format!("cannot seal the audit signing key: {e}")))?;
        let sealed = Zeroizing::new(sealed);
        warn_if_unsealed(&seal_key.id, &path);
        let file = SealedKeyFile {
            format: KEY_FILE_FORMAT.into(),
            seal_key_id: seal_key.id,
            seal_key_version: seal_key.version,
            sealed_pkcs8: B64.encode(sealed.as_slice()),
        };
        let json = Zeroizing::new(serde_json::to_vec(&file).unwrap_or_default());
        write_new_private(&path, &json)?;
        let pub_path = dir.join(PUBLIC_KEY_FILE);
        std::fs::write(&pub_path, format!("{}\n", key.public.to_hex()))
            .map_err(|e| AuditError::io("write", &pub_path, e))?;
        Ok(key)
    }

    fn load(path: &Path, sealer: &dyn Sealer) -> Result<Self, AuditError> {
        let bytes =
            Zeroizing::new(std::fs::read(path).map_err(|e| AuditError::io("read", path, e))?);
        let bad = |why: String| AuditError::Corrupt(format!("{}: {why}", path.display()));
        let file: SealedKeyFile =
            serde_json::from_slice(&bytes).map_err(|e| bad(format!("not a key file: {e}")))?;
        if file.format != KEY_FILE_FORMAT {
            return Err(bad(format!("unknown key format {:?}", file.format)));
        }
        warn_if_unsealed(&file.seal_key_id, path);
        let sealed = B64
            .decode(file.sealed_pkcs8.as_bytes())
            .map_err(|e| bad(format!("bad base64: {e}")))?;
        let key_ref = KeyRef {
            id: file.seal_key_id.clone(),
            version: file.seal_key_version,
        };
        let plain = Zeroizing::new(
            sealer
                .unseal(SEAL_SCOPE, &key_ref, SEAL_AAD, sealed)
                .map_err(|e| bad(format!("cannot unseal: {e}")))?,
        );
        Self::from_pkcs8(&plain).map_err(|e| bad(e.to_string()))
    }

    fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, AuditError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8)
            .map_err(|e| AuditError::Corrupt(format!("invalid Ed25519 key: {e}")))?;
        let mut public = [0u8; 32];
        public.copy_from_slice(pair.public_key().as_ref());
        Ok(SigningKey {
            pair,
            public: PublicKey(public),
        })
    }
}

/// Creates `path` readable by its owner only, writes `bytes` and syncs.
pub(crate) fn write_new_private(path: &Path, bytes: &[u8]) -> Result<(), AuditError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| AuditError::io("create", path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| AuditError::io("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::IdentitySealer;

    #[test]
    fn key_is_created_private_reloaded_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::load_or_create(dir.path(), &IdentitySealer).unwrap();
        let sig = key.sign(b"message");
        let again = SigningKey::load_or_create(dir.path(), &IdentitySealer).unwrap();
        assert_eq!(key.public(), again.public());
        let public = PublicKey::load(dir.path()).unwrap();
        assert!(public.verify(b"message", &sig));
        assert!(!public.verify(b"messagf", &sig));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.path().join(PRIVATE_KEY_FILE)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }
}
