//! Built-in policies on generated trees, the SARIF and OCSF shapes, file integrity
//! monitoring, and parsers that never panic on arbitrary input.

mod common;

use common::write;
use palisade_assess::fim::{self, ChangeKind, ScanOptions};
use palisade_assess::{builtin, report, Status, Target};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn builtin_results(root: &std::path::Path) -> Vec<palisade_assess::CheckResult> {
    let policies = builtin::policies(&BTreeMap::new()).unwrap();
    palisade_assess::run(&policies, &Target::new(root))
}

fn find<'a>(
    results: &'a [palisade_assess::CheckResult],
    id: &str,
) -> &'a palisade_assess::CheckResult {
    results
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

#[test]
fn builtin_policies_find_a_backdoor_account_and_a_weak_sshd() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n",
        0o644,
    );
    write(
        root,
        "etc/shadow",
        "root:$y$j9T$abc$def:19000:0:99999:7:::\ntoor::19000:0:99999:7:::\n",
        0o640,
    );
    write(
        root,
        "etc/ssh/sshd_config",
        "PermitRootLogin yes\nPasswordAuthentication no\n",
        0o644,
    );
    let results = builtin_results(root);
    let backdoor = find(&results, "accounts-uid0-only-root");
    assert_eq!(backdoor.status, Status::Fail);
    assert_eq!(backdoor.evidence[0].line, Some(2));
    assert_eq!(
        find(&results, "accounts-no-empty-hash").status,
        Status::Fail
    );
    assert_eq!(find(&results, "ssh-root-login").status, Status::Fail);
    assert_eq!(
        find(&results, "ssh-password-authentication").status,
        Status::Pass
    );
    assert_eq!(
        find(&results, "nginx-server-tokens").status,
        Status::NotApplicable
    );
    assert_eq!(
        find(&results, "ssh-running-daemon-config").status,
        Status::NotApplicable
    );

    write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\n",
        0o644,
    );
    write(
        root,
        "etc/shadow",
        "root:$y$j9T$abc$def:19000:0:99999:7:::\n",
        0o640,
    );
    write(root, "etc/ssh/sshd_config", "PermitRootLogin no\n", 0o644);
    let results = builtin_results(root);
    assert_eq!(
        find(&results, "accounts-uid0-only-root").status,
        Status::Pass
    );
    assert_eq!(
        find(&results, "accounts-no-empty-hash").status,
        Status::Pass
    );
    assert_eq!(find(&results, "ssh-root-login").status, Status::Pass);
}

#[test]
fn palisade_policy_reads_the_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "etc/palisade/palisade.toml",
        "[api]\ninsecure_http = true\n",
        0o640,
    );
    write(root, "var/lib/palisade/kms/dev-root.key", "k", 0o600);
    let results = builtin_results(root);
    assert_eq!(find(&results, "palisade-api-tls").status, Status::Fail);
    assert_eq!(find(&results, "palisade-dev-seal-off").status, Status::Fail);
    write(
        root,
        "etc/palisade/palisade.toml",
        "[api]\nlisten = \"0.0.0.0:8443\"\n",
        0o640,
    );
    std::fs::remove_file(root.join("var/lib/palisade/kms/dev-root.key")).unwrap();
    let results = builtin_results(root);
    assert_eq!(find(&results, "palisade-api-tls").status, Status::Pass);
    assert_eq!(find(&results, "palisade-dev-seal-off").status, Status::Pass);
}

#[test]
fn sarif_and_ocsf_have_the_required_shape() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "etc/ssh/sshd_config",
        "PermitRootLogin yes\n",
        0o644,
    );
    let results = builtin_results(dir.path());
    let sarif = report::sarif(&results, "0.1.0");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let out = run["results"].as_array().unwrap();
    assert_eq!(out.len(), results.len());
    for r in out {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let kind = r["kind"].as_str().unwrap();
        assert!(["pass", "fail", "notApplicable", "review"].contains(&kind));
        if kind != "fail" {
            assert_eq!(r["level"], "none");
        }
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    }
    let root_login = out
        .iter()
        .find(|r| r["ruleId"] == "linux-sshd/ssh-root-login")
        .unwrap();
    assert_eq!(root_login["kind"], "fail");
    assert_eq!(root_login["level"], "error");
    let loc = &root_login["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "file:///etc/ssh/sshd_config"
    );
    assert_eq!(loc["region"]["startLine"], 1);

    let failed = results.iter().find(|r| r.id == "ssh-root-login").unwrap();
    let event = report::compliance_finding(failed, "web01", 1_700_000_000_000);
    assert_eq!(event["class_uid"], 2003);
    assert_eq!(event["type_uid"], 200301);
    assert_eq!(event["compliance"]["status_id"], 3);
    assert_eq!(event["compliance"]["requirements"][0], "IAM-09");
    assert_eq!(event["severity_id"], 4);
    assert_eq!(event["evidences"][0]["data"]["text"], "PermitRootLogin yes");
}

#[test]
fn fim_reports_content_attribute_creation_and_deletion_changes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "etc/ssh/sshd_config",
        "Port 22\nPermitRootLogin no\n",
        0o644,
    );
    write(root, "etc/ssh/moduli", "x\n", 0o644);
    write(root, "etc/shadow", "root:secret-hash:1::::::\n", 0o640);
    let target = Target::new(root);
    let watched = vec!["/etc/ssh".to_string(), "/etc/shadow".to_string()];
    let opts = ScanOptions::default();
    let before = fim::scan(&target, &watched, &opts).unwrap();
    assert!(
        before["/etc/shadow"].content.is_none(),
        "private files keep no content"
    );
    assert!(before["/etc/ssh/sshd_config"].content.is_some());
    assert_eq!(
        before["/etc/ssh/sshd_config"]
            .sha256
            .as_deref()
            .map(str::len),
        Some(64)
    );

    write(
        root,
        "etc/ssh/sshd_config",
        "Port 22\nPermitRootLogin yes\n",
        0o644,
    );
    std::fs::set_permissions(
        root.join("etc/shadow"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::remove_file(root.join("etc/ssh/moduli")).unwrap();
    write(
        root,
        "etc/ssh/sshd_config.d/evil.conf",
        "PasswordAuthentication yes\n",
        0o644,
    );
    let after = fim::scan(&target, &watched, &opts).unwrap();
    let changes = fim::compare(&before, &after);
    let kind = |p: &str| changes.iter().find(|c| c.path == p).map(|c| c.kind);
    assert_eq!(kind("/etc/ssh/sshd_config"), Some(ChangeKind::Modified));
    assert_eq!(kind("/etc/shadow"), Some(ChangeKind::Attributes));
    assert_eq!(kind("/etc/ssh/moduli"), Some(ChangeKind::Deleted));
    assert_eq!(
        kind("/etc/ssh/sshd_config.d/evil.conf"),
        Some(ChangeKind::Created)
    );
    let modified = changes
        .iter()
        .find(|c| c.path == "/etc/ssh/sshd_config")
        .unwrap();
    assert_eq!(
        modified.diff.as_deref(),
        Some("-2: PermitRootLogin no\n+2: PermitRootLogin yes\n")
    );

    let event = fim::file_activity(modified, "web01", 1);
    assert_eq!(event["class_uid"], 1001);
    assert_eq!(event["activity_id"], 3);
    assert_ne!(
        event["file"]["hashes"][0]["value"],
        event["file_result"]["hashes"][0]["value"]
    );
    assert!(event["file_diff"]
        .as_str()
        .unwrap()
        .contains("+2: PermitRootLogin yes"));
    let perm = changes.iter().find(|c| c.path == "/etc/shadow").unwrap();
    let event = fim::file_activity(perm, "web01", 1);
    assert_eq!(event["activity_id"], 7);
    assert_eq!(
        (
            event["file"]["mode"].as_str(),
            event["file_result"]["mode"].as_str()
        ),
        (Some("0640"), Some("0644"))
    );
}

proptest! {
    #[test]
    fn policy_parsing_never_panics(text in "\\PC{0,400}") {
        let _ = palisade_assess::Policy::parse(&text, &BTreeMap::new());
    }

    #[test]
    fn policy_shaped_yaml_never_panics(rule in "[a-z_]{1,10}: [-a-z0-9 '\\[\\]{}*.^$()\\\\]{0,30}") {
        let yaml = format!("policy: {{id: p, title: t}}\nchecks:\n  - id: c\n    title: t\n    rules:\n      - {rule}\n");
        let _ = palisade_assess::Policy::parse(&yaml, &BTreeMap::new());
    }

    #[test]
    fn kernel_tables_and_account_files_never_panic(text in "\\PC{0,400}") {
        let _ = palisade_assess::eval::parse_proc_net(&text);
        let _ = palisade_assess::target::parse_id_names(&text);
        let _ = fim::line_diff(&text, &text.chars().rev().collect::<String>());
    }
}
