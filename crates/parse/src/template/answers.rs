//! The template search's recent answers, kept while the templates stay as they are.

use super::text_keyed::TextKeyed;

/// The most bytes of masked text kept; past it, the answers start again empty (the server
/// keeps a miner per tenant, so this bounds what each one adds).
const MAX_TEXT_BYTES: usize = 1 << 20;

/// Masked lines the search gave a template without changing any template. The search's answer
/// depends only on the templates (their texts, the tree, the merges), so until one is created,
/// changed or merged (the miner then calls [`Answers::forget`]) the same line gets the same
/// answer: it is looked up instead of searched again.
#[derive(Default)]
pub(super) struct Answers {
    /// Masked text → the template index the search gave it.
    by_text: TextKeyed<u32>,
}

impl Answers {
    /// The template index the search gave the masked `text` (hashed as `hash`), if kept.
    pub(super) fn get(&self, hash: u64, text: &str) -> Option<u32> {
        self.by_text.get(hash, text).copied()
    }

    /// Keeps the search's answer for the masked `text` (hashed as `hash`).
    pub(super) fn remember(&mut self, hash: u64, text: &str, index: u32) {
        if self.by_text.key_bytes() + text.len() > MAX_TEXT_BYTES {
            self.forget();
        }
        self.by_text.insert(hash, text, index);
    }

    /// Forgets every answer: a template was created, changed or merged.
    pub(super) fn forget(&mut self) {
        self.by_text.clear();
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
            assert!(answers.by_text.key_bytes() <= MAX_TEXT_BYTES);
        }
        assert_eq!(answers.get(9, &text), Some(1));
    }
}
