//! Helpers shared by the parser tests.
// Each test binary compiles this module and uses only some of the helpers.
#![allow(dead_code)]

use palisade_core::{Event, PayloadFormat, RawRecord, TenantId, Transport, Value};

/// 2023-11-14T22:13:20Z.
pub const RECEIVED_MS: i64 = 1_700_000_000_000;

/// A record as a collector would write it.
pub fn record(format: PayloadFormat, payload: &[u8]) -> RawRecord {
    RawRecord {
        tenant: TenantId::new("acme").expect("valid tenant"),
        source: "syslog-udp".into(),
        transport: Transport::Udp,
        format,
        received_ms: RECEIVED_MS,
        peer: Some("192.0.2.9:51514".into()),
        payload: payload.to_vec(),
    }
}

/// Parses `payload` as syslog.
pub fn syslog(payload: &str) -> Event {
    palisade_parse::parse_record(1, &record(PayloadFormat::Syslog, payload.as_bytes()))
}

/// The text at `path`, panicking with the event when it is missing.
pub fn text<'a>(event: &'a Event, path: &str) -> &'a str {
    event
        .get_str(path)
        .unwrap_or_else(|| panic!("no text at {path} in {event:#?}"))
}

/// The integer at `path`.
pub fn int(event: &Event, path: &str) -> i64 {
    match event.get(path) {
        Some(Value::Int(i)) => *i,
        other => panic!("no integer at {path}: {other:?} in {event:#?}"),
    }
}

/// True when the event is marked unparsed.
pub fn is_unparsed(event: &Event) -> bool {
    event.get("unparsed") == Some(&Value::Bool(true))
}
