//! JSON payloads: one JSON object per record, either an OCSF event taken field by field or a
//! generic log object (including Windows events rendered as JSON) mapped onto OCSF.

mod generic;
mod paths;
mod stream;

pub(crate) use stream::Sink;

use crate::{datetime, Outcome, PathSet};
use memchr::memmem::Finder;
use palisade_core::{fields, Event};
use serde_json::Value as Json;
use std::sync::LazyLock;

/// Parses a JSON object into `event`; `None` for invalid JSON or a non-object.
/// An OCSF event is taken as it is (read straight from its text, [`stream`]), except for what
/// only Palisade may say: the event id and tenant (`metadata.uid`, `metadata.tenant_uid`) and
/// the `unparsed` marker. Text that names neither `class_uid` nor `metadata` anywhere is a
/// generic log object without that attempt. `event` comes fresh, with no fields.
pub(crate) fn parse(payload: &[u8], event: &mut Event) -> Option<Outcome> {
    static CLASS_UID: LazyLock<Finder> = LazyLock::new(|| Finder::new(fields::CLASS_UID));
    static METADATA: LazyLock<Finder> = LazyLock::new(|| Finder::new("metadata"));
    let may_be_ocsf = CLASS_UID.find(payload).is_some() || METADATA.find(payload).is_some();
    let mut sink = Sink::new(event);
    let parser = read(payload, may_be_ocsf, &mut sink)?;
    sink.finish();
    Some(outcome(parser))
}

/// Fills the sink's event from an OCSF event or a generic object; the parser's name.
fn read(payload: &[u8], may_be_ocsf: bool, sink: &mut stream::Sink) -> Option<&'static str> {
    if may_be_ocsf {
        let time = sink.event.time;
        match stream::read(payload, sink)? {
            stream::Read::Ocsf => {
                for reserved in ["metadata.uid", "metadata.tenant_uid", fields::UNPARSED] {
                    sink.event.remove(reserved);
                }
                return Some("ocsf");
            }
            stream::Read::OtherObject => {
                sink.event.fields.clear();
                sink.event.time = time;
                sink.left_out = 0;
            }
        }
    }
    let Ok(Json::Object(object)) = serde_json::from_slice::<Json>(payload) else {
        return None;
    };
    generic::parse(&object, sink);
    Some("json")
}

fn outcome(parser: &'static str) -> Outcome {
    Outcome {
        parser,
        log_format: "json",
        paths: PathSet::Arbitrary,
    }
}

/// How a bare number in a time field is read.
#[derive(Clone, Copy)]
enum TimeUnit {
    /// Always epoch milliseconds (OCSF `time`).
    Millis,
    /// Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude.
    ByMagnitude,
}

/// Epoch milliseconds from a JSON number (see [`TimeUnit`]) or an RFC 3339 / ISO-8601 string.
fn time_ms(value: &Json, unit: TimeUnit) -> Option<i64> {
    match value {
        Json::Number(n) => match unit {
            TimeUnit::Millis => n.as_i64().or_else(|| n.as_f64().and_then(float_to_ms)),
            TimeUnit::ByMagnitude => n.as_f64().and_then(epoch_by_magnitude),
        },
        Json::String(s) => {
            let bytes = s.trim().as_bytes();
            match datetime::parse_rfc3339(bytes, true) {
                Some((ms, len)) if len == bytes.len() => Some(ms),
                _ => {
                    let number: f64 = s.trim().parse().ok()?;
                    match unit {
                        TimeUnit::Millis => float_to_ms(number),
                        TimeUnit::ByMagnitude => epoch_by_magnitude(number),
                    }
                }
            }
        }
        _ => None,
    }
}

/// Epoch milliseconds from a number in seconds (below 1e11, i.e. before year 5138),
/// milliseconds (below 1e14), microseconds (below 1e17) or nanoseconds.
fn epoch_by_magnitude(x: f64) -> Option<i64> {
    let magnitude = x.abs();
    let ms = if magnitude < 1e11 {
        x * 1e3
    } else if magnitude < 1e14 {
        x
    } else if magnitude < 1e17 {
        x / 1e3
    } else {
        x / 1e6
    };
    float_to_ms(ms)
}

/// A finite float of milliseconds within the `i64` range, truncated.
fn float_to_ms(ms: f64) -> Option<i64> {
    (ms.is_finite() && ms.abs() < 9.0e18).then_some(ms as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::TenantId;
    use proptest::prelude::*;
    use serde_json::json;

    fn fresh() -> Event {
        Event::new(0, TenantId::default(), -1)
    }

    /// What the reader must give: the tree's leaves under each top-level key (the way the
    /// OCSF events were read before), sorted by path.
    fn leaves_of_tree(object: &serde_json::Map<String, Json>) -> (i64, Vec<(String, String)>) {
        let mut event = fresh();
        for (key, value) in object {
            match (key.as_str(), time_ms(value, TimeUnit::Millis)) {
                ("time", Some(ms)) => event.time = ms,
                ("time", None) => event.set_json("unmapped.time", value),
                _ => event.set_json(key, value),
            }
        }
        for reserved in ["metadata.uid", "metadata.tenant_uid", fields::UNPARSED] {
            event.remove(reserved);
        }
        (event.time, sorted(&event))
    }

    fn sorted(event: &Event) -> Vec<(String, String)> {
        let mut leaves: Vec<_> = event
            .fields
            .iter()
            .map(|(k, v)| (k.to_string(), format!("{v:?}")))
            .collect();
        leaves.sort();
        leaves
    }

    fn json_value() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::from),
            any::<i64>().prop_map(Json::from),
            any::<u64>().prop_map(Json::from),
            (-1e12f64..1e12).prop_map(Json::from),
            "[a-z\\\"é ]{0,6}".prop_map(Json::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                prop::collection::btree_map("[a-z_.]{0,4}|time|metadata|uid", inner, 0..4)
                    .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn an_ocsf_event_read_from_its_text_has_the_leaves_of_its_tree(
            members in prop::collection::btree_map("[a-z_]{0,5}|time|metadata|class_uid", json_value(), 0..6),
            class_uid in any::<bool>(),
        ) {
            let mut object: serde_json::Map<String, Json> = members.into_iter().collect();
            if class_uid {
                object.insert(fields::CLASS_UID.to_owned(), json!(6003));
            }
            let text = serde_json::to_vec(&object).unwrap();
            let mut event = fresh();
            let outcome = parse(&text, &mut event).unwrap();
            if outcome.parser == "ocsf" {
                // The tree read back from the same text: numbers as the reader parses them.
                let tree = serde_json::from_slice(&text).unwrap();
                prop_assert_eq!((event.time, sorted(&event)), leaves_of_tree(&tree));
            } else {
                prop_assert!(!object.contains_key(fields::CLASS_UID) && !object.contains_key("metadata"));
            }
        }
    }

    #[test]
    fn a_key_operation_event_gets_constant_paths_and_unknown_members_their_own() {
        let text = json!({
            "time": 1_700_000_000_000i64, "class_uid": 6003, "category_uid": 6,
            "activity_id": 99, "type_uid": 600399, "severity_id": 1, "status_id": 1,
            "status": "Success", "message": "kms encrypt orders",
            "actor": {"user": {"name": "alice"}},
            "api": {"service": {"name": "kms"}, "operation": "encrypt"},
            "metadata": {"product": {"name": "Palisade", "feature": {"name": "kms"}}, "log_name": "kms"},
            "resources": [{"type": "kms_key", "name": "orders", "version": 2}],
            "src_endpoint": {"ip": "127.0.0.1"},
            "unmapped": {"shard": "b7"}
        })
        .to_string();
        let mut event = fresh();
        assert_eq!(parse(text.as_bytes(), &mut event).unwrap().parser, "ocsf");
        for (path, _) in &event.fields {
            let constant = matches!(path, std::borrow::Cow::Borrowed(_));
            assert_eq!(constant, path != "unmapped.shard", "{path}");
        }
        assert_eq!(event.get("resources.0.name").unwrap().to_string(), "orders");
        assert_eq!(event.get("unmapped.shard").unwrap().to_string(), "b7");
    }

    #[test]
    fn an_object_with_too_many_members_keeps_the_first_and_counts_the_rest() {
        for ocsf in [true, false] {
            let mut object = serde_json::Map::new();
            if ocsf {
                object.insert(fields::CLASS_UID.to_owned(), json!(1001));
            }
            for i in 0..60_000 {
                object.insert(format!("k{i:05}"), json!(i));
            }
            let text = serde_json::to_vec(&object).unwrap();
            let mut event = fresh();
            parse(&text, &mut event).unwrap();
            let left_out = event
                .get(stream::LEFT_OUT)
                .and_then(|v| v.as_i64())
                .unwrap();
            assert_eq!(event.fields.len(), stream::MAX_FIELDS + 1, "ocsf {ocsf}");
            assert_eq!(
                left_out as usize + stream::MAX_FIELDS,
                object.len(),
                "ocsf {ocsf}"
            );
            let first = if ocsf { "k00000" } else { "unmapped.k00000" };
            assert_eq!(event.get(first), Some(&palisade_core::Value::Int(0)));
        }
    }

    #[test]
    fn text_that_only_nests_metadata_is_a_generic_object() {
        let mut event = fresh();
        let text = br#"{"msg":"door opened","detail":{"metadata":{"x":1}},"ts":1700000000}"#;
        let outcome = parse(text, &mut event).unwrap();
        assert_eq!(outcome.parser, "json");
        assert_eq!(event.get_str(fields::MESSAGE), Some("door opened"));
        assert_eq!(event.time, 1_700_000_000_000);
        assert_eq!(
            event.get("unmapped.detail.metadata.x"),
            Some(&palisade_core::Value::Int(1))
        );
        assert_eq!(event.fields.len(), 2, "{:?}", event.fields);
    }

    #[test]
    fn broken_or_non_object_text_is_not_json_to_this_parser() {
        for text in [
            &b"[1]"[..],
            b"{\"metadata\":",
            b"{\"metadata\":{}} x",
            b"\"metadata\"",
        ] {
            let mut event = fresh();
            assert!(
                parse(text, &mut event).is_none(),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn epoch_units_are_told_apart_by_magnitude() {
        let ms = 1_700_000_000_123;
        assert_eq!(
            time_ms(&json!(1_700_000_000.123), TimeUnit::ByMagnitude),
            Some(ms)
        );
        assert_eq!(time_ms(&json!(ms), TimeUnit::ByMagnitude), Some(ms));
        assert_eq!(time_ms(&json!(ms * 1000), TimeUnit::ByMagnitude), Some(ms));
        assert_eq!(
            time_ms(&json!(ms * 1_000_000), TimeUnit::ByMagnitude),
            Some(ms)
        );
        assert_eq!(
            time_ms(&json!("1700000000"), TimeUnit::ByMagnitude),
            Some(1_700_000_000_000)
        );
        assert_eq!(time_ms(&json!(5), TimeUnit::Millis), Some(5));
        assert_eq!(time_ms(&json!("soon"), TimeUnit::Millis), None);
        assert_eq!(time_ms(&json!(f64::MAX), TimeUnit::ByMagnitude), None);
    }
}
