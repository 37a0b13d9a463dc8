//! Shared by the parser fuzz targets: parse one payload and check the invariants every
//! event keeps, whatever the input.

use palisade_core::{PayloadFormat, RawRecord, TenantId, Transport};

pub fn check(format: PayloadFormat, payload: &[u8]) {
    let record = RawRecord {
        tenant: TenantId::default(),
        source: "fuzz".into(),
        transport: Transport::Tcp,
        format,
        received_ms: 1_700_000_000_000,
        peer: Some("127.0.0.1:514".into()),
        payload: payload.to_vec(),
    };
    let event = palisade_parse::parse_record(1, &record);
    let raw = event.get_str("raw_data").expect("raw_data is always present");
    assert_eq!(raw, String::from_utf8_lossy(payload));
    assert!(event.get("message").is_some());
    assert_eq!(event, palisade_parse::parse_record(1, &record), "deterministic");
}
