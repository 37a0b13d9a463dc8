//! The segment file's framing: magic, sections, footer, trailer.
//!
//! ```text
//! file    = "PLSGMT01" | section* | footer | footer_len u32 LE | crc32(footer) u32 LE | "PLSGEND1"
//! section = sealed bytes (zstd-compressed columns; the bloom filter is stored uncompressed)
//! footer  = tenant str | partition str | flush_seq varint | key* | block*
//! key     = id str | version varint                     (the sealing keys used, by index)
//! block   = rows | min_time | max_time | min_id | max_id | bloom | time | id | (name str | section)*
//! section ref = offset varint | len varint | crc32 u32 | key index varint | raw_len varint
//! ```
//! Every section carries the CRC of its stored bytes, checked before unsealing, so a damaged
//! file is reported as corrupt instead of being decoded.

use crate::codec::{put_bytes, put_ivarint, put_uvarint, Reader, Truncated};
use palisade_core::seal::KeyRef;

/// First bytes of every segment file (format version 1).
pub const MAGIC: &[u8; 8] = b"PLSGMT01";
/// Last bytes of every complete segment file.
pub const END_MAGIC: &[u8; 8] = b"PLSGEND1";
/// Footer length, footer CRC and end magic.
pub const TRAILER_BYTES: usize = 16;
/// Largest decompressed section accepted (a corrupt size must not exhaust memory).
pub const MAX_RAW_SECTION: usize = 1 << 30;

/// Where one sealed section lives in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionRef {
    /// Byte offset in the file.
    pub offset: u64,
    /// Stored (sealed) length.
    pub len: u32,
    /// CRC-32 of the stored bytes.
    pub crc: u32,
    /// Index into the footer's key table.
    pub key: u32,
    /// Length after unsealing and decompressing.
    pub raw_len: u32,
}

/// What the footer says about one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMeta {
    /// Events in the block.
    pub rows: u32,
    /// Earliest event time.
    pub min_time: i64,
    /// Latest event time.
    pub max_time: i64,
    /// Smallest event id.
    pub min_id: u64,
    /// Largest event id.
    pub max_id: u64,
    /// The bloom filter over tokens and field values.
    pub bloom: SectionRef,
    /// The time column.
    pub time: SectionRef,
    /// The id column.
    pub id: SectionRef,
    /// One column per field path present in the block.
    pub columns: Vec<(String, SectionRef)>,
}

/// The decoded footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footer {
    /// Owner of every event in the segment.
    pub tenant: String,
    /// Partition (UTC day) name.
    pub partition: String,
    /// Seq of the flush that wrote it (= the largest event id it holds).
    pub flush_seq: u64,
    /// Keys the sections were sealed with.
    pub keys: Vec<KeyRef>,
    /// The blocks, in the order written.
    pub blocks: Vec<BlockMeta>,
}

fn put_section(out: &mut Vec<u8>, s: &SectionRef) {
    put_uvarint(out, s.offset);
    put_uvarint(out, u64::from(s.len));
    out.extend_from_slice(&s.crc.to_le_bytes());
    put_uvarint(out, u64::from(s.key));
    put_uvarint(out, u64::from(s.raw_len));
}

fn read_u32(r: &mut Reader<'_>) -> Result<u32, Truncated> {
    u32::try_from(r.uvarint()?).map_err(|_| Truncated)
}

fn read_section(r: &mut Reader<'_>) -> Result<SectionRef, Truncated> {
    Ok(SectionRef {
        offset: r.uvarint()?,
        len: read_u32(r)?,
        crc: r.u32()?,
        key: read_u32(r)?,
        raw_len: read_u32(r)?,
    })
}

impl Footer {
    /// Appends the footer and trailer to a file image.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let start = out.len();
        put_bytes(out, self.tenant.as_bytes());
        put_bytes(out, self.partition.as_bytes());
        put_uvarint(out, self.flush_seq);
        put_uvarint(out, self.keys.len() as u64);
        for k in &self.keys {
            put_bytes(out, k.id.as_bytes());
            put_uvarint(out, u64::from(k.version));
        }
        put_uvarint(out, self.blocks.len() as u64);
        for b in &self.blocks {
            put_uvarint(out, u64::from(b.rows));
            put_ivarint(out, b.min_time);
            put_ivarint(out, b.max_time);
            put_uvarint(out, b.min_id);
            put_uvarint(out, b.max_id);
            put_section(out, &b.bloom);
            put_section(out, &b.time);
            put_section(out, &b.id);
            put_uvarint(out, b.columns.len() as u64);
            for (name, s) in &b.columns {
                put_bytes(out, name.as_bytes());
                put_section(out, s);
            }
        }
        let len = (out.len() - start) as u32;
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(END_MAGIC);
    }

    /// Where the footer starts, from the file's last [`TRAILER_BYTES`]; checks the end magic.
    pub fn locate(trailer: &[u8], file_len: u64) -> Result<(u64, u32, u32), String> {
        let mut r = Reader::new(trailer);
        let (len, crc) = match (r.u32(), r.u32(), r.take(8)) {
            (Ok(len), Ok(crc), Ok(magic)) if magic == END_MAGIC => (len, crc),
            _ => return Err("missing end marker (incomplete or not a segment)".into()),
        };
        let data_end = file_len - TRAILER_BYTES as u64;
        let start = data_end
            .checked_sub(u64::from(len))
            .filter(|s| *s >= MAGIC.len() as u64)
            .ok_or("footer length exceeds the file")?;
        Ok((start, len, crc))
    }

    /// Decodes a footer whose CRC was already checked; `data_end` bounds every section.
    pub fn decode(bytes: &[u8], data_end: u64) -> Result<Footer, String> {
        Self::decode_inner(bytes, data_end).map_err(|e| e.unwrap_or("truncated footer".into()))
    }

    fn decode_inner(bytes: &[u8], data_end: u64) -> Result<Footer, Option<String>> {
        let mut r = Reader::new(bytes);
        let tenant = r.str()?.to_owned();
        let partition = r.str()?.to_owned();
        let flush_seq = r.uvarint()?;
        let mut keys = Vec::new();
        for _ in 0..r.len()? {
            let id = r.str()?.to_owned();
            let version = read_u32(&mut r)?;
            keys.push(KeyRef { id, version });
        }
        let mut blocks = Vec::new();
        for _ in 0..r.len()? {
            let rows = read_u32(&mut r)?;
            let min_time = r.ivarint()?;
            let max_time = r.ivarint()?;
            let min_id = r.uvarint()?;
            let max_id = r.uvarint()?;
            let bloom = read_section(&mut r)?;
            let time = read_section(&mut r)?;
            let id = read_section(&mut r)?;
            let mut columns = Vec::new();
            for _ in 0..r.len()? {
                let name = r.str()?.to_owned();
                columns.push((name, read_section(&mut r)?));
            }
            let block = BlockMeta {
                rows,
                min_time,
                max_time,
                min_id,
                max_id,
                bloom,
                time,
                id,
                columns,
            };
            check_block(&block, keys.len(), data_end)?;
            blocks.push(block);
        }
        Ok(Footer {
            tenant,
            partition,
            flush_seq,
            keys,
            blocks,
        })
    }
}

impl From<Truncated> for Option<String> {
    fn from(_: Truncated) -> Self {
        None
    }
}

fn check_block(b: &BlockMeta, key_count: usize, data_end: u64) -> Result<(), Option<String>> {
    if b.rows == 0 || b.min_time > b.max_time || b.min_id > b.max_id {
        return Err(Some("block header has an empty or inverted range".into()));
    }
    let sections = [&b.bloom, &b.time, &b.id]
        .into_iter()
        .chain(b.columns.iter().map(|(_, s)| s));
    for s in sections {
        let end = s.offset.checked_add(u64::from(s.len));
        if s.offset < MAGIC.len() as u64 || end.is_none_or(|e| e > data_end) {
            return Err(Some(format!(
                "section at offset {} lies outside the data",
                s.offset
            )));
        }
        if s.key as usize >= key_count {
            return Err(Some(format!("section refers to unknown key #{}", s.key)));
        }
        if s.raw_len as usize > MAX_RAW_SECTION {
            return Err(Some(format!("section claims {} bytes", s.raw_len)));
        }
    }
    Ok(())
}
