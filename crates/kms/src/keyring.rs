//! The keyring and the data operations on its keys: encrypt, decrypt, rewrap, data keys,
//! sign, verify, HMAC. Every call checks the caller's role and grants first.

use crate::{
    ciphertext,
    crypto::{self, SignatureEncoding},
    error::{KmsError, KmsResult},
    key::Key,
    keytype::{Capability, KeyType},
    policy::{check_use, Caller, Operation},
    secret::Secret,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every key, by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Keyring {
    pub(crate) keys: BTreeMap<String, Key>,
}

/// A result made with one key version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    /// The key version used.
    pub version: u32,
    /// The result.
    pub value: T,
}

/// A freshly generated data key.
#[derive(Debug)]
pub struct DataKey {
    /// The plaintext key, when asked for.
    pub plaintext: Option<Secret>,
    /// The key encrypted under the named key (`vault:vN:`).
    pub ciphertext: String,
}

impl Keyring {
    /// The key called `name`.
    pub fn get(&self, name: &str) -> KmsResult<&Key> {
        self.keys
            .get(name)
            .ok_or_else(|| KmsError::NotFound(name.to_owned()))
    }

    /// The key called `name`, after checking `caller` may use it for `op` and its type can.
    fn usable(
        &self,
        caller: &Caller,
        name: &str,
        op: Operation,
        need: Capability,
    ) -> KmsResult<&Key> {
        let key = self.get(name)?;
        check_use(caller, &key.tenant, &key.grants, op)?;
        if key.kind.capability() != need {
            return Err(KmsError::Refused(format!(
                "key {name:?} is a {} key and cannot {}",
                key.kind.name(),
                op.name()
            )));
        }
        Ok(key)
    }

    /// Encrypts `plain` under the newest version, binding `aad` (the encryption context).
    pub fn encrypt(
        &self,
        caller: &Caller,
        name: &str,
        aad: &[u8],
        plain: &[u8],
    ) -> KmsResult<Versioned<String>> {
        let key = self.usable(caller, name, Operation::Encrypt, Capability::Encryption)?;
        encrypt_latest(key, aad, plain)
    }

    /// Decrypts a `vault:vN:` ciphertext made with this key and the same `aad`.
    pub fn decrypt(
        &self,
        caller: &Caller,
        name: &str,
        aad: &[u8],
        text: &str,
    ) -> KmsResult<Versioned<Secret>> {
        let key = self.usable(caller, name, Operation::Decrypt, Capability::Encryption)?;
        decrypt_text(key, aad, text)
    }

    /// Decrypts and encrypts again under the newest version, without returning the plaintext.
    pub fn rewrap(
        &self,
        caller: &Caller,
        name: &str,
        aad: &[u8],
        text: &str,
    ) -> KmsResult<Versioned<String>> {
        let key = self.usable(caller, name, Operation::Rewrap, Capability::Encryption)?;
        let plain = decrypt_text(key, aad, text)?;
        encrypt_latest(key, aad, plain.value.expose())
    }

    /// Generates a random data key of `bits` (128, 256 or 512) and returns it wrapped by the
    /// named key, with the plaintext too when `with_plaintext`.
    pub fn data_key(
        &self,
        caller: &Caller,
        name: &str,
        aad: &[u8],
        bits: u32,
        with_plaintext: bool,
    ) -> KmsResult<Versioned<DataKey>> {
        if !matches!(bits, 128 | 256 | 512) {
            return Err(KmsError::BadInput(format!(
                "bits must be 128, 256 or 512, not {bits}"
            )));
        }
        let key = self.usable(caller, name, Operation::DataKey, Capability::Encryption)?;
        let plaintext = Secret::random(bits as usize / 8);
        let wrapped = encrypt_latest(key, aad, plaintext.expose())?;
        Ok(Versioned {
            version: wrapped.version,
            value: DataKey {
                plaintext: with_plaintext.then_some(plaintext),
                ciphertext: wrapped.value,
            },
        })
    }

    /// Signs `message` with the newest version; returns `vault:vN:<signature>`.
    pub fn sign(
        &self,
        caller: &Caller,
        name: &str,
        message: &[u8],
        encoding: SignatureEncoding,
    ) -> KmsResult<Versioned<String>> {
        let key = self.usable(caller, name, Operation::Sign, Capability::Signing)?;
        let (version, material) = key.latest()?;
        let sig = crypto::sign(key.kind, material, message, encoding)?;
        Ok(Versioned {
            version,
            value: ciphertext::format(version, &sig),
        })
    }

    /// Checks a `vault:vN:` signature over `message`.
    pub fn verify(
        &self,
        caller: &Caller,
        name: &str,
        message: &[u8],
        signature: &str,
        encoding: SignatureEncoding,
    ) -> KmsResult<Versioned<bool>> {
        let key = self.usable(caller, name, Operation::Verify, Capability::Signing)?;
        let (version, sig) = ciphertext::parse(signature)?;
        let material = key.version_for_decryption(version)?;
        let public = crypto::public_key(key.kind, material)?
            .ok_or_else(|| KmsError::Refused("not a signing key".into()))?;
        let valid = crypto::verify_with_public(key.kind, &public, message, &sig, encoding)?;
        Ok(Versioned {
            version,
            value: valid,
        })
    }

    /// HMAC-SHA-256 of `message` with the newest version; returns `vault:vN:<tag>`.
    pub fn hmac(
        &self,
        caller: &Caller,
        name: &str,
        message: &[u8],
    ) -> KmsResult<Versioned<String>> {
        let key = self.usable(caller, name, Operation::Hmac, Capability::Mac)?;
        let (version, material) = key.latest()?;
        let tag = crypto::hmac_sign(material, message);
        Ok(Versioned {
            version,
            value: ciphertext::format(version, &tag),
        })
    }

    /// Checks a `vault:vN:` HMAC over `message` in constant time.
    pub fn verify_hmac(
        &self,
        caller: &Caller,
        name: &str,
        message: &[u8],
        tag: &str,
    ) -> KmsResult<Versioned<bool>> {
        let key = self.usable(caller, name, Operation::Verify, Capability::Mac)?;
        let (version, tag) = ciphertext::parse(tag)?;
        let material = key.version_for_decryption(version)?;
        Ok(Versioned {
            version,
            value: crypto::hmac_verify(material, message, &tag),
        })
    }
}

fn encrypt_latest(key: &Key, aad: &[u8], plain: &[u8]) -> KmsResult<Versioned<String>> {
    let (version, material) = key.latest()?;
    let sealed = crypto::seal(key.kind, material, aad, plain)?;
    Ok(Versioned {
        version,
        value: ciphertext::format(version, &sealed),
    })
}

fn decrypt_text(key: &Key, aad: &[u8], text: &str) -> KmsResult<Versioned<Secret>> {
    let (version, sealed) = ciphertext::parse(text)?;
    let material = key.version_for_decryption(version)?;
    let plain = crypto::open(key.kind, material, aad, &sealed)?;
    Ok(Versioned {
        version,
        value: Secret::new(plain),
    })
}

/// The key type used when a create request names none.
pub const DEFAULT_KEY_TYPE: KeyType = KeyType::Aes256Gcm;
