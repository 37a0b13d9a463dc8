//! The package ecosystems matching supports, their version schemes and name rules.

use crate::version::Scheme;
use std::fmt;

/// A package ecosystem, as OSV names it. Debian and Ubuntu carry the release they are scoped
/// to (`Debian:12`, `Ubuntu:22.04:LTS`), or none.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ecosystem {
    /// `crates.io` (Rust).
    CratesIo,
    /// `PyPI` (Python).
    PyPi,
    /// `npm` (JavaScript).
    Npm,
    /// `Debian[:release]`, source package names.
    Debian(Option<String>),
    /// `Ubuntu[:release[:LTS|:Pro...]]`, source package names.
    Ubuntu(Option<String>),
}

impl Ecosystem {
    /// Reads an OSV ecosystem string; `None` for ecosystems matching does not support.
    /// For Ubuntu the release is the first `:`-separated part that starts with a digit
    /// (`Ubuntu:Pro:18.04:LTS` is release `18.04`).
    pub fn parse(text: &str) -> Option<Ecosystem> {
        let mut parts = text.split(':');
        let family = parts.next()?;
        let release = match family {
            "Ubuntu" => parts.find(|p| p.starts_with(|c: char| c.is_ascii_digit())),
            _ => parts.next(),
        }
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
        match family {
            "crates.io" => Some(Ecosystem::CratesIo),
            "PyPI" => Some(Ecosystem::PyPi),
            "npm" => Some(Ecosystem::Npm),
            "Debian" => Some(Ecosystem::Debian(release)),
            "Ubuntu" => Some(Ecosystem::Ubuntu(release)),
            _ => None,
        }
    }

    /// How versions of this ecosystem are ordered.
    pub fn scheme(&self) -> Scheme {
        match self {
            Ecosystem::CratesIo | Ecosystem::Npm => Scheme::Semver,
            Ecosystem::PyPi => Scheme::Pep440,
            Ecosystem::Debian(_) | Ecosystem::Ubuntu(_) => Scheme::Dpkg,
        }
    }

    /// The ecosystem without its release, for indexing.
    pub(crate) fn family(&self) -> &'static str {
        match self {
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::PyPi => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::Debian(_) => "Debian",
            Ecosystem::Ubuntu(_) => "Ubuntu",
        }
    }

    /// The release scope, if any.
    pub fn release(&self) -> Option<&str> {
        match self {
            Ecosystem::Debian(r) | Ecosystem::Ubuntu(r) => r.as_deref(),
            _ => None,
        }
    }

    /// Whether an advisory scoped to `self` applies to a package found in `installed`: same
    /// family, and the same release when both name one.
    pub(crate) fn covers(&self, installed: &Ecosystem) -> bool {
        self.family() == installed.family()
            && match (self.release(), installed.release()) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    /// The package name in the form names are compared in: PyPI names are case-insensitive
    /// and treat runs of `-`, `_` and `.` alike (PEP 503); other ecosystems compare exactly.
    pub fn normalize_name(&self, name: &str) -> String {
        match self {
            Ecosystem::PyPi => {
                let mut out = String::with_capacity(name.len());
                for c in name.trim().chars() {
                    if matches!(c, '-' | '_' | '.') {
                        if !out.ends_with('-') {
                            out.push('-');
                        }
                    } else {
                        out.push(c.to_ascii_lowercase());
                    }
                }
                out
            }
            _ => name.trim().to_owned(),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.family())?;
        if let Some(release) = self.release() {
            write!(f, ":{release}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_scope_debian_and_ubuntu() {
        let ubuntu = Ecosystem::Ubuntu(Some("18.04".into()));
        assert_eq!(
            Ecosystem::parse("Ubuntu:Pro:18.04:LTS"),
            Some(ubuntu.clone())
        );
        assert_eq!(Ecosystem::parse("Ubuntu:18.04:LTS"), Some(ubuntu.clone()));
        assert_eq!(
            Ecosystem::parse("Debian:12"),
            Some(Ecosystem::Debian(Some("12".into())))
        );
        assert_eq!(Ecosystem::parse("Maven"), None);
        let debian = Ecosystem::Debian(None);
        assert!(debian.covers(&Ecosystem::Debian(Some("11".into()))));
        assert!(!ubuntu.covers(&Ecosystem::Ubuntu(Some("22.04".into()))));
        assert!(!ubuntu.covers(&Ecosystem::Debian(Some("18.04".into()))));
        assert_eq!(
            Ecosystem::PyPi.normalize_name("Foo__Bar.baz"),
            "foo-bar-baz"
        );
    }
}
