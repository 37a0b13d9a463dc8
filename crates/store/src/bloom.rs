//! A bloom filter over 64-bit term hashes, about 1% false positives.
//!
//! Terms are hashed eight bytes at a time with a multiply-xor-rotate round and a 64-bit
//! finalizer (our own definition, stable across builds and platforms, since the hashes are
//! stored); the k probe positions come from double hashing the two halves of that hash.

use crate::seen_tokens::SeenTokens;
use palisade_core::tokenize::{for_each_major_with_parts, for_each_run, minor_parts};

/// Bits per distinct term: 10 bits and 7 probes give about 0.8% false positives.
const BITS_PER_TERM: usize = 10;
/// Probes per term.
const PROBES: u32 = 7;
const SEED: u64 = 0x243f_6a88_85a3_08d3;
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// Hash of a token as indexed: ASCII-lowercased.
pub fn token_hash(token: &[u8]) -> u64 {
    let mut h = TermHasher(SEED);
    h.write(token, true);
    h.finish()
}

/// Seed of run hashes, so a run never collides with a token by construction.
const RUN_SEED: u64 = 0x1319_8a2e_0370_7344;

/// Scratch space for [`index_term_hashes`], reused across calls for the terms of one block.
/// It remembers the tokens of several parts it has indexed (timestamps, addresses, paths),
/// whose many run terms are then not hashed again.
#[derive(Default)]
pub struct RunScratch {
    parts: Vec<u64>,
    separators: Vec<u64>,
    seen: SeenTokens,
}

/// Appends the hash of every index term of `text`
/// (`palisade_core::tokenize::for_each_index_term`): each minor part is hashed once, and each
/// run of parts is hashed from its parts' and separators' hashes, so the bytes are read once.
/// Terms of a token of several parts that `scratch` already indexed are not appended again:
/// they are in the block's terms already.
pub fn index_term_hashes(text: &[u8], hashes: &mut Vec<u64>, scratch: &mut RunScratch) {
    for_each_major_with_parts(text, |token, parts| {
        if let [(start, end)] = parts {
            hashes.push(token_hash(&token[*start..*end]));
            return;
        }
        if !scratch.seen.first_time(token) {
            return;
        }
        piece_hashes(token, parts, scratch);
        hashes.extend_from_slice(&scratch.parts);
        for_each_run(parts.len(), |first, last| {
            hashes.push(run_hash(
                &scratch.parts[first..=last],
                &scratch.separators[first..last],
            ));
        });
    });
}

/// The hash a term has in the index: a single part's token hash, or a run's combined hash.
pub fn term_hash(term: &[u8]) -> u64 {
    let mut parts = Vec::new();
    minor_parts(term, &mut parts);
    match parts.as_slice() {
        [(0, end)] if *end == term.len() => token_hash(term),
        _ => {
            let mut scratch = RunScratch::default();
            piece_hashes(term, &parts, &mut scratch);
            run_hash(&scratch.parts, &scratch.separators)
        }
    }
}

/// Hashes of the parts of `token` and of the separators between consecutive parts.
fn piece_hashes(token: &[u8], parts: &[(usize, usize)], scratch: &mut RunScratch) {
    scratch.parts.clear();
    scratch.separators.clear();
    for (i, (start, end)) in parts.iter().enumerate() {
        if i > 0 {
            scratch
                .separators
                .push(token_hash(&token[parts[i - 1].1..*start]));
        }
        scratch.parts.push(token_hash(&token[*start..*end]));
    }
}

/// Combines the hashes of a run's parts and of the separators between them.
fn run_hash(parts: &[u64], separators: &[u64]) -> u64 {
    let mut h = TermHasher(RUN_SEED);
    for (i, part) in parts.iter().enumerate() {
        if let Some(separator) = i.checked_sub(1).and_then(|s| separators.get(s)) {
            h.mix(*separator);
        }
        h.mix(*part);
    }
    h.finish()
}

/// Hash of `field \0 lowercased whole value`.
pub fn field_value_hash(field: &str, value: &[u8]) -> u64 {
    let mut h = TermHasher(SEED);
    h.write(field.as_bytes(), false);
    h.write(&[0], false);
    h.write(value, true);
    h.finish()
}

struct TermHasher(u64);

impl TermHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(MULTIPLIER).rotate_left(29);
    }

    /// Feeds `bytes` (and their length, so that piece boundaries count).
    fn write(&mut self, bytes: &[u8], lowercase: bool) {
        let fold = |w: u64| {
            if lowercase {
                ascii_lowercase_word(w)
            } else {
                w
            }
        };
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            self.mix(fold(u64::from_le_bytes(w)));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        self.mix(fold(u64::from_le_bytes(w)) ^ ((bytes.len() as u64) << 56));
    }

    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        z = (z ^ (z >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        z ^ (z >> 33)
    }
}

/// Lowercases the ASCII letters among eight bytes at once (other bytes unchanged).
fn ascii_lowercase_word(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = w & !HIGH;
    // High bit of each byte: byte >= 'A', byte > 'Z' (for bytes below 0x80).
    let ge_a = low7 + ONES * (0x80 - u64::from(b'A'));
    let gt_z = low7 + ONES * (0x7f - u64::from(b'Z'));
    let upper = (ge_a ^ gt_z) & !w & HIGH;
    w | (upper >> 2)
}

/// A bloom filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bloom {
    words: Vec<u64>,
}

impl Bloom {
    /// A filter sized for and holding `hashes`, which are all different.
    pub fn from_distinct(hashes: impl ExactSizeIterator<Item = u64>) -> Self {
        let bits = (hashes.len() * BITS_PER_TERM).max(64);
        let mut bloom = Bloom {
            words: vec![0; bits.div_ceil(64)],
        };
        for h in hashes {
            bloom.insert(h);
        }
        bloom
    }

    /// Size of the filter in bytes.
    pub fn bytes(&self) -> usize {
        self.words.len() * 8
    }

    fn bit_count(&self) -> u64 {
        self.words.len() as u64 * 64
    }

    fn probes(&self, hash: u64) -> impl Iterator<Item = u64> {
        let bits = self.bit_count();
        let h1 = hash & 0xffff_ffff;
        let h2 = (hash >> 32) | 1;
        (0..u64::from(PROBES)).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) % bits)
    }

    fn insert(&mut self, hash: u64) {
        let bits = self.bit_count();
        let (h1, h2) = (hash & 0xffff_ffff, (hash >> 32) | 1);
        for i in 0..u64::from(PROBES) {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) % bits;
            self.words[(bit / 64) as usize] |= 1 << (bit % 64);
        }
    }

    /// False if the term was certainly never inserted.
    pub fn may_contain(&self, hash: u64) -> bool {
        self.probes(hash)
            .all(|bit| self.words[(bit / 64) as usize] & (1 << (bit % 64)) != 0)
    }

    /// The filter as bytes (little-endian words).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// A filter written by [`Bloom::to_bytes`]; `None` if the length is not whole words.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.is_empty() || !bytes.chunks_exact(8).remainder().is_empty() {
            return None;
        }
        let words = bytes
            .chunks_exact(8)
            .map(|c| {
                let mut w = [0u8; 8];
                w.copy_from_slice(c);
                u64::from_le_bytes(w)
            })
            .collect();
        Some(Bloom { words })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every term the tokenizer says the index holds probes to a hash the indexer stored.
        #[test]
        fn every_index_term_is_found_by_its_term_hash(text in "[aB1 .:/=-]{0,24}") {
            let mut stored = Vec::new();
            index_term_hashes(text.as_bytes(), &mut stored, &mut RunScratch::default());
            palisade_core::tokenize::for_each_index_term(text.as_bytes(), |term| {
                let lower = term.to_ascii_lowercase();
                assert!(stored.contains(&term_hash(&lower)), "{:?} of {text:?}", String::from_utf8_lossy(term));
            });
        }
    }

    #[test]
    fn runs_are_told_apart_by_their_separators_and_parts() {
        assert_ne!(term_hash(b"10.1"), term_hash(b"10:1"));
        assert_ne!(term_hash(b"10.1"), term_hash(b"10.2"));
        assert_eq!(term_hash(b"web01"), token_hash(b"WEB01"));
    }

    #[test]
    fn holds_what_was_inserted_and_rarely_anything_else() {
        let hashes: Vec<u64> = (0..10_000)
            .map(|i| token_hash(format!("10.0.{}.{}", i / 256, i % 256).as_bytes()))
            .collect();
        let bloom = Bloom::from_distinct(hashes.into_iter());
        let bloom = Bloom::from_bytes(&bloom.to_bytes()).unwrap();
        assert!(bloom.may_contain(token_hash(b"10.0.3.7")));
        assert!(bloom.may_contain(token_hash(b"10.0.3.7".to_ascii_uppercase().as_slice())));
        let false_hits = (0..10_000)
            .filter(|i| bloom.may_contain(token_hash(format!("absent-{i}").as_bytes())))
            .count();
        assert!(false_hits < 200, "{false_hits} false positives in 10000");
        assert_ne!(field_value_hash("a", b"b"), field_value_hash("a\0b", b""));
        assert_ne!(token_hash(b"ab"), token_hash(b"ab\0"));
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b, 0, b'Q', b, 0xff, b'@', b'[', b]);
            let expected =
                u64::from_le_bytes(
                    [0, 0, b'Q', 0, 0xff, b'@', b'[', 0].map(|x| x.to_ascii_lowercase()),
                ) | u64::from_le_bytes([b, 0, 0, b, 0, 0, 0, b].map(|x| x.to_ascii_lowercase()));
            assert_eq!(ascii_lowercase_word(word), expected, "byte {b:#x}");
        }
    }
}
