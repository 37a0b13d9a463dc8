//! `[audit]`: the audit trail (docs/audit.md).

use crate::config::Duration;
use serde::{Deserialize, Serialize};

/// `[audit]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// How often the server verifies the whole audit trail (records, tree, signed heads), as
    /// `palisade audit verify` does; it also verifies once at start. `"0s"`: only at start.
    pub verify_interval: Duration,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            verify_interval: Duration(3_600_000),
        }
    }
}
