//! OSV advisories: the parts of the OSV schema matching needs, read from JSON or YAML
//! ([`parse`]), and the schema's evaluation of affected ranges ([`matcher`]).

mod ecosystem;
pub mod matcher;
mod parse;
mod yaml;

pub use ecosystem::Ecosystem;
pub use matcher::{AdvisoryIndex, IndexStats, Match};
pub use parse::{advisories_from_json, advisories_from_yaml, AdvisoryError};

use serde::{Deserialize, Serialize};

/// One OSV advisory, reduced to what matching and reporting use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The advisory id (`RUSTSEC-2024-0001`, `PYSEC-2023-12`, `GHSA-...`).
    pub id: String,
    /// Other ids of the same vulnerability (CVE ids first when present).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// One-line summary (or the start of `details` when there is no summary).
    #[serde(default)]
    pub summary: String,
    /// RFC 3339 time of the last change.
    #[serde(default)]
    pub modified: String,
    /// RFC 3339 time the advisory was published.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub published: String,
    /// Set when the advisory was withdrawn (such advisories never match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Severity scores (`CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// A database's own qualitative severity (`database_specific.severity`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_severity: Option<String>,
    /// The affected packages.
    pub affected: Vec<Affected>,
    /// Reference URLs (advisory and fix links first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// One `severity` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeverityScore {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`...
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector or rating.
    pub score: String,
}

/// One `affected` entry: a package and the versions of it that are affected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The OSV ecosystem string (`crates.io`, `PyPI`, `npm`, `Debian:12`...).
    pub ecosystem: String,
    /// The package name as the ecosystem spells it.
    pub name: String,
    /// Version ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Severity specific to this package, overriding the advisory's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// Set for informational advisories (RustSec's `unmaintained`, `unsound`, `notice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
}

/// One `ranges` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// How the event versions are ordered.
    #[serde(rename = "type")]
    pub kind: RangeKind,
    /// The events, in the order the advisory lists them.
    pub events: Vec<RangeEvent>,
}

/// The type of a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    /// SemVer 2.0 versions, whatever the ecosystem.
    Semver,
    /// The ecosystem's own version ordering.
    Ecosystem,
    /// Commit hashes of a Git repository (not evaluated against package versions).
    Git,
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeEvent {
    /// Versions from here on are affected (`"0"`: from the beginning).
    Introduced(String),
    /// Versions from here on are not affected (the fix).
    Fixed(String),
    /// Versions after this one are not affected (no fixed version known).
    LastAffected(String),
    /// Versions from here on are outside the range (`"*"`: no limit).
    Limit(String),
}

impl RangeEvent {
    /// The event's version text.
    pub fn version(&self) -> &str {
        match self {
            RangeEvent::Introduced(v)
            | RangeEvent::Fixed(v)
            | RangeEvent::LastAffected(v)
            | RangeEvent::Limit(v) => v,
        }
    }
}

impl Advisory {
    /// The CVE ids among the aliases (and the id itself when it is one).
    pub fn cve_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .filter(|id| id.starts_with("CVE-"))
    }
}
