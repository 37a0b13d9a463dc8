//! The load generator's HTTP/1.1 exchange: one request in flight on a keep-alive stream,
//! written from a request head encoded once, the answer read into a buffer the connection
//! keeps. No per-request task hand-off, header map or allocation, so that the load
//! generator's own CPU time per operation stays close to the bare cost of TLS and TCP.

use anyhow::{bail, Context};
use std::io::Write as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A byte stream a connection runs on (TLS or plain TCP).
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The most bytes an answer's head may take.
const MAX_HEAD: usize = 16 * 1024;
/// The largest answer body accepted.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// One keep-alive HTTP/1.1 connection with its reusable buffers.
pub struct Wire {
    stream: Box<dyn Stream>,
    /// The request being sent.
    out: Vec<u8>,
    /// Bytes received; the first `answered` belong to the previous answer.
    received: Vec<u8>,
    answered: usize,
}

/// Where an answer's parts are, once its head has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The status code.
    pub status: u16,
    /// Bytes of the status line and headers, the blank line included.
    pub len: usize,
    /// The body's length (`Content-Length`).
    pub body_len: usize,
}

/// The head at the start of `bytes`: `None` while it has not fully arrived, an error when
/// it is not an HTTP/1.1 answer this client can read (it needs `Content-Length`).
pub fn parse_head(bytes: &[u8]) -> anyhow::Result<Option<Head>> {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        if bytes.len() > MAX_HEAD {
            bail!("the answer's head is longer than {MAX_HEAD} bytes");
        }
        return Ok(None);
    };
    let text = std::str::from_utf8(&bytes[..end]).context("the answer's head is not text")?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = match status_line.split(' ').collect::<Vec<_>>().as_slice() {
        [version, code, ..] if version.starts_with("HTTP/1.") => code
            .parse::<u16>()
            .with_context(|| format!("bad status line {status_line:?}"))?,
        _ => bail!("bad status line {status_line:?}"),
    };
    let mut body_len = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            bail!("bad header line {line:?}");
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let len: usize = value
                .parse()
                .with_context(|| format!("bad Content-Length {value:?}"))?;
            if len > MAX_BODY {
                bail!("an answer of {len} bytes is larger than {MAX_BODY}");
            }
            body_len = Some(len);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            bail!("the answer uses Transfer-Encoding {value:?}; this client reads Content-Length only");
        }
    }
    Ok(Some(Head {
        status,
        len: end + 4,
        body_len: body_len.unwrap_or(0),
    }))
}

impl Wire {
    /// A connection on an established stream.
    pub fn new(stream: Box<dyn Stream>) -> Wire {
        Wire {
            stream,
            out: Vec::with_capacity(4096),
            received: Vec::with_capacity(8192),
            answered: 0,
        }
    }

    /// Sends `head` (request line and headers up to, not including, `Content-Length`) with
    /// `body`; returns the status and body of the answer.
    pub async fn exchange(&mut self, head: &[u8], body: &[u8]) -> anyhow::Result<(u16, &[u8])> {
        self.out.clear();
        self.out.extend_from_slice(head);
        // Writing into a Vec cannot fail.
        let _ = write!(self.out, "Content-Length: {}\r\n\r\n", body.len());
        self.out.extend_from_slice(body);
        self.stream.write_all(&self.out).await?;
        self.stream.flush().await?;
        self.received.drain(..self.answered);
        self.answered = 0;
        let head = loop {
            if let Some(head) = parse_head(&self.received)? {
                break head;
            }
            self.fill().await?;
        };
        let end = head.len + head.body_len;
        while self.received.len() < end {
            self.fill().await?;
        }
        self.answered = end;
        Ok((head.status, &self.received[head.len..end]))
    }

    /// Reads what the server sent next.
    async fn fill(&mut self) -> anyhow::Result<()> {
        self.received.reserve(8192);
        if self.stream.read_buf(&mut self.received).await? == 0 {
            bail!("the server closed the connection");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_complete_head_gives_status_and_lengths() {
        let answer =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        let head = parse_head(answer).unwrap().unwrap();
        assert_eq!(head.status, 200);
        assert_eq!(&answer[head.len..head.len + head.body_len], b"{}");
    }

    #[test]
    fn a_partial_head_waits_and_chunked_answers_are_refused() {
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Le").unwrap(), None);
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(parse_head(chunked).is_err());
        assert!(parse_head(b"SMTP 220\r\n\r\n").is_err());
    }

    #[tokio::test]
    async fn exchanges_follow_each_other_on_one_stream() {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        let serve = tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            for answer in ["one", "three"] {
                let n = server.read(&mut buf).await.unwrap();
                seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{answer}",
                    answer.len()
                );
                server.write_all(reply.as_bytes()).await.unwrap();
            }
            seen
        });
        let mut wire = Wire::new(Box::new(client));
        let head = b"POST /x HTTP/1.1\r\nHost: h\r\n";
        assert_eq!(wire.exchange(head, b"a").await.unwrap(), (200, &b"one"[..]));
        assert_eq!(
            wire.exchange(head, b"bc").await.unwrap(),
            (200, &b"three"[..])
        );
        let seen = serve.await.unwrap();
        assert!(seen[1].ends_with("Content-Length: 2\r\n\r\nbc"), "{seen:?}");
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_answers(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_head(&bytes);
        }
    }
}
