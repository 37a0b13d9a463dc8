//! Helpers shared by the detection tests: one rule, one event, does it fire?
// Each test binary compiles this module and uses only some of the helpers.
#![allow(dead_code)]

use palisade_core::{Event, PayloadFormat, RawRecord, TenantId, Transport, Value};
use palisade_detect::{Engine, EngineOptions, Placeholders, RuleSet};

/// Builds an engine from YAML rule text (panics with the load failures if any).
pub fn engine(yaml: &str) -> Engine {
    engine_with(yaml, Placeholders::new())
}

/// Same, with placeholder values.
pub fn engine_with(yaml: &str, placeholders: Placeholders) -> Engine {
    let mut set = RuleSet::new(placeholders);
    set.load_str("test.yml", yaml);
    assert!(set.failures.is_empty(), "{:#?}", set.failures);
    Engine::new(&set, &EngineOptions::default()).expect("compiles")
}

/// A rule for the `test` product with the given detection body (indented YAML).
pub fn rule(detection: &str) -> String {
    format!("title: t\nid: r1\nlogsource:\n  product: test\ndetection:\n{detection}\n")
}

/// An event of the `test` product with these fields.
pub fn event(fields: &[(&str, Value)]) -> Event {
    let mut e = Event::new(1, TenantId::default(), 0);
    e.set("logsource.product", "test");
    for (k, v) in fields {
        e.set(k.to_string(), v.clone());
    }
    e
}

/// Does the detection fire on an event with these fields?
pub fn fires(detection: &str, fields: &[(&str, Value)]) -> bool {
    !engine(&rule(detection)).matches(&event(fields)).is_empty()
}

/// Shorthand for a text value.
pub fn s(text: &str) -> Value {
    Value::from(text)
}

/// The event the normal pipeline makes of `payload` (read from a file, as `hunt` does).
pub fn parsed(id: u64, format: PayloadFormat, payload: Vec<u8>) -> Event {
    let record = RawRecord {
        tenant: TenantId::default(),
        source: "file".into(),
        transport: Transport::File,
        format,
        received_ms: 0,
        peer: None,
        payload,
    };
    palisade_parse::parse_record(id, &record)
}
