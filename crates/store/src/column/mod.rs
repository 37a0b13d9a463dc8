//! Column encodings inside a block (before compression and sealing).
//!
//! * time and id: row count, then zigzag varint deltas from the previous row;
//! * a field column: row count, length of the cell stream, the cell stream, then all string
//!   bytes back to back. A cell is a tag byte (0 null, 1 false, 2 true, 3 int + zigzag varint,
//!   4 float + 8 bytes, 5 string + varint length, 6 raw-data suffix + varint length), so absent
//!   values cost one byte. A raw-data suffix cell holds no bytes: its value is the last
//!   `length` bytes of the same row's `raw_data` (a syslog message is the tail of its raw line,
//!   and storing it twice cost about a fifth of a segment).

use crate::{
    codec::{put_ivarint, put_uvarint, Reader, Truncated},
    encoded_column::EncodedColumn,
};
use palisade_core::{Value, ValueRef};

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT: u8 = 3;
const FLOAT: u8 = 4;
const STR: u8 = 5;
const RAW_SUFFIX: u8 = 6;

/// Encodes a column of integers as deltas.
pub fn encode_ints(values: impl ExactSizeIterator<Item = i64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 2 + 4);
    put_uvarint(&mut out, values.len() as u64);
    let mut prev = 0i64;
    for v in values {
        put_ivarint(&mut out, v.wrapping_sub(prev));
        prev = v;
    }
    out
}

/// Decodes [`encode_ints`]; the row count must be `rows`.
pub fn decode_ints(bytes: &[u8], rows: usize) -> Result<Vec<i64>, Truncated> {
    let mut r = Reader::new(bytes);
    if r.uvarint()? != rows as u64 {
        return Err(Truncated);
    }
    let mut out = Vec::with_capacity(rows.min(r.remaining()));
    let mut prev = 0i64;
    for _ in 0..rows {
        prev = prev.wrapping_add(r.ivarint()?);
        out.push(prev);
    }
    Ok(out)
}

/// Builds one field column row by row.
#[derive(Default)]
pub struct ColumnBuilder {
    cells: Vec<u8>,
    /// `gap` bytes kept free for the header and cells of the finished column, then the
    /// rows' string bytes.
    strings: Vec<u8>,
    gap: usize,
    rows: usize,
}

impl ColumnBuilder {
    /// Bytes of cells and text so far.
    pub fn bytes(&self) -> usize {
        self.cells.len() + self.strings.len() - self.gap
    }

    /// Empties the column, keeping its buffers.
    pub fn clear(&mut self) {
        self.cells.clear();
        self.strings.truncate(self.gap);
        self.rows = 0;
    }

    /// Sets row `row` (rows before it that got no value become null); a row already set
    /// keeps its first value.
    pub fn push(&mut self, row: usize, value: &Value) {
        if self.rows > row {
            return;
        }
        self.pad_to(row);
        match value {
            Value::Bool(false) => self.cells.push(FALSE),
            Value::Bool(true) => self.cells.push(TRUE),
            Value::Int(i) => {
                self.cells.push(INT);
                put_ivarint(&mut self.cells, *i);
            }
            Value::Float(f) => {
                self.cells.push(FLOAT);
                self.cells.extend_from_slice(&f.to_le_bytes());
            }
            Value::Str(s) => {
                self.cells.push(STR);
                put_uvarint(&mut self.cells, s.len() as u64);
                self.strings.extend_from_slice(s.as_bytes());
            }
        }
        self.rows += 1;
    }

    /// Sets row `row` to the last `len` bytes of the row's `raw_data`.
    pub fn push_raw_suffix(&mut self, row: usize, len: usize) {
        if self.rows > row {
            return;
        }
        self.pad_to(row);
        self.cells.push(RAW_SUFFIX);
        put_uvarint(&mut self.cells, len as u64);
        self.rows += 1;
    }

    fn pad_to(&mut self, row: usize) {
        while self.rows < row {
            self.cells.push(NULL);
            self.rows += 1;
        }
    }

    /// The encoded column of `rows` rows (rows never set are null); the builder can go on.
    pub fn encode(&self, rows: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.head_len(rows) + self.strings.len());
        self.encode_head(rows, &mut out);
        out.extend_from_slice(&self.strings[self.gap..]);
        out
    }

    /// At least the bytes [`ColumnBuilder::encode_head`] appends (two varints take at most 20).
    fn head_len(&self, rows: usize) -> usize {
        self.cells.len() + rows.saturating_sub(self.rows) + 20
    }

    /// Appends to `out` what precedes the string bytes in the encoded column of `rows` rows:
    /// the row count, the length of the cell stream and the cells (rows never set are null).
    fn encode_head(&self, rows: usize, out: &mut Vec<u8>) {
        let padding = rows.saturating_sub(self.rows);
        put_uvarint(out, rows.max(self.rows) as u64);
        put_uvarint(out, (self.cells.len() + padding) as u64);
        out.extend_from_slice(&self.cells);
        out.resize(out.len() + padding, NULL);
    }

    /// The encoded column of `rows` rows, as [`ColumnBuilder::encode`] returns it, leaving the
    /// builder empty. When the header and cells fit in the gap kept before the strings, the
    /// string bytes are not copied: the buffer holding them becomes the column, and the next
    /// block's strings go to a new one sized like it.
    pub fn take_encoded(&mut self, rows: usize) -> EncodedColumn {
        let strings = self.strings.len() - self.gap;
        let mut head = Vec::with_capacity(self.head_len(rows));
        self.encode_head(rows, &mut head);
        let next_gap = head.len() + head.len() / 8 + 16;
        let column = if head.len() <= self.gap {
            let start = self.gap - head.len();
            let next = Vec::with_capacity(next_gap + strings + strings / 8);
            let mut buffer = std::mem::replace(&mut self.strings, next);
            buffer[start..self.gap].copy_from_slice(&head);
            EncodedColumn::new(buffer, start)
        } else {
            head.reserve_exact(strings);
            head.extend_from_slice(&self.strings[self.gap..]);
            self.strings.clear();
            EncodedColumn::from(head)
        };
        self.gap = next_gap;
        self.strings.resize(self.gap, 0);
        self.cells.clear();
        self.rows = 0;
        column
    }
}

#[derive(Debug, Clone, Copy)]
enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(u32, u32),
}

/// A decoded field column.
#[derive(Debug)]
pub struct Column {
    cells: Vec<Cell>,
    strings: String,
}

impl Column {
    /// Decodes a column written by [`ColumnBuilder::encode`]; the row count must be `rows`.
    /// `raw_data` is the block's decoded `raw_data` column, which raw-data suffix cells need.
    pub fn decode(
        bytes: &[u8],
        rows: usize,
        raw_data: Option<&Column>,
    ) -> Result<Column, Truncated> {
        let mut r = Reader::new(bytes);
        if r.uvarint()? != rows as u64 {
            return Err(Truncated);
        }
        let cell_bytes = r.bytes()?;
        let strings = std::str::from_utf8(r.take(r.remaining())?).map_err(|_| Truncated)?;
        let mut owned = strings.to_owned();
        let mut c = Reader::new(cell_bytes);
        let mut cells = Vec::with_capacity(rows.min(cell_bytes.len()));
        let mut string_pos = 0usize;
        for _ in 0..rows {
            let cell = match c.u8()? {
                NULL => Cell::Null,
                FALSE => Cell::Bool(false),
                TRUE => Cell::Bool(true),
                INT => Cell::Int(c.ivarint()?),
                FLOAT => Cell::Float(f64::from_le_bytes(
                    c.take(8)?.try_into().map_err(|_| Truncated)?,
                )),
                STR => {
                    let len = usize::try_from(c.uvarint()?).map_err(|_| Truncated)?;
                    let end = string_pos.checked_add(len).ok_or(Truncated)?;
                    if end > strings.len() || !strings.is_char_boundary(end) {
                        return Err(Truncated);
                    }
                    let start = string_pos;
                    string_pos = end;
                    let to_u32 = |v: usize| u32::try_from(v).map_err(|_| Truncated);
                    Cell::Str(to_u32(start)?, to_u32(end)?)
                }
                RAW_SUFFIX => {
                    let len = usize::try_from(c.uvarint()?).map_err(|_| Truncated)?;
                    let Some(ValueRef::Str(raw)) = raw_data.and_then(|col| col.get(cells.len()))
                    else {
                        return Err(Truncated);
                    };
                    let from = raw.len().checked_sub(len).ok_or(Truncated)?;
                    let suffix = raw.get(from..).ok_or(Truncated)?;
                    let to_u32 = |v: usize| u32::try_from(v).map_err(|_| Truncated);
                    let start = to_u32(owned.len())?;
                    owned.push_str(suffix);
                    Cell::Str(start, to_u32(owned.len())?)
                }
                _ => return Err(Truncated),
            };
            cells.push(cell);
        }
        Ok(Column {
            cells,
            strings: owned,
        })
    }

    /// The value at `row`, if any.
    pub fn get(&self, row: usize) -> Option<ValueRef<'_>> {
        match *self.cells.get(row)? {
            Cell::Null => None,
            Cell::Bool(b) => Some(ValueRef::Bool(b)),
            Cell::Int(i) => Some(ValueRef::Int(i)),
            Cell::Float(f) => Some(ValueRef::Float(f)),
            Cell::Str(start, end) => self
                .strings
                .get(start as usize..end as usize)
                .map(ValueRef::Str),
        }
    }
}

#[cfg(test)]
mod tests;
