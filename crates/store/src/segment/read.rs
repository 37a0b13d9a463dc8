//! Opening segment files and loading the columns of a block.

use super::build::PreparedBlock;
use super::format::{Footer, SectionRef, MAGIC, TRAILER_BYTES};
use super::{section_aad, Segment};
use crate::{
    bloom::Bloom,
    column::{decode_ints, Column},
    error::StoreError,
    fsutil::read_exact_at,
};
use palisade_core::{fields, Sealer, ValueRef};
use std::{borrow::Cow, fs::File, path::Path};

impl Segment {
    /// Opens a segment: checks magic and footer CRC, decodes the footer and loads the bloom
    /// filters. Any damage is a [`StoreError::Corrupt`] naming the file. Bloom filters the
    /// sealer cannot open (key service sealed, tenant key destroyed) are left out: such a
    /// segment is searched without block skipping, and its blocks are reported unreadable
    /// for as long as the sealer refuses them.
    pub fn open(path: &Path, sealer: &dyn Sealer) -> Result<Segment, StoreError> {
        let io = |e| StoreError::io(path, e);
        let corrupt = |d: String| StoreError::corrupt(path, d);
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len < (MAGIC.len() + TRAILER_BYTES) as u64 {
            return Err(corrupt(format!(
                "only {len} bytes, too short for a segment"
            )));
        }
        let mut magic = [0u8; 8];
        read_exact_at(&file, &mut magic, 0).map_err(io)?;
        if &magic != MAGIC {
            return Err(corrupt("not a segment file (bad magic)".into()));
        }
        let mut trailer = [0u8; TRAILER_BYTES];
        read_exact_at(&file, &mut trailer, len - TRAILER_BYTES as u64).map_err(io)?;
        let (start, footer_len, crc) = Footer::locate(&trailer, len).map_err(corrupt)?;
        let mut footer_bytes = vec![0u8; footer_len as usize];
        read_exact_at(&file, &mut footer_bytes, start).map_err(io)?;
        if crc32fast::hash(&footer_bytes) != crc {
            return Err(corrupt("footer checksum mismatch".into()));
        }
        let footer = Footer::decode(&footer_bytes, start).map_err(corrupt)?;
        let mut segment = Segment::new(path.to_owned(), footer, Vec::new(), len);
        let mut blooms = Vec::with_capacity(segment.footer.blocks.len());
        for (index, block) in segment.footer.blocks.iter().enumerate() {
            let bytes =
                match segment.read_section(&file, sealer, index, "bloom", &block.bloom, false) {
                    Ok(bytes) => bytes,
                    Err(StoreError::Seal { .. }) => return Ok(segment),
                    Err(e) => return Err(e),
                };
            blooms
                .push(Bloom::from_bytes(&bytes).ok_or_else(|| corrupt("bad bloom filter".into()))?);
        }
        segment.blooms = blooms;
        Ok(segment)
    }

    fn read_section(
        &self,
        file: &File,
        sealer: &dyn Sealer,
        block: usize,
        name: &str,
        section: &SectionRef,
        compressed: bool,
    ) -> Result<Vec<u8>, StoreError> {
        let mut stored = vec![0u8; section.len as usize];
        read_exact_at(file, &mut stored, section.offset)
            .map_err(|e| StoreError::io(&self.path, e))?;
        if crc32fast::hash(&stored) != section.crc {
            return Err(StoreError::corrupt(
                &self.path,
                format!("block {block} section {name}: checksum mismatch"),
            ));
        }
        let f = &self.footer;
        let key = f.keys.get(section.key as usize).ok_or_else(|| {
            StoreError::corrupt(&self.path, format!("block {block}: unknown key"))
        })?;
        let aad = section_aad(&f.tenant, &f.partition, f.flush_seq, block, name);
        let plain = sealer
            .unseal(&f.tenant, key, &aad, stored)
            .map_err(|e| StoreError::Seal {
                path: self.path.clone(),
                detail: format!("block {block} section {name}: {e}"),
            })?;
        if !compressed {
            return Ok(plain);
        }
        let raw = zstd::bulk::decompress(&plain, section.raw_len as usize).map_err(|e| {
            StoreError::corrupt(&self.path, format!("block {block} section {name}: {e}"))
        })?;
        if raw.len() != section.raw_len as usize {
            return Err(StoreError::corrupt(
                &self.path,
                format!("block {block} section {name}: wrong decompressed size"),
            ));
        }
        Ok(raw)
    }

    /// Loads block `index`: the time column if `time`, the id column if `ids`, and the field
    /// columns named in `fields` (all of them if `None`). Absent columns read as null.
    pub fn load_block(
        &self,
        sealer: &dyn Sealer,
        index: usize,
        time: bool,
        ids: bool,
        fields: Option<&[String]>,
    ) -> Result<LoadedBlock, StoreError> {
        let meta = self
            .footer
            .blocks
            .get(index)
            .ok_or_else(|| StoreError::corrupt(&self.path, format!("no block {index}")))?;
        let file = File::open(&self.path).map_err(|e| StoreError::io(&self.path, e))?;
        let rows = meta.rows as usize;
        let bad = |what: &str| {
            StoreError::corrupt(&self.path, format!("block {index}: bad {what} column"))
        };
        let times = if time {
            let raw = self.read_section(&file, sealer, index, "time", &meta.time, true)?;
            decode_ints(&raw, rows).map_err(|_| bad("time"))?
        } else {
            Vec::new()
        };
        let id_values = if ids {
            let raw = self.read_section(&file, sealer, index, "id", &meta.id, true)?;
            let ints = decode_ints(&raw, rows).map_err(|_| bad("id"))?;
            ints.into_iter().map(|i| i as u64).collect()
        } else {
            Vec::new()
        };
        let fetch = |name: &str, section: &SectionRef| {
            let section_name = format!("f:{name}");
            self.read_section(&file, sealer, index, &section_name, section, true)
                .map(Cow::Owned)
        };
        let columns = decode_columns(&meta.columns, rows, fields, fetch, bad)?;
        Ok(LoadedBlock {
            rows,
            times,
            ids: id_values,
            columns,
        })
    }
}

impl PreparedBlock {
    /// Loads the time and id columns and the field columns named in `fields` (all of them if
    /// `None`) of a block held in memory.
    pub fn load(&self, fields: Option<&[String]>) -> Result<LoadedBlock, StoreError> {
        let bad = |what: &str| StoreError::Failed(format!("in-memory block: bad {what} column"));
        Ok(LoadedBlock {
            rows: self.rows(),
            times: self.times.clone(),
            ids: self.ids.clone(),
            columns: decode_columns(
                &self.columns,
                self.rows(),
                fields,
                |_, column| Ok(Cow::Borrowed(column.as_slice())),
                bad,
            )?,
        })
    }
}

/// Decodes the columns of `stored` named in `fields` (all if `None`) from the bytes `fetch`
/// returns for each; `raw_data` first, since `message` cells may be suffixes of it.
fn decode_columns<'s, S>(
    stored: &'s [(String, S)],
    rows: usize,
    fields: Option<&[String]>,
    fetch: impl Fn(&str, &'s S) -> Result<Cow<'s, [u8]>, StoreError>,
    bad: impl Fn(&str) -> StoreError,
) -> Result<Vec<(String, Column)>, StoreError> {
    let wanted = |name: &str| fields.is_none_or(|wanted| wanted.iter().any(|w| w == name));
    let load = |name: &str, section: &'s S, raw_data: Option<&Column>| {
        let bytes = fetch(name, section)?;
        Column::decode(&bytes, rows, raw_data).map_err(|_| bad(name))
    };
    let mut raw_data = match stored.iter().find(|(name, _)| name == fields::RAW_DATA) {
        Some((name, section)) if wanted(fields::MESSAGE) || wanted(name) => {
            Some(load(name, section, None)?)
        }
        _ => None,
    };
    let mut columns: Vec<(String, Column)> = Vec::new();
    for (name, section) in stored {
        if !wanted(name) {
            continue;
        }
        let column = match raw_data.take_if(|_| name == fields::RAW_DATA) {
            Some(raw) => raw,
            None => {
                let decoded_raw = columns.iter().find(|(n, _)| n == fields::RAW_DATA);
                let base = raw_data.as_ref().or(decoded_raw.map(|(_, c)| c));
                load(name, section, base)?
            }
        };
        columns.push((name.clone(), column));
    }
    Ok(columns)
}

/// Some or all columns of one block, decoded.
#[derive(Debug)]
pub struct LoadedBlock {
    /// Events in the block.
    pub rows: usize,
    /// Event times, if loaded.
    pub times: Vec<i64>,
    /// Event ids, if loaded.
    pub ids: Vec<u64>,
    /// Field columns loaded, in the order stored.
    pub columns: Vec<(String, Column)>,
}

impl LoadedBlock {
    /// A view of row `row`.
    pub fn row(&self, row: usize) -> BlockRow<'_> {
        BlockRow { block: self, row }
    }
}

/// One row of a loaded block, readable by the query evaluator.
pub struct BlockRow<'a> {
    block: &'a LoadedBlock,
    row: usize,
}

impl palisade_query::Row for BlockRow<'_> {
    fn get(&self, path: &str) -> Option<ValueRef<'_>> {
        match path {
            "time" => self.block.times.get(self.row).map(|t| ValueRef::Int(*t)),
            "id" => self
                .block
                .ids
                .get(self.row)
                .map(|i| ValueRef::Int(*i as i64)),
            _ => self
                .block
                .columns
                .iter()
                .find(|(name, _)| name == path)
                .and_then(|(_, column)| column.get(self.row)),
        }
    }
}
