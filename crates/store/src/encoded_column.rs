//! A finished block's encoded field column, handed over without copying its text.
//!
//! A column builder keeps its string bytes after a reserved gap; when the block is finished,
//! the column's header and cells are written into the end of that gap, just before the
//! strings, and the builder's buffer itself becomes the encoded column (see [`crate::column`]
//! for the encoding). The bytes are exactly those [`crate::column::ColumnBuilder::encode`]
//! returns; only where they begin in their buffer differs.

use std::ops::Deref;

/// An encoded column: the bytes of `buffer` from `start` on.
#[derive(Debug, Clone)]
pub struct EncodedColumn {
    buffer: Vec<u8>,
    start: usize,
}

impl EncodedColumn {
    /// The encoded column that begins `start` bytes into `buffer` (at its end if `start` is
    /// past it).
    pub fn new(buffer: Vec<u8>, start: usize) -> Self {
        let start = start.min(buffer.len());
        EncodedColumn { buffer, start }
    }

    /// The encoded bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.buffer[self.start..]
    }
}

impl From<Vec<u8>> for EncodedColumn {
    fn from(buffer: Vec<u8>) -> Self {
        EncodedColumn { buffer, start: 0 }
    }
}

impl Deref for EncodedColumn {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for EncodedColumn {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for EncodedColumn {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_compare_and_read_by_their_bytes_wherever_they_begin() {
        let moved = EncodedColumn::new(b"\0\0\0abc".to_vec(), 3);
        let copied = EncodedColumn::from(b"abc".to_vec());
        assert_eq!(moved, copied);
        assert_eq!(&*moved, b"abc");
        assert!(EncodedColumn::new(vec![1, 2], 9).is_empty());
    }
}
