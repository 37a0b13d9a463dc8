//! Built-in source parsers on realistic lines: what each line becomes.

mod common;
use common::*;
use palisade_core::{Event, PayloadFormat, Value};
use palisade_parse::{parse_record, parse_record_as, AuditJoiner, SourceType};

fn line(payload: &str) -> Event {
    parse_record(1, &record(PayloadFormat::Line, payload.as_bytes()))
}

fn line_as(payload: &str, source: &str) -> Event {
    let source = SourceType::from_name(source).expect("known source type");
    parse_record_as(1, &record(PayloadFormat::Line, payload.as_bytes()), source)
}

/// class_uid, activity_id, status_id (0 when absent).
fn class(e: &Event) -> (i64, i64, i64) {
    let status = match e.get("status_id") {
        Some(Value::Int(s)) => *s,
        _ => 0,
    };
    (int(e, "class_uid"), int(e, "activity_id"), status)
}

fn once(e: &Event, path: &str) {
    let n = e.fields.iter().filter(|(k, _)| k == path).count();
    assert_eq!(n, 1, "{path} appears {n} times in {e:#?}");
}

#[test]
fn sshd_failed_password_for_invalid_user() {
    let e = syslog("<38>Nov 14 22:00:00 bastion sshd[4121]: Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2");
    assert_eq!(class(&e), (3002, 1, 2));
    assert_eq!(int(&e, "type_uid"), 300201);
    assert_eq!(int(&e, "category_uid"), 3);
    assert_eq!(text(&e, "user.name"), "admin");
    assert_eq!(text(&e, "src_endpoint.ip"), "203.0.113.7");
    assert_eq!(int(&e, "src_endpoint.port"), 52144);
    assert_eq!(text(&e, "auth_protocol"), "password");
    assert_eq!(text(&e, "status_detail"), "invalid user");
    assert_eq!(text(&e, "metadata.parser"), "sshd");
    assert_eq!(text(&e, "metadata.log_format"), "rfc3164");
    assert_eq!(text(&e, "device.hostname"), "bastion");
    for path in ["class_uid", "severity_id", "message", "metadata.parser"] {
        once(&e, path);
    }
}

#[test]
fn sshd_accepted_key_invalid_user_and_disconnects() {
    let e = syslog("<38>Nov 14 22:00:00 h sshd[1]: Accepted publickey for deploy from 2001:db8::5 port 40022 ssh2: ED25519 SHA256:abc");
    assert_eq!(class(&e), (3002, 1, 1));
    assert_eq!(text(&e, "auth_protocol"), "publickey");
    assert_eq!(text(&e, "src_endpoint.ip"), "2001:db8::5");
    let e =
        syslog("<38>Nov 14 22:00:00 h sshd[1]: Invalid user oracle from 198.51.100.4 port 33210");
    assert_eq!(class(&e), (3002, 1, 2));
    assert_eq!(text(&e, "user.name"), "oracle");
    let e =
        syslog("<38>Nov 14 22:00:00 h sshd[1]: Disconnected from user deploy 10.0.0.5 port 40022");
    assert_eq!((class(&e).0, class(&e).1), (3002, 2));
    assert_eq!(text(&e, "user.name"), "deploy");
    let e = syslog("<38>Nov 14 22:00:00 h sshd[1]: Received disconnect from 10.0.0.5 port 40022:11: disconnected by user");
    assert_eq!(int(&e, "src_endpoint.port"), 40022);
    let e = syslog("<38>Nov 14 22:00:00 h sshd[1]: error: maximum authentication attempts exceeded for root from 203.0.113.7 port 2222 ssh2 [preauth]");
    assert_eq!(class(&e), (3002, 1, 2));
    assert_eq!(text(&e, "user.name"), "root");
}

#[test]
fn sshd_message_it_does_not_know_stays_plain_syslog() {
    let e = syslog("<38>Nov 14 22:00:00 h sshd[1]: Server listening on 0.0.0.0 port 22.");
    assert_eq!(int(&e, "class_uid"), 0);
    assert_eq!(text(&e, "metadata.parser"), "syslog");
    assert_eq!(e.get("src_endpoint.ip"), None);
    once(&e, "class_uid");
}

#[test]
fn pam_failures_and_sessions() {
    let e = syslog("<86>Nov 14 22:00:00 h sshd[9]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root");
    assert_eq!(class(&e), (3002, 1, 2));
    assert_eq!(text(&e, "user.name"), "root");
    assert_eq!(text(&e, "src_endpoint.ip"), "203.0.113.7");
    assert_eq!(text(&e, "service.name"), "sshd");
    assert_eq!(text(&e, "metadata.parser"), "pam");
    let e = syslog("<86>Nov 14 22:00:00 h su[9]: pam_unix(su:session): session opened for user root(uid=0) by alice(uid=1000)");
    assert_eq!(class(&e), (3002, 1, 1));
    assert_eq!(text(&e, "user.name"), "root");
    assert_eq!(text(&e, "actor.user.name"), "alice");
    let e = syslog(
        "<86>Nov 14 22:00:00 h CRON[9]: pam_unix(cron:session): session closed for user root",
    );
    assert_eq!(class(&e), (3002, 2, 1));
}

#[test]
fn sudo_commands_and_failures() {
    let e = syslog("<85>Nov 14 22:00:00 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt install nmap");
    assert_eq!(class(&e), (1007, 1, 1));
    assert_eq!(text(&e, "actor.user.name"), "alice");
    assert_eq!(text(&e, "process.user.name"), "root");
    assert_eq!(text(&e, "process.cmd_line"), "/usr/bin/apt install nmap");
    assert_eq!(text(&e, "process.file.path"), "/usr/bin/apt");
    assert_eq!(text(&e, "process.cwd"), "/home/alice");
    let e = syslog("<85>Nov 14 22:00:00 h sudo:      bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash");
    assert_eq!(class(&e), (1007, 1, 2));
    assert_eq!(text(&e, "status_detail"), "user NOT in sudoers");
    let e = syslog("<85>Nov 14 22:00:00 h sudo: alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh");
    assert_eq!(class(&e), (1007, 1, 2));
}

#[test]
fn su_in_both_styles() {
    let e = syslog("<86>Nov 14 22:00:00 h su[3]: FAILED su for root by mallory");
    assert_eq!(class(&e), (3002, 1, 2));
    assert_eq!(text(&e, "user.name"), "root");
    assert_eq!(text(&e, "actor.user.name"), "mallory");
    let e = syslog("<86>Nov 14 22:00:00 h su[3]: (to root) alice on pts/0");
    assert_eq!(class(&e), (3002, 1, 1));
    assert_eq!(text(&e, "actor.user.name"), "alice");
    let e = syslog("<86>Nov 14 22:00:00 h su[3]: + pts/0 alice:root");
    assert_eq!(text(&e, "user.name"), "root");
}

#[test]
fn combined_access_log_line() {
    let e = line(
        r#"203.0.113.7 - frank [10/Oct/2000:13:55:36 -0700] "GET /search?q=%27%20OR%201=1 HTTP/1.1" 403 512 "https://example.com/" "sqlmap/1.7""#,
    );
    assert_eq!(class(&e), (4002, 3, 2));
    assert_eq!(e.time, 971_211_336_000);
    assert_eq!(text(&e, "src_endpoint.ip"), "203.0.113.7");
    assert_eq!(text(&e, "user.name"), "frank");
    assert_eq!(text(&e, "http_request.http_method"), "GET");
    assert_eq!(text(&e, "http_request.url.path"), "/search");
    assert_eq!(
        text(&e, "http_request.url.query_string"),
        "q=%27%20OR%201=1"
    );
    assert_eq!(int(&e, "http_response.code"), 403);
    assert_eq!(int(&e, "http_response.length"), 512);
    assert_eq!(text(&e, "http_request.user_agent"), "sqlmap/1.7");
    assert_eq!(text(&e, "http_request.referrer"), "https://example.com/");
    assert_eq!(text(&e, "metadata.parser"), "access-log");
    assert_eq!(int(&e, "severity_id"), 2);
    assert!(!is_unparsed(&e));
    let e = line(r#"::1 - - [10/Oct/2000:13:55:36 +0000] "POST /login HTTP/2.0" 200 -"#);
    assert_eq!(class(&e), (4002, 6, 1));
    assert_eq!(e.get("http_response.length"), None);
}

#[test]
fn web_server_error_logs() {
    let e = line(
        r#"2024/01/15 10:00:00 [error] 1234#1234: *5 open() "/srv/www/.env" failed (2: No such file or directory), client: 198.51.100.23, server: example.com, request: "GET /.env HTTP/1.1", host: "example.com""#,
    );
    assert_eq!(text(&e, "metadata.parser"), "nginx-error");
    assert_eq!(int(&e, "severity_id"), 4);
    assert_eq!(int(&e, "process.pid"), 1234);
    assert_eq!(text(&e, "src_endpoint.ip"), "198.51.100.23");
    assert_eq!(text(&e, "http_request.url.path"), "/.env");
    let e = line("[Mon Jan 15 10:00:00.123456 2024] [core:error] [pid 4242:tid 140] [client 192.0.2.44:51234] AH00126: Invalid URI in request GET /..%2f..%2fetc/passwd HTTP/1.1");
    assert_eq!(text(&e, "metadata.parser"), "apache-error");
    assert_eq!(int(&e, "process.pid"), 4242);
    assert_eq!(text(&e, "src_endpoint.ip"), "192.0.2.44");
    assert!(text(&e, "message").starts_with("AH00126: Invalid URI"));
    assert_eq!(e.time, 1_705_312_800_123);
}

#[test]
fn netfilter_drop_through_syslog() {
    let e = syslog("<4>Nov 14 22:00:00 fw kernel: [12345.678901] IPTABLES-DROP: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=203.0.113.7 DST=10.0.0.1 LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID=0 DF PROTO=TCP SPT=4444 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0");
    assert_eq!(class(&e), (4001, 5, 2));
    assert_eq!(text(&e, "src_endpoint.ip"), "203.0.113.7");
    assert_eq!(text(&e, "dst_endpoint.ip"), "10.0.0.1");
    assert_eq!(int(&e, "dst_endpoint.port"), 22);
    assert_eq!(text(&e, "connection_info.protocol_name"), "tcp");
    assert_eq!(text(&e, "firewall_rule.name"), "IPTABLES-DROP");
    assert_eq!(text(&e, "src_endpoint.interface_name"), "eth0");
    let e = syslog("<4>Nov 14 22:00:00 fw kernel: nft-accept IN=eth0 OUT=eth1 SRC=10.0.0.2 DST=10.0.1.2 LEN=84 PROTO=ICMP TYPE=8");
    assert_eq!(class(&e), (4001, 6, 0));
}

#[test]
fn an_audit_record_of_thousands_of_pairs_keeps_the_first_512_and_counts_the_rest() {
    let pairs: Vec<String> = (0..6000).map(|i| format!("k{i}={i}")).collect();
    let e = line(&format!(
        "type=SYSCALL msg=audit(1700000000.123:7): {}",
        pairs.join(" ")
    ));
    assert_eq!(text(&e, "metadata.parser"), "auditd");
    assert_eq!(text(&e, "unmapped.auditd.k0"), "0");
    assert_eq!(text(&e, "unmapped.auditd.k511"), "511");
    assert_eq!(e.get("unmapped.auditd.k512"), None);
    assert_eq!(int(&e, "unmapped.auditd.pairs_left_out"), 6000 - 512);
    assert!(text(&e, "raw_data").ends_with("k5999=5999"));
}

#[test]
fn auditd_records_and_join() {
    let lines = [
        r#"type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=59 success=yes exit=0 a0=55d a1=55e a2=55f a3=0 items=2 ppid=1000 pid=1001 auid=1000 uid=0 gid=0 euid=0 comm="curl" exe="/usr/bin/curl" key="exec""#,
        r#"type=EXECVE msg=audit(1700000000.123:4242): argc=3 a0="curl" a1="-o" a2=2F746D702F78"#,
        "type=PROCTITLE msg=audit(1700000000.123:4242): proctitle=6375726C002D6F002F746D702F78",
        r#"type=USER_LOGIN msg=audit(1700000001.000:4243): pid=2 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=203.0.113.7 terminal=sshd res=failed'"#,
    ];
    let events: Vec<Event> = lines.iter().map(|l| line(l)).collect();
    let syscall = &events[0];
    assert_eq!(text(syscall, "metadata.parser"), "auditd");
    assert_eq!(syscall.time, 1_700_000_000_123);
    assert_eq!(class(syscall), (1007, 1, 1));
    assert_eq!(text(syscall, "unmapped.auditd.exe"), "/usr/bin/curl");
    assert_eq!(text(syscall, "unmapped.auditd.type"), "SYSCALL");
    assert_eq!(int(syscall, "process.pid"), 1001);
    assert_eq!(text(&events[1], "unmapped.auditd.a2"), "/tmp/x");
    assert_eq!(text(&events[1], "process.cmd_line"), "curl -o /tmp/x");
    assert_eq!(text(&events[2], "process.cmd_line"), "curl -o /tmp/x");
    let login = &events[3];
    assert_eq!(class(login), (3002, 1, 2));
    assert_eq!(text(login, "user.name"), "root");
    assert_eq!(text(login, "src_endpoint.ip"), "203.0.113.7");
    assert_eq!(
        login.get("src_endpoint.hostname"),
        None,
        "`hostname=?` means unknown"
    );

    let mut joiner = AuditJoiner::default();
    let mut joined: Vec<Event> = events.into_iter().flat_map(|e| joiner.push(e)).collect();
    joined.extend(joiner.finish());
    assert_eq!(joined.len(), 2, "{joined:#?}");
    assert_eq!(
        text(&joined[0], "unmapped.auditd.types"),
        "SYSCALL,EXECVE,PROCTITLE"
    );
    assert_eq!(text(&joined[0], "process.cmd_line"), "curl -o /tmp/x");
    assert_eq!(text(&joined[0], "unmapped.auditd.exe"), "/usr/bin/curl");
    assert_eq!(text(&joined[1], "unmapped.auditd.types"), "USER_LOGIN");
}

#[test]
fn postgresql_authentication_and_statements() {
    let e = line(
        r#"2024-01-15 10:00:00.123 UTC [1234] FATAL:  password authentication failed for user "bob""#,
    );
    assert_eq!(class(&e), (3002, 1, 2));
    assert_eq!(text(&e, "user.name"), "bob");
    assert_eq!(int(&e, "process.pid"), 1234);
    assert_eq!(int(&e, "severity_id"), 5);
    assert_eq!(e.time, 1_705_312_800_123);
    let e = line("2024-01-15 10:00:01.000 UTC [1235] LOG:  connection authorized: user=app database=orders application_name=psql");
    assert_eq!(class(&e), (3002, 1, 1));
    assert_eq!(text(&e, "database.name"), "orders");
    let e = line("2024-01-15 10:00:02.000 UTC [1235] LOG:  statement: DROP TABLE customers;");
    assert_eq!(class(&e), (6005, 4, 0));
    assert_eq!(text(&e, "query_info.query_string"), "DROP TABLE customers;");
    let e = syslog(
        r#"<134>Nov 14 22:00:00 db postgres[77]: [3-1] FATAL:  no pg_hba.conf entry for host "203.0.113.9", user "sa", database "postgres", SSL off"#,
    );
    assert_eq!(class(&e), (3002, 1, 2));
    assert_eq!(text(&e, "src_endpoint.ip"), "203.0.113.9");
    assert_eq!(text(&e, "user.name"), "sa");
}

#[test]
fn mysql_error_and_general_logs() {
    let e = line("2024-01-15T10:00:00.123456Z 12 [Note] [MY-010926] [Server] Access denied for user 'root'@'203.0.113.7' (using password: YES)");
    assert_eq!(class(&e), (3002, 1, 2));
    assert_eq!(text(&e, "user.name"), "root");
    assert_eq!(text(&e, "src_endpoint.ip"), "203.0.113.7");
    assert_eq!(text(&e, "metadata.parser"), "database");
    let e = line("2024-01-15T10:00:00.123456Z\t   15 Connect\tapp@localhost on shop using TCP/IP");
    assert_eq!(class(&e), (3002, 1, 1));
    assert_eq!(text(&e, "database.name"), "shop");
    assert_eq!(text(&e, "src_endpoint.hostname"), "localhost");
    let e = line("2024-01-15T10:00:00.123456Z\t   15 Query\tSELECT * FROM users");
    assert_eq!(text(&e, "query_info.query_string"), "SELECT * FROM users");
    let e = syslog("<27>Nov 14 22:00:00 db mysqld[5]: [Warning] Access denied for user 'x'@'localhost' (using password: NO)");
    assert_eq!(class(&e), (3002, 1, 2));
}

#[test]
fn forced_source_type_declines_other_lines() {
    let e = line_as(
        "Nov 14 22:00:00 h sshd[1]: Accepted password for a from 10.0.0.1 port 1 ssh2",
        "sshd",
    );
    assert_eq!(class(&e), (3002, 1, 1));
    let e = line_as("this is not an access log line", "nginx-access");
    assert!(is_unparsed(&e));
    // Forced sshd parses a message even when the program name says otherwise.
    let e = line_as(
        "Nov 14 22:00:00 h custom-ssh: Failed password for x from 10.0.0.1 port 1 ssh2",
        "sshd",
    );
    assert_eq!(class(&e), (3002, 1, 2));
    assert_eq!(SourceType::from_name("nope"), None);
}

#[test]
fn lines_that_look_close_but_are_not_stay_intact() {
    // A date-first line that is neither PostgreSQL nor MySQL falls back to syslog-style parsing.
    let e = line("2024-01-15T10:00:00Z web01 myapp: started");
    assert_eq!(text(&e, "metadata.product.name"), "myapp");
    assert_eq!(text(&e, "message"), "started");
    let e = line("[not a date] something");
    assert!(is_unparsed(&e));
    assert_eq!(text(&e, "message"), "[not a date] something");
}
