//! What can go wrong in the key management service.

/// Why a key operation failed. The message never carries plaintext or key material.
#[derive(Debug, thiserror::Error)]
pub enum KmsError {
    /// The service is sealed: no key operation until the root key is unsealed.
    #[error(
        "the key management service is sealed; unseal it with `palisade operator unseal` \
         (pkcs11 seal: `palisade operator seal-status` says why the token did not unseal it)"
    )]
    Sealed,
    /// The named key does not exist.
    #[error("no key named {0:?}")]
    NotFound(String),
    /// A key of this name already exists.
    #[error("a key named {0:?} already exists")]
    AlreadyExists(String),
    /// The caller's role or grants do not allow the operation.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The key exists but its state refuses the operation (disabled, pending deletion,
    /// destroyed, version below the minimum, wrong key type).
    #[error("{0}")]
    Refused(String),
    /// The request itself is malformed.
    #[error("{0}")]
    BadInput(String),
    /// Authentication of ciphertext, signature or backup failed.
    #[error("{0}")]
    Crypto(String),
    /// Reading or writing the keyring failed.
    #[error("{0}")]
    Storage(String),
    /// The hardware security module of the `pkcs11` seal failed or refused (module missing,
    /// token absent, wrong PIN, wrapping key missing).
    #[error("HSM: {0}")]
    Hsm(String),
}

impl KmsError {
    /// A short machine-readable kind, for operation records.
    pub fn kind(&self) -> &'static str {
        match self {
            KmsError::Sealed => "sealed",
            KmsError::NotFound(_) => "not_found",
            KmsError::AlreadyExists(_) => "already_exists",
            KmsError::Forbidden(_) => "forbidden",
            KmsError::Refused(_) => "refused",
            KmsError::BadInput(_) => "bad_input",
            KmsError::Crypto(_) => "crypto_failure",
            KmsError::Storage(_) => "storage_failure",
            KmsError::Hsm(_) => "hsm_failure",
        }
    }
}

/// Results of key operations.
pub type KmsResult<T> = Result<T, KmsError>;
