//! Managing keys: create, import, rotate, configure, enable/disable, schedule and cancel
//! deletion, destroy, grants, descriptions, and the periodic maintenance (scheduled rotation
//! and destruction). Every call checks that the caller is a key administrator of the key's
//! tenant.

use crate::{
    ciphertext::encode_b64,
    crypto,
    error::{KmsError, KmsResult},
    key::{validate_name, Key, KeyState},
    keyring::Keyring,
    keytype::KeyType,
    policy::{check_manage, check_use, Caller, Grant, Operation},
    secret::Secret,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Settings a key administrator may change; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct KeyConfig {
    /// Oldest version allowed to decrypt and verify.
    pub min_decryption_version: Option<u32>,
    /// Automatic rotation period in seconds (0 turns it off).
    pub rotate_period_secs: Option<u64>,
    /// Whether the Vault-compatible `DELETE` may schedule deletion.
    pub deletion_allowed: Option<bool>,
}

/// What a key looks like from outside: metadata and public keys, never private material.
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    /// Name.
    pub name: String,
    /// Type name.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Owning tenant.
    pub tenant: String,
    /// Lifecycle state.
    pub state: KeyState,
    /// Newest version.
    pub latest_version: u32,
    /// Oldest version allowed to decrypt.
    pub min_decryption_version: u32,
    /// Automatic rotation period in seconds (0 = never).
    pub rotate_period_secs: u64,
    /// Whether the Vault-compatible delete is allowed.
    pub deletion_allowed: bool,
    /// When a scheduled deletion happens, epoch milliseconds.
    pub deletion_due_ms: Option<i64>,
    /// Whether the material was imported.
    pub imported: bool,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Versions: creation time and, for signing keys, the base64 public key.
    pub versions: BTreeMap<u32, VersionInfo>,
    /// Grants.
    pub grants: Vec<Grant>,
}

/// One version as [`KeyInfo`] shows it.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Base64 public key of signing keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

/// Something the periodic maintenance did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceAction {
    /// Which key.
    pub key: String,
    /// `Rotate` or `Delete` (destroyed after its waiting period).
    pub operation: Operation,
    /// The new version after a rotation.
    pub version: Option<u32>,
}

impl Keyring {
    fn managed(&mut self, caller: &Caller, name: &str, op: Operation) -> KmsResult<&mut Key> {
        let key = self
            .keys
            .get_mut(name)
            .ok_or_else(|| KmsError::NotFound(name.to_owned()))?;
        check_manage(caller, &key.tenant, op)?;
        Ok(key)
    }

    fn insert_new(&mut self, caller: &Caller, key: Key, op: Operation) -> KmsResult<()> {
        validate_name(&key.name)?;
        crate::at_rest::check_reserved_name(&key.name, &key.tenant)?;
        check_manage(caller, &key.tenant, op)?;
        if self.keys.contains_key(&key.name) {
            return Err(KmsError::AlreadyExists(key.name));
        }
        self.keys.insert(key.name.clone(), key);
        Ok(())
    }

    /// Creates a key of `kind` owned by `tenant` with generated material.
    pub fn create(
        &mut self,
        caller: &Caller,
        name: &str,
        kind: KeyType,
        tenant: &str,
        now_ms: i64,
    ) -> KmsResult<()> {
        let key = Key::new(name, kind, tenant, kind.generate()?, now_ms);
        self.insert_new(caller, key, Operation::Create)
    }

    /// Creates a key from customer material (bring your own key), or adds the material as a
    /// new version when the key exists and `as_new_version` is set.
    pub fn import(
        &mut self,
        caller: &Caller,
        name: &str,
        kind: KeyType,
        tenant: &str,
        material: Secret,
        now_ms: i64,
    ) -> KmsResult<u32> {
        kind.validate_material(&material)?;
        if let Some(existing) = self.keys.get(name) {
            check_manage(caller, &existing.tenant, Operation::Import)?;
            if existing.kind != kind {
                return Err(KmsError::BadInput(format!(
                    "key {name:?} is {}, not {}",
                    existing.kind.name(),
                    kind.name()
                )));
            }
        }
        match self.keys.get_mut(name) {
            Some(key) => {
                key.imported = true;
                key.rotate(material, now_ms)
            }
            None => {
                let mut key = Key::new(name, kind, tenant, material, now_ms);
                key.imported = true;
                self.insert_new(caller, key, Operation::Import).map(|_| 1)
            }
        }
    }

    /// Adds a new generated version; returns its number.
    pub fn rotate(&mut self, caller: &Caller, name: &str, now_ms: i64) -> KmsResult<u32> {
        let key = self.managed(caller, name, Operation::Rotate)?;
        let material = key.kind.generate()?;
        key.rotate(material, now_ms)
    }

    /// Changes settings.
    pub fn configure(&mut self, caller: &Caller, name: &str, config: &KeyConfig) -> KmsResult<()> {
        let key = self.managed(caller, name, Operation::Configure)?;
        if let Some(v) = config.min_decryption_version {
            key.set_min_decryption_version(v)?;
        }
        if let Some(p) = config.rotate_period_secs {
            if p != 0 && p < 3600 {
                return Err(KmsError::BadInput(
                    "rotate_period must be 0 (off) or at least one hour".into(),
                ));
            }
            key.rotate_period_secs = p;
        }
        if let Some(d) = config.deletion_allowed {
            key.deletion_allowed = d;
        }
        Ok(())
    }

    /// Enables or disables a key.
    pub fn set_enabled(&mut self, caller: &Caller, name: &str, enabled: bool) -> KmsResult<()> {
        self.managed(caller, name, Operation::SetEnabled)?
            .set_enabled(enabled)
    }

    /// Schedules destruction after `days` (7 to 30); returns when, epoch milliseconds.
    pub fn schedule_deletion(
        &mut self,
        caller: &Caller,
        name: &str,
        days: u32,
        now_ms: i64,
    ) -> KmsResult<i64> {
        self.managed(caller, name, Operation::Delete)?
            .schedule_deletion(days, now_ms)
    }

    /// Cancels a scheduled deletion (the key comes back disabled).
    pub fn cancel_deletion(&mut self, caller: &Caller, name: &str) -> KmsResult<()> {
        self.managed(caller, name, Operation::Delete)?
            .cancel_deletion()
    }

    /// Destroys a key pending deletion now: its material is zeroized.
    pub fn destroy(&mut self, caller: &Caller, name: &str) -> KmsResult<()> {
        self.managed(caller, name, Operation::Delete)?.destroy()
    }

    /// Adds a grant.
    pub fn add_grant(&mut self, caller: &Caller, name: &str, grant: Grant) -> KmsResult<()> {
        if grant.operations.iter().any(|op| op.is_management()) {
            return Err(KmsError::BadInput(
                "grants cover data operations only".into(),
            ));
        }
        let key = self.managed(caller, name, Operation::Grant)?;
        key.grants.retain(|g| g.grantee != grant.grantee);
        if !grant.operations.is_empty() {
            key.grants.push(grant);
        }
        Ok(())
    }

    /// Describes a key to a key administrator or a user allowed to use it.
    pub fn describe(&self, caller: &Caller, name: &str) -> KmsResult<KeyInfo> {
        let key = self.get(name)?;
        if let Err(e) = check_manage(caller, &key.tenant, Operation::Read) {
            if check_use(caller, &key.tenant, &key.grants, Operation::Verify).is_err() {
                return Err(e);
            }
        }
        info(key)
    }

    /// Names of the keys the caller may manage or use.
    pub fn list(&self, caller: &Caller) -> Vec<String> {
        self.keys
            .values()
            .filter(|k| {
                check_manage(caller, &k.tenant, Operation::Read).is_ok()
                    || check_use(caller, &k.tenant, &k.grants, Operation::Verify).is_ok()
            })
            .map(|k| k.name.clone())
            .collect()
    }

    /// Rotates keys whose period has passed and destroys keys whose deletion is due.
    pub fn maintain(&mut self, now_ms: i64) -> KmsResult<Vec<MaintenanceAction>> {
        let mut done = Vec::new();
        for key in self.keys.values_mut() {
            if key.rotation_due(now_ms) {
                let version = key.rotate(key.kind.generate()?, now_ms)?;
                done.push(MaintenanceAction {
                    key: key.name.clone(),
                    operation: Operation::Rotate,
                    version: Some(version),
                });
            }
            if key.deletion_due(now_ms) {
                key.destroy()?;
                done.push(MaintenanceAction {
                    key: key.name.clone(),
                    operation: Operation::Delete,
                    version: None,
                });
            }
        }
        Ok(done)
    }
}

fn info(key: &Key) -> KmsResult<KeyInfo> {
    let mut versions = BTreeMap::new();
    for (n, v) in &key.versions {
        let public_key = crypto::public_key(key.kind, &v.material)?.map(|p| encode_b64(&p));
        versions.insert(
            *n,
            VersionInfo {
                created_ms: v.created_ms,
                public_key,
            },
        );
    }
    Ok(KeyInfo {
        name: key.name.clone(),
        kind: key.kind.name(),
        tenant: key.tenant.clone(),
        state: key.state,
        latest_version: key.latest_version,
        min_decryption_version: key.min_decryption_version,
        rotate_period_secs: key.rotate_period_secs,
        deletion_allowed: key.deletion_allowed,
        deletion_due_ms: key.deletion_due_ms,
        imported: key.imported,
        created_ms: key.created_ms,
        versions,
        grants: key.grants.clone(),
    })
}
