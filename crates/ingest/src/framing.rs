//! RFC 6587 frame decoding for syslog over TCP and TLS.
//!
//! Each frame is read by the method its first byte announces: a digit starts octet counting
//! (`MSG-LEN SP MSG`, as RFC 5425 requires for TLS), anything else is non-transparent framing
//! ended by LF (a CR before the LF is stripped; a NUL also ends a frame). Senders may mix both.

/// Longest MSG-LEN accepted, in digits (up to 999,999,999 bytes).
const MAX_LEN_DIGITS: usize = 9;

/// Why a frame was refused while decoding went on.
pub const OVERSIZED: &str = "frame exceeds max_message_bytes";
/// Why the bytes left at the end of a stream were refused.
pub const TRUNCATED: &str = "octet-counted frame truncated at end of stream";

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete message, framing removed.
    Message(Vec<u8>),
    /// A frame that was skipped, with the reason.
    Rejected(&'static str),
}

/// Framing that cannot be resynchronised: the connection must be closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RFC 6587 octet count")]
pub struct FrameError;

/// What the decoder is in the middle of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At (or inside) a frame that is being collected in the buffer.
    Collecting,
    /// Skipping the rest of an oversized octet-counted frame: this many bytes to go.
    Skipping(usize),
    /// Dropping an oversized LF-framed message up to its LF.
    Discarding,
}

/// Incremental RFC 6587 decoder: feed it bytes as they arrive, in chunks of any size.
#[derive(Debug)]
pub struct FrameDecoder {
    max_frame_bytes: usize,
    state: State,
    /// Bytes of the frame being collected (from its first byte on).
    pending: Vec<u8>,
    /// How much of `pending` has already been searched for an LF.
    scanned: usize,
}

impl FrameDecoder {
    /// A decoder that refuses frames longer than `max_frame_bytes`.
    pub fn new(max_frame_bytes: usize) -> Self {
        FrameDecoder {
            max_frame_bytes,
            state: State::Collecting,
            pending: Vec::new(),
            scanned: 0,
        }
    }

    /// Decodes `input`, appending every frame it completes to `frames`. On an error, the
    /// frames before the bad header have been appended and the stream cannot go on.
    pub fn decode(&mut self, input: &[u8], frames: &mut Vec<Frame>) -> Result<(), FrameError> {
        let mut input = input;
        loop {
            match self.state {
                State::Collecting => break,
                State::Skipping(left) => {
                    let skipped = left.min(input.len());
                    input = &input[skipped..];
                    if skipped < left {
                        self.state = State::Skipping(left - skipped);
                        return Ok(());
                    }
                    self.state = State::Collecting;
                }
                State::Discarding => match memchr::memchr2(b'\n', b'\0', input) {
                    Some(end) => {
                        input = &input[end + 1..];
                        self.state = State::Collecting;
                    }
                    None => return Ok(()),
                },
            }
        }
        if !self.pending.is_empty() {
            // Complete the frame begun in an earlier read with just the bytes it needs, so
            // the rest of this read can be decoded where it lies, without a copy.
            let Some(needed) = self.bytes_to_complete(input) else {
                let mut pending = std::mem::take(&mut self.pending);
                pending.extend_from_slice(input);
                return self.decode_buffered(pending, frames);
            };
            let mut pending = std::mem::take(&mut self.pending);
            pending.extend_from_slice(&input[..needed]);
            self.decode_buffered(pending, frames)?;
            input = &input[needed..];
            if !self.pending.is_empty() || self.state != State::Collecting {
                let mut pending = std::mem::take(&mut self.pending);
                pending.extend_from_slice(input);
                return self.decode_buffered(pending, frames);
            }
        }
        let (start, result) = self.frames_in(input, frames);
        self.pending
            .extend_from_slice(&input[start.min(input.len())..]);
        self.scanned = self.scanned.saturating_sub(start);
        result
    }

    /// Decodes the frames in `pending` (the decoder's own buffer, taken out of it) and keeps
    /// what is left of it for the next read.
    fn decode_buffered(
        &mut self,
        mut pending: Vec<u8>,
        frames: &mut Vec<Frame>,
    ) -> Result<(), FrameError> {
        let (start, result) = self.frames_in(&pending, frames);
        pending.drain(..start.min(pending.len()));
        self.pending = pending;
        self.scanned = self.scanned.saturating_sub(start);
        result
    }

    /// Decodes every complete frame of `buf` (from its first byte, `scanned` bytes of it
    /// already searched for an LF); returns where the unfinished rest begins.
    fn frames_in(
        &mut self,
        buf: &[u8],
        frames: &mut Vec<Frame>,
    ) -> (usize, Result<(), FrameError>) {
        let mut start = 0;
        let result = loop {
            match self.next_frame(buf, start, frames) {
                Ok(Some(next)) => start = next,
                Ok(None) => break Ok(()),
                Err(err) => break Err(err),
            }
        };
        (start, result)
    }

    /// How many bytes of `input` complete the frame held in `pending`; `None` when that is
    /// not known yet (its octet count is unfinished or over the limit, or no line end came).
    fn bytes_to_complete(&self, input: &[u8]) -> Option<usize> {
        let first = *self.pending.first()?;
        if !first.is_ascii_digit() {
            return memchr::memchr2(b'\n', b'\0', input).map(|end| end + 1);
        }
        let digits = self
            .pending
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if first == b'0' || digits > MAX_LEN_DIGITS || self.pending.get(digits) != Some(&b' ') {
            return None;
        }
        let len = self.pending[..digits]
            .iter()
            .fold(0usize, |acc, &d| acc * 10 + usize::from(d - b'0'));
        if len > self.max_frame_bytes {
            return None;
        }
        let missing = (digits + 1 + len).checked_sub(self.pending.len())?;
        (missing <= input.len()).then_some(missing)
    }

    /// Ends the stream: a partial LF-framed message still counts as a message, a partial
    /// octet-counted one is rejected.
    pub fn finish(&mut self, frames: &mut Vec<Frame>) {
        let rest = std::mem::take(&mut self.pending);
        self.scanned = 0;
        if self.state != State::Collecting || rest.is_empty() {
            return;
        }
        if rest[0].is_ascii_digit() {
            frames.push(Frame::Rejected(TRUNCATED));
        } else {
            let message = rest.strip_suffix(b"\r").unwrap_or(&rest);
            frames.push(self.checked(message));
        }
    }

    /// Decodes the frame starting at `start` in `pending`; returns where the next one starts,
    /// or `None` when more input is needed.
    fn next_frame(
        &mut self,
        buf: &[u8],
        start: usize,
        frames: &mut Vec<Frame>,
    ) -> Result<Option<usize>, FrameError> {
        let Some(&first) = buf.get(start) else {
            return Ok(None);
        };
        if first.is_ascii_digit() {
            self.octet_counted(buf, start, frames)
        } else {
            Ok(self.lf_terminated(buf, start, frames))
        }
    }

    fn octet_counted(
        &mut self,
        buf: &[u8],
        start: usize,
        frames: &mut Vec<Frame>,
    ) -> Result<Option<usize>, FrameError> {
        let header = &buf[start..];
        let digits = header.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > MAX_LEN_DIGITS || header[0] == b'0' {
            return Err(FrameError);
        }
        match header.get(digits) {
            None => return Ok(None),
            Some(b' ') => {}
            Some(_) => return Err(FrameError),
        }
        let len = header[..digits]
            .iter()
            .fold(0usize, |acc, &d| acc * 10 + usize::from(d - b'0'));
        let body = start + digits + 1;
        if len > self.max_frame_bytes {
            frames.push(Frame::Rejected(OVERSIZED));
            let available = buf.len() - body;
            if available >= len {
                return Ok(Some(body + len));
            }
            self.state = State::Skipping(len - available);
            return Ok(Some(buf.len()));
        }
        if buf.len() - body < len {
            return Ok(None);
        }
        frames.push(Frame::Message(buf[body..body + len].to_vec()));
        Ok(Some(body + len))
    }

    fn lf_terminated(
        &mut self,
        buf: &[u8],
        start: usize,
        frames: &mut Vec<Frame>,
    ) -> Option<usize> {
        let from = self.scanned.max(start);
        match memchr::memchr2(b'\n', b'\0', &buf[from..]) {
            Some(offset) => {
                let end = from + offset;
                let frame = &buf[start..end];
                let frame = frame.strip_suffix(b"\r").unwrap_or(frame);
                if !frame.is_empty() {
                    frames.push(self.checked(frame));
                }
                self.scanned = end + 1;
                Some(end + 1)
            }
            // A trailing CR may still turn out to be part of the line end (stripped), so it
            // does not count yet: the verdict must not depend on where reads are cut.
            None if buf[start..]
                .strip_suffix(b"\r")
                .unwrap_or(&buf[start..])
                .len()
                > self.max_frame_bytes =>
            {
                frames.push(Frame::Rejected(OVERSIZED));
                self.state = State::Discarding;
                self.scanned = 0;
                Some(buf.len())
            }
            None => {
                self.scanned = buf.len();
                None
            }
        }
    }

    fn checked(&self, message: &[u8]) -> Frame {
        if message.len() > self.max_frame_bytes {
            Frame::Rejected(OVERSIZED)
        } else {
            Frame::Message(message.to_vec())
        }
    }
}
