//! The running key service: the seal state machine around the keyring. While sealed, every
//! key operation is refused with [`KmsError::Sealed`]; management operations change a copy of
//! the keyring, persist it atomically, and only then make it current.

use crate::{
    error::{KmsError, KmsResult},
    keyring::Keyring,
    lifecycle::MaintenanceAction,
    persist,
    seal::{self, SealConfig, KEYRING_FILE},
    secret::Secret,
};
use palisade_core::kms_config::KmsConfig;
use serde::Serialize;
use std::{
    path::{Path, PathBuf},
    sync::{Mutex, RwLock},
};

struct Unsealed {
    root: Secret,
    keyring: Keyring,
}

/// The seal state, as `seal-status` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SealStatus {
    /// `file`, `shamir` or `pkcs11`.
    pub seal: &'static str,
    /// Whether key operations are refused.
    pub sealed: bool,
    /// Shares needed (1 for the file seal).
    pub threshold: u8,
    /// Shares printed (1 for the file seal).
    pub shares: u8,
    /// Distinct shares received so far towards unsealing.
    pub progress: u8,
    /// Why the automatic unseal at start failed (PKCS#11 seal), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The key management service of one data directory.
pub struct Kms {
    dir: PathBuf,
    config: SealConfig,
    state: RwLock<Option<Unsealed>>,
    shares: Mutex<Vec<Secret>>,
    unseal_error: Option<String>,
}

impl Kms {
    /// [`Kms::open_with`] the default `[kms]` settings.
    pub fn open(data_dir: &Path) -> KmsResult<Kms> {
        Kms::open_with(data_dir, &KmsConfig::default())
    }

    /// Opens `<data_dir>/kms`. A Shamir-sealed service starts sealed; a PKCS#11-sealed one asks
    /// the token of `settings.pkcs11` to unwrap its root key and, when the token cannot, starts
    /// sealed with the reason in [`SealStatus::error`]; otherwise the development file seal is
    /// used (created on first start) and the service starts unsealed.
    pub fn open_with(data_dir: &Path, settings: &KmsConfig) -> KmsResult<Kms> {
        let dir = data_dir.join("kms");
        let config = seal::read_config(&dir)?.unwrap_or(SealConfig::File);
        let mut unseal_error = None;
        let state = match config {
            SealConfig::File => {
                let root = seal::open_dev_file(&dir)?;
                let keyring = persist::load_keyring(&dir.join(KEYRING_FILE), &root)?;
                Some(Unsealed { root, keyring })
            }
            SealConfig::Shamir { .. } => None,
            SealConfig::Pkcs11 => match unseal_from_token(&dir, settings) {
                Ok(unsealed) => Some(unsealed),
                Err(e) => {
                    unseal_error = Some(format!(
                        "automatic unseal from the PKCS#11 token failed: {e}"
                    ));
                    None
                }
            },
        };
        Ok(Kms {
            dir,
            config,
            state: RwLock::new(state),
            shares: Mutex::new(Vec::new()),
            unseal_error,
        })
    }

    /// The seal configuration.
    pub fn seal_config(&self) -> SealConfig {
        self.config
    }

    fn state_read(&self) -> std::sync::RwLockReadGuard<'_, Option<Unsealed>> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn state_write(&self) -> std::sync::RwLockWriteGuard<'_, Option<Unsealed>> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    fn pending_shares(&self) -> std::sync::MutexGuard<'_, Vec<Secret>> {
        self.shares.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current seal status.
    pub fn status(&self) -> SealStatus {
        let sealed = self.state_read().is_none();
        let (shares, threshold) = match self.config {
            SealConfig::File | SealConfig::Pkcs11 => (1, 1),
            SealConfig::Shamir { shares, threshold } => (shares, threshold),
        };
        SealStatus {
            seal: self.config.name(),
            sealed,
            threshold,
            shares,
            progress: u8::try_from(self.pending_shares().len()).unwrap_or(u8::MAX),
            error: if sealed {
                self.unseal_error.clone()
            } else {
                None
            },
        }
    }

    /// Takes one unseal share. Once `threshold` distinct shares are in, rebuilds the root key
    /// and opens the keyring; wrong shares are refused and the progress starts again.
    pub fn submit_share(&self, text: &str) -> KmsResult<SealStatus> {
        let threshold = match self.config {
            SealConfig::Shamir { threshold, .. } => threshold,
            SealConfig::File => {
                return Err(KmsError::Refused(
                    "the file seal does not use shares".into(),
                ))
            }
            SealConfig::Pkcs11 => {
                return Err(KmsError::Refused(
                    "the pkcs11 seal does not use shares: the server unseals itself from the \
                     token at every start (fix the token or PIN, then restart)"
                        .into(),
                ))
            }
        };
        if self.state_read().is_some() {
            return Ok(self.status());
        }
        let share = seal::decode_share(text)?;
        {
            let mut pending = self.pending_shares();
            if !pending.iter().any(|s| s.expose()[0] == share.expose()[0]) {
                pending.push(share);
            }
            if pending.len() < usize::from(threshold) {
                drop(pending);
                return Ok(self.status());
            }
            let shares = std::mem::take(&mut *pending);
            let root = seal::combine(threshold, &shares)?;
            let keyring =
                persist::load_keyring(&self.dir.join(KEYRING_FILE), &root).map_err(|_| {
                    KmsError::BadInput(
                        "these shares do not unseal this key service; progress reset".into(),
                    )
                })?;
            *self.state_write() = Some(Unsealed { root, keyring });
        }
        Ok(self.status())
    }

    /// Forgets the shares received so far.
    pub fn reset_unseal(&self) {
        self.pending_shares().clear();
    }

    /// Seals again: drops the root key and every key from memory (Shamir seal only; the file
    /// seal would unseal itself at the next start anyway).
    pub fn seal(&self) -> KmsResult<()> {
        if self.config == SealConfig::File {
            return Err(KmsError::Refused(
                "the development file seal cannot be sealed".into(),
            ));
        }
        *self.state_write() = None;
        Ok(())
    }

    /// Runs a read-only operation on the keyring.
    pub fn read<T>(&self, op: impl FnOnce(&Keyring) -> KmsResult<T>) -> KmsResult<T> {
        match &*self.state_read() {
            Some(unsealed) => op(&unsealed.keyring),
            None => Err(KmsError::Sealed),
        }
    }

    /// Runs a changing operation on a copy of the keyring, persists the copy, then makes it
    /// current; on any failure the keyring stays as it was.
    pub fn write<T>(&self, op: impl FnOnce(&mut Keyring) -> KmsResult<T>) -> KmsResult<T> {
        let mut guard = self.state_write();
        let unsealed = guard.as_mut().ok_or(KmsError::Sealed)?;
        let mut copy = unsealed.keyring.clone();
        let out = op(&mut copy)?;
        persist::save_keyring(&self.dir.join(KEYRING_FILE), &unsealed.root, &copy)?;
        unsealed.keyring = copy;
        Ok(out)
    }

    /// Runs scheduled rotations and destructions that are due at `now_ms`.
    pub fn maintain(&self, now_ms: i64) -> KmsResult<Vec<MaintenanceAction>> {
        let due = self.read(|k| {
            Ok(k.keys
                .values()
                .any(|key| key.rotation_due(now_ms) || key.deletion_due(now_ms)))
        });
        match due {
            Ok(true) => self.write(|k| k.maintain(now_ms)),
            Ok(false) | Err(KmsError::Sealed) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

/// Unwraps the root key in the token and opens the keyring with it.
fn unseal_from_token(dir: &Path, settings: &KmsConfig) -> KmsResult<Unsealed> {
    let root = crate::seal_pkcs11::unseal_pkcs11(dir, &settings.pkcs11)?;
    let keyring = persist::load_keyring(&dir.join(KEYRING_FILE), &root)?;
    Ok(Unsealed { root, keyring })
}
