//! The dpkg status file (`<root>/var/lib/dpkg/status`): one paragraph per package, `Field:
//! value` lines with indented continuation lines. A package counts when its `Status` says it is
//! installed (`install ok installed`, or `hold ok installed` for a held package); removed,
//! config-files-only and half-installed packages do not. Packages are matched by their source
//! package and source version (`Source: name (version)`, defaulting to the binary's own), the
//! names Debian and Ubuntu advisories use; the release comes from `<root>/etc/os-release`.

use super::{Inventory, InventoryError, Package};
use crate::osv::Ecosystem;
use std::{collections::BTreeMap, path::Path};

/// The dpkg inventory of a target root (an installed system, a mounted image, a copied tree).
/// A root without a dpkg status file has an empty inventory, noted in `skipped`.
pub fn read_target_root(root: &Path) -> Result<Inventory, InventoryError> {
    let path = root.join("var/lib/dpkg/status");
    let file = path.display().to_string();
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut inventory = Inventory::default();
            inventory
                .skipped
                .push(format!("no dpkg status file at {file}"));
            return Ok(inventory);
        }
        Err(e) => {
            return Err(InventoryError {
                file,
                reason: format!("cannot read: {e}"),
            })
        }
    };
    Ok(parse_status(&text, &file, &release_of_root(root)))
}

/// The distribution of a target root from its `etc/os-release` (`ID`, `ID_LIKE`,
/// `VERSION_ID`): Ubuntu or Debian with the release, Debian without one when unknown.
pub fn release_of_root(root: &Path) -> Ecosystem {
    let text = std::fs::read_to_string(root.join("etc/os-release"))
        .or_else(|_| std::fs::read_to_string(root.join("usr/lib/os-release")))
        .unwrap_or_default();
    let mut fields = BTreeMap::new();
    for line in text.lines() {
        if let Some((key, value)) = line.split_once('=') {
            fields.insert(key.trim(), value.trim().trim_matches(['"', '\'']));
        }
    }
    let release = fields
        .get("VERSION_ID")
        .filter(|v| !v.is_empty())
        .map(|v| v.to_string());
    match fields.get("ID").copied() {
        Some("ubuntu") => Ecosystem::Ubuntu(release),
        Some("debian") => Ecosystem::Debian(release.map(|r| major(&r))),
        _ => Ecosystem::Debian(None),
    }
}

/// Debian advisories name the major release (`Debian:12`), `VERSION_ID` may not.
fn major(release: &str) -> String {
    release.split('.').next().unwrap_or(release).to_owned()
}

/// Parses the text of a dpkg status file; `file` names it in the packages.
pub fn parse_status(text: &str, file: &str, ecosystem: &Ecosystem) -> Inventory {
    let mut by_source: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut not_installed = 0;
    for paragraph in text.split("\n\n") {
        let fields = fields(paragraph);
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let (Some(binary), Some(version)) = (get("Package"), get("Version")) else {
            continue;
        };
        if !is_installed(get("Status").unwrap_or("")) {
            not_installed += 1;
            continue;
        }
        let (source, source_version) = match get("Source") {
            Some(source) => match source.split_once('(') {
                Some((name, rest)) => (name.trim(), rest.trim_end_matches(')').trim()),
                None => (source, version),
            },
            None => (binary, version),
        };
        by_source
            .entry((source.to_owned(), source_version.to_owned()))
            .or_default()
            .push(binary.to_owned());
    }
    let packages = by_source
        .into_iter()
        .map(|((name, version), mut binaries)| {
            // Multi-arch systems list a binary once per architecture.
            binaries.sort();
            binaries.dedup();
            (name, version, binaries)
        })
        .map(|(name, version, binaries)| Package {
            ecosystem: ecosystem.clone(),
            name,
            version,
            source: file.to_owned(),
            binaries,
        })
        .collect();
    let mut inventory = Inventory {
        packages,
        ..Inventory::default()
    };
    inventory.note_skipped(
        not_installed,
        "packages not installed (removed, config files only, half installed)",
        file,
    );
    inventory
}

fn is_installed(status: &str) -> bool {
    let words: Vec<&str> = status.split_whitespace().collect();
    matches!(words.as_slice(), ["install" | "hold", "ok", "installed"])
}

/// The `Field: value` pairs of a paragraph (continuation lines are not needed here).
fn fields(paragraph: &str) -> Vec<(&str, &str)> {
    paragraph
        .lines()
        .filter(|l| !l.starts_with([' ', '\t']))
        .filter_map(|l| l.split_once(':'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Package: libssl3\nStatus: install ok installed\nPriority: optional\nSource: openssl\nVersion: 3.0.11-1~deb12u1\nDescription: Secure Sockets Layer toolkit\n shared libraries\n .\n More text: with a colon\n\n\
Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u1\n\n\
Package: libssl3\nStatus: install ok installed\nArchitecture: i386\nSource: openssl\nVersion: 3.0.11-1~deb12u1\n\n\
Package: bash\nStatus: hold ok installed\nVersion: 5.2.15-2+b2\nSource: bash (5.2.15-2)\n\n\
Package: oldpkg\nStatus: deinstall ok config-files\nVersion: 1.0-1\n\n\
Package: broken\nStatus: install reinstreq half-installed\nVersion: 2.0-1\n";

    #[test]
    fn installed_packages_grouped_by_source_with_source_versions() {
        let inv = parse_status(STATUS, "status", &Ecosystem::Debian(Some("12".into())));
        let got: Vec<_> = inv
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.binaries.join(",")))
            .collect();
        assert_eq!(
            got,
            vec![
                ("bash", "5.2.15-2", "bash".to_owned()),
                ("openssl", "3.0.11-1~deb12u1", "libssl3,openssl".to_owned()),
            ]
        );
        assert_eq!(
            inv.skipped.len(),
            1,
            "two not installed, counted: {:?}",
            inv.skipped
        );
        assert!(inv.skipped[0].starts_with("2 "));
    }

    #[test]
    fn release_comes_from_os_release() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        std::fs::write(
            dir.path().join("etc/os-release"),
            "ID=debian\nVERSION_ID=\"12\"\n",
        )
        .expect("write");
        assert_eq!(
            release_of_root(dir.path()),
            Ecosystem::Debian(Some("12".into()))
        );
        std::fs::write(
            dir.path().join("etc/os-release"),
            "ID=ubuntu\nVERSION_ID=\"22.04\"\n",
        )
        .expect("write");
        assert_eq!(
            release_of_root(dir.path()),
            Ecosystem::Ubuntu(Some("22.04".into()))
        );
        let empty = tempfile::tempdir().expect("tempdir");
        assert_eq!(release_of_root(empty.path()), Ecosystem::Debian(None));
        let inv = read_target_root(empty.path()).expect("absent status is empty");
        assert!(inv.packages.is_empty() && inv.skipped.len() == 1);
    }
}
