//! Indexing only what changed since the previous row of a block.
//!
//! Consecutive log lines of one source share most of their bytes: the header up to the
//! seconds of the timestamp, the host, the program, and often a long common ending. Where a
//! text's token boundaries depend only on its own bytes (a token is a run between major
//! breakers), a token that lies wholly in the part a text shares with the previous text
//! indexed at the same place, with the breakers around it, is the very same token there, and
//! its terms are in the block's terms already. So each text is compared with the previous one
//! (common beginning and common ending) and only the tokens in between are tokenized and
//! hashed.

use palisade_core::tokenize::is_major_breaker;
use std::ops::Range;

/// The text last indexed at one place of a block's rows (empty when none yet).
#[derive(Default)]
pub struct PreviousText {
    bytes: Vec<u8>,
}

impl PreviousText {
    /// The byte range of `text` whose tokens are not all among the previous text's: from the
    /// start of the token where `text` begins to differ from the previous text to the end of
    /// the token where their common ending begins. Remembers `text` as the previous text; the
    /// caller must index the range, so that every token of `text` is then in the terms.
    pub fn changed_range(&mut self, text: &[u8]) -> Range<usize> {
        let previous = &self.bytes;
        let prefix = common_prefix(text, previous);
        let most = text.len().min(previous.len()) - prefix;
        let suffix = common_suffix(text, previous, most);
        // A token ending before the first difference, at a breaker inside the common
        // beginning, is the same token in the previous text.
        let start = text[..prefix]
            .iter()
            .rposition(|b| is_major_breaker(*b))
            .map_or(0, |at| at + 1);
        // A token starting after a breaker inside the common ending is the same there too.
        let ending = text.len() - suffix;
        let end = text[ending..]
            .iter()
            .position(|b| is_major_breaker(*b))
            .map_or(text.len(), |at| ending + at);
        self.bytes.clear();
        self.bytes.extend_from_slice(text);
        start..end
    }

    /// Forgets the previous text (a new block starts with no terms).
    pub fn clear(&mut self) {
        self.bytes.clear();
    }
}

/// Length of the longest common beginning, compared eight bytes at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n && a[i..i + 8] == b[i..i + 8] {
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Length of the longest common ending, at most `most` bytes.
fn common_suffix(a: &[u8], b: &[u8], most: usize) -> usize {
    let (a, b) = (&a[a.len() - most..], &b[b.len() - most..]);
    let mut i = 0;
    while i + 8 <= most && a[most - i - 8..most - i] == b[most - i - 8..most - i] {
        i += 8;
    }
    while i < most && a[most - i - 1] == b[most - i - 1] {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::tokenize::for_each_index_term;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn terms(text: &[u8]) -> HashSet<Vec<u8>> {
        let mut out = HashSet::new();
        for_each_index_term(text, |t| {
            out.insert(t.to_vec());
        });
        out
    }

    #[test]
    fn only_the_tokens_around_a_difference_are_left() {
        let mut previous = PreviousText::default();
        let first = b"<38>1 2026-11-24T10:09:59 host app - seq: 0001, thread: 7 PADD";
        assert_eq!(previous.changed_range(first), 0..first.len());
        let second = b"<38>1 2026-11-24T10:09:59 host app - seq: 0002, thread: 7 PADD";
        let range = previous.changed_range(second);
        assert_eq!(&second[range], b"0002");
        // The same text again: the last token may have been cut short in the previous one.
        let range = previous.changed_range(second);
        assert_eq!(&second[range], b"PADD");
        let shorter = b"<38>1 2026";
        assert_eq!(previous.changed_range(shorter), 6..10);
        previous.clear();
        assert_eq!(previous.changed_range(shorter), 0..10);
    }

    proptest! {
        /// Indexing only the changed range of each text of a sequence leaves no term of any
        /// text out of the terms gathered.
        #[test]
        fn every_term_of_every_text_is_indexed(
            texts in proptest::collection::vec("[ab1 .:=-]{0,20}", 1..6)
        ) {
            let mut previous = PreviousText::default();
            let mut indexed = HashSet::new();
            for text in &texts {
                let range = previous.changed_range(text.as_bytes());
                indexed.extend(terms(&text.as_bytes()[range]));
                for term in terms(text.as_bytes()) {
                    prop_assert!(indexed.contains(&term), "{:?} of {:?} in {:?}", term, text, texts);
                }
            }
        }
    }
}
