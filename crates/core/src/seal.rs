//! The sealing seam: every stored block and state record passes through a [`Sealer`].
//!
//! Until the key management service lands, [`IdentitySealer`] stores blocks as they are; the
//! on-disk formats already carry the key id and version a block was sealed with, so encrypted
//! and plain blocks can live side by side and be read after a key rotation.

/// The key a block was sealed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    /// Key identifier (`identity` for unsealed data). At most 255 bytes.
    pub id: String,
    /// Key version.
    pub version: u32,
}

/// Why sealing or unsealing failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SealError(pub String);

/// Seals and unseals stored bytes for a tenant.
pub trait Sealer: Send + Sync + 'static {
    /// Seals `plain`, binding `aad` (the block's location) to it; returns the key used and the
    /// sealed bytes.
    fn seal(
        &self,
        tenant: &str,
        aad: &[u8],
        plain: Vec<u8>,
    ) -> Result<(KeyRef, Vec<u8>), SealError>;

    /// Opens bytes sealed by [`Sealer::seal`] with `key`.
    fn unseal(
        &self,
        tenant: &str,
        key: &KeyRef,
        aad: &[u8],
        sealed: Vec<u8>,
    ) -> Result<Vec<u8>, SealError>;
}

/// The key id of blocks stored unsealed.
pub const IDENTITY_KEY_ID: &str = "identity";

/// Stores bytes as they are (no KMS yet).
#[derive(Debug, Default, Clone, Copy)]
pub struct IdentitySealer;

impl Sealer for IdentitySealer {
    fn seal(
        &self,
        _tenant: &str,
        _aad: &[u8],
        plain: Vec<u8>,
    ) -> Result<(KeyRef, Vec<u8>), SealError> {
        Ok((
            KeyRef {
                id: IDENTITY_KEY_ID.to_owned(),
                version: 0,
            },
            plain,
        ))
    }

    fn unseal(
        &self,
        _tenant: &str,
        key: &KeyRef,
        _aad: &[u8],
        sealed: Vec<u8>,
    ) -> Result<Vec<u8>, SealError> {
        if key.id == IDENTITY_KEY_ID {
            Ok(sealed)
        } else {
            Err(SealError(format!(
                "block sealed with key {} v{}, but no key service is configured",
                key.id, key.version
            )))
        }
    }
}
