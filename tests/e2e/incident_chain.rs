//! Issue 7's proof, end to end through the real server: SSH brute-force lines over syslog →
//! the built-in correlation rule's alert → one incident → e-mail (a real SMTP server) and a
//! signed webhook → acknowledged and closed through the API → MTTA and MTTR reported.

use crate::{
    harness::{tempdir, Server},
    incident_peers::{eventually, mails, Receiver, Smtp},
    incidents::patch,
};
use serde_json::json;
use std::{io::Write, net::TcpStream};

const SECRET: &[u8] = b"chain-webhook-secret";

#[test]
fn ssh_brute_force_becomes_one_incident_notified_worked_and_measured() {
    let dir = tempdir();
    let maildir = dir.path().join("maildir");
    let Some(smtp) = Smtp::start(&maildir, None) else {
        return;
    };
    std::fs::write(dir.path().join("hook.secret"), SECRET).unwrap();
    let hook = Receiver::start(SECRET, 0);
    let config = format!(
        r#"
[[incidents.channels]]
name = "mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {port}
security = "none"
from = "Palisade <palisade@example.test>"
to = ["soc@example.test"]

[[incidents.channels]]
name = "hook"
kind = "webhook"
url = "http://{hook}/palisade"
secret_file = "{secret}"

[[incidents.routes]]
channels = ["mail", "hook"]
events = ["opened"]
"#,
        port = smtp.port,
        hook = hook.addr,
        secret = dir.path().join("hook.secret").display(),
    );
    let server = Server::start(dir.path(), Some(&config));

    // Two bursts of failed logins from one address: one correlation alert (the repeat folds
    // into it), so one incident.
    let mut stream = TcpStream::connect(server.syslog).unwrap();
    for port in 0..24 {
        let line = format!(
            "<38>1 - bastion sshd 4242 - - Failed password for root from 198.51.100.23 port {} ssh2\n",
            40_000 + port
        );
        stream.write_all(line.as_bytes()).unwrap();
    }
    stream.flush().unwrap();

    let mut incidents = Vec::new();
    eventually("an incident opened by the brute-force alert", || {
        let (status, body) = server.get("/api/v1/incidents", &[]);
        assert_eq!(status, 200, "{body}");
        incidents = body["incidents"].as_array().cloned().unwrap_or_default();
        !incidents.is_empty()
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (_, body) = server.get("/api/v1/incidents", &[]);
    let incidents = body["incidents"].as_array().unwrap();
    assert_eq!(
        incidents.len(),
        1,
        "one incident, not one per alert: {body}"
    );
    let incident = &incidents[0];
    let id = incident["id"].as_i64().unwrap();
    assert_eq!(incident["state"], "new");
    assert_eq!(incident["severity"], "high");
    assert_eq!(
        incident["entities"]["src_ip"], "198.51.100.23",
        "{incident}"
    );

    eventually("the e-mail in the mailbox", || !mails(&maildir).is_empty());
    let mail = mails(&maildir).remove(0);
    assert!(mail.contains(&format!("incident #{id} opened")), "{mail}");
    assert!(mail.contains("198.51.100.23"), "{mail}");
    eventually("the webhook", || !hook.received().is_empty());
    let delivered = hook.received().remove(0);
    assert!(delivered.signature_ok, "the webhook is signed");
    assert_eq!(delivered.body["incident"]["id"], id);

    for state in ["acknowledged", "in_progress", "resolved", "closed"] {
        let (status, body) = patch(
            &server,
            &format!("/api/v1/incidents/{id}"),
            &json!({ "state": state }),
        );
        assert_eq!(status, 200, "{state}: {body}");
        assert_eq!(body["state"], state, "{body}");
    }
    let (status, metrics) = server.get("/api/v1/incidents/metrics", &[("from", "now-1h")]);
    assert_eq!(status, 200, "{metrics}");
    assert_eq!(metrics["overall"]["incidents"], 1, "{metrics}");
    assert!(
        metrics["overall"]["mtta_ms"].as_i64().unwrap() >= 0,
        "{metrics}"
    );
    assert!(
        metrics["overall"]["mttr_ms"].as_i64().unwrap() >= 0,
        "{metrics}"
    );
}
