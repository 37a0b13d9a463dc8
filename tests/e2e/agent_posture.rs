//! The host agent's posture tasks against a live server: scheduled checks arrive as
//! searchable Compliance Findings (changes only between full runs), a change of a watched
//! configuration file arrives within seconds as File System Activity with the diff and
//! raises the built-in alert, and an inventory with a vulnerable package becomes a
//! Vulnerability Finding once a constructed advisory is imported on the server.

use crate::{
    agent::{enrol, AgentProcess},
    harness::{bin, tempdir, Server},
};
use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Starts `palisade agent` with `posture` appended to quick base settings.
fn start_agent(server: &Server, dir: &Path, token: &Path, posture: &str) -> AgentProcess {
    let config = dir.join("agent.toml");
    write(
        &config,
        &format!(
            "hostname = \"e2e-host\"\npoll_interval = \"100ms\"\nheartbeat_interval = \"300ms\"\nmax_backoff = \"500ms\"\n{posture}"
        ),
    );
    let child = Command::new(bin())
        .args(["agent", "--server", &server.url()])
        .arg("--ca-file")
        .arg(server.dir.join("data/tls/cert.pem"))
        .arg("--token-file")
        .arg(token)
        .arg("--config")
        .arg(&config)
        .arg("--state-dir")
        .arg(dir.join("agent"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    AgentProcess(child)
}

/// Compliance Findings of one check, oldest first.
fn findings_of(server: &Server, check: &str, want: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut found: Vec<serde_json::Value> = server
            .wait_for("class_uid:2003", 1)
            .into_iter()
            .filter(|e| e["finding_info"]["uid"] == check)
            .collect();
        found.sort_by_key(|e| e["time"].as_i64());
        if found.len() >= want || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn scheduled_checks_and_watched_files_arrive_as_findings_and_alert() {
    let dir = tempdir();
    let server = Server::start(&dir.path().join("server"), None);
    let token = enrol(&server, &server.url(), dir.path());
    let root = dir.path().join("root");
    let sshd_config = root.join("etc/ssh/sshd_config");
    write(&sshd_config, "Port 22\nPermitRootLogin yes\n");
    let _agent = start_agent(
        &server,
        dir.path(),
        &token,
        &format!(
            "target_root = {:?}\n[checks]\ninterval = \"1s\"\nfull_interval = \"1h\"\njitter = \"0s\"\npolicies = [\"linux-sshd\"]\n[inventory]\nenabled = false\n[fim]\ninterval = \"300ms\"\n",
            root.display().to_string()
        ),
    );

    let root_login = findings_of(&server, "linux-sshd/ssh-root-login", 1);
    let first = root_login.first().expect("the root-login check arrived");
    assert_eq!(first["device"]["hostname"], "e2e-host");
    assert_eq!(first["compliance"]["status"], "Fail");
    assert_eq!(first["compliance"]["standards"][0], "CSA CCM v4");
    assert!(
        first["compliance"]["requirements"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "CCM control ids: {first}"
    );
    let evidence = first["evidences"].to_string();
    assert!(evidence.contains("PermitRootLogin yes"), "{evidence}");
    let full_run = server.wait_for("class_uid:2003", 2).len();
    assert!(full_run > 5, "the full run shipped every check: {full_run}");

    // Let the watch take its first state, then change the file.
    std::thread::sleep(Duration::from_secs(1));
    let changed_at = Instant::now();
    // As an editor saves: a new file renamed over the old one, so no scan sees half of it.
    let edited = root.join("etc/ssh/sshd_config.new");
    write(&edited, "Port 22\nPermitRootLogin no\n");
    std::fs::rename(&edited, &sshd_config).unwrap();
    let change = loop {
        let changes = server.wait_for("class_uid:1001", 1);
        if let Some(c) = changes
            .into_iter()
            .find(|c| c["file"]["path"] == "/etc/ssh/sshd_config")
        {
            break c;
        }
        assert!(
            changed_at.elapsed() < Duration::from_secs(20),
            "no change event"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let seconds = changed_at.elapsed().as_secs_f64();
    assert!(seconds < 5.0, "the change took {seconds:.1} s");
    eprintln!("watched file change searchable after {seconds:.2} s");
    assert_eq!(change["device"]["hostname"], "e2e-host");
    let diff = change["file_diff"].as_str().unwrap_or_default();
    assert!(diff.contains("-2: PermitRootLogin yes"), "{diff}");
    assert!(diff.contains("+2: PermitRootLogin no"), "{diff}");
    assert_ne!(
        change["file"]["hashes"][0]["value"], change["file_result"]["hashes"][0]["value"],
        "before and after differ"
    );

    let deadline = Instant::now() + Duration::from_secs(20);
    let alert = loop {
        let (_, body) = server.get("/api/v1/alerts", &[]);
        let alerts = body["alerts"].as_array().cloned().unwrap_or_default();
        if let Some(a) = alerts.into_iter().find(|a| {
            a.to_string()
                .contains("Security-relevant configuration file altered")
        }) {
            break a;
        }
        assert!(Instant::now() < deadline, "no alert for the changed file");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(alert.to_string().contains("t1562"), "{alert}");

    // The next run ships only the check whose status changed.
    let root_login = findings_of(&server, "linux-sshd/ssh-root-login", 2);
    assert_eq!(root_login.len(), 2, "{root_login:?}");
    assert_eq!(root_login[1]["compliance"]["status"], "Pass");
    std::thread::sleep(Duration::from_millis(1500));
    let total = server.wait_for("class_uid:2003", 1).len();
    assert_eq!(
        total,
        full_run + 1,
        "unchanged results are not shipped again"
    );
}

#[test]
fn an_inventory_with_a_vulnerable_package_becomes_a_finding_for_the_host() {
    let dir = tempdir();
    let server = Server::start(&dir.path().join("server"), None);
    let advisories = dir.path().join("osv");
    write(
        &advisories.join("RUSTSEC-2099-0042.json"),
        r#"{"id":"RUSTSEC-2099-0042","aliases":["CVE-2099-4242"],"summary":"agentdemo: use after free","modified":"2024-01-01T00:00:00Z",
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected":[{"package":{"ecosystem":"crates.io","name":"agentdemo"},
              "ranges":[{"type":"SEMVER","events":[{"introduced":"0.0.0-0"},{"fixed":"1.4.0"}]}]}]}"#,
    );
    let out = Command::new(bin())
        .args(["advisories", "import"])
        .arg(&advisories)
        .arg("--data-dir")
        .arg(server.dir.join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lockfile = dir.path().join("app/Cargo.lock");
    write(
        &lockfile,
        "version = 3\n\n[[package]]\nname = \"agentdemo\"\nversion = \"1.3.9\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"safe\"\nversion = \"2.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    let token = enrol(&server, &server.url(), dir.path());
    let _agent = start_agent(
        &server,
        dir.path(),
        &token,
        &format!(
            "[checks]\nenabled = false\n[fim]\nenabled = false\n[inventory]\ndpkg = false\njitter = \"0s\"\nlockfiles = [{:?}]\n",
            lockfile.display().to_string()
        ),
    );
    let findings = server.wait_for("class_uid:2002", 1);
    let finding = findings.first().expect("a vulnerability finding");
    assert_eq!(
        findings.len(),
        1,
        "only the vulnerable package: {findings:?}"
    );
    assert_eq!(finding["device"]["hostname"], "e2e-host");
    let vuln = &finding["vulnerabilities"][0];
    assert_eq!(vuln["cve"]["uid"], "CVE-2099-4242");
    assert_eq!(vuln["affected_packages"][0]["name"], "agentdemo");
    assert_eq!(vuln["affected_packages"][0]["fixed_in_version"], "1.4.0");
    assert_eq!(finding["severity_id"], 5);
    let inventories = server.wait_for("class_uid:5020", 1);
    let inventory = inventories.first().expect("the inventory event");
    assert_eq!(inventory["device"]["hostname"], "e2e-host");
    assert_eq!(inventory["unmapped"]["package_count"], 2);
    assert!(inventory["unmapped"]["packages"]
        .to_string()
        .contains("crates.io/agentdemo@1.3.9"));
    let pending = dir.path().join("agent/inventory.json");
    let deadline = Instant::now() + Duration::from_secs(10);
    while pending.exists() {
        assert!(
            Instant::now() < deadline,
            "the delivered inventory stays pending"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
