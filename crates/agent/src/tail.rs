//! Following one log file: complete lines only, across rotation by rename and by truncation.
//!
//! The read offset only ever moves past a newline, so a partial last line is read again (and
//! shipped whole) once its newline arrives. When the path names a different file than the one
//! being read (rotation by rename), the old file is read to its end first (its unterminated
//! tail, if any, becomes a line: nobody writes there any more), then the new file from its
//! start. When the file shrinks below the offset (rotation by truncation), reading restarts at
//! its beginning.

use serde::{Deserialize, Serialize};
use std::{
    fs::File,
    io::{self, Read, Seek, SeekFrom},
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
};

/// Where reading of one file stands: which file (device and inode) and how far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Device of the file.
    pub dev: u64,
    /// Inode of the file.
    pub ino: u64,
    /// Bytes already read (always just after a newline, or 0).
    pub offset: u64,
}

/// Follows one path.
pub struct Tailer {
    path: PathBuf,
    file: Option<File>,
    position: Option<Position>,
    /// The position saved by an earlier run, used when the file is first opened.
    saved: Option<Position>,
}

/// The longest line kept whole; a longer run of bytes without a newline is shipped in pieces
/// of this size.
const MAX_LINE: usize = 1024 * 1024;

fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

impl Tailer {
    /// A tailer of `path`, resuming at `saved` if that file is still there (under this name or,
    /// rotated away, beside it).
    pub fn new(path: PathBuf, saved: Option<Position>) -> Tailer {
        Tailer {
            path,
            file: None,
            position: None,
            saved,
        }
    }

    /// The path followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where reading stands (None before the file first existed).
    pub fn position(&self) -> Option<Position> {
        self.position.or(self.saved)
    }

    /// Appends to `out` the complete lines written since the last call, reading at most about
    /// `max_bytes`; returns whether more may be waiting.
    pub fn poll(&mut self, max_bytes: usize, out: &mut Vec<String>) -> io::Result<bool> {
        if self.file.is_none() && !self.open_first()? {
            return Ok(false);
        }
        let mut budget = max_bytes;
        loop {
            let read = self.read_lines(budget, out)?;
            budget = budget.saturating_sub(read);
            if budget == 0 {
                return Ok(true);
            }
            if !self.follow_rotation(out)? {
                return Ok(false);
            }
        }
    }

    /// Opens the file the first time: at the saved position when it is the same file, or the
    /// rotated-away file beside it when the saved one was renamed while we were stopped.
    fn open_first(&mut self) -> io::Result<bool> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let (dev, ino) = identity(&file.metadata()?);
        match self.saved.take() {
            Some(saved) if (saved.dev, saved.ino) == (dev, ino) => {
                self.file = Some(file);
                self.position = Some(saved);
            }
            Some(saved) => match self.find_sibling(saved)? {
                Some(old) => {
                    self.file = Some(old);
                    self.position = Some(saved);
                }
                None => self.switch_to(file, dev, ino),
            },
            None => self.switch_to(file, dev, ino),
        }
        Ok(true)
    }

    fn switch_to(&mut self, file: File, dev: u64, ino: u64) {
        self.file = Some(file);
        self.position = Some(Position {
            dev,
            ino,
            offset: 0,
        });
    }

    /// A file in the same directory that is the saved file (it was renamed by rotation).
    fn find_sibling(&self, saved: Position) -> io::Result<Option<File>> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_file() && identity(&meta) == (saved.dev, saved.ino) {
                return File::open(entry.path()).map(Some);
            }
        }
        Ok(None)
    }

    /// Reads complete lines from the current file; returns the bytes consumed.
    fn read_lines(&mut self, budget: usize, out: &mut Vec<String>) -> io::Result<usize> {
        let (Some(file), Some(pos)) = (self.file.as_mut(), self.position.as_mut()) else {
            return Ok(0);
        };
        if file.metadata()?.len() < pos.offset {
            pos.offset = 0;
        }
        file.seek(SeekFrom::Start(pos.offset))?;
        let limit = budget.max(MAX_LINE);
        let mut buf = Vec::new();
        file.by_ref().take(limit as u64).read_to_end(&mut buf)?;
        let end = match buf.iter().rposition(|b| *b == b'\n') {
            Some(end) => end,
            None if buf.len() >= limit => {
                push_lines(&buf, out);
                pos.offset += buf.len() as u64;
                return Ok(buf.len());
            }
            None => return Ok(0),
        };
        push_lines(&buf[..end], out);
        pos.offset += end as u64 + 1;
        Ok(end + 1)
    }

    /// At the end of the current file: when the path now names another file, finishes the old
    /// one (its unterminated tail becomes a line) and switches. Returns whether it switched.
    fn follow_rotation(&mut self, out: &mut Vec<String>) -> io::Result<bool> {
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let (dev, ino) = identity(&meta);
        let same = self.position.is_some_and(|p| (p.dev, p.ino) == (dev, ino));
        if same {
            return Ok(false);
        }
        if let (Some(file), Some(pos)) = (self.file.as_mut(), self.position.as_ref()) {
            file.seek(SeekFrom::Start(pos.offset))?;
            let mut rest = Vec::new();
            file.read_to_end(&mut rest)?;
            push_lines(&rest, out);
        }
        let file = File::open(&self.path)?;
        let (dev, ino) = identity(&file.metadata()?);
        self.switch_to(file, dev, ino);
        Ok(true)
    }
}

/// Splits newline-separated bytes into lines (a `\r` before the newline dropped, empty lines
/// skipped, invalid UTF-8 replaced).
fn push_lines(bytes: &[u8], out: &mut Vec<String>) {
    for line in bytes.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.is_empty() {
            out.push(String::from_utf8_lossy(line).into_owned());
        }
    }
}

#[cfg(test)]
#[path = "tail_tests.rs"]
mod tests;
