//! The `[checks]`, `[inventory]` and `[fim]` sections of `agent.toml`: what the agent
//! assesses on its host, and how often.

use palisade_core::config::Duration;
use serde::Deserialize;
use std::path::PathBuf;

/// Scheduled baseline configuration checks.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ChecksConfig {
    /// Whether checks run at all.
    pub enabled: bool,
    /// Time between two runs; between full runs only changed results are shipped.
    pub interval: Duration,
    /// Time between two full runs, which ship every result.
    pub full_interval: Duration,
    /// Up to this much random delay is added to every run, so agents do not run in step.
    pub jitter: Duration,
    /// Built-in policy ids or policy files to run (empty: every built-in policy; checks of
    /// software that is absent report not applicable).
    pub policies: Vec<String>,
    /// Policy variable overrides (`name = "value"`), as `palisade check run --var`.
    pub vars: std::collections::BTreeMap<String, String>,
}

impl Default for ChecksConfig {
    fn default() -> Self {
        ChecksConfig {
            enabled: true,
            interval: Duration(3_600_000),
            full_interval: Duration(86_400_000),
            jitter: Duration(300_000),
            policies: Vec::new(),
            vars: Default::default(),
        }
    }
}

/// Scheduled package inventories, matched by the server against its advisories.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InventoryConfig {
    /// Whether inventories are taken at all.
    pub enabled: bool,
    /// Time between two inventories.
    pub interval: Duration,
    /// Up to this much random delay is added to every inventory.
    pub jitter: Duration,
    /// Whether the dpkg status file (`<target_root>/var/lib/dpkg/status`) is read.
    pub dpkg: bool,
    /// Lock files to read (`Cargo.lock`, `package-lock.json`, `poetry.lock`,
    /// `requirements*.txt`; `KIND:PATH` for other names).
    pub lockfiles: Vec<PathBuf>,
}

impl Default for InventoryConfig {
    fn default() -> Self {
        InventoryConfig {
            enabled: true,
            interval: Duration(21_600_000),
            jitter: Duration(300_000),
            dpkg: true,
            lockfiles: Vec::new(),
        }
    }
}

/// Configuration watching (file integrity monitoring).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FimConfig {
    /// Whether watched files are compared at all.
    pub enabled: bool,
    /// How often the watched paths are scanned (a change is shipped within this time).
    pub interval: Duration,
    /// Paths to watch, directories recursively (empty: `/etc/ssh/sshd_config` and the
    /// `watch` lists of the configured policies).
    pub paths: Vec<String>,
    /// Text files up to this many bytes keep their content for diffs.
    pub max_content_bytes: u64,
}

impl Default for FimConfig {
    fn default() -> Self {
        FimConfig {
            enabled: true,
            interval: Duration(2_000),
            paths: Vec::new(),
            max_content_bytes: 64 * 1024,
        }
    }
}

impl FimConfig {
    /// The default watched path besides the policies' watch lists.
    pub const SSHD_CONFIG: &'static str = "/etc/ssh/sshd_config";
}
