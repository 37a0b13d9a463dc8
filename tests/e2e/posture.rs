//! Compliance posture against a live server: a failing check result sent with
//! `palisade check run --format ocsf | palisade ingest -` and the development seal the server
//! runs under show as failing controls with their evidence; the CLI prints the table, writes
//! the reports, and imports the CCM text; roles and tenants are kept apart.

use crate::harness::{bin, Server};
use std::{
    io::Write,
    path::Path,
    process::{Command, Output, Stdio},
};

/// A policy with one check that fails on the tree below (PermitRootLogin yes).
const POLICY: &str = "policy: {id: e2e, title: E2E}\nchecks:\n  - id: no-root-login\n    title: No root login over SSH\n    ccm: [IAM-14]\n    rules:\n      - file: /etc/ssh/sshd_config\n        line: '^PermitRootLogin (\\S+)'\n        is: ['no']\n";

/// `palisade <args> --server … --token-file … --ca-cert …` against `server`.
fn cli(server: &Server, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let data = server.dir.join("data");
    let mut child = Command::new(bin())
        .args(args)
        .arg("--server")
        .arg(server.url())
        .arg("--token-file")
        .arg(data.join("admin.token"))
        .arg("--ca-cert")
        .arg(data.join("tls/cert.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run palisade");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "palisade {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn failing_check_results(root: &Path) -> Vec<u8> {
    std::fs::create_dir_all(root.join("etc/ssh")).unwrap();
    std::fs::write(root.join("etc/ssh/sshd_config"), "PermitRootLogin yes\n").unwrap();
    std::fs::write(root.join("etc/hostname"), "web01\n").unwrap();
    std::fs::write(root.join("policy.yml"), POLICY).unwrap();
    let out = Command::new(bin())
        .args(["check", "run", "--format", "ocsf", "--policy"])
        .arg(root.join("policy.yml"))
        .arg("--target-root")
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the check fails");
    out.stdout
}

fn control<'a>(posture: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    posture["domains"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["controls"].as_array().unwrap())
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

#[test]
fn failing_check_and_dev_seal_show_as_failing_controls_with_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), None);
    let results = failing_check_results(&dir.path().join("host"));
    cli(&server, &["ingest", "-"], Some(&results));
    assert_eq!(server.wait_for("class_uid:2003", 1).len(), 1);

    let (status, posture) = server.get("/api/v1/posture", &[]);
    assert_eq!(status, 200, "{posture}");
    assert_eq!(posture["tenant"], "default");
    assert_eq!(posture["service_model"], "saas");
    let iam14 = control(&posture, "IAM-14");
    assert_eq!(iam14["status"], "fail", "{iam14}");
    let evidence = &iam14["evidence"][0];
    assert_eq!(evidence["source"], "check");
    assert_eq!(evidence["subject"], "web01 e2e/no-root-login");
    assert!(
        evidence["text"]
            .as_str()
            .unwrap()
            .contains("PermitRootLogin yes"),
        "{evidence}"
    );
    for seal_control in ["CEK-10", "CEK-13"] {
        let c = control(&posture, seal_control);
        assert_eq!(c["status"], "fail", "{c}");
        assert!(c["evidence"][0]["text"]
            .as_str()
            .unwrap()
            .contains("development file seal"));
    }
    assert_eq!(control(&posture, "DCS-01")["status"], "no_evidence");
    let iam = posture["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "IAM")
        .unwrap();
    assert_eq!(iam["status"], "fail");
    assert_eq!(iam["counts"]["fail"], 1);

    let table = cli(&server, &["posture"], None);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.lines().any(|l| l.starts_with("IAM-14   fail")),
        "{table}"
    );
    assert!(table.contains("web01 e2e/no-root-login"), "{table}");

    let html_path = dir.path().join("posture.html");
    let html_arg = html_path.to_str().unwrap();
    cli(
        &server,
        &["posture", "report", "--format", "html", "-o", html_arg],
        None,
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<td>IAM-14</td>") && html.contains("PermitRootLogin yes"));
    let md = cli(&server, &["posture", "report", "--format", "md"], None);
    assert!(String::from_utf8_lossy(&md.stdout).contains("| CEK-10 |"));
    let json = cli(&server, &["posture", "report", "--format", "json"], None);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(control(&doc, "IAM-14")["status"], "fail");
}

#[test]
fn ccm_text_import_roles_and_tenants() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        Some("[posture]\ndefault_service_model = \"iaas\"\n"),
    );
    let csv = dir.path().join("ccm.csv");
    std::fs::write(
        &csv,
        "Control Domain,Control Title,Control ID,Control Specification\n\
         Identity & Access Management,,,\n\
         ,Test title for IAM-14,IAM-14,\"Test text, quoted\"\n",
    )
    .unwrap();
    let out = cli(
        &server,
        &["posture", "import-ccm", csv.to_str().unwrap()],
        None,
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported the text of 1 controls"));

    let user = server.token_for("user");
    let (status, posture) = server.get_as(&user, "/api/v1/posture", &[]);
    assert_eq!(status, 200, "{posture}");
    assert_eq!(posture["service_model"], "iaas");
    let iam14 = control(&posture, "IAM-14");
    assert_eq!(iam14["title"], "Test title for IAM-14");
    assert_eq!(iam14["description"], "Test text, quoted");
    assert_eq!(iam14["responsibility"], "customer");

    let (status, _) = server.get_as(&user, "/api/v1/posture", &[("tenant", "*")]);
    assert_eq!(status, 403, "a user sees only its own tenant");
    let (status, _) = server.get_as(&server.token_for("auditadmin"), "/api/v1/posture", &[]);
    assert_eq!(status, 403);
    let (status, _) = server.call_as(
        &user,
        "POST",
        "/api/v1/posture/ccm",
        Some(&serde_json::json!([])),
    );
    assert_eq!(status, 403, "only the operator imports the shared text");
    let (status, body) = server.send("POST", "/api/v1/posture/ccm", "id,title\nnothing,here\n");
    assert_eq!(status, 400, "{body}");

    server.account("acme", "user");
    let (status, all) = server.get("/api/v1/posture", &[("tenant", "*")]);
    assert_eq!(status, 200, "{all}");
    let tenants: Vec<&str> = all["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["tenant"].as_str().unwrap())
        .collect();
    assert!(
        tenants.contains(&"acme") && tenants.contains(&"default"),
        "{tenants:?}"
    );
    let (status, _) = server.get("/api/v1/posture", &[("tenant", "nosuch")]);
    assert_eq!(status, 404);
}
