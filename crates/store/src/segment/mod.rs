//! Segments: immutable files of sealed, compressed, columnar blocks with bloom filters.

mod build;
mod changed;
pub mod format;
mod read;
mod terms;
mod write;

pub use build::{BlockBuilder, PreparedBlock};
pub use read::LoadedBlock;
pub use write::{write_segment, SegmentSpec};

use crate::bloom::Bloom;
use format::Footer;
use std::path::PathBuf;

/// An open segment: its footer and bloom filters in memory, the columns on disk.
#[derive(Debug)]
pub struct Segment {
    /// The file.
    pub path: PathBuf,
    /// What the footer says.
    pub footer: Footer,
    /// One bloom filter per block; empty when the sealer could not open them at load.
    pub blooms: Vec<Bloom>,
    /// File size.
    pub bytes: u64,
}

impl Segment {
    fn new(path: PathBuf, footer: Footer, blooms: Vec<Bloom>, bytes: u64) -> Self {
        Segment {
            path,
            footer,
            blooms,
            bytes,
        }
    }

    /// Events in the segment.
    pub fn events(&self) -> u64 {
        self.footer.blocks.iter().map(|b| u64::from(b.rows)).sum()
    }

    /// Latest event time in the segment.
    pub fn max_time(&self) -> i64 {
        self.footer
            .blocks
            .iter()
            .map(|b| b.max_time)
            .max()
            .unwrap_or(i64::MIN)
    }
}

/// The additional data bound to a sealed section: where it belongs, so a section moved to
/// another tenant, partition, segment, block or column does not open.
pub fn section_aad(
    tenant: &str,
    partition: &str,
    flush_seq: u64,
    block: usize,
    name: &str,
) -> Vec<u8> {
    format!("{tenant}/{partition}/{flush_seq}/{block}/{name}").into_bytes()
}
