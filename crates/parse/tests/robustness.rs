//! Whatever arrives, parsing never panics, always keeps the input, and is deterministic.

mod common;
use common::*;
use palisade_core::{PayloadFormat, Value};
use palisade_parse::{parse_record, parse_record_taking_payload};
use proptest::prelude::*;

fn formats() -> impl Strategy<Value = PayloadFormat> {
    prop_oneof![
        Just(PayloadFormat::Syslog),
        Just(PayloadFormat::Json),
        Just(PayloadFormat::Line)
    ]
}

/// Inputs that reach deep into the parsers: a syslog-ish or JSON-ish prefix, then noise.
fn payloads() -> impl Strategy<Value = Vec<u8>> {
    let prefixes = prop_oneof![
        Just(b"".to_vec()),
        Just(b"<13>1 ".to_vec()),
        Just(b"<165>1 2003-10-11T22:14:15.003Z host app 1 ID [x@1 a=\"".to_vec()),
        Just(b"<34>Oct 11 22:14:15 ".to_vec()),
        Just(b"Feb  5 17:32:18 host tag[".to_vec()),
        Just(b"{\"time\":".to_vec()),
        Just(b"type=SYSCALL msg=audit(1700000000.1:".to_vec()),
        Just(b"type=USER_LOGIN msg=audit(1.2:3): msg='a=".to_vec()),
        Just(b"[Mon Jan 15 10:00:00.1 2024] [".to_vec()),
        Just(b"2024/01/15 10:00:00 [error] ".to_vec()),
        Just(b"2024-01-15 10:00:00.123 UTC [".to_vec()),
        Just(b"2024-01-15T10:00:00.123456Z 12 [".to_vec()),
        Just(b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"".to_vec()),
        Just(b"<38>Oct 11 22:14:15 h sshd[1]: Failed password for ".to_vec()),
        Just(b"<38>Oct 11 22:14:15 h sudo: alice : ".to_vec()),
        Just(b"<4>Oct 11 22:14:15 h kernel: DROP IN=".to_vec()),
        Just(b"{\"Event\":{\"System\":{\"TimeCreated\":".to_vec()),
    ];
    (prefixes, proptest::collection::vec(any::<u8>(), 0..300)).prop_map(|(mut p, tail)| {
        p.extend(tail);
        p
    })
}

fn check(format: PayloadFormat, payload: &[u8]) {
    let rec = record(format, payload);
    let event = parse_record(9, &rec);
    let raw = event.get_str("raw_data").expect("raw_data always present");
    assert_eq!(raw, String::from_utf8_lossy(payload));
    assert_eq!(event.tenant, rec.tenant);
    assert!(event.get("message").is_some());
    assert!(event.get("severity_id").is_some());
    assert_eq!(event.get_str("metadata.log_name"), Some("syslog-udp"));
    if std::str::from_utf8(payload).is_err() {
        assert!(event.get("raw_data_base64").is_some());
    }
    let mut paths: Vec<&str> = event.fields.iter().map(|(k, _)| k.as_ref()).collect();
    paths.sort_unstable();
    let before = paths.len();
    paths.dedup();
    assert_eq!(before, paths.len(), "duplicate paths in {event:?}");
    assert_eq!(parse_record(9, &rec), event, "deterministic");
    let mut taken = rec.clone();
    assert_eq!(
        parse_record_taking_payload(9, &mut taken),
        event,
        "moving the payload gives the same event"
    );
    assert!(taken.payload.is_empty(), "the payload moved into the event");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(format in formats(), payload in payloads()) {
        check(format, &payload);
    }

    #[test]
    fn arbitrary_text_never_panics(format in formats(), text in "\\PC{0,200}") {
        check(format, text.as_bytes());
    }
}

#[test]
fn empty_binary_and_huge_inputs_are_kept() {
    let huge = {
        let mut v = b"<13>1 - host app - - - ".to_vec();
        v.extend(std::iter::repeat_n(b'x', 4 << 20));
        v
    };
    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    for payload in [&b""[..], &binary, &huge, b"\0\0\0", b"<", b"<13>", b"{"] {
        for format in [
            PayloadFormat::Syslog,
            PayloadFormat::Json,
            PayloadFormat::Line,
        ] {
            check(format, payload);
        }
    }
    let e = parse_record(1, &record(PayloadFormat::Syslog, &huge));
    assert_eq!(e.get_str("message").map(str::len), Some(4 << 20));
    let e = parse_record(1, &record(PayloadFormat::Line, &binary));
    assert_eq!(e.get("unparsed"), Some(&Value::Bool(true)));
}

#[test]
fn peer_without_port_or_ipv6_still_gives_device_ip() {
    for (peer, ip) in [
        ("[2001:db8::1]:514", "2001:db8::1"),
        ("10.9.8.7", "10.9.8.7"),
    ] {
        let mut rec = record(PayloadFormat::Line, b"hello");
        rec.peer = Some(peer.into());
        let e = parse_record(1, &rec);
        assert_eq!(e.get_str("device.ip"), Some(ip));
    }
    let mut rec = record(PayloadFormat::Line, b"hello");
    rec.peer = None;
    assert_eq!(parse_record(1, &rec).get("device.ip"), None);
}
