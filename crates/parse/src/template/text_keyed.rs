//! Values kept by text: found by the text's hash, checked against the text itself, with every
//! key text back to back in one reused buffer (no allocation per entry).

use rustc_hash::FxHashMap;
use std::ops::Range;

/// Values keyed by text. The caller hashes the text (it often has the hash already).
pub(super) struct TextKeyed<V> {
    /// Hash of the key text → where the text is in `keys`, and the value.
    by_hash: FxHashMap<u64, (Range<usize>, V)>,
    /// Every key text, back to back.
    keys: String,
}

impl<V> Default for TextKeyed<V> {
    fn default() -> Self {
        TextKeyed {
            by_hash: FxHashMap::default(),
            keys: String::new(),
        }
    }
}

impl<V> TextKeyed<V> {
    /// The value kept for `text` (hashed as `hash`); `None` also when another text with the
    /// same hash is kept.
    pub(super) fn get(&self, hash: u64, text: &str) -> Option<&V> {
        let (span, value) = self.by_hash.get(&hash)?;
        (self.keys.get(span.clone()) == Some(text)).then_some(value)
    }

    /// Whether a text with this hash is kept (the same text or another).
    pub(super) fn has_hash(&self, hash: u64) -> bool {
        self.by_hash.contains_key(&hash)
    }

    /// Keeps `value` for `text` (hashed as `hash`), in place of what that hash had.
    pub(super) fn insert(&mut self, hash: u64, text: &str, value: V) {
        let start = self.keys.len();
        self.keys.push_str(text);
        self.by_hash.insert(hash, (start..self.keys.len(), value));
    }

    /// How many bytes of key text are kept.
    pub(super) fn key_bytes(&self) -> usize {
        self.keys.len()
    }

    /// Forgets every entry, keeping the buffers.
    pub(super) fn clear(&mut self) {
        if !self.by_hash.is_empty() {
            self.by_hash.clear();
            self.keys.clear();
        }
    }

    /// How many entries are kept.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.by_hash.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_found_by_its_own_text_only() {
        let mut kept = TextKeyed::default();
        kept.insert(1, "job 42 done", vec!["job", "<*>", "done"]);
        kept.insert(2, "job", vec!["job"]);
        assert_eq!(kept.get(1, "job 42 done").map(Vec::len), Some(3));
        assert_eq!(kept.get(1, "job 43 done"), None, "same hash, other text");
        assert!(kept.has_hash(1) && !kept.has_hash(3));
        assert_eq!((kept.len(), kept.key_bytes()), (2, 14));
        kept.clear();
        assert_eq!(
            (kept.get(2, "job"), kept.len(), kept.key_bytes()),
            (None, 0, 0)
        );
    }
}
