//! Version ordering against ground truth computed by the reference implementations
//! (`dpkg --compare-versions` and Python `packaging`), kept in `../shared/corpus/osv/version-vectors/`.
//! Every line must agree.

use palisade_vuln::version::{Pep440Version, Scheme};
use std::{cmp::Ordering, path::PathBuf};

fn vectors(name: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/osv/version-vectors")
        .join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!(
                "skipping: {} is absent (the shared corpus is not beside this checkout)",
                path.display()
            );
            None
        }
    }
}

/// The tab-separated columns of every non-comment line.
fn rows(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
        .collect()
}

fn expected(cmp: &str) -> Ordering {
    match cmp.trim() {
        "-1" => Ordering::Less,
        "0" => Ordering::Equal,
        "1" => Ordering::Greater,
        other => panic!("bad expectation {other:?}"),
    }
}

fn check_compare(scheme: Scheme, file: &str) {
    let Some(text) = vectors(file) else { return };
    let rows = rows(&text);
    let mut wrong = Vec::new();
    for row in &rows {
        let (a, b, want) = (row[0], row[1], expected(row[2]));
        match scheme.compare(a, b) {
            Ok(got) if got == want => {}
            got => wrong.push(format!("{a} vs {b}: want {want:?}, got {got:?}")),
        }
        // The reverse comparison must be the reverse answer.
        if let Ok(got) = scheme.compare(b, a) {
            if got != want.reverse() {
                wrong.push(format!("{b} vs {a} (reversed): got {got:?}"));
            }
        }
    }
    assert!(rows.len() > 1000, "{file} has only {} rows", rows.len());
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn dpkg_ordering_agrees_with_dpkg_on_every_pair() {
    check_compare(Scheme::Dpkg, "dpkg-compare.tsv");
}

#[test]
fn pep440_ordering_agrees_with_packaging_on_every_pair() {
    check_compare(Scheme::Pep440, "pep440-compare.tsv");
}

#[test]
fn pep440_normalisation_agrees_with_packaging_on_every_string() {
    let Some(text) = vectors("pep440-normalize.tsv") else {
        return;
    };
    let rows = rows(&text);
    let mut wrong = Vec::new();
    for row in &rows {
        let (input, want) = (row[0], row[1].trim());
        let got = Pep440Version::parse(input).map(|v| v.to_string());
        let ok = match &got {
            Ok(normal) => normal == want,
            Err(_) => want == "INVALID",
        };
        if !ok {
            wrong.push(format!("{input:?}: want {want}, got {got:?}"));
        }
    }
    assert!(rows.len() > 100);
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
