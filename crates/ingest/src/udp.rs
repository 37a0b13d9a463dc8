//! Syslog over UDP (RFC 5426): one message per datagram.

use crate::SyslogOptions;
use compact_str::ToCompactString;
use palisade_core::{time::now_ms, IngestSink, PayloadFormat, RawRecord, Text, Transport};
use std::{io::ErrorKind, net::SocketAddr, sync::Arc, time::Duration};
use tokio::net::UdpSocket;

/// The source name of records received over UDP.
const SOURCE: &str = "syslog-udp";
/// Most datagrams handed to the sink in one batch.
const MAX_BATCH: usize = 512;
/// Largest possible UDP payload, plus one.
const MAX_DATAGRAM: usize = 65_536;

/// Receives datagrams (one message each; a trailing LF/CRLF/NUL stripped) until the task is
/// aborted. Batches what is already waiting (up to ~512 datagrams) into one sink.submit.
/// Source name "syslog-udp".
pub async fn serve_udp(socket: UdpSocket, sink: Arc<dyn IngestSink>, opts: SyslogOptions) {
    // One byte more than allowed, so that an oversized datagram shows up as one.
    let mut buf = vec![0u8; opts.max_message_bytes.saturating_add(1).min(MAX_DATAGRAM)];
    loop {
        let mut batch = Vec::new();
        match socket.recv_from(&mut buf).await {
            Ok((len, peer)) => accept(&buf[..len], peer, &opts, sink.as_ref(), &mut batch),
            Err(err) => {
                tracing::warn!(%err, "syslog UDP receive failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        }
        while batch.len() < MAX_BATCH {
            match socket.try_recv_from(&mut buf) {
                Ok((len, peer)) => accept(&buf[..len], peer, &opts, sink.as_ref(), &mut batch),
                Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                Err(err) => {
                    tracing::warn!(%err, "syslog UDP receive failed");
                    break;
                }
            }
        }
        if batch.is_empty() {
            continue;
        }
        let count = batch.len();
        if let Err(err) = sink.submit(batch).await {
            // UDP has no acknowledgement to withhold: the datagrams are lost; say so.
            tracing::error!(%err, count, "syslog UDP batch not stored");
        }
    }
}

/// Turns one datagram into a record, or counts it as rejected.
fn accept(
    datagram: &[u8],
    peer: SocketAddr,
    opts: &SyslogOptions,
    sink: &dyn IngestSink,
    batch: &mut Vec<RawRecord>,
) {
    if datagram.len() > opts.max_message_bytes {
        sink.rejected(SOURCE, "datagram exceeds max_message_bytes");
        return;
    }
    let message = strip_line_end(datagram);
    if message.is_empty() {
        sink.rejected(SOURCE, "empty datagram");
        return;
    }
    batch.push(RawRecord {
        tenant: opts.tenant.clone(),
        source: Text::from(SOURCE),
        transport: Transport::Udp,
        format: PayloadFormat::Syslog,
        received_ms: now_ms(),
        peer: Some(peer.to_compact_string()),
        payload: message.to_vec(),
    });
}

/// The datagram without trailing LF, CRLF or NUL bytes, which senders add as if framing.
fn strip_line_end(mut bytes: &[u8]) -> &[u8] {
    loop {
        bytes = match bytes {
            [head @ .., b'\r', b'\n'] | [head @ .., b'\n'] | [head @ .., b'\0'] => head,
            _ => return bytes,
        };
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_line_ends_are_stripped() {
        assert_eq!(super::strip_line_end(b"a\r\n"), b"a");
        assert_eq!(super::strip_line_end(b"a\n\0"), b"a");
        assert_eq!(super::strip_line_end(b"a\r"), b"a\r");
        assert_eq!(super::strip_line_end(b" a "), b" a ");
    }
}
