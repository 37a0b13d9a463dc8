//! Response actions end to end: a command bound to a rule runs when its incident opens (with
//! the incident's fields and nothing of the server's environment), commands time out, a
//! webhook action is signed, and every run is listed on the incident.

use crate::{
    harness::{tempdir, Server},
    incident_peers::{eventually, Receiver},
    incidents::{alert, submit},
};

#[test]
fn actions_run_bound_to_rules_and_by_hand_and_are_recorded() {
    let dir = tempdir();
    std::fs::write(dir.path().join("action.secret"), b"action-secret").unwrap();
    let hook = Receiver::start(b"action-secret", 0);
    let config = format!(
        r#"
[[incidents.actions]]
name = "block"
command = ["/bin/sh", "-c", "echo blocking $PALISADE_INCIDENT_SRC_IP for incident $PALISADE_INCIDENT_ID; echo leaked=$PALISADE_KMS_BACKUP_PASSPHRASE"]
rules = ["ssh-brute"]

[[incidents.actions]]
name = "slow"
command = ["/bin/sleep", "5"]
timeout = "300ms"

[[incidents.actions]]
name = "firewall"
url = "http://{hook}/block"
secret_file = "{secret}"
"#,
        hook = hook.addr,
        secret = dir.path().join("action.secret").display(),
    );
    let server = Server::start_with_env(
        dir.path(),
        Some(&config),
        &[("PALISADE_KMS_BACKUP_PASSPHRASE", "topsecret")],
    );
    let id = submit(
        &server,
        &alert("a1", "ssh-brute", "web1", "203.0.113.7", "high"),
    );
    let path = format!("/api/v1/incidents/{id}");
    eventually("the bound action to finish", || {
        let (_, detail) = server.get(&path, &[]);
        detail["action_runs"][0]["status"] == "succeeded"
    });
    let (_, detail) = server.get(&path, &[]);
    let run = &detail["action_runs"][0];
    assert_eq!(run["actor"], "rule:ssh-brute");
    assert_eq!(run["code"], 0);
    let output = run["output"].as_str().unwrap();
    assert!(
        output.contains(&format!("blocking 203.0.113.7 for incident {id}")),
        "{output}"
    );
    assert!(
        output.contains("leaked=\n"),
        "the server's environment stays out: {output}"
    );

    let (status, slow) = server.post(&format!("{path}/actions/slow"), "application/json", b"");
    assert_eq!(status, 200, "{slow}");
    assert_eq!(slow["status"], "timed_out");
    assert_eq!(slow["actor"], "admin");

    let (status, hooked) =
        server.post(&format!("{path}/actions/firewall"), "application/json", b"");
    assert_eq!(status, 200, "{hooked}");
    assert_eq!(hooked["status"], "succeeded");
    assert_eq!(hooked["code"], 200);
    let got = hook.received();
    assert!(got[0].signature_ok);
    assert_eq!(got[0].body["action"], "firewall");
    assert_eq!(got[0].body["incident"]["entities"]["src_ip"], "203.0.113.7");

    let (status, body) = server.post(&format!("{path}/actions/nope"), "application/json", b"");
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no action named \"nope\""),
        "{body}"
    );
    let (_, detail) = server.get(&path, &[]);
    assert_eq!(detail["action_runs"].as_array().unwrap().len(), 3);
}
