//! `palisade advisories import` and `palisade vuln scan`: the real binary over advisory files,
//! a target root (dpkg status, os-release) and lock files written here.

use crate::harness::bin;
use std::{
    path::Path,
    process::{Command, Output},
};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn run(args: &[&str], data: &Path) -> Output {
    Command::new(bin())
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("run palisade")
}

fn json_of(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Advisories: a Debian one with a fix, a Debian one without, crates.io, npm and PyPI
/// (YAML), one withdrawn, and one file that is not OSV.
fn write_advisories(dir: &Path) {
    write(
        &dir.join("debian/DSA-0001.json"),
        r#"{"id":"DSA-0001","aliases":["CVE-2099-1000"],"summary":"openssl: remote code execution","modified":"2024-01-01T00:00:00Z",
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
              "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]},
             {"package":{"ecosystem":"Debian:11","name":"openssl"},
              "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1.1w-0+deb11u1"}]}]}]}"#,
    );
    write(
        &dir.join("debian/DEBIAN-CVE-2099-2000.json"),
        r#"{"id":"DEBIAN-CVE-2099-2000","summary":"bash: no fix yet","modified":"2024-01-01T00:00:00Z",
            "affected":[{"package":{"ecosystem":"Debian:12","name":"bash"},
              "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#,
    );
    write(
        &dir.join("rust/RUSTSEC-2099-0001.json"),
        r#"{"id":"RUSTSEC-2099-0001","summary":"demo: memory corruption","modified":"2024-01-01T00:00:00Z",
            "affected":[{"package":{"ecosystem":"crates.io","name":"demo"},
              "ranges":[{"type":"SEMVER","events":[{"introduced":"0.0.0-0"},{"fixed":"1.2.3"}]}]}]}"#,
    );
    write(
        &dir.join("npm/GHSA-npm.json"),
        r#"{"id":"GHSA-0000-0000-0001","summary":"lodash: prototype pollution","modified":"2024-01-01T00:00:00Z",
            "database_specific":{"severity":"HIGH"},
            "affected":[{"package":{"ecosystem":"npm","name":"lodash"},
              "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}]}"#,
    );
    write(
        &dir.join("pypi/requests/PYSEC-2099-1.yaml"),
        "id: PYSEC-2099-1\nmodified: 2024-01-01T00:00:00Z\nsummary: requests leaks credentials\naffected:\n- package:\n    name: requests\n    ecosystem: PyPI\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: \"0\"\n    - fixed: 2.20.0\n",
    );
    write(
        &dir.join("pypi/urllib3/PYSEC-2099-2.yaml"),
        "id: PYSEC-2099-2\nmodified: 2024-01-01T00:00:00Z\nwithdrawn: 2024-02-01T00:00:00Z\naffected:\n- package:\n    name: urllib3\n    ecosystem: PyPI\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: \"0\"\n",
    );
    write(&dir.join("broken.json"), r#"{"summary":"no id"}"#);
    write(&dir.join("README.md"), "not an advisory, not read");
}

/// A Debian 12 root and one lock file of each kind, each with a vulnerable and a fixed package.
fn write_target(dir: &Path) {
    write(
        &dir.join("root/etc/os-release"),
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
    );
    write(
        &dir.join("root/var/lib/dpkg/status"),
        "Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.11-1~deb12u1\n\n\
         Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nSource: bash (5.2.15-2)\n\n\
         Package: removed\nStatus: deinstall ok config-files\nVersion: 1.0\n",
    );
    let registry = "registry+https://github.com/rust-lang/crates.io-index";
    write(
        &dir.join("app/Cargo.lock"),
        &format!("version = 3\n\n[[package]]\nname = \"demo\"\nversion = \"1.0.0\"\nsource = \"{registry}\"\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n"),
    );
    write(
        &dir.join("web/package-lock.json"),
        r#"{"lockfileVersion":3,"packages":{"":{"name":"web"},"node_modules/lodash":{"version":"4.17.20"},"node_modules/x/node_modules/lodash":{"version":"4.17.21"}}}"#,
    );
    write(
        &dir.join("py/requirements.txt"),
        "requests==2.19.1\nflask>=2.0\n",
    );
    write(
        &dir.join("py2/poetry.lock"),
        "[[package]]\nname = \"requests\"\nversion = \"2.31.0\"\n",
    );
}

#[test]
fn import_counts_withdrawn_and_invalid_then_scan_finds_every_ecosystem() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (advisories, data) = (tmp.path().join("osv"), tmp.path().join("data"));
    write_advisories(&advisories);
    write_target(tmp.path());

    let out = run(
        &[
            "advisories",
            "import",
            "--json",
            advisories.to_str().expect("utf8"),
        ],
        &data,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "an invalid file gives exit code 1"
    );
    let report = json_of(&out);
    assert_eq!(report["imported"], 5);
    assert_eq!(report["withdrawn"], 1);
    assert_eq!(report["files"], 7, "README.md is not read");
    assert_eq!(
        report["invalid"][0]["reason"],
        "not an OSV advisory: no \"id\""
    );
    assert!(data.join("advisories/osv.ndjson").is_file());

    let again = run(
        &[
            "advisories",
            "import",
            "--json",
            advisories.join("rust").to_str().expect("utf8"),
        ],
        &data,
    );
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(json_of(&again)["updated"], 1);
    assert_eq!(json_of(&again)["total"], 5);

    let p = |rel: &str| tmp.path().join(rel).to_string_lossy().into_owned();
    let (root, cargo, npm, req, poetry) = (
        p("root"),
        p("app/Cargo.lock"),
        p("web/package-lock.json"),
        p("py/requirements.txt"),
        p("py2/poetry.lock"),
    );
    let scan_args = |format: &'static str| -> Vec<String> {
        [
            "vuln",
            "scan",
            "--format",
            format,
            "--target-root",
            &root,
            "--lockfile",
            &cargo,
            "--lockfile",
            &npm,
            "--lockfile",
            &req,
            "--lockfile",
            &poetry,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let args = scan_args("json");
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), &data);
    assert_eq!(out.status.code(), Some(1), "findings give exit code 1");
    let report = json_of(&out);
    let found: Vec<(String, String, String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["advisory"].as_str().unwrap_or("").to_owned(),
                f["package"]["name"].as_str().unwrap_or("").to_owned(),
                f["fixed_version"].as_str().unwrap_or("no fix").to_owned(),
                f["severity"]["level"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expect = |a: &str, n: &str, fix: &str, sev: &str| {
        (a.to_owned(), n.to_owned(), fix.to_owned(), sev.to_owned())
    };
    assert_eq!(
        found,
        vec![
            expect("DSA-0001", "openssl", "3.0.11-1~deb12u2", "critical"),
            expect("GHSA-0000-0000-0001", "lodash", "4.17.21", "high"),
            expect("DEBIAN-CVE-2099-2000", "bash", "no fix", "unknown"),
            expect("RUSTSEC-2099-0001", "demo", "1.2.3", "unknown"),
            expect("PYSEC-2099-1", "requests", "2.20.0", "unknown"),
        ]
    );
    assert_eq!(
        report["packages"], 7,
        "2 dpkg sources, 1 crate, 2 npm, 2 PyPI"
    );
    assert_eq!(report["unpinned"][0]["name"], "flask");

    let args = scan_args("ocsf");
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), &data);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one OCSF event per line"))
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(lines
        .iter()
        .all(|e| e["class_uid"] == 2002 && e["type_uid"] == 200201));
    assert_eq!(
        lines[0]["vulnerabilities"][0]["cve"]["uid"],
        "CVE-2099-1000"
    );
    assert_eq!(
        lines[0]["vulnerabilities"][0]["affected_packages"][0]["fixed_in_version"],
        "3.0.11-1~deb12u2"
    );
    assert_eq!(lines[2]["vulnerabilities"][0]["fix_available"], false);

    let args = scan_args("table");
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), &data);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("no fix available"), "{table}");
    assert!(
        table.contains("5 findings (4 with a fix available, 1 with no fix available)"),
        "{table}"
    );
    assert!(
        table.contains("flask>=2.0"),
        "unpinned requirement listed: {table}"
    );
    assert!(
        table.contains("note: 1 workspace or path crates"),
        "{table}"
    );
    assert!(table.contains("advisories: 0 withdrawn ignored"), "{table}");
}

#[test]
fn clean_scans_exit_zero_and_problems_exit_two_with_a_reason() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (advisories, data) = (tmp.path().join("osv"), tmp.path().join("data"));
    write_target(tmp.path());
    let poetry = tmp.path().join("py2/poetry.lock");
    let out = run(
        &["vuln", "scan", "--lockfile", poetry.to_str().expect("utf8")],
        &data,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("palisade advisories import"));

    write_advisories(&advisories);
    run(
        &["advisories", "import", advisories.to_str().expect("utf8")],
        &data,
    );
    let out = run(
        &["vuln", "scan", "--lockfile", poetry.to_str().expect("utf8")],
        &data,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 findings"));

    // A file whose name does not say its format: NAME:PATH.
    let base = tmp.path().join("deps/base.txt");
    write(&base, "requests==2.19.1\n");
    let spec = format!("requirements.txt:{}", base.display());
    let out = run(
        &["vuln", "scan", "--format", "json", "--lockfile", &spec],
        &data,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["findings"][0]["advisory"], "PYSEC-2099-1");

    let unknown = tmp.path().join("Gemfile.lock");
    write(&unknown, "GEM\n");
    let out = run(
        &[
            "vuln",
            "scan",
            "--lockfile",
            unknown.to_str().expect("utf8"),
        ],
        &data,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown lock file"));
}

#[test]
fn corpus_advisories_import_and_match_a_lock_file() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/osv");
    if !corpus.is_dir() {
        eprintln!(
            "skipping: {} is absent (no shared corpus beside this checkout)",
            corpus.display()
        );
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let out = Command::new(bin())
        .args(["advisories", "import", "--json", "--data-dir"])
        .arg(&data)
        .arg(corpus.join("rustsec-osv"))
        .arg(corpus.join("pypa"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let report = json_of(&out);
    assert_eq!(report["total"], 3844);
    assert_eq!(report["withdrawn"], 23);

    let lock = tmp.path().join("Cargo.lock");
    write(&lock, "[[package]]\nname = \"smallvec\"\nversion = \"1.5.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n");
    let out = run(
        &[
            "vuln",
            "scan",
            "--format",
            "json",
            "--lockfile",
            lock.to_str().expect("utf8"),
        ],
        &data,
    );
    let findings = json_of(&out)["findings"].clone();
    assert_eq!(findings.as_array().map(Vec::len), Some(1));
    assert_eq!(findings[0]["advisory"], "RUSTSEC-2021-0003");
    assert_eq!(findings[0]["fixed_version"], "1.6.1");
    assert_eq!(findings[0]["severity"]["level"], "critical");
}

#[test]
fn ocsf_findings_travel_the_ingest_pipeline_and_are_searchable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (advisories, data) = (tmp.path().join("osv"), tmp.path().join("vulndata"));
    write_advisories(&advisories);
    write_target(tmp.path());
    run(
        &["advisories", "import", advisories.to_str().expect("utf8")],
        &data,
    );
    let root = tmp.path().join("root");
    let out = run(
        &[
            "vuln",
            "scan",
            "--format",
            "ocsf",
            "--target-root",
            root.to_str().expect("utf8"),
        ],
        &data,
    );
    assert_eq!(out.status.code(), Some(1), "two Debian findings");
    let findings = tmp.path().join("findings.ndjson");
    std::fs::write(&findings, &out.stdout).expect("write findings");

    let server = crate::harness::Server::start(&tmp.path().join("server"), None);
    let (code, _, stderr) = server.cli(&["ingest", findings.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{stderr}");
    let events = server.wait_for("class_uid:2002", 2);
    assert_eq!(events.len(), 2, "{events:?}");
    let critical = server.wait_for("class_uid:2002 AND severity_id:5", 1);
    assert_eq!(critical.len(), 1);
    let vuln = &critical[0]["vulnerabilities"][0];
    assert_eq!(vuln["cve"]["uid"], "CVE-2099-1000");
    assert_eq!(vuln["affected_packages"][0]["name"], "openssl");
    assert_eq!(
        vuln["affected_packages"][0]["fixed_in_version"],
        "3.0.11-1~deb12u2"
    );
}
