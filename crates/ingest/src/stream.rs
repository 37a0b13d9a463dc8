//! Syslog over TCP (RFC 6587) and TLS (RFC 5425): one task per connection, each frame a record.

use crate::{
    framing::{Frame, FrameDecoder},
    SyslogOptions,
};
use compact_str::ToCompactString;
use palisade_core::{time::now_ms, IngestSink, PayloadFormat, RawRecord, Text, Transport};
use std::{sync::Arc, time::Duration};
use tokio::{
    io::{AsyncRead, AsyncReadExt},
    net::{TcpListener, TcpStream},
    sync::Semaphore,
    task::JoinSet,
};
use tokio_rustls::TlsAcceptor;

/// Bytes read from a connection at a time, at first.
const READ_CHUNK: usize = 64 * 1024;
/// The most a busy connection's reads grow to. What one read returns is submitted as one
/// batch, so a sender that keeps the buffer full gets bigger batches: fewer write-ahead-log
/// writes, fsyncs and task wakeups per message. Quiet connections keep the small buffer.
const MAX_READ_CHUNK: usize = 1024 * 1024;
/// Longest a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts TCP (tls = None, source "syslog-tcp") or TLS (source "syslog-tls") connections until
/// aborted. Per connection: read, split frames, submit all frames of one read as one batch and
/// AWAIT the submit before reading further (that await is the acknowledgement/backpressure); on
/// a sink error close the connection. At most max_connections at once (others are refused,
/// counted via sink.rejected). Aborting this task also ends every connection it serves.
pub async fn serve_stream(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    sink: Arc<dyn IngestSink>,
    opts: SyslogOptions,
) {
    let (source, transport) = match tls {
        Some(_) => ("syslog-tls", Transport::Tls),
        None => ("syslog-tcp", Transport::Tcp),
    };
    let slots = Arc::new(Semaphore::new(opts.max_connections.max(1)));
    // Dropping the set (when this task is aborted) aborts every connection task.
    let mut connections = JoinSet::new();
    loop {
        let accepted = listener.accept().await;
        while connections.try_join_next().is_some() {}
        let (tcp, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // Typically out of file descriptors: back off instead of spinning.
                tracing::warn!(%err, source, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            sink.rejected(source, "too many connections");
            continue;
        };
        let connection = Connection {
            sink: Arc::clone(&sink),
            opts: opts.clone(),
            source,
            transport,
            peer: peer.to_compact_string(),
        };
        let tls = tls.clone();
        connections.spawn(async move {
            let _slot = slot;
            connection.start(tcp, tls).await;
        });
    }
}

/// One accepted connection and where its records go.
struct Connection {
    sink: Arc<dyn IngestSink>,
    opts: SyslogOptions,
    source: &'static str,
    transport: Transport,
    peer: Text,
}

impl Connection {
    async fn start(self, tcp: TcpStream, tls: Option<TlsAcceptor>) {
        // Syslog senders write small frames; acknowledgements should not wait for Nagle.
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(%err, "set_nodelay failed");
        }
        let Some(acceptor) = tls else {
            return self.read_frames(tcp).await;
        };
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => self.read_frames(stream).await,
            Ok(Err(err)) => {
                tracing::debug!(%err, peer = %self.peer, "TLS handshake failed");
                self.sink.rejected(self.source, "TLS handshake failed");
            }
            Err(_) => self.sink.rejected(self.source, "TLS handshake timed out"),
        }
    }

    /// Reads until end of stream, a framing error or a sink error.
    async fn read_frames(&self, mut stream: impl AsyncRead + Unpin) {
        let mut decoder = FrameDecoder::new(self.opts.max_message_bytes);
        let mut buf = vec![0u8; READ_CHUNK];
        let mut frames = Vec::new();
        loop {
            let read =
                match tokio::time::timeout(self.opts.idle_timeout, stream.read(&mut buf)).await {
                    Err(_idle) => {
                        tracing::debug!(peer = %self.peer, "closing idle syslog connection");
                        decoder.finish(&mut frames);
                        self.deliver(&mut frames).await;
                        return;
                    }
                    Ok(Ok(0)) => {
                        decoder.finish(&mut frames);
                        self.deliver(&mut frames).await;
                        return;
                    }
                    Ok(Ok(read)) => read,
                    Ok(Err(err)) => {
                        tracing::debug!(%err, peer = %self.peer, "syslog connection read failed");
                        return;
                    }
                };
            let decoded = decoder.decode(&buf[..read], &mut frames);
            if read == buf.len() && buf.len() < MAX_READ_CHUNK {
                buf.resize(buf.len() * 2, 0);
            }
            if !self.deliver(&mut frames).await {
                return;
            }
            if decoded.is_err() {
                self.sink.rejected(self.source, "invalid octet count");
                return;
            }
        }
    }

    /// Submits the messages among `frames` as one batch and counts the rejected ones;
    /// false when the sink failed and the connection must close.
    async fn deliver(&self, frames: &mut Vec<Frame>) -> bool {
        let received_ms = now_ms();
        let mut batch = Vec::with_capacity(frames.len());
        for frame in frames.drain(..) {
            match frame {
                Frame::Message(payload) => batch.push(RawRecord {
                    tenant: self.opts.tenant.clone(),
                    source: Text::from(self.source),
                    transport: self.transport,
                    format: PayloadFormat::Syslog,
                    received_ms,
                    peer: Some(self.peer.clone()),
                    payload,
                }),
                Frame::Rejected(reason) => self.sink.rejected(self.source, reason),
            }
        }
        if batch.is_empty() {
            return true;
        }
        match self.sink.submit(batch).await {
            Ok(_) => true,
            Err(err) => {
                tracing::warn!(%err, peer = %self.peer, "closing syslog connection: batch not stored");
                false
            }
        }
    }
}
