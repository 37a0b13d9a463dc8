//! Helpers shared by the integration tests: a generated file tree and a one-check policy.

use palisade_assess::{Policy, Status, Target};
use std::collections::BTreeMap;
use std::path::Path;

/// Writes `text` at `rel` under `root`, creating directories, with `mode`.
pub fn write(root: &Path, rel: &str, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs a policy made of one check with the given rules (YAML list items, indented by 6)
/// against `root` and returns the status and the evidence texts.
pub fn status(root: &Path, condition: &str, rules: &str) -> (Status, Vec<String>) {
    let yaml = format!(
        "policy: {{id: t, title: T}}\nchecks:\n  - id: c\n    title: C\n    ccm: [IVS-04]\n    condition: {condition}\n    rules:\n{rules}"
    );
    let policy = Policy::parse(&yaml, &BTreeMap::new()).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let results = palisade_assess::run(&[policy], &Target::new(root));
    let r = &results[0];
    let evidence = r
        .evidence
        .iter()
        .map(|e| {
            format!(
                "{}:{}: {}",
                e.source.clone().unwrap_or_default(),
                e.line.unwrap_or(0),
                e.text
            )
        })
        .collect();
    (r.status, evidence)
}
