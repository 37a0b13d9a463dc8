//! The built-in rule pack against log lines written here, read by the real parsers and run
//! through the detection service as the pipeline runs it.

use palisade_alerts::{AlertFilter, DetectionService};
use palisade_core::{
    detection_config::DetectionConfig, Alert, Detector, Event, PayloadFormat, RawRecord, TenantId,
    Transport,
};
use std::sync::Arc;

const T0: i64 = 1_795_996_800_000; // 2026-11-24T00:00:00Z

/// A detection service over a fresh state store, and the next event id.
struct Harness {
    _dir: tempfile::TempDir,
    service: Arc<DetectionService>,
    next_id: u64,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let state = Arc::new(
            palisade_state::StateStore::open(&palisade_state::state_path(dir.path())).unwrap(),
        );
        let service =
            DetectionService::start(&DetectionConfig::default(), dir.path(), state).unwrap();
        Harness {
            _dir: dir,
            service,
            next_id: 1,
        }
    }

    /// Parses each payload as the pipeline does, `step_ms` apart, and inspects them.
    fn feed(&mut self, format: PayloadFormat, payloads: &[String], step_ms: i64) {
        let events: Vec<Event> = payloads
            .iter()
            .map(|payload| {
                let id = self.next_id;
                self.next_id += 1;
                let record = RawRecord {
                    tenant: TenantId::default(),
                    source: "test".into(),
                    transport: Transport::Tcp,
                    format,
                    received_ms: T0 + id as i64 * step_ms,
                    peer: Some("192.0.2.1:514".into()),
                    payload: payload.clone().into_bytes(),
                };
                let mut event = palisade_parse::parse_record(id, &record);
                event.time = record.received_ms;
                event
            })
            .collect();
        self.service.inspect(&events);
    }

    fn syslog(&mut self, app: &str, messages: &[String]) {
        let lines: Vec<String> = messages
            .iter()
            .map(|m| format!("<38>Nov 24 00:00:00 host1 {app}[4242]: {m}"))
            .collect();
        self.feed(PayloadFormat::Syslog, &lines, 1_000);
    }

    fn alerts(&self) -> Vec<Alert> {
        self.service
            .alerts()
            .list(&AlertFilter {
                limit: 1000,
                ..AlertFilter::default()
            })
            .unwrap()
    }

    fn titles(&self) -> Vec<String> {
        let mut titles: Vec<String> = self.alerts().into_iter().map(|a| a.rule_title).collect();
        titles.sort();
        titles.dedup();
        titles
    }
}

fn failures(ip: &str, users: &[&str]) -> Vec<String> {
    users
        .iter()
        .map(|u| format!("Failed password for {u} from {ip} port 50022 ssh2"))
        .collect()
}

#[test]
fn ssh_brute_force_raises_one_alert_with_entities_and_tags() {
    let mut h = Harness::new();
    h.syslog("sshd", &failures("203.0.113.5", &["root"; 9]));
    assert!(
        h.alerts().is_empty(),
        "nine failures are not yet a brute force: {:?}",
        h.alerts()
    );
    h.syslog("sshd", &failures("203.0.113.5", &["root"; 3]));
    let alerts = h.alerts();
    assert_eq!(
        h.titles(),
        ["SSH brute force against one host"],
        "{alerts:?}"
    );
    let alert = &alerts[0];
    assert_eq!(alert.level.as_str(), "high");
    assert_eq!(alert.entities["src_endpoint.ip"], "203.0.113.5");
    assert_eq!(alert.entities["device.hostname"], "host1");
    assert!(alert.tags.contains(&"attack.t1110.001".to_owned()));
    assert!(alert.event_ids.len() >= 10, "{alert:?}");
}

#[test]
fn ssh_password_spraying_counts_distinct_users() {
    let mut h = Harness::new();
    let users = ["alice", "bob", "carol", "dave", "erin"];
    h.syslog("sshd", &failures("198.51.100.7", &users[..4]));
    assert!(h.alerts().is_empty());
    h.syslog("sshd", &failures("198.51.100.7", &users[4..]));
    assert_eq!(h.titles(), ["SSH password spraying"]);
}

#[test]
fn ssh_success_after_failures_is_critical_and_plain_success_is_silent() {
    let mut h = Harness::new();
    h.syslog(
        "sshd",
        &["Accepted password for alice from 192.0.2.50 port 40000 ssh2".to_owned()],
    );
    assert!(h.alerts().is_empty(), "a normal login raises nothing");
    h.syslog("sshd", &failures("203.0.113.77", &["admin"; 6]));
    h.syslog(
        "sshd",
        &["Accepted password for admin from 203.0.113.77 port 40001 ssh2".to_owned()],
    );
    let alerts = h.alerts();
    let hit = alerts
        .iter()
        .find(|a| a.rule_title == "SSH login succeeded after many failures")
        .unwrap_or_else(|| panic!("{alerts:?}"));
    assert_eq!(hit.level.as_str(), "critical");
    assert_eq!(hit.entities["src_endpoint.ip"], "203.0.113.77");
}

#[test]
fn sudo_and_su_abuse() {
    let mut h = Harness::new();
    h.syslog(
        "sudo",
        &[
            "mallory : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/mallory ; USER=root ; COMMAND=/usr/bin/id".into(),
            "alice : 3 incorrect password attempts ; TTY=pts/2 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update".into(),
            "bob : TTY=pts/3 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash".into(),
            "carol : TTY=pts/4 ; PWD=/home/carol ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx".into(),
        ],
    );
    h.syslog("su", &["FAILED su for root by eve".into()]);
    assert_eq!(
        h.titles(),
        [
            "Failed su to another user",
            "Interactive root shell through sudo",
            "Sudo authentication failures",
            "Sudo refused a user not in sudoers",
        ]
    );
    let shell = h
        .alerts()
        .into_iter()
        .find(|a| a.rule_title == "Interactive root shell through sudo")
        .unwrap();
    assert_eq!(shell.entities["user"], "bob", "the invoking user");
}

fn access(ip: &str, target: &str, agent: &str) -> String {
    format!(
        "{ip} - - [24/Nov/2026:00:00:01 +0000] \"GET {target} HTTP/1.1\" 200 512 \"-\" \"{agent}\""
    )
}

#[test]
fn web_attacks_in_access_logs() {
    let mut h = Harness::new();
    let browser = "Mozilla/5.0 (X11; Linux x86_64)";
    let lines = [
        access(
            "203.0.113.1",
            "/item?id=1%27%20UNION%20SELECT%20password%20FROM%20users--",
            browser,
        ),
        access(
            "203.0.113.2",
            "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
            browser,
        ),
        access(
            "203.0.113.3",
            "/download?file=../../../../etc/passwd",
            browser,
        ),
        access(
            "203.0.113.4",
            "/",
            "sqlmap/1.7.2#stable (https://sqlmap.org)",
        ),
        access("192.0.2.10", "/index.html?page=2&sort=name", browser),
    ];
    h.feed(PayloadFormat::Line, &lines, 1_000);
    assert_eq!(
        h.titles(),
        [
            "Cross-site scripting attempt in a web request",
            "Path traversal attempt in a web request",
            "SQL injection attempt in a web request",
            "Web vulnerability scanner user agent",
        ]
    );
    assert!(
        h.alerts()
            .iter()
            .all(|a| a.entities["src_ip"] != "192.0.2.10"),
        "the benign request raised an alert"
    );
}

#[test]
fn database_authentication_failures_and_guessing() {
    let mut h = Harness::new();
    h.syslog(
        "postgres",
        &[r#"[1-1] FATAL:  password authentication failed for user "bob""#.into()],
    );
    let mysql: Vec<String> = (0..5)
        .map(|i| {
            format!(
                "2026-11-24T00:00:0{i}.000000Z 12 [Note] Access denied for user 'root'@'203.0.113.9' (using password: YES)"
            )
        })
        .collect();
    h.feed(PayloadFormat::Line, &mysql, 1_000);
    assert_eq!(
        h.titles(),
        [
            "Database password guessing",
            "MySQL authentication failure",
            "PostgreSQL authentication failure",
        ]
    );
    let mysql_alert = h
        .alerts()
        .into_iter()
        .find(|a| a.rule_title == "MySQL authentication failure")
        .unwrap();
    assert_eq!(mysql_alert.count, 5, "repeats fold into one alert");
}

/// An audit event as the server forwards it (crates/audit/src/ocsf.rs).
fn api_activity(code: u16, user: &str, ip: &str) -> String {
    let status_id = if code < 400 { 1 } else { 2 };
    serde_json::json!({
        "class_uid": 6003, "category_uid": 6, "activity_id": 2, "type_uid": 600302,
        "severity_id": 1, "status_id": status_id, "time": T0,
        "message": "read /api/v1/events",
        "actor": {"user": {"name": user, "type": "admin"}},
        "api": {"operation": "GET", "request": {"uid": "r1"}, "service": {"name": "palisade"},
                "response": {"code": code}},
        "http_request": {"http_method": "GET", "url": {"path": "/api/v1/events"}},
        "http_response": {"code": code},
        "src_endpoint": {"ip": ip, "port": 40000},
        "metadata": {"product": {"name": "Palisade", "vendor_name": "Palisade"},
                     "log_name": "audit", "event_code": "search", "version": "1.1.0"},
    })
    .to_string()
}

#[test]
fn palisade_api_misuse() {
    let mut h = Harness::new();
    let unauthenticated: Vec<String> = (0..5)
        .map(|_| api_activity(401, "anonymous", "198.51.100.66"))
        .collect();
    h.feed(PayloadFormat::Json, &unauthenticated, 1_000);
    h.feed(
        PayloadFormat::Json,
        &[api_activity(403, "auditor", "192.0.2.3")],
        1_000,
    );
    let spread: Vec<String> = (1..=4)
        .map(|i| api_activity(200, "admin", &format!("192.0.2.{i}")))
        .collect();
    h.feed(PayloadFormat::Json, &spread, 1_000);
    assert_eq!(
        h.titles(),
        [
            "Palisade API request forbidden",
            "Palisade identity used from many addresses",
            "Repeated Palisade API authentication failures",
        ]
    );
}

#[test]
fn unrelated_logs_raise_nothing() {
    let mut h = Harness::new();
    h.syslog("cron", &["(root) CMD (run-parts /etc/cron.hourly)".into()]);
    h.syslog("kernel", &["eth0: link up".into()]);
    h.syslog(
        "myapp",
        &vec!["Failed password for root from 203.0.113.5 port 22 ssh2".to_owned(); 12],
    );
    assert!(h.alerts().is_empty(), "{:?}", h.alerts());
}

/// A Palisade audit record of type `code` as the server forwards it.
fn audit_record(code: &str, status_id: u8, user: &str, ip: &str) -> String {
    serde_json::json!({
        "class_uid": 6003, "category_uid": 6, "activity_id": 1, "type_uid": 600301,
        "severity_id": 1, "status_id": status_id, "time": T0,
        "message": format!("post /api/v1/login {code}"),
        "status_detail": "what and where",
        "actor": {"user": {"name": user, "type": "none"}},
        "api": {"operation": "POST", "request": {"uid": "r2"}, "service": {"name": "palisade"}},
        "http_request": {"http_method": "POST", "url": {"path": "/api/v1/login"}},
        "src_endpoint": {"ip": ip, "port": 40001},
        "metadata": {"product": {"name": "Palisade", "vendor_name": "Palisade"},
                     "log_name": "audit", "event_code": code, "version": "1.1.0"},
    })
    .to_string()
}

#[test]
fn palisade_logins_tokens_and_audit_verification() {
    let mut h = Harness::new();
    // Five guesses at one account from five addresses: brute force against the account.
    let guesses: Vec<String> = (1..=5)
        .map(|i| audit_record("login", 2, "ann", &format!("198.51.100.{i}")))
        .collect();
    h.feed(PayloadFormat::Json, &guesses, 1_000);
    // One guess at five accounts from one address: spraying.
    let spray: Vec<String> = ["u1", "u2", "u3", "u4", "u5"]
        .iter()
        .map(|u| audit_record("login", 2, u, "203.0.113.9"))
        .collect();
    h.feed(PayloadFormat::Json, &spray, 1_000);
    let singles = [
        audit_record("lockout.source", 2, "u5", "203.0.113.9"),
        audit_record("token.new_network", 1, "bot", "192.0.2.44"),
        audit_record("audit.verify", 2, "palisade", "192.0.2.1"),
        // A passed verification and a successful login raise nothing.
        audit_record("audit.verify", 1, "palisade", "192.0.2.1"),
        audit_record("login", 1, "ann", "192.0.2.2"),
    ];
    h.feed(PayloadFormat::Json, &singles, 1_000);
    assert_eq!(
        h.titles(),
        [
            "Many failed Palisade logins to one account",
            "Palisade audit trail verification failed",
            "Palisade locked out a source address",
            "Palisade password spraying from one address",
            "Palisade token used from a new network",
        ]
    );
    let failed = h
        .alerts()
        .into_iter()
        .find(|a| a.rule_title == "Palisade audit trail verification failed")
        .unwrap();
    assert_eq!(failed.level, palisade_core::AlertLevel::High);
}

/// A watched file's change as the host agent ships it (crates/assess/src/fim/ocsf.rs).
fn file_change(path: &str) -> String {
    serde_json::json!({
        "class_uid": 1001, "category_uid": 1, "activity_id": 3, "type_uid": 100103,
        "severity_id": 3, "status_id": 1, "time": T0,
        "message": format!("watched file {path}: update"),
        "device": {"hostname": "web1"},
        "file": {"path": path, "type_id": 1},
        "file_diff": "-2: PermitRootLogin no\n+2: PermitRootLogin yes\n",
        "metadata": {"product": {"name": "Palisade", "vendor_name": "Palisade", "feature": {"name": "fim"}},
                     "log_name": "fim", "version": "1.3.0"},
    })
    .to_string()
}

#[test]
fn security_configuration_changes_alert_other_watched_files_do_not() {
    let mut h = Harness::new();
    h.feed(
        PayloadFormat::Json,
        &[file_change("/srv/app/settings.ini")],
        1_000,
    );
    assert!(h.alerts().is_empty(), "{:?}", h.alerts());
    h.feed(
        PayloadFormat::Json,
        &[file_change("/etc/ssh/sshd_config")],
        1_000,
    );
    assert_eq!(h.titles(), ["Security-relevant configuration file altered"]);
}
