//! `agent.toml`: what the agent tails, assesses and watches, and how often it reports.

use crate::posture_config::{ChecksConfig, FimConfig, InventoryConfig};
use palisade_core::config::{ByteSize, Duration};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The agent's configuration; every field has a default, so an empty file is valid.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AgentConfig {
    /// Log files to tail (absolute paths; a file that does not exist yet is picked up when it
    /// appears).
    pub files: Vec<PathBuf>,
    /// The host name reported with every record (default: the system's host name).
    pub hostname: Option<String>,
    /// How often files are checked for new lines.
    pub poll_interval: Duration,
    /// How often the agent reports its health.
    pub heartbeat_interval: Duration,
    /// About the most bytes of lines in one batch (keep it well under the server's
    /// `ingest.max_body_bytes`: each line travels wrapped in a small JSON object).
    pub batch_max_bytes: ByteSize,
    /// Most batches kept on disk; when full, tailing pauses (nothing is dropped).
    pub max_buffered_batches: usize,
    /// Longest wait between two attempts to reach an unreachable server.
    pub max_backoff: Duration,
    /// The file tree checks, inventories and watched files are read from (default `/`; a
    /// mounted or copied tree otherwise).
    pub target_root: PathBuf,
    /// Scheduled baseline configuration checks.
    pub checks: ChecksConfig,
    /// Scheduled package inventories.
    pub inventory: InventoryConfig,
    /// Configuration watching (file integrity monitoring).
    pub fim: FimConfig,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            files: Vec::new(),
            hostname: None,
            poll_interval: Duration(250),
            heartbeat_interval: Duration(30_000),
            batch_max_bytes: ByteSize(1 << 20),
            max_buffered_batches: 10_000,
            max_backoff: Duration(30_000),
            target_root: PathBuf::from("/"),
            checks: ChecksConfig::default(),
            inventory: InventoryConfig::default(),
            fim: FimConfig::default(),
        }
    }
}

impl AgentConfig {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> anyhow::Result<AgentConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let config: AgentConfig = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{} is not a valid agent configuration: {e}", path.display())
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Refuses values the agent cannot work with.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.batch_max_bytes.0 == 0 {
            anyhow::bail!("batch_max_bytes must be at least 1");
        }
        if self.max_buffered_batches == 0 {
            anyhow::bail!("max_buffered_batches must be at least 1");
        }
        if self.poll_interval.0 == 0 || self.heartbeat_interval.0 == 0 {
            anyhow::bail!("poll_interval and heartbeat_interval must be longer than 0");
        }
        if self.checks.interval.0 == 0
            || self.checks.full_interval.0 == 0
            || self.inventory.interval.0 == 0
            || self.fim.interval.0 == 0
        {
            anyhow::bail!("checks, inventory and fim intervals must be longer than 0");
        }
        if !self.target_root.is_dir() {
            anyhow::bail!(
                "target_root {} is not a directory",
                self.target_root.display()
            );
        }
        Ok(())
    }

    /// The host name to report: configured, or the system's.
    pub fn host_name(&self) -> String {
        if let Some(name) = &self.hostname {
            return name.clone();
        }
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .map(|s| s.trim().to_owned())
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations_sizes_and_refuses_unknown_keys() {
        let c: AgentConfig = toml::from_str(
            "files = [\"/var/log/a.log\"]\nheartbeat_interval = \"5s\"\nbatch_max_bytes = \"256KiB\"",
        )
        .unwrap();
        assert_eq!(c.heartbeat_interval, Duration(5000));
        assert_eq!(c.batch_max_bytes, ByteSize(256 * 1024));
        assert!(toml::from_str::<AgentConfig>("file = []").is_err());
        let zero = AgentConfig {
            batch_max_bytes: ByteSize(0),
            ..AgentConfig::default()
        };
        assert!(zero.validate().is_err());
    }

    #[test]
    fn posture_sections_have_defaults_and_refuse_unknown_keys() {
        let c: AgentConfig = toml::from_str(
            "[checks]\ninterval = \"10m\"\npolicies = [\"linux-sshd\"]\n[fim]\npaths = [\"/etc/hosts\"]\n[inventory]\nlockfiles = [\"/srv/app/Cargo.lock\"]",
        )
        .unwrap();
        assert_eq!(c.checks.interval, Duration(600_000));
        assert_eq!(c.checks.full_interval, Duration(86_400_000));
        assert_eq!(c.fim.paths, ["/etc/hosts"]);
        assert!(c.inventory.dpkg && c.inventory.enabled);
        assert!(toml::from_str::<AgentConfig>("[fim]\npath = []").is_err());
        let zero: AgentConfig = toml::from_str("[fim]\ninterval = \"0s\"").unwrap();
        assert!(zero.validate().is_err());
    }
}
