//! Incident notifications end to end: a signed webhook that fails on purpose (retries, back-off,
//! dead letter), syslog forwarding, e-mail through a real SMTP server over STARTTLS, routing by
//! severity and rule, and delivery that survives a server restart.

use crate::{
    harness::{tempdir, Server},
    incident_peers::{eventually, mails, syslog_receiver, Receiver, Smtp},
    incidents::{alert, submit},
};

const SECRET: &[u8] = b"webhook-shared-secret";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn webhook_retries_then_delivers_signed_and_dead_letters_an_unreachable_one() {
    let dir = tempdir();
    std::fs::write(dir.path().join("hook.secret"), SECRET).unwrap();
    let hook = Receiver::start(SECRET, 2);
    let (syslog, lines) = syslog_receiver();
    let config = format!(
        r#"
[incidents]
[[incidents.channels]]
name = "hook"
kind = "webhook"
url = "http://{hook}/palisade"
secret_file = "{secret}"
backoff = "100ms"
max_attempts = 5

[[incidents.channels]]
name = "nowhere"
kind = "webhook"
url = "http://127.0.0.1:{closed}/"
backoff = "50ms"
max_attempts = 2

[[incidents.channels]]
name = "log"
kind = "syslog"
address = "{syslog}"

[[incidents.routes]]
channels = ["hook", "log"]
min_severity = "medium"
events = ["opened"]

[[incidents.routes]]
channels = ["nowhere"]
rules = ["ssh-brute"]
"#,
        hook = hook.addr,
        secret = dir.path().join("hook.secret").display(),
        closed = free_port(),
    );
    let server = Server::start(dir.path(), Some(&config));
    let id = submit(
        &server,
        &alert("a1", "ssh-brute", "web1", "203.0.113.7", "high"),
    );
    submit(
        &server,
        &alert("quiet", "other-rule", "web2", "203.0.113.9", "low"),
    );

    eventually("the webhook to accept the third attempt", || {
        hook.received().len() >= 3
    });
    let got = hook.received();
    assert_eq!(
        got.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    assert!(
        got.iter().all(|r| r.signature_ok),
        "every request is signed with the shared secret"
    );
    assert_eq!(got[2].body["event"], "opened");
    assert_eq!(got[2].body["incident"]["id"], id);
    assert_eq!(got[2].body["incident"]["severity"], "high");

    eventually("a syslog line", || !lines.lock().unwrap().is_empty());
    let line = lines.lock().unwrap()[0].clone();
    assert!(line.starts_with("<83>1 "), "authpriv.err: {line}");
    assert!(
        line.contains("incident-opened") && line.contains(r#"rule="ssh-brute""#),
        "{line}"
    );

    eventually("the unreachable channel to be dead-lettered", || {
        let (_, body) = server.get("/api/v1/incidents/notifications", &[]);
        body["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["channel"] == "nowhere" && n["status"] == "dead")
    });
    let (_, body) = server.get(
        "/api/v1/incidents/notifications",
        &[("incident", &id.to_string())],
    );
    let queue = body["notifications"].as_array().unwrap();
    let of = |channel: &str| {
        queue
            .iter()
            .find(|n| n["channel"] == channel)
            .unwrap()
            .clone()
    };
    assert_eq!(of("hook")["status"], "delivered");
    assert_eq!(of("hook")["attempts"], 3);
    assert_eq!(of("nowhere")["attempts"], 2);
    assert!(of("nowhere")["last_error"]
        .as_str()
        .unwrap()
        .contains("cannot reach"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        hook.received().len(),
        3,
        "the low-severity incident is not routed to the webhook"
    );
}

#[test]
fn queued_notifications_are_delivered_after_a_restart() {
    let dir = tempdir();
    let port = free_port();
    let config = format!(
        r#"
[[incidents.channels]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:{port}/"
backoff = "300ms"
max_attempts = 50

[[incidents.routes]]
channels = ["hook"]
"#
    );
    let server = Server::start(dir.path(), Some(&config));
    let id = submit(
        &server,
        &alert("a1", "ssh-brute", "web1", "203.0.113.7", "critical"),
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    let path = server.kill9();
    let hook = Receiver::start_on(format!("127.0.0.1:{port}").parse().unwrap(), SECRET, 0);
    let _server = Server::start(&path, Some(&config));
    eventually("the queued notification after the restart", || {
        !hook.received().is_empty()
    });
    assert_eq!(hook.received()[0].body["incident"]["id"], id);
}

#[test]
fn email_goes_through_a_real_smtp_server_over_starttls() {
    let dir = tempdir();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (dir.path().join("smtp.pem"), dir.path().join("smtp.key"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
    let maildir = dir.path().join("maildir");
    let Some(smtp) = Smtp::start(&maildir, Some((&cert, &key))) else {
        return;
    };
    let config = format!(
        r#"
[[incidents.channels]]
name = "mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {port}
security = "starttls"
ca_file = "{cert}"
from = "Palisade <palisade@example.test>"
to = ["soc@example.test", "oncall@example.test"]

[[incidents.routes]]
channels = ["mail"]
"#,
        port = smtp.port,
        cert = cert.display(),
    );
    let server = Server::start(dir.path(), Some(&config));
    let id = submit(
        &server,
        &alert("a1", "ssh-brute", "web1", "203.0.113.7", "high"),
    );
    eventually("the e-mail in the mailbox", || !mails(&maildir).is_empty());
    let mail = mails(&maildir).remove(0);
    let subject = format!("Subject: [Palisade] high incident #{id} opened: Rule ssh-brute");
    assert!(mail.contains(&subject), "{mail}");
    assert!(
        mail.contains("To: soc@example.test, oncall@example.test"),
        "{mail}"
    );
    assert!(mail.contains("203.0.113.7"), "{mail}");
}
