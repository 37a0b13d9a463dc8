//! `package-lock.json` / `npm-shrinkwrap.json`. Lockfile versions 2 and 3 list every installed
//! package under `packages` keyed by its `node_modules/...` path (the name is what follows the
//! last `node_modules/`); version 1 nests `dependencies` objects. Links, the root project,
//! workspace folders and packages installed from Git, files or URLs are skipped and counted.

use super::{dedup, invalid, Inventory, InventoryError, Package};
use crate::osv::Ecosystem;
use serde_json::{Map, Value as Json};

/// Deepest `dependencies` nesting followed in a version 1 lock file.
const MAX_DEPTH: usize = 64;

pub(super) fn parse(text: &str, file: &str) -> Result<Inventory, InventoryError> {
    let doc: Json =
        serde_json::from_str(text).map_err(|e| invalid(file, format!("not valid JSON: {e}")))?;
    let Json::Object(doc) = doc else {
        return Err(invalid(file, "a lock file is a JSON object"));
    };
    let mut inventory = Inventory::default();
    let mut skipped = 0;
    if let Some(packages) = doc.get("packages") {
        let Json::Object(packages) = packages else {
            return Err(invalid(file, "\"packages\" must be an object"));
        };
        for (path, entry) in packages {
            let Some((_, name)) = path.rsplit_once("node_modules/") else {
                continue; // the root project or a workspace folder
            };
            match registry_version(entry) {
                Some(version) if !name.is_empty() => {
                    inventory.packages.push(package(name, version, file))
                }
                _ => skipped += 1,
            }
        }
    } else if let Some(dependencies) = doc.get("dependencies") {
        let Json::Object(dependencies) = dependencies else {
            return Err(invalid(file, "\"dependencies\" must be an object"));
        };
        walk_v1(dependencies, file, 0, &mut inventory, &mut skipped)?;
    }
    dedup(&mut inventory.packages);
    inventory.note_skipped(skipped, "linked, Git, file or URL packages", file);
    Ok(inventory)
}

fn walk_v1(
    dependencies: &Map<String, Json>,
    file: &str,
    depth: usize,
    inventory: &mut Inventory,
    skipped: &mut usize,
) -> Result<(), InventoryError> {
    if depth > MAX_DEPTH {
        return Err(invalid(file, "dependencies nested too deeply"));
    }
    for (name, entry) in dependencies {
        match registry_version(entry) {
            Some(version) if !name.is_empty() => {
                inventory.packages.push(package(name, version, file))
            }
            _ => *skipped += 1,
        }
        if let Some(Json::Object(nested)) = entry.get("dependencies") {
            walk_v1(nested, file, depth + 1, inventory, skipped)?;
        }
    }
    Ok(())
}

/// The version of an entry installed from the registry; `None` for links and other sources.
fn registry_version(entry: &Json) -> Option<&str> {
    if entry.get("link").and_then(Json::as_bool) == Some(true) {
        return None;
    }
    let version = entry.get("version")?.as_str()?;
    let from_elsewhere = ["file:", "git", "http:", "https:", "link:", "github:"]
        .iter()
        .any(|prefix| version.starts_with(prefix));
    (!from_elsewhere && !version.is_empty()).then_some(version)
}

fn package(name: &str, version: &str, file: &str) -> Package {
    Package {
        ecosystem: Ecosystem::Npm,
        name: name.to_owned(),
        version: version.to_owned(),
        source: file.to_owned(),
        binaries: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(inv: &Inventory) -> Vec<(&str, &str)> {
        let mut v: Vec<_> = inv
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn reads_v2_and_v3_package_paths_including_scoped_and_nested() {
        let text = r#"{"name":"app","lockfileVersion":3,"packages":{
            "":{"name":"app","version":"1.0.0"},
            "node_modules/lodash":{"version":"4.17.20"},
            "node_modules/@babel/core":{"version":"7.0.0"},
            "node_modules/a/node_modules/lodash":{"version":"3.10.1"},
            "node_modules/mine":{"resolved":"packages/mine","link":true},
            "packages/mine":{"version":"0.0.1"},
            "node_modules/fork":{"version":"git+https://example.org/fork.git"}}}"#;
        let inv = parse(text, "package-lock.json").expect("valid");
        assert_eq!(
            names(&inv),
            vec![
                ("@babel/core", "7.0.0"),
                ("lodash", "3.10.1"),
                ("lodash", "4.17.20")
            ]
        );
        assert_eq!(
            inv.skipped,
            vec!["2 linked, Git, file or URL packages in package-lock.json"]
        );
    }

    #[test]
    fn reads_v1_nested_dependencies() {
        let text = r#"{"lockfileVersion":1,"dependencies":{
            "express":{"version":"4.17.1","dependencies":{"qs":{"version":"6.7.0"}}},
            "local":{"version":"file:../local"}}}"#;
        let inv = parse(text, "package-lock.json").expect("valid");
        assert_eq!(names(&inv), vec![("express", "4.17.1"), ("qs", "6.7.0")]);
        assert!(parse("[]", "package-lock.json").is_err());
        assert!(parse(r#"{"packages":[]}"#, "package-lock.json").is_err());
    }
}
