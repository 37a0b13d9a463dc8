//! `Cargo.lock` (every lockfile version): `[[package]]` entries with `name`, `version` and a
//! `source`; only crates from the crates.io registry are matched (path and Git dependencies
//! and other registries are counted as skipped).

use super::{dedup, invalid, Inventory, InventoryError, Package};
use crate::osv::Ecosystem;

fn from_crates_io(source: &str) -> bool {
    source == "registry+https://github.com/rust-lang/crates.io-index"
        || source == "sparse+https://index.crates.io/"
}

pub(super) fn parse(text: &str, file: &str) -> Result<Inventory, InventoryError> {
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| invalid(file, format!("not valid TOML: {e}")))?;
    let packages = match doc.get("package") {
        None => return Ok(Inventory::default()),
        Some(toml::Value::Array(items)) => items,
        Some(_) => return Err(invalid(file, "\"package\" must be an array of tables")),
    };
    let mut inventory = Inventory::default();
    let (mut local, mut elsewhere) = (0, 0);
    for entry in packages {
        let field = |key| {
            entry
                .get(key)
                .and_then(toml::Value::as_str)
                .filter(|s| !s.trim().is_empty())
        };
        let (Some(name), Some(version)) = (field("name"), field("version")) else {
            return Err(invalid(file, "a [[package]] needs a name and a version"));
        };
        match field("source") {
            None => local += 1,
            Some(source) if !from_crates_io(source) => elsewhere += 1,
            Some(_) => inventory.packages.push(Package {
                ecosystem: Ecosystem::CratesIo,
                name: name.to_owned(),
                version: version.to_owned(),
                source: file.to_owned(),
                binaries: Vec::new(),
            }),
        }
    }
    dedup(&mut inventory.packages);
    inventory.note_skipped(local, "workspace or path crates", file);
    inventory.note_skipped(elsewhere, "crates from Git or other registries", file);
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_registry_crates_and_counts_the_rest() {
        let text = r#"
version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["smallvec"]

[[package]]
name = "smallvec"
version = "0.6.9"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "abc"

[[package]]
name = "regex"
version = "1.5.4"
source = "sparse+https://index.crates.io/"

[[package]]
name = "forked"
version = "1.0.0"
source = "git+https://example.org/forked#abcdef"
"#;
        let inv = parse(text, "Cargo.lock").expect("valid");
        let names: Vec<_> = inv
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(names, vec![("smallvec", "0.6.9"), ("regex", "1.5.4")]);
        assert_eq!(inv.skipped.len(), 2, "{:?}", inv.skipped);
        assert!(parse("[[package]]\nname = 1", "Cargo.lock").is_err());
        assert!(parse("package = 5", "Cargo.lock").is_err());
    }
}
