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
        self.pending.extend_from_slice(input);
        let mut start = 0;
        let result = loop {
            match self.next_frame(start, frames) {
                Ok(Some(next)) => start = next,
                Ok(None) => break Ok(()),
                Err(err) => break Err(err),
            }
        };
        self.pending.drain(..start.min(self.pending.len()));
        self.scanned = self.scanned.saturating_sub(start);
        result
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
        start: usize,
        frames: &mut Vec<Frame>,
    ) -> Result<Option<usize>, FrameError> {
        let Some(&first) = self.pending.get(start) else {
            return Ok(None);
        };
        if first.is_ascii_digit() {
            self.octet_counted(start, frames)
        } else {
            Ok(self.lf_terminated(start, frames))
        }
    }

    fn octet_counted(
        &mut self,
        start: usize,
        frames: &mut Vec<Frame>,
    ) -> Result<Option<usize>, FrameError> {
        let header = &self.pending[start..];
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
            let available = self.pending.len() - body;
            if available >= len {
                return Ok(Some(body + len));
            }
            self.state = State::Skipping(len - available);
            return Ok(Some(self.pending.len()));
        }
        if self.pending.len() - body < len {
            return Ok(None);
        }
        frames.push(Frame::Message(self.pending[body..body + len].to_vec()));
        Ok(Some(body + len))
    }

    fn lf_terminated(&mut self, start: usize, frames: &mut Vec<Frame>) -> Option<usize> {
        let from = self.scanned.max(start);
        match memchr::memchr2(b'\n', b'\0', &self.pending[from..]) {
            Some(offset) => {
                let end = from + offset;
                let frame = &self.pending[start..end];
                let frame = frame.strip_suffix(b"\r").unwrap_or(frame);
                if !frame.is_empty() {
                    frames.push(self.checked(frame));
                }
                self.scanned = end + 1;
                Some(end + 1)
            }
            // A trailing CR may still turn out to be part of the line end (stripped), so it
            // does not count yet: the verdict must not depend on where reads are cut.
            None if self.pending[start..]
                .strip_suffix(b"\r")
                .unwrap_or(&self.pending[start..])
                .len()
                > self.max_frame_bytes =>
            {
                frames.push(Frame::Rejected(OVERSIZED));
                self.state = State::Discarding;
                self.scanned = 0;
                Some(self.pending.len())
            }
            None => {
                self.scanned = self.pending.len();
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
