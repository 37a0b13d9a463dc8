//! Reading input in runs of whole lines into reused buffers: no buffer for the whole input,
//! so a large file costs no fresh pages per byte (the kernel zeroes every new page it hands
//! out), and a chunk stays in the cache while it is cut, masked and mined.

use std::io::{self, Read};

/// Whole lines read from a source, about `chunk` bytes at a time.
pub(super) struct LineChunks<R> {
    source: R,
    chunk: usize,
    /// The start of a line read with the previous chunk but not finished in it.
    carry: Vec<u8>,
    /// Whether the source has reported its end.
    finished: bool,
}

impl<R: Read> LineChunks<R> {
    /// Chunks of about `chunk` bytes from `source`.
    pub(super) fn new(source: R, chunk: usize) -> Self {
        LineChunks {
            source,
            chunk: chunk.max(1),
            carry: Vec::new(),
            finished: false,
        }
    }

    /// Replaces what `buffer` holds with the next run of whole lines: it ends just after a
    /// `\n`, or at the end of the input. A line longer than a chunk comes whole, in a longer
    /// run. Returns `false` (with `buffer` empty) once the input is exhausted.
    pub(super) fn next_into(&mut self, buffer: &mut Vec<u8>) -> io::Result<bool> {
        buffer.clear();
        buffer.append(&mut self.carry);
        loop {
            if self.finished {
                return Ok(!buffer.is_empty());
            }
            let searched = buffer.len();
            let want = self.chunk as u64;
            // Reads into the spare capacity: nothing is zeroed first.
            let got = (&mut self.source).take(want).read_to_end(buffer)?;
            if (got as u64) < want {
                self.finished = true;
                continue;
            }
            if let Some(newline) = memchr::memrchr(b'\n', &buffer[searched..]) {
                let end = searched + newline + 1;
                self.carry.extend_from_slice(&buffer[end..]);
                buffer.truncate(end);
                return Ok(true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(input: &[u8], chunk: usize) -> Vec<String> {
        let mut reader = LineChunks::new(input, chunk);
        let mut buffer = Vec::new();
        let mut out = Vec::new();
        while reader.next_into(&mut buffer).unwrap() {
            out.push(String::from_utf8(buffer.clone()).unwrap());
        }
        assert!(buffer.is_empty());
        out
    }

    #[test]
    fn chunks_end_after_a_newline_and_join_back_into_the_input() {
        let input = "one\ntwo two\nthree three three\nfour\nno newline at the end";
        for chunk in 1..input.len() + 2 {
            let got = chunks(input.as_bytes(), chunk);
            assert_eq!(got.concat(), input, "chunk {chunk}");
            let (last, whole) = got.split_last().unwrap();
            assert!(whole.iter().all(|c| c.ends_with('\n')), "chunk {chunk}");
            assert!(!last.is_empty());
        }
        assert_eq!(chunks(b"a long line\nb\n", 4), ["a long line\n", "b\n"]);
        assert!(chunks(b"", 8).is_empty());
        assert_eq!(chunks(b"\n\n", 1), ["\n", "\n"]);
    }
}
