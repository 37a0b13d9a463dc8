//! Building a segment file image from events.

use super::format::{BlockMeta, Footer, SectionRef, MAGIC};
use super::{section_aad, Segment};
use crate::{
    bloom::{field_value_hash, index_term_hashes, Bloom, RunScratch},
    column::{encode_ints, ColumnBuilder},
    error::StoreError,
};
use palisade_core::{fields, seal::KeyRef, tokenize::is_major_breaker, Event, Sealer, Value};
use std::{collections::HashMap, path::Path};

/// Everything a segment writer needs besides the events.
pub struct SegmentSpec<'a> {
    /// Owner of the events.
    pub tenant: &'a str,
    /// Partition (UTC day) name.
    pub partition: &'a str,
    /// Seq of the flush writing it.
    pub flush_seq: u64,
    /// Events per block.
    pub block_events: usize,
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
    /// Term hashes of the block being built (kept to reuse the allocation).
    hashes: Vec<u64>,
}

impl ImageWriter<'_> {
    /// Compresses (unless `raw`), seals and appends one section.
    fn section(
        &mut self,
        block: usize,
        name: &str,
        plain: Vec<u8>,
        compress: bool,
    ) -> Result<SectionRef, StoreError> {
        let raw_len = u32::try_from(plain.len())
            .map_err(|_| StoreError::corrupt(self.path, "section larger than 4 GiB"))?;
        let stored = if compress {
            self.compressor
                .compress(&plain)
                .map_err(|e| StoreError::io(self.path, e))?
        } else {
            plain
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

    fn block(&mut self, index: usize, events: &[&Event]) -> Result<(BlockMeta, Bloom), StoreError> {
        let rows = events.len();
        let mut hashes = std::mem::take(&mut self.hashes);
        let mut scratch = RunScratch::default();
        hashes.clear();
        let mut columns: Vec<(&str, ColumnBuilder)> = Vec::new();
        let mut column_of: HashMap<&str, usize> = HashMap::new();
        // Events of one source list their fields in the same order: guess each field's column
        // from its position in the previous event before falling back to the map.
        let mut slot_at_position: Vec<usize> = Vec::new();
        for (row, event) in events.iter().enumerate() {
            let raw = event.get_str(fields::RAW_DATA).unwrap_or("");
            let message = event.get_str(fields::MESSAGE).unwrap_or("");
            // A message that is the tail of its raw data is stored as a length.
            let message_is_raw_tail = !message.is_empty() && raw.ends_with(message);
            for (position, (path, value)) in event.fields.iter().enumerate() {
                let guess = slot_at_position.get(position).copied();
                let slot = match guess.filter(|s| columns[*s].0 == &**path) {
                    Some(slot) => slot,
                    None => {
                        let slot = *column_of.entry(&**path).or_insert_with(|| {
                            columns.push((&**path, ColumnBuilder::default()));
                            columns.len() - 1
                        });
                        if position < slot_at_position.len() {
                            slot_at_position[position] = slot;
                        } else {
                            slot_at_position.push(slot);
                        }
                        slot
                    }
                };
                if message_is_raw_tail && path == fields::MESSAGE {
                    columns[slot].1.push_raw_suffix(row, message.len());
                } else {
                    columns[slot].1.push(row, value);
                }
                index_whole_value(path, value, &mut hashes);
            }
            index_free_text(raw, message, &mut hashes, &mut scratch);
        }
        let bloom = Bloom::from_hashes(&mut hashes);
        self.hashes = hashes;
        let min_time = events.iter().map(|e| e.time).min().unwrap_or(0);
        let max_time = events.iter().map(|e| e.time).max().unwrap_or(0);
        let min_id = events.iter().map(|e| e.id).min().unwrap_or(0);
        let max_id = events.iter().map(|e| e.id).max().unwrap_or(0);
        let bloom_ref = self.section(index, "bloom", bloom.to_bytes(), false)?;
        let time = self.section(
            index,
            "time",
            encode_ints(events.iter().map(|e| e.time)),
            true,
        )?;
        let id_col = encode_ints(events.iter().map(|e| e.id as i64));
        let id = self.section(index, "id", id_col, true)?;
        let mut column_refs = Vec::with_capacity(columns.len());
        for (name, builder) in columns {
            let section = self.section(index, &format!("f:{name}"), builder.finish(rows), true)?;
            column_refs.push((name.to_owned(), section));
        }
        let meta = BlockMeta {
            rows: rows as u32,
            min_time,
            max_time,
            min_id,
            max_id,
            bloom: bloom_ref,
            time,
            id,
            columns: column_refs,
        };
        Ok((meta, bloom))
    }
}

/// Adds the whole value of a field when the shared rule ([`fields::field_value_is_indexed`])
/// keeps it.
fn index_whole_value(path: &str, value: &Value, hashes: &mut Vec<u64>) {
    if let Value::Str(text) = value {
        if fields::field_value_is_indexed(path, text) {
            hashes.push(field_value_hash(path, text.as_bytes()));
        }
    }
}

/// Adds the index terms of `raw_data` and `message`, reading each byte once: a message is
/// usually the tail of its raw data, so the raw data is tokenized up to where the message
/// starts, then the message, then the one major token of the raw data that straddles that
/// point (a BOM or other glued bytes before the message). Together they hold every term of
/// both texts.
fn index_free_text(raw: &str, message: &str, hashes: &mut Vec<u64>, scratch: &mut RunScratch) {
    let (raw, message) = (raw.as_bytes(), message.as_bytes());
    if message.is_empty() || !raw.ends_with(message) {
        index_term_hashes(raw, hashes, scratch);
        index_term_hashes(message, hashes, scratch);
        return;
    }
    let split = raw.len() - message.len();
    index_term_hashes(&raw[..split], hashes, scratch);
    index_term_hashes(message, hashes, scratch);
    if split > 0 && !is_major_breaker(raw[split - 1]) && !is_major_breaker(raw[split]) {
        let start = raw[..split]
            .iter()
            .rposition(|b| is_major_breaker(*b))
            .map_or(0, |i| i + 1);
        let end = split
            + message
                .iter()
                .position(|b| is_major_breaker(*b))
                .unwrap_or(message.len());
        index_term_hashes(&raw[start..end], hashes, scratch);
    }
}

/// Writes the events (in id order, at least one) as a segment at `path`, durably: a `.tmp`
/// file, fsync, rename, fsync of the directory. Returns the segment, ready to search.
pub fn write_segment(
    path: &Path,
    spec: &SegmentSpec<'_>,
    events: &[&Event],
    sealer: &dyn Sealer,
) -> Result<Segment, StoreError> {
    let compressor =
        zstd::bulk::Compressor::new(spec.zstd_level).map_err(|e| StoreError::io(path, e))?;
    let mut w = ImageWriter {
        spec,
        sealer,
        path,
        image: Vec::with_capacity(events.len() * 64),
        keys: Vec::new(),
        compressor,
        hashes: Vec::new(),
    };
    w.image.extend_from_slice(MAGIC);
    let mut blocks = Vec::new();
    let mut blooms = Vec::new();
    for (index, chunk) in events.chunks(spec.block_events.max(1)).enumerate() {
        let (meta, bloom) = w.block(index, chunk)?;
        blocks.push(meta);
        blooms.push(bloom);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bloom::term_hash;
    use proptest::prelude::*;

    fn assert_covers(raw: &str, message: &str) {
        let mut hashes = Vec::new();
        index_free_text(raw, message, &mut hashes, &mut RunScratch::default());
        for text in [raw, message] {
            palisade_core::tokenize::for_each_index_term(text.as_bytes(), |term| {
                let lower = term.to_ascii_lowercase();
                assert!(
                    hashes.contains(&term_hash(&lower)),
                    "{:?} of {text:?} (raw {raw:?}, message {message:?})",
                    String::from_utf8_lossy(term)
                );
            });
        }
    }

    #[test]
    fn a_message_glued_to_its_header_by_a_bom_keeps_every_term() {
        assert_covers("<13>1 - h app - - - \u{feff}seq: 42 done", "seq: 42 done");
        assert_covers("<13>1 - h app - - - x.y:z", "y:z");
        assert_covers("whole", "whole");
        assert_covers("a b", "unrelated c.d");
    }

    proptest! {
        #[test]
        fn raw_and_message_terms_are_all_indexed(head in "[a. :=\u{feff}-]{0,10}", tail in "[a1. :=-]{0,14}") {
            let raw = format!("{head}{tail}");
            assert_covers(&raw, &tail);
        }
    }
}
