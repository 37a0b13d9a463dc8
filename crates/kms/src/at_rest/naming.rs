//! Storage key names: one generation after another per tenant, reserved for that tenant.

use crate::{
    error::{KmsError, KmsResult},
    key::KeyState,
    keyring::Keyring,
};

/// Names of storage keys start with this; such keys belong to the tenant they name.
pub const STORAGE_KEY_PREFIX: &str = "palisade-storage-";
/// More generations than any tenant will shred; bounds the search for the current one.
pub(super) const MAX_GENERATIONS: u32 = 10_000;

/// The name of `tenant`'s storage key of `generation` (1 = the first; a new generation
/// starts when the previous one is scheduled for deletion or destroyed).
pub fn storage_key_name(tenant: &str, generation: u32) -> String {
    if generation <= 1 {
        format!("{STORAGE_KEY_PREFIX}{tenant}")
    } else {
        format!("{STORAGE_KEY_PREFIX}{tenant}.g{generation}")
    }
}

/// Refuses a key whose name claims to be another tenant's storage key, so that no tenant can
/// take the name of (and so block) another tenant's encryption at rest.
pub fn check_reserved_name(name: &str, tenant: &str) -> KmsResult<()> {
    let Some(rest) = name.strip_prefix(STORAGE_KEY_PREFIX) else {
        return Ok(());
    };
    let named_tenant = rest.split('.').next().unwrap_or(rest);
    if named_tenant == tenant {
        Ok(())
    } else {
        Err(KmsError::BadInput(format!(
            "key names starting with {STORAGE_KEY_PREFIX:?} are reserved for the storage key of \
             the tenant they name; {name:?} cannot belong to tenant {tenant:?}"
        )))
    }
}

/// The storage key new data keys of a tenant are wrapped with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentStorageKey {
    /// Its name.
    pub name: String,
    /// Its newest version; `None` when it does not exist yet.
    pub version: Option<u32>,
}

/// Finds `tenant`'s current storage key: the first generation that is not scheduled for
/// deletion or destroyed. A disabled storage key stops the tenant's storage.
pub fn current_storage_key(keyring: &Keyring, tenant: &str) -> KmsResult<CurrentStorageKey> {
    palisade_core::TenantId::new(tenant).map_err(KmsError::BadInput)?;
    first_usable_generation(
        keyring,
        |generation| storage_key_name(tenant, generation),
        |name| {
            format!(
                "storage key {name:?} is disabled: the tenant's events can be neither stored \
                 nor read until it is enabled again"
            )
        },
        || format!("tenant {tenant:?} has used up {MAX_GENERATIONS} storage key generations"),
    )
}

/// The first generation of a storage key (named by `name_of`) that is not scheduled for
/// deletion or destroyed; `disabled` and `used_up` word the refusals.
pub(super) fn first_usable_generation(
    keyring: &Keyring,
    name_of: impl Fn(u32) -> String,
    disabled: impl FnOnce(&str) -> String,
    used_up: impl FnOnce() -> String,
) -> KmsResult<CurrentStorageKey> {
    for generation in 1..=MAX_GENERATIONS {
        let name = name_of(generation);
        let Some(key) = keyring.keys.get(&name) else {
            return Ok(CurrentStorageKey {
                name,
                version: None,
            });
        };
        match key.state {
            KeyState::Enabled => {
                return Ok(CurrentStorageKey {
                    name,
                    version: Some(key.latest_version),
                })
            }
            KeyState::Disabled => return Err(KmsError::Refused(disabled(&name))),
            KeyState::PendingDeletion | KeyState::Destroyed => {}
        }
    }
    Err(KmsError::Refused(used_up()))
}
