//! Scheduled package inventories, the agent's side: the dpkg status file of the target root
//! and the configured lock files are read every `[inventory] interval` into an
//! [`InventoryReport`], kept in `<state-dir>/inventory.json` until the server acknowledged it
//! (`POST /api/v1/agents/inventory`). Only the newest inventory matters, so a newer one
//! replaces one still waiting. The server matches it against its advisories
//! ([`crate::inventory_match`]).

use crate::{positions::write_atomically, posture_config::InventoryConfig, schedule::Schedule};
use palisade_vuln::inventory::{read_lockfile, read_target_root, Inventory, Package};
use serde::{Deserialize, Serialize};
use std::{
    path::{Path, PathBuf},
    time::Instant,
};

/// The route inventories are sent to.
pub const INVENTORY_PATH: &str = "/api/v1/agents/inventory";

/// A host's packages as the agent sends them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryReport {
    /// The host the packages are installed on.
    pub hostname: String,
    /// When the inventory was taken, epoch milliseconds.
    pub taken_ms: i64,
    /// Installed or locked packages.
    pub packages: Vec<InventoryPackage>,
    /// What could not be checked and why (unpinned requirements, Git dependencies, files
    /// that could not be read).
    #[serde(default)]
    pub skipped: Vec<String>,
}

/// One package of an [`InventoryReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryPackage {
    /// OSV ecosystem (`Debian:12`, `crates.io`, `npm`, `PyPI`...).
    pub ecosystem: String,
    /// Package name (for dpkg: the source package).
    pub name: String,
    /// Installed or locked version.
    pub version: String,
    /// The file it was read from.
    pub source: String,
    /// For dpkg: the binary packages built from this source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binaries: Vec<String>,
}

impl From<&Package> for InventoryPackage {
    fn from(p: &Package) -> Self {
        InventoryPackage {
            ecosystem: p.ecosystem.to_string(),
            name: p.name.clone(),
            version: p.version.clone(),
            source: p.source.clone(),
            binaries: p.binaries.clone(),
        }
    }
}

/// Reads the inventory `config` asks for under `root`. A lock file that cannot be read is
/// noted in `skipped` (with the reason) rather than failing the whole inventory.
pub fn take(config: &InventoryConfig, root: &Path, hostname: &str) -> InventoryReport {
    let mut inventory = Inventory::default();
    if config.dpkg {
        match read_target_root(root) {
            Ok(found) => inventory.extend(found),
            Err(e) => inventory.skipped.push(e.to_string()),
        }
    }
    for lockfile in &config.lockfiles {
        match read_lockfile(lockfile) {
            Ok(found) => inventory.extend(found),
            Err(e) => inventory.skipped.push(e.to_string()),
        }
    }
    let mut skipped = inventory.skipped;
    skipped.extend(
        inventory
            .unpinned
            .iter()
            .map(|u| format!("unpinned, not checked: {} ({})", u.requirement, u.source)),
    );
    InventoryReport {
        hostname: hostname.to_owned(),
        taken_ms: palisade_core::time::now_ms(),
        packages: inventory
            .packages
            .iter()
            .map(InventoryPackage::from)
            .collect(),
        skipped,
    }
}

/// The inventory schedule and the inventory waiting for the server.
pub struct ScheduledInventory {
    config: InventoryConfig,
    schedule: Schedule,
    pending_file: PathBuf,
}

/// File name under the state directory.
const PENDING_FILE: &str = "inventory.json";

impl ScheduledInventory {
    /// The schedule of `config`, with its pending inventory in `state_dir`.
    pub fn new(config: &InventoryConfig, state_dir: &Path, now: Instant) -> ScheduledInventory {
        ScheduledInventory {
            config: config.clone(),
            schedule: Schedule::starting(now, config.interval.as_std(), config.jitter.as_std()),
            pending_file: state_dir.join(PENDING_FILE),
        }
    }

    /// Whether an inventory is due.
    pub fn due(&self, now: Instant) -> bool {
        self.schedule.due(now)
    }

    /// Takes an inventory and keeps it on disk until it is delivered.
    pub fn take(&mut self, root: &Path, hostname: &str, now: Instant) -> std::io::Result<usize> {
        self.schedule.done(now);
        let report = take(&self.config, root, hostname);
        let bytes = serde_json::to_vec(&report).map_err(std::io::Error::other)?;
        write_atomically(&self.pending_file, &bytes)?;
        Ok(report.packages.len())
    }

    /// The inventory waiting for the server, as the request body.
    pub fn pending(&self) -> Option<Vec<u8>> {
        std::fs::read(&self.pending_file).ok()
    }

    /// Forgets the pending inventory once the server acknowledged it.
    pub fn delivered(&self) -> std::io::Result<()> {
        match std::fs::remove_file(&self.pending_file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Moves a pending inventory the server refused as malformed to `rejected/`.
    pub fn reject(&self) -> std::io::Result<()> {
        let rejected = self.pending_file.with_file_name("rejected");
        std::fs::create_dir_all(&rejected)?;
        std::fs::rename(&self.pending_file, rejected.join(PENDING_FILE))
    }
}
