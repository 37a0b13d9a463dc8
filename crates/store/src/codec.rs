//! Little binary helpers shared by the WAL and segment formats: LEB128 varints, zigzag, and
//! a bounds-checked reader that turns every truncation into an error instead of a panic.

/// Appends `v` as an unsigned LEB128 varint.
pub fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends `v` zigzag-encoded as a varint (small magnitudes of either sign stay short).
pub fn put_ivarint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, ((v << 1) ^ (v >> 63)) as u64);
}

/// Appends a varint length followed by the bytes.
pub fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_uvarint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Why decoding stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncated;

/// Reads from a byte slice; every method fails with [`Truncated`] rather than reading past
/// the end.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        let end = self.pos.checked_add(n).ok_or(Truncated)?;
        let slice = self.bytes.get(self.pos..end).ok_or(Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    /// Takes one byte.
    pub fn u8(&mut self) -> Result<u8, Truncated> {
        Ok(self.take(1)?[0])
    }

    /// Takes a little-endian u32.
    pub fn u32(&mut self) -> Result<u32, Truncated> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }

    /// Takes a little-endian u64.
    pub fn u64(&mut self) -> Result<u64, Truncated> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    /// Takes an unsigned varint (at most 10 bytes).
    pub fn uvarint(&mut self) -> Result<u64, Truncated> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.u8()?;
            if shift == 63 && b > 1 {
                return Err(Truncated);
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(Truncated)
    }

    /// Takes a zigzag varint.
    pub fn ivarint(&mut self) -> Result<i64, Truncated> {
        let u = self.uvarint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// Takes a varint used as a length or count, refusing values larger than what is left
    /// (so a corrupt length can never cause a huge allocation).
    pub fn len(&mut self) -> Result<usize, Truncated> {
        let n = self.uvarint()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.remaining())
            .ok_or(Truncated)
    }

    /// Takes a varint-length-prefixed byte string.
    pub fn bytes(&mut self) -> Result<&'a [u8], Truncated> {
        let n = self.len()?;
        self.take(n)
    }

    /// Takes a varint-length-prefixed UTF-8 string.
    pub fn str(&mut self) -> Result<&'a str, Truncated> {
        std::str::from_utf8(self.bytes()?).map_err(|_| Truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_the_edges() {
        let values = [
            0i64,
            1,
            -1,
            63,
            -64,
            64,
            i64::MAX,
            i64::MIN,
            1_732_350_000_000,
        ];
        let mut buf = Vec::new();
        for v in values {
            put_ivarint(&mut buf, v);
            put_uvarint(&mut buf, v as u64);
        }
        let mut r = Reader::new(&buf);
        for v in values {
            assert_eq!(r.ivarint(), Ok(v));
            assert_eq!(r.uvarint(), Ok(v as u64));
        }
        assert_eq!(r.remaining(), 0);
        assert_eq!(r.u8(), Err(Truncated));
    }

    #[test]
    fn a_length_beyond_the_input_is_refused() {
        let mut buf = Vec::new();
        put_uvarint(&mut buf, 1 << 40);
        assert_eq!(Reader::new(&buf).len(), Err(Truncated));
        assert_eq!(Reader::new(&[0xff; 11]).uvarint(), Err(Truncated));
    }
}
