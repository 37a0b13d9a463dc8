//! Resolving an event's fields to the Sigma fields the rules read, once per event.

use crate::mapping::{Mappings, Prefix};
use palisade_core::Event;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast multiply-rotate hash over 8-byte words (the scheme of rustc's FxHash): field paths
/// are short and the table is built from rules, not from attacker-chosen keys, so speed wins
/// over flooding resistance here.
#[derive(Default)]
pub(crate) struct WordHash(u64);

impl WordHash {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for WordHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
        // The length tells zero padding from zero bytes.
        self.add(bytes.len() as u64);
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHash>>;

/// Sigma field names → slots, and event paths → the slots they fill.
#[derive(Debug, Default)]
pub(crate) struct FieldTable {
    slots: HashMap<String, u32>,
    /// Event path → the range of `slot_lists` holding the slots it fills (kept inline in the
    /// map, so a lookup touches the key and nothing else).
    by_path: FastMap<Box<str>, (u32, u32)>,
    slot_lists: Vec<u32>,
    /// Prefixes that need more than a lookup: spaces stripped, or `*` segments.
    special_prefixes: Vec<Prefix>,
    /// Whether any rule has a keyword search (so texts must be lower-cased for them).
    pub keywords_used: bool,
}

impl FieldTable {
    /// The slot of a Sigma field, assigned on first use.
    pub fn slot(&mut self, name: &str) -> u32 {
        let next = self.slots.len() as u32;
        *self.slots.entry(name.to_owned()).or_insert(next)
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Computes which event paths fill each slot (call after every slot is assigned).
    pub fn resolve(&mut self, mappings: &Mappings) {
        self.special_prefixes = mappings
            .prefix
            .iter()
            .filter(|p| p.strip_spaces || p.path.contains('*'))
            .cloned()
            .collect();
        let mut by_path: FastMap<Box<str>, Vec<u32>> = FastMap::default();
        for (name, &slot) in &self.slots {
            let explicit = mappings.fields.get(name).into_iter().flatten().cloned();
            let own = std::iter::once(name.clone());
            let prefixed = mappings
                .prefix
                .iter()
                .map(|Prefix { path, .. }| format!("{path}{name}"));
            for path in explicit.chain(own).chain(prefixed) {
                let slots = by_path.entry(path.into_boxed_str()).or_default();
                if !slots.contains(&slot) {
                    slots.push(slot);
                }
            }
        }
        self.slot_lists.clear();
        self.by_path = by_path
            .into_iter()
            .map(|(path, slots)| {
                let start = self.slot_lists.len() as u32;
                self.slot_lists.extend(slots);
                (path, (start, self.slot_lists.len() as u32))
            })
            .collect();
    }

    /// Fills `slot_to_field` (len = slots, all `u32::MAX`) with the index in `event.fields`
    /// of each slot's field; records the touched slots so they can be reset.
    pub fn bind(&self, event: &Event, slot_to_field: &mut [u32], touched: &mut Vec<u32>) {
        for (index, (path, _)) in event.fields.iter().enumerate() {
            let found = self.by_path.get(path.as_ref()).or_else(|| {
                self.special_prefixes.iter().find_map(|prefix| {
                    let key = canonical_path(prefix, path)?;
                    self.by_path.get(key.as_str())
                })
            });
            let slots = found.and_then(|&(a, b)| self.slot_lists.get(a as usize..b as usize));
            for &slot in slots.into_iter().flatten() {
                if let Some(entry) = slot_to_field.get_mut(slot as usize) {
                    if *entry == u32::MAX {
                        *entry = index as u32;
                        touched.push(slot);
                    }
                }
            }
        }
    }
}

/// The path as the field table knows it under a special prefix: `*` segments kept as `*`,
/// spaces removed from the remainder when the prefix says so. `None` when the path is not
/// under the prefix or is already in canonical form.
fn canonical_path(prefix: &Prefix, path: &str) -> Option<String> {
    let rest = if prefix.path.contains('*') {
        wildcard_remainder(&prefix.path, path)?
    } else {
        // Without `*` only removing spaces can change the path.
        let rest = path.strip_prefix(prefix.path.as_str())?;
        if !(prefix.strip_spaces && rest.contains(' ')) {
            return None;
        }
        rest
    };
    let rest = if prefix.strip_spaces {
        rest.replace(' ', "")
    } else {
        rest.to_owned()
    };
    Some(format!("{}{rest}", prefix.path))
}

/// What follows a prefix with `*` segments in `path`, if `path` is under it.
fn wildcard_remainder<'p>(prefix: &str, path: &'p str) -> Option<&'p str> {
    let lead = prefix.split('*').next().unwrap_or_default();
    if !path.starts_with(lead) {
        return None;
    }
    let pattern: Vec<&str> = prefix.trim_end_matches('.').split('.').collect();
    let mut segments = path.splitn(pattern.len() + 1, '.');
    for expected in &pattern {
        let segment = segments.next()?;
        if *expected != "*" && *expected != segment {
            return None;
        }
    }
    segments.next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(path: &str, strip_spaces: bool) -> Prefix {
        Prefix {
            path: path.into(),
            strip_spaces,
        }
    }

    #[test]
    fn special_prefixes_give_the_canonical_path() {
        let data = prefix("unmapped.Event.EventData.", true);
        assert_eq!(
            canonical_path(&data, "unmapped.Event.EventData.Service Name").as_deref(),
            Some("unmapped.Event.EventData.ServiceName")
        );
        assert_eq!(
            canonical_path(&data, "unmapped.Event.EventData.Image"),
            None
        );
        assert_eq!(canonical_path(&data, "message"), None);
        let user = prefix("unmapped.Event.UserData.*.", true);
        assert_eq!(
            canonical_path(
                &user,
                "unmapped.Event.UserData.Operation_ClientFailure.Operation"
            )
            .as_deref(),
            Some("unmapped.Event.UserData.*.Operation")
        );
        assert_eq!(canonical_path(&user, "unmapped.Event.UserData"), None);
    }

    #[test]
    fn the_word_hash_spreads_paths_that_differ_late() {
        let hash = |s: &str| {
            let mut h = WordHash::default();
            h.write(s.as_bytes());
            h.finish()
        };
        assert_ne!(
            hash("unmapped.Event.EventData.Image"),
            hash("unmapped.Event.EventData.Imagf")
        );
        let keyed = |s: &str| {
            std::hash::BuildHasher::hash_one(&BuildHasherDefault::<WordHash>::default(), s)
        };
        assert_ne!(keyed("a"), keyed("a\0"));
    }
}
