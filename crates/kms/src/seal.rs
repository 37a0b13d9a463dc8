//! The root of trust. Every key is stored inside the keyring file, sealed with a 256-bit root
//! key that never touches the disk in the clear — except under the development file seal,
//! which says so loudly. With the Shamir seal the root key is split into shares
//! (`sharks`, Shamir's secret sharing over GF(256)) that are printed once at initialisation.
//! With the PKCS#11 seal ([`crate::seal_pkcs11`]) it is wrapped by a key inside an HSM token.

use crate::{
    ciphertext::{decode_b64, encode_b64},
    error::{KmsError, KmsResult},
    keyring::Keyring,
    persist,
    secret::Secret,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// File naming the seal type, under `<data-dir>/kms/`.
pub const SEAL_FILE: &str = "seal.json";
/// The sealed keyring, under `<data-dir>/kms/`.
pub const KEYRING_FILE: &str = "keyring.bin";
/// The development seal's root key file, under `<data-dir>/kms/`.
pub const DEV_ROOT_FILE: &str = "dev-root.key";
/// Length of the root key in bytes.
pub(crate) const ROOT_LEN: usize = 32;

/// How the root key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SealConfig {
    /// Development only: the root key in a local file.
    File,
    /// The root key split into `shares` Shamir shares, `threshold` of which rebuild it.
    Shamir {
        /// Number of shares printed.
        shares: u8,
        /// Shares needed to unseal.
        threshold: u8,
    },
    /// The root key wrapped by a non-extractable key inside a PKCS#11 token (`[kms.pkcs11]`),
    /// unsealed automatically at every start.
    Pkcs11,
}

impl SealConfig {
    /// `file`, `shamir` or `pkcs11`.
    pub fn name(self) -> &'static str {
        match self {
            SealConfig::File => "file",
            SealConfig::Shamir { .. } => "shamir",
            SealConfig::Pkcs11 => "pkcs11",
        }
    }
}

/// Reads the seal configuration, `None` when the KMS was never initialised.
pub fn read_config(kms_dir: &Path) -> KmsResult<Option<SealConfig>> {
    let path = kms_dir.join(SEAL_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| KmsError::Storage(format!("{} is damaged: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(KmsError::Storage(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Writes an empty keyring sealed with `root`, then the seal configuration that marks the
/// directory as initialised.
pub(crate) fn write_new(kms_dir: &Path, config: SealConfig, root: &Secret) -> KmsResult<()> {
    let storage = |e: std::io::Error| {
        KmsError::Storage(format!("cannot initialise {}: {e}", kms_dir.display()))
    };
    persist::create_private_dir(kms_dir).map_err(storage)?;
    persist::save_keyring(&kms_dir.join(KEYRING_FILE), root, &Keyring::default())?;
    let json = serde_json::to_vec(&config).map_err(|e| KmsError::Storage(e.to_string()))?;
    persist::write_atomic(&kms_dir.join(SEAL_FILE), &json).map_err(storage)
}

/// Initialises the Shamir seal in an empty KMS directory: makes a root key, an empty sealed
/// keyring, and returns the base64 shares (to be shown once, never stored).
pub fn init_shamir(kms_dir: &Path, shares: u8, threshold: u8) -> KmsResult<Vec<String>> {
    if threshold == 0 || threshold > shares || (threshold == 1 && shares > 1) {
        return Err(KmsError::BadInput(format!(
            "need 1 <= threshold <= shares, and threshold >= 2 when there is more than one share (got {threshold} of {shares})"
        )));
    }
    refuse_if_initialised(kms_dir)?;
    let root = Secret::random(ROOT_LEN);
    let dealer = sharks::Sharks(threshold).dealer_rng(root.expose(), &mut rand::rngs::OsRng);
    let printed = dealer
        .take(usize::from(shares))
        .map(|share| {
            let bytes = Secret::new(Vec::from(&share));
            encode_b64(bytes.expose())
        })
        .collect();
    write_new(kms_dir, SealConfig::Shamir { shares, threshold }, &root)?;
    Ok(printed)
}

/// Refuses to initialise a directory that already holds a key service.
pub(crate) fn refuse_if_initialised(kms_dir: &Path) -> KmsResult<()> {
    match read_config(kms_dir)? {
        Some(existing) => Err(KmsError::Refused(format!(
            "{} already holds a key service ({} seal); initialise a data directory whose server has never started",
            kms_dir.display(),
            existing.name()
        ))),
        None => Ok(()),
    }
}

/// Decodes one printed share, checking its shape.
pub fn decode_share(text: &str) -> KmsResult<Secret> {
    let bytes = Secret::new(decode_b64("share", text.trim())?);
    if bytes.expose().len() != ROOT_LEN + 1 || bytes.expose()[0] == 0 {
        return Err(KmsError::BadInput("not a Palisade unseal share".into()));
    }
    Ok(bytes)
}

/// Rebuilds the root key from at least `threshold` distinct decoded shares.
pub fn combine(threshold: u8, shares: &[Secret]) -> KmsResult<Secret> {
    let parsed: Vec<sharks::Share> = shares
        .iter()
        .map(|s| sharks::Share::try_from(s.expose()))
        .collect::<Result<_, _>>()
        .map_err(|e| KmsError::BadInput(format!("not a Palisade unseal share: {e}")))?;
    sharks::Sharks(threshold)
        .recover(&parsed)
        .map(Secret::new)
        .map_err(|e| KmsError::BadInput(e.to_owned()))
}

/// The development seal: loads the root key file, or creates it (and an empty keyring) in a
/// fresh directory.
pub fn open_dev_file(kms_dir: &Path) -> KmsResult<Secret> {
    let path = kms_dir.join(DEV_ROOT_FILE);
    if read_config(kms_dir)?.is_none() {
        let root = Secret::random(ROOT_LEN);
        persist::create_private_dir(kms_dir)
            .map_err(|e| KmsError::Storage(format!("cannot create {}: {e}", kms_dir.display())))?;
        persist::write_atomic(&path, root.expose())
            .map_err(|e| KmsError::Storage(format!("cannot write {}: {e}", path.display())))?;
        write_new(kms_dir, SealConfig::File, &root)?;
        return Ok(root);
    }
    let root = Secret::new(
        std::fs::read(&path)
            .map_err(|e| KmsError::Storage(format!("cannot read {}: {e}", path.display())))?,
    );
    if root.expose().len() != ROOT_LEN {
        return Err(KmsError::Storage(format!(
            "{} is not a 32-byte key",
            path.display()
        )));
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_threshold_of_shares_rebuilds_the_root_and_fewer_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let shares = init_shamir(dir.path(), 5, 3).unwrap();
        assert_eq!(shares.len(), 5);
        assert!(
            init_shamir(dir.path(), 5, 3).is_err(),
            "second init must be refused"
        );
        let decoded: Vec<Secret> = shares.iter().map(|s| decode_share(s).unwrap()).collect();
        let a = combine(3, &decoded[0..3]).unwrap();
        let b = combine(3, &decoded[2..5]).unwrap();
        assert_eq!(a, b);
        let keyring = dir.path().join(KEYRING_FILE);
        assert!(persist::load_keyring(&keyring, &a).is_ok());
        assert!(combine(3, &decoded[0..2]).is_err());
        let mut wrong = decoded[0..3].to_vec();
        wrong[1] = decode_share(&encode_b64(&[&[9u8][..], &[7u8; 32][..]].concat())).unwrap();
        let bad_root = combine(3, &wrong).unwrap();
        assert!(persist::load_keyring(&keyring, &bad_root).is_err());
    }

    #[test]
    fn bad_parameters_and_shares_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(init_shamir(dir.path(), 3, 4).is_err());
        assert!(init_shamir(dir.path(), 3, 1).is_err());
        assert!(init_shamir(dir.path(), 3, 0).is_err());
        assert!(decode_share("not base64!").is_err());
        assert!(decode_share(&encode_b64(&[1u8; 5])).is_err());
    }
}
