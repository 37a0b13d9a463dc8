//! What is installed or locked: package inventories read from the dpkg status file of a
//! target root and from lock files (Cargo.lock, package-lock.json / npm-shrinkwrap.json,
//! requirements.txt, poetry.lock).
//!
//! Readers never panic on hostile input: a file that cannot be understood is an
//! [`InventoryError`] naming the file and the reason, and entries a reader cannot check
//! (local paths, Git sources, unpinned requirements) are reported, not silently dropped.

mod cargo_lock;
mod dpkg;
mod npm;
mod poetry;
mod requirements;

pub use dpkg::{parse_status as parse_dpkg_status, read_target_root, release_of_root};

use crate::osv::Ecosystem;
use serde::Serialize;
use std::path::Path;

/// One installed or locked package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// The ecosystem it belongs to.
    #[serde(serialize_with = "as_text")]
    pub ecosystem: Ecosystem,
    /// Its name (for dpkg: the source package, which is what Debian advisories name).
    pub name: String,
    /// Its version (for dpkg: the source version).
    pub version: String,
    /// The file it was read from.
    pub source: String,
    /// For dpkg: the installed binary packages built from this source.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub binaries: Vec<String>,
}

fn as_text<S: serde::Serializer>(e: &Ecosystem, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(e)
}

/// A requirement that does not pin one version, so it cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unpinned {
    /// The requirement's package name.
    pub name: String,
    /// The requirement as written.
    pub requirement: String,
    /// The file and line.
    pub source: String,
}

/// Packages found, plus what could not be checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inventory {
    /// Packages to match.
    pub packages: Vec<Package>,
    /// Requirements without a single pinned version.
    pub unpinned: Vec<Unpinned>,
    /// Entries left out and why (`"3 path dependencies in Cargo.lock"`).
    pub skipped: Vec<String>,
}

impl Inventory {
    /// Appends another inventory.
    pub fn extend(&mut self, other: Inventory) {
        self.packages.extend(other.packages);
        self.unpinned.extend(other.unpinned);
        self.skipped.extend(other.skipped);
    }

    fn note_skipped(&mut self, count: usize, what: &str, file: &str) {
        if count > 0 {
            self.skipped.push(format!("{count} {what} in {file}"));
        }
    }
}

/// Why a file could not be read as an inventory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct InventoryError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub reason: String,
}

/// The lock file formats readers exist for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockfileKind {
    /// `Cargo.lock` (crates.io).
    CargoLock,
    /// `package-lock.json` or `npm-shrinkwrap.json`, lockfile versions 1, 2 and 3 (npm).
    NpmLock,
    /// `requirements*.txt` (PyPI; `==` pins only).
    Requirements,
    /// `poetry.lock` (PyPI).
    PoetryLock,
}

impl LockfileKind {
    /// The format a file name says, if any.
    pub fn detect(path: &Path) -> Option<LockfileKind> {
        let name = path.file_name()?.to_str()?;
        match name {
            "Cargo.lock" => Some(LockfileKind::CargoLock),
            "package-lock.json" | "npm-shrinkwrap.json" => Some(LockfileKind::NpmLock),
            "poetry.lock" => Some(LockfileKind::PoetryLock),
            n if n.ends_with(".txt") && n.contains("requirements") => {
                Some(LockfileKind::Requirements)
            }
            _ => None,
        }
    }

    /// Parses a lock file's text; `file` names it in packages and errors.
    pub fn parse(self, text: &str, file: &str) -> Result<Inventory, InventoryError> {
        match self {
            LockfileKind::CargoLock => cargo_lock::parse(text, file),
            LockfileKind::NpmLock => npm::parse(text, file),
            LockfileKind::Requirements => Ok(requirements::parse(text, file)),
            LockfileKind::PoetryLock => poetry::parse(text, file),
        }
    }
}

/// Reads a lock file. `spec` is a path whose file name says the format, or `NAME:PATH` where
/// `NAME` is such a file name (`requirements.txt:deps/base.txt`).
pub fn read_lockfile(spec: &Path) -> Result<Inventory, InventoryError> {
    let text = spec.to_string_lossy();
    let (kind, path) = match LockfileKind::detect(spec) {
        Some(kind) => (Some(kind), spec.to_path_buf()),
        None => match text.split_once(':') {
            Some((name, rest)) if !rest.is_empty() => (
                LockfileKind::detect(Path::new(name)),
                Path::new(rest).to_path_buf(),
            ),
            _ => (None, spec.to_path_buf()),
        },
    };
    let file = path.display().to_string();
    let error = |reason: String| InventoryError {
        file: file.clone(),
        reason,
    };
    let kind = kind.ok_or_else(|| {
        error(
            "unknown lock file (expected Cargo.lock, package-lock.json, npm-shrinkwrap.json, \
             poetry.lock or requirements*.txt, or NAME:PATH with one of those names)"
                .to_owned(),
        )
    })?;
    let bytes = std::fs::read(&path).map_err(|e| error(format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| error("not UTF-8 text".to_owned()))?;
    kind.parse(&text, &file)
}

fn invalid(file: &str, reason: impl Into<String>) -> InventoryError {
    InventoryError {
        file: file.to_owned(),
        reason: reason.into(),
    }
}

/// Drops exact duplicates (the same package and version listed twice in one file).
fn dedup(packages: &mut Vec<Package>) {
    let mut seen = std::collections::HashSet::new();
    packages.retain(|p| seen.insert((p.name.clone(), p.version.clone())));
}
