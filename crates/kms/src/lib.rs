//! Palisade's key management service.
//!
//! A [`Kms`] holds a [`Keyring`] of named, versioned keys of five types (AES-256-GCM,
//! ChaCha20-Poly1305, Ed25519, ECDSA P-256, HMAC-SHA-256) and runs the data operations
//! (encrypt and decrypt with associated data, rewrap, data keys, sign and verify, HMAC) and
//! the lifecycle (create, import, rotate by hand or on a period, minimum decryption version,
//! disable, scheduled deletion, destroy, passphrase-encrypted backup and restore). Every call
//! checks the caller's role — key administrators manage, key users use — and per-key grants.
//! The keyring is stored in one file sealed with a root key that is never written in the
//! clear: it is split into Shamir shares, wrapped by a key inside a PKCS#11 token (HSM) that
//! unwraps it at every start, or (development only) kept in a local key file.
//! Every primitive comes from `ring`; key material is zeroized when dropped or destroyed.
//! Ciphertexts, signatures and HMACs use HashiCorp Vault's `vault:vN:<base64>` form.
//! [`at_rest::AtRestSealer`] encrypts the event store at rest with per-tenant storage keys
//! (envelope encryption, rotation without rewriting, crypto-shredding).

pub mod at_rest;
pub mod backup;
pub mod ciphertext;
pub mod crypto;
pub mod error;
pub mod key;
pub mod keyring;
pub mod keytype;
pub mod lifecycle;
pub mod persist;
pub mod policy;
pub mod record;
pub mod seal;
pub mod seal_pkcs11;
pub mod seal_pkcs11_token;
pub mod secret;
pub mod service;

pub use crypto::SignatureEncoding;
pub use error::{KmsError, KmsResult};
pub use key::{KeyState, DEFAULT_DELETION_DAYS};
pub use keyring::{DataKey, Keyring, Versioned, DEFAULT_KEY_TYPE};
pub use keytype::KeyType;
pub use lifecycle::{KeyConfig, KeyInfo, MaintenanceAction};
pub use policy::{Caller, Grant, Grantee, Operation, Roles};
pub use record::OperationRecord;
pub use seal::SealConfig;
pub use secret::Secret;
pub use service::{Kms, SealStatus};
