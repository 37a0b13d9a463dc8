//! Version ordering for the three schemes OSV ranges use here: Debian (dpkg), PEP 440 (PyPI)
//! and SemVer 2.0 (crates.io, npm, and every `SEMVER` range).
//!
//! Each scheme parses a version string into a value with a total order that agrees with the
//! scheme's reference implementation (`dpkg --compare-versions`, Python `packaging`, the SemVer
//! 2.0 precedence rules). Numbers are kept as digit strings, so arbitrarily long numeric
//! components compare correctly and never overflow.

mod dpkg;
mod pep440;
mod semver;

pub use dpkg::DebianVersion;
pub use pep440::Pep440Version;
pub use semver::SemVersion;

use std::{cmp::Ordering, fmt};

/// A version ordering scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// SemVer 2.0 precedence (build metadata ignored).
    Semver,
    /// PEP 440 (Python packaging).
    Pep440,
    /// Debian policy / dpkg ordering.
    Dpkg,
}

impl Scheme {
    /// Parses `text` under this scheme.
    pub fn parse(self, text: &str) -> Result<Version, VersionError> {
        match self {
            Scheme::Semver => SemVersion::parse(text).map(Version::Semver),
            Scheme::Pep440 => Pep440Version::parse(text).map(Version::Pep440),
            Scheme::Dpkg => DebianVersion::parse(text).map(Version::Debian),
        }
    }

    /// Compares two version strings under this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let (a, b) = (self.parse(a)?, self.parse(b)?);
        a.partial_cmp(&b)
            .ok_or_else(|| VersionError::new(self, "", "mixed schemes"))
    }

    /// The scheme's name as users see it.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Semver => "SemVer",
            Scheme::Pep440 => "PEP 440",
            Scheme::Dpkg => "Debian",
        }
    }
}

/// A parsed version of any scheme. Versions of the same scheme are totally ordered; versions
/// of different schemes are not comparable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    /// A SemVer version.
    Semver(SemVersion),
    /// A PEP 440 version.
    Pep440(Pep440Version),
    /// A Debian version.
    Debian(DebianVersion),
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Version::Semver(a), Version::Semver(b)) => Some(a.cmp(b)),
            (Version::Pep440(a), Version::Pep440(b)) => Some(a.cmp(b)),
            (Version::Debian(a), Version::Debian(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Why a version string does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid {} version: {reason}", scheme.name())]
pub struct VersionError {
    /// The scheme the text was parsed under.
    pub scheme: Scheme,
    /// The text (truncated to 64 characters).
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl VersionError {
    fn new(scheme: Scheme, input: &str, reason: &'static str) -> Self {
        VersionError {
            scheme,
            input: input.chars().take(64).collect(),
            reason,
        }
    }
}

/// A non-negative integer of any length, kept as its digits without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Number(String);

impl Number {
    /// From a run of ASCII digits (the caller checked); an empty run is zero.
    pub(crate) fn from_digits(digits: &str) -> Number {
        let trimmed = digits.trim_start_matches('0');
        Number(if trimmed.is_empty() { "0" } else { trimmed }.to_owned())
    }

    /// Zero.
    pub(crate) fn zero() -> Number {
        Number("0".to_owned())
    }

    /// Whether the number is zero.
    pub(crate) fn is_zero(&self) -> bool {
        self.0 == "0"
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The length of the run of ASCII digits at the start of `bytes`.
pub(crate) fn digit_run(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Compares two runs of ASCII digits as numbers (leading zeros ignored).
pub(crate) fn compare_digits(a: &[u8], b: &[u8]) -> Ordering {
    let skip = |d: &[u8]| d.iter().take_while(|&&c| c == b'0').count();
    let (a, b) = (&a[skip(a)..], &b[skip(b)..]);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}
