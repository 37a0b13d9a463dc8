//! A block's index terms from an event: whole field values and the terms of free text.

use super::changed::PreviousText;
use crate::bloom::{field_value_hash, index_term_hashes, RunScratch};
use palisade_core::{fields, tokenize::is_major_breaker, Value};

/// Adds the whole value of a field when the shared rule ([`fields::field_value_is_indexed`])
/// keeps it.
pub fn index_whole_value(path: &str, value: &Value, hashes: &mut Vec<u64>) {
    if let Value::Str(text) = value {
        if fields::field_value_is_indexed(path, text) {
            hashes.push(field_value_hash(path, text.as_bytes()));
        }
    }
}

/// The whole value last indexed in each column of a block, so that a value repeated row
/// after row (a host, an application, the source, the parser) is checked and hashed once
/// per block instead of once per event: its term is in the block's terms already.
#[derive(Default)]
pub struct LastWholeValues {
    /// By column slot: the value's bytes, when one was indexed.
    by_slot: Vec<Option<Vec<u8>>>,
}

impl LastWholeValues {
    /// [`index_whole_value`] for the value of column `slot`, unless it equals the value that
    /// column indexed last.
    pub fn index(&mut self, slot: usize, path: &str, value: &Value, hashes: &mut Vec<u64>) {
        let Value::Str(text) = value else { return };
        if self.by_slot.len() <= slot {
            self.by_slot.resize_with(slot + 1, || None);
        }
        let last = &mut self.by_slot[slot];
        if last.as_deref() == Some(text.as_bytes()) {
            return;
        }
        index_whole_value(path, value, hashes);
        let kept = last.get_or_insert_with(Vec::new);
        kept.clear();
        kept.extend_from_slice(text.as_bytes());
    }

    /// Forgets every value (a new block starts with no terms, and its slots are new).
    pub fn clear(&mut self) {
        self.by_slot.clear();
    }
}

/// Adds the index terms of `raw_data` and `message`, reading each byte once: a message is
/// usually the tail of its raw data, so the raw data is tokenized up to where the message
/// starts, then the message, then the one major token of the raw data that straddles that
/// point (a BOM or other glued bytes before the message). Together they hold every term of
/// both texts. `tail` is where the message starts in the raw data, when the caller found it
/// to be the raw data's tail (`None`: the texts are indexed separately). Of the raw data and
/// the message, only what changed since the previous row's (`previous`, the raw data's then
/// the message's) is tokenized: the rest of their terms are in the block already.
pub fn index_free_text(
    raw: &str,
    message: &str,
    tail: Option<usize>,
    previous: &mut [PreviousText; 2],
    hashes: &mut Vec<u64>,
    scratch: &mut RunScratch,
) {
    let (raw, message) = (raw.as_bytes(), message.as_bytes());
    let [previous_raw, previous_message] = previous;
    let mut index_changes = |text: &[u8], previous: &mut PreviousText| {
        let range = previous.changed_range(text);
        index_term_hashes(&text[range], hashes, scratch);
    };
    let split = match tail {
        Some(split) if split + message.len() == raw.len() && !message.is_empty() => split,
        _ => {
            index_changes(raw, previous_raw);
            index_changes(message, previous_message);
            return;
        }
    };
    index_changes(&raw[..split], previous_raw);
    index_changes(message, previous_message);
    if split > 0 && !is_major_breaker(raw[split - 1]) && !is_major_breaker(raw[split]) {
        let start = raw[..split]
            .iter()
            .rposition(|b| is_major_breaker(*b))
            .map_or(0, |i| i + 1);
        let end = split
            + message
                .iter()
                .position(|b| is_major_breaker(*b))
                .unwrap_or(message.len());
        index_term_hashes(&raw[start..end], hashes, scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bloom::term_hash;
    use proptest::prelude::*;

    fn assert_covers(raw: &str, message: &str) {
        let mut hashes = Vec::new();
        let tail = raw.ends_with(message).then(|| raw.len() - message.len());
        let mut previous = Default::default();
        let mut scratch = RunScratch::default();
        index_free_text(raw, message, tail, &mut previous, &mut hashes, &mut scratch);
        for text in [raw, message] {
            palisade_core::tokenize::for_each_index_term(text.as_bytes(), |term| {
                let lower = term.to_ascii_lowercase();
                assert!(
                    hashes.contains(&term_hash(&lower)),
                    "{:?} of {text:?} (raw {raw:?}, message {message:?})",
                    String::from_utf8_lossy(term)
                );
            });
        }
    }

    #[test]
    fn a_repeated_value_is_hashed_once_per_column_until_cleared() {
        let mut last = LastWholeValues::default();
        let mut hashes = Vec::new();
        let host = Value::from("web01");
        last.index(0, "device.hostname", &host, &mut hashes);
        last.index(0, "device.hostname", &host, &mut hashes);
        last.index(1, "metadata.product.name", &host, &mut hashes);
        assert_eq!(hashes.len(), 2);
        last.index(0, "device.hostname", &Value::from("web02"), &mut hashes);
        last.index(0, "device.hostname", &host, &mut hashes);
        assert_eq!(hashes.len(), 4);
        last.clear();
        last.index(0, "device.hostname", &host, &mut hashes);
        assert_eq!(hashes.len(), 5);
        assert_eq!(hashes[0], hashes[4]);
    }

    #[test]
    fn a_message_glued_to_its_header_by_a_bom_keeps_every_term() {
        assert_covers("<13>1 - h app - - - \u{feff}seq: 42 done", "seq: 42 done");
        assert_covers("<13>1 - h app - - - x.y:z", "y:z");
        assert_covers("whole", "whole");
        assert_covers("a b", "unrelated c.d");
    }

    proptest! {
        #[test]
        fn raw_and_message_terms_are_all_indexed(head in "[a. :=\u{feff}-]{0,10}", tail in "[a1. :=-]{0,14}") {
            let raw = format!("{head}{tail}");
            assert_covers(&raw, &tail);
        }
    }
}
