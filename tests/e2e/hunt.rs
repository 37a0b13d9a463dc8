//! `palisade rules check` and `palisade hunt`: the real binary over rule and log files it is
//! given on disk.

use crate::harness::bin;
use std::process::Command;

const RULES: &[(&str, &str)] = &[
    (
        "windows/whoami.yml",
        "title: Whoami Run\nid: 0a1b2c3d-0000-4000-8000-000000000001\nstatus: test\nlevel: high\ntags:\n  - attack.discovery\n  - attack.t1033\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel\n",
    ),
    (
        "linux/ssh.yml",
        "title: SSH Failed Password\nid: 0a1b2c3d-0000-4000-8000-000000000002\nlevel: medium\nlogsource:\n  product: linux\n  service: sshd\ndetection:\n  keywords:\n    - 'Failed password'\n  condition: keywords\n",
    ),
    (
        "bad/legacy.yml",
        "title: Legacy\nlogsource:\n  product: linux\ndetection:\n  sel:\n    a: b\n  condition: sel | count() > 3\n",
    ),
];

fn write_rules(dir: &std::path::Path) {
    for (path, text) in RULES {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().expect("has parent")).expect("mkdir");
        std::fs::write(file, text).expect("write rule");
    }
}

#[test]
fn rules_check_counts_and_explains_failures() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_rules(tmp.path());
    let out = Command::new(bin())
        .args(["rules", "check", "--json"])
        .arg(tmp.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "a failure gives exit code 1");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        1,
        "exactly one JSON object: {stdout}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(report["loaded"], 2);
    assert_eq!(report["failed"], 1);
    let failure = &report["failures"][0];
    assert!(failure["file"]
        .as_str()
        .is_some_and(|f| f.ends_with("legacy.yml")));
    assert!(failure["reason"]
        .as_str()
        .is_some_and(|r| r.contains("correlation")));

    let text = Command::new(bin())
        .args(["rules", "check"])
        .arg(tmp.path().join("windows"))
        .output()
        .expect("run");
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("1 loaded"));
}

#[test]
fn hunt_finds_matches_in_windows_json_and_syslog_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_rules(tmp.path());
    // Two concatenated pretty-printed Windows events (as evtx_dump writes them): one match.
    let event = |image: &str| {
        format!(
            "{{\n  \"Event\": {{\n    \"System\": {{\"EventID\": 1, \"Channel\": \"Microsoft-Windows-Sysmon/Operational\", \"Computer\": \"pc7\"}},\n    \"EventData\": {{\"Image\": \"{image}\"}}\n  }}\n}}\n"
        )
    };
    let windows = tmp.path().join("sysmon.json");
    let body =
        event("C:\\\\Windows\\\\System32\\\\whoami.exe") + &event("C:\\\\Windows\\\\notepad.exe");
    std::fs::write(&windows, body).expect("write");
    let syslog = tmp.path().join("auth.log");
    std::fs::write(
        &syslog,
        "<38>Jan  1 00:00:00 srv sshd[1]: Failed password for root from 192.0.2.9 port 22 ssh2\n<38>Jan  1 00:00:01 srv cron[2]: Failed password lookalike from another program\n",
    )
    .expect("write");
    let out = Command::new(bin())
        .args(["hunt", "--json", "--rules"])
        .arg(tmp.path().join("windows"))
        .arg("--rules")
        .arg(tmp.path().join("linux"))
        .arg(&windows)
        .arg(&syslog)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let matches: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(matches.len(), 2, "{matches:#?}");
    assert_eq!(matches[0]["rule_title"], "Whoami Run");
    assert_eq!(matches[0]["level"], "high");
    assert_eq!(matches[0]["tags"][1], "attack.t1033");
    assert_eq!(matches[0]["event"]["device"]["hostname"], "pc7");
    assert_eq!(
        matches[1]["rule_id"],
        "0a1b2c3d-0000-4000-8000-000000000002"
    );

    let table = Command::new(bin())
        .args(["hunt", "--rules"])
        .arg(tmp.path().join("windows"))
        .arg(&syslog)
        .output()
        .expect("run");
    assert_eq!(table.status.code(), Some(1), "no match gives exit code 1");
}
