//! JSON payloads: OCSF events, generic log objects, Windows events as JSON, and non-objects.

mod common;
use common::*;
use palisade_core::{Event, PayloadFormat, Value};

fn json(payload: &str) -> Event {
    palisade_parse::parse_record(3, &record(PayloadFormat::Json, payload.as_bytes()))
}

#[test]
fn ocsf_event_is_taken_field_by_field() {
    let e = json(
        r#"{"class_uid": 3002, "activity_id": 1, "severity_id": 3, "time": 1700000000999,
            "metadata": {"uid": "forged", "tenant_uid": "other", "log_name": "forged",
                         "product": {"name": "sshd"}},
            "device": {"ip": "10.1.1.1"}, "user": {"name": "root"}, "unparsed": true}"#,
    );
    assert_eq!(e.tenant.as_str(), "acme");
    assert_eq!(e.time, 1_700_000_000_999);
    assert_eq!(int(&e, "class_uid"), 3002);
    assert_eq!(int(&e, "activity_id"), 1);
    assert_eq!(int(&e, "category_uid"), 0);
    assert_eq!(int(&e, "severity_id"), 3);
    assert_eq!(text(&e, "metadata.product.name"), "sshd");
    assert_eq!(text(&e, "metadata.log_name"), "syslog-udp");
    assert_eq!(e.get("metadata.uid"), None);
    assert_eq!(e.get("metadata.tenant_uid"), None);
    assert_eq!(e.get("unparsed"), None);
    assert_eq!(text(&e, "device.ip"), "10.1.1.1");
    assert_eq!(text(&e, "user.name"), "root");
    assert_eq!(text(&e, "metadata.parser"), "ocsf");
    assert_eq!(text(&e, "metadata.log_format"), "json");
    let exported = e.to_ocsf_json();
    assert_eq!(exported["metadata"]["uid"], "3");
    assert_eq!(exported["metadata"]["tenant_uid"], "acme");
}

#[test]
fn ocsf_time_as_rfc3339_text() {
    let e = json(r#"{"class_uid": 1001, "time": "2023-11-14T22:13:20.5Z"}"#);
    assert_eq!(e.time, 1_700_000_000_500);
}

#[test]
fn generic_log_object() {
    let e = json(
        r#"{"ts": 1700000000.25, "level": "WARN", "msg": "disk almost full", "hostname": "db1",
            "program": "monitor", "disk": {"mount": "/var", "used_pct": 93.5}, "tags": ["a","b"]}"#,
    );
    assert!(!is_unparsed(&e));
    assert_eq!(e.time, 1_700_000_000_250);
    assert_eq!(int(&e, "severity_id"), 3);
    assert_eq!(text(&e, "message"), "disk almost full");
    assert_eq!(text(&e, "device.hostname"), "db1");
    assert_eq!(text(&e, "metadata.product.name"), "monitor");
    assert_eq!(text(&e, "unmapped.disk.mount"), "/var");
    assert_eq!(e.get("unmapped.disk.used_pct"), Some(&Value::Float(93.5)));
    assert_eq!(text(&e, "unmapped.tags.1"), "b");
    assert_eq!(e.get("unmapped.ts"), None);
    assert_eq!(e.get("unmapped.msg"), None);
    assert_eq!(text(&e, "device.ip"), "192.0.2.9");
    assert_eq!(int(&e, "class_uid"), 0);
    assert_eq!(text(&e, "metadata.parser"), "json");
}

#[test]
fn ecs_shaped_object_with_nested_host_and_level() {
    let e = json(
        r#"{"@timestamp": "2023-11-14T22:13:20.123Z", "message": "GET /", "host": {"name": "web7", "ip": "10.2.2.2"},
            "log": {"level": "error", "file": "/var/log/app.log"}, "service": {"name": "shop"}}"#,
    );
    assert_eq!(e.time, 1_700_000_000_123);
    assert_eq!(text(&e, "device.hostname"), "web7");
    assert_eq!(text(&e, "unmapped.host.ip"), "10.2.2.2");
    assert_eq!(e.get("unmapped.host.name"), None);
    assert_eq!(int(&e, "severity_id"), 4);
    assert_eq!(text(&e, "unmapped.log.file"), "/var/log/app.log");
    assert_eq!(text(&e, "metadata.product.name"), "shop");
}

#[test]
fn epoch_milliseconds_and_syslog_numbers() {
    let e = json(r#"{"timestamp": 1700000000123, "severity": 2, "message": "x"}"#);
    assert_eq!(e.time, 1_700_000_000_123);
    assert_eq!(int(&e, "severity_id"), 5);
}

#[test]
fn unknown_level_and_bad_time_are_kept_unmapped() {
    let e = json(r#"{"time": "yesterday", "level": "loud"}"#);
    assert_eq!(e.time, RECEIVED_MS);
    assert_eq!(int(&e, "severity_id"), 0);
    assert_eq!(text(&e, "unmapped.time"), "yesterday");
    assert_eq!(text(&e, "unmapped.level"), "loud");
    assert_eq!(text(&e, "message"), "");
}

#[test]
fn windows_event_as_json() {
    let e = json(
        r##"{"Event": {"System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
            "EventID": 4625, "Level": 0, "TimeCreated": {"#attributes": {"SystemTime": "2023-11-14T22:13:20.1234567Z"}},
            "Computer": "DC01.corp.local"}, "EventData": {"TargetUserName": "admin", "IpAddress": "203.0.113.5"}}}"##,
    );
    assert!(!is_unparsed(&e));
    assert_eq!(e.time, 1_700_000_000_123);
    assert_eq!(text(&e, "device.hostname"), "DC01.corp.local");
    assert_eq!(
        text(&e, "metadata.product.name"),
        "Microsoft-Windows-Security-Auditing"
    );
    assert_eq!(int(&e, "unmapped.Event.System.EventID"), 4625);
    assert_eq!(text(&e, "unmapped.Event.EventData.TargetUserName"), "admin");
    assert_eq!(
        text(&e, "unmapped.Event.System.Computer"),
        "DC01.corp.local"
    );
}

#[test]
fn windows_event_plain_shape() {
    let e = json(
        r#"{"Event": {"System": {"TimeCreated": {"SystemTime": "2023-11-14T22:13:20Z"}, "Level": 2,
            "Computer": "WS1"}, "EventData": {}}}"#,
    );
    assert_eq!(e.time, 1_700_000_000_000);
    assert_eq!(text(&e, "device.hostname"), "WS1");
    assert_eq!(int(&e, "severity_id"), 4);
}

#[test]
fn non_objects_and_invalid_json_are_unparsed() {
    for bad in [
        "[1,2]",
        "42",
        "\"text\"",
        "{\"a\":",
        "not json",
        "",
        "{\"a\":1} trailing",
    ] {
        let e = json(bad);
        assert!(is_unparsed(&e), "{bad:?}");
        assert_eq!(text(&e, "message"), bad);
        assert_eq!(text(&e, "raw_data"), bad);
        assert_eq!(text(&e, "metadata.log_format"), "json");
    }
}

#[test]
fn deeply_nested_json_is_unparsed_not_a_crash() {
    let deep = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let e = json(&deep);
    assert!(is_unparsed(&e));
}

#[test]
fn winlogbeat_events_take_the_evtx_json_shape() {
    let e = json(
        r#"{"@timestamp": "2023-11-14T22:13:20.123Z", "message": "An account failed to log on.",
            "host": {"name": "dc01"}, "log": {"level": "information"},
            "event": {"code": "4625", "provider": "Microsoft-Windows-Security-Auditing"},
            "winlog": {"channel": "Security", "event_id": 4625, "record_id": 77,
                       "provider_name": "Microsoft-Windows-Security-Auditing", "computer_name": "DC01.corp.local",
                       "event_data": {"TargetUserName": "admin", "IpAddress": "203.0.113.5", "LogonType": "3"},
                       "api": "wineventlog"}}"#,
    );
    assert_eq!(e.time, 1_700_000_000_123);
    assert_eq!(int(&e, "unmapped.Event.System.EventID"), 4625);
    assert_eq!(text(&e, "unmapped.Event.System.Channel"), "Security");
    assert_eq!(
        text(&e, "unmapped.Event.System.Computer"),
        "DC01.corp.local"
    );
    assert_eq!(text(&e, "unmapped.Event.EventData.TargetUserName"), "admin");
    assert_eq!(
        text(&e, "unmapped.Event.EventData.IpAddress"),
        "203.0.113.5"
    );
    assert_eq!(text(&e, "unmapped.winlog.api"), "wineventlog");
    assert_eq!(e.get("unmapped.winlog.event_data.TargetUserName"), None);
    assert_eq!(text(&e, "device.hostname"), "dc01");
    assert_eq!(
        text(&e, "metadata.product.name"),
        "Microsoft-Windows-Security-Auditing"
    );
    assert_eq!(text(&e, "message"), "An account failed to log on.");
}

#[test]
fn palisade_own_log_lines() {
    let e = json(
        r#"{"timestamp":"2026-11-23T21:00:00.000001Z","level":"WARN","fields":{"message":"refusing the operation: audit record not written","error":"disk full"},"target":"palisade_server::auth"}"#,
    );
    assert_eq!(
        text(&e, "message"),
        "refusing the operation: audit record not written"
    );
    assert_eq!(text(&e, "metadata.product.name"), "palisade");
    assert_eq!(int(&e, "severity_id"), 3);
    assert_eq!(text(&e, "unmapped.fields.error"), "disk full");
    assert_eq!(e.get("unmapped.fields.message"), None);
    assert_eq!(text(&e, "unmapped.target"), "palisade_server::auth");
}
