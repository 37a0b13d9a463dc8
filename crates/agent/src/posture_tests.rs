//! Tests of the posture tasks on file trees written here.

use crate::{
    checks::{load_policies, ScheduledChecks},
    inventory::{take, InventoryPackage, InventoryReport},
    inventory_match::match_inventory,
    posture_config::{ChecksConfig, FimConfig, InventoryConfig},
    watch::ConfigWatch,
};
use palisade_assess::Target;
use palisade_core::TenantId;
use std::{path::Path, time::Instant};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn event(record: &str) -> serde_json::Value {
    serde_json::from_str(record).unwrap()
}

#[test]
fn a_full_run_ships_every_result_then_only_changed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(&root.join("etc/ssh/sshd_config"), "PermitRootLogin yes\n");
    let config = ChecksConfig::default();
    let policies = load_policies(&["linux-sshd".to_owned()], &config.vars).unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let mut checks =
        ScheduledChecks::new(&config, policies.clone(), &state, Instant::now()).unwrap();
    let target = Target::new(&root);
    let now = Instant::now();
    let full = checks.run(&target, "h1", now);
    assert_eq!(full.records.len(), full.evaluated);
    assert!(full.evaluated > 5);
    let root_login = full
        .records
        .iter()
        .map(|r| event(r.as_str()))
        .find(|e| e["finding_info"]["uid"] == "linux-sshd/ssh-root-login")
        .unwrap();
    assert_eq!(root_login["class_uid"], 2003);
    assert_eq!(root_login["device"]["hostname"], "h1");
    assert_eq!(root_login["compliance"]["status"], "Fail");
    checks.commit(full).unwrap();
    assert!(
        checks.run(&target, "h1", now).records.is_empty(),
        "nothing changed"
    );

    write(&root.join("etc/ssh/sshd_config"), "PermitRootLogin no\n");
    // After a restart, what was shipped is remembered.
    let mut checks = ScheduledChecks::new(&config, policies, &state, now).unwrap();
    let changed = checks.run(&target, "h1", now);
    let uids: Vec<String> = changed
        .records
        .iter()
        .map(|r| event(r)["finding_info"]["uid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(uids, ["linux-sshd/ssh-root-login"]);
    assert_eq!(event(&changed.records[0])["compliance"]["status"], "Pass");
}

#[test]
fn unknown_policies_are_refused_with_the_built_in_ids() {
    let err = load_policies(&["no-such-policy".to_owned()], &Default::default()).unwrap_err();
    assert!(err.to_string().contains("linux-sshd"), "{err}");
}

#[test]
fn watched_files_report_changes_with_the_diff_even_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(&root.join("etc/app/app.conf"), "a = 1\nb = 2\n");
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let config = FimConfig {
        paths: vec!["/etc/app".into()],
        ..FimConfig::default()
    };
    let target = Target::new(&root);
    let now = Instant::now();
    let mut watch = ConfigWatch::new(&config, &[], &state, now);
    let first = watch.scan(&target, "h1", now);
    assert!(
        first.changed && first.records.is_empty(),
        "the first scan only records"
    );
    watch.commit(first).unwrap();
    assert!(!watch.scan(&target, "h1", now).changed);

    write(&root.join("etc/app/app.conf"), "a = 1\nb = 3\n");
    let mut watch = ConfigWatch::new(&config, &[], &state, now);
    let round = watch.scan(&target, "h1", now);
    assert_eq!(round.records.len(), 1);
    let change = event(&round.records[0]);
    assert_eq!(change["class_uid"], 1001);
    assert_eq!(change["file"]["path"], "/etc/app/app.conf");
    assert_eq!(change["file_diff"], "-2: b = 2\n+2: b = 3\n");
    assert_eq!(change["actor"]["process"]["name"], "palisade agent");
    watch.commit(round).unwrap();
    assert!(watch.scan(&target, "h1", now).records.is_empty());
}

#[test]
fn default_watch_is_sshd_config_and_the_policies_lists() {
    let dir = tempfile::tempdir().unwrap();
    let policies = load_policies(&["linux-sshd".to_owned()], &Default::default()).unwrap();
    let watch = ConfigWatch::new(&FimConfig::default(), &policies, dir.path(), Instant::now());
    assert_eq!(watch.watched(), ["/etc/ssh", "/etc/ssh/sshd_config"]);
}

#[test]
fn inventories_read_lock_files_and_note_what_they_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("Cargo.lock");
    write(
        &lock,
        "version = 3\n\n[[package]]\nname = \"demo\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    let config = InventoryConfig {
        dpkg: false,
        lockfiles: vec![lock, dir.path().join("missing/Cargo.lock")],
        ..InventoryConfig::default()
    };
    let report = take(&config, dir.path(), "h1");
    assert_eq!(report.hostname, "h1");
    assert_eq!(report.packages.len(), 1);
    assert_eq!(report.packages[0].ecosystem, "crates.io");
    assert!(
        report.skipped[0].contains("cannot read"),
        "{:?}",
        report.skipped
    );
    let text = serde_json::to_string(&report).unwrap();
    assert_eq!(
        serde_json::from_str::<InventoryReport>(&text).unwrap(),
        report
    );
}

#[test]
fn the_server_turns_a_vulnerable_package_into_a_finding_for_the_host() {
    let advisories = palisade_vuln::osv::advisories_from_json(
        r#"{"id":"RUSTSEC-2099-0001","summary":"demo: memory corruption","modified":"2024-01-01T00:00:00Z",
            "affected":[{"package":{"ecosystem":"crates.io","name":"demo"},
              "ranges":[{"type":"SEMVER","events":[{"introduced":"0.0.0-0"},{"fixed":"1.2.3"}]}]}]}"#,
    )
    .unwrap();
    let package = |ecosystem: &str, name: &str, version: &str| InventoryPackage {
        ecosystem: ecosystem.into(),
        name: name.into(),
        version: version.into(),
        source: "Cargo.lock".into(),
        binaries: Vec::new(),
    };
    let report = InventoryReport {
        hostname: "web1".into(),
        taken_ms: 1,
        packages: vec![
            package("crates.io", "demo", "1.0.0"),
            package("crates.io", "demo2", "1.0.0"),
            package("Maven", "org.demo:demo", "1.0.0"),
        ],
        skipped: Vec::new(),
    };
    let matched = match_inventory(&report, advisories, &TenantId::default());
    assert_eq!(
        (matched.packages, matched.findings, matched.unsupported),
        (3, 1, 1)
    );
    let inventory = &matched.events[0];
    assert_eq!(inventory["class_uid"], 5020);
    assert_eq!(inventory["device"]["hostname"], "web1");
    assert_eq!(inventory["unmapped"]["packages"][0], "crates.io/demo@1.0.0");
    let finding = &matched.events[1];
    assert_eq!(finding["class_uid"], 2002);
    assert_eq!(finding["device"]["hostname"], "web1");
    assert_eq!(
        finding["vulnerabilities"][0]["affected_packages"][0]["fixed_in_version"],
        "1.2.3"
    );
}
