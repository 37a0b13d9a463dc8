//! Operating encryption at rest: rotating a tenant's storage key (re-wrapping its data keys,
//! never its segments), re-wrapping after scheduled rotations, and the per-tenant status.

use super::{datakeys, naming, store_caller, wrap_aad, AtRestSealer};
use crate::{
    error::{KmsError, KmsResult},
    key::KeyState,
    policy::Caller,
};
use serde::Serialize;

/// What a storage key rotation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RotationReport {
    /// The storage key rotated.
    pub storage_key: String,
    /// Its new newest version.
    pub version: u32,
    /// Data keys re-wrapped under that version.
    pub rewrapped: usize,
}

/// How many data keys one storage key version wraps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataKeyCount {
    /// The storage key.
    pub storage_key: String,
    /// Its version that wraps them.
    pub version: u32,
    /// Its state (`enabled`, `destroyed`, ...; `missing` if the keyring no longer has it).
    pub state: String,
    /// Data keys.
    pub data_keys: u64,
}

/// A tenant's encryption at rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AtRestStatus {
    /// The tenant.
    pub tenant: String,
    /// The storage key new data keys are wrapped with.
    pub storage_key: String,
    /// Its newest version (`None` until the tenant's first block is stored).
    pub version: Option<u32>,
    /// The data keys, by storage key and version.
    pub data_keys: Vec<DataKeyCount>,
}

fn storage(e: palisade_state::StateError) -> KmsError {
    KmsError::Storage(e.to_string())
}

impl AtRestSealer {
    /// Rotates `tenant`'s storage key as `caller` (a key administrator of the tenant) and
    /// re-wraps every data key it wraps under the new version; segments are not touched.
    pub fn rotate(&self, caller: &Caller, tenant: &str) -> KmsResult<RotationReport> {
        let current = self.kms.read(|k| naming::current_storage_key(k, tenant))?;
        if current.version.is_none() {
            return Err(KmsError::NotFound(format!(
                "{} (tenant {tenant:?} has stored no events yet)",
                current.name
            )));
        }
        let now = palisade_core::time::now_ms();
        let version = self.kms.write(|k| k.rotate(caller, &current.name, now))?;
        let rewrapped = self.rewrap(&current.name, version)?;
        Ok(RotationReport {
            storage_key: current.name,
            version,
            rewrapped,
        })
    }

    /// Re-wraps, under the newest version, the data keys of every storage key that was rotated
    /// since they were wrapped (scheduled rotations, or rotations through the key API);
    /// returns how many.
    pub fn rewrap_stale(&self) -> KmsResult<usize> {
        let mut total = 0;
        for name in datakeys::storage_keys(&self.state).map_err(storage)? {
            let latest = self.kms.read(|k| {
                Ok(k.keys
                    .get(&name)
                    .filter(|key| key.state == KeyState::Enabled)
                    .map(|key| key.latest_version))
            })?;
            if let Some(latest) = latest {
                total += self.rewrap(&name, latest)?;
            }
        }
        Ok(total)
    }

    /// Re-wraps the data keys `storage_key` wraps under a version older than `latest`.
    fn rewrap(&self, storage_key: &str, latest: u32) -> KmsResult<usize> {
        let stale = datakeys::stale(&self.state, storage_key, latest).map_err(storage)?;
        if stale.is_empty() {
            return Ok(0);
        }
        let rewrapped = self.kms.read(|k| {
            stale
                .iter()
                .map(|row| {
                    let aad = wrap_aad(&row.tenant, &row.id);
                    let caller = store_caller(&row.tenant);
                    k.rewrap(&caller, storage_key, &aad, &row.wrapped)
                        .map(|v| (row.id.clone(), v.version, v.value))
                })
                .collect::<KmsResult<Vec<_>>>()
        })?;
        datakeys::update_wrapping(&self.state, &rewrapped).map_err(storage)?;
        Ok(rewrapped.len())
    }

    /// `tenant`'s storage key and data keys.
    pub fn status(&self, tenant: &str) -> KmsResult<AtRestStatus> {
        let current = self.kms.read(|k| naming::current_storage_key(k, tenant))?;
        let census = datakeys::census(&self.state, tenant).map_err(storage)?;
        let data_keys = self.kms.read(|k| {
            Ok(census
                .into_iter()
                .map(|(storage_key, version, data_keys)| {
                    let state = k.keys.get(&storage_key).map_or_else(
                        || "missing".to_owned(),
                        |key| {
                            serde_json::to_value(key.state)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()
                        },
                    );
                    DataKeyCount {
                        storage_key,
                        version,
                        state,
                        data_keys,
                    }
                })
                .collect())
        })?;
        Ok(AtRestStatus {
            tenant: tenant.to_owned(),
            storage_key: current.name,
            version: current.version,
            data_keys,
        })
    }
}
