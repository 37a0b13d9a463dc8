//! Writing a segment file from finished blocks: compress, seal, append, footer, fsync.

use super::build::PreparedBlock;
use super::format::{BlockMeta, Footer, SectionRef, MAGIC};
use super::{section_aad, Segment};
use crate::{bloom::Bloom, column::encode_ints, error::StoreError};
use palisade_core::{seal::KeyRef, Sealer};
use std::{path::Path, sync::Arc};

/// Everything a segment writer needs besides the events.
pub struct SegmentSpec<'a> {
    /// Owner of the events.
    pub tenant: &'a str,
    /// Partition (UTC day) name.
    pub partition: &'a str,
    /// Seq of the flush writing it.
    pub flush_seq: u64,
    /// zstd level.
    pub zstd_level: i32,
}

/// Accumulates the file image.
struct ImageWriter<'a> {
    spec: &'a SegmentSpec<'a>,
    sealer: &'a dyn Sealer,
    path: &'a Path,
    image: Vec<u8>,
    keys: Vec<KeyRef>,
    compressor: zstd::bulk::Compressor<'static>,
    /// The last section compressed.
    compressed: Vec<u8>,
}

impl ImageWriter<'_> {
    /// Compresses (unless `raw`), seals and appends one section.
    fn section(
        &mut self,
        block: usize,
        name: &str,
        plain: &[u8],
        compress: bool,
    ) -> Result<SectionRef, StoreError> {
        let raw_len = u32::try_from(plain.len())
            .map_err(|_| StoreError::corrupt(self.path, "section larger than 4 GiB"))?;
        let stored = if compress {
            // Into a buffer reused across sections, then copied at its compressed size:
            // `compress` would hand over a fresh allocation as large as the input each time.
            self.compressed.clear();
            self.compressed
                .reserve(zstd::zstd_safe::compress_bound(plain.len()));
            self.compressor
                .compress_to_buffer(plain, &mut self.compressed)
                .map_err(|e| StoreError::io(self.path, e))?;
            self.compressed.clone()
        } else {
            plain.to_vec()
        };
        let aad = section_aad(
            self.spec.tenant,
            self.spec.partition,
            self.spec.flush_seq,
            block,
            name,
        );
        let (key, sealed) = self
            .sealer
            .seal(self.spec.tenant, &aad, stored)
            .map_err(|e| StoreError::Seal {
                path: self.path.to_owned(),
                detail: e.to_string(),
            })?;
        let key_index = match self.keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.keys.push(key);
                self.keys.len() - 1
            }
        };
        let section = SectionRef {
            offset: self.image.len() as u64,
            len: u32::try_from(sealed.len())
                .map_err(|_| StoreError::corrupt(self.path, "sealed section larger than 4 GiB"))?,
            crc: crc32fast::hash(&sealed),
            key: key_index as u32,
            raw_len,
        };
        self.image.extend_from_slice(&sealed);
        Ok(section)
    }

    fn block(&mut self, index: usize, block: &PreparedBlock) -> Result<BlockMeta, StoreError> {
        let bloom = block.bloom.as_ref().map(Bloom::to_bytes).ok_or_else(|| {
            StoreError::Failed("a block without its index cannot be written".into())
        })?;
        let bloom_ref = self.section(index, "bloom", &bloom, false)?;
        let time = self.section(
            index,
            "time",
            &encode_ints(block.times.iter().copied()),
            true,
        )?;
        let id_col = encode_ints(block.ids.iter().map(|id| *id as i64));
        let id = self.section(index, "id", &id_col, true)?;
        let mut column_refs = Vec::with_capacity(block.columns.len());
        for (name, encoded) in &block.columns {
            let section = self.section(index, &format!("f:{name}"), encoded, true)?;
            column_refs.push((name.clone(), section));
        }
        Ok(BlockMeta {
            rows: block.rows() as u32,
            min_time: block.time_range.0,
            max_time: block.time_range.1,
            min_id: block.min_id(),
            max_id: block.max_id(),
            bloom: bloom_ref,
            time,
            id,
            columns: column_refs,
        })
    }
}

/// Writes the finished blocks (in id order, at least one) as a segment at `path`, durably: a
/// `.tmp` file, fsync, rename, fsync of the directory. Returns the segment, ready to search.
pub fn write_segment(
    path: &Path,
    spec: &SegmentSpec<'_>,
    prepared: &[Arc<PreparedBlock>],
    sealer: &dyn Sealer,
) -> Result<Segment, StoreError> {
    let compressor =
        zstd::bulk::Compressor::new(spec.zstd_level).map_err(|e| StoreError::io(path, e))?;
    let mut w = ImageWriter {
        spec,
        sealer,
        path,
        image: Vec::with_capacity(prepared.iter().map(|b| b.rows()).sum::<usize>() * 64),
        keys: Vec::new(),
        compressor,
        compressed: Vec::new(),
    };
    w.image.extend_from_slice(MAGIC);
    let mut blocks = Vec::new();
    let mut blooms = Vec::new();
    for (index, block) in prepared.iter().enumerate() {
        blocks.push(w.block(index, block)?);
        blooms.extend(block.bloom.clone());
    }
    let footer = Footer {
        tenant: spec.tenant.to_owned(),
        partition: spec.partition.to_owned(),
        flush_seq: spec.flush_seq,
        keys: std::mem::take(&mut w.keys),
        blocks,
    };
    let mut image = w.image;
    footer.write_to(&mut image);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = Path::new(&tmp);
    std::fs::write(tmp, &image).map_err(|e| StoreError::io(tmp, e))?;
    std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::io(tmp, e))?;
    std::fs::rename(tmp, path).map_err(|e| StoreError::io(path, e))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::fsutil::sync_dir(dir).map_err(|e| StoreError::io(dir, e))?;
    Ok(Segment::new(
        path.to_owned(),
        footer,
        blooms,
        image.len() as u64,
    ))
}
