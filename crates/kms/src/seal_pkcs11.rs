//! The PKCS#11 seal: the root key is encrypted (AES-256-GCM) by a wrapping key that lives in an
//! HSM token and never leaves it; only the wrapped form is stored, in
//! `<data-dir>/kms/pkcs11-wrapped-root.json`. `palisade operator init --seal pkcs11` creates
//! the wrapping key in the token when absent; every start asks the token to unwrap the root
//! key, so the server unseals itself — or stays sealed, saying why, when the token cannot.

use crate::{
    ciphertext::{decode_b64, encode_b64},
    error::{KmsError, KmsResult},
    persist,
    seal::{self, SealConfig, ROOT_LEN},
    seal_pkcs11_token::{with_wrapping_key, KeyPolicy, GCM_IV_LEN},
    secret::Secret,
};
use palisade_core::pkcs11_config::Pkcs11Config;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The wrapped root key, under `<data-dir>/kms/`.
pub const WRAPPED_ROOT_FILE: &str = "pkcs11-wrapped-root.json";
/// Associated data binding the wrapped root key to its purpose and format.
const WRAP_AAD: &[u8] = b"palisade-kms pkcs11 root v1";
/// The only mechanism used so far.
const MECHANISM: &str = "CKM_AES_GCM";

/// What `pkcs11-wrapped-root.json` holds: nothing secret without the token.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrappedRoot {
    /// Format version (1).
    version: u32,
    /// The PKCS#11 mechanism that wrapped the root key.
    mechanism: String,
    /// Label of the wrapping key in the token.
    key_label: String,
    /// The AES-GCM nonce, base64.
    iv: String,
    /// The root key encrypted by the token, with its tag, base64.
    wrapped: String,
}

/// Initialises the PKCS#11 seal in an empty KMS directory: creates the wrapping key in the
/// token if absent, makes a root key, has the token wrap it, checks the token unwraps it again,
/// and stores the wrapped form and an empty sealed keyring.
pub fn init_pkcs11(kms_dir: &Path, config: &Pkcs11Config) -> KmsResult<()> {
    seal::refuse_if_initialised(kms_dir)?;
    let root = Secret::random(ROOT_LEN);
    let mut iv = [0u8; GCM_IV_LEN];
    crate::crypto::fill_random(&mut iv);
    let wrapped = with_wrapping_key(config, KeyPolicy::CreateIfAbsent, |key| {
        let wrapped = key.seal(&iv, WRAP_AAD, root.expose())?;
        if key.open(&iv, WRAP_AAD, &wrapped)? != root {
            return Err(KmsError::Hsm(
                "the token did not give back the root key it wrapped".into(),
            ));
        }
        Ok(wrapped)
    })?;
    let record = WrappedRoot {
        version: 1,
        mechanism: MECHANISM.to_owned(),
        key_label: config.key_label.clone(),
        iv: encode_b64(&iv),
        wrapped: encode_b64(&wrapped),
    };
    let json = serde_json::to_vec_pretty(&record).map_err(|e| KmsError::Storage(e.to_string()))?;
    let path = kms_dir.join(WRAPPED_ROOT_FILE);
    let storage =
        |e: std::io::Error| KmsError::Storage(format!("cannot write {}: {e}", path.display()));
    persist::create_private_dir(kms_dir).map_err(storage)?;
    persist::write_atomic(&path, &json).map_err(storage)?;
    seal::write_new(kms_dir, SealConfig::Pkcs11, &root)
}

/// Asks the token to unwrap the stored root key.
pub fn unseal_pkcs11(kms_dir: &Path, config: &Pkcs11Config) -> KmsResult<Secret> {
    let path = kms_dir.join(WRAPPED_ROOT_FILE);
    let bytes = std::fs::read(&path)
        .map_err(|e| KmsError::Storage(format!("cannot read {}: {e}", path.display())))?;
    let record: WrappedRoot = serde_json::from_slice(&bytes)
        .map_err(|e| KmsError::Storage(format!("{} is damaged: {e}", path.display())))?;
    if record.version != 1 || record.mechanism != MECHANISM {
        return Err(KmsError::Storage(format!(
            "{} uses version {} with {}; this Palisade reads version 1 with {MECHANISM}",
            path.display(),
            record.version,
            record.mechanism
        )));
    }
    if record.key_label != config.key_label {
        return Err(KmsError::Hsm(format!(
            "the root key was wrapped by the token key {:?}, but [kms.pkcs11] key_label is {:?}",
            record.key_label, config.key_label
        )));
    }
    let iv: [u8; GCM_IV_LEN] = decode_b64("iv", &record.iv)?
        .try_into()
        .map_err(|_| KmsError::Storage(format!("{} has a bad nonce", path.display())))?;
    let wrapped = decode_b64("wrapped", &record.wrapped)?;
    let root = with_wrapping_key(config, KeyPolicy::MustExist, |key| {
        key.open(&iv, WRAP_AAD, &wrapped)
    })?;
    if root.expose().len() != ROOT_LEN {
        return Err(KmsError::Storage(format!(
            "{} does not hold a 32-byte root key",
            path.display()
        )));
    }
    Ok(root)
}

#[cfg(test)]
#[path = "seal_pkcs11_tests.rs"]
mod tests;
