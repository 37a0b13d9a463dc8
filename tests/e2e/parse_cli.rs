//! `palisade parse`: the real binary shows what each line of a file becomes.

use crate::harness::{bin, tempdir};
use std::process::Command;

fn parse(args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let out = Command::new(bin())
        .arg("parse")
        .args(args)
        .output()
        .expect("run palisade parse");
    let events = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), events, stderr)
}

#[test]
fn auth_log_lines_become_authentication_events_and_audit_records_join() {
    let dir = tempdir();
    let file = dir.path().join("mixed.log");
    std::fs::write(
        &file,
        "Nov 14 22:00:00 bastion sshd[4121]: Failed password for root from 203.0.113.7 port 52144 ssh2\n\
         \n\
         type=SYSCALL msg=audit(1700000000.123:77): syscall=59 success=yes exe=\"/usr/bin/id\"\n\
         type=EXECVE msg=audit(1700000000.123:77): argc=1 a0=\"id\"\n\
         something nobody understands\n",
    )
    .expect("write log");
    let (code, events, stderr) = parse(&[file.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(events.len(), 3, "{events:#?}");
    let ssh = &events[0]["event"];
    assert_eq!(events[0]["line"], 1);
    assert_eq!(ssh["class_uid"], 3002);
    assert_eq!(ssh["status_id"], 2);
    assert_eq!(ssh["user"]["name"], "root");
    assert_eq!(ssh["src_endpoint"]["ip"], "203.0.113.7");
    let audit = &events[1]["event"];
    assert_eq!(events[1]["line"], 3);
    assert_eq!(audit["unmapped"]["auditd"]["types"], "SYSCALL,EXECVE");
    assert_eq!(audit["process"]["cmd_line"], "id");
    assert_eq!(events[2]["event"]["unparsed"], true);
    assert!(
        stderr.contains("4 line(s) became 3 event(s)"),
        "summary missing: {stderr}"
    );
}

#[test]
fn forced_source_type_and_bad_input_are_explained() {
    let dir = tempdir();
    let file = dir.path().join("access.log");
    std::fs::write(&file, "not an access log line\n").expect("write log");
    let path = file.to_str().expect("utf-8 path");
    let (code, events, _) = parse(&["--source-type", "nginx-access", path]);
    assert_eq!(code, 0);
    assert_eq!(events[0]["event"]["unparsed"], true);

    let (code, _, stderr) = parse(&["--source-type", "cobol", path]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("nginx-access"),
        "lists the choices: {stderr}"
    );

    let missing = dir.path().join("missing.log");
    let (code, _, stderr) = parse(&[missing.to_str().expect("utf-8 path")]);
    assert_ne!(code, 0);
    assert!(stderr.contains("cannot open"), "{stderr}");
}
