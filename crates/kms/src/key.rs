//! One named key: its versions, state and settings.

use crate::{error::KmsError, keytype::KeyType, policy::Grant, secret::Secret};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Shortest and longest waiting period before a scheduled deletion, in days.
pub const DELETION_DAYS: std::ops::RangeInclusive<u32> = 7..=30;
/// Waiting period when none is given, in days.
pub const DEFAULT_DELETION_DAYS: u32 = 30;
const DAY_MS: i64 = 86_400_000;

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Usable.
    Enabled,
    /// Kept but refused for every data operation until enabled again.
    Disabled,
    /// Refused for every data operation; destroyed when the waiting period ends.
    PendingDeletion,
    /// Material zeroized and gone; the name stays reserved.
    Destroyed,
}

/// One version of a key's material.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyVersion {
    /// The material (symmetric key, Ed25519 seed, or PKCS#8 P-256 key).
    pub material: Secret,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
}

/// A named, versioned key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Key {
    /// Unique name.
    pub name: String,
    /// Type of every version.
    #[serde(rename = "type")]
    pub kind: KeyType,
    /// Owning tenant.
    pub tenant: String,
    /// Lifecycle state.
    pub state: KeyState,
    /// Versions by number (1 up).
    pub versions: BTreeMap<u32, KeyVersion>,
    /// Newest version (used to encrypt and sign).
    pub latest_version: u32,
    /// Oldest version still allowed to decrypt, verify or rewrap.
    pub min_decryption_version: u32,
    /// Automatic rotation period in seconds (0 = never).
    pub rotate_period_secs: u64,
    /// When the newest version was made, epoch milliseconds.
    pub last_rotated_ms: i64,
    /// Whether the Vault-compatible `DELETE` may schedule this key's deletion.
    pub deletion_allowed: bool,
    /// When a scheduled deletion destroys the key, epoch milliseconds.
    pub deletion_due_ms: Option<i64>,
    /// Whether the material was imported (bring your own key).
    pub imported: bool,
    /// Grants to other principals and tenants.
    pub grants: Vec<Grant>,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
}

/// Checks a key name: 1 to 128 characters of letters, digits, `-`, `_` and `.`.
pub fn validate_name(name: &str) -> Result<(), KmsError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && name != "."
        && name != "..";
    if ok {
        Ok(())
    } else {
        Err(KmsError::BadInput(format!(
            "key name {name:?} must be 1 to 128 letters, digits, '-', '_' or '.'"
        )))
    }
}

impl Key {
    /// A new key with `material` as version 1.
    pub fn new(name: &str, kind: KeyType, tenant: &str, material: Secret, now_ms: i64) -> Key {
        Key {
            name: name.to_owned(),
            kind,
            tenant: tenant.to_owned(),
            state: KeyState::Enabled,
            versions: BTreeMap::from([(
                1,
                KeyVersion {
                    material,
                    created_ms: now_ms,
                },
            )]),
            latest_version: 1,
            min_decryption_version: 1,
            rotate_period_secs: 0,
            last_rotated_ms: now_ms,
            deletion_allowed: false,
            deletion_due_ms: None,
            imported: false,
            grants: Vec::new(),
            created_ms: now_ms,
        }
    }

    fn refuse_unless_enabled(&self) -> Result<(), KmsError> {
        match self.state {
            KeyState::Enabled => Ok(()),
            KeyState::Disabled => Err(KmsError::Refused(format!(
                "key {:?} is disabled",
                self.name
            ))),
            KeyState::PendingDeletion => Err(KmsError::Refused(format!(
                "key {:?} is pending deletion",
                self.name
            ))),
            KeyState::Destroyed => Err(KmsError::Refused(format!(
                "key {:?} was destroyed; data under it is unrecoverable",
                self.name
            ))),
        }
    }

    /// The newest version, for encrypting and signing; refused unless enabled.
    pub fn latest(&self) -> Result<(u32, &Secret), KmsError> {
        self.refuse_unless_enabled()?;
        self.versions
            .get(&self.latest_version)
            .map(|v| (self.latest_version, &v.material))
            .ok_or_else(|| {
                KmsError::Storage(format!("key {:?} lost its newest version", self.name))
            })
    }

    /// Version `version`, for decrypting and verifying; refused unless enabled and at least
    /// the minimum decryption version.
    pub fn version_for_decryption(&self, version: u32) -> Result<&Secret, KmsError> {
        self.refuse_unless_enabled()?;
        if version < self.min_decryption_version {
            return Err(KmsError::Refused(format!(
                "version {version} of key {:?} is below its minimum decryption version {}",
                self.name, self.min_decryption_version
            )));
        }
        self.versions
            .get(&version)
            .map(|v| &v.material)
            .ok_or_else(|| {
                KmsError::BadInput(format!("key {:?} has no version {version}", self.name))
            })
    }

    /// Adds `material` as the new newest version.
    pub fn rotate(&mut self, material: Secret, now_ms: i64) -> Result<u32, KmsError> {
        if matches!(self.state, KeyState::Destroyed | KeyState::PendingDeletion) {
            return self.refuse_unless_enabled().map(|_| 0);
        }
        let version = self.latest_version + 1;
        self.versions.insert(
            version,
            KeyVersion {
                material,
                created_ms: now_ms,
            },
        );
        self.latest_version = version;
        self.last_rotated_ms = now_ms;
        Ok(version)
    }

    /// Whether the automatic rotation period has passed.
    pub fn rotation_due(&self, now_ms: i64) -> bool {
        self.state == KeyState::Enabled
            && self.rotate_period_secs > 0
            && now_ms.saturating_sub(self.last_rotated_ms)
                >= i64::try_from(self.rotate_period_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
    }

    /// Sets the minimum decryption version (1 to the newest).
    pub fn set_min_decryption_version(&mut self, version: u32) -> Result<(), KmsError> {
        if version == 0 || version > self.latest_version {
            return Err(KmsError::BadInput(format!(
                "min_decryption_version must be 1 to {} for key {:?}",
                self.latest_version, self.name
            )));
        }
        self.min_decryption_version = version;
        Ok(())
    }

    /// Enables or disables; refused while pending deletion or destroyed.
    pub fn set_enabled(&mut self, enabled: bool) -> Result<(), KmsError> {
        match self.state {
            KeyState::Enabled | KeyState::Disabled => {
                self.state = if enabled {
                    KeyState::Enabled
                } else {
                    KeyState::Disabled
                };
                Ok(())
            }
            _ => self.refuse_unless_enabled(),
        }
    }

    /// Schedules destruction after `days` (7 to 30); returns when.
    pub fn schedule_deletion(&mut self, days: u32, now_ms: i64) -> Result<i64, KmsError> {
        if !DELETION_DAYS.contains(&days) {
            return Err(KmsError::BadInput(format!(
                "the deletion waiting period must be 7 to 30 days, not {days}"
            )));
        }
        if self.state == KeyState::Destroyed {
            return self.refuse_unless_enabled().map(|_| 0);
        }
        let due = now_ms + i64::from(days) * DAY_MS;
        self.state = KeyState::PendingDeletion;
        self.deletion_due_ms = Some(due);
        Ok(due)
    }

    /// Cancels a scheduled deletion; the key comes back disabled.
    pub fn cancel_deletion(&mut self) -> Result<(), KmsError> {
        if self.state != KeyState::PendingDeletion {
            return Err(KmsError::Refused(format!(
                "key {:?} is not pending deletion",
                self.name
            )));
        }
        self.state = KeyState::Disabled;
        self.deletion_due_ms = None;
        Ok(())
    }

    /// Zeroizes and drops every version. Allowed only once deletion was scheduled.
    pub fn destroy(&mut self) -> Result<(), KmsError> {
        if self.state != KeyState::PendingDeletion {
            return Err(KmsError::Refused(format!(
                "key {:?} must be scheduled for deletion before it can be destroyed",
                self.name
            )));
        }
        for version in self.versions.values_mut() {
            version.material.wipe();
        }
        self.versions.clear();
        self.grants.clear();
        self.state = KeyState::Destroyed;
        self.deletion_due_ms = None;
        Ok(())
    }

    /// Whether a scheduled deletion is due.
    pub fn deletion_due(&self, now_ms: i64) -> bool {
        self.state == KeyState::PendingDeletion && self.deletion_due_ms.is_some_and(|d| d <= now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::new("k", KeyType::Aes256Gcm, "default", Secret::random(32), 0)
    }

    #[test]
    fn lifecycle_gates_use() {
        let mut k = key();
        assert_eq!(k.rotate(Secret::random(32), 5).unwrap(), 2);
        k.set_min_decryption_version(2).unwrap();
        assert!(k.version_for_decryption(1).is_err());
        assert!(k.version_for_decryption(2).is_ok());
        assert!(k.set_min_decryption_version(3).is_err());
        k.set_enabled(false).unwrap();
        assert!(k.latest().is_err());
        k.set_enabled(true).unwrap();
        assert!(
            k.destroy().is_err(),
            "destroy needs a scheduled deletion first"
        );
        assert!(k.schedule_deletion(6, 0).is_err());
        assert!(k.schedule_deletion(31, 0).is_err());
        let due = k.schedule_deletion(DEFAULT_DELETION_DAYS, 0).unwrap();
        assert_eq!(due, 30 * DAY_MS);
        assert!(k.latest().is_err());
        assert!(!k.deletion_due(due - 1) && k.deletion_due(due));
        k.cancel_deletion().unwrap();
        assert_eq!(k.state, KeyState::Disabled);
        k.schedule_deletion(7, 0).unwrap();
        k.destroy().unwrap();
        assert!(k.versions.is_empty());
        assert!(k.version_for_decryption(2).is_err());
        assert!(k.set_enabled(true).is_err());
    }

    #[test]
    fn rotation_period() {
        let mut k = key();
        assert!(!k.rotation_due(i64::MAX));
        k.rotate_period_secs = 60;
        assert!(!k.rotation_due(59_999));
        assert!(k.rotation_due(60_000));
    }

    #[test]
    fn names() {
        assert!(validate_name("storage.tenant-a_1").is_ok());
        for bad in ["", "a/b", "..", "a b", &"x".repeat(129)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }
}
