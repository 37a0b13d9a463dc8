//! JSON payloads: one JSON object per record, either an OCSF event taken field by field or a
//! generic log object (including Windows events rendered as JSON) mapped onto OCSF.

mod generic;

use crate::{datetime, Outcome, PathSet};
use palisade_core::{fields, Event};
use serde_json::{Map, Value as Json};

/// Parses a JSON object into `event`; `None` for invalid JSON or a non-object.
pub(crate) fn parse(payload: &[u8], event: &mut Event) -> Option<Outcome> {
    let Ok(Json::Object(object)) = serde_json::from_slice::<Json>(payload) else {
        return None;
    };
    let parser = if object.contains_key(fields::CLASS_UID) || object.contains_key("metadata") {
        ocsf(&object, event);
        "ocsf"
    } else {
        generic::parse(&object, event);
        "json"
    };
    Some(Outcome {
        parser,
        log_format: "json",
        paths: PathSet::Arbitrary,
    })
}

/// Takes an OCSF event as it is, except for what only Palisade may say: the event id and
/// tenant (`metadata.uid`, `metadata.tenant_uid`) and the `unparsed` marker.
fn ocsf(object: &Map<String, Json>, event: &mut Event) {
    for (key, value) in object {
        if key == "time" {
            match time_ms(value, TimeUnit::Millis) {
                Some(ms) => event.time = ms,
                None => event.set_json("unmapped.time", value),
            }
        } else {
            event.set_json(key, value);
        }
    }
    for reserved in ["metadata.uid", "metadata.tenant_uid", fields::UNPARSED] {
        event.remove(reserved);
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
    use serde_json::json;

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
