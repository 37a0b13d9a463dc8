//! SemVer 2.0 precedence: `major.minor.patch`, then pre-release identifiers (a version with a
//! pre-release sorts before the same version without; numeric identifiers compare numerically
//! and before alphanumeric ones, which compare in ASCII order; a longer list wins when one is
//! a prefix of the other). Build metadata (`+...`) is ignored.
//!
//! Parsing is lenient where advisories and lock files are: a leading `v` or `=`, and missing
//! minor or patch numbers (`1.2` is `1.2.0`), are accepted.

use super::{digit_run, Number, Scheme, VersionError};
use std::{cmp::Ordering, fmt};

/// One pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Identifier {
    /// Numeric identifiers sort before alphanumeric ones.
    Numeric(Number),
    Text(String),
}

/// A parsed SemVer version. Equality is precedence (build metadata ignored).
#[derive(Debug, Clone)]
pub struct SemVersion {
    core: [Number; 3],
    pre: Vec<Identifier>,
    text: String,
}

impl SemVersion {
    /// Parses a SemVer version.
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let bad = |reason| VersionError::new(Scheme::Semver, text, reason);
        let trimmed = text.trim();
        let body = trimmed
            .strip_prefix(['v', '='])
            .unwrap_or(trimmed)
            .split('+')
            .next()
            .unwrap_or_default();
        let (core_text, pre_text) = match body.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (body, None),
        };
        let mut core = [Number::zero(), Number::zero(), Number::zero()];
        let mut parts = core_text.split('.');
        for (i, slot) in core.iter_mut().enumerate() {
            match parts.next() {
                Some(p) if !p.is_empty() && digit_run(p.as_bytes()) == p.len() => {
                    *slot = Number::from_digits(p)
                }
                None if i > 0 => break,
                _ => return Err(bad("major.minor.patch must be numbers")),
            }
        }
        if parts.next().is_some() {
            return Err(bad("more than three numbers before the pre-release"));
        }
        let pre = match pre_text {
            None => Vec::new(),
            Some(pre) => pre
                .split('.')
                .map(|id| {
                    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    {
                        Err(bad("pre-release identifiers are [0-9A-Za-z-]+"))
                    } else if digit_run(id.as_bytes()) == id.len() {
                        Ok(Identifier::Numeric(Number::from_digits(id)))
                    } else {
                        Ok(Identifier::Text(id.to_owned()))
                    }
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(SemVersion {
            core,
            pre,
            text: trimmed.to_owned(),
        })
    }
}

impl Ord for SemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for SemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SemVersion {}

impl fmt::Display for SemVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> SemVersion {
        SemVersion::parse(text).expect("valid")
    }

    #[test]
    fn follows_the_specification_example_order() {
        let ordered = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.10.0",
            "99999999999999999999999.0.0",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(v(pair[0]).cmp(&v(pair[1])), Ordering::Less, "{pair:?}");
        }
    }

    #[test]
    fn ignores_build_metadata_and_accepts_short_forms() {
        assert_eq!(v("1.0.0+build.5"), v("1.0.0"));
        assert_eq!(v("v1.2"), v("1.2.0"));
        assert_eq!(v("0.0.0-0").cmp(&v("0.0.0")), Ordering::Less);
    }

    #[test]
    fn rejects_non_versions() {
        for bad in [
            "",
            "a.b.c",
            "1..2",
            "1.2.3.4",
            "1.0.0-",
            "1.0.0-a..b",
            "1.0.0-é",
        ] {
            assert!(SemVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
