//! The real advisory databases in `../shared/corpus/osv/` (RustSec in OSV JSON, the PyPA
//! database in OSV YAML): every advisory imports, and inventories built here with known
//! vulnerable and known fixed versions match exactly the advisories they should.

use palisade_vuln::{
    database::{advisory_files, Importer},
    osv::{AdvisoryIndex, Ecosystem},
    severity::{Level, Severity},
};
use std::path::PathBuf;

fn corpus(dir: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/osv")
        .join(dir);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!(
            "skipping: {} is absent (no shared corpus beside this checkout)",
            path.display()
        );
        None
    }
}

fn import(dir: PathBuf) -> (AdvisoryIndex, palisade_vuln::database::ImportReport) {
    let mut importer = Importer::new(Vec::new());
    for file in advisory_files(&[dir]).expect("walk") {
        importer.add_file(&file);
    }
    let (advisories, report) = importer.finish();
    (AdvisoryIndex::new(advisories), report)
}

/// The advisory ids matching one package version, sorted, and the fix of each.
fn ids(
    index: &AdvisoryIndex,
    eco: &str,
    name: &str,
    version: &str,
) -> Vec<(String, Option<String>)> {
    let eco = Ecosystem::parse(eco).expect("supported");
    let mut found: Vec<_> = index
        .matches(&eco, name, version)
        .into_iter()
        .map(|m| (m.advisory.id.clone(), m.fixed))
        .collect();
    found.sort();
    found
}

fn pair(id: &str, fix: Option<&str>) -> (String, Option<String>) {
    (id.to_owned(), fix.map(str::to_owned))
}

#[test]
fn rustsec_imports_whole_and_matches_known_crate_versions() {
    let Some(dir) = corpus("rustsec-osv/crates") else {
        return;
    };
    let (index, report) = import(dir);
    assert!(report.invalid.is_empty(), "{:?}", report.invalid);
    assert_eq!(report.withdrawn, 13);
    assert_eq!(report.imported + report.withdrawn, 1206);
    assert_eq!(index.stats().unparsable_versions, 0);

    assert_eq!(
        ids(&index, "crates.io", "smallvec", "0.6.9"),
        vec![
            pair("RUSTSEC-2018-0018", Some("0.6.13")),
            pair("RUSTSEC-2019-0009", Some("0.6.10")),
            pair("RUSTSEC-2019-0012", Some("0.6.10")),
            pair("RUSTSEC-2021-0003", Some("0.6.14")),
        ]
    );
    assert_eq!(
        ids(&index, "crates.io", "smallvec", "1.5.0"),
        vec![pair("RUSTSEC-2021-0003", Some("1.6.1"))]
    );
    assert!(ids(&index, "crates.io", "smallvec", "1.6.1").is_empty());
    // time: every 0.2.x patch release between 0.2.0 and 0.2.6 was a fix of its own.
    assert!(ids(&index, "crates.io", "time", "0.2.6").is_empty());
    assert_eq!(
        ids(&index, "crates.io", "time", "0.2.7"),
        vec![pair("RUSTSEC-2020-0071", Some("0.2.23"))]
    );
    let tokio = ids(&index, "crates.io", "tokio", "1.38.0");
    assert!(
        tokio.contains(&pair("RUSTSEC-2025-0023", Some("1.38.2"))),
        "{tokio:?}"
    );
    assert!(!ids(&index, "crates.io", "tokio", "1.43.1")
        .iter()
        .any(|(id, _)| id == "RUSTSEC-2025-0023"));
    // An unmaintained crate: informational, every version, no fix.
    let eco = Ecosystem::parse("crates.io").expect("supported");
    let found = index.matches(&eco, "number_prefix", "0.4.0");
    assert_eq!(found.len(), 1);
    assert_eq!(
        Severity::of(found[0].advisory, found[0].affected).level,
        Level::Informational
    );
    // A malicious crate: every version affected, no fix.
    assert_eq!(
        ids(&index, "crates.io", "tree-sitter-pkl", "0.1.0"),
        vec![pair("RUSTSEC-2025-0156", None)]
    );
}

#[test]
fn pypa_imports_whole_and_matches_known_package_versions() {
    let Some(dir) = corpus("pypa/vulns") else {
        return;
    };
    let (index, report) = import(dir);
    assert!(report.invalid.is_empty(), "{:?}", report.invalid);
    assert_eq!(report.withdrawn, 10);
    assert_eq!(report.imported + report.withdrawn, 2661);
    assert!(
        index.stats().git_ranges > 1000,
        "GIT ranges are skipped and counted"
    );

    assert_eq!(
        ids(&index, "PyPI", "Requests", "2.19.1"),
        vec![
            pair("PYSEC-2018-28", Some("2.20.0")),
            pair("PYSEC-2023-74", Some("2.31.0")),
        ]
    );
    assert!(ids(&index, "PyPI", "requests", "2.31.0").is_empty());
    // last_affected: 1.11.0 is affected and there is no fix.
    assert!(ids(&index, "PyPI", "py", "1.11.0").contains(&pair("PYSEC-2022-42969", None)));
    assert!(!ids(&index, "PyPI", "py", "1.11.1")
        .iter()
        .any(|(id, _)| id == "PYSEC-2022-42969"));
    // Only an open range and an explicit list: affected, no fix available.
    assert_eq!(
        ids(&index, "PyPI", "apache_skywalking", "1.0.1"),
        vec![pair("PYSEC-2020-342", None)]
    );
}
