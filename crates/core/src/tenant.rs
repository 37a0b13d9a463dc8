//! Tenant identifiers.

use serde::{Deserialize, Serialize};
use std::{
    fmt,
    sync::{Arc, OnceLock},
};

/// The tenant a source, event, segment, query or API call belongs to.
///
/// Tenant ids are short names made of ASCII letters, digits, `-` and `_` (they become directory
/// names under the data directory), at most 64 bytes. The name is shared, not copied, by
/// clones: every record and event carries its tenant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(Arc<str>);

/// The tenant everything belongs to until tenants are configured.
pub const DEFAULT_TENANT: &str = "default";

impl TenantId {
    /// Validates and wraps a tenant name.
    pub fn new(name: &str) -> Result<Self, String> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(TenantId(name.into()))
        } else {
            Err(format!(
                "invalid tenant id {name:?}: use 1 to 64 ASCII letters, digits, '-' or '_'"
            ))
        }
    }

    /// The tenant name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for TenantId {
    /// The built-in default tenant.
    fn default() -> Self {
        static DEFAULT: OnceLock<TenantId> = OnceLock::new();
        DEFAULT
            .get_or_init(|| TenantId(DEFAULT_TENANT.into()))
            .clone()
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TenantId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        TenantId::new(&s)
    }
}

impl From<TenantId> for String {
    fn from(t: TenantId) -> String {
        t.0.to_string()
    }
}
