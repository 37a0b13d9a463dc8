//! `[kms]`: how the key management service protects its root key and the stored events.

use serde::{Deserialize, Serialize};

/// `[kms]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct KmsConfig {
    /// Seal every stored block with the tenant's data keys, wrapped by its storage key in the
    /// KMS (envelope encryption). Turning it off stores new blocks unencrypted; blocks already
    /// encrypted still need the KMS to be read.
    pub encrypt_at_rest: bool,
    /// `[kms.pkcs11]`: the HSM of the `pkcs11` seal (used only when the key service was
    /// initialised with `palisade operator init --seal pkcs11`).
    pub pkcs11: crate::pkcs11_config::Pkcs11Config,
}

impl Default for KmsConfig {
    fn default() -> Self {
        KmsConfig {
            encrypt_at_rest: true,
            pkcs11: Default::default(),
        }
    }
}
