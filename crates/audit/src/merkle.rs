//! The RFC 6962 Merkle tree over the audit records (RFC 6962 §2.1, as restated in RFC 9162).
//!
//! Leaf hash = SHA-256(0x00 || record), node hash = SHA-256(0x01 || left || right); the tree of
//! `n` leaves splits at the largest power of two below `n`. Every complete, aligned subtree is
//! kept, so a root or a proof for any tree size up to the current one costs O(log² n) hashes
//! (64 bytes of memory per record).

use ring::digest::{Context, SHA256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// SHA-256 of `parts`, concatenated.
fn sha256(parts: &[&[u8]]) -> Hash {
    let mut ctx = Context::new(&SHA256);
    for part in parts {
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// SHA-256 of `bytes`.
pub fn sha256_of(bytes: &[u8]) -> Hash {
    sha256(&[bytes])
}

/// The leaf hash of one record: SHA-256(0x00 || record).
pub fn leaf_hash(record: &[u8]) -> Hash {
    sha256(&[&[0x00], record])
}

/// The hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    sha256(&[&[0x01], left, right])
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    sha256(&[])
}

/// The largest power of two strictly below `n` (`n` ≥ 2).
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Why a proof cannot be produced.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// The leaf index is not inside the tree asked about.
    #[error("index {index} is outside a tree of {size} records")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree size asked for.
        size: u64,
    },
    /// The tree size asked for is larger than the log.
    #[error("tree size {asked} is larger than the log ({have} records)")]
    SizeTooLarge {
        /// The size asked for.
        asked: u64,
        /// The size of the log.
        have: u64,
    },
    /// A consistency proof needs 0 < first ≤ second.
    #[error("a consistency proof needs 0 < first <= second (got first={first}, second={second})")]
    BadRange {
        /// The older size.
        first: u64,
        /// The newer size.
        second: u64,
    },
}

/// Every complete aligned subtree of the log: `levels[k][i]` is the hash of leaves
/// `i·2^k .. (i+1)·2^k`.
#[derive(Debug, Default, Clone)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a leaf hash, completing every subtree it closes.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            if row.len() % 2 == 1 {
                return;
            }
            hash = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
        }
    }

    /// The leaf hash at `index`, if present.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()?
            .get(usize::try_from(index).ok()?)
            .copied()
    }

    /// MTH(D[start..end]); callers guarantee `start < end <= len` and that `start` is aligned
    /// to the largest power of two not above `end - start`, as every RFC 6962 split is.
    fn subtree(&self, start: u64, end: u64) -> Hash {
        let n = end - start;
        if n.is_power_of_two() {
            let level = n.trailing_zeros() as usize;
            return self.levels[level][(start >> level) as usize];
        }
        let k = split_point(n);
        node_hash(
            &self.subtree(start, start + k),
            &self.subtree(start + k, end),
        )
    }

    /// The root of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        Ok(if size == 0 {
            empty_root()
        } else {
            self.subtree(0, size)
        })
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 6962 §2.1.1),
    /// nearest sibling first.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(size)?;
        if index >= size {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, &mut proof);
        Ok(proof)
    }

    fn path(&self, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) {
        let n = end - start;
        if n == 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, start, start + k, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.path(m - k, start + k, end, out);
            out.push(self.subtree(start, start + k));
        }
    }

    /// The proof that the tree of `first` leaves is a prefix of the tree of `second` leaves
    /// (RFC 6962 §2.1.2).
    pub fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(second)?;
        if first == 0 || first > second {
            return Err(ProofError::BadRange { first, second });
        }
        let mut proof = Vec::new();
        self.subproof(first, 0, second, true, &mut proof);
        Ok(proof)
    }

    fn subproof(&self, m: u64, start: u64, end: u64, complete: bool, out: &mut Vec<Hash>) {
        let n = end - start;
        if m == n {
            if !complete {
                out.push(self.subtree(start, end));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, start + k, complete, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.subproof(m - k, start + k, end, false, out);
            out.push(self.subtree(start, start + k));
        }
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        if size > self.len() {
            return Err(ProofError::SizeTooLarge {
                asked: size,
                have: self.len(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MTH straight from the RFC's recursive definition, over the raw leaves.
    fn reference_root(leaves: &[Vec<u8>]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn roots_match_the_recursive_definition_for_every_size() {
        let leaves: Vec<Vec<u8>> = (0..70u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let mut tree = MerkleTree::new();
        for leaf in &leaves {
            tree.push(leaf_hash(leaf));
        }
        for size in 0..=leaves.len() {
            assert_eq!(
                tree.root(size as u64).unwrap(),
                reference_root(&leaves[..size])
            );
        }
    }

    #[test]
    fn empty_tree_root_is_the_hash_of_nothing() {
        // SHA-256("") per FIPS 180-4.
        let expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            crate::hex::encode(&MerkleTree::new().root(0).unwrap()),
            expected
        );
    }

    #[test]
    fn out_of_range_requests_are_refused() {
        let mut tree = MerkleTree::new();
        tree.push(leaf_hash(b"a"));
        assert!(tree.inclusion_proof(1, 1).is_err());
        assert!(tree.inclusion_proof(0, 2).is_err());
        assert!(tree.consistency_proof(0, 1).is_err());
        assert!(tree.consistency_proof(2, 1).is_err());
        assert!(tree.root(2).is_err());
    }
}
