//! The canonical event.
//!
//! An [`Event`] is an OCSF event held flat: every leaf of the OCSF JSON object is one entry of
//! [`Event::fields`], keyed by its dotted path (`device.hostname`, `metadata.product.name`,
//! `unmapped.syslog.sd.origin.ip`). Array elements use their index as a path segment
//! (`attacks.0.technique.uid`). Flat is what the column store, the query evaluator and the
//! parsers all want; [`Event::to_ocsf_json`] nests the fields again for export.

use crate::{tenant::TenantId, value::Value};
use serde_json::{Map, Value as Json};
use std::borrow::Cow;

/// A field's dotted path: borrowed for the well-known paths (no allocation per event),
/// owned for paths built from the input.
pub type FieldName = Cow<'static, str>;

/// An event's identifier: the write-ahead-log sequence number of the record it came from.
/// Unique within a data directory and increasing in arrival order, which is what makes
/// replay after a crash exactly-once.
pub type EventId = u64;

/// One canonical, OCSF-shaped event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Write-ahead-log sequence number.
    pub id: EventId,
    /// The tenant that owns the event.
    pub tenant: TenantId,
    /// OCSF `time`: when the event happened, epoch milliseconds (UTC).
    pub time: i64,
    /// Every other OCSF field, flat, in insertion order, each path at most once.
    pub fields: Vec<(FieldName, Value)>,
}

impl Event {
    /// A new event with no fields.
    pub fn new(id: EventId, tenant: TenantId, time: i64) -> Self {
        Event {
            id,
            tenant,
            time,
            fields: Vec::with_capacity(16),
        }
    }

    /// The value at a dotted path. `time` is answered from [`Event::time`].
    pub fn get(&self, path: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == path).map(|(_, v)| v)
    }

    /// The text at a dotted path, if the field holds text.
    pub fn get_str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    /// Sets a field, replacing an earlier value at the same path.
    pub fn set(&mut self, path: impl Into<FieldName>, value: impl Into<Value>) {
        let path = path.into();
        let value = value.into();
        match self.fields.iter_mut().find(|(k, _)| *k == path) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((path, value)),
        }
    }

    /// Removes a field and returns its value.
    pub fn remove(&mut self, path: &str) -> Option<Value> {
        let at = self.fields.iter().position(|(k, _)| k == path)?;
        Some(self.fields.remove(at).1)
    }

    /// Adds every leaf of a JSON value under `prefix` (dotted). Nulls are skipped; an empty
    /// prefix with a non-object value is stored under `value`.
    pub fn set_json(&mut self, prefix: &str, json: &Json) {
        match json {
            Json::Null => {}
            Json::Bool(b) => self.set(leaf_path(prefix), *b),
            Json::Number(n) => {
                let v = n
                    .as_i64()
                    .map(Value::Int)
                    .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)));
                self.set(leaf_path(prefix), v)
            }
            Json::String(s) => self.set(leaf_path(prefix), s.as_str()),
            Json::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.set_json(&join(prefix, &i.to_string()), item);
                }
            }
            Json::Object(map) => {
                for (k, v) in map {
                    self.set_json(&join(prefix, k), v);
                }
            }
        }
    }

    /// The event as a nested OCSF JSON object: `time`, `metadata.uid` (the id, as a decimal
    /// string), `metadata.tenant_uid` and every field.
    pub fn to_ocsf_json(&self) -> Json {
        let mut root = Json::Object(Map::new());
        insert_path(&mut root, "time", Json::from(self.time));
        insert_path(&mut root, "metadata.uid", Json::from(self.id.to_string()));
        insert_path(
            &mut root,
            "metadata.tenant_uid",
            Json::from(self.tenant.as_str()),
        );
        for (path, value) in &self.fields {
            insert_path(&mut root, path, value.to_json());
        }
        arrays_from_index_objects(&mut root);
        root
    }
}

fn leaf_path(prefix: &str) -> String {
    if prefix.is_empty() {
        "value".to_owned()
    } else {
        prefix.to_owned()
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Inserts `value` at a dotted path, creating objects on the way. A path that runs into an
/// existing scalar keeps the scalar and stores the new value under the full path as a key.
fn insert_path(root: &mut Json, path: &str, value: Json) {
    let mut node = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let Json::Object(map) = node else { return };
        if parts.peek().is_none() {
            map.insert(part.to_owned(), value);
            return;
        }
        let entry = map
            .entry(part.to_owned())
            .or_insert_with(|| Json::Object(Map::new()));
        if !entry.is_object() {
            map.insert(path.to_owned(), value);
            return;
        }
        node = map.get_mut(part).expect("entry just checked");
    }
}

/// Turns objects whose keys are exactly `0..n` back into arrays.
fn arrays_from_index_objects(node: &mut Json) {
    match node {
        Json::Object(map) => {
            for v in map.values_mut() {
                arrays_from_index_objects(v);
            }
            let n = map.len();
            if n > 0 && (0..n).all(|i| map.contains_key(&i.to_string())) {
                let items = (0..n)
                    .map(|i| map.remove(&i.to_string()).unwrap_or(Json::Null))
                    .collect();
                *node = Json::Array(items);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(arrays_from_index_objects),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flat_fields_round_trip_through_nested_json() {
        let mut e = Event::new(7, TenantId::default(), 1000);
        let input = json!({"device": {"hostname": "web01", "ip": "10.0.0.1"},
                           "attacks": [{"technique": {"uid": "T1110"}}], "severity_id": 3,
                           "ratio": 0.5, "skip": null});
        e.set_json("", &input);
        assert_eq!(e.get_str("device.hostname"), Some("web01"));
        assert_eq!(
            e.get("attacks.0.technique.uid"),
            Some(&Value::from("T1110"))
        );
        assert_eq!(e.get("skip"), None);
        let out = e.to_ocsf_json();
        assert_eq!(out["device"]["ip"], "10.0.0.1");
        assert_eq!(out["attacks"][0]["technique"]["uid"], "T1110");
        assert_eq!(out["severity_id"], 3);
        assert_eq!(out["metadata"]["uid"], "7");
        assert_eq!(out["time"], 1000);
    }

    #[test]
    fn set_replaces_and_remove_takes() {
        let mut e = Event::new(1, TenantId::default(), 0);
        e.set("message", "a");
        e.set("message", "b");
        assert_eq!(e.fields.len(), 1);
        assert_eq!(e.remove("message"), Some(Value::from("b")));
        assert!(e.fields.is_empty());
    }

    #[test]
    fn a_path_through_a_scalar_does_not_lose_either_value() {
        let mut e = Event::new(1, TenantId::default(), 0);
        e.set("a", "x");
        e.set("a.b", "y");
        let out = e.to_ocsf_json();
        assert_eq!(out["a"], "x");
        assert_eq!(out["a.b"], "y");
    }
}
