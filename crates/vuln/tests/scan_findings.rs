//! A whole scan on an inventory built here: findings carry severity, fixed version or "no fix
//! available", and become OCSF Vulnerability Finding events.

use palisade_core::TenantId;
use palisade_vuln::{
    inventory::LockfileKind,
    ocsf::finding_event,
    osv::{advisories_from_json, AdvisoryIndex},
    scan::scan,
    severity::Level,
};

const ADVISORIES: &str = r#"[
 {"id":"RUSTSEC-0000-0001","aliases":["GHSA-aaaa","CVE-2099-0001"],"summary":"Buffer overflow in demo",
  "modified":"2024-01-01T00:00:00Z","published":"2024-01-01T00:00:00Z",
  "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected":[{"package":{"ecosystem":"crates.io","name":"demo"},
    "ranges":[{"type":"SEMVER","events":[{"introduced":"0.0.0-0"},{"fixed":"1.2.3"}]}]}],
  "references":[{"type":"WEB","url":"https://example.org/w"},{"type":"ADVISORY","url":"https://example.org/a"}]},
 {"id":"RUSTSEC-0000-0002","summary":"Unmaintained","modified":"2024-01-01T00:00:00Z",
  "database_specific":{"severity":"LOW"},
  "affected":[{"package":{"ecosystem":"crates.io","name":"old"},
    "ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}
]"#;

#[test]
fn scan_reports_severity_fix_and_ocsf_fields() {
    let lock = "[[package]]\nname = \"demo\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
                [[package]]\nname = \"old\"\nversion = \"0.1.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
                [[package]]\nname = \"safe\"\nversion = \"2.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let inventory = LockfileKind::CargoLock
        .parse(lock, "Cargo.lock")
        .expect("valid");
    let index = AdvisoryIndex::new(advisories_from_json(ADVISORIES).expect("valid"));
    let report = scan(&index, &inventory);
    assert_eq!(report.packages, 3);
    assert_eq!(report.findings.len(), 2);
    assert_eq!(report.fixable(), 1);

    let critical = &report.findings[0];
    assert_eq!(critical.advisory, "RUSTSEC-0000-0001");
    assert_eq!(critical.severity.level, Level::Critical);
    assert_eq!(critical.severity.score, Some(9.8));
    assert_eq!(critical.fixed_version.as_deref(), Some("1.2.3"));
    let low = &report.findings[1];
    assert_eq!(
        low.severity.level,
        Level::Low,
        "database rating without CVSS"
    );
    assert!(!low.fix_available);

    let ocsf = finding_event(critical, 1, TenantId::default(), 1_700_000_000_000).to_ocsf_json();
    assert_eq!(ocsf["class_uid"], 2002);
    assert_eq!(ocsf["type_uid"], 200201);
    assert_eq!(ocsf["severity_id"], 5);
    let vuln = &ocsf["vulnerabilities"][0];
    assert_eq!(vuln["cve"]["uid"], "CVE-2099-0001");
    assert_eq!(vuln["cve"]["cvss"][0]["base_score"], 9.8);
    assert_eq!(vuln["fix_available"], true);
    assert_eq!(
        vuln["references"][0], "https://example.org/a",
        "advisory link first"
    );
    let package = &vuln["affected_packages"][0];
    assert_eq!(package["name"], "demo");
    assert_eq!(package["version"], "1.0.0");
    assert_eq!(package["fixed_in_version"], "1.2.3");
    assert_eq!(package["purl"], "pkg:cargo/demo@1.0.0");

    let none = finding_event(low, 2, TenantId::default(), 0).to_ocsf_json();
    assert_eq!(none["severity_id"], 2);
    assert_eq!(none["vulnerabilities"][0]["fix_available"], false);
    assert!(none["vulnerabilities"][0]["affected_packages"][0]
        .get("fixed_in_version")
        .is_none());
    assert!(none["message"]
        .as_str()
        .is_some_and(|m| m.contains("no fix available")));
}
