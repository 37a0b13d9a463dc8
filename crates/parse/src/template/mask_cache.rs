//! Remembering how recent contents were masked. Masking is a pure function of a line's
//! content (and the per-format masks, fixed for a run), and real logs repeat contents: in the
//! Loghub samples about half the lines have a content an earlier line had (from 0% in HDFS to
//! 86% in Linux). A content seen before copies its masked tokens instead of masking again, so
//! the result is the same as masking; only the time differs.

use super::line::MaskedLines;
use super::text_keyed::TextKeyed;
use regex::Regex;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;
use std::ops::Range;

/// The most bytes of contents, masked text and token ends one cache keeps; when a new entry
/// would pass it, the cache starts again empty.
const MAX_BYTES: usize = 8 << 20;

/// Recent contents and how they were masked, all in reused buffers.
#[derive(Default)]
pub(super) struct MaskCache {
    /// Content → where its masked text and token ends are. A second content with the same
    /// hash is not kept.
    by_content: TextKeyed<Masking>,
    /// Every kept masked text, back to back.
    masked: String,
    /// Every kept line's token ends (counted from the start of its masked text).
    ends: Vec<usize>,
}

/// Where one remembered content's masked text and token ends are.
struct Masking {
    masked: Range<usize>,
    ends: Range<usize>,
}

impl MaskCache {
    /// Appends `content`'s masked tokens to `lines`, as [`MaskedLines::push`] would, copied
    /// from the cache when the same content was masked before.
    pub(super) fn push(&mut self, lines: &mut MaskedLines, masks: &[Regex], content: &str) {
        let hash = FxBuildHasher.hash_one(content);
        if let Some(kept) = self.by_content.get(hash, content) {
            lines.push_masked(
                &self.masked[kept.masked.clone()],
                &self.ends[kept.ends.clone()],
            );
            return;
        }
        lines.push(masks, content);
        if self.by_content.has_hash(hash) {
            return;
        }
        let (masked, ends) = lines.last();
        if self.kept_bytes() + content.len() + masked.len() + std::mem::size_of_val(ends)
            > MAX_BYTES
        {
            self.clear();
        }
        let start = (self.masked.len(), self.ends.len());
        self.masked.push_str(masked);
        self.ends.extend_from_slice(ends);
        let masking = Masking {
            masked: start.0..self.masked.len(),
            ends: start.1..self.ends.len(),
        };
        self.by_content.insert(hash, content, masking);
    }

    /// How many bytes of contents, masked text and token ends are kept.
    fn kept_bytes(&self) -> usize {
        self.by_content.key_bytes() + self.masked.len() + std::mem::size_of_val(&self.ends[..])
    }

    /// Forgets every content, keeping the buffers.
    fn clear(&mut self) {
        self.by_content.clear();
        self.masked.clear();
        self.ends.clear();
    }
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
        assert_eq!(cache.by_content.len(), 4);
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
        let kept = cache.kept_bytes();
        assert!(kept <= MAX_BYTES, "{kept} bytes kept");
        assert!(cache.by_content.len() < 2_000);
    }
}
