//! A bloom filter over 64-bit term hashes, about 1% false positives.
//!
//! Terms are hashed with FNV-1a (stable across builds and platforms, since the hashes are
//! stored) followed by a 64-bit finalizer mix; the k probe positions come from double hashing
//! the two halves of that hash.

/// Bits per distinct term: 10 bits and 7 probes give about 0.8% false positives.
const BITS_PER_TERM: usize = 10;
/// Probes per term.
const PROBES: u32 = 7;

/// Hash of a token as indexed: ASCII-lowercased.
pub fn token_hash(token: &[u8]) -> u64 {
    let mut h = Fnv::new();
    h.write_lowercase(token);
    h.finish()
}

/// Hash of `field \0 lowercased whole value`.
pub fn field_value_hash(field: &str, value: &[u8]) -> u64 {
    let mut h = Fnv::new();
    h.write(field.as_bytes());
    h.write(&[0]);
    h.write_lowercase(value);
    h.finish()
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_lowercase(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        z = (z ^ (z >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        z ^ (z >> 33)
    }
}

/// A bloom filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bloom {
    words: Vec<u64>,
}

impl Bloom {
    /// A filter holding exactly the given term hashes (duplicates are fine).
    pub fn from_hashes(hashes: &mut Vec<u64>) -> Self {
        hashes.sort_unstable();
        hashes.dedup();
        let bits = (hashes.len() * BITS_PER_TERM).max(64);
        let mut bloom = Bloom {
            words: vec![0; bits.div_ceil(64)],
        };
        for h in hashes.iter() {
            bloom.insert(*h);
        }
        bloom
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
        if bytes.is_empty() || bytes.len() % 8 != 0 {
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

    #[test]
    fn holds_what_was_inserted_and_rarely_anything_else() {
        let mut hashes: Vec<u64> = (0..10_000)
            .map(|i| token_hash(format!("10.0.{}.{}", i / 256, i % 256).as_bytes()))
            .collect();
        let bloom = Bloom::from_hashes(&mut hashes);
        let bloom = Bloom::from_bytes(&bloom.to_bytes()).unwrap();
        assert!(bloom.may_contain(token_hash(b"10.0.3.7")));
        assert!(bloom.may_contain(token_hash(b"10.0.3.7".to_ascii_uppercase().as_slice())));
        let false_hits = (0..10_000)
            .filter(|i| bloom.may_contain(token_hash(format!("absent-{i}").as_bytes())))
            .count();
        assert!(false_hits < 200, "{false_hits} false positives in 10000");
        assert_ne!(field_value_hash("a", b"b"), field_value_hash("a\0b", b""));
    }
}
