//! Shared by the parser fuzz targets: parse one payload and check the invariants every
//! event keeps, whatever the input.
// Each target compiles this module and uses only some of the helpers.
#![allow(dead_code)]

use palisade_core::{Event, PayloadFormat, RawRecord, TenantId, Transport};
use palisade_parse::SourceType;

/// Parses with the parser chosen per line, as the server does.
pub fn check(format: PayloadFormat, payload: &[u8]) -> Event {
    check_as(format, payload, SourceType::Auto)
}

/// Parses with one forced source parser.
pub fn check_as(format: PayloadFormat, payload: &[u8], source: SourceType) -> Event {
    let record = RawRecord {
        tenant: TenantId::default(),
        source: "fuzz".into(),
        transport: Transport::Tcp,
        format,
        received_ms: 1_700_000_000_000,
        peer: Some("127.0.0.1:514".into()),
        payload: payload.to_vec(),
    };
    let event = palisade_parse::parse_record_as(1, &record, source);
    let raw = event.get_str("raw_data").expect("raw_data is always present");
    assert_eq!(raw, String::from_utf8_lossy(payload));
    assert!(event.get("message").is_some());
    let again = palisade_parse::parse_record_as(1, &record, source);
    assert_eq!(event, again, "deterministic");
    event
}
