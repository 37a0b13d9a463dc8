//! OSV range semantics on advisories written here: every event kind, explicit versions,
//! withdrawn advisories, GIT ranges, ecosystems and name rules, fixed vs no fix.

use palisade_vuln::osv::{advisories_from_json, advisories_from_yaml, AdvisoryIndex, Ecosystem};

fn index(json: &str) -> AdvisoryIndex {
    AdvisoryIndex::new(advisories_from_json(json).expect("valid OSV"))
}

fn advisory(id: &str, ecosystem: &str, name: &str, ranges: &str, versions: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"{ecosystem}","name":"{name}"}},"ranges":{ranges},"versions":{versions}}}]}}"#
    )
}

/// (matched ids, fixed version of the first match) for one package version.
fn check(
    index: &AdvisoryIndex,
    eco: &str,
    name: &str,
    version: &str,
) -> (Vec<String>, Option<String>) {
    let eco = Ecosystem::parse(eco).expect("supported");
    let found = index.matches(&eco, name, version);
    let fixed = found.first().and_then(|m| m.fixed.clone());
    (
        found.into_iter().map(|m| m.advisory.id.clone()).collect(),
        fixed,
    )
}

#[test]
fn introduced_and_fixed_pairs_bound_each_affected_span() {
    let idx = index(&advisory(
        "A-1",
        "crates.io",
        "demo",
        r#"[{"type":"SEMVER","events":[{"introduced":"1.2.0"},{"fixed":"1.4.0"},{"introduced":"2.0.0-0"},{"fixed":"2.1.1"}]}]"#,
        "[]",
    ));
    for (version, affected, fix) in [
        ("1.1.9", false, None),
        ("1.2.0", true, Some("1.4.0")),
        ("1.3.99", true, Some("1.4.0")),
        ("1.4.0", false, None),
        ("2.0.0-alpha", true, Some("2.1.1")),
        ("2.1.0", true, Some("2.1.1")),
        ("2.1.1", false, None),
        ("3.0.0", false, None),
    ] {
        let (ids, fixed) = check(&idx, "crates.io", "demo", version);
        assert_eq!(!ids.is_empty(), affected, "{version}");
        assert_eq!(fixed.as_deref(), fix, "{version}");
    }
}

#[test]
fn events_are_evaluated_sorted_not_in_listed_order() {
    let idx = index(&advisory(
        "A-2",
        "PyPI",
        "Some_Package",
        r#"[{"type":"ECOSYSTEM","events":[{"fixed":"2.0"},{"introduced":"1.0rc1"},{"fixed":"1.5"},{"introduced":"1.8"}]}]"#,
        "[]",
    ));
    assert!(check(&idx, "PyPI", "some-package", "1.0rc1").0.len() == 1);
    assert!(check(&idx, "PyPI", "SOME.package", "1.0b9").0.is_empty());
    assert!(check(&idx, "PyPI", "some_package", "1.5").0.is_empty());
    assert_eq!(
        check(&idx, "PyPI", "some-package", "1.9.post1")
            .1
            .as_deref(),
        Some("2.0")
    );
    assert!(check(&idx, "PyPI", "some-package", "2.0.0").0.is_empty());
}

#[test]
fn last_affected_includes_that_version_and_reports_no_fix() {
    let idx = index(&advisory(
        "A-3",
        "PyPI",
        "py",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"1.11.0"}]}]"#,
        "[]",
    ));
    assert_eq!(
        check(&idx, "PyPI", "py", "1.11.0"),
        (vec!["A-3".to_owned()], None)
    );
    assert_eq!(check(&idx, "PyPI", "py", "0.1.dev1").0.len(), 1);
    assert!(check(&idx, "PyPI", "py", "1.11.1").0.is_empty());
}

#[test]
fn limit_cuts_the_range_and_star_means_no_limit() {
    let idx = index(&advisory(
        "A-4",
        "npm",
        "left-pad",
        r#"[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"limit":"1.5.0"}]},
            {"type":"SEMVER","events":[{"introduced":"3.0.0"},{"limit":"*"}]}]"#,
        "[]",
    ));
    assert_eq!(check(&idx, "npm", "left-pad", "1.4.9").0.len(), 1);
    assert!(check(&idx, "npm", "left-pad", "1.5.0").0.is_empty());
    assert!(check(&idx, "npm", "left-pad", "2.0.0").0.is_empty());
    assert_eq!(
        check(&idx, "npm", "left-pad", "9.0.0"),
        (vec!["A-4".to_owned()], None)
    );
}

#[test]
fn explicit_versions_match_even_outside_ranges_and_git_ranges_are_skipped() {
    let idx = index(&advisory(
        "A-5",
        "PyPI",
        "lib",
        r#"[{"type":"GIT","repo":"https://example.org/lib","events":[{"introduced":"0"},{"fixed":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}]}]"#,
        r#"["0.9", "1.0.0", "not a version"]"#,
    ));
    assert_eq!(idx.stats().git_ranges, 1);
    assert_eq!(idx.stats().unparsable_versions, 1);
    assert_eq!(
        check(&idx, "PyPI", "lib", "1.0").0.len(),
        1,
        "1.0 == 1.0.0 in PEP 440"
    );
    assert_eq!(
        check(&idx, "PyPI", "lib", "not a version").0.len(),
        1,
        "exact text"
    );
    assert!(check(&idx, "PyPI", "lib", "1.1").0.is_empty());
}

#[test]
fn withdrawn_advisories_never_match() {
    let json = format!(
        "[{}, {}]",
        advisory(
            "W-1",
            "npm",
            "x",
            r#"[{"type":"SEMVER","events":[{"introduced":"0"}]}]"#,
            "[]"
        )
        .replacen('{', r#"{"withdrawn":"2024-02-01T00:00:00Z","#, 1),
        advisory(
            "K-1",
            "npm",
            "x",
            r#"[{"type":"SEMVER","events":[{"introduced":"0"}]}]"#,
            "[]"
        )
    );
    let idx = index(&json);
    assert_eq!(idx.stats().withdrawn, 1);
    assert_eq!(check(&idx, "npm", "x", "1.0.0").0, vec!["K-1".to_owned()]);
}

#[test]
fn debian_releases_scope_advisories_and_use_dpkg_order() {
    let idx = index(&format!(
        "[{}, {}]",
        advisory(
            "DSA-1",
            "Debian:12",
            "openssl",
            r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]"#,
            "[]"
        ),
        advisory(
            "DSA-2",
            "Debian:11",
            "openssl",
            r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1.1w-0+deb11u1"}]}]"#,
            "[]"
        ),
    ));
    let (ids, fixed) = check(&idx, "Debian:12", "openssl", "3.0.11-1~deb12u1");
    assert_eq!(ids, vec!["DSA-1".to_owned()]);
    assert_eq!(fixed.as_deref(), Some("3.0.11-1~deb12u2"));
    assert!(check(&idx, "Debian:12", "openssl", "3.0.11-1~deb12u2")
        .0
        .is_empty());
    assert!(
        check(&idx, "Debian:12", "openssl", "3.0.11-1").0.is_empty(),
        "~ sorts before the end"
    );
    assert_eq!(
        check(&idx, "Debian", "openssl", "1.0").0.len(),
        2,
        "unknown release: every release"
    );
}

#[test]
fn yaml_advisories_keep_version_text_and_aliases() {
    let yaml = "id: PYSEC-0000-1\nmodified: 2024-01-01T00:00:00Z\naliases:\n- GHSA-xxxx\n- CVE-2024-0001\naffected:\n- package:\n    name: demo\n    ecosystem: PyPI\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n";
    let advisories = advisories_from_yaml(yaml).expect("valid");
    assert_eq!(advisories[0].aliases[0], "CVE-2024-0001", "CVE ids first");
    let idx = AdvisoryIndex::new(advisories);
    let (ids, fixed) = check(&idx, "PyPI", "demo", "1.9");
    assert_eq!(ids.len(), 1, "1.9 < 1.10: the YAML number kept its text");
    assert_eq!(fixed.as_deref(), Some("1.10"));
}

#[test]
fn malformed_documents_are_refused_with_reasons() {
    for (doc, reason) in [
        ("{", "not valid JSON"),
        (r#"{"summary":"x"}"#, "no \"id\""),
        (
            r#"{"id":"X","affected":[{"package":{"name":"a","ecosystem":"npm"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}"#,
            "introduced",
        ),
        (
            r#"{"id":"X","affected":[{"package":{"name":"a","ecosystem":"npm"},"ranges":[{"type":"RANGE","events":[]}]}]}"#,
            "unknown range type",
        ),
        (
            r#"{"id":"X","affected":[{"package":{"name":"a","ecosystem":"npm"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}]}"#,
            "exactly one",
        ),
    ] {
        let err = advisories_from_json(doc).expect_err(doc);
        assert!(err.0.contains(reason), "{doc}: {err}");
    }
}
