//! `palisade check`: the real binary on a generated tree: exit codes, OCSF output, FIM.

use crate::harness::bin;
use std::process::Command;

fn write(root: &std::path::Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn check_run_exit_codes_and_ocsf_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "etc/ssh/sshd_config", "PermitRootLogin yes\n");
    let run = |extra: &[&str]| {
        Command::new(bin())
            .args(["check", "run", "--policy", "linux-sshd", "--target-root"])
            .arg(root)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--format", "ocsf"]);
    assert_eq!(out.status.code(), Some(1), "a failed check exits 1");
    let findings: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let root_login = findings
        .iter()
        .find(|f| f["finding_info"]["uid"] == "linux-sshd/ssh-root-login")
        .unwrap();
    assert_eq!(root_login["class_uid"], 2003);
    assert_eq!(root_login["compliance"]["status"], "Fail");

    write(root, "etc/ssh/sshd_config", "PermitRootLogin no\n");
    let only_root_login = Command::new(bin())
        .args(["check", "run", "--policy"])
        .arg(policy_file(root))
        .arg("--target-root")
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(
        only_root_login.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&only_root_login.stderr)
    );
    assert_eq!(run(&["--policy", "no-such-policy"]).status.code(), Some(2));
}

fn policy_file(root: &std::path::Path) -> std::path::PathBuf {
    let path = root.join("root-login.yml");
    std::fs::write(
        &path,
        "policy: {id: mine, title: Mine}\nchecks:\n  - id: root\n    title: No root login\n    rules:\n      - file: /etc/ssh/sshd_config\n        line: '^PermitRootLogin (\\S+)'\n        is: ['no']\n",
    )
    .unwrap();
    path
}

#[test]
fn check_fim_writes_a_baseline_then_reports_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "etc/ssh/sshd_config", "PermitRootLogin no\n");
    let baseline = root.join("fim.json");
    let fim = || {
        Command::new(bin())
            .args([
                "check",
                "fim",
                "--format",
                "ocsf",
                "--paths",
                "/etc/ssh",
                "--target-root",
            ])
            .arg(root)
            .arg("--baseline")
            .arg(&baseline)
            .output()
            .unwrap()
    };
    assert_eq!(fim().status.code(), Some(0));
    assert!(baseline.exists());
    assert_eq!(fim().status.code(), Some(0), "no change yet");
    write(root, "etc/ssh/sshd_config", "PermitRootLogin yes\n");
    let out = fim();
    assert_eq!(out.status.code(), Some(1));
    let event: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(event["class_uid"], 1001);
    assert!(event["file_diff"]
        .as_str()
        .unwrap()
        .contains("+1: PermitRootLogin yes"));
}
