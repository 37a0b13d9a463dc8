//! Lines' masked tokens, written back to back into buffers reused for every line.

use super::mask::{mask_tokens, WILDCARD};
use regex::Regex;

/// Masked lines: each line's tokens joined by single spaces (the form a template's text
/// takes, so a line that equals a template is one comparison) and where each token ends.
#[derive(Default)]
pub(super) struct MaskedLines {
    text: String,
    /// Where each token ends, counted from the start of its line's text.
    ends: Vec<usize>,
    /// Per line, where its text and its token ends stop.
    lines: Vec<(usize, usize)>,
    /// The content after per-format masking (used only when there are such masks).
    preprocessed: String,
}

impl MaskedLines {
    /// Forgets every line, keeping the buffers.
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.lines.clear();
    }

    /// Appends the masked tokens of `content`, after replacing every match of each of `masks`
    /// (in order) by `<*>`.
    pub(super) fn push(&mut self, masks: &[Regex], content: &str) {
        let content = if masks.is_empty() {
            content
        } else {
            apply_masks(masks, content, &mut self.preprocessed);
            self.preprocessed.as_str()
        };
        let line_start = self.text.len();
        mask_tokens(content, &mut self.text, line_start, &mut self.ends);
        self.lines.push((self.text.len(), self.ends.len()));
    }

    /// Appends a line masked before: its text and its token ends (from the start of the text).
    pub(super) fn push_masked(&mut self, text: &str, ends: &[usize]) {
        self.text.push_str(text);
        self.ends.extend_from_slice(ends);
        self.lines.push((self.text.len(), self.ends.len()));
    }

    /// The last line's text and token ends, as [`MaskedLines::push_masked`] takes them.
    pub(super) fn last(&self) -> (&str, &[usize]) {
        let tokens = self.get(self.lines.len().saturating_sub(1));
        (tokens.text, tokens.ends)
    }

    /// The tokens of line `index` (counted from 0 since the last clear); none past the end.
    pub(super) fn get(&self, index: usize) -> Tokens<'_> {
        let (text_start, ends_start) = match index.checked_sub(1) {
            Some(before) => self.lines.get(before).copied().unwrap_or_default(),
            None => (0, 0),
        };
        let (text_end, ends_end) = self.lines.get(index).copied().unwrap_or_default();
        Tokens {
            text: self.text.get(text_start..text_end).unwrap_or_default(),
            ends: self.ends.get(ends_start..ends_end).unwrap_or_default(),
        }
    }
}

/// A borrowed view of one masked line's tokens.
#[derive(Clone, Copy)]
pub(super) struct Tokens<'a> {
    text: &'a str,
    ends: &'a [usize],
}

impl<'a> Tokens<'a> {
    /// How many tokens.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The tokens joined by single spaces.
    pub(super) fn text(&self) -> &'a str {
        self.text
    }

    /// The tokens in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &'a str> {
        let text = self.text;
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let token = text.get(start..end).unwrap_or_default();
            start = end + 1;
            token
        })
    }
}

/// Splits on ASCII white space, skipping empty tokens.
pub(super) fn split_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split_ascii_whitespace()
}

/// Writes `content` with every match of every mask (applied in order) replaced by `<*>`.
pub(super) fn apply_masks(masks: &[Regex], content: &str, out: &mut String) {
    out.clear();
    out.push_str(content);
    for mask in masks {
        if let std::borrow::Cow::Owned(replaced) = mask.replace_all(out, WILDCARD) {
            *out = replaced;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_masked_and_joined_by_one_space_line_by_line() {
        let mut lines = MaskedLines::default();
        lines.push(&[], "  worker 17\tstarted  in size=35 ");
        lines.push(&[], "");
        lines.push(&[Regex::new("st.rt").unwrap()], "job 4 start");
        let first = lines.get(0);
        assert_eq!(first.len(), 5);
        assert_eq!(first.text(), "worker <*> started in size=<*>");
        assert_eq!(
            first.iter().collect::<Vec<_>>(),
            ["worker", "<*>", "started", "in", "size=<*>"]
        );
        assert_eq!((lines.get(1).len(), lines.get(1).text()), (0, ""));
        assert_eq!(
            lines.get(2).iter().collect::<Vec<_>>(),
            ["job", "<*>", "<*>"]
        );
        assert_eq!(lines.get(3).len(), 0);
        lines.clear();
        lines.push(&[], "x y");
        assert_eq!(lines.get(0).text(), "x y");
    }
}
