//! Remembering what a block's index already holds: major tokens seen, and a hasher for keys
//! that are hashes already.

use crate::bloom::token_hash;
use std::{
    collections::HashMap,
    hash::{BuildHasherDefault, Hasher},
};

/// Major tokens already indexed, by their hash, with their bytes to rule out collisions.
#[derive(Default)]
pub struct SeenTokens {
    bytes: Vec<u8>,
    at: HashMap<u64, (usize, usize), BuildHasherDefault<PassThroughHasher>>,
}

impl SeenTokens {
    /// Remembers `token`; false if it was seen before.
    pub fn first_time(&mut self, token: &[u8]) -> bool {
        let key = token_hash(token);
        if let Some((start, end)) = self.at.get(&key) {
            // A different token with the same hash is indexed every time, never skipped.
            return self.bytes.get(*start..*end) != Some(token);
        }
        let start = self.bytes.len();
        self.bytes.extend_from_slice(token);
        self.at.insert(key, (start, self.bytes.len()));
        true
    }
}

/// A hasher for keys that are already well-mixed 64-bit hashes: it uses them as they are.
#[derive(Default)]
pub struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_new_once() {
        let mut seen = SeenTokens::default();
        assert!(seen.first_time(b"2024-11-23T08:20:00"));
        assert!(!seen.first_time(b"2024-11-23T08:20:00"));
        assert!(seen.first_time(b"2024-11-23T08:20:01"));
        assert!(!seen.first_time(b"2024-11-23T08:20:01"));
    }
}
