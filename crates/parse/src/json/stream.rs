//! OCSF events read from their JSON text straight into the event, leaf by leaf: no JSON tree
//! is built and dropped on the way (for a key operation's event the tree cost more than the
//! rest of its parsing). The leaves, their dotted paths and the handling of `time` are those
//! of [`Event::set_json`] over the tree; fields come in the order the text gives them.

use super::{time_ms, TimeUnit};
use palisade_core::{fields, Event, Value};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use std::fmt::{self, Write};

/// What the text turned out to be.
pub(super) enum Read {
    /// An OCSF event (`class_uid` or `metadata` at its top), now in the event.
    Ocsf,
    /// A JSON object of another kind; the event holds partial fields the caller clears.
    OtherObject,
}

/// The most fields a JSON payload gives its event: the event keeps each path once, so every
/// new field is compared with those before it, and a hostile object of 60 000 members cost
/// seconds. The leaves beyond stay in `raw_data`, counted in [`LEFT_OUT`].
pub(super) const MAX_FIELDS: usize = 2048;

/// The field that counts the leaves left out for [`MAX_FIELDS`].
pub(super) const LEFT_OUT: &str = "unmapped.fields_left_out";

/// Where leaves go: the event, up to [`MAX_FIELDS`] fields, and how many did not fit.
pub(crate) struct Sink<'e> {
    /// The event being filled.
    pub event: &'e mut Event,
    /// Leaves not set because the event was full.
    pub left_out: usize,
}

impl<'e> Sink<'e> {
    /// A sink filling `event`.
    pub(crate) fn new(event: &'e mut Event) -> Self {
        Sink { event, left_out: 0 }
    }

    /// Adds the leaves left out to the event's count of them ([`LEFT_OUT`]).
    pub(crate) fn finish(self) {
        crate::count_left_out(self.event, LEFT_OUT, self.left_out);
    }

    /// Sets every leaf of an already parsed value under `prefix`, as [`Event::set_json`]
    /// does, within [`MAX_FIELDS`].
    pub(crate) fn set_json(&mut self, prefix: &str, value: &Json) {
        let mut path = prefix.to_owned();
        // Reading a parsed tree into the leaves cannot fail: every visit is accepted.
        let _ = Leaves {
            sink: self,
            path: &mut path,
        }
        .deserialize(value);
    }

    /// Sets one field, unless the event holds [`MAX_FIELDS`] already.
    pub(crate) fn set(&mut self, path: &str, value: Value) {
        if self.event.fields.len() >= MAX_FIELDS {
            self.left_out += 1;
            return;
        }
        let path = if path.is_empty() { "value" } else { path };
        match super::paths::known(path) {
            Some(constant) => self.event.set(constant, value),
            None => self.event.set(path.to_owned(), value),
        }
    }
}

/// Reads `payload` into the sink's event if it is an OCSF event; `None` for invalid JSON or
/// a non-object.
pub(super) fn read(payload: &[u8], sink: &mut Sink) -> Option<Read> {
    let mut json = serde_json::Deserializer::from_slice(payload);
    let top = Top {
        sink,
        path: String::with_capacity(64),
    };
    let is_ocsf = json.deserialize_map(top).ok()?;
    json.end().ok()?;
    Some(if is_ocsf {
        Read::Ocsf
    } else {
        Read::OtherObject
    })
}

/// The top-level object: `time` is the event's time, every other member its leaves.
struct Top<'s, 'e> {
    sink: &'s mut Sink<'e>,
    path: String,
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<bool, A::Error> {
        let mut is_ocsf = false;
        while map.next_key_seed(Key(&mut self.path))?.is_some() {
            is_ocsf |= self.path == fields::CLASS_UID || self.path == "metadata";
            if self.path == "time" {
                let value: Json = map.next_value()?;
                match time_ms(&value, TimeUnit::Millis) {
                    Some(ms) => self.sink.event.time = ms,
                    None => self.sink.set_json("unmapped.time", &value),
                }
            } else {
                map.next_value_seed(Leaves {
                    sink: self.sink,
                    path: &mut self.path,
                })?;
            }
            self.path.clear();
        }
        Ok(is_ocsf)
    }
}

/// Appends a member's name to the path (after a `.` unless the path is empty).
struct Key<'p>(&'p mut String);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<(), E> {
        if !self.0.is_empty() {
            self.0.push('.');
        }
        self.0.push_str(key);
        Ok(())
    }
}

/// Every leaf of one value, set on the event under `path` (array items under their index).
struct Leaves<'s, 'e, 'p> {
    sink: &'s mut Sink<'e>,
    path: &'p mut String,
}

impl Leaves<'_, '_, '_> {
    fn set(self, value: Value) {
        self.sink.set(self.path, value);
    }
}

impl<'de> DeserializeSeed<'de> for Leaves<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Leaves<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.set(Value::Bool(b));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        self.set(Value::Int(n));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        // As the tree reads it: an integer when it fits `i64`, else a float.
        self.set(i64::try_from(n).map_or(Value::Float(n as f64), Value::Int));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<(), E> {
        self.set(Value::Float(x));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.set(Value::from(s));
        Ok(())
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<(), E> {
        self.set(Value::from(s));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let base = self.path.len();
        let mut index = 0usize;
        loop {
            if base > 0 {
                self.path.push('.');
            }
            // Writing to a String cannot fail.
            let _ = write!(self.path, "{index}");
            let more = items
                .next_element_seed(Leaves {
                    sink: self.sink,
                    path: self.path,
                })?
                .is_some();
            self.path.truncate(base);
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let base = self.path.len();
        while map.next_key_seed(Key(self.path))?.is_some() {
            map.next_value_seed(Leaves {
                sink: self.sink,
                path: self.path,
            })?;
            self.path.truncate(base);
        }
        Ok(())
    }
}
