//! The template search's recent answers, kept while the templates stay as they are.

use rustc_hash::FxHashMap;
use std::ops::Range;

/// The most bytes of masked text kept; past it, the answers start again empty (the server
/// keeps a miner per tenant, so this bounds what each one adds).
const MAX_TEXT_BYTES: usize = 1 << 20;

/// Masked lines the search gave a template without changing any template. The search's answer
/// depends only on the templates (their texts, the tree, the merges), so until one is created,
/// changed or merged (the miner then calls [`Answers::forget`]) the same line gets the same
/// answer: it is looked up instead of searched again.
#[derive(Default)]
pub(super) struct Answers {
    /// Hash of the masked text → where the text is in `texts`, and the template index.
    by_hash: FxHashMap<u64, (Range<usize>, u32)>,
    /// Every kept masked text, back to back.
    texts: String,
}

impl Answers {
    /// The template index the search gave the masked `text` (hashed as `hash`), if kept.
    pub(super) fn get(&self, hash: u64, text: &str) -> Option<u32> {
        let (span, index) = self.by_hash.get(&hash)?;
        (self.texts.get(span.clone()) == Some(text)).then_some(*index)
    }

    /// Keeps the search's answer for the masked `text` (hashed as `hash`).
    pub(super) fn remember(&mut self, hash: u64, text: &str, index: u32) {
        if self.texts.len() + text.len() > MAX_TEXT_BYTES {
            self.forget();
        }
        let start = self.texts.len();
        self.texts.push_str(text);
        self.by_hash.insert(hash, (start..self.texts.len(), index));
    }

    /// Forgets every answer: a template was created, changed or merged.
    pub(super) fn forget(&mut self) {
        if !self.by_hash.is_empty() {
            self.by_hash.clear();
            self.texts.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_given_for_the_same_text_until_forgotten() {
        let mut answers = Answers::default();
        answers.remember(7, "user <*> logged in", 3);
        assert_eq!(answers.get(7, "user <*> logged in"), Some(3));
        assert_eq!(
            answers.get(7, "user <*> logged out"),
            None,
            "same hash, other text"
        );
        assert_eq!(answers.get(8, "user <*> logged in"), None);
        answers.forget();
        assert_eq!(answers.get(7, "user <*> logged in"), None);
    }

    #[test]
    fn the_kept_text_stays_bounded() {
        let mut answers = Answers::default();
        let text = "x".repeat(300 << 10);
        for hash in 0..10 {
            answers.remember(hash, &text, 1);
            assert!(answers.texts.len() <= MAX_TEXT_BYTES);
        }
        assert_eq!(answers.get(9, &text), Some(1));
    }
}
