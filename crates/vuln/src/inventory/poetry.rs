//! `poetry.lock`: `[[package]]` entries with `name` and `version`; packages whose
//! `[package.source]` is a Git repository, a directory, a file or a URL are not on PyPI and
//! are counted as skipped.

use super::{dedup, invalid, Inventory, InventoryError, Package};
use crate::osv::Ecosystem;

pub(super) fn parse(text: &str, file: &str) -> Result<Inventory, InventoryError> {
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| invalid(file, format!("not valid TOML: {e}")))?;
    let packages = match doc.get("package") {
        None => return Ok(Inventory::default()),
        Some(toml::Value::Array(items)) => items,
        Some(_) => return Err(invalid(file, "\"package\" must be an array of tables")),
    };
    let mut inventory = Inventory::default();
    let mut not_pypi = 0;
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
        let source_type = entry
            .get("source")
            .and_then(|s| s.get("type"))
            .and_then(toml::Value::as_str);
        if matches!(source_type, Some("git" | "directory" | "file" | "url")) {
            not_pypi += 1;
            continue;
        }
        inventory.packages.push(Package {
            ecosystem: Ecosystem::PyPi,
            name: name.to_owned(),
            version: version.to_owned(),
            source: file.to_owned(),
            binaries: Vec::new(),
        });
    }
    dedup(&mut inventory.packages);
    inventory.note_skipped(
        not_pypi,
        "packages from Git, directories, files or URLs",
        file,
    );
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pypi_packages_and_skips_local_ones() {
        let text = r#"
[[package]]
name = "requests"
version = "2.19.1"
description = "HTTP"
optional = false
python-versions = "*"

[[package]]
name = "mylib"
version = "0.1.0"

[package.source]
type = "directory"
url = "../mylib"

[metadata]
lock-version = "2.0"
"#;
        let inv = parse(text, "poetry.lock").expect("valid");
        assert_eq!(inv.packages.len(), 1);
        assert_eq!(inv.packages[0].name, "requests");
        assert_eq!(inv.skipped.len(), 1);
        assert!(parse("[[package]]\nversion = \"1\"", "poetry.lock").is_err());
    }
}
