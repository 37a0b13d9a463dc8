//! The five key types and what each can do.

use crate::{error::KmsError, secret::Secret};
use serde::{Deserialize, Serialize};

/// The type of a key; every version of a key has the same type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyType {
    /// AES-256 in Galois/Counter Mode with a 96-bit random nonce (the default).
    #[serde(rename = "aes256-gcm96")]
    Aes256Gcm,
    /// ChaCha20-Poly1305 with a 96-bit random nonce.
    #[serde(rename = "chacha20-poly1305")]
    ChaCha20Poly1305,
    /// Ed25519 signatures.
    #[serde(rename = "ed25519")]
    Ed25519,
    /// ECDSA over NIST P-256 with SHA-256.
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    /// HMAC with SHA-256.
    #[serde(rename = "hmac")]
    HmacSha256,
}

/// The operations a key can be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Encrypt, decrypt, rewrap, data keys.
    Encryption,
    /// Sign and verify.
    Signing,
    /// HMAC and verify.
    Mac,
}

impl KeyType {
    /// Every type, for listings and tests.
    pub const ALL: [KeyType; 5] = [
        KeyType::Aes256Gcm,
        KeyType::ChaCha20Poly1305,
        KeyType::Ed25519,
        KeyType::EcdsaP256,
        KeyType::HmacSha256,
    ];

    /// The name used by both APIs (Vault's transit names).
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Aes256Gcm => "aes256-gcm96",
            KeyType::ChaCha20Poly1305 => "chacha20-poly1305",
            KeyType::Ed25519 => "ed25519",
            KeyType::EcdsaP256 => "ecdsa-p256",
            KeyType::HmacSha256 => "hmac",
        }
    }

    /// Parses a type name (see [`KeyType::name`]).
    pub fn parse(name: &str) -> Result<KeyType, KmsError> {
        KeyType::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = KeyType::ALL.iter().map(|t| t.name()).collect();
                KmsError::BadInput(format!(
                    "unknown key type {name:?}; expected one of {}",
                    known.join(", ")
                ))
            })
    }

    /// What this type is for.
    pub fn capability(self) -> Capability {
        match self {
            KeyType::Aes256Gcm | KeyType::ChaCha20Poly1305 => Capability::Encryption,
            KeyType::Ed25519 | KeyType::EcdsaP256 => Capability::Signing,
            KeyType::HmacSha256 => Capability::Mac,
        }
    }

    /// Fresh key material from the CSPRNG.
    pub fn generate(self) -> Result<Secret, KmsError> {
        match self {
            KeyType::EcdsaP256 => crate::crypto::generate_ecdsa_pkcs8(),
            // Ed25519 material is the 32-byte seed; symmetric keys are 32 random bytes.
            _ => Ok(Secret::random(32)),
        }
    }

    /// Checks imported (bring-your-own-key) material: 32 bytes for AES and ChaCha20 and the
    /// Ed25519 seed, a PKCS#8 document for ECDSA, 16 to 128 bytes for HMAC.
    pub fn validate_material(self, material: &Secret) -> Result<(), KmsError> {
        let len = material.expose().len();
        let ok = match self {
            KeyType::Aes256Gcm | KeyType::ChaCha20Poly1305 | KeyType::Ed25519 => len == 32,
            KeyType::HmacSha256 => (16..=128).contains(&len),
            KeyType::EcdsaP256 => crate::crypto::ecdsa_public_key(material).is_ok(),
        };
        if ok {
            Ok(())
        } else {
            let want = match self {
                KeyType::EcdsaP256 => "an unencrypted PKCS#8 P-256 private key",
                KeyType::HmacSha256 => "16 to 128 bytes",
                _ => "exactly 32 bytes",
            };
            Err(KmsError::BadInput(format!(
                "imported {} material must be {want} (got {len} bytes)",
                self.name()
            )))
        }
    }
}
