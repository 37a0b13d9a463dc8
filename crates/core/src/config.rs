//! `palisade.toml`: every key, its default, and validation with clear messages.
//!
//! Each key is documented in `docs/configuration.md`; a file may set any subset, and command
//! line flags override the file. Unknown keys are errors (a typo must not silently fall back
//! to a default).

use crate::tenant::TenantId;
use serde::{Deserialize, Serialize};
use std::{net::SocketAddr, path::PathBuf};

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where all state lives.
    pub data_dir: PathBuf,
    /// The HTTP API.
    pub api: ApiConfig,
    /// Syslog collectors.
    pub syslog: SyslogConfig,
    /// HTTP ingest limits.
    pub ingest: IngestConfig,
    /// Write-ahead log.
    pub wal: WalConfig,
    /// Event storage and retention.
    pub storage: StorageConfig,
    /// Process logging.
    pub log: LogConfig,
    /// `[iam]`: identities and logins (docs/iam.md).
    pub iam: crate::iam_config::IamConfig,
    /// `[[parsers]]`: parser chains per source (compiled and checked by palisade-parse;
    /// docs/parsers.md).
    pub parsers: Vec<toml::Table>,
    /// Key management: encryption at rest.
    pub kms: crate::kms_config::KmsConfig,
    /// `[detection]`: Sigma rules, correlation and alerts.
    pub detection: crate::detection_config::DetectionConfig,
    /// `[incidents]`: grouping, SLA, notifications and response actions (docs/incidents.md).
    pub incidents: crate::incident_config::IncidentConfig,
    /// `[agents]`: host agents (docs/agent.md).
    pub agents: crate::agents_config::AgentsConfig,
    /// `[audit]`: the audit trail (docs/audit.md).
    pub audit: crate::audit_config::AuditConfig,
    /// `[posture]`: compliance posture (docs/posture.md).
    pub posture: crate::posture_config::PostureConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./palisade-data"),
            api: ApiConfig::default(),
            syslog: SyslogConfig::default(),
            ingest: IngestConfig::default(),
            wal: WalConfig::default(),
            storage: StorageConfig::default(),
            log: LogConfig::default(),
            iam: crate::iam_config::IamConfig::default(),
            parsers: Vec::new(),
            kms: crate::kms_config::KmsConfig::default(),
            detection: Default::default(),
            incidents: Default::default(),
            agents: Default::default(),
            audit: Default::default(),
            posture: Default::default(),
        }
    }
}

/// `[api]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Address of the HTTPS API.
    pub listen: SocketAddr,
    /// Serve plain HTTP instead of HTTPS (only allowed on a loopback address).
    pub insecure_http: bool,
    /// PEM certificate chain; empty: a self-signed certificate generated at first start.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for `tls_cert`.
    pub tls_key: Option<PathBuf>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            listen: "127.0.0.1:8443".parse().expect("valid literal"),
            insecure_http: false,
            tls_cert: None,
            tls_key: None,
        }
    }
}

/// `[syslog]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SyslogConfig {
    /// UDP and TCP syslog address (both on the same port); `"off"` to disable.
    #[serde(with = "optional_addr")]
    pub listen: Option<SocketAddr>,
    /// Syslog over TLS (RFC 5425) address; `"off"` to disable.
    #[serde(with = "optional_addr")]
    pub tls_listen: Option<SocketAddr>,
    /// Largest accepted message in bytes; larger frames are rejected and counted.
    pub max_message_bytes: usize,
    /// Tenant that owns events received by these listeners.
    pub tenant: TenantId,
    /// Most simultaneous TCP and TLS connections.
    pub max_connections: usize,
    /// Close a TCP or TLS connection that sent nothing for this long.
    pub idle_timeout: Duration,
}

impl Default for SyslogConfig {
    fn default() -> Self {
        SyslogConfig {
            listen: Some("0.0.0.0:1514".parse().expect("valid literal")),
            tls_listen: Some("0.0.0.0:6514".parse().expect("valid literal")),
            max_message_bytes: 64 * 1024,
            tenant: TenantId::default(),
            max_connections: 1024,
            idle_timeout: Duration(600_000),
        }
    }
}

/// A listen address that may be switched off with `"off"` (or `""`).
mod optional_addr {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::net::SocketAddr;

    pub fn serialize<S: Serializer>(addr: &Option<SocketAddr>, s: S) -> Result<S::Ok, S::Error> {
        match addr {
            Some(a) => s.collect_str(a),
            None => s.serialize_str("off"),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
        let text = String::deserialize(d)?;
        match text.trim() {
            "" | "off" => Ok(None),
            other => other.parse().map(Some).map_err(|_| {
                serde::de::Error::custom(format!(
                    "{other:?} is not an address: write \"0.0.0.0:1514\" or \"off\""
                ))
            }),
        }
    }
}

/// `[ingest]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Largest accepted `POST /api/v1/ingest` body in bytes.
    pub max_body_bytes: usize,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            max_body_bytes: 32 * 1024 * 1024,
        }
    }
}

/// `[wal]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WalConfig {
    /// fsync every group commit before acknowledging (turn off only for benchmarks).
    pub fsync: bool,
    /// Size at which a WAL file is closed and a new one started.
    pub file_bytes: ByteSize,
}

impl Default for WalConfig {
    fn default() -> Self {
        WalConfig {
            fsync: true,
            file_bytes: ByteSize(64 * 1024 * 1024),
        }
    }
}

/// `[storage]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Events newer than this many are kept in memory (and the WAL) before a segment is written.
    pub flush_events: usize,
    /// Longest time events wait in memory before a segment is written.
    pub flush_interval: Duration,
    /// Events per compressed block inside a segment.
    pub block_events: usize,
    /// zstd level for blocks (1 fastest … 19 smallest).
    pub zstd_level: i32,
    /// Delete partitions whose newest event is older than this (`0d` keeps forever).
    pub retention_max_age: Duration,
    /// Delete the oldest partitions while a tenant's events take more than this (`0` = no limit).
    pub retention_max_bytes: ByteSize,
    /// How often retention runs.
    pub retention_interval: Duration,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            flush_events: 200_000,
            flush_interval: Duration(30_000),
            block_events: 8_192,
            zstd_level: 3,
            retention_max_age: Duration(30 * 86_400_000),
            retention_max_bytes: ByteSize(0),
            retention_interval: Duration(600_000),
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `tracing` filter (`info`, `palisade=debug,info`).
    pub level: String,
    /// `text` or `json`.
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".to_owned(),
            format: LogFormat::Text,
        }
    }
}

/// Process log format.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// A byte count written as `1048576`, `"512KiB"`, `"64MiB"`, `"50GiB"`, `"1TiB"` (or KB/MB/GB,
/// which mean the same powers of 1024 here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ByteSizeInput", into = "u64")]
pub struct ByteSize(pub u64);

/// A duration written as milliseconds or `"500ms"`, `"30s"`, `"15m"`, `"1h"`, `"30d"`, `"2w"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ByteSizeInput", into = "u64")]
pub struct Duration(pub u64);

#[derive(Deserialize)]
#[serde(untagged)]
enum ByteSizeInput {
    Number(u64),
    Text(String),
}

impl TryFrom<ByteSizeInput> for ByteSize {
    type Error = String;
    fn try_from(v: ByteSizeInput) -> Result<Self, String> {
        match v {
            ByteSizeInput::Number(n) => Ok(ByteSize(n)),
            ByteSizeInput::Text(s) => parse_bytes(&s).map(ByteSize).ok_or_else(|| {
                format!("{s:?} is not a size: write e.g. 1048576, \"512KiB\", \"64MiB\", \"50GiB\"")
            }),
        }
    }
}

impl TryFrom<ByteSizeInput> for Duration {
    type Error = String;
    fn try_from(v: ByteSizeInput) -> Result<Self, String> {
        match v {
            ByteSizeInput::Number(n) => Ok(Duration(n)),
            ByteSizeInput::Text(s) => crate::time::parse_duration_ms(&s)
                .and_then(|ms| u64::try_from(ms).ok())
                .map(Duration)
                .ok_or_else(|| {
                    format!("{s:?} is not a duration: write e.g. \"500ms\", \"30s\", \"15m\", \"1h\", \"30d\"")
                }),
        }
    }
}

impl From<ByteSize> for u64 {
    fn from(b: ByteSize) -> u64 {
        b.0
    }
}
impl From<Duration> for u64 {
    fn from(d: Duration) -> u64 {
        d.0
    }
}

impl Duration {
    /// As a std duration.
    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.0)
    }
}

fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..split].parse().ok()?;
    let mul: u64 = match s[split..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mul)
}

/// A configuration problem, with where it is when the file says.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has a wrong key or value (the message names line and column).
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What the TOML reader said, with line and column.
        message: String,
    },
    /// The values are each valid but do not fit together.
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &std::path::Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config = Config::parse(&text).map_err(|e| match e {
            ConfigError::Syntax { message, .. } => ConfigError::Syntax {
                path: path.to_owned(),
                message,
            },
            other => other,
        })?;
        Ok(config)
    }

    /// Parses and validates configuration text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: PathBuf::from("palisade.toml"),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what single keys cannot: combinations and ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if self.api.insecure_http && !self.api.listen.ip().is_loopback() {
            return bad(format!(
                "api.insecure_http is only allowed on a loopback address, not {}: \
                 plain HTTP would expose the admin token on the network",
                self.api.listen
            ));
        }
        if self.api.tls_cert.is_some() != self.api.tls_key.is_some() {
            return bad("api.tls_cert and api.tls_key must be set together".into());
        }
        if !(1..=19).contains(&self.storage.zstd_level) {
            return bad(format!(
                "storage.zstd_level must be 1 to 19, not {}",
                self.storage.zstd_level
            ));
        }
        if self.storage.block_events == 0 || self.storage.flush_events == 0 {
            return bad("storage.block_events and storage.flush_events must be at least 1".into());
        }
        if self.syslog.max_message_bytes < 480 {
            return bad(
                "syslog.max_message_bytes must be at least 480 (RFC 5424's minimum)".into(),
            );
        }
        self.detection.validate().map_err(ConfigError::Invalid)?;
        if self.wal.file_bytes.0 < 1 << 20 {
            return bad("wal.file_bytes must be at least 1MiB".into());
        }
        self.incidents.validate().map_err(ConfigError::Invalid)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn sizes_and_durations_read_with_units() {
        let c = Config::parse(
            "[storage]\nretention_max_age = \"7d\"\nretention_max_bytes = \"2GiB\"\n",
        )
        .unwrap();
        assert_eq!(c.storage.retention_max_age, Duration(7 * 86_400_000));
        assert_eq!(c.storage.retention_max_bytes, ByteSize(2 << 30));
    }

    #[test]
    fn listeners_can_be_switched_off() {
        let c =
            Config::parse("[syslog]\nlisten = \"off\"\ntls_listen = \"127.0.0.1:6514\"\n").unwrap();
        assert_eq!(c.syslog.listen, None);
        assert_eq!(c.syslog.tls_listen, Some("127.0.0.1:6514".parse().unwrap()));
        let text = toml::to_string(&c).unwrap();
        assert_eq!(Config::parse(&text).unwrap(), c);
        assert!(Config::parse("[syslog]\nlisten = \"nowhere\"\n").is_err());
    }

    #[test]
    fn errors_name_the_problem() {
        let e = Config::parse("[storage]\nretension_max_age = \"7d\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("retension_max_age"), "{e}");
        assert!(e.contains("line 2"), "{e}");
        let e = Config::parse("[storage]\nretention_max_age = \"7 days\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a duration"), "{e}");
        let e = Config::parse("[api]\nlisten = \"0.0.0.0:80\"\ninsecure_http = true\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("loopback"), "{e}");
    }
}
