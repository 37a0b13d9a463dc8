//! Encrypted backups of one key or of the whole keyring, sealed with a key derived from an
//! operator passphrase (PBKDF2-HMAC-SHA-256), so they restore into any data directory.

use crate::{
    ciphertext::{decode_b64, encode_b64},
    crypto,
    error::{KmsError, KmsResult},
    key::{Key, KeyState},
    keyring::Keyring,
    keytype::KeyType,
    policy::{check_manage, Caller, Operation},
    secret::Secret,
};
use serde::{Deserialize, Serialize};

const FORMAT: &str = "palisade-kms-backup-v1";
/// PBKDF2 iterations for new backups (OWASP's 2023 figure for HMAC-SHA-256).
const ITERATIONS: u32 = 600_000;
/// Shortest accepted passphrase.
pub const MIN_PASSPHRASE_LEN: usize = 12;

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    iterations: u32,
    salt: String,
    sealed: String,
}

fn check_passphrase(passphrase: &str) -> KmsResult<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE_LEN {
        return Err(KmsError::BadInput(format!(
            "the backup passphrase must be at least {MIN_PASSPHRASE_LEN} characters"
        )));
    }
    Ok(())
}

/// Seals `keys` into a base64 backup text.
fn seal_keys(keys: &[&Key], passphrase: &str) -> KmsResult<String> {
    check_passphrase(passphrase)?;
    let mut salt = [0u8; 16];
    crypto::fill_random(&mut salt);
    let wrapping = crypto::derive_from_passphrase(passphrase.as_bytes(), &salt, ITERATIONS);
    let plain = Secret::new(
        serde_json::to_vec(keys)
            .map_err(|e| KmsError::Storage(format!("cannot encode backup: {e}")))?,
    );
    let sealed = crypto::seal(
        KeyType::Aes256Gcm,
        &wrapping,
        FORMAT.as_bytes(),
        plain.expose(),
    )?;
    let envelope = Envelope {
        format: FORMAT.to_owned(),
        iterations: ITERATIONS,
        salt: encode_b64(&salt),
        sealed: encode_b64(&sealed),
    };
    let json = serde_json::to_vec(&envelope).map_err(|e| KmsError::Storage(e.to_string()))?;
    Ok(encode_b64(&json))
}

/// Opens a backup text made by [`Keyring::backup`].
fn open_keys(text: &str, passphrase: &str) -> KmsResult<Vec<Key>> {
    let json = decode_b64("backup", text.trim())?;
    let envelope: Envelope = serde_json::from_slice(&json)
        .map_err(|_| KmsError::BadInput("not a Palisade key backup".into()))?;
    if envelope.format != FORMAT {
        return Err(KmsError::BadInput(format!(
            "unknown backup format {:?}",
            envelope.format
        )));
    }
    if !(1..=10_000_000).contains(&envelope.iterations) {
        return Err(KmsError::BadInput(
            "backup has an implausible iteration count".into(),
        ));
    }
    let salt = decode_b64("backup salt", &envelope.salt)?;
    let sealed = decode_b64("backup body", &envelope.sealed)?;
    let wrapping =
        crypto::derive_from_passphrase(passphrase.as_bytes(), &salt, envelope.iterations);
    let plain = Secret::new(
        crypto::open(KeyType::Aes256Gcm, &wrapping, FORMAT.as_bytes(), &sealed)
            .map_err(|_| KmsError::Crypto("wrong passphrase or damaged backup".into()))?,
    );
    serde_json::from_slice(plain.expose())
        .map_err(|e| KmsError::BadInput(format!("backup content is damaged: {e}")))
}

impl Keyring {
    /// An encrypted backup of key `name`, or of every key the caller manages when `None`.
    /// Destroyed keys have no material and are left out, and so are the write-ahead log's
    /// keys from a backup of every key (they belong to this data directory's log).
    pub fn backup(
        &self,
        caller: &Caller,
        name: Option<&str>,
        passphrase: &str,
    ) -> KmsResult<String> {
        let keys: Vec<&Key> = match name {
            Some(n) => {
                let key = self.get(n)?;
                check_manage(caller, &key.tenant, Operation::Backup)?;
                if key.state == KeyState::Destroyed {
                    return Err(KmsError::Refused(format!("key {n:?} was destroyed")));
                }
                vec![key]
            }
            None => self
                .keys
                .values()
                .filter(|k| k.state != KeyState::Destroyed)
                // A data directory's own write-ahead log keys stay with it.
                .filter(|k| !crate::at_rest::is_wal_key_name(&k.name))
                .filter(|k| check_manage(caller, &k.tenant, Operation::Backup).is_ok())
                .collect(),
        };
        seal_keys(&keys, passphrase)
    }

    /// Restores a backup; `rename` gives a single-key backup a new name; an existing key is
    /// replaced only with `force`. Returns the restored names.
    pub fn restore(
        &mut self,
        caller: &Caller,
        text: &str,
        passphrase: &str,
        rename: Option<&str>,
        force: bool,
    ) -> KmsResult<Vec<String>> {
        let mut keys = open_keys(text, passphrase)?;
        if let Some(new_name) = rename {
            crate::key::validate_name(new_name)?;
            match keys.as_mut_slice() {
                [only] => only.name = new_name.to_owned(),
                _ => {
                    return Err(KmsError::BadInput(
                        "only a single-key backup can be restored under a new name".into(),
                    ))
                }
            }
        }
        for key in &keys {
            crate::key::validate_name(&key.name)?;
            check_manage(caller, &key.tenant, Operation::Backup)?;
            if self.keys.contains_key(&key.name) && !force {
                return Err(KmsError::AlreadyExists(key.name.clone()));
            }
        }
        let names = keys.iter().map(|k| k.name.clone()).collect();
        for key in keys {
            self.keys.insert(key.name.clone(), key);
        }
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn untrusted_backups_and_shares_never_panic(text in ".{0,200}", bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = open_keys(&text, "passphrase long enough");
            let _ = open_keys(&encode_b64(&bytes), "passphrase long enough");
            let _ = crate::seal::decode_share(&text);
            let _ = crate::seal::decode_share(&encode_b64(&bytes));
        }
    }

    #[test]
    fn forged_envelope_is_refused() {
        let envelope =
            serde_json::json!({"format": FORMAT, "iterations": 1, "salt": "", "sealed": "AAAA"});
        let text = encode_b64(envelope.to_string().as_bytes());
        assert!(matches!(
            open_keys(&text, "passphrase long enough"),
            Err(KmsError::Crypto(_))
        ));
        let huge = serde_json::json!({"format": FORMAT, "iterations": 4_000_000_000u32, "salt": "", "sealed": ""});
        assert!(open_keys(&encode_b64(huge.to_string().as_bytes()), "x").is_err());
    }
}
