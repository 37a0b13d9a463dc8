//! Collectors: syslog over UDP, over TCP with RFC 6587 framing, and over TLS (RFC 5425), plus
//! the TLS server configuration shared with the HTTPS API.
//!
//! Collectors do no parsing. Each received message becomes a [`RawRecord`] (tenant, source,
//! transport, arrival time, peer, exact bytes) handed to an [`IngestSink`]; stream collectors
//! read further from a connection only once the sink has made the previous batch durable, so
//! a slow write-ahead log slows senders down instead of losing their messages.
//!
//! [`RawRecord`]: palisade_core::RawRecord
//! [`IngestSink`]: palisade_core::IngestSink

pub mod framing;
mod stream;
pub mod tls;
mod udp;

pub use stream::serve_stream;
pub use udp::serve_udp;

use palisade_core::TenantId;

/// Settings shared by the syslog collectors.
#[derive(Debug, Clone)]
pub struct SyslogOptions {
    /// The tenant every received record belongs to.
    pub tenant: TenantId,
    /// Largest accepted message (datagram or frame), in bytes; larger ones are rejected.
    pub max_message_bytes: usize,
    /// Most stream connections served at once; further ones are refused.
    pub max_connections: usize,
    /// A stream connection that sends nothing for this long is closed (what it sent is kept),
    /// so idle or stalled clients cannot hold every connection slot.
    pub idle_timeout: std::time::Duration,
}
