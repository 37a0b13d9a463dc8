//! Remembering how recent contents were masked. Masking is a pure function of a line's
//! content (and the per-format masks, fixed for a run), and real logs repeat contents: in the
//! Loghub samples about half the lines have a content an earlier line had (from 0% in HDFS to
//! 86% in Linux). A content seen before copies its masked tokens instead of masking again, so
//! the result is the same as masking; only the time differs.

use super::line::MaskedLines;
use regex::Regex;
use rustc_hash::{FxBuildHasher, FxHashMap};
use std::hash::BuildHasher;
use std::ops::Range;

/// The most bytes of contents, masked text and token ends one cache keeps; when a new entry
/// would pass it, the cache starts again empty.
const MAX_BYTES: usize = 8 << 20;

/// Recent contents and how they were masked, all in reused buffers.
#[derive(Default)]
pub(super) struct MaskCache {
    /// Content hash → entry. A second content with the same hash is not kept.
    by_hash: FxHashMap<u64, Entry>,
    /// Every kept content, back to back.
    contents: String,
    /// Every kept masked text, back to back.
    masked: String,
    /// Every kept line's token ends (counted from the start of its masked text).
    ends: Vec<usize>,
}

/// Where one remembered content and its masking are.
struct Entry {
    content: Range<usize>,
    masked: Range<usize>,
    ends: Range<usize>,
}

impl MaskCache {
    /// Appends `content`'s masked tokens to `lines`, as [`MaskedLines::push`] would, copied
    /// from the cache when the same content was masked before.
    pub(super) fn push(&mut self, lines: &mut MaskedLines, masks: &[Regex], content: &str) {
        let hash = FxBuildHasher.hash_one(content);
        if let Some(entry) = self.by_hash.get(&hash) {
            if self.contents.get(entry.content.clone()) == Some(content) {
                lines.push_masked(
                    &self.masked[entry.masked.clone()],
                    &self.ends[entry.ends.clone()],
                );
                return;
            }
            lines.push(masks, content);
            return;
        }
        lines.push(masks, content);
        let (masked, ends) = lines.last();
        let size = content.len() + masked.len() + std::mem::size_of_val(ends);
        if self.contents.len() + self.masked.len() + self.ends.len() * size_of::<usize>() + size
            > MAX_BYTES
        {
            self.clear();
        }
        let entry = Entry {
            content: append(&mut self.contents, content),
            masked: append(&mut self.masked, masked),
            ends: {
                let start = self.ends.len();
                self.ends.extend_from_slice(ends);
                start..self.ends.len()
            },
        };
        self.by_hash.insert(hash, entry);
    }

    /// Forgets every content, keeping the buffers.
    fn clear(&mut self) {
        self.by_hash.clear();
        self.contents.clear();
        self.masked.clear();
        self.ends.clear();
    }
}

/// Appends `text` to `buffer` and says where it went.
fn append(buffer: &mut String, text: &str) -> Range<usize> {
    let start = buffer.len();
    buffer.push_str(text);
    start..buffer.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked_texts(lines: &MaskedLines, count: usize) -> Vec<(String, Vec<String>)> {
        (0..count)
            .map(|i| {
                let tokens = lines.get(i);
                (
                    tokens.text().to_owned(),
                    tokens.iter().map(str::to_owned).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn a_repeated_content_is_masked_as_masking_it_again_would() {
        let masks = [Regex::new("job [a-z]+").unwrap()];
        let contents = [
            "worker 17 started in size=35",
            "job abc done at 10.0.0.1:80",
            "worker 17 started in size=35",
            "  odd\tspacing  here ",
            "",
            "job abc done at 10.0.0.1:80",
            "  odd\tspacing  here ",
            "",
        ];
        let (mut cached, mut plain) = (MaskedLines::default(), MaskedLines::default());
        let mut cache = MaskCache::default();
        for content in contents {
            cache.push(&mut cached, &masks, content);
            plain.push(&masks, content);
        }
        assert_eq!(
            masked_texts(&cached, contents.len()),
            masked_texts(&plain, contents.len())
        );
        assert_eq!(cache.by_hash.len(), 4);
    }

    #[test]
    fn a_full_cache_starts_again_and_still_masks_right() {
        let mut cache = MaskCache::default();
        let mut lines = MaskedLines::default();
        let long = "word ".repeat(1000);
        for i in 0..2_000 {
            lines.clear();
            let content = format!("{long}{i}");
            cache.push(&mut lines, &[], &content);
            assert_eq!(lines.get(0).len(), 1001);
            assert!(lines.get(0).text().ends_with("word <*>"));
        }
        let kept = cache.contents.len() + cache.masked.len() + cache.ends.len() * 8;
        assert!(kept <= MAX_BYTES, "{kept} bytes kept");
        assert!(cache.by_hash.len() < 2_000);
    }
}
